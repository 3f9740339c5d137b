import {
  checkOptions,
  formatShape,
  ShapeError,
  type Tensor,
  ValueError,
  zeros,
} from "@tensortape/core";
import { IdxFormatError } from "./errors.js";
import { formatValue } from "./format-value.js";
import { describeIdxType, type IdxArray, parseIdx } from "./idx.js";
import { resolveMaxBytes } from "./max-bytes.js";

/** The four files of MNIST and of the data sets shipped like it (Fashion-MNIST, EMNIST). */
export type MnistFile = "trainImages" | "trainLabels" | "testImages" | "testLabels";

/**
 * The standard (uncompressed) names of the four files; gzipped copies add `.gz`.
 * @example MNIST_FILES.trainImages // "train-images-idx3-ubyte"
 */
export const MNIST_FILES: Readonly<Record<MnistFile, string>> = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
};

/** A mean and standard deviation of pixel values in [0, 1]. */
export interface Normalization {
  /** Subtracted from every pixel. */
  readonly mean: number;
  /** Divides every pixel after the mean is subtracted. */
  readonly std: number;
}

/** How images come out of `mnistFromBuffers` and `loadMnist`. */
export interface MnistOptions {
  /** `"flat"` (default): images [N, H·W]; `"image"`: [N, H, W]. */
  readonly shape?: "flat" | "image";
  /**
   * `false` (default): pixels scaled to [0, 1]. `true`: then standardised by the training set's
   * own mean and std (0.1307 and 0.3081 for MNIST). `{ mean, std }`: by those values.
   */
  readonly normalize?: boolean | Normalization;
  /**
   * The most bytes any one file may hold, after decompression (default `DEFAULT_MAX_BYTES`,
   * 1 GiB; `Infinity` for no limit): larger files throw a `SizeLimitError`.
   */
  readonly maxBytes?: number;
}

/** The keys of `MnistOptions`, which `checkOptions` holds options to. */
export const MNIST_OPTIONS = ["shape", "normalize", "maxBytes"] as const;

/** `MnistOptions` checked, with their defaults filled in. */
export interface ResolvedMnistOptions {
  readonly shape: "flat" | "image";
  readonly normalize: boolean | Normalization;
  readonly maxBytes: number;
}

/**
 * Checks the values of `MnistOptions` (not their keys: the caller knows which it takes) and
 * fills in the defaults; a bad value is a `ValueError` naming `op`.
 */
export function resolveMnistOptions(op: string, options: MnistOptions): ResolvedMnistOptions {
  const { shape = "flat", normalize = false } = options;
  if (shape !== "flat" && shape !== "image") {
    throw new ValueError(op, `shape must be "flat" or "image"; got ${formatValue(shape)}`);
  }
  if (typeof normalize !== "boolean") {
    if (typeof normalize !== "object" || normalize === null) {
      throw new ValueError(
        op,
        `normalize must be a boolean or { mean, std }; got ${formatValue(normalize)}`,
      );
    }
    checkOptions(`${op}: normalize`, normalize, ["mean", "std"]);
    const { mean, std } = normalize;
    if (
      typeof mean !== "number" ||
      typeof std !== "number" ||
      !Number.isFinite(mean) ||
      !Number.isFinite(std) ||
      std <= 0
    ) {
      throw new ValueError(
        op,
        `normalize needs a finite mean and a positive std; got mean ${formatValue(mean)} and std ${formatValue(std)}`,
      );
    }
  }
  return { shape, normalize, maxBytes: resolveMaxBytes(op, options.maxBytes) };
}

/** Images and their labels. images: [N, H·W] (or [N, H, W]) float32, labels: [N] int32. */
export interface MnistSplit {
  /** The images, float32 in [0, 1] unless normalised. */
  readonly images: Tensor;
  /** The digit of each image, int32 in 0..9. */
  readonly labels: Tensor;
}

/** The training and test sets, and the normalisation applied to both (null when none). */
export interface Mnist {
  /** The 60,000 training examples. */
  readonly train: MnistSplit;
  /** The 10,000 test examples. */
  readonly test: MnistSplit;
  /** The mean and std subtracted and divided out of both splits, or null. */
  readonly normalization: Normalization | null;
}

const OP = "mnistFromBuffers";

/**
 * MNIST (or Fashion-MNIST, EMNIST...) from the raw bytes of its four IDX files: images become
 * float32 tensors scaled to [0, 1], labels int32 tensors. Browser-safe: fetch the files yourself
 * (and decompress gzipped ones, e.g. with `DecompressionStream`); in Node, `loadMnist` from
 * `@tensortape/data/node` reads them for you.
 * images: [N, 784] (or [N, 28, 28] with shape "image"), labels: [N]
 * @param names names the files in error messages (default: the standard file names).
 * @example
 * const { train, test } = mnistFromBuffers({ trainImages, trainLabels, testImages, testLabels });
 * train.images.shape; // [60000, 784]
 */
export function mnistFromBuffers(
  buffers: Readonly<Record<MnistFile, Uint8Array>>,
  options: MnistOptions = {},
  names: Partial<Record<MnistFile, string>> = {},
): Mnist {
  checkOptions(OP, options, MNIST_OPTIONS);
  const resolved = resolveMnistOptions(OP, options);
  const keys = Object.keys(MNIST_FILES) as MnistFile[];
  checkOptions(`${OP}: buffers`, buffers, keys);
  checkOptions(`${OP}: names`, names, keys);
  for (const key of keys) {
    if (Object.prototype.toString.call(buffers[key]) !== "[object Uint8Array]") {
      throw new ValueError(
        OP,
        `buffers.${key} must be the bytes (a Uint8Array) of ${MNIST_FILES[key]}; got ${formatValue(buffers[key])}`,
        `pass all four: ${keys.join(", ")}`,
      );
    }
    if (names[key] !== undefined && typeof names[key] !== "string") {
      throw new ValueError(OP, `names.${key} must be a string; got ${formatValue(names[key])}`);
    }
  }
  return mnistFromCheckedBuffers(buffers, resolved, names);
}

/** `mnistFromBuffers` once its arguments are checked: `loadMnist` calls it with its own. */
export function mnistFromCheckedBuffers(
  buffers: Readonly<Record<MnistFile, Uint8Array>>,
  options: ResolvedMnistOptions,
  names: Partial<Record<MnistFile, string>>,
): Mnist {
  const { shape, maxBytes } = options;
  const file = (key: MnistFile) => names[key] ?? MNIST_FILES[key];
  const read = (key: MnistFile, rank: number) => {
    const array = parseIdx(buffers[key], file(key), { maxBytes });
    checkLayout(array, file(key), rank);
    return array;
  };
  const trainImages = read("trainImages", 3);
  const testImages = read("testImages", 3);
  const normalization = resolveNormalization(options.normalize, trainImages);
  const split = (images: IdxArray, imagesKey: MnistFile, labelsKey: MnistFile): MnistSplit => {
    const labels = read(labelsKey, 1);
    const n = images.shape[0]!;
    if (labels.shape[0] !== n) {
      throw new IdxFormatError(
        OP,
        file(labelsKey),
        "labels and images differ in count",
        `${n} labels, one per image in ${file(imagesKey)}`,
        `${labels.shape[0]} labels`,
      );
    }
    return {
      images: toImages(images, file(imagesKey), shape, normalization),
      labels: toLabels(labels.data as Uint8Array),
    };
  };
  return {
    train: split(trainImages, "trainImages", "trainLabels"),
    test: split(testImages, "testImages", "testLabels"),
    normalization,
  };
}

/** Images are unsigned bytes [N, H, W]; labels unsigned bytes [N]. */
function checkLayout(array: IdxArray, file: string, rank: number): void {
  const what = rank === 3 ? "images" : "labels";
  if (array.type !== "ubyte") {
    throw new IdxFormatError(
      OP,
      file,
      `${what} of the wrong element type`,
      describeIdxType("ubyte"),
      describeIdxType(array.type),
    );
  }
  if (array.shape.length !== rank) {
    throw new IdxFormatError(
      OP,
      file,
      `${what} of the wrong rank`,
      rank === 3 ? "3 dimensions [N, height, width]" : "1 dimension [N]",
      `shape ${formatShape(array.shape)}`,
    );
  }
}

function resolveNormalization(
  normalize: ResolvedMnistOptions["normalize"],
  trainImages: IdxArray,
): Normalization | null {
  if (normalize === false) return null;
  if (normalize === true) return pixelStatistics(trainImages.data as Uint8Array);
  return { mean: normalize.mean, std: normalize.std };
}

/** Mean and (population) standard deviation of bytes / 255, from exact integer sums. */
function pixelStatistics(pixels: Uint8Array): Normalization {
  const n = pixels.length;
  if (n === 0) return { mean: 0, std: 1 };
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const v = pixels[i]!;
    sum += v;
    sumSquares += v * v;
  }
  const mean = sum / n;
  const variance = Math.max(sumSquares / n - mean * mean, 0);
  // Images of one constant value have no spread to divide by: leave their scale alone.
  return { mean: mean / 255, std: Math.sqrt(variance) / 255 || 1 };
}

function toImages(
  array: IdxArray,
  file: string,
  shape: "flat" | "image",
  normalization: Normalization | null,
): Tensor {
  const pixels = array.data as Uint8Array;
  const [n, height, width] = array.shape as [number, number, number];
  // A byte has 256 values: map each once, then look every pixel up.
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) {
    table[v] = normalization ? (v / 255 - normalization.mean) / normalization.std : v / 255;
  }
  let images: Tensor;
  try {
    images = zeros(shape === "flat" ? [n, height * width] : [n, height, width]);
  } catch (error) {
    // A file of no images may still claim a height or width no tensor can hold.
    if (!(error instanceof ShapeError)) throw error;
    throw new IdxFormatError(
      OP,
      file,
      "images larger than a tensor can hold",
      `dimensions a tensor can hold (${error.detail ?? error.problem})`,
      `shape ${formatShape(array.shape)}`,
    );
  }
  const out = images.data;
  for (let i = 0; i < pixels.length; i++) out[i] = table[pixels[i]!]!;
  return images;
}

function toLabels(labels: Uint8Array): Tensor {
  const out = zeros([labels.length], { dtype: "int32" });
  out.data.set(labels);
  return out;
}
