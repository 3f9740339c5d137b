import { LRScheduler, type Scheduled } from "./lr-scheduler.js";

/**
 * The initial learning rate times any factor of the step: lr = base·factor(epoch).
 * @example new LambdaLR(optimizer, (epoch) => 0.95 ** epoch)
 */
export class LambdaLR extends LRScheduler {
  constructor(optimizer: Scheduled, factor: (epoch: number) => number) {
    super(optimizer, (epoch, base) => base * factor(epoch));
  }
}
