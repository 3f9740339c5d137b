/**
 * One sweep over the whole op table (op-cases.ts): every differentiable op's backward rule
 * against central finite differences in float64, with a random non-uniform upstream gradient
 * (gradcheck's v), on inputs kept away from kinks; ops without a gradient are checked to
 * record none.
 */
import { isFloat, type Tensor } from "@tensortape/core";
import { gradcheck } from "@tensortape/core/testing";
import { describe, expect, test } from "vitest";
import { cases, r } from "./op-cases.js";

describe("every op's backward rule matches finite differences (float64)", () => {
  for (const [op, opCases] of Object.entries(cases)) {
    if ("noGradient" in opCases) {
      test(`${op} carries no gradient`, () => {
        const inputs = opCases.inputs().map((x) => (isFloat(x.dtype) ? x.requireGrad() : x));
        const out = opCases.noGradient(...inputs);
        expect(out.requiresGrad).toBe(false);
        expect(out.node).toBeNull();
      });
      continue;
    }
    for (const c of opCases) {
      test(c.name, () => {
        const report = gradcheck(c.f, c.inputs, c.options);
        expect(report.passed).toBe(true);
      });
    }
  }
});

test("diamond graph: a value used along two paths gets the sum of both", () => {
  // y = tanh(x)·exp(x) + tanh(x): x reaches y through tanh twice and exp once.
  const f = (x: Tensor) => {
    const t = x.tanh();
    return t.mul(x.exp()).add(t);
  };
  expect(gradcheck(f, [r([3, 2])]).passed).toBe(true);
});

test("a deep chain of mixed ops", () => {
  const f = (x: Tensor, w: Tensor) => {
    let h = x;
    for (let i = 0; i < 5; i++) h = h.matmul(w).tanh().add(h.mul(0.5));
    return h.logSoftmax().mean();
  };
  expect(gradcheck(f, [r([2, 3]), r([3, 3], -0.5, 0.5)]).passed).toBe(true);
});
