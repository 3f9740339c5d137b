import { describe, expect, test } from "vitest";
import { broadcastShapes, broadcastStrides, stridesOf } from "../src/shape.js";

describe("broadcasting shapes and strides", () => {
  test("broadcastShapes aligns trailing dimensions; size 1 and missing dimensions stretch", () => {
    expect(broadcastShapes("add", [3, 1], [2, 3, 4])).toEqual([2, 3, 4]);
    expect(broadcastShapes("add", [], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes("add", [5, 1, 3], [4, 1])).toEqual([5, 4, 3]);
    expect(broadcastShapes("add", [0, 1], [1, 7])).toEqual([0, 7]);
    expect(() => broadcastShapes("add", [2, 3], [4, 3])).toThrow(
      /add: shapes cannot be broadcast together.*dimension -2 is 2 in a and 4 in b/,
    );
  });

  // A stretched dimension reads the same element again (stride 0); the others keep the
  // row-major strides of the operand's own shape.
  test.each([
    { from: [2, 3], to: [2, 3], strides: [3, 1] },
    { from: [3, 1], to: [2, 3, 4], strides: [0, 1, 0] },
    { from: [4], to: [3, 4], strides: [0, 1] },
    { from: [], to: [2, 3], strides: [0, 0] },
    { from: [2, 1, 3], to: [2, 5, 3], strides: [3, 0, 1] },
    { from: [1, 1], to: [1, 1], strides: [0, 0] },
    { from: [6, 1, 5], to: [7, 6, 4, 5], strides: [0, 5, 0, 1] },
  ])("broadcastStrides $from → $to is $strides", ({ from, to, strides }) => {
    expect(broadcastStrides(from, to)).toEqual(strides);
  });

  test("without broadcasting, broadcastStrides is the row-major strides", () => {
    for (const shape of [[5], [2, 3, 4], [7, 1, 2]]) {
      const own = stridesOf(shape).map((s, d) => (shape[d] === 1 ? 0 : s));
      expect(broadcastStrides(shape, shape)).toEqual(own);
    }
  });
});
