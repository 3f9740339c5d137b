// @tensortape/data: IDX/MNIST parsing, datasets and batching. Browser-safe: anything that
// touches the file system lives in the Node-only entry, `@tensortape/data/node`.

export { IdxFormatError } from "./errors.js";
export { isGzip } from "./gzip.js";
export {
  encodeIdx,
  IDX_TYPES,
  type IdxArray,
  type IdxArrays,
  type IdxInput,
  type IdxType,
  idxToTensor,
  parseIdx,
  parseIdxAsync,
} from "./idx.js";
export {
  MNIST_FILES,
  type Mnist,
  type MnistFile,
  type MnistOptions,
  type MnistSplit,
  mnistFromBuffers,
  type Normalization,
} from "./mnist.js";
