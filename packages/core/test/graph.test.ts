/** Looking at the tape: graphOf lists what backward() will walk; toDot draws it. */
import { graphOf, tensor, toDot } from "@tensortape/core";
import { expect, test } from "vitest";

test("graphOf lists ops and leaves, inputs first, with shapes and grad flags", () => {
  const x = tensor([[1, 2]], { requiresGrad: true });
  const w = tensor([[1], [2]], { requiresGrad: true });
  const c = tensor(3);
  const y = x.matmul(w).mul(c);
  const entries = graphOf(y);
  expect(entries.map((e) => e.op)).toEqual([null, null, "matmul", null, "mul"]);
  expect(entries.at(-1)).toMatchObject({
    op: "mul",
    shape: [1, 1],
    requiresGrad: true,
    released: false,
  });
  const matmulEntry = entries.find((e) => e.op === "matmul")!;
  expect(matmulEntry.inputs).toEqual([x.id, w.id]);
  expect(entries.find((e) => e.id === c.id)?.requiresGrad).toBe(false);
  y.sum().backward();
  expect(graphOf(y).at(-1)?.released).toBe(true);
});

test("toDot emits a Graphviz digraph with one edge per input", () => {
  const x = tensor([1], { requiresGrad: true });
  const y = x.exp().add(x);
  const dot = toDot(y);
  expect(dot.startsWith("digraph tensortape {")).toBe(true);
  expect(dot).toContain(`t${x.id} -> t${y.id};`);
  expect(dot).toContain('label="exp\\n[1] float32", shape=box');
  expect(dot.match(/->/g)?.length).toBe(3);
});
