import {
  AnomalyError,
  defineOp,
  detectAnomaly,
  isAnomalyEnabled,
  setAnomalyEnabled,
  tensor,
} from "@tensortape/core";
import { afterEach, describe, expect, test } from "vitest";

afterEach(() => {
  setAnomalyEnabled(false);
});

function anomalyError(run: () => void): AnomalyError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AnomalyError);
    return e as AnomalyError;
  }
  throw new Error("expected an AnomalyError");
}

/** The creation stack starts in this file: the library's own frames are left out. */
function expectRecordedHere(e: AnomalyError): void {
  const lines = e.createdAt?.split("\n") ?? [];
  expect(lines[0]).toContain("anomaly.test.ts");
  expect(lines.some((l) => /packages[/\\]core[/\\]src/.test(l))).toBe(false);
  expect(e.message).toContain(`\nThe op was recorded at:\n${e.createdAt}`);
}

// A raw-array op whose backward rule yields NaN where x = 0 (0·∞ in a hand-written kernel).
const badRule = defineOp({
  name: "badRule",
  forward: ([x]) => x!.mul(2),
  backward: (g, { inputs: [x] }) => {
    const out = new Float32Array(x!.size);
    for (let i = 0; i < out.length; i++) out[i] = g.data[i]! * (x!.data[i]! === 0 ? Number.NaN : 2);
    return [tensor(out, { shape: x!.shape })];
  },
});

describe("forward anomalies", () => {
  test("NaN: log of a negative number", () => {
    const e = anomalyError(() => detectAnomaly(() => tensor([2, -1]).log()));
    expect(e.op).toBe("log");
    expect(e.phase).toBe("forward");
    expect(e.inputShapes).toEqual([[2]]);
    expect(e.badValue).toBeNaN();
    expect(e.index).toBe(1);
    expect(e.message.split("\n")[0]).toBe("log: forward produced NaN at flat index 1; inputs [2]");
    expectRecordedHere(e);
  });

  test("Infinity: exp overflowing float32, with the shapes of both inputs of a matmul", () => {
    const a = tensor([[1, 2]], { requiresGrad: true });
    const b = tensor([[30], [40]]);
    const e = anomalyError(() => detectAnomaly(() => a.matmul(b).exp()));
    expect(e.op).toBe("exp");
    expect(e.badValue).toBe(Number.POSITIVE_INFINITY);
    const e2 = anomalyError(() => detectAnomaly(() => a.mul(1e38).matmul(b)));
    expect(e2.op).toBe("matmul");
    expect(e2.inputShapes).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(e2.message.split("\n")[0]).toBe(
      "matmul: forward produced Infinity at flat index 0; inputs [1, 2], [2, 1]",
    );
    expectRecordedHere(e2);
  });

  test("a user op whose composed forward makes a NaN is named, not the op inside it", () => {
    // logit(p) = log(p) − log(1 − p): NaN for p > 1, made by the inner log.
    const logit = defineOp({
      name: "logit",
      forward: ([p]) => p!.log().sub(p!.neg().add(1).log()),
      backward: (g, { inputs: [p] }) => [g.div(p!.mul(p!.neg().add(1)))],
    });
    const e = anomalyError(() => detectAnomaly(() => logit(tensor([0.5, 1.5, 0.25]))));
    expect(e.op).toBe("logit");
    expect(e.phase).toBe("forward");
    expect(e.index).toBe(1);
  });
});

describe("backward anomalies", () => {
  test("Infinity: the gradient of sqrt at 0, named as sqrt's backward", () => {
    const x = tensor([0, 4], { requiresGrad: true });
    const e = anomalyError(() =>
      detectAnomaly(() => {
        const y = x.sqrt().sum();
        y.backward();
      }),
    );
    // The rule computes g / (2·√x) with a div: the report names sqrt, whose rule it is.
    expect(e.op).toBe("sqrt");
    expect(e.phase).toBe("backward");
    expect(e.inputShapes).toEqual([[2]]);
    expect(e.badValue).toBe(Number.POSITIVE_INFINITY);
    expect(e.index).toBe(0);
    expectRecordedHere(e);
  });

  test("NaN from a user op's hand-written backward", () => {
    const x = tensor([[1, 0, 3]], { requiresGrad: true });
    const e = anomalyError(() => detectAnomaly(() => badRule(x).sum().backward()));
    expect(e.op).toBe("badRule");
    expect(e.phase).toBe("backward");
    expect(e.inputShapes).toEqual([[1, 3]]);
    expect(e.index).toBe(1);
    expect(e.message.split("\n")[0]).toBe(
      "badRule: backward produced NaN at flat index 1; inputs [1, 3]",
    );
    expectRecordedHere(e);
  });

  test("a broadcasting op's bad gradient is named before it is summed to its input's shape", () => {
    const scaledBy = defineOp({
      name: "scaledBy",
      broadcast: true,
      forward: ([x, s]) => x!.mul(s!),
      // d(x·s)/ds = g·x, written here as g·x/x·x to divide by zero where x = 0.
      backward: (g, { inputs: [x, s] }) => [g.mul(s!), g.mul(x!).div(x!).mul(x!)],
    });
    const x = tensor([[1, 0, 3]]);
    const s = tensor([2], { requiresGrad: true });
    const e = anomalyError(() => detectAnomaly(() => scaledBy(x, s).sum().backward()));
    expect(e.op).toBe("scaledBy");
    expect(e.phase).toBe("backward");
    expect(e.inputShapes).toEqual([[1, 3], [1]]);
  });

  test("with the mode on for backward only, the op is still named (without a stack)", () => {
    const x = tensor([0, 4], { requiresGrad: true });
    const y = x.sqrt().sum();
    const e = anomalyError(() => detectAnomaly(() => y.backward()));
    expect(e.op).toBe("sqrt");
    expect(e.phase).toBe("backward");
    expect(e.createdAt).toBeUndefined();
  });

  test("checks resume normally after a backward anomaly", () => {
    const x = tensor([0], { requiresGrad: true });
    anomalyError(() => detectAnomaly(() => badRule(x).sum().backward()));
    const e = anomalyError(() => detectAnomaly(() => tensor([-1]).sqrt()));
    expect(e.op).toBe("sqrt");
    expect(e.phase).toBe("forward");
  });
});

describe("off by default", () => {
  test("nothing is thrown and no stack is captured", () => {
    expect(isAnomalyEnabled()).toBe(false);
    const x = tensor([-1, 0], { requiresGrad: true });
    const y = x.log();
    expect(y.data[0]).toBeNaN();
    expect(y.data[1]).toBe(Number.NEGATIVE_INFINITY);
    expect(y.node?.createdAt).toBeUndefined();
    y.sum().backward();
    expect(x.grad?.data[1]).toBe(Number.POSITIVE_INFINITY);
  });

  test("when on, recorded nodes carry the stack", () => {
    const x = tensor([1], { requiresGrad: true });
    const y = detectAnomaly(() => x.log());
    expect(y.node?.createdAt?.split("\n")[0]).toContain("anomaly.test.ts");
  });
});

describe("switching it on and off", () => {
  test("the global switch returns the previous state", () => {
    expect(setAnomalyEnabled(true)).toBe(false);
    expect(isAnomalyEnabled()).toBe(true);
    expect(anomalyError(() => tensor([-1]).log()).op).toBe("log");
    expect(setAnomalyEnabled(false)).toBe(true);
    expect(isAnomalyEnabled()).toBe(false);
    expect(tensor([-1]).log().data[0]).toBeNaN();
  });

  test("detectAnomaly returns fn's value and restores the previous state", () => {
    expect(detectAnomaly(() => isAnomalyEnabled())).toBe(true);
    expect(detectAnomaly(() => 42)).toBe(42);
    expect(isAnomalyEnabled()).toBe(false);
    setAnomalyEnabled(true);
    detectAnomaly(() => undefined);
    expect(isAnomalyEnabled()).toBe(true);
  });

  test("detectAnomaly restores the previous state when fn throws", () => {
    expect(() =>
      detectAnomaly(() => {
        throw new RangeError("boom");
      }),
    ).toThrow(RangeError);
    expect(isAnomalyEnabled()).toBe(false);
    anomalyError(() => detectAnomaly(() => tensor([-1]).log()));
    expect(isAnomalyEnabled()).toBe(false);
    setAnomalyEnabled(true);
    anomalyError(() => detectAnomaly(() => tensor([-1]).log()));
    expect(isAnomalyEnabled()).toBe(true);
  });
});
