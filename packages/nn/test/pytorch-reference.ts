// Reads fixtures/conv/reference.json (written by reference.py with PyTorch) and holds a
// tensortape layer to one of its cases: output, input gradient, parameter gradients and the
// state dict after the call.
import { readFileSync } from "node:fs";
import { type DType, type Tensor, tensor } from "@tensortape/core";
import { assertClose } from "@tensortape/core/testing";
import type { Module } from "@tensortape/nn";
import { expect } from "vitest";

interface Encoded {
  readonly shape: number[];
  readonly dtype: DType;
  readonly data: number[];
}

interface ReferenceCase {
  readonly state: Record<string, Encoded>;
  readonly inputs: Encoded[];
  readonly g: Encoded;
  readonly y: Encoded;
  readonly dx: Encoded;
  readonly grads: Record<string, Encoded>;
  readonly stateAfter: Record<string, Encoded>;
}

const cases = JSON.parse(
  readFileSync(new URL("./fixtures/conv/reference.json", import.meta.url), "utf8"),
) as Record<string, ReferenceCase>;

export function decode(e: Encoded, requiresGrad = false): Tensor {
  return tensor(e.data, { shape: e.shape, dtype: e.dtype, requiresGrad });
}

/** Tolerances: float64 cases agree to rounding; float32 ones to float32's precision. */
function tolerance(dtype: DType) {
  return dtype === "float64" ? { atol: 1e-10, rtol: 1e-9 } : { atol: 2e-5, rtol: 2e-4 };
}

/**
 * Loads the case's state dict into `layer` (which must already have the case's dtype and
 * options), runs it in training or eval mode on the case's inputs, and compares everything
 * PyTorch recorded.
 */
export function matchesPyTorch(
  name: string,
  layer: Module & { forward(x: Tensor): Tensor },
  train = true,
): void {
  const c = cases[name];
  if (!c) throw new Error(`no reference case "${name}"; rerun fixtures/conv/reference.py`);
  layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, decode(v)])));
  layer.train(train);
  const inputs = c.inputs.map((e) => decode(e));
  for (const x of inputs.slice(0, -1)) layer.forward(x);
  const x = decode(c.inputs.at(-1)!, true);
  const y = layer.forward(x);
  const tol = tolerance(c.y.dtype);
  expect(y.dtype).toBe(c.y.dtype);
  assertClose(y, decode(c.y), tol);
  y.mul(decode(c.g)).sum().backward();
  assertClose(x.grad!, decode(c.dx), tol);
  const params = Object.fromEntries(layer.namedParameters());
  expect(Object.keys(params).sort()).toEqual(Object.keys(c.grads).sort());
  for (const [k, g] of Object.entries(c.grads)) assertClose(params[k]!.grad!, decode(g), tol);
  const after = layer.stateDict();
  expect(Object.keys(after).sort()).toEqual(Object.keys(c.stateAfter).sort());
  for (const [k, v] of Object.entries(c.stateAfter)) {
    expect(after[k]!.shape, k).toEqual(v.shape);
    assertClose(after[k]!, decode(v), tol);
  }
}
