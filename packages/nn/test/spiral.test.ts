// End to end: an MLP trained with Adam separates two interleaved spirals.
import { Generator, manualSeed, type Tensor, tensor } from "@tensortape/core";
import { Adam, accuracy, crossEntropy, MLP } from "@tensortape/nn";
import { expect, test } from "vitest";

/** Two spirals of `n` points each, one turn and a half, with angular noise. */
function spirals(n: number, seed: number): { x: Tensor; y: Tensor } {
  const g = new Generator(seed);
  const points: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < n; i++) {
      const r = 0.05 + i / n;
      const angle = 3 * Math.PI * (i / n) + c * Math.PI + 0.1 * g.normal();
      points.push(r * Math.sin(angle), r * Math.cos(angle));
      labels.push(c);
    }
  }
  return { x: tensor(points, { shape: [2 * n, 2] }), y: tensor(labels, { dtype: "int32" }) };
}

test("an MLP learns the two-spiral problem to at least 95 % accuracy", () => {
  manualSeed(0);
  const train = spirals(200, 1);
  const held = spirals(100, 2);
  const model = new MLP([2, 32, 32, 2], { activation: "relu" });
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const initial = crossEntropy(model.forward(train.x), train.y).item();
  for (let epoch = 0; epoch < 150; epoch++) {
    optimizer.zeroGrad();
    crossEntropy(model.forward(train.x), train.y).backward();
    optimizer.step();
  }
  model.eval();
  const final = crossEntropy(model.forward(train.x), train.y).item();
  expect(final).toBeLessThan(initial / 10);
  expect(accuracy(model.forward(train.x), train.y)).toBeGreaterThanOrEqual(0.95);
  expect(accuracy(model.forward(held.x), held.y)).toBeGreaterThanOrEqual(0.95);
});
