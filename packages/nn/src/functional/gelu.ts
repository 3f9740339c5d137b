// GELU is a core op (one kernel forward and one backward, on every backend); nn exports it
// beside the other activations, where PyTorch's users look for F.gelu.
export { type GeluApproximate, type GeluOptions, gelu } from "@tensortape/core";
