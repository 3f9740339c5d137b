// The README's first example, run as written.
import { manualSeed, randn, type Tensor } from "@tensortape/core";
import { Adam, accuracy, crossEntropy, Dense, Dropout, Module } from "@tensortape/nn";
import { expect, test } from "vitest";

class MyNet extends Module {
  hidden = new Dense(2, 32, { activation: "relu" });
  dropout = new Dropout(0.1);
  out = new Dense(32, 2);

  override forward(x: Tensor): Tensor {
    return this.out.forward(this.dropout.forward(this.hidden.forward(x)));
  }
}

test("the README's custom module trains and names its parameters", () => {
  manualSeed(0);
  const model = new MyNet();
  const optimizer = new Adam(model.parameters(), { lr: 0.05 });
  const x = randn([128, 2]);
  const y = x.sum(1).gt(0).cast("int32");
  for (let step = 0; step < 100; step++) {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
  }
  model.eval();
  expect(accuracy(model.forward(x), y)).toBeGreaterThan(0.95);
  expect(model.namedParameters().map(([name]) => name)).toEqual([
    "hidden.weight",
    "hidden.bias",
    "out.weight",
    "out.bias",
  ]);
});
