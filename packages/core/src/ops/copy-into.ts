import { isGradEnabled, noGrad } from "../autograd/grad-mode.js";
import { backendOf } from "../backend/registry.js";
import { GradientError, ShapeError } from "../errors.js";
import { broadcastShapes } from "../shape.js";
import type { Tensor } from "../tensor.js";
import { broadcastView, contiguousView } from "./kernels.js";

/**
 * Writes `source`'s values into `target`'s data in place (PyTorch's `copy_`): broadcast to
 * target's shape, cast to its dtype and moved to its device. Nothing is recorded; target's
 * version is bumped, so a graph that saved it refuses to run backward with the new values.
 * A target that requires grad is refused while recording (wrap the call in `noGrad`).
 */
export function copyInto(target: Tensor, source: Tensor): void {
  if (target.requiresGrad && isGradEnabled()) {
    throw new GradientError(
      "copyFrom",
      "cannot write in place into a tensor that requires grad while gradients are recorded",
      "wrap the call in noGrad(() => ...), as optimizers and loadStateDict do",
    );
  }
  const shape = broadcastShapes("copyFrom", source.shape, target.shape);
  if (shape.length !== target.rank || shape.some((n, i) => n !== target.shape[i])) {
    throw new ShapeError("copyFrom", "source does not broadcast to the target's shape", {
      target: target.shape,
      source: source.shape,
    });
  }
  const moved = source.device === target.device ? source : noGrad(() => source.to(target.device));
  backendOf(target.storage).copy(
    broadcastView(moved, target.shape),
    contiguousView(target),
    target.shape,
  );
  target.bumpVersion();
}
