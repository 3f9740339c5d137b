import { formatShape, noGrad, ShapeError, shapesEqual, type Tensor } from "@tensortape/core";

/**
 * The fraction of samples whose highest-scoring class is the target: targets are int32 class
 * indices [...], or class probabilities / one-hot rows [..., C] (compared by their argmax).
 * A metric, not a loss: it returns a number and records nothing.
 * scores: [..., C], target: int32 [...] or [..., C] → number in [0, 1]
 * @example accuracy(tensor([[2, 1], [0, 3]]), tensor([0, 0], { dtype: "int32" })) // 0.5
 */
export function accuracy(scores: Tensor, target: Tensor): number {
  return noGrad(() => {
    const labels = target.dtype === "int32" ? target : target.argmax(-1);
    const batch = scores.shape.slice(0, -1);
    if (scores.rank === 0 || !shapesEqual(labels.shape, batch)) {
      throw new ShapeError(
        "accuracy",
        `targets must be class indices of shape ${formatShape(batch)} or rows of the scores' shape`,
        { scores: scores.shape, target: target.shape },
      );
    }
    if (labels.size === 0) return Number.NaN;
    const predicted = scores.argmax(-1).data;
    const truth = labels.data;
    let correct = 0;
    for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) correct++;
    return correct / truth.length;
  });
}
