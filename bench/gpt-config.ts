/**
 * The char-gpt model `pnpm bench`'s gpt section trains, shared by tensortape's step
 * (gpt-step.ts) and the peers' (peers/jaxjs.ts, peers/tfjs.ts): no imports, so the peers can
 * take it without tensortape.
 */
export const GPT_CONFIG = {
  vocabSize: 65,
  contextLength: 64,
  width: 128,
  layers: 4,
  heads: 4,
  dropout: 0,
  tieWeights: true,
};
export const GPT_BATCH = 32;
