/** Every misuse gets a typed error whose fields name the op and shapes; messages are pinned. */
import {
  AxisError,
  BackwardRuleError,
  concat,
  DTypeError,
  defineOp,
  gather,
  matmul,
  ShapeError,
  TensortapeError,
  tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";

/** Runs fn, returning what it threw (failing the test if it did not throw). */
function thrown(fn: () => unknown): TensortapeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TensortapeError);
    return error as TensortapeError;
  }
  throw new Error("expected an error");
}

describe("ShapeError", () => {
  test("matmul names both shapes and the inner dimensions", () => {
    const e = thrown(() => matmul(zeros([2, 3]), zeros([4, 5])));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e).toMatchObject({ op: "matmul", shapes: { a: [2, 3], b: [4, 5] } });
    expect(e.message).toBe("matmul: inner dimensions differ; got a [2, 3] and b [4, 5] (3 ≠ 4)");
  });

  test("broadcasting names the dimension that does not fit", () => {
    const e = thrown(() => zeros([2, 3]).add(zeros([4, 3])));
    expect(e.message).toBe(
      "add: shapes cannot be broadcast together; got a [2, 3] and b [4, 3] (dimension -2 is 2 in a and 4 in b)",
    );
  });

  test("data whose length does not match its shape", () => {
    const e = thrown(() => tensor([1, 2, 3], { shape: [2, 2] }));
    expect(e).toBeInstanceOf(ShapeError);
    expect(e.message).toBe(
      "tensor: data length does not match shape; got shape [2, 2] (3 elements for shape [2, 2], which holds 4)",
    );
  });

  test("ragged nested arrays", () => {
    expect(() => tensor([[1, 2], [3]])).toThrowError(/ragged.*at depth 1: length 1 where 2/);
  });

  test("non-integer and negative dimensions", () => {
    expect(() => zeros([2, -1])).toThrowError(ShapeError);
    expect(() => zeros([2.5])).toThrowError(
      "zeros: dimensions must be non-negative integers; got shape [2.5] (2.5 is not)",
    );
  });

  test("a typed array without a shape", () => {
    expect(() => tensor(new Float32Array(3))).toThrowError(
      /needs a shape\nhint: pass \{ shape: \[3\] \}/,
    );
  });

  test("reshape to a different size", () => {
    expect(() => tensor([1, 2, 3]).reshape([2, 2])).toThrowError(
      "reshape: the new shape must hold the same number of elements; got x [3] and shape [2, 2] (3 elements cannot be laid out as 2 × 2)",
    );
  });

  test("concat with mismatched shapes", () => {
    expect(() => concat([zeros([2, 3]), zeros([2, 4])], 0)).toThrowError(
      "concat: shapes must agree except along axis 0; got tensor 0 [2, 3] and tensor 1 [2, 4]",
    );
  });
});

describe("AxisError", () => {
  test("an axis out of range names the axis, the shape and the valid range", () => {
    const e = thrown(() => zeros([2, 3]).sum(2));
    expect(e).toBeInstanceOf(AxisError);
    expect(e).toMatchObject({ op: "sum", axis: 2, shape: [2, 3] });
    expect(e.message).toBe(
      "sum: axis out of range; got axis 2 for shape [2, 3] (rank 2: valid axes are -2..1)",
    );
  });

  test("a repeated axis", () => {
    expect(() => zeros([2, 3]).sum([1, -1])).toThrowError(/axis repeated/);
  });
});

describe("DTypeError", () => {
  test("float32 and float64 do not mix silently", () => {
    const e = thrown(() => zeros([2]).add(zeros([2], { dtype: "float64" })));
    expect(e).toBeInstanceOf(DTypeError);
    expect(e).toMatchObject({ op: "add", dtypes: { a: "float32", b: "float64" } });
    expect(e.message).toMatch(
      /^add: float32 and float64 tensors cannot be mixed; got a float32 and b float64\nhint: cast/,
    );
  });

  test("gather needs int32 indices", () => {
    expect(() => gather(zeros([2, 2]), 1, zeros([2, 1]))).toThrowError(
      /gather: indices must be int32/,
    );
  });

  test("int32 data must hold integers", () => {
    expect(() => tensor([1.5], { dtype: "int32" })).toThrowError(DTypeError);
  });

  test("the mean of an int32 tensor asks for a cast", () => {
    expect(() => tensor([1], { dtype: "int32" }).mean()).toThrowError(
      /mean: expects a float tensor.*\nhint: cast/s,
    );
  });
});

describe("ValueError", () => {
  test("gather indices out of range", () => {
    const index = tensor([[0], [2]], { dtype: "int32" });
    expect(() => gather(zeros([2, 2]), 1, index)).toThrowError(ValueError);
    expect(() => gather(zeros([2, 2]), 1, index)).toThrowError(
      /index 2 at flat position 1 is out of range for axis 1 of size 2/,
    );
  });

  test("item of a tensor with several elements", () => {
    expect(() => zeros([2]).item()).toThrowError(
      "item: only one-element tensors have an item; got 2 elements",
    );
  });
});

describe("BackwardRuleError: a broken rule is told apart from a user's mistake", () => {
  const x = () => tensor([1, 2], { requiresGrad: true });

  test("the wrong number of gradients", () => {
    const bad = defineOp({ name: "twoGrads", forward: ([a]) => a.mul(2), backward: (g) => [g, g] });
    const e = thrown(() => bad(x()).sum().backward());
    expect(e).toBeInstanceOf(BackwardRuleError);
    expect(e.message).toBe("twoGrads: backward rule: returned 2 gradients for 1 inputs");
  });

  test("a gradient of the wrong shape names the op and the input", () => {
    const bad = defineOp({
      name: "badShape",
      forward: ([a]) => a.mul(2),
      backward: (g) => [g.sum()],
    });
    const e = thrown(() => bad(x()).sum().backward());
    expect(e).toMatchObject({ op: "badShape", inputIndex: 0 });
    expect(e.message).toBe(
      "badShape: backward rule (input 0): returned a gradient of shape [] for an input of shape [2]",
    );
  });

  test("a gradient of the wrong dtype", () => {
    const bad = defineOp({
      name: "badDtype",
      forward: ([a]) => a.mul(2),
      backward: (g) => [g.cast("float64")],
    });
    expect(() => bad(x()).sum().backward()).toThrowError(
      "badDtype: backward rule (input 0): returned a float64 gradient for a float32 input",
    );
  });
});
