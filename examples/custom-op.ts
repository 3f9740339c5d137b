// Writing a new op: softplus with a hand-written backward rule, checked, debugged and trained.
import {
  AnomalyError,
  defineOp,
  detectAnomaly,
  Generator,
  linspace,
  noGrad,
  randn,
  type Tensor,
  tensor,
  zeros,
} from "@tensortape/core";
import { GradcheckError, gradcheck, gradgradcheck, randomTensor } from "@tensortape/core/testing";
import { Command, InvalidArgumentError } from "commander";

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError("expected a positive number");
  return n;
}

function positiveInteger(value: string): number {
  const n = positiveNumber(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 0)) throw new InvalidArgumentError("expected an integer ≥ 0");
  return n;
}

const options = new Command("custom-op")
  .description(
    "Defines softplus with its own backward rule, gradchecks it, shows what a wrong rule " +
      "looks like, and fits sin(2x) with a small softplus MLP.",
  )
  .option("--steps <n>", "training steps (full-batch gradient descent)", positiveInteger, 4000)
  .option("--lr <rate>", "learning rate", positiveNumber, 0.03)
  .option("--hidden <n>", "hidden units", positiveInteger, 16)
  .option("--seed <n>", "seed of the initial weights", nonNegativeInteger, 0)
  .parse()
  .opts<{ steps: number; lr: number; hidden: number; seed: number }>();

// 1. The op: softplus(x) = log(1 + eˣ), computed on the raw typed array in a stable form.
const softplus = defineOp({
  name: "softplus",
  forward: ([x]) => {
    const src = x!.data;
    const out = new Float64Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      // max(v, 0) + log(1 + e^-|v|) never overflows, unlike log(1 + eᵛ) itself.
      out[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }
    return tensor(out, { shape: x!.shape, dtype: x!.dtype });
  },
  // d softplus(x) = g · σ(x), written with ops so that it can be differentiated again.
  backward: (g, { inputs: [x] }) => [g.mul(x!.sigmoid())],
});
const x0 = tensor([-1, 0, 1], { requiresGrad: true });
const y0 = softplus(x0);
y0.sum().backward();
console.log("softplus([-1, 0, 1])  =", y0.toString());
console.log("its gradient, σ(x)    =", x0.grad?.toString());

// 2. Check the rule against float64 central differences, and its own derivative too.
const input = randomTensor([4, 5], { seed: 0, low: -4, high: 4 });
const report = gradcheck((x) => softplus(x), [input]);
console.log(
  `\ngradcheck: passed=${report.passed}, largest error ${report.maxError.toExponential(2)}`,
);
const second = gradgradcheck((x) => softplus(x), [input]);
console.log(
  `gradgradcheck: passed=${second.passed}, largest error ${second.maxError.toExponential(2)}`,
);

// 3. A deliberately wrong rule: tanh instead of sigmoid. gradcheck says where and by how much.
const wrongSoftplus = defineOp({
  name: "wrongSoftplus",
  forward: ([x]) => softplus(x!),
  backward: (g, { inputs: [x] }) => [g.mul(x!.tanh())],
});
try {
  gradcheck((x) => wrongSoftplus(x), [input]);
} catch (e) {
  if (!(e instanceof GradcheckError)) throw e;
  console.log(`\nwhat gradcheck reports for a wrong rule:\n${e.message}`);
}

// 4. The naive forward log(1 + eˣ) overflows; anomaly mode names the op and where it was made.
const naiveSoftplus = defineOp({
  name: "naiveSoftplus",
  forward: ([x]) => x!.exp().add(1).log(),
  backward: (g, { inputs: [x] }) => [g.mul(x!.sigmoid())],
});
try {
  detectAnomaly(() => naiveSoftplus(tensor([1, 100])));
} catch (e) {
  if (!(e instanceof AnomalyError)) throw e;
  console.log(`\nwhat detectAnomaly reports for the naive forward:\n${e.message.split("\n")[0]}`);
  console.log(`first line of where it was made: ${e.createdAt?.split("\n")[0]?.trim()}`);
}

// 5. Train a 1 → hidden → 1 MLP with softplus on y = sin(2x), by plain gradient descent.
const generator = new Generator(options.seed);
const xs = linspace(-2, 2, 64).reshape([64, 1]);
const ys = xs.mul(2).sin();
const w1 = randn([1, options.hidden], { generator }).requireGrad();
const b1 = zeros([options.hidden], { requiresGrad: true });
const w2 = randn([options.hidden, 1], { generator })
  .mul(1 / Math.sqrt(options.hidden))
  .requireGrad();
const b2 = zeros([1], { requiresGrad: true });
const params: Tensor[] = [w1, b1, w2, b2];
const predict = (x: Tensor) => softplus(x.matmul(w1).add(b1)).matmul(w2).add(b2);

console.log(`\ntraining a 1 → ${options.hidden} → 1 softplus MLP on sin(2x), 64 points:`);
const every = Math.max(1, Math.round(options.steps / 8));
for (let step = 0; step <= options.steps; step++) {
  const loss = predict(xs).sub(ys).square().mean();
  if (step % every === 0 || step === options.steps) {
    console.log(`  step ${String(step).padStart(5)}  loss ${loss.item().toFixed(5)}`);
  }
  if (step === options.steps) break;
  loss.backward();
  for (const p of params) {
    const grad = p.grad!.data;
    for (let i = 0; i < p.data.length; i++) p.data[i]! -= options.lr * grad[i]!;
    p.grad = null;
  }
}

// 6. What the trained model predicts, beside the target.
const probe = tensor([-1.5, -0.5, 0.5, 1.5]).reshape([4, 1]);
const predicted = noGrad(() => predict(probe)).data;
probe.data.forEach((x, i) => {
  const target = Math.sin(2 * x)
    .toFixed(3)
    .padStart(6);
  const model = predicted[i]!.toFixed(3).padStart(6);
  console.log(`  x = ${x.toFixed(1).padStart(4)}: model ${model}, sin(2x) ${target}`);
});
