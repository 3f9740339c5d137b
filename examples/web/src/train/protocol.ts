/** Messages between the page and the training worker. */

/** A model's weights by state-dict name, as plain arrays that cross postMessage. */
export type Weights = Record<string, { shape: number[]; data: Float32Array }>;

/** What the page asks of the worker. */
export type ToWorker =
  | {
      type: "start";
      /** Where the four MNIST IDX files are (the page's mnist/ folder). */
      dataUrl: string;
      batchSize: number;
      lr: number;
      epochs: number;
      hidden: number[];
    }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "weights" };

/** What the worker tells the page. */
export type FromWorker =
  | {
      type: "ready";
      backend: string;
      threads: number;
      isolated: boolean;
    }
  | { type: "loading"; message: string }
  | {
      type: "progress";
      step: number;
      totalSteps: number;
      /** Each new step's mini-batch loss and accuracy since the last message. */
      losses: number[];
      accuracies: number[];
      samplesPerSecond: number;
    }
  | { type: "evaluated"; step: number; testAccuracy: number }
  | { type: "paused"; step: number }
  | { type: "done"; step: number; seconds: number }
  | { type: "weights"; weights: Weights; hidden: number[]; mean: number; std: number }
  | { type: "error"; message: string };
