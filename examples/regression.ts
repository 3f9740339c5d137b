// Regression: an MLP fitting a noisy 1-D function, with the fit drawn in the terminal.
//
//   pnpm example regression
import { Generator, linspace, manualSeed, noGrad, tensor } from "@tensortape/core";
import { Adam, MLP, mseLoss } from "@tensortape/nn";
import asciichart from "asciichart";
import { Command, InvalidArgumentError } from "commander";

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
};
const options = new Command("regression")
  .description("Fit y = sin(2x) + x/2 + noise on [-3, 3] with a 1 → 32 → 32 → 1 tanh network.")
  .option("--steps <n>", "full-batch gradient steps", positiveInt, 1500)
  .option("--noise <std>", "standard deviation of the noise", Number, 0.15)
  .option("--seed <n>", "seed for data and weights", (v) => Number.parseInt(v, 10), 0)
  .parse()
  .opts<{ steps: number; noise: number; seed: number }>();

// ---- Data: 80 noisy samples of a smooth function --------------------------------------------
const truth = (x: number) => Math.sin(2 * x) + x / 2;
const generator = new Generator(options.seed);
const n = 80;
const xs = Array.from({ length: n }, (_, i) => -3 + (6 * i) / (n - 1));
const ys = xs.map((x) => truth(x) + options.noise * generator.normal());
const x = tensor(xs, { shape: [n, 1] });
const y = tensor(ys, { shape: [n, 1] });

// ---- Model ----------------------------------------------------------------------------------
manualSeed(options.seed);
const model = new MLP([1, 32, 32, 1], { activation: "tanh" });
const optimizer = new Adam(model.parameters(), { lr: 0.01 });

// ---- Train: full batch, mean squared error ---------------------------------------------------
for (let step = 1; step <= options.steps; step++) {
  const loss = mseLoss(model.forward(x), y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  if (step === 1 || step % (options.steps / 5) === 0) {
    console.log(`step ${String(step).padStart(5)}  mse ${loss.item().toFixed(4)}`);
  }
}

// ---- Look: data (blue), fit (green) and the noise-free truth (red) on 60 columns ------------
const grid = linspace(-3, 3, 60).reshape([60, 1]);
const fit = Array.from(noGrad(() => model.forward(grid)).data);
const gridX = Array.from(grid.data);
// The data drawn at the grid column nearest to each sample.
const data = gridX.map((gx) => ys[Math.round(((gx + 3) / 6) * (n - 1))]!);
console.log(
  `\n${asciichart.plot([data, fit, gridX.map(truth)], {
    height: 14,
    colors: [asciichart.blue, asciichart.green, asciichart.red],
    format: (v) => v.toFixed(2).padStart(6),
  })}`,
);
console.log("blue: noisy data   green: the network's fit   red: sin(2x) + x/2");
const worst = Math.max(...fit.map((f, i) => Math.abs(f - truth(gridX[i]!))));
console.log(`largest gap between the fit and the noise-free function: ${worst.toFixed(3)}`);
