import { LRScheduler, type Scheduled } from "./lr-scheduler.js";

/**
 * The initial learning rate times any factor of the step: lr = base·factor(epoch). The factor
 * is a function, so its state dict holds only the step (PyTorch saves no plain functions
 * either), and every rate it gives must be a finite number ≥ 0.
 * @example new LambdaLR(optimizer, (epoch) => 0.95 ** epoch)
 */
export class LambdaLR extends LRScheduler {
  constructor(optimizer: Scheduled, factor: (epoch: number) => number) {
    super(optimizer, (epoch, base) => base * factor(epoch), {
      op: "LambdaLR",
      hyperparameters: {},
      validate: (_, check) => {
        if (typeof factor !== "function") check.fail("factor", factor, "a function of the step");
      },
    });
  }
}
