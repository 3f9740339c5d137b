// @tensortape/data: IDX/MNIST parsing, datasets and batching. Browser-safe: anything that
// touches the file system lives in the Node-only entry, `@tensortape/data/node`.

export { type Dataset, type Example, Subset, TensorDataset } from "./dataset.js";
export { IdxFormatError, SizeLimitError } from "./errors.js";
export { isGzip } from "./gzip.js";
export {
  encodeIdx,
  IDX_TYPES,
  type IdxArray,
  type IdxArrays,
  type IdxInput,
  type IdxType,
  idxToTensor,
  type ParseIdxOptions,
  parseIdx,
  parseIdxAsync,
} from "./idx.js";
export { DataLoader, type DataLoaderOptions } from "./loader.js";
export { DEFAULT_MAX_BYTES } from "./max-bytes.js";
export {
  MNIST_FILES,
  type Mnist,
  type MnistFile,
  type MnistOptions,
  type MnistSplit,
  mnistFromBuffers,
  type Normalization,
} from "./mnist.js";
export { type OneHotOptions, oneHot } from "./one-hot.js";
export { type RandomSplitOptions, randomSplit } from "./split.js";
export {
  splitTokens,
  TextWindowDataset,
  type TextWindowDatasetOptions,
  type Tokens,
} from "./text-dataset.js";
export {
  CharVocabulary,
  type CharVocabularyJSON,
  UnknownCharacterError,
} from "./vocabulary.js";
