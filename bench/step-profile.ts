/**
 * Times one MLP training step with SGD alone, for profiling: the small one (784→128→10,
 * batch 128) or, with `large`, 784→1024→1024→10 at batch 256.
 *
 *     node --cpu-prof --conditions=@tensortape/source --import tsx bench/step-profile.ts [threads] [seconds] [large]
 */
import { initialWeights, randomBatch } from "./data.js";
import { medianMs } from "./measure.js";
import { tensortape } from "./tensortape.js";

const threads = Number(process.argv[2] ?? 1);
const seconds = Number(process.argv[3] ?? 2);
const large = process.argv[4] === "large";
const sizes = large ? [784, 1024, 1024, 10] : [784, 128, 10];
const framework = tensortape("wasm", threads);
await framework.activate();
const trainer = framework.mlp(sizes, initialWeights(sizes, 1), { kind: "sgd", lr: 0.01 });
const { x, y } = randomBatch(large ? 256 : 128, 3);
const ms = medianMs(() => trainer.step(x, y), { seconds, samples: large ? 5 : 20 });
console.log(`${framework.name}: ${ms.toFixed(3)} ms per step`);
