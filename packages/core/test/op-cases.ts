/**
 * The op table's test cases, one entry per op in `builtinOps`: inputs kept away from each
 * rule's kinks and poles, and broadcasting cases with a scalar, a row, a column and leading
 * dimensions. The table's type is `Record<OpName, …>`, so an op added to the library without a
 * case here fails type-checking. op-gradients.test.ts checks every case against finite
 * differences in float64; webgpu/op-gradients.test.ts runs the same cases on the GPU in
 * float32 and holds values and gradients to the CPU's float64 ones.
 */
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  add,
  argmax,
  argmin,
  argsort,
  atan2,
  avgPool1d,
  avgPool2d,
  broadcastTo,
  cast,
  clamp,
  concat,
  conv1d,
  conv2d,
  convTranspose1d,
  convTranspose2d,
  copysign,
  type DeviceName,
  div,
  einsum,
  eq,
  flatten,
  floorDivide,
  fmod,
  fold,
  gather,
  ge,
  gelu,
  gt,
  hypot,
  identity,
  indexSelect,
  interpolate,
  isfinite,
  isinf,
  isnan,
  kthvalue,
  layerNorm,
  le,
  lerp,
  linear,
  logaddexp,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  logsumexp,
  lt,
  maskedFill,
  maskedSelect,
  matmul,
  maximum,
  maxPool1d,
  maxPool2d,
  mean,
  median,
  min,
  minimum,
  mul,
  multinomial,
  ne,
  nonzero,
  type OpName,
  oneHot,
  packedAttention,
  pad,
  pow,
  remainder,
  reshape,
  scaledDotProductAttention,
  scatter,
  scatterAdd,
  scatterReduce,
  searchsorted,
  sign,
  slice,
  sort,
  squeeze,
  stack,
  sub,
  sumTo,
  swapAxes,
  type Tensor,
  type TensorLike,
  type TensorOptions,
  tensor,
  topk,
  transpose,
  unfold,
  unique,
  unsqueeze,
  where,
} from "@tensortape/core";
import { type GradcheckOptions, randomTensor } from "@tensortape/core/testing";

export type Fn = (...xs: Tensor[]) => Tensor;
const mm: Fn = (a, b) => matmul(a!, b!);

export interface GradientCase {
  readonly name: string;
  readonly f: Fn;
  readonly inputs: readonly Tensor[];
  readonly options?: GradcheckOptions;
}

/**
 * Ops whose output carries no gradient are checked for exactly that instead: `noGradient`
 * applied to `inputs()`, whose float tensors require grad. The inputs are made when the test
 * runs, so each run draws its own.
 */
export interface NoGradientCase {
  readonly noGradient: Fn;
  readonly inputs: () => readonly Tensor[];
}

export type OpCases = readonly GradientCase[] | NoGradientCase;

let seed = 1;
/** A fresh float64 tensor in [low, high), reproducible from the running seed. */
export const r = (shape: number[], low = -2, high = 2, awayFrom?: number[]) =>
  randomTensor(shape, { seed: seed++, low, high, awayFrom, margin: 0.1 });
const positive = (shape: number[]) => r(shape, 0.5, 2);
/** Distinct values at least 0.2 apart in a scrambled order: no near-ties for a maximum. */
const spread = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => (((i * 7) % n) - n / 2) * 0.2);
  return tensor(values, { dtype: "float64", shape });
};

/**
 * Where the cases' own tensors (indices, masks, constants made inside `f`) go: the device the
 * inputs are on, so that a run on the GPU needs no `setBackend` and an op that makes its own
 * tensors on the default device instead of its inputs' shows.
 */
let caseDevice: DeviceName = "cpu";
/** Makes the cases' own tensors on `device` from now on. */
export function setCaseDevice(device: DeviceName): void {
  caseDevice = device;
}
/** A tensor the case makes itself, on the case's device. */
const constant = (values: number[] | number[][], options: TensorOptions = {}) =>
  tensor(values, { ...options, device: caseDevice });
const idx = (values: number[][] | number[], shape?: number[]) =>
  constant(values, { dtype: "int32", ...(shape ? { shape } : {}) });

/** Binary elementwise cases: same shape, scalar, row, column, leading dimensions, a number. */
function broadcasting(
  name: string,
  f: (a: TensorLike, b: TensorLike) => Tensor,
  make = (s: number[]) => r(s),
): GradientCase[] {
  return [
    { name: `${name} same shape`, f, inputs: [make([2, 3]), make([2, 3])] },
    { name: `${name} scalar tensor`, f, inputs: [make([2, 3]), make([])] },
    { name: `${name} row`, f, inputs: [make([2, 3]), make([3])] },
    { name: `${name} column`, f, inputs: [make([2, 3]), make([2, 1])] },
    { name: `${name} leading dims`, f, inputs: [make([1, 3]), make([4, 2, 1])] },
    { name: `${name} reused input`, f: (x) => f(x, x), inputs: [make([3])] },
    { name: `${name} with a number`, f: (x) => f(x!, 1.5), inputs: [make([2, 2])] },
  ];
}

const unary = (name: string, f: Fn, make = (s: number[]) => r(s)): GradientCase[] => [
  { name: `${name} [2, 3]`, f, inputs: [make([2, 3])] },
  { name: `${name} 0-d`, f, inputs: [make([])] },
];

/** Reductions over every axis, several axes, all axes, with and without keepDims. */
const reduction = (
  name: string,
  f: (x: Tensor, axis?: number | number[], keep?: boolean) => Tensor,
): GradientCase[] => [
  { name: `${name} all`, f: (x) => f(x), inputs: [r([2, 3, 4])] },
  { name: `${name} axis 0`, f: (x) => f(x, 0), inputs: [r([2, 3, 4])] },
  { name: `${name} axis 1 keepDims`, f: (x) => f(x, 1, true), inputs: [r([2, 3, 4])] },
  { name: `${name} axis -1`, f: (x) => f(x, -1), inputs: [r([2, 3, 4])] },
  { name: `${name} axes [0, 2]`, f: (x) => f(x, [0, 2]), inputs: [r([2, 3, 4])] },
];

export const cases: Record<OpName, OpCases> = {
  abs: unary(
    "abs",
    (x) => x.abs(),
    (s) => r(s, -2, 2, [0]),
  ),
  add: broadcasting("add", add),
  argmax: { noGradient: (x) => argmax(x, 1), inputs: () => [r([2, 3])] },
  argmin: { noGradient: (x) => argmin(x, 1), inputs: () => [r([2, 3])] },
  broadcastTo: [
    { name: "broadcastTo row", f: (x) => broadcastTo(x, [4, 3]), inputs: [r([3])] },
    { name: "broadcastTo middle", f: (x) => broadcastTo(x, [2, 3, 4]), inputs: [r([2, 1, 4])] },
  ],
  cast: [
    {
      // The float32 leg rounds to 24 bits, so the difference quotient needs a wider step.
      name: "cast float64 → float32 → float64",
      f: (x) => cast(cast(x, "float32"), "float64").mul(x),
      inputs: [r([3])],
      options: { eps: 1e-3, rtol: 1e-3, atol: 1e-3 },
    },
  ],
  clamp: unary(
    "clamp",
    (x) => clamp(x, -1, 1),
    (s) => r(s, -2, 2, [-1, 1]),
  ),
  concat: [
    { name: "concat axis 0", f: (a, b) => concat([a, b], 0), inputs: [r([2, 3]), r([1, 3])] },
    {
      name: "concat axis 1, three inputs",
      f: (a, b, c) => concat([a, b, c], 1),
      inputs: [r([2, 1]), r([2, 3]), r([2, 2])],
    },
    { name: "concat the same tensor twice", f: (a) => concat([a, a], -1), inputs: [r([2, 2])] },
  ],
  cos: unary("cos", (x) => x.cos()),
  div: broadcasting("div", div, (s) => r(s, 0.5, 2)),
  einsum: [
    {
      name: "einsum matmul",
      f: (a, b) => einsum("ij,jk->ik", a, b),
      inputs: [r([2, 3]), r([3, 2])],
    },
    { name: "einsum trace", f: (a) => einsum("ii", a), inputs: [r([3, 3])] },
    {
      name: "einsum batched, broadcast ellipsis",
      f: (a, b) => einsum("...ij,...jk->...ik", a, b),
      inputs: [r([2, 1, 2, 3]), r([3, 3, 2])],
    },
  ],
  eq: { noGradient: (x) => eq(x, 0), inputs: () => [r([3])] },
  exp: unary("exp", (x) => x.exp()),
  flatten: [{ name: "flatten 1..2", f: (x) => flatten(x, 1, 2), inputs: [r([2, 3, 2, 2])] }],
  gelu: [
    ...unary("gelu", (x) => gelu(x)),
    { name: "gelu tanh [2, 3]", f: (x) => gelu(x, { approximate: "tanh" }), inputs: [r([2, 3])] },
  ],
  gather: [
    {
      name: "gather axis 1",
      f: (x) =>
        gather(
          x,
          1,
          idx([
            [2, 0],
            [1, 1],
          ]),
        ),
      inputs: [r([2, 3])],
    },
    {
      name: "gather axis 0 with repeats",
      f: (x) =>
        gather(
          x,
          0,
          idx([
            [1, 0, 1],
            [1, 1, 0],
            [0, 0, 0],
          ]),
        ),
      inputs: [r([2, 3])],
    },
  ],
  ge: { noGradient: (x) => ge(x, 0), inputs: () => [r([3])] },
  gt: { noGradient: (x) => gt(x, 0), inputs: () => [r([3])] },
  identity: unary("identity", (x) => identity(x)),
  le: { noGradient: (x) => le(x, 0), inputs: () => [r([3])] },
  log: unary("log", (x) => x.log(), positive),
  logSoftmax: [
    { name: "logSoftmax last axis", f: (x) => x.logSoftmax(), inputs: [r([3, 4])] },
    { name: "logSoftmax axis 0", f: (x) => x.logSoftmax(0), inputs: [r([3, 4])] },
    { name: "logSoftmax middle axis of 3-d", f: (x) => x.logSoftmax(1), inputs: [r([2, 3, 2])] },
  ],
  logsumexp: reduction("logsumexp", (x, axis, keep) => logsumexp(x, axis, keep)),
  lt: { noGradient: (x) => lt(x, 0), inputs: () => [r([3])] },
  matmul: [
    { name: "matmul 2-D", f: mm, inputs: [r([3, 4]), r([4, 2])] },
    { name: "matmul batched", f: mm, inputs: [r([2, 3, 4]), r([2, 4, 5])] },
    { name: "matmul broadcast batch", f: mm, inputs: [r([2, 1, 3, 4]), r([3, 4, 2])] },
    { name: "matmul vector · matrix", f: mm, inputs: [r([4]), r([4, 3])] },
    { name: "matmul matrix · vector", f: mm, inputs: [r([3, 4]), r([4])] },
    {
      name: "matmul transA",
      f: (a, b) => matmul(a, b, { transA: true }),
      inputs: [r([4, 3]), r([4, 2])],
    },
    {
      name: "matmul transB",
      f: (a, b) => matmul(a, b, { transB: true }),
      inputs: [r([3, 4]), r([2, 4])],
    },
    {
      name: "matmul transA transB batched",
      f: (a, b) => matmul(a, b, { transA: true, transB: true }),
      inputs: [r([2, 4, 3]), r([5, 4])],
    },
    { name: "matmul x·x", f: (a) => matmul(a, a), inputs: [r([3, 3])] },
    {
      name: "matmul scale",
      f: (a, b) => matmul(a, b, { scale: 0.37 }),
      inputs: [r([3, 4]), r([4, 2])],
    },
    {
      name: "matmul transA scale batched",
      f: (a, b) => matmul(a, b, { transA: true, scale: -1.5 }),
      inputs: [r([2, 4, 3]), r([2, 4, 5])],
    },
  ],
  max: reduction("max", (x, axis, keep) => x.max(axis, keep)),
  maximum: broadcasting("maximum", maximum).filter((c) => !c.name.includes("reused")),
  mean: reduction("mean", (x, axis, keep) => mean(x, axis, keep)),
  min: reduction("min", (x, axis, keep) => min(x, axis, keep)),
  minimum: broadcasting("minimum", minimum).filter((c) => !c.name.includes("reused")),
  mul: broadcasting("mul", mul),
  ne: { noGradient: (x) => ne(x, 0), inputs: () => [r([3])] },
  neg: unary("neg", (x) => x.neg()),
  pow: [
    { name: "pow by a number", f: (x) => pow(x, 3), inputs: [r([2, 3])] },
    { name: "pow by a fractional number", f: (x) => pow(x, 0.5), inputs: [positive([2, 3])] },
    { name: "pow tensor exponent, broadcast", f: pow, inputs: [positive([2, 3]), r([3])] },
  ],
  relu: unary(
    "relu",
    (x) => x.relu(),
    (s) => r(s, -2, 2, [0]),
  ),
  reshape: [
    {
      name: "reshape with -1",
      f: (x, w) => reshape(x, [3, -1]).mul(w),
      inputs: [r([2, 3]), r([3, 2])],
    },
    { name: "reshape to 0-d", f: (x) => reshape(x, []), inputs: [r([1, 1])] },
  ],
  scatterAdd: [
    {
      name: "scatterAdd axis 1",
      f: (x) =>
        scatterAdd(
          x,
          1,
          idx([
            [0, 0],
            [2, 1],
          ]),
          [2, 3],
        ),
      inputs: [r([2, 2])],
    },
  ],
  sigmoid: unary("sigmoid", (x) => x.sigmoid()),
  sign: { noGradient: (x) => sign(x), inputs: () => [r([3])] },
  sin: unary("sin", (x) => x.sin()),
  slice: [
    { name: "slice with negative end", f: (x) => slice(x, [1], [-1]), inputs: [r([5, 2])] },
    {
      name: "slice with steps on two axes",
      f: (x) => slice(x, [0, 1], [null, null], [2, 2]),
      inputs: [r([5, 4])],
    },
  ],
  softmax: [
    { name: "softmax last axis", f: (x) => x.softmax(), inputs: [r([3, 4])] },
    { name: "softmax axis 0", f: (x) => x.softmax(0), inputs: [r([3, 4])] },
  ],
  sqrt: unary("sqrt", (x) => x.sqrt(), positive),
  square: unary("square", (x) => x.square()),
  squeeze: [
    { name: "squeeze", f: (x, w) => squeeze(x, 1).mul(w), inputs: [r([2, 1, 3]), r([2, 3])] },
  ],
  stack: [{ name: "stack axis 1", f: (a, b) => stack([a, b], 1), inputs: [r([2, 3]), r([2, 3])] }],
  sub: broadcasting("sub", sub),
  sum: reduction("sum", (x, axis, keep) => x.sum(axis, keep)),
  sumTo: [{ name: "sumTo [2, 1]", f: (x) => sumTo(x, [2, 1]), inputs: [r([4, 2, 3])] }],
  swapAxes: [{ name: "swapAxes", f: (x) => swapAxes(x, 0, 2), inputs: [r([2, 3, 4])] }],
  tanh: unary("tanh", (x) => x.tanh()),
  transpose: [
    { name: "transpose reversed", f: (x) => transpose(x), inputs: [r([2, 3, 4])] },
    { name: "transpose permuted", f: (x) => transpose(x, [1, 2, 0]), inputs: [r([2, 3, 4])] },
  ],
  // Sorting and selection: values scatter g back to their indices.
  sort: [
    { name: "sort last axis", f: (x) => sort(x).values, inputs: [r([3, 4])] },
    {
      name: "sort axis 0 descending",
      f: (x) => sort(x, 0, { descending: true }).values,
      inputs: [r([3, 4])],
    },
  ],
  argsort: { noGradient: (x) => argsort(x), inputs: () => [r([2, 3])] },
  topk: [{ name: "topk 2 of axis -1", f: (x) => topk(x, 2).values, inputs: [r([3, 4])] }],
  layerNorm: [
    { name: "layerNorm last axis", f: (x) => layerNorm(x!, 4), inputs: [r([3, 4])] },
    {
      name: "layerNorm two axes, weight and bias",
      f: (x, w, b) => layerNorm(x!, [2, 3], w, b),
      inputs: [r([2, 2, 3]), r([2, 3], 0.5, 2), r([2, 3])],
    },
    {
      name: "layerNorm of a vector, weight only, eps 0.1",
      f: (x, w) => layerNorm(x!, [5], w, null, { eps: 0.1 }),
      inputs: [r([5]), r([5], 0.5, 2)],
    },
    {
      name: "layerNorm bias only",
      f: (x, b) => layerNorm(x!, 3, null, b),
      inputs: [r([2, 3]), r([3])],
    },
  ],
  linear: [
    {
      name: "linear with bias, batch axes",
      f: (x, w, b) => linear(x!, w!, b),
      inputs: [r([2, 3, 4]), r([5, 4]), r([5])],
    },
    {
      name: "linear without bias, a vector",
      f: (x, w) => linear(x!, w!),
      inputs: [r([4]), r([3, 4])],
    },
  ],
  kthvalue: [
    { name: "kthvalue 2 keepDims", f: (x) => kthvalue(x, 2, 0, true).values, inputs: [r([3, 4])] },
  ],
  median: [
    { name: "median of all", f: (x) => median(x), inputs: [r([3, 3])] },
    { name: "median axis 1", f: (x) => median(x, 1).values, inputs: [r([3, 4])] },
  ],
  unique: { noGradient: (x) => unique(x).values, inputs: () => [r([5])] },
  searchsorted: {
    noGradient: (x) => searchsorted(constant([0, 1, 2]), x!.cast("float32")),
    inputs: () => [r([4])],
  },
  // Indexing: reads scatter g back into the positions read.
  index: [
    {
      name: "index int, range and int tensor",
      f: (x) => x.index(1, "0:3:2", idx([3, 0, 3])),
      inputs: [r([2, 3, 4])],
    },
    { name: "index bool mask", f: (x) => x.index(gt(x, 0)), inputs: [r([2, 3], -2, 2, [0])] },
  ],
  indexSelect: [
    {
      name: "indexSelect repeats",
      f: (x) => indexSelect(x, 1, idx([2, 0, 2])),
      inputs: [r([2, 3])],
    },
  ],
  maskedFill: [
    {
      name: "maskedFill with a 0-d tensor value",
      f: (x, v) => maskedFill(x, constant([1, 0, 1], { dtype: "bool" }), v!),
      inputs: [r([2, 3]), r([])],
    },
  ],
  maskedSelect: [
    {
      name: "maskedSelect broadcast",
      f: (x) => maskedSelect(x, constant([1, 0, 1], { dtype: "bool" })),
      inputs: [r([2, 3])],
    },
  ],
  nonzero: { noGradient: (x) => nonzero(x), inputs: () => [r([2, 3])] },
  oneHot: { noGradient: (i) => oneHot(i), inputs: () => [idx([0, 2, 1])] },
  scatter: [
    {
      name: "scatter a tensor",
      f: (x, s) =>
        scatter(
          x,
          1,
          idx([
            [2, 0],
            [1, 2],
          ]),
          s!,
        ),
      inputs: [r([2, 3]), r([2, 2])],
    },
    {
      name: "scatter a number",
      f: (x) => scatter(x, 0, idx([[1, 0, 1]]), 0.5),
      inputs: [r([2, 3])],
    },
  ],
  scatterReduce: (["sum", "prod", "mean", "amax", "amin"] as const).map((reduce) => ({
    name: `scatterReduce ${reduce}`,
    f: (x: Tensor, s: Tensor) =>
      scatterReduce(
        x,
        1,
        idx([
          [0, 2, 0],
          [1, 1, 2],
        ]),
        s,
        reduce,
      ),
    inputs: [r([2, 3]), r([2, 3])],
  })),
  unsqueeze: [
    { name: "unsqueeze", f: (x, w) => unsqueeze(x, -1).mul(w), inputs: [r([2, 3]), r([2, 3, 2])] },
  ],
  // Elementwise math: inputs kept away from each rule's kinks and poles.
  acos: unary(
    "acos",
    (x) => x.acos(),
    (s) => r(s, -0.9, 0.9),
  ),
  acosh: unary(
    "acosh",
    (x) => x.acosh(),
    (s) => r(s, 1.2, 3),
  ),
  asin: unary(
    "asin",
    (x) => x.asin(),
    (s) => r(s, -0.9, 0.9),
  ),
  asinh: unary("asinh", (x) => x.asinh()),
  atan: unary("atan", (x) => x.atan()),
  atan2: broadcasting("atan2", atan2, (s) => r(s, -2, 2, [0])),
  atanh: unary(
    "atanh",
    (x) => x.atanh(),
    (s) => r(s, -0.9, 0.9),
  ),
  ceil: unary(
    "ceil",
    (x) => x.ceil(),
    (s) => r(s, -2, 2, [-2, -1, 0, 1, 2]),
  ),
  copysign: broadcasting("copysign", copysign, (s) => r(s, -2, 2, [0])),
  cosh: unary("cosh", (x) => x.cosh()),
  erf: unary("erf", (x) => x.erf()),
  erfc: unary("erfc", (x) => x.erfc()),
  erfinv: unary(
    "erfinv",
    (x) => x.erfinv(),
    (s) => r(s, -0.9, 0.9),
  ),
  exp2: unary("exp2", (x) => x.exp2()),
  expm1: unary("expm1", (x) => x.expm1()),
  floor: unary(
    "floor",
    (x) => x.floor(),
    (s) => r(s, -2, 2, [-2, -1, 0, 1, 2]),
  ),
  floorDivide: { noGradient: (x) => floorDivide(x, 0.7), inputs: () => [r([3])] },
  fmod: [
    // a/b in (1.15, 1.93), away from trunc's steps; negative a gives trunc(a/b) = −1.
    { name: "fmod", f: fmod, inputs: [r([2, 3], 2.3, 2.9), r([2, 3], 1.5, 2)] },
    { name: "fmod negative a, row", f: fmod, inputs: [r([2, 3], -2.9, -2.3), r([3], 1.5, 2)] },
  ],
  frac: unary(
    "frac",
    (x) => x.frac(),
    (s) => r(s, -2, 2, [-2, -1, 0, 1, 2]),
  ),
  hypot: broadcasting("hypot", hypot, (s) => r(s, -2, 2, [0])),
  isfinite: { noGradient: (x) => isfinite(x), inputs: () => [r([3])] },
  isinf: { noGradient: (x) => isinf(x), inputs: () => [r([3])] },
  isnan: { noGradient: (x) => isnan(x), inputs: () => [r([3])] },
  lerp: [
    {
      name: "lerp, weights on both sides of ½",
      f: lerp,
      inputs: [r([2, 3]), r([2, 3]), r([2, 3], -0.5, 1.5, [0.5])],
    },
    { name: "lerp broadcast", f: lerp, inputs: [r([2, 3]), r([3]), r([2, 1])] },
    { name: "lerp by a number", f: (a, b) => lerp(a!, b!, 0.75), inputs: [r([3]), r([3])] },
  ],
  log10: unary("log10", (x) => x.log10(), positive),
  log1p: unary(
    "log1p",
    (x) => x.log1p(),
    (s) => r(s, -0.5, 2),
  ),
  log2: unary("log2", (x) => x.log2(), positive),
  logaddexp: broadcasting("logaddexp", logaddexp),
  logicalAnd: { noGradient: (x) => logicalAnd(x, 1), inputs: () => [r([3])] },
  logicalNot: { noGradient: (x) => logicalNot(x), inputs: () => [r([3])] },
  logicalOr: { noGradient: (x) => logicalOr(x, 0), inputs: () => [r([3])] },
  logicalXor: { noGradient: (x) => logicalXor(x, 1), inputs: () => [r([3])] },
  reciprocal: unary(
    "reciprocal",
    (x) => x.reciprocal(),
    (s) => r(s, -2, 2, [0]),
  ),
  remainder: [
    // a/b in (1.15, 1.93), away from floor's steps; negative a gives ⌊a/b⌋ = −2.
    { name: "remainder", f: remainder, inputs: [r([2, 3], 2.3, 2.9), r([2, 3], 1.5, 2)] },
    {
      name: "remainder negative a, column",
      f: remainder,
      inputs: [r([2, 3], -2.9, -2.3), r([2, 1], 1.5, 2)],
    },
  ],
  round: unary(
    "round",
    (x) => x.round(),
    (s) => r(s, -2, 2, [-1.5, -0.5, 0.5, 1.5]),
  ),
  rsqrt: unary("rsqrt", (x) => x.rsqrt(), positive),
  sinh: unary("sinh", (x) => x.sinh()),
  tan: unary(
    "tan",
    (x) => x.tan(),
    (s) => r(s, -1.2, 1.2),
  ),
  trunc: unary(
    "trunc",
    (x) => x.trunc(),
    (s) => r(s, -2, 2, [-2, -1, 0, 1, 2]),
  ),
  // Reductions and scans; prod and cumprod at zeros, cummax ties and the norm at 0 are
  // checked against PyTorch in ops-reduction-shape.test.ts.
  prod: reduction("prod", (x, axis, keep) => x.prod(axis, keep)),
  var: reduction("var", (x, axis, keep) => x.var(axis, { keepDims: keep })),
  std: reduction("std", (x, axis, keep) => x.std(axis, { correction: 0, keepDims: keep })),
  norm: [
    { name: "norm 2", f: (x) => x.norm(), inputs: [r([2, 3])] },
    { name: "norm fro axes [0, 1]", f: (x) => x.norm("fro", [0, 1]), inputs: [r([2, 3, 2])] },
    { name: "norm 1 axis 1", f: (x) => x.norm(1, 1), inputs: [r([2, 3], -2, 2, [0])] },
    { name: "norm ∞ axis -1 keepDims", f: (x) => x.norm(Infinity, -1, true), inputs: [r([3, 4])] },
    { name: "norm −∞ axis 0", f: (x) => x.norm(-Infinity, 0), inputs: [r([3, 4])] },
    { name: "norm 3 axis 0", f: (x) => x.norm(3, 0), inputs: [r([3, 2], -2, 2, [0])] },
    { name: "norm 0.5", f: (x) => x.norm(0.5, 1), inputs: [r([2, 3], -2, 2, [0])] },
  ],
  any: { noGradient: (x) => x.any(1), inputs: () => [r([2, 3])] },
  all: { noGradient: (x) => x.all(), inputs: () => [r([2, 3])] },
  cumsum: [
    { name: "cumsum axis 0", f: (x) => x.cumsum(0), inputs: [r([3, 2])] },
    { name: "cumsum axis -1 of 3-d", f: (x) => x.cumsum(-1), inputs: [r([2, 3, 4])] },
  ],
  cumprod: [
    { name: "cumprod axis 1", f: (x) => x.cumprod(1), inputs: [r([2, 4])] },
    { name: "cumprod axis 0 of 3-d", f: (x) => x.cumprod(0), inputs: [r([3, 2, 2])] },
  ],
  logcumsumexp: [
    { name: "logcumsumexp axis 1", f: (x) => x.logcumsumexp(1), inputs: [r([2, 4])] },
    { name: "logcumsumexp axis 0 of 3-d", f: (x) => x.logcumsumexp(0), inputs: [r([3, 2, 2])] },
  ],
  cummax: [{ name: "cummax values", f: (x) => x.cummax(1).values, inputs: [r([3, 4])] }],
  cummin: [{ name: "cummin values", f: (x) => x.cummin(0).values, inputs: [r([4, 3])] }],
  // Shape and layout
  flip: [{ name: "flip axes [0, 2]", f: (x) => x.flip([0, 2]), inputs: [r([2, 3, 2])] }],
  roll: [
    { name: "roll flattened", f: (x) => x.roll(2), inputs: [r([2, 3])] },
    { name: "roll two axes", f: (x) => x.roll([1, -1], [0, 1]), inputs: [r([3, 3])] },
  ],
  tril: [{ name: "tril k -1 batched", f: (x) => x.tril(-1), inputs: [r([2, 3, 3])] }],
  triu: [{ name: "triu k 1", f: (x) => x.triu(1), inputs: [r([3, 4])] }],
  diag: [
    { name: "diag of a vector", f: (x) => x.diag(1), inputs: [r([3])] },
    { name: "diag of a matrix", f: (x) => x.diag(-1), inputs: [r([3, 3])] },
  ],
  diagonal: [
    { name: "diagonal axes (2, 0)", f: (x) => x.diagonal(1, 2, 0), inputs: [r([3, 2, 4])] },
  ],
  pad: [
    {
      name: "pad constant with crop",
      f: (x) => pad(x, [2, -1], { value: 3 }),
      inputs: [r([2, 3])],
    },
    { name: "pad reflect", f: (x) => pad(x, [2, 1], { mode: "reflect" }), inputs: [r([2, 4])] },
    {
      name: "pad replicate two axes",
      f: (x) => pad(x, [1, 2, 1, 0], { mode: "replicate" }),
      inputs: [r([2, 3])],
    },
    { name: "pad circular", f: (x) => pad(x, [3, 1], { mode: "circular" }), inputs: [r([2, 3])] },
  ],
  repeat: [{ name: "repeat", f: (x) => x.repeat([2, 1, 2]), inputs: [r([2, 3])] }],
  tile: [{ name: "tile", f: (x) => x.tile([2]), inputs: [r([2, 3])] }],
  repeatInterleave: [
    { name: "repeatInterleave 2 axis 1", f: (x) => x.repeatInterleave(2, 1), inputs: [r([2, 3])] },
    {
      name: "repeatInterleave counts",
      f: (x) => x.repeatInterleave(idx([2, 0, 3]), 0),
      inputs: [r([3, 2])],
    },
  ],
  // Each piece weighted differently, so a gradient sent to the wrong piece shows.
  split: [
    {
      name: "split sections",
      f: (x) =>
        concat(
          x.split([1, 3], 1).map((p, i) => p.mul(i + 2)),
          1,
        ),
      inputs: [r([2, 4])],
    },
  ],
  chunk: [
    {
      name: "chunk",
      f: (x) =>
        concat(
          x.chunk(3).map((p, i) => p.mul(i + 2)),
          0,
        ),
      inputs: [r([5, 2])],
    },
  ],
  unbind: [
    {
      name: "unbind axis 1",
      f: (x) => stack(x.unbind(1).map((p, i) => p.mul(i + 2))),
      inputs: [r([2, 3])],
    },
  ],
  unflatten: [
    {
      name: "unflatten",
      f: (x, w) => x.unflatten(1, [2, -1]).mul(w),
      inputs: [r([2, 6]), r([2, 2, 3])],
    },
  ],
  movedim: [{ name: "movedim", f: (x) => x.movedim(0, -1), inputs: [r([2, 3, 4])] }],
  expand: [{ name: "expand", f: (x) => x.expand([2, -1, 3]), inputs: [r([4, 1])] }],
  scaledDotProductAttention: [
    {
      name: "scaledDotProductAttention, batch and heads, bool mask",
      f: (q, k, v) =>
        scaledDotProductAttention(q!, k!, v!, {
          attnMask: constant([1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1], {
            dtype: "bool",
            shape: [3, 5],
          }),
        }),
      inputs: [r([2, 2, 3, 4]), r([2, 2, 5, 4]), r([2, 2, 5, 3])],
    },
    {
      name: "scaledDotProductAttention, causal, L ≠ S, scale",
      f: (q, k, v) => scaledDotProductAttention(q!, k!, v!, { isCausal: true, scale: 0.7 }),
      inputs: [r([4, 3]), r([3, 3]), r([3, 2])],
    },
    {
      name: "scaledDotProductAttention, float mask with a gradient, broadcast batch",
      f: (q, k, v, m) => scaledDotProductAttention(q!, k!, v!, { attnMask: m }),
      inputs: [r([2, 3, 4]), r([1, 5, 4]), r([5, 2]), r([3, 5])],
    },
  ],
  packedAttention: [
    {
      name: "packedAttention, causal, batch",
      f: (qkv) => packedAttention(qkv!, { isCausal: true }),
      inputs: [r([2, 4, 3, 2, 3])],
    },
    {
      name: "packedAttention, bool mask, scale",
      f: (qkv) =>
        packedAttention(qkv!, {
          attnMask: constant([1, 0, 0, 1, 1, 0, 0, 1, 1], { dtype: "bool", shape: [3, 3] }),
          scale: 0.6,
        }),
      inputs: [r([3, 3, 1, 4])],
    },
    {
      name: "packedAttention, float mask with a gradient over the heads",
      f: (qkv, m) => packedAttention(qkv!, { attnMask: m }),
      inputs: [r([4, 3, 2, 3]), r([2, 4, 4])],
    },
  ],
  multinomial: { noGradient: (x) => multinomial(x, 2), inputs: () => [positive([2, 3])] },
  // Convolution and pooling: small inputs with stride, padding and groups. Pooling inputs are
  // distinct values spread apart, so no window's maximum is a near-tie a finite difference splits.
  conv1d: [
    {
      name: "conv1d stride, padding, dilation, groups",
      f: (x, w, b) => conv1d(x!, w!, b, { stride: 2, padding: 1, dilation: 2, groups: 2 }),
      inputs: [r([2, 4, 6]), r([2, 2, 2]), r([2])],
    },
  ],
  conv2d: [
    {
      name: "conv2d padding, stride",
      f: (x, w, b) => conv2d(x!, w!, b, { stride: [1, 2], padding: 1 }),
      inputs: [r([1, 2, 3, 4]), r([2, 2, 2, 3]), r([2])],
    },
    {
      name: "conv2d replicate padding, depthwise",
      f: (x, w) => conv2d(x!, w!, null, { padding: 1, paddingMode: "replicate", groups: 2 }),
      inputs: [r([1, 2, 3, 3]), r([2, 1, 2, 2])],
    },
  ],
  convTranspose1d: [
    {
      name: "convTranspose1d stride, outputPadding",
      f: (x, w, b) => convTranspose1d(x!, w!, b, { stride: 2, padding: 1, outputPadding: 1 }),
      inputs: [r([2, 2, 3]), r([2, 3, 3]), r([3])],
    },
  ],
  convTranspose2d: [
    {
      name: "convTranspose2d groups, dilation",
      f: (x, w) => convTranspose2d(x!, w!, null, { groups: 2, dilation: [1, 2] }),
      inputs: [r([1, 2, 2, 3]), r([2, 1, 2, 2])],
    },
  ],
  maxPool1d: [
    {
      name: "maxPool1d padding, ceil mode",
      f: (x) => maxPool1d(x!, 3, { stride: 2, padding: 1, ceilMode: true }),
      inputs: [spread([2, 2, 6])],
    },
  ],
  maxPool2d: [
    {
      name: "maxPool2d overlapping windows",
      f: (x) => maxPool2d(x!, 2, { stride: 1 }),
      inputs: [spread([1, 2, 3, 4])],
    },
  ],
  avgPool1d: [
    {
      name: "avgPool1d padding, countIncludePad false",
      f: (x) => avgPool1d(x!, 3, { stride: 2, padding: 1, countIncludePad: false }),
      inputs: [r([2, 2, 5])],
    },
  ],
  avgPool2d: [
    {
      name: "avgPool2d ceil mode",
      f: (x) => avgPool2d(x!, 2, { ceilMode: true }),
      inputs: [r([1, 2, 3, 5])],
    },
  ],
  adaptiveAvgPool1d: [
    { name: "adaptiveAvgPool1d", f: (x) => adaptiveAvgPool1d(x!, 3), inputs: [r([2, 2, 5])] },
  ],
  adaptiveAvgPool2d: [
    {
      name: "adaptiveAvgPool2d",
      f: (x) => adaptiveAvgPool2d(x!, [2, 3]),
      inputs: [r([1, 2, 3, 4])],
    },
  ],
  adaptiveMaxPool2d: [
    {
      name: "adaptiveMaxPool2d",
      f: (x) => adaptiveMaxPool2d(x!, [2, 2]),
      inputs: [spread([1, 2, 3, 5])],
    },
  ],
  unfold: [
    {
      name: "unfold padding, stride",
      f: (x) => unfold(x!, 2, { padding: 1, stride: 2 }),
      inputs: [r([1, 2, 3, 3])],
    },
  ],
  fold: [{ name: "fold overlapping", f: (x) => fold(x!, 3, 2), inputs: [r([1, 8, 4])] }],
  interpolate: [
    {
      name: "interpolate bilinear",
      f: (x) => interpolate(x!, { size: [3, 4], mode: "bilinear" }),
      inputs: [r([1, 1, 2, 3])],
    },
    {
      name: "interpolate nearest",
      f: (x) => interpolate(x!, { scaleFactor: 1.5 }),
      inputs: [r([1, 2, 3])],
    },
  ],
  where: [
    {
      name: "where, broadcast condition",
      f: (a, b) => where(constant([1, 0, 1], { dtype: "bool" }), a, b),
      inputs: [r([2, 3]), r([2, 1])],
    },
    { name: "where as masking", f: (a) => where(gt(a, 0), a, 0), inputs: [r([4], -2, 2, [0])] },
  ],
};
