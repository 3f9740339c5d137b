// The README's first example, run as written.
import { manualSeed, randn, type Tensor, tensor } from "@tensortape/core";
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

test("the README's hyperparameter errors, as printed", () => {
  const p = tensor([1], { requiresGrad: true });
  expect(() => new Adam([p], { lr: "0.01" as unknown as number })).toThrow(
    'Adam: lr must be a finite number ≥ 0; got "0.01" (a string)',
  );
  const optimizer = new Adam([p]);
  const saved = optimizer.stateDict();
  const tampered = { ...saved, paramGroups: [{ ...saved.paramGroups[0]!, betas: [2, 2] }] };
  expect(() => optimizer.loadStateDict(tampered)).toThrow(
    "Adam.loadStateDict: paramGroups[0].betas[0] must be a number in [0, 1); got 2",
  );
});
