/**
 * Attention in float32 (assembly/attention.ts): q, k, v and the mask are copied into the
 * kernel memory once, and each product's scores, softmax and weighted sum (or, backward, its
 * dP, dS and three products) run one after another in a slice's own scratch, the products
 * split over the worker threads. The composition the backend interface defines it by would
 * copy the [batch, L, S] scores in and out of the kernel memory four times forward and six
 * backward, and its small products (a GPT's heads: 128 of 64×32·32×64) are each too short to
 * be worth splitting. The same routines compute each step, so the bits are the composition's
 * on any number of threads.
 */
import type { TypedArray } from "../../dtype.js";
import { sizeOf } from "../../shape.js";
import type { AttentionArgs, StridedView } from "../backend.js";
import { checkAttention, maskOffsets } from "../composed-attention.js";
import { partsByProduct, productBounds, roundUp, runKernel, SLICE_MIN_MACS } from "./matmul.js";
import { getLocalRuntime, type KernelRuntime } from "./runtime.js";
import { endSplitTiming, runtimeFor } from "./split.js";
import { getPool } from "./thread-pool.js";

/** The matmul kernels' tile and packing sizes, read from the module. */
function tiles(runtime: KernelRuntime) {
  const x = runtime.exports;
  return {
    MR: x.MR.value as number,
    NR: x.NR.value as number,
    MC: x.MC.value as number,
    KC: x.KC.value as number,
    NC: x.NC.value as number,
  };
}

/** Bytes of a padded float32 product of `rows` × `cols`, as the matmul kernel writes it. */
function paddedBytes(runtime: KernelRuntime, rows: number, cols: number): number {
  const { MR, NR } = tiles(runtime);
  return roundUp(rows, MR) * roundUp(cols, NR) * 4;
}

/** Bytes of the matmul's packing for products of at most `columns` columns. */
function packBytes(runtime: KernelRuntime, columns: number): [number, number] {
  const { MC, KC, NC, NR } = tiles(runtime);
  return [MC * KC * 4, KC * Math.min(NC, roundUp(columns, NR)) * 4];
}

/** An array a call reads or writes in the kernel memory (null: absent, address 0). */
type Operand = Float32Array | Int32Array | null;

/** One call of an attention kernel over `batch` products. */
interface Launch {
  readonly kernel: "attentionF32" | "attentionBackwardF32";
  /** The call's shape, for the split chooser. */
  readonly key: () => string;
  readonly batch: number;
  readonly macs: number;
  /** Copied into the kernel memory. */
  readonly inputs: readonly Operand[];
  /**
   * Written by the kernel, with the elements each product writes, one product after another;
   * 0 for an array whose products interleave (sequence first), copied out whole at the end.
   */
  readonly outputs: readonly (readonly [Operand, number])[];
  /** Bytes of each scratch region a slice needs. */
  readonly scratch: readonly number[];
  /** A slice's arguments from the arrays' addresses (inputs, then outputs), its products and its scratch. */
  readonly slice: (at: readonly number[], p0: number, p1: number, scratch: number[]) => number[];
}

/**
 * Copies the inputs in, splits the products over the threads where that has been measured to
 * pay (whole products per slice, each with scratch of its own) and copies each slice's
 * outputs out as the calling thread gets them; false where the memory has no room.
 */
function launch(call: Launch): boolean {
  const sliceBytes = call.scratch.reduce((x, y) => x + y, 0);
  const runtime = runtimeFor(call.macs, SLICE_MIN_MACS, call.key);
  if (!runtime) return false;
  const pool = runtime.shared ? getPool(runtime) : null;
  const threads = pool ? pool.threads() : 1;
  const parts = pool ? Math.max(1, partsByProduct(call.macs, call.batch, threads, sliceBytes)) : 1;
  const bounds = productBounds(call.batch, parts, threads);
  // First: reset may replace the memory and the instance (see KernelRuntime.reset).
  runtime.reset();
  const arrays = [...call.inputs, ...call.outputs.map(([array]) => array)];
  const at = arrays.map((a) => (a ? runtime.allocate(a.length * 4) : 0));
  const scratch = Array.from({ length: parts }, () =>
    call.scratch.map((bytes) => runtime.allocate(bytes)),
  );
  if (at.some((a) => a < 0) || scratch.flat().some((a) => a < 0)) return false;
  call.inputs.forEach((a, i) => {
    if (a instanceof Float32Array) runtime.f32.set(a, at[i]! >> 2);
    else if (a) runtime.i32.set(a, at[i]! >> 2);
  });
  const slices = scratch.map((own, t) => call.slice(at, bounds[t]!, bounds[t + 1]!, own));
  const outputsAt = at.slice(call.inputs.length);
  runKernel(runtime, pool, call.kernel, slices, (t) => {
    const [p0, p1] = [bounds[t]!, bounds[t + 1]!];
    call.outputs.forEach(([array, size], i) => {
      if (!array || size === 0) return;
      const from = (outputsAt[i]! >> 2) + p0 * size;
      array.set(runtime.f32.subarray(from, from + (p1 - p0) * size), p0 * size);
    });
  });
  call.outputs.forEach(([array, size], i) => {
    if (!array || size !== 0) return;
    const from = outputsAt[i]! >> 2;
    array.set(runtime.f32.subarray(from, from + array.length));
  });
  endSplitTiming();
  return true;
}

/** The kernels' layout argument: the heads H when sequence first, else 0. */
const headsOf = (args: AttentionArgs): number =>
  args.sequenceFirst ? args.batchShape[args.batchShape.length - 1]! : 0;

/**
 * The addresses of q, k and v (or dq, dk and dv) from the first's: the same array's three
 * parts, H·E float32s apart, when packed; else the addresses as they are.
 */
function partsAt(at: readonly number[], args: AttentionArgs, heads: number): number[] {
  if (!args.packed) return [...at];
  const part = heads * args.e * 4;
  return [at[0]!, at[0]! + part, at[0]! + 2 * part, ...at.slice(3)];
}

/**
 * An output's `Launch` size: the `count` elements each product writes, or 0 when its
 * products interleave (sequence first, `heads` > 0).
 */
const perProduct = (heads: number, count: number): number => (heads ? 0 : count);

/** Whether every array given is float32 (null standing for an absent one). */
const allFloat32 = (arrays: readonly (TypedArray | null)[]): boolean =>
  arrays.every((x) => x === null || x instanceof Float32Array);

/**
 * `Backend.attention` for float32 arrays; false (nothing written) for another dtype or where
 * the kernels cannot run.
 */
export function attentionF32(
  q: TypedArray,
  k: TypedArray,
  v: TypedArray,
  mask: StridedView<TypedArray> | null,
  out: TypedArray,
  weights: TypedArray,
  args: AttentionArgs,
): boolean {
  if (!allFloat32([q, k, v, mask?.data ?? null, out, weights])) return false;
  checkAttention(args, { q, k, v, out, weights }, mask);
  const { batchShape, l, s, e, ev, scale } = args;
  const batch = sizeOf(batchShape);
  if (batch === 0 || l === 0) return true;
  // Only with the causal mask itself: the kernel relies on its −∞ above the diagonal.
  const causal = args.causal && mask ? 1 : 0;
  const heads = headsOf(args);
  const packed = args.packed ? 1 : 0;
  // The kernels' sizes, the same in either runtime (one module).
  const sizes = getLocalRuntime();
  if (!sizes) return false;
  // Each product's block of the mask, as a byte offset into its array.
  const offsets = mask && Int32Array.from(maskOffsets(mask, batchShape), (at) => at * 4);
  return launch({
    kernel: "attentionF32",
    key: () =>
      `attention ${batchShape.join("×")}×${l}×${s}×${e}×${ev}${causal ? " causal" : mask ? " masked" : ""}`,
    batch,
    macs: batch * l * s * (Math.max(e, 1) + Math.max(ev, 1)),
    // Packed: q holds k and v too, copied in once.
    inputs: [q, packed ? null : k, packed ? null : v, mask?.data ?? null, offsets] as Operand[],
    outputs: [
      [out as Float32Array, perProduct(heads, l * ev)],
      [weights as Float32Array, l * s],
    ],
    scratch: [
      paddedBytes(sizes, l, s),
      paddedBytes(sizes, l, ev),
      ...packBytes(sizes, Math.max(s, ev)),
    ],
    slice: (at, p0, p1, scratch) => [
      ...partsAt(at, args, heads),
      ...[p0, p1, l, s, e, ev, scale, causal, heads, packed, ...scratch],
    ],
  });
}

/**
 * `Backend.attentionBackward` for float32 arrays; false (nothing written) for another dtype
 * or where the kernels cannot run.
 */
export function attentionBackwardF32(
  q: TypedArray,
  k: TypedArray,
  v: TypedArray,
  weights: TypedArray,
  g: TypedArray,
  dq: TypedArray | null,
  dk: TypedArray | null,
  dv: TypedArray | null,
  args: AttentionArgs,
): boolean {
  if (!allFloat32([q, k, v, weights, g, dq, dk, dv])) return false;
  checkAttention(args, { q, k, v, weights, g, dq, dk, dv });
  const { batchShape, l, s, e, ev, scale } = args;
  const batch = sizeOf(batchShape);
  if (batch === 0 || (!dq && !dk && !dv)) return true;
  const causal = args.causal ? 1 : 0;
  const heads = headsOf(args);
  const packed = args.packed ? 1 : 0;
  const sizes = getLocalRuntime();
  if (!sizes) return false;
  const wanted = `${dq ? " dq" : ""}${dk ? " dk" : ""}${dv ? " dv" : ""}`;
  // dv's product, then dP's and dq's and dk's where either is wanted.
  const depth = (dv ? ev : 0) + (dq || dk ? ev + (dq ? e : 0) + (dk ? e : 0) : 0);
  return launch({
    kernel: "attentionBackwardF32",
    key: () =>
      `attentionBackward ${batchShape.join("×")}×${l}×${s}×${e}×${ev}${wanted}${causal ? " causal" : ""}`,
    batch,
    macs: batch * l * s * Math.max(depth, 1),
    // Packed: q holds k and v too, and dq dk and dv, each copied once.
    inputs: [q, packed ? null : k, packed ? null : v, weights, g] as Operand[],
    outputs: [
      [dq as Float32Array | null, perProduct(heads, l * e)],
      [packed ? null : (dk as Float32Array | null), perProduct(heads, s * e)],
      [packed ? null : (dv as Float32Array | null), perProduct(heads, s * ev)],
    ],
    scratch: [
      paddedBytes(sizes, l, s),
      l * s * 4,
      paddedBytes(sizes, Math.max(l, s), Math.max(e, ev)),
      ...packBytes(sizes, Math.max(s, e, ev)),
    ],
    slice: (at, p0, p1, scratch) => {
      const [inputs, outputs] = [at.slice(0, 5), at.slice(5)];
      return [
        ...partsAt(inputs, args, heads),
        ...partsAt(outputs, args, heads),
        ...[p0, p1, l, s, e, ev, scale, causal, heads, packed, ...scratch],
      ];
    },
  });
}
