// Tools for checking ops and backward rules: `@tensortape/core/testing`.
export { assertClose, type CloseOptions, maxAbsDiff } from "./testing/allclose.js";
export {
  GradcheckError,
  type GradcheckMismatch,
  type GradcheckOptions,
  type GradcheckReport,
  gradcheck,
  gradgradcheck,
} from "./testing/gradcheck.js";
export { type RandomTensorOptions, randomTensor } from "./testing/random.js";
