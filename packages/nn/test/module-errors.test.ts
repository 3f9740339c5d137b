/**
 * Errors thrown inside a model name where they happened, and buffers that stay out of state
 * dicts: both once missing (an error blamed matmul alone; a mask was saved in checkpoints).
 */
import { DTypeError, ShapeError, type Tensor, tensor, zeros } from "@tensortape/core";
import { describe, expect, test } from "vitest";
import { Dense, Module, Sequential } from "../src/index.js";

describe("errors inside a model", () => {
  test("name the module path above the op's own message, keeping the error's type and fields", () => {
    const model = new Sequential(new Dense(4, 3), new Dense(5, 2));
    let caught: unknown;
    try {
      model.forward(zeros([2, 4]));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ShapeError);
    const error = caught as ShapeError & { modulePath: string };
    expect(error.modulePath).toBe("Sequential › 1 (Dense(5 → 2))");
    expect(error.message).toMatch(
      /^in Sequential › 1 \(Dense\(5 → 2\)\):\n {2}Dense: the input's last dimension must be inFeatures = 5/,
    );
    expect(error.op).toBe("Dense");
    expect(error.stack).toContain("in Sequential › 1 (Dense(5 → 2))");
  });

  test("modules nested in fields are named by their field", () => {
    class Net extends Module {
      encoder = new Sequential(new Dense(2, 2));
      head = new Dense(3, 1);
      override forward(x: Tensor): Tensor {
        return this.head.forward(this.encoder.forward(x));
      }
    }
    expect(() => new Net().forward(zeros([1, 2]))).toThrow(/^in Net › head \(Dense\(3 → 1\)\):/);
    expect(() => new Net().forward(zeros([1, 5]))).toThrow(
      /^in Net › encoder \(Sequential\) › 0 \(Dense\(2 → 2\)\):/,
    );
  });

  test("a dtype clash suggests casting the input to the model's dtype, not the weight", () => {
    const model = new Sequential(new Dense(2, 2));
    let caught: unknown;
    try {
      model.forward(tensor([[1, 2]], { dtype: "float64" }));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DTypeError);
    const error = caught as DTypeError;
    expect(error.hint).toBe(
      `the model's parameters are float32: cast the input to match, as in x.cast("float32")`,
    );
    expect(error.message).not.toMatch(/b\.cast\(a\.dtype\)/);
  });

  test("a later call is annotated afresh and a successful one leaves no trace", () => {
    const model = new Sequential(new Dense(2, 2));
    expect(model.forward(zeros([1, 2])).shape).toEqual([1, 2]);
    expect(() => model.forward(zeros([1, 3]))).toThrow(/^in Sequential › 0/);
    expect(() => model.forward(zeros([1, 3]))).toThrow(/^in Sequential › 0/);
    expect(Object.keys(model)).not.toContain("forward");
  });
});

describe("registerBuffer", () => {
  class Masked extends Module {
    weight = zeros([2], { requiresGrad: true });
    constructor() {
      super();
      this.registerBuffer("mask", tensor([1, 0]), { persistent: false });
      this.registerBuffer("count", tensor([0]));
    }
    override forward(x: Tensor): Tensor {
      return x.mul(this.weight);
    }
  }

  test("a non-persistent buffer is a buffer but in no state dict; a persistent one is in both", () => {
    const m = new Masked();
    expect(m.namedBuffers().map(([n]) => n)).toEqual(["mask", "count"]);
    expect(Object.keys(m.stateDict())).toEqual(["weight", "count"]);
    const result = m.loadStateDict({ weight: tensor([3, 4]), count: tensor([5]) });
    expect(result).toEqual({ missing: [], unexpected: [] });
    expect(() =>
      m.loadStateDict({ weight: tensor([3, 4]), count: tensor([5]), mask: tensor([1, 1]) }),
    ).toThrow(/mask/);
  });

  test("bad names, tensors and options are typed errors", () => {
    const m = new Masked();
    expect(() => m.registerBuffer("a.b", tensor([1]))).toThrow(/without "\."/);
    expect(() => m.registerBuffer("p", tensor([1], { requiresGrad: true }))).toThrow(
      /does not require grad/,
    );
    expect(() => m.registerBuffer("q", tensor([1]), { persistant: false } as never)).toThrow(
      /did you mean "persistent"/,
    );
  });
});
