// XOR: the smallest complete training loop.
//
// Four points no straight line separates; a network with one hidden layer learns them.
//   pnpm example xor
import { manualSeed, noGrad, tensor } from "@tensortape/core";
import { Adam, binaryCrossEntropyWithLogits, MLP } from "@tensortape/nn";
import { Command, InvalidArgumentError } from "commander";

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
};
const options = new Command("xor")
  .description("Train a 2 → 8 → 1 network on XOR and print the learned truth table.")
  .option("--steps <n>", "gradient steps", positiveInt, 500)
  .option("--seed <n>", "seed for the initial weights", (v) => Number.parseInt(v, 10), 0)
  .parse()
  .opts<{ steps: number; seed: number }>();

// ---- Data: the truth table ------------------------------------------------------------------
const x = tensor([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
]);
const y = tensor([[0], [1], [1], [0]]);

// ---- Model: one hidden layer of tanh units, a logit out -------------------------------------
manualSeed(options.seed);
const model = new MLP([2, 8, 1], { activation: "tanh" });
const optimizer = new Adam(model.parameters(), { lr: 0.05 });

// ---- Train: forward, loss, backward, step ----------------------------------------------------
for (let step = 1; step <= options.steps; step++) {
  const loss = binaryCrossEntropyWithLogits(model.forward(x), y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  if (step === 1 || step % (options.steps / 5) === 0) {
    console.log(`step ${String(step).padStart(4)}  loss ${loss.item().toFixed(4)}`);
  }
}

// ---- Look: the learned truth table ----------------------------------------------------------
const p = noGrad(() => model.forward(x).sigmoid());
console.log("\n a  b | a xor b | predicted");
for (let i = 0; i < 4; i++) {
  const [a, b] = [x.data[2 * i]!, x.data[2 * i + 1]!];
  const prob = p.data[i]!;
  console.log(` ${a}  ${b} |    ${y.data[i]}    | ${prob.toFixed(3)} → ${prob > 0.5 ? 1 : 0}`);
}
