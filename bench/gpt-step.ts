/**
 * One AdamW training step of the char-gpt example's model (vocabulary 65, context 64, width
 * 128, 4 heads, 4 layers, no dropout) at batch 32, as the example trains it: cross-entropy,
 * backward, gradient clipping to norm 1, weight decay on the linear layers' matrices only.
 * The workload of `bench/gpt.ts` and of `pnpm bench`'s gpt section.
 */
import { Generator, manualSeed, type Tensor, tensor } from "@tensortape/core";
import { AdamW, clipGradNorm, crossEntropy } from "@tensortape/nn";
import { GPT } from "../examples/_lib/gpt.js";
import { GPT_BATCH, GPT_CONFIG } from "./gpt-config.js";

export { GPT_BATCH, GPT_CONFIG };

/** A fresh model (seeded), random token batches and optimizer; the step returns the loss. */
export function gptStep(): { step: () => number; parameters: number } {
  const config = GPT_CONFIG;
  manualSeed(0);
  const model = new GPT(config);
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    (p.rank === 2 && !name.toLowerCase().includes("embedding") ? decay : noDecay).push(p);
  }
  const optimizer = new AdamW(
    [
      { params: decay, weightDecay: 0.1 },
      { params: noDecay, weightDecay: 0 },
    ],
    { lr: 1e-3, betas: [0.9, 0.99] },
  );
  // Random tokens: the step's cost does not depend on what the text says.
  const generator = new Generator(7);
  const tokens = () =>
    tensor(
      Array.from({ length: GPT_BATCH * config.contextLength }, () =>
        generator.integer(0, config.vocabSize),
      ),
      { dtype: "int32", shape: [GPT_BATCH, config.contextLength] },
    );
  const x = tokens();
  const y = tokens();
  const step = () => {
    const loss = crossEntropy(model.forward(x).reshape([-1, config.vocabSize]), y.reshape([-1]));
    optimizer.zeroGrad();
    loss.backward();
    clipGradNorm(model.parameters(), 1);
    optimizer.step();
    return loss.item();
  };
  return { step, parameters: model.numParameters() };
}
