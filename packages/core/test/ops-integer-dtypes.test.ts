/**
 * int32 and bool inputs through every op, pow where C's pow and JavaScript's ** part, and
 * 0-d inputs to every op that takes an axis, against PyTorch (fixtures/ops-integer-dtypes.json,
 * written by fixtures/ops-integer-dtypes.py): result dtypes and values, refusals, and the
 * gradients of 0-d inputs. PyTorch's int64 results stand for int32 ones.
 */
import {
  abs,
  acos,
  acosh,
  add,
  all,
  any,
  argmax,
  argmin,
  argsort,
  asin,
  asinh,
  atan,
  atan2,
  atanh,
  broadcastTo,
  cast,
  ceil,
  chunk,
  clamp,
  concat,
  copysign,
  cos,
  cosh,
  cummax,
  cummin,
  cumprod,
  cumsum,
  diag,
  diagonal,
  div,
  einsum,
  eq,
  erf,
  erfc,
  erfinv,
  exp,
  exp2,
  expand,
  expm1,
  flatten,
  flip,
  floor,
  floorDivide,
  fmod,
  frac,
  gather,
  ge,
  gt,
  hypot,
  identity,
  index,
  indexSelect,
  isFloat,
  isfinite,
  isinf,
  isnan,
  kthvalue,
  le,
  lerp,
  log,
  log1p,
  log2,
  log10,
  logaddexp,
  logcumsumexp,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  logSoftmax,
  logsumexp,
  lt,
  maskedFill,
  maskedSelect,
  matmul,
  max,
  maximum,
  mean,
  median,
  min,
  minimum,
  movedim,
  mul,
  ne,
  neg,
  nonzero,
  norm,
  oneHot,
  pad,
  pow,
  prod,
  reciprocal,
  referenceBackend,
  relu,
  remainder,
  repeat,
  repeatInterleave,
  reshape,
  roll,
  round,
  rsqrt,
  type ScatterReduction,
  scatter,
  scatterAdd,
  scatterReduce,
  searchsorted,
  sigmoid,
  sign,
  sin,
  sinh,
  slice,
  softmax,
  sort,
  split,
  sqrt,
  square,
  squeeze,
  stack,
  std,
  sub,
  sum,
  sumTo,
  swapAxes,
  type Tensor,
  type TensorLike,
  TensortapeError,
  tan,
  tanh,
  tensor,
  tile,
  topk,
  transpose,
  tril,
  triu,
  trunc,
  unbind,
  unflatten,
  unique,
  unsqueeze,
  var as variance,
  wasmBackend,
  where,
} from "@tensortape/core";
import { describe, expect, test } from "vitest";
import fixture from "./fixtures/ops-integer-dtypes.json";

type Encoded = number | string | boolean;
type Nested = Encoded | Nested[];

interface Described {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly values: Nested;
}

interface Case {
  readonly outputs?: readonly Described[];
  readonly error?: string;
  readonly grad?: Encoded | null;
}

/**
 * A fixture number: "inf", "-inf", "nan" and "-0" stand for what JSON cannot hold; bools are
 * 1 and 0.
 */
function decode(v: Encoded): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return Number(v);
  const special: Record<string, number> = {
    inf: Number.POSITIVE_INFINITY,
    "-inf": Number.NEGATIVE_INFINITY,
    "-0": -0,
  };
  return special[v] ?? Number.NaN;
}

const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [decode(v)]);

/** What an op returns: a tensor, a list of them, or named tensors (values before indices). */
type Result =
  | Tensor
  | readonly Tensor[]
  | {
      readonly values: Tensor;
      readonly indices?: Tensor;
      readonly inverse?: Tensor;
      readonly counts?: Tensor;
    };

function outputsOf(result: Result): Tensor[] {
  if (Array.isArray(result)) return [...(result as readonly Tensor[])];
  const one = result as Exclude<Result, readonly Tensor[]>;
  if (!("values" in one)) return [one];
  const named = [one.values, one.indices, one.inverse, one.counts];
  return named.filter((t): t is Tensor => t !== undefined);
}

/** Float32 results may differ from PyTorch's float32 kernels in the last bit (docs/ops.md). */
function expectClose(actual: ArrayLike<number>, expected: number[], rtol: number, label: string) {
  expect(actual.length, label).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    const where = `${label}: element ${i} is ${a}, PyTorch gives ${e}`;
    if (Number.isNaN(e) || !Number.isFinite(e)) expect(Object.is(a, e), where).toBe(true);
    else expect(Math.abs(a - e) <= rtol * Math.abs(e), where).toBe(true);
  });
}

function expectOutputs(actual: readonly Tensor[], expected: readonly Described[], label: string) {
  expect(actual.length, `${label}: number of outputs`).toBe(expected.length);
  expected.forEach((e, k) => {
    const t = actual[k]!;
    const name = `${label}, output ${k}`;
    expect(t.dtype, `${name}: dtype`).toBe(e.dtype === "int64" ? "int32" : e.dtype);
    expect(t.shape, `${name}: shape`).toEqual(e.shape);
    const rtol = t.dtype === "float32" ? 1e-6 : t.dtype === "float64" ? 1e-12 : 0;
    expectClose(t.data, flat(e.values), rtol, name);
  });
}

/** Runs `f`, which must throw one of the library's typed errors where PyTorch raises. */
function check(label: string, c: Case, f: () => Result): Tensor[] | undefined {
  if (c.error !== undefined) {
    expect(f, `${label}: PyTorch raises ${c.error}`).toThrowError(TensortapeError);
    return undefined;
  }
  const outputs = outputsOf(f());
  expectOutputs(outputs, c.outputs!, label);
  return outputs;
}

const i32 = (v: number[] | number[][] | number) => tensor(v, { dtype: "int32" });
const I = i32([
  [3, -1, 0],
  [2, 5, -4],
]);
const J = i32([
  [2, -3, 1],
  [4, -2, 3],
]);
const B = tensor(
  [
    [1, 0, 1],
    [0, 0, 1],
  ],
  { dtype: "bool" },
);
const F32 = tensor([
  [0.5, -1.5, 2],
  [3, -0.25, 1],
]);
const F64 = F32.cast("float64");
const IDX = i32([
  [0, 0, 1],
  [1, 1, 0],
]);
const SEQ = i32([-1, 0, 3]);

const dtypeCases: Record<string, () => Result> = {};

const realFunctions: Record<string, (x: Tensor) => Tensor> = {
  exp,
  log,
  sqrt,
  sin,
  cos,
  tanh,
  sigmoid,
  tan,
  asin,
  acos,
  atan,
  sinh,
  cosh,
  asinh,
  acosh,
  atanh,
  log2,
  log10,
  log1p,
  exp2,
  expm1,
  rsqrt,
  reciprocal,
  erf,
  erfc,
  erfinv,
};
for (const [name, f] of Object.entries(realFunctions)) {
  dtypeCases[`${name}(I)`] = () => f(I);
  dtypeCases[`${name}(B)`] = () => f(B);
}
dtypeCases["logsumexp(I, 1)"] = () => logsumexp(I, 1);
dtypeCases["logsumexp(B)"] = () => logsumexp(B, [0, 1]);

const sameDtypeUnary: Record<string, (x: Tensor) => Tensor> = {
  abs,
  neg,
  sign,
  relu,
  floor,
  ceil,
  round,
  trunc,
  frac,
  square,
  isnan,
  isinf,
  isfinite,
  logicalNot,
};
for (const [name, f] of Object.entries(sameDtypeUnary)) {
  dtypeCases[`${name}(I)`] = () => f(I);
  dtypeCases[`${name}(B)`] = () => f(B);
}
const special = () =>
  tensor([Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -2.5], {
    dtype: "float64",
    requiresGrad: true,
  });
dtypeCases["sign(F64 special)"] = () => sign(special());
dtypeCases["abs'(F64 special)"] = () => {
  const x = special();
  abs(x).sum().backward();
  return x.grad!;
};
dtypeCases["neg(int32 min)"] = () => neg(i32([-(2 ** 31), 5]));

const binary: Record<string, (a: TensorLike, b: TensorLike) => Tensor> = {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  atan2,
  remainder,
  fmod,
  floorDivide,
  copysign,
  hypot,
  logaddexp,
  logicalAnd,
  logicalOr,
  logicalXor,
};
const pairs: Record<string, [Tensor, Tensor]> = {
  "I, J": [I, J],
  "B, B": [B, B],
  "I, B": [I, B],
  "I, F32": [I, F32],
  "B, F64": [B, F64],
};
for (const [name, f] of Object.entries(binary)) {
  for (const [label, [a, b]] of Object.entries(pairs))
    dtypeCases[`${name}(${label})`] = () => f(a, b);
}
for (const name of ["add", "sub", "mul", "div", "pow", "remainder", "eq"]) {
  dtypeCases[`${name}(I, 2)`] = () => binary[name]!(I, 2);
  dtypeCases[`${name}(I, 2.5)`] = () => binary[name]!(I, 2.5);
}
Object.assign(dtypeCases, {
  "pow(I, -1)": () => pow(I, -1),
  "pow(int32 base, int32 -1)": () => pow(i32([0, 1, -1, 2, -2]), i32(-1)),
  "remainder(I, I)": () => remainder(I, I),
  "floorDivide(I, I)": () => floorDivide(I, I),
  "where(B, I, J)": () => where(B, I, J),
  "where(B, B, B)": () => where(B, B, logicalNot(B)),
  "where(B, I, F32)": () => where(B, I, F32),
  "where(B, I, 2.5)": () => where(B, I, 2.5),
  "where(I, J, J)": () => where(I, J, J),
  "where(F32, J, J)": () => where(F32, J, J),
  "clamp(I, 0, 2)": () => clamp(I, 0, 2),
  "clamp(I, max 1)": () => clamp(I, undefined, 1),
  "clamp(I, 0.5)": () => clamp(I, 0.5),
  "clamp(B, 0, 1)": () => clamp(B, 0, 1),
  "lerp(I, J, 0.5)": () => lerp(I, J, 0.5),
  "cast(I, bool)": () => cast(I, "bool"),
  "cast(B, int32)": () => cast(B, "int32"),
  "cast(F32, int32)": () => cast(F32, "int32"),
  "cast(B, float64)": () => cast(B, "float64"),
  "matmul(I, Iᵀ)": () => matmul(I, transpose(I)),
  "matmul(B, Bᵀ)": () => matmul(B, transpose(B)),
  "matmul(I, F32ᵀ)": () => matmul(I, transpose(F32)),
  "einsum(ij,kj->ik; I, J)": () => einsum("ij,kj->ik", I, J),
} satisfies Record<string, () => Result>);

for (const [label, X] of Object.entries({ I, B })) {
  Object.assign(dtypeCases, {
    [`sum(${label})`]: () => sum(X),
    [`sum(${label}, 1)`]: () => sum(X, 1),
    [`sumTo(${label}, [1, 3])`]: () => sumTo(X, [1, 3]),
    [`prod(${label})`]: () => prod(X),
    [`prod(${label}, 1)`]: () => prod(X, 1),
    [`mean(${label})`]: () => mean(X),
    [`max(${label})`]: () => max(X),
    [`max(${label}, 1)`]: () => max(X, 1),
    [`min(${label})`]: () => min(X),
    [`min(${label}, 1)`]: () => min(X, 1),
    [`argmax(${label}, 1)`]: () => argmax(X, 1),
    [`argmin(${label})`]: () => argmin(X),
    [`var(${label})`]: () => variance(X),
    [`std(${label}, 1)`]: () => std(X, 1),
    [`norm(${label})`]: () => norm(X),
    [`any(${label}, 1)`]: () => any(X, 1),
    [`all(${label})`]: () => all(X),
    [`cumsum(${label}, 1)`]: () => cumsum(X, 1),
    [`cumprod(${label}, 1)`]: () => cumprod(X, 1),
    [`cummax(${label}, 1)`]: () => cummax(X, 1),
    [`cummin(${label}, 1)`]: () => cummin(X, 1),
    [`logcumsumexp(${label}, 1)`]: () => logcumsumexp(X, 1),
    [`softmax(${label}, 1)`]: () => softmax(X, 1),
    [`logSoftmax(${label}, 1)`]: () => logSoftmax(X, 1),
  } satisfies Record<string, () => Result>);
}
Object.assign(dtypeCases, {
  "min(int32 min)": () => min(i32([-(2 ** 31), 0])),
  "median(I)": () => median(I),
  "median(I, 1)": () => median(I, 1),
  "kthvalue(I, 2, 1)": () => kthvalue(I, 2, 1),
  "topk(I, 2, 1)": () => topk(I, 2, 1),
  "searchsorted(SEQ, I)": () => searchsorted(SEQ, I),
} satisfies Record<string, () => Result>);

for (const [label, X] of Object.entries({ I, B })) {
  const flipped = flip(X, 1);
  Object.assign(dtypeCases, {
    [`flip(${label}, 1)`]: () => flip(X, 1),
    [`roll(${label}, 1, 1)`]: () => roll(X, 1, 1),
    [`tril(${label})`]: () => tril(X),
    [`triu(${label}, 1)`]: () => triu(X, 1),
    [`diag(${label})`]: () => diag(X),
    [`diagonal(${label}, 1)`]: () => diagonal(X, 1),
    [`pad(${label}, [1, 2])`]: () => pad(X, [1, 2]),
    [`pad circular(${label})`]: () => pad(unsqueeze(X, 0), [1, 1], { mode: "circular" }),
    [`repeat(${label}, [2, 1])`]: () => repeat(X, [2, 1]),
    [`tile(${label}, [2])`]: () => tile(X, [2]),
    [`repeatInterleave(${label}, 2, 1)`]: () => repeatInterleave(X, 2, 1),
    [`split(${label}, 2, 1)`]: () => split(X, 2, 1),
    [`chunk(${label}, 2)`]: () => chunk(X, 2),
    [`unbind(${label}, 1)`]: () => unbind(X, 1),
    [`unflatten(${label}, 1, [3, 1])`]: () => unflatten(X, 1, [3, 1]),
    [`movedim(${label}, 0, 1)`]: () => movedim(X, 0, 1),
    [`expand(${label})`]: () => expand(unsqueeze(X, 0), [2, 2, 3]),
    [`broadcastTo(${label})`]: () => broadcastTo(X, [2, 2, 3]),
    [`reshape(${label}, [3, 2])`]: () => reshape(X, [3, 2]),
    [`transpose(${label})`]: () => transpose(X),
    [`swapAxes(${label}, 0, 1)`]: () => swapAxes(X, 0, 1),
    [`squeeze(${label})`]: () => squeeze(unsqueeze(X, 1), 1),
    [`flatten(${label})`]: () => flatten(X),
    [`slice(${label})`]: () => slice(X, [0, 1]),
    [`index(${label})`]: () => index(X, 1, i32([2, 0])),
    [`sort(${label}, 1)`]: () => sort(X, 1, { stable: true }),
    [`argsort(${label}, 1)`]: () => argsort(X, 1, { stable: true }),
    [`unique(${label})`]: () => unique(X),
    [`gather(${label})`]: () => gather(X, 1, IDX),
    [`indexSelect(${label})`]: () => indexSelect(X, 1, i32([2, 0])),
    [`maskedFill(${label}, 2.5)`]: () => maskedFill(X, B, 2.5),
    [`maskedSelect(${label})`]: () => maskedSelect(X, B),
    [`nonzero(${label})`]: () => nonzero(X),
    [`scatter(${label}, 2.5)`]: () => scatter(X, 1, i32([[0], [1]]), 2.5),
    [`scatter(${label}, src)`]: () => scatter(X, 1, IDX, flipped),
    [`scatterAdd(${label})`]: () => scatterAdd(X, 1, IDX, [2, 3]),
    [`identity(${label})`]: () => identity(X),
  } satisfies Record<string, () => Result>);
  for (const reduce of ["sum", "prod", "mean", "amax", "amin"] as ScatterReduction[]) {
    dtypeCases[`scatterReduce(${label}, ${reduce})`] = () =>
      scatterReduce(X, 1, IDX, flipped, reduce);
  }
}
Object.assign(dtypeCases, {
  "concat(I, F32)": () => concat([I, F32]),
  "concat(I, B)": () => concat([I, B]),
  "concat(B, B)": () => concat([B, B], 1),
  "stack(B, I)": () => stack([B, I]),
  "oneHot(I)": () => oneHot(abs(I), 6),
} satisfies Record<string, () => Result>);

/** The 0-d cases: each runs on x = -0.7 (float64, requiring grad). */
const scalarCases: Record<string, (x: Tensor) => Result> = {};
for (const ax of [0, -1]) {
  const at = (i: number | number[]) => i32(i);
  Object.assign(scalarCases, {
    [`cumsum ${ax}`]: (x: Tensor) => cumsum(x, ax),
    [`cumprod ${ax}`]: (x: Tensor) => cumprod(x, ax),
    [`logcumsumexp ${ax}`]: (x: Tensor) => logcumsumexp(x, ax),
    [`cummax ${ax}`]: (x: Tensor) => cummax(x, ax),
    [`cummin ${ax}`]: (x: Tensor) => cummin(x, ax),
    [`flip ${ax}`]: (x: Tensor) => flip(x, [ax]),
    [`roll ${ax}`]: (x: Tensor) => roll(x, 1, ax),
    [`sort ${ax}`]: (x: Tensor) => sort(x, ax),
    [`sort descending ${ax}`]: (x: Tensor) => sort(x, ax, { descending: true }),
    [`argsort ${ax}`]: (x: Tensor) => argsort(x, ax),
    [`topk 1 ${ax}`]: (x: Tensor) => topk(x, 1, ax),
    [`topk 0 ${ax}`]: (x: Tensor) => topk(x, 0, ax),
    [`topk 2 ${ax}`]: (x: Tensor) => topk(x, 2, ax),
    [`kthvalue 1 ${ax}`]: (x: Tensor) => kthvalue(x, 1, ax),
    [`kthvalue 1 keepDims ${ax}`]: (x: Tensor) => kthvalue(x, 1, ax, true),
    [`kthvalue 2 ${ax}`]: (x: Tensor) => kthvalue(x, 2, ax),
    [`median ${ax}`]: (x: Tensor) => median(x, ax),
    [`median keepDims ${ax}`]: (x: Tensor) => median(x, ax, true),
    [`indexSelect [0] ${ax}`]: (x: Tensor) => indexSelect(x, ax, at([0])),
    [`indexSelect 0-d ${ax}`]: (x: Tensor) => indexSelect(x, ax, at(0)),
    [`indexSelect [0, 0] ${ax}`]: (x: Tensor) => indexSelect(x, ax, at([0, 0])),
    [`indexSelect [1] ${ax}`]: (x: Tensor) => indexSelect(x, ax, at([1])),
    [`gather 0-d ${ax}`]: (x: Tensor) => gather(x, ax, at(0)),
    [`gather [0] ${ax}`]: (x: Tensor) => gather(x, ax, at([0])),
    [`gather 1 ${ax}`]: (x: Tensor) => gather(x, ax, at(1)),
    [`scatter into x ${ax}`]: (x: Tensor) =>
      scatter(x, ax, at(0), tensor(2.5, { dtype: "float64" })),
    [`scatter from x ${ax}`]: (x: Tensor) =>
      scatter(tensor(1.5, { dtype: "float64" }), ax, at(0), x),
    [`scatter number ${ax}`]: (x: Tensor) => scatter(x, ax, at(0), 2.5),
    [`scatterReduce sum ${ax}`]: (x: Tensor) => scatterReduce(x, ax, at(0), mul(x, 2), "sum"),
    [`scatterReduce amax without self ${ax}`]: (x: Tensor) =>
      scatterReduce(x, ax, at(0), mul(x, 2), "amax", { includeSelf: false }),
    [`split 1 ${ax}`]: (x: Tensor) => split(x, 1, ax),
    [`split [1] ${ax}`]: (x: Tensor) => split(x, [1], ax),
    [`chunk 1 ${ax}`]: (x: Tensor) => chunk(x, 1, ax),
    [`unbind ${ax}`]: (x: Tensor) => unbind(x, ax),
    [`norm 2 ${ax}`]: (x: Tensor) => norm(x, 2, ax),
    [`norm 2 keepDims ${ax}`]: (x: Tensor) => norm(x, 2, ax, true),
    [`norm 1 ${ax}`]: (x: Tensor) => norm(x, 1, ax),
    [`norm inf ${ax}`]: (x: Tensor) => norm(x, Number.POSITIVE_INFINITY, ax),
    [`var ${ax}`]: (x: Tensor) => variance(x, ax),
    [`var correction 0 ${ax}`]: (x: Tensor) => variance(x, ax, { correction: 0 }),
    [`std ${ax}`]: (x: Tensor) => std(x, ax),
    [`std correction 0 ${ax}`]: (x: Tensor) => std(x, ax, { correction: 0 }),
    [`prod ${ax}`]: (x: Tensor) => prod(x, ax),
    [`prod keepDims ${ax}`]: (x: Tensor) => prod(x, ax, true),
    [`any ${ax}`]: (x: Tensor) => any(x, ax),
    [`all ${ax}`]: (x: Tensor) => all(x, ax),
    [`softmax ${ax}`]: (x: Tensor) => softmax(x, ax),
    [`logSoftmax ${ax}`]: (x: Tensor) => logSoftmax(x, ax),
    [`logsumexp ${ax}`]: (x: Tensor) => logsumexp(x, ax),
    [`sum ${ax}`]: (x: Tensor) => sum(x, ax),
    [`mean ${ax}`]: (x: Tensor) => mean(x, ax),
    [`max [axis] ${ax}`]: (x: Tensor) => max(x, [ax]),
    [`max axis ${ax}`]: (x: Tensor) => max(x, ax),
    [`min axis ${ax}`]: (x: Tensor) => min(x, ax),
    [`argmax ${ax}`]: (x: Tensor) => argmax(x, ax),
    [`argmin ${ax}`]: (x: Tensor) => argmin(x, ax),
    [`squeeze ${ax}`]: (x: Tensor) => squeeze(x, ax),
    [`unsqueeze ${ax}`]: (x: Tensor) => unsqueeze(x, ax),
    [`flatten ${ax}`]: (x: Tensor) => flatten(x, ax),
    [`unflatten ${ax}`]: (x: Tensor) => unflatten(x, ax, [1]),
    [`movedim ${ax}`]: (x: Tensor) => movedim(x, ax, 0),
    [`swapAxes ${ax}`]: (x: Tensor) => swapAxes(x, ax, 0),
    [`swapAxes ${ax} -1`]: (x: Tensor) => swapAxes(x, ax, -1),
    [`concat ${ax}`]: (x: Tensor) => concat([x, x], ax),
    [`stack ${ax}`]: (x: Tensor) => stack([x, x], ax),
    [`repeatInterleave ${ax}`]: (x: Tensor) => repeatInterleave(x, 2, ax),
    [`repeatInterleave tensor ${ax}`]: (x: Tensor) => repeatInterleave(x, at([3]), ax),
    [`diagonal ${ax}`]: (x: Tensor) => diagonal(x, 0, ax, 0),
    [`unique ${ax}`]: (x: Tensor) => unique(x, { axis: ax }),
  } satisfies Record<string, (x: Tensor) => Result>);
}
Object.assign(scalarCases, {
  "cumsum 1": (x: Tensor) => cumsum(x, 1),
  "sort 1": (x: Tensor) => sort(x, 1),
  "softmax 1": (x: Tensor) => softmax(x, 1),
  "indexSelect 1": (x: Tensor) => indexSelect(x, 1, i32([0])),
  "norm 1": (x: Tensor) => norm(x, 2, 1),
  "prod 1": (x: Tensor) => prod(x, 1),
  "flatten 1": (x: Tensor) => flatten(x, 1),
  "swapAxes 1": (x: Tensor) => swapAxes(x, 1, 0),
  "kthvalue over the last axis": (x: Tensor) => kthvalue(x, 1),
  "median of all": (x: Tensor) => median(x),
} satisfies Record<string, (x: Tensor) => Result>);

describe(`int32 and bool inputs against PyTorch ${fixture.torch}`, () => {
  const cases = fixture.dtypes as Record<string, Case>;

  test("every fixture case has a twin here and every twin a fixture case", () => {
    expect(Object.keys(dtypeCases).sort()).toEqual(Object.keys(cases).sort());
  });

  for (const [name, c] of Object.entries(cases)) {
    test(name, () => {
      const f = dtypeCases[name];
      expect(f, `no case named ${name}`).toBeDefined();
      check(name, c, f!);
    });
  }
});

describe("pow follows C's pow where JavaScript's ** does not", () => {
  const p = fixture.pow;
  const a = flat(p.a);
  const b = flat(p.b);

  test("values and both gradients in float64, as PyTorch", () => {
    const x = tensor(a, { dtype: "float64", requiresGrad: true });
    const e = tensor(b, { dtype: "float64", requiresGrad: true });
    const y = pow(x, e);
    expectClose(y.data, flat(p.y), 0, "pow");
    y.sum().backward();
    expectClose(x.grad!.data, flat(p.grad_a), 0, "d pow / da");
    expectClose(e.grad!.data, flat(p.grad_b), 0, "d pow / db");
  });

  test("values in float32", () => {
    expectClose(pow(tensor(a), tensor(b)).data, flat(p.y_float32), 0, "pow float32");
  });

  // Each backend's kernel directly, whichever backend this run chose for the ops.
  for (const backend of [referenceBackend, wasmBackend]) {
    test(`the ${backend.name} kernel`, () => {
      const out = new Float64Array(a.length);
      const view = (data: number[]) => ({
        data: Float64Array.from(data),
        offset: 0,
        strides: [1],
      });
      backend.binary("pow", view(a), view(b), out, [a.length]);
      expectClose(out, flat(p.y), 0, `${backend.name} pow`);
    });
  }
});

describe(`0-d inputs to ops that take an axis, against PyTorch ${fixture.torch}`, () => {
  const cases = fixture.scalar as Record<string, Case>;

  test("every fixture case has a twin here and every twin a fixture case", () => {
    expect(Object.keys(scalarCases).sort()).toEqual(Object.keys(cases).sort());
  });

  for (const [name, c] of Object.entries(cases)) {
    test(name, () => {
      const f = scalarCases[name];
      expect(f, `no case named ${name}`).toBeDefined();
      const x = tensor(-0.7, { dtype: "float64", requiresGrad: true });
      const outputs = check(name, c, () => f!(x));
      if (outputs === undefined) return;
      const floats = outputs.filter((t) => isFloat(t.dtype) && t.requiresGrad);
      if (c.grad === undefined) {
        expect(floats, `${name}: PyTorch's outputs carry no gradient`).toEqual([]);
        return;
      }
      // J = Σ_k (k + 1.3)·Σ out_k, as the fixture's
      floats
        .map((t, k) => sum(mul(t, k + 1.3)))
        .reduce((total, term) => add(total, term))
        .backward();
      expectClose([x.grad!.item()], [decode(c.grad!)], 1e-12, `${name}: gradient`);
    });
  }

  test("transpose takes a 0-d tensor's one notional axis and leaves it unchanged", () => {
    for (const axes of [[0], [-1]]) {
      const x = tensor(2.5, { dtype: "float64", requiresGrad: true });
      const y = transpose(x, axes);
      expect(y.shape).toEqual([]);
      expect(y.item()).toBe(2.5);
      mul(y, 3).backward();
      expect(x.grad!.item()).toBe(3);
    }
    expect(() => transpose(tensor(2.5), [1])).toThrowError(/transpose: axis out of range/);
    expect(() => transpose(tensor(2.5), [0, 0])).toThrowError(TensortapeError);
  });
});
