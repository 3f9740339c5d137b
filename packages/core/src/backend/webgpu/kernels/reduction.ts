/**
 * Reductions (over any set of axes), arg-reductions, scans along one axis and row softmax.
 * Every result is deterministic: a reduction walks its elements in row-major order, one thread
 * per output when the reduced extent is small, else a workgroup whose threads each take a
 * contiguous run and combine their partial results pairwise with the left (earlier) run first,
 * so ties and NaN resolve as the sequential reference does. Float32 sums are compensated
 * (Kahan), standing in for the reference's float64 accumulator.
 */
import type { ReduceKernel, ScanKernel } from "../../backend.js";
import type { GpuArray } from "../gpu-array.js";
import { MATH } from "../wgsl/math.js";
import {
  convert,
  entry,
  header,
  type StorageBinding,
  WORKGROUP,
  wgslType,
} from "../wgsl/prelude.js";
import {
  coalesce,
  contiguousStrides,
  groupsFor,
  type KernelHost,
  Params,
  type Program,
} from "./host.js";

const REDUCE_GROUP = 256;
/** Reduced extents up to this take one thread per output. */
const SEQUENTIAL_REDUCE = 64;

const binding = (name: string, a: GpuArray, access: "read" | "read_write"): StorageBinding => ({
  name,
  type: wgslType(a.dtype),
  access,
});

/** WGSL decoding flat `flat` over `rank` axes (sizes at word `shapeAt`, strides after) into `into`. */
function decode(flat: string, rank: number, shapeAt: string, into: string): string {
  const lines = [`  { var rest = ${flat};`];
  for (let d = rank - 1; d >= 0; d--) {
    const size = `pu(${shapeAt} + ${d}u)`;
    const stride = `pi(${shapeAt} + ${rank + d}u)`;
    if (d === 0) lines.push(`    ${into} = ${into} + i32(rest) * ${stride};`);
    else
      lines.push(`    ${into} = ${into} + i32(rest % ${size}) * ${stride}; rest = rest / ${size};`);
  }
  lines.push("  }");
  return lines.join("\n");
}

/** The combining step of each reduction in its domain: `acc` takes `v` (the later element). */
function combine(op: ReduceKernel, float: boolean): string {
  switch (op) {
    case "sum":
      return "acc + v";
    case "prod":
      return "acc * v";
    // NaN wins, the last one seen; ties keep the earlier element, as the reference does.
    case "max":
      return float ? "select(acc, v, v > acc || is_nan(v))" : "max(acc, v)";
    case "min":
      return float ? "select(acc, v, v < acc || is_nan(v))" : "min(acc, v)";
  }
}

function identity(op: ReduceKernel, float: boolean): string {
  switch (op) {
    case "sum":
      return float ? "0.0" : "0";
    case "prod":
      return float ? "1.0" : "1";
    case "max":
      return float ? "-f_inf()" : "-2147483647 - 1";
    case "min":
      return float ? "f_inf()" : "2147483647";
  }
}

/** What an empty reduction stores: the reference's float64 identity with typed-array rules. */
function emptyValue(op: ReduceKernel, out: GpuArray): string {
  const float = identity(op, true);
  return convert(float, "f32", out.dtype);
}

/** Reduces x of `shape` over the sorted `axes` into out (the kept axes, in order). */
export function reduce(
  host: KernelHost,
  op: ReduceKernel,
  x: GpuArray,
  shape: readonly number[],
  axes: readonly number[],
  out: GpuArray,
): void {
  const nOut = out.length;
  if (nOut === 0) return;
  const strides = contiguousStrides(shape);
  const keptShape = shape.filter((_, d) => !axes.includes(d));
  const keptStrides = strides.filter((_, d) => !axes.includes(d));
  const redShape = shape.filter((_, d) => axes.includes(d));
  const redStrides = strides.filter((_, d) => axes.includes(d));
  const kept = coalesce("reduce", keptShape, [keptStrides]);
  const red = coalesce("reduce", redShape, [redStrides]);
  const total = redShape.reduce((a, b) => a * b, 1);
  const float = x.dtype === "float32";
  const type = float ? "f32" : "i32";
  const load = convert("x[u32(at)]", wgslType(x.dtype), float ? "float32" : "int32");
  const kr = kept.shape.length;
  const rr = red.shape.length;
  const sequential = total <= SEQUENTIAL_REDUCE || nOut >= 8192;
  const kahan = float && op === "sum";
  const bindings = [binding("x", x, "read"), binding("out", out, "read_write")];
  const words = 4 + 2 * kr + 2 * rr;
  const keptAt = "4u";
  const redAt = `${4 + 2 * kr}u`;
  const step = combine(op, float);
  // One run of elements [lo, hi) of the reduced space into acc (and Kahan's c).
  const run = `
  for (var r = lo; r < hi; r = r + 1u) {
    var at = base;
${decode("r", rr, redAt, "at")}
    let v = ${load};
    ${
      kahan
        ? "let y = v - c; let t = acc + y; c = select(0.0, (t - acc) - y, is_finite(t)); acc = t;"
        : `acc = ${step};`
    }
  }`;
  const store = `out[pu(3u) + o] = ${convert("acc", type, out.dtype)};`;
  const program: Program = sequential
    ? {
        key: `reduce:seq:${op}:${x.dtype}:${out.dtype}:${kr}:${rr}`,
        bindings,
        words,
        source: () => `${header(words, bindings)}${MATH}${entry(WORKGROUP)}
  let o = gid;
  if (o >= pu(0u)) { return; }
  if (pu(1u) == 0u) { out[pu(3u) + o] = ${emptyValue(op, out)}; return; }
  var base = pi(2u);
${decode("o", kr, keptAt, "base")}
  var acc: ${type} = ${identity(op, float)};
  var c: f32 = 0.0;
  let lo = 0u;
  let hi = pu(1u);
${run}
  ${store}
}`,
      }
    : {
        key: `reduce:group:${op}:${x.dtype}:${out.dtype}:${kr}:${rr}`,
        bindings,
        words,
        source: () => `${header(words, bindings)}${MATH}
var<workgroup> partial: array<${type}, ${REDUCE_GROUP}>;
${entry(REDUCE_GROUP)}
  let o = wg;
  // Uniform control flow: every thread of a group agrees on o.
  if (o >= pu(0u)) { return; }
  var base = pi(2u);
${decode("o", kr, keptAt, "base")}
  let n = pu(1u);
  let chunk = (n + ${REDUCE_GROUP - 1}u) / ${REDUCE_GROUP}u;
  let lo = min(n, lid * chunk);
  let hi = min(n, lo + chunk);
  var acc: ${type} = ${identity(op, float)};
  var c: f32 = 0.0;
${run}
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = 1u; s < ${REDUCE_GROUP}u; s = s * 2u) {
    if (lid % (2u * s) == 0u) {
      let acc = partial[lid];
      let v = partial[lid + s];
      partial[lid] = ${step};
    }
    workgroupBarrier();
  }
  if (lid == 0u) { let acc = partial[0]; ${store} }
}`,
      };
  const params = new Params().u(nOut).u(total).i(x.offset).u(out.offset);
  for (const s of kept.shape) params.u(s);
  for (const s of kept.strides[0]!) params.i(s);
  for (const s of red.shape) params.u(s);
  for (const s of red.strides[0]!) params.i(s);
  host.run(program, [x.buffer, out.buffer], params, {
    groups: sequential ? groupsFor(nOut, WORKGROUP) : nOut,
  });
}

/** The index of the largest (smallest) element along `axis`; the first of ties, NaN wins. */
export function argReduce(
  host: KernelHost,
  op: "argmax" | "argmin",
  x: GpuArray,
  shape: readonly number[],
  axis: number,
  out: GpuArray,
): void {
  const len = shape[axis]!;
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const lines = outer * inner;
  if (lines === 0) return;
  const float = x.dtype === "float32";
  const type = wgslType(x.dtype);
  const better = op === "argmax" ? "v > best" : "v < best";
  const bindings = [binding("x", x, "read"), binding("out", out, "read_write")];
  if (len >= ARG_SPLIT_MIN_LEN && lines < ARG_SPLIT_MAX_LINES) {
    argReduceByWorkgroup(host, op, x, out, lines, len, inner);
    return;
  }
  const program: Program = {
    key: `argReduce:${op}:${x.dtype}`,
    bindings,
    words: 5,
    source: () => `${header(5, bindings)}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let len = pu(1u);
  let inner = pu(2u);
  let base = pu(3u) + (gid / inner) * len * inner + gid % inner;
  var best_at = 0;
  if (len > 0u) {
    var best: ${type} = x[base];
    for (var j = 1u; j < len; j = j + 1u) {
      ${float ? "if (is_nan(best)) { break; }" : ""}
      let v = x[base + j * inner];
      if (${better}${float ? " || is_nan(v)" : ""}) { best = v; best_at = i32(j); }
    }
  }
  out[pu(4u) + gid] = best_at;
}`,
  };
  host.run(
    program,
    [x.buffer, out.buffer],
    new Params().u(lines).u(len).u(inner).u(x.offset).u(out.offset),
    { groups: groupsFor(lines, WORKGROUP) },
  );
}

/**
 * Lines at least this long, when there are fewer than ARG_SPLIT_MAX_LINES of them, are reduced
 * by a workgroup each instead of a thread each: one thread walking 50 000 logits alone leaves
 * the GPU idle.
 */
const ARG_SPLIT_MIN_LEN = 1024;
const ARG_SPLIT_MAX_LINES = 4096;
/** Threads of the workgroup that reduces one line. */
const ARG_GROUP = 64;

/**
 * argReduce with a workgroup per line: each thread keeps the best of the elements j ≡ lid
 * (mod ARG_GROUP) in order, then the group combines pairs by a tree in which the better value
 * wins and a tie (or two NaNs) goes to the smaller position. That is the first best element
 * (the first NaN, for floats), as the one-thread loop finds it.
 */
function argReduceByWorkgroup(
  host: KernelHost,
  op: "argmax" | "argmin",
  x: GpuArray,
  out: GpuArray,
  lines: number,
  len: number,
  inner: number,
): void {
  const float = x.dtype === "float32";
  const type = wgslType(x.dtype);
  const beats = op === "argmax" ? ">" : "<";
  const bindings = [binding("x", x, "read"), binding("out", out, "read_write")];
  const program: Program = {
    key: `argReduceGroup:${op}:${x.dtype}`,
    bindings,
    words: 5,
    source: () => `${header(5, bindings)}
var<workgroup> best_value: array<${type}, ${ARG_GROUP}>;
var<workgroup> best_place: array<i32, ${ARG_GROUP}>;
// Whether (v, j) comes before (w, k): the better value, else on a tie the smaller position.
fn wins(v: ${type}, j: i32, w: ${type}, k: i32) -> bool {
  if (k < 0) { return j >= 0; }
  if (j < 0) { return false; }
  ${
    float
      ? `let vn = is_nan(v);
  let wn = is_nan(w);
  if (vn || wn) { if (vn && wn) { return j < k; } return vn; }`
      : ""
  }
  if (v ${beats} w) { return true; }
  if (v == w) { return j < k; }
  return false;
}
${entry(ARG_GROUP)}
  let line = wg;
  if (line >= pu(0u)) { return; }
  let len = pu(1u);
  let inner = pu(2u);
  let base = pu(3u) + (line / inner) * len * inner + line % inner;
  var best: ${type} = ${type}(0);
  var at = -1;
  for (var j = lid; j < len; j = j + ${ARG_GROUP}u) {
    let v = x[base + j * inner];
    if (wins(v, i32(j), best, at)) { best = v; at = i32(j); }
  }
  best_value[lid] = best;
  best_place[lid] = at;
  workgroupBarrier();
  for (var s = ${ARG_GROUP / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) {
      let v = best_value[lid + s];
      let j = best_place[lid + s];
      if (wins(v, j, best_value[lid], best_place[lid])) {
        best_value[lid] = v;
        best_place[lid] = j;
      }
    }
    workgroupBarrier();
  }
  if (lid == 0u) { out[pu(4u) + line] = max(best_place[0], 0); }
}`,
  };
  host.run(
    program,
    [x.buffer, out.buffer],
    new Params().u(lines).u(len).u(inner).u(x.offset).u(out.offset),
    { groups: lines },
  );
}

/** Inclusive scans along the middle axis of [outer, axisLen, inner], one thread per line. */
export function scan(
  host: KernelHost,
  op: ScanKernel,
  x: GpuArray,
  outer: number,
  axisLen: number,
  inner: number,
  out: GpuArray,
  indices: GpuArray | null,
): void {
  const lines = outer * inner;
  if (lines === 0 || axisLen === 0) return;
  const float = x.dtype === "float32" || op === "logsumexp";
  const type = float ? "f32" : "i32";
  const load = convert("x[k]", wgslType(x.dtype), float ? "float32" : "int32");
  const bindings = [binding("x", x, "read"), binding("out", out, "read_write")];
  if (indices) bindings.push(binding("indices", indices, "read_write"));
  let body: string;
  if (op === "max" || op === "min") {
    const replaces = float
      ? `!is_nan(best) && (is_nan(v) || v ${op === "max" ? ">=" : "<="} best)`
      : `v ${op === "max" ? ">=" : "<="} best`;
    body = `
    var best: ${type} = ${load.replace("x[k]", "x[base]")};
    var at = 0;
    for (var j = 0u; j < len; j = j + 1u) {
      let k = base + j * inner;
      let v = ${load};
      if (j == 0u || (${replaces})) { best = v; at = i32(j); }
      out[pu(4u) + k - pu(3u)] = ${convert("best", type, out.dtype)};
      ${indices ? "indices[pu(5u) + k - pu(3u)] = at;" : ""}
    }`;
  } else {
    const start = { sum: float ? "0.0" : "0", prod: float ? "1.0" : "1", logsumexp: "-f_inf()" }[
      op
    ];
    const kahan = float && op === "sum";
    const step = kahan
      ? "let y = v - c; let t = acc + y; c = select(0.0, (t - acc) - y, is_finite(t)); acc = t;"
      : op === "sum"
        ? "acc = acc + v;"
        : op === "prod"
          ? "acc = acc * v;"
          : "acc = log_add_exp(acc, v);";
    body = `
    var acc: ${type} = ${start};
    var c: f32 = 0.0;
    for (var j = 0u; j < len; j = j + 1u) {
      let k = base + j * inner;
      let v = ${load};
      ${step}
      out[pu(4u) + k - pu(3u)] = ${convert("acc", type, out.dtype)};
    }`;
  }
  const words = 6;
  const program: Program = {
    key: `scan:${op}:${x.dtype}:${out.dtype}:${indices !== null}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${MATH}
fn log_add_exp(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return f_nan(); }
  let lo = min(a, b);
  let hi = max(a, b);
  if (lo == hi && is_inf(lo)) { return a; }
  return hi + log1p_(exp_(lo - hi));
}
${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let len = pu(1u);
  let inner = pu(2u);
  let base = pu(3u) + (gid / inner) * len * inner + gid % inner;
  ${body}
}`,
  };
  const params = new Params()
    .u(lines)
    .u(axisLen)
    .u(inner)
    .u(x.offset)
    .u(out.offset)
    .u(indices ? indices.offset : 0);
  const buffers = [x.buffer, out.buffer];
  if (indices) buffers.push(indices.buffer);
  host.run(program, buffers, params, { groups: groupsFor(lines, WORKGROUP) });
}

const SOFTMAX_GROUP = 64;

/** Softmax (or log-softmax) of each contiguous row, one workgroup per row. */
export function softmax(
  host: KernelHost,
  x: GpuArray,
  rows: number,
  cols: number,
  out: GpuArray,
  log: boolean,
): void {
  if (rows === 0 || cols === 0) return;
  const bindings = [binding("x", x, "read"), binding("out", out, "read_write")];
  const g = SOFTMAX_GROUP;
  const program: Program = {
    key: `softmax:${log}`,
    bindings,
    words: 4,
    source: () => `${header(4, bindings)}${MATH}
var<workgroup> partial: array<f32, ${g}>;
${entry(g)}
  let row = wg;
  if (row >= pu(0u)) { return; }
  let cols = pu(1u);
  let base = pu(2u) + row * cols;
  let outBase = pu(3u) + row * cols;
  // The row's maximum, NaN ignored (NaN is never larger); -Infinity rows shift by 0.
  var m = -f_inf();
  for (var j = lid; j < cols; j = j + ${g}u) { let v = x[base + j]; if (v > m && !is_nan(v)) { m = v; } }
  partial[lid] = m;
  workgroupBarrier();
  for (var s = ${g / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] = max(partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  var mx = partial[0];
  if (mx == -f_inf()) { mx = 0.0; }
  workgroupBarrier();
  var sum = 0.0;
  for (var j = lid; j < cols; j = j + ${g}u) { sum = sum + exp_(x[base + j] - mx); }
  partial[lid] = sum;
  workgroupBarrier();
  for (var s = ${g / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
  }
  let total = partial[0];
  ${
    log
      ? "let ls = log_(total);\n  for (var j = lid; j < cols; j = j + " +
        g +
        "u) { out[outBase + j] = x[base + j] - mx - ls; }"
      : "for (var j = lid; j < cols; j = j + " +
        g +
        "u) { out[outBase + j] = exp_(x[base + j] - mx) / total; }"
  }
}`,
  };
  host.run(
    program,
    [x.buffer, out.buffer],
    new Params().u(rows).u(cols).u(x.offset).u(out.offset),
    { groups: rows },
  );
}

/**
 * The vector-Jacobian product of softmax (or log-softmax) for each contiguous row, one
 * workgroup per row (see `Backend.softmaxBackward`).
 */
export function softmaxBackward(
  host: KernelHost,
  y: GpuArray,
  dy: GpuArray,
  rows: number,
  cols: number,
  out: GpuArray,
  log: boolean,
): void {
  if (rows === 0 || cols === 0) return;
  const bindings = [
    binding("y", y, "read"),
    binding("dy", dy, "read"),
    binding("out", out, "read_write"),
  ];
  const g = SOFTMAX_GROUP;
  const summed = log ? "dy[dyBase + j]" : "dy[dyBase + j] * y[yBase + j]";
  const value = log
    ? "dy[dyBase + j] - exp_(y[yBase + j]) * dot"
    : "y[yBase + j] * (dy[dyBase + j] - dot)";
  const program: Program = {
    key: `softmaxBackward:${log}`,
    bindings,
    words: 5,
    source: () => `${header(5, bindings)}${MATH}
var<workgroup> partial: array<f32, ${g}>;
${entry(g)}
  let row = wg;
  if (row >= pu(0u)) { return; }
  let cols = pu(1u);
  let yBase = pu(2u) + row * cols;
  let dyBase = pu(3u) + row * cols;
  let outBase = pu(4u) + row * cols;
${rowSum("dot", summed, g)}
  for (var j = lid; j < cols; j = j + ${g}u) { out[outBase + j] = ${value}; }
}`,
  };
  host.run(
    program,
    [y.buffer, dy.buffer, out.buffer],
    new Params().u(rows).u(cols).u(y.offset).u(dy.offset).u(out.offset),
    { groups: rows },
  );
}

/**
 * WGSL summing `value(j)` over the row's columns into `name`: each thread a strided share,
 * then the shares added pairwise in the workgroup's memory (the same tree for every row).
 */
function rowSum(name: string, value: string, group: number): string {
  return `  var ${name}_own = 0.0;
  for (var j = lid; j < cols; j = j + ${group}u) { ${name}_own = ${name}_own + ${value}; }
  partial[lid] = ${name}_own;
  workgroupBarrier();
  for (var s = ${group / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
    workgroupBarrier();
  }
  let ${name} = partial[0];
  workgroupBarrier();`;
}

/** Layer normalisation of each contiguous row, one workgroup per row (see `Backend.layerNorm`). */
export function layerNorm(
  host: KernelHost,
  x: GpuArray,
  rows: number,
  cols: number,
  weight: GpuArray | null,
  bias: GpuArray | null,
  eps: number,
  out: GpuArray,
  xhat: GpuArray,
  rstd: GpuArray,
): void {
  if (rows === 0 || cols === 0) return;
  const g = SOFTMAX_GROUP;
  const bindings = [
    binding("x", x, "read"),
    binding("out", out, "read_write"),
    binding("xhat", xhat, "read_write"),
    binding("rstd", rstd, "read_write"),
  ];
  if (weight) bindings.push(binding("weight", weight, "read"));
  if (bias) bindings.push(binding("bias", bias, "read"));
  const scaled = weight ? "h * weight[pu(7u) + j]" : "h";
  const shifted = bias ? `${scaled} + bias[pu(8u) + j]` : scaled;
  const program: Program = {
    key: `layerNorm:${weight !== null}:${bias !== null}`,
    bindings,
    words: 10,
    source: () => `${header(10, bindings)}
var<workgroup> partial: array<f32, ${g}>;
${entry(g)}
  let row = wg;
  if (row >= pu(0u)) { return; }
  let cols = pu(1u);
  let base = pu(2u) + row * cols;
  let outBase = pu(3u) + row * cols;
  let hatBase = pu(4u) + row * cols;
${rowSum("total", "x[base + j]", g)}
  let mean = total / f32(cols);
${rowSum("squares", "(x[base + j] - mean) * (x[base + j] - mean)", g)}
  let scale = inverseSqrt(squares / f32(cols) + pf(9u));
  if (lid == 0u) { rstd[pu(5u) + row] = scale; }
  for (var j = lid; j < cols; j = j + ${g}u) {
    let h = (x[base + j] - mean) * scale;
    xhat[hatBase + j] = h;
    out[outBase + j] = ${shifted};
  }
}`,
  };
  const params = new Params()
    .u(rows)
    .u(cols)
    .u(x.offset)
    .u(out.offset)
    .u(xhat.offset)
    .u(rstd.offset)
    .u(0)
    .u(weight ? weight.offset : 0)
    .u(bias ? bias.offset : 0)
    .f(eps);
  const buffers = [x.buffer, out.buffer, xhat.buffer, rstd.buffer];
  if (weight) buffers.push(weight.buffer);
  if (bias) buffers.push(bias.buffer);
  host.run(program, buffers, params, { groups: rows });
}

/** The input gradient of `layerNorm`, one workgroup per row (see `Backend.layerNormBackward`). */
export function layerNormBackward(
  host: KernelHost,
  g: GpuArray,
  xhat: GpuArray,
  rstd: GpuArray,
  weight: GpuArray | null,
  rows: number,
  cols: number,
  dx: GpuArray,
): void {
  if (rows === 0 || cols === 0) return;
  const size = SOFTMAX_GROUP;
  const bindings = [
    binding("g", g, "read"),
    binding("xhat", xhat, "read"),
    binding("rstd", rstd, "read"),
    binding("dx", dx, "read_write"),
  ];
  if (weight) bindings.push(binding("weight", weight, "read"));
  const scaled = weight ? "(g[gBase + j] * weight[pu(7u) + j])" : "g[gBase + j]";
  const program: Program = {
    key: `layerNormBackward:${weight !== null}`,
    bindings,
    words: 8,
    source: () => `${header(8, bindings)}
var<workgroup> partial: array<f32, ${size}>;
${entry(size)}
  let row = wg;
  if (row >= pu(0u)) { return; }
  let cols = pu(1u);
  let gBase = pu(2u) + row * cols;
  let hatBase = pu(3u) + row * cols;
  let dxBase = pu(5u) + row * cols;
${rowSum("total", scaled, size)}
${rowSum("projection", `${scaled} * xhat[hatBase + j]`, size)}
  let meanGrad = total / f32(cols);
  let meanProjection = projection / f32(cols);
  let scale = rstd[pu(4u) + row];
  for (var j = lid; j < cols; j = j + ${size}u) {
    dx[dxBase + j] = scale * (${scaled} - meanGrad - xhat[hatBase + j] * meanProjection);
  }
}`,
  };
  const params = new Params()
    .u(rows)
    .u(cols)
    .u(g.offset)
    .u(xhat.offset)
    .u(rstd.offset)
    .u(dx.offset)
    .u(0)
    .u(weight ? weight.offset : 0);
  const buffers = [g.buffer, xhat.buffer, rstd.buffer, dx.buffer];
  if (weight) buffers.push(weight.buffer);
  host.run(program, buffers, params, { groups: rows });
}
