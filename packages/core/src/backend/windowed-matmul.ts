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

/** A fresh zeroed array of `like`'s type. */
function alike(like: TypedArray, length: number): TypedArray {
  const Kind = like.constructor as new (length: number) => TypedArray;
  return new Kind(length);
}

/**
 * out = the product `args` describes, windows included, through `backend`'s im2col, plain
 * matmul and col2im: b's planes are unfolded into one column buffer (each product's offset
 * moved from its planes to their columns), and with `outWindow` the products go to a buffer
 * that col2im folds into out.
 */
export function windowedMatmul(
  backend: Pick<Backend, "im2col" | "col2im" | "matmul">,
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
  args: MatmulArgs,
): void {
  checkWindows(args, b.length, out.length);
  const { bWindow, outWindow, ...plain } = args;
  let right = b;
  let bOffsets = args.bOffsets;
  if (bWindow) {
    const { taps, positions, inSize } = windowSizes(bWindow);
    const planes = Math.floor(b.length / inSize);
    right = alike(b, planes * taps * positions);
    backend.im2col(b.subarray(0, planes * inSize), right, { ...bWindow, planes });
    bOffsets = args.bOffsets.map((offset) => (offset / inSize) * taps * positions);
  }
  if (!outWindow) {
    backend.matmul(a, right, out, { ...plain, bOffsets });
    return;
  }
  const products = args.aOffsets.length;
  const columns = alike(out, products * args.m * args.n);
  backend.matmul(a, right, columns, { ...plain, bOffsets });
  const planes = products * outWindow.planes;
  const { inSize } = windowSizes(outWindow);
  backend.col2im(columns, out.subarray(0, planes * inSize), { ...outWindow, planes });
}
