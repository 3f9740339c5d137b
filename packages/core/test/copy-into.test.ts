import { GradientError, noGrad, ShapeError, tensor, zeros } from "@tensortape/core";
import { expect, test } from "vitest";

test("copyFrom writes broadcast, cast values in place and bumps the version", () => {
  const target = zeros([2, 3]);
  const before = target.data;
  const version = target.version;
  target.copyFrom(tensor([1, 2, 3], { dtype: "int32" }));
  expect(target.data).toBe(before);
  expect(target.toArray()).toEqual([
    [1, 2, 3],
    [1, 2, 3],
  ]);
  expect(target.dtype).toBe("float32");
  expect(target.version).toBe(version + 1);
});

test("copyFrom refuses a source that does not broadcast to the target's shape", () => {
  expect(() => zeros([2, 3]).copyFrom(zeros([3, 3]))).toThrow(ShapeError);
  expect(() => zeros([3]).copyFrom(zeros([2, 3]))).toThrow(
    "copyFrom: source does not broadcast to the target's shape; got target [3] and source [2, 3]",
  );
});

test("copyFrom into a tensor that requires grad needs noGrad, as PyTorch's copy_ on a leaf", () => {
  const w = zeros([2]).requireGrad();
  expect(() => w.copyFrom(tensor([1, 2]))).toThrow(GradientError);
  noGrad(() => w.copyFrom(tensor([1, 2])));
  expect(w.toArray()).toEqual([1, 2]);
});

test("a tensor on the CPU reports its device, reads asynchronously and moves to itself", async () => {
  const t = tensor([1, 2, 3]);
  expect(t.device).toBe("cpu");
  expect(t.to("cpu")).toBe(t);
  expect(await t.read()).toBe(t.data);
  expect(await t.toArrayAsync()).toEqual([1, 2, 3]);
  expect(() => t.to("gpu" as "cpu")).toThrow(
    'to: unknown device "gpu"; expected one of cpu, webgpu',
  );
  expect(() => t.to("webgpu")).toThrow("to: the webgpu device has not been started");
  expect(() => zeros([2], { device: "webgpu" })).toThrow(
    "zeros: the webgpu device has not been started",
  );
});
