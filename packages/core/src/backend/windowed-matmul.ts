/**
 * The products of `MatmulArgs.bWindow` and `outWindow` (a convolution's product, weight
 * gradient and input gradient) lowered onto a backend's own im2col, matmul and col2im through
 * an explicit column buffer: the meaning of those arguments, and how the reference backend
 * (and any backend with no faster way for some dtype or rank) computes them.
 */
import type { TypedArray } from "../dtype.js";
import { sizeOf } from "../shape.js";
import type { Backend, MatmulArgs, WindowGeometry } from "./backend.js";

/** What a window's columns measure: taps per position, positions and elements per plane. */
export function windowSizes(w: WindowGeometry) {
  return { taps: sizeOf(w.kernel), positions: sizeOf(w.outShape), inSize: sizeOf(w.inShape) };
}

/**
 * Checks that the product sizes in `args` agree with its windows, throwing where they do not
 * (an op built the arguments wrongly: a silent mismatch would read past the planes).
 */
export function checkWindows(args: MatmulArgs, bLength: number, outLength: number): void {
  const { bWindow, outWindow, m, k, n, transB } = args;
  const fail = (what: string) => {
    throw new Error(`matmul: ${what} (m=${m}, k=${k}, n=${n}, transB=${transB})`);
  };
  if (bWindow) {
    const { taps, positions, inSize } = windowSizes(bWindow);
    const [rows, cols] = transB ? [n, k] : [k, n];
    if (rows !== bWindow.planes * taps || cols !== positions) {
      fail(
        `b's window gives [${bWindow.planes * taps}, ${positions}] columns, not [${rows}, ${cols}]`,
      );
    }
    for (const offset of args.bOffsets) {
      if (offset % inSize !== 0 || offset + bWindow.planes * inSize > bLength) {
        fail(`b's planes at ${offset} are not whole planes of ${inSize} inside ${bLength}`);
      }
    }
  }
  if (outWindow) {
    const { taps, positions, inSize } = windowSizes(outWindow);
    if (m !== outWindow.planes * taps || n !== positions) {
      fail(
        `out's window takes [${outWindow.planes * taps}, ${positions}] columns, not [${m}, ${n}]`,
      );
    }
    if (args.aOffsets.length * outWindow.planes * inSize > outLength) {
      fail(`out holds ${outLength} elements, fewer than the products' planes`);
    }
  }
}

/** Scratch space for a backend's own storage: zeroed arrays and parts of arrays. */
export interface Scratch<S> {
  /** A zeroed array of `length` elements of `like`'s dtype. */
  allocate(like: S, length: number): S;
  /** Elements [start, start + length) of `array`, in place. */
  slice(array: S, start: number, length: number): S;
  /** Gives back what `allocate` handed out, once the work using it is recorded. */
  release(array: S): void;
}

/**
 * Throws unless `bias` (of `length` values) fits the product `args` describes: an axis
 * named, m values for "rows" or n for "cols", and no `outWindow`, whose products are folded.
 */
export function checkMatmulBias(args: MatmulArgs, length: number): void {
  const { m, n, biasAxis } = args;
  const fail = (what: string) => {
    throw new Error(`matmul: ${what} (m=${m}, n=${n}, biasAxis=${biasAxis})`);
  };
  if (biasAxis !== "rows" && biasAxis !== "cols") fail('a bias needs biasAxis "rows" or "cols"');
  if (args.outWindow) fail("a bias cannot be added to products that are folded (outWindow)");
  const needed = biasAxis === "rows" ? m : n;
  if (length < needed) fail(`the bias holds ${length} values, fewer than the ${needed} needed`);
}

/** Throws unless `args.scale` is absent or a number, and not combined with `outWindow`. */
export function checkMatmulScale(args: MatmulArgs): void {
  const { scale } = args;
  if (scale === undefined) return;
  if (typeof scale !== "number") {
    throw new Error(`matmul: scale must be a number; got ${String(scale)}`);
  }
  if (args.outWindow) {
    throw new Error("matmul: products that are folded (outWindow) cannot be scaled");
  }
}

/** Scratch on the CPU: fresh typed arrays, left to the garbage collector. */
export const cpuScratch: Scratch<TypedArray> = {
  allocate: (like, length) => new (like.constructor as new (n: number) => TypedArray)(length),
  slice: (array, start, length) => array.subarray(start, start + length),
  release: () => {},
};

/**
 * Column elements the lowering below holds at once (8 MB of float32): it unfolds and folds a
 * run of products at a time, so a call's size bounds none of its scratch memory.
 */
const COLUMN_ELEMENTS = 1 << 21;

/**
 * out = the product `args` describes, windows included, through `backend`'s im2col, plain
 * matmul and col2im, a run of products at a time: the run's planes are unfolded into one
 * column buffer (each product's offset moved from its planes to their columns), and with
 * `outWindow` the products go to a buffer that col2im folds into out. Every backend's
 * lowering where it has no faster way.
 */
export function windowedMatmul<S extends { readonly length: number }>(
  backend: Pick<Backend<S>, "im2col" | "col2im" | "matmul">,
  scratch: Scratch<S>,
  a: S,
  b: S,
  out: S,
  args: MatmulArgs,
  bias?: S,
): void {
  checkWindows(args, b.length, out.length);
  checkMatmulScale(args);
  if (bias) checkMatmulBias(args, bias.length);
  const { bWindow, outWindow, ...plain } = args;
  const { m, n } = args;
  const unfold = bWindow && windowSizes(bWindow);
  const fold = outWindow && windowSizes(outWindow);
  const unfolded = unfold ? bWindow!.planes * unfold.taps * unfold.positions : 0;
  const run = Math.max(1, Math.floor(COLUMN_ELEMENTS / (unfolded + (fold ? m * n : 0))));
  const products = args.aOffsets.length;
  for (let p0 = 0; p0 < products; p0 += run) {
    const p1 = Math.min(products, p0 + run);
    const buffers: S[] = [];
    let right = b;
    let bOffsets = args.bOffsets.slice(p0, p1);
    if (bWindow && unfold) {
      // The planes the run's products read: from the first to the end of the last.
      const first = bOffsets.reduce((x, y) => Math.min(x, y)) / unfold.inSize;
      const last = bOffsets.reduce((x, y) => Math.max(x, y)) / unfold.inSize;
      const planes = last + bWindow.planes - first;
      right = scratch.allocate(b, planes * unfold.taps * unfold.positions);
      buffers.push(right);
      const source = scratch.slice(b, first * unfold.inSize, planes * unfold.inSize);
      backend.im2col(source, right, { ...bWindow, planes });
      bOffsets = bOffsets.map(
        (offset) => (offset / unfold.inSize - first) * unfold.taps * unfold.positions,
      );
    }
    const runArgs = { ...plain, aOffsets: args.aOffsets.slice(p0, p1), bOffsets };
    if (outWindow && fold) {
      const columns = scratch.allocate(out, (p1 - p0) * m * n);
      buffers.push(columns);
      backend.matmul(a, right, columns, runArgs);
      const planes = (p1 - p0) * outWindow.planes;
      const target = scratch.slice(out, p0 * outWindow.planes * fold.inSize, planes * fold.inSize);
      backend.col2im(columns, target, { ...outWindow, planes });
    } else {
      backend.matmul(a, right, scratch.slice(out, p0 * m * n, (p1 - p0) * m * n), runArgs, bias);
    }
    for (const buffer of buffers) scratch.release(buffer);
  }
}
