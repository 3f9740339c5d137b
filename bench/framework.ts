/** What the benchmark runs on each framework, each prepared once and then timed. */
export interface Framework {
  /** The name in the table, e.g. "tensortape wasm ×2". */
  readonly name: string;
  /** Makes this framework's backend (and thread count) the active one. */
  activate(): Promise<void>;
  /** A closure computing op(a)·b for square n×n operands, result read back. */
  matmul(a: Float32Array, b: Float32Array, n: number, transA: boolean): () => void;
  /** An MLP of `sizes` (ReLU between layers) starting from `initial` weights. */
  mlp(sizes: readonly number[], initial: readonly Float32Array[], optimizer: Optimizer): Trainer;
  /** A closure recording `ops` tiny add/mul ops on a [4] tensor and differentiating them. */
  tape(ops: number): () => void;
  /**
   * One Adam step of PyTorch's MNIST example network at batch 64 (see conv-step.ts), fresh
   * weights each call; it may throw where the framework cannot train that network.
   */
  convStep(): () => void;
  /**
   * One AdamW step of the char-gpt model (see gpt-step.ts), or a note saying why the
   * framework has none.
   */
  gptStep(): (() => void) | string;
}

export type Optimizer = { readonly kind: "sgd" | "adam"; readonly lr: number };

export interface Trainer {
  /** One training step on a batch: x [B, 784] in [0, 1], labels y [B]. */
  step(x: Float32Array, y: Int32Array): void;
  /** Fraction of the examples classified correctly. */
  accuracy(images: Float32Array, labels: Int32Array): number;
  /** Frees what the framework needs freed (TF.js tensors); a no-op for tensortape. */
  dispose(): void;
}
