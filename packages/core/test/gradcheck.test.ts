import { defineOp, matmul, type Tensor, tensor } from "@tensortape/core";
import {
  GradcheckError,
  type GradcheckReport,
  gradcheck,
  gradgradcheck,
  randomTensor,
} from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";
import { softmaxBackward } from "../src/ops/softmax.js";

/** An op a·σ(b) whose rule for b is multiplied by `factor` at flat index `at` only. */
function gatedWithWrongRule(at: number, factor: number) {
  return defineOp({
    name: "gatedWrong",
    forward: ([a, b]) => a!.mul(b!.sigmoid()),
    backward: (g, { inputs: [a, b] }) => {
      const s = b!.sigmoid();
      // d(a·σ(b))/db = a·σ(b)(1 − σ(b)); the bump makes element `at` wrong on purpose.
      const bump = b!.zerosLike();
      bump.data[at] = factor - 1;
      return [g.mul(s), g.mul(a!).mul(s).mul(s.neg().add(1)).mul(bump.add(1))];
    },
  });
}

function gradcheckError(run: () => void): GradcheckError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(GradcheckError);
    return e as GradcheckError;
  }
  throw new Error("expected a GradcheckError");
}

describe("gradcheck: correct rules pass", () => {
  test("built-in ops", () => {
    const report = gradcheck(
      (x, w) => matmul(x, w).tanh(),
      [randomTensor([3, 4], { seed: 1 }), randomTensor([4, 2], { seed: 2 })],
    );
    expect(report.passed).toBe(true);
    expect(report.worst).toBeUndefined();
    expect(report.maxError).toBeLessThan(1e-7);
    expect([...report.ops].sort()).toEqual(["matmul", "tanh"]);
  });

  test("a user op, with an input that needs no bump", () => {
    // factor 1: the rule is right everywhere.
    const report = gradcheck(
      (a, b) => gatedWithWrongRule(0, 1)(a, b),
      [randomTensor([2, 3], { seed: 3 }), randomTensor([2, 3], { seed: 4 })],
    );
    expect(report.passed).toBe(true);
    expect(report.ops).toEqual(["gatedWrong"]);
  });

  test("float32 inputs are checked in float64", () => {
    const dtypes: string[] = [];
    gradcheck(
      (x) => {
        dtypes.push(x.dtype);
        return x.exp();
      },
      [tensor([0.5, -1, 2])],
    );
    expect(new Set(dtypes)).toEqual(new Set(["float64"]));
  });

  test("int32 inputs pass through unchanged and unchecked", () => {
    const index = tensor([2, 0, 2], { dtype: "int32" });
    const seen = new Set<Tensor>();
    const report = gradcheck(
      (x, i) => {
        seen.add(i!);
        return x.gather(0, i!).square();
      },
      [randomTensor([3], { seed: 5 }), index],
    );
    expect(report.passed).toBe(true);
    expect([...seen]).toEqual([index]);
  });
});

describe("gradcheck: a wrong rule is reported", () => {
  const inputs = () => [randomTensor([2, 3], { seed: 6 }), randomTensor([2, 3], { seed: 7 })];

  test("throws a GradcheckError naming the input, the element, both values and the tolerance", () => {
    // The rule for input 1 is doubled at flat index 4, position [1, 1].
    const wrong = gatedWithWrongRule(4, 2);
    const e = gradcheckError(() =>
      gradcheck((a, b) => wrong(a, b), inputs(), { atol: 1e-5, rtol: 1e-3 }),
    );
    const w = e.report.worst!;
    expect(e.report.passed).toBe(false);
    expect(w.input).toBe(1);
    expect(w.inputShape).toEqual([2, 3]);
    expect(w.index).toBe(4);
    expect(w.position).toEqual([1, 1]);
    // The analytic value is twice the true one; the numeric one is the true one.
    expect(w.analytic).toBeCloseTo(2 * w.numeric, 8);
    expect(Math.abs(w.numeric)).toBeGreaterThan(1e-3);
    expect(w.tolerance).toBeCloseTo(1e-5 + 1e-3 * Math.abs(w.numeric), 15);
    expect(e.report.maxError).toBeCloseTo(Math.abs(w.numeric), 8);
    expect(e.report.ops).toEqual(["gatedWrong"]);
    expect(e.message).toBe(
      `gradcheck: the analytic gradient of input 1 [2, 3] differs from finite differences at index [1, 1]: ` +
        `analytic ${w.analytic}, numeric ${w.numeric}, |difference| ${Math.abs(w.analytic - w.numeric)} ` +
        `> tolerance ${w.tolerance}\nops between the inputs and the output: gatedWrong`,
    );
  });

  test("throwOnFailure: false returns the report instead", () => {
    const wrong = gatedWithWrongRule(2, 3);
    const report: GradcheckReport = gradcheck((a, b) => wrong(a, b), inputs(), {
      throwOnFailure: false,
    });
    expect(report.passed).toBe(false);
    expect(report.worst?.input).toBe(1);
    expect(report.worst?.position).toEqual([0, 2]);
    expect(report.worst?.analytic).toBeCloseTo(3 * report.worst!.numeric, 8);
  });

  test("the tolerance options decide what is close enough", () => {
    // 1% off at one element: within rtol 5%, outside the default 0.1%.
    const slightlyWrong = gatedWithWrongRule(0, 1.01);
    const f = (a: Tensor, b: Tensor) => slightlyWrong(a, b);
    expect(gradcheck(f, inputs(), { rtol: 0.05 }).passed).toBe(true);
    expect(gradcheck(f, inputs(), { throwOnFailure: false }).passed).toBe(false);
  });

  test("a NaN gradient fails", () => {
    const nanRule = defineOp({
      name: "nanRule",
      forward: ([x]) => x!.mul(2),
      backward: (g) => [g.mul(Number.NaN)],
    });
    const report = gradcheck((x) => nanRule(x), [randomTensor([3], { seed: 8 })], {
      throwOnFailure: false,
    });
    expect(report.passed).toBe(false);
    expect(report.maxError).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(report.worst?.analytic)).toBe(true);
  });
});

describe("gradgradcheck", () => {
  // x³ computed on the raw array, with three versions of the same (correct) first derivative.
  function cubeWith(name: string, rule: (g: Tensor, x: Tensor) => Tensor) {
    return defineOp({
      name,
      forward: ([x]) => {
        const out = new Float64Array(x!.size);
        x!.data.forEach((v, i) => {
          out[i] = v ** 3;
        });
        return tensor(out, { shape: x!.shape, dtype: x!.dtype });
      },
      // d x³ = g·3x²
      backward: (g, { inputs: [x] }) => [rule(g, x!)],
    });
  }
  const withOps = cubeWith("cube", (g, x) => g.mul(x.square()).mul(3));
  const withDetached = cubeWith("cubeDetached", (g, x) => g.mul(x.detach().square()).mul(3));
  const withKernel = cubeWith("cubeKernel", (g, x) => {
    const out = new Float64Array(x.size);
    for (let i = 0; i < x.size; i++) out[i] = g.data[i]! * 3 * x.data[i]! ** 2;
    return tensor(out, { shape: x.shape, dtype: x.dtype });
  });
  const x = () => randomTensor([2, 3], { seed: 9, awayFrom: [0] });

  test("passes on built-in ops and on a user op whose rule is written with ops", () => {
    expect(gradgradcheck((t) => t.tanh().mul(t), [x()]).passed).toBe(true);
    expect(
      gradgradcheck((a, b) => matmul(a, b).softmax(), [x(), randomTensor([3, 4], { seed: 10 })])
        .passed,
    ).toBe(true);
    expect(gradgradcheck((t) => withOps(t), [x()]).passed).toBe(true);
  });

  test("softmax's backward op takes y and its gradient of one shape only", () => {
    const y = randomTensor([2, 3], { seed: 12 });
    const g = randomTensor([4, 2, 3], { seed: 13 });
    expect(() => softmaxBackward(y, g, 1, false)).toThrow(
      "softmaxBackward: y and its gradient must have the same shape",
    );
  });

  test("passes on softmax and log-softmax along every axis (their backward is one op of its own)", () => {
    const logits = () => randomTensor([3, 4, 2], { seed: 11 });
    for (const axis of [0, 1, 2]) {
      expect(gradgradcheck((t) => t.softmax(axis), [logits()]).passed).toBe(true);
      expect(gradgradcheck((t) => t.logSoftmax(axis), [logits()]).passed).toBe(true);
    }
  });

  test("catches first derivatives that are right but not differentiable", () => {
    for (const op of [withDetached, withKernel]) {
      // The first derivative passes...
      expect(gradcheck((t) => op(t), [x()]).passed).toBe(true);
      // ...the second does not: the rule's dependence on x is invisible to the tape.
      const e = gradcheckError(() => gradgradcheck((t) => op(t), [x()]));
      const w = e.report.worst!;
      expect(w.input).toBe(0);
      expect(w.analytic).toBe(0);
      expect(Math.abs(w.numeric)).toBeGreaterThan(1e-3);
    }
  });
});
