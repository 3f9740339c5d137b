/**
 * Index-driven kernels: gather, its adjoint scatterAdd, scatterReduce and sort. The GPU never
 * reads indices back to check them (the CPU ops validate them), so every index is guarded in
 * WGSL: an out-of-range gather reads 0 and an out-of-range scatter writes nothing, and no
 * access leaves its buffer.
 *
 * Scatters are deterministic without float atomics: one thread owns each line along the
 * scattered axis and applies its elements in row-major order, the reference's order. Lines
 * write disjoint targets (they differ in an axis other than the scattered one), so the
 * results are the reference's, bit for bit, run after run.
 */

import { ValueError } from "../../../errors.js";
import type { ScatterReduceKernel, StridedView } from "../../backend.js";
import type { GpuArray } from "../gpu-array.js";
import {
  convert,
  entry,
  header,
  type StorageBinding,
  WORKGROUP,
  wgslType,
} from "../wgsl/prelude.js";
import { groupsFor, type KernelHost, MAX_STRIDED_RANK, Params, type Program } from "./host.js";

const bind = (name: string, a: GpuArray, access: "read" | "read_write"): StorageBinding => ({
  name,
  type: wgslType(a.dtype),
  access,
});

/** out[o, j, i] = x[o, index[o, j, i], i]; an index outside [0, axisLen) reads 0. */
export function gather(
  host: KernelHost,
  x: GpuArray,
  index: GpuArray,
  out: GpuArray,
  outer: number,
  axisLen: number,
  indexLen: number,
  inner: number,
): void {
  const n = outer * indexLen * inner;
  if (n === 0) return;
  const bindings = [
    bind("x", x, "read"),
    bind("index", index, "read"),
    bind("out", out, "read_write"),
  ];
  const program: Program = {
    key: `gather:${x.dtype}:${out.dtype}`,
    bindings,
    words: 7,
    source: () => `${header(7, bindings)}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let axisLen = pu(1u);
  let indexLen = pu(2u);
  let inner = pu(3u);
  let o = gid / (indexLen * inner);
  let i = gid % inner;
  let idx = index[pu(5u) + gid];
  var v: ${wgslType(out.dtype)} = ${wgslType(out.dtype)}(0);
  if (idx >= 0 && u32(idx) < axisLen) {
    let at = pu(4u) + (o * axisLen + u32(idx)) * inner + i;
    if (at < arrayLength(&x)) { v = ${convert("x[at]", wgslType(x.dtype), out.dtype)}; }
  }
  out[pu(6u) + gid] = v;
}`,
  };
  host.run(
    program,
    [x.buffer, index.buffer, out.buffer],
    new Params().u(n).u(axisLen).u(indexLen).u(inner).u(x.offset).u(index.offset).u(out.offset),
    { groups: groupsFor(n, WORKGROUP) },
  );
}

/** out[o, index[o, j, i], i] += g[o, j, i], each line (o, i) in order of j. */
export function scatterAdd(
  host: KernelHost,
  g: GpuArray,
  index: GpuArray,
  out: GpuArray,
  outer: number,
  axisLen: number,
  indexLen: number,
  inner: number,
): void {
  const lines = outer * inner;
  if (lines === 0 || indexLen === 0) return;
  const type = wgslType(out.dtype);
  const domain = out.dtype === "float32" ? "f32" : "i32";
  const bindings = [
    bind("g", g, "read"),
    bind("index", index, "read"),
    bind("out", out, "read_write"),
  ];
  const acc = convert(
    `${convert(`out[t]`, type, domain === "f32" ? "float32" : "int32")} + ${convert(
      "g[at]",
      wgslType(g.dtype),
      domain === "f32" ? "float32" : "int32",
    )}`,
    domain,
    out.dtype,
  );
  const program: Program = {
    key: `scatterAdd:${g.dtype}:${out.dtype}`,
    bindings,
    words: 8,
    source: () => `${header(8, bindings)}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let axisLen = pu(1u);
  let indexLen = pu(2u);
  let inner = pu(3u);
  let o = gid / inner;
  let i = gid % inner;
  for (var j = 0u; j < indexLen; j = j + 1u) {
    let rel = (o * indexLen + j) * inner + i;
    let idx = index[pu(5u) + rel];
    if (idx < 0 || u32(idx) >= axisLen) { continue; }
    let t = pu(6u) + (o * axisLen + u32(idx)) * inner + i;
    let at = pu(4u) + rel;
    if (t < pu(7u)) { out[t] = ${acc}; }
  }
}`,
  };
  host.run(
    program,
    [g.buffer, index.buffer, out.buffer],
    new Params()
      .u(lines)
      .u(axisLen)
      .u(indexLen)
      .u(inner)
      .u(g.offset)
      .u(index.offset)
      .u(out.offset)
      .u(out.offset + out.length),
    { groups: groupsFor(lines, WORKGROUP) },
  );
}

function scatterStep(op: ScatterReduceKernel, float: boolean): string {
  switch (op) {
    case "assign":
      return "v";
    case "sum":
    case "mean":
      return "acc + v";
    case "prod":
      return "acc * v";
    case "amax":
      return float ? "select(acc, v, is_nan(v) || v > acc)" : "max(acc, v)";
    case "amin":
      return float ? "select(acc, v, is_nan(v) || v < acc)" : "min(acc, v)";
  }
}

function scatterIdentity(op: ScatterReduceKernel, float: boolean): string {
  switch (op) {
    case "prod":
      return float ? "1.0" : "1";
    case "amax":
      return float ? "-f_inf()" : "-2147483647 - 1";
    case "amin":
      return float ? "f_inf()" : "2147483647";
    default:
      return float ? "0.0" : "0";
  }
}

/**
 * For each element m of the index space, in row-major order: out[t] = op(out[t], src[m]) at
 * t = Σ_{d≠axis} m_d·outStrides[d] + index[m]·outStrides[axis]. One thread per line along
 * `axis`; `mean` counts into a scratch array and divides in a second pass.
 */
export function scatterReduce(
  host: KernelHost,
  op: ScatterReduceKernel,
  src: StridedView<GpuArray>,
  index: StridedView<GpuArray>,
  out: GpuArray,
  outStrides: readonly number[],
  shape: readonly number[],
  axis: number,
  includeSelf: boolean,
): void {
  if (shape.includes(0)) return;
  const rank = shape.length;
  if (rank - 1 > MAX_STRIDED_RANK) {
    throw new ValueError(
      "scatterReduce",
      `the WebGPU kernel walks at most ${MAX_STRIDED_RANK + 1} axes; got ${rank}`,
    );
  }
  const others = shape.map((_, d) => d).filter((d) => d !== axis);
  const lines = others.reduce((p, d) => p * shape[d]!, 1);
  const r = others.length;
  const float = out.dtype === "float32";
  const domain = float ? "float32" : "int32";
  const type = float ? "f32" : "i32";
  const outType = wgslType(out.dtype);
  const mean = op === "mean";
  const count = mean ? host.allocate("int32", out.length) : null;
  const bindings = [
    bind("src", src.data, "read"),
    bind("index", index.data, "read"),
    bind("out", out, "read_write"),
  ];
  if (count) bindings.push({ name: "counts", type: "i32", access: "read_write" });
  // Words: lines, axisLen, out offset, out length, src/index offsets, axis strides (src, index,
  // out), then the other axes' sizes and their src, index and out strides.
  const head = 10;
  const words = head + 4 * r;
  const decode: string[] = ["  var rest = gid;"];
  for (let q = r - 1; q >= 0; q--) {
    const size = `pu(${head + q}u)`;
    decode.push(
      q === 0
        ? "  let c0 = i32(rest);"
        : `  let c${q} = i32(rest % ${size}); rest = rest / ${size};`,
    );
    decode.push(`  so = so + c${q} * pi(${head + r + q}u);`);
    decode.push(`  io = io + c${q} * pi(${head + 2 * r + q}u);`);
    decode.push(`  to = to + c${q} * pi(${head + 3 * r + q}u);`);
  }
  const target = `
    let idx = index[u32(io + i32(j) * pi(7u))];
    let t = to + idx * pi(9u);
    if (idx < 0 || t < 0 || u32(t) >= pu(3u)) { continue; }
    let ot = pu(2u) + u32(t);`;
  const reset =
    !includeSelf && op !== "assign"
      ? `
  for (var j = 0u; j < len; j = j + 1u) {${target}
    out[ot] = ${convert(scatterIdentity(op, float), type, out.dtype)};
  }`
      : "";
  const program: Program = {
    key: `scatterReduce:${op}:${includeSelf}:${src.data.dtype}:${index.data.dtype}:${out.dtype}:${r}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let len = pu(1u);
  var so = pi(4u);
  var io = pi(5u);
  var to = pi(8u);
${decode.join("\n")}
${reset}
  for (var j = 0u; j < len; j = j + 1u) {${target}
    let acc = ${convert("out[ot]", outType, domain)};
    let v = ${convert(`src[u32(so + i32(j) * pi(6u))]`, wgslType(src.data.dtype), domain)};
    out[ot] = ${convert(scatterStep(op, float), type, out.dtype)};
    ${count ? "counts[u32(t)] = counts[u32(t)] + 1;" : ""}
  }
}`,
  };
  const params = new Params()
    .u(lines)
    .u(shape[axis]!)
    .u(out.offset)
    .u(out.length)
    .i(src.data.offset + src.offset)
    .i(index.data.offset + index.offset)
    .i(src.strides[axis]!)
    .i(index.strides[axis]!)
    .i(0)
    .i(outStrides[axis]!);
  for (const d of others) params.u(shape[d]!);
  for (const d of others) params.i(src.strides[d]!);
  for (const d of others) params.i(index.strides[d]!);
  for (const d of others) params.i(outStrides[d]!);
  const buffers = [src.data.buffer, index.data.buffer, out.buffer];
  if (count) buffers.push(count.buffer);
  host.run(program, buffers, params, { groups: groupsFor(lines, WORKGROUP) });
  if (!count) return;

  // The mean divides by the number of elements reduced, self included when it takes part;
  // integers divide with floor, as PyTorch's integer scatter_reduce mean does.
  const divideBindings = [
    bind("out", out, "read_write"),
    { name: "counts", type: "i32" as const, access: "read" as const },
  ];
  const self = includeSelf ? 1 : 0;
  const quotient = float
    ? "out[pu(2u) + t] / f32(d)"
    : convert(`floor_div(${convert("out[pu(2u) + t]", outType, "int32")}, d)`, "i32", out.dtype);
  const divide: Program = {
    key: `scatterMean:${out.dtype}`,
    bindings: divideBindings,
    words: 3,
    source: () => `${header(3, divideBindings)}
fn floor_div(a: i32, b: i32) -> i32 {
  var q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) { q = q - 1; }
  return q;
}
${entry(WORKGROUP)}
  let t = gid;
  if (t >= pu(0u)) { return; }
  let c = counts[t];
  if (c == 0) { return; }
  let d = c + i32(pu(1u));
  out[pu(2u) + t] = ${quotient};
}`,
  };
  host.run(divide, [out.buffer, count.buffer], new Params().u(out.length).u(self).u(out.offset), {
    groups: groupsFor(out.length, WORKGROUP),
  });
  host.release(count);
}

/**
 * Lines longer than this are sorted by a bitonic network (O(L log² L) work per line) instead of
 * by ranking (O(L²) work, but one pass with a thread per element, faster for short lines).
 */
export const RANK_SORT_MAX = 1024;

/**
 * Sorts each line of [outer, axisLen, inner] along the middle axis in a stable order with NaN
 * last (first when descending) and −0 equal to 0: short lines by ranking, each element's place
 * being the number of elements that come before it (smaller, or equal and earlier); longer
 * ones by a bitonic network over (value, position) pairs (`bitonicSort`), which gives the same
 * order.
 */
export function sort(
  host: KernelHost,
  x: GpuArray,
  outer: number,
  axisLen: number,
  inner: number,
  values: GpuArray,
  indices: GpuArray,
  descending: boolean,
): void {
  const n = outer * axisLen * inner;
  if (n === 0) return;
  if (axisLen > RANK_SORT_MAX) {
    bitonicSort(host, x, outer, axisLen, inner, values, indices, descending);
    return;
  }
  const type = wgslType(x.dtype);
  const bindings = [
    bind("x", x, "read"),
    bind("values", values, "read_write"),
    bind("indices", indices, "read_write"),
  ];
  const compare = compareSource(type);
  const program: Program = {
    key: `sort:${x.dtype}:${values.dtype}:${descending}`,
    bindings,
    words: 6,
    source: () => `${header(6, bindings)}${compare}
${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let len = pu(1u);
  let inner = pu(2u);
  let o = gid / (len * inner);
  let j = (gid / inner) % len;
  let i = gid % inner;
  let base = o * len * inner + i;
  let v = x[pu(3u) + base + j * inner];
  var rank = 0u;
  for (var k = 0u; k < len; k = k + 1u) {
    let c = ${descending ? "-" : ""}cmp(x[pu(3u) + base + k * inner], v);
    if (c < 0 || (c == 0 && k < j)) { rank = rank + 1u; }
  }
  values[pu(4u) + base + rank * inner] = ${convert("v", type, values.dtype)};
  indices[pu(5u) + base + rank * inner] = i32(j);
}`,
  };
  host.run(
    program,
    [x.buffer, values.buffer, indices.buffer],
    new Params().u(n).u(axisLen).u(inner).u(x.offset).u(values.offset).u(indices.offset),
    { groups: groupsFor(n, WORKGROUP) },
  );
}

/** WGSL `cmp(a, b)`: −1, 0 or 1 in ascending order, NaN above every number and equal to NaN. */
function compareSource(type: "f32" | "i32" | "u32"): string {
  return type === "f32"
    ? `
fn cmp(a: f32, b: f32) -> i32 {
  let an = is_nan(a);
  let bn = is_nan(b);
  if (an || bn) { if (an == bn) { return 0; } return select(-1, 1, an); }
  if (a < b) { return -1; }
  if (a > b) { return 1; }
  return 0;
}`
    : `
fn cmp(a: ${type}, b: ${type}) -> i32 { return select(select(0, 1, a > b), -1, a < b); }`;
}

/**
 * The long-line path of `sort`: each line is copied into a scratch row of a power of two P ≥
 * axisLen of (value, position) pairs, the rest padded with pairs that sort after everything
 * (position −1), and sorted by Batcher's bitonic network, log₂P·(log₂P + 1)/2 passes of P/2
 * compare-exchanges per line. Pairs compare by value and then by position, so equal values
 * keep their order: the same stable order as ranking.
 */
function bitonicSort(
  host: KernelHost,
  x: GpuArray,
  outer: number,
  axisLen: number,
  inner: number,
  values: GpuArray,
  indices: GpuArray,
  descending: boolean,
): void {
  const lines = outer * inner;
  const width = 2 ** Math.ceil(Math.log2(axisLen));
  const type = wgslType(x.dtype);
  const keys = host.allocate(x.dtype, lines * width);
  const places = host.allocate("int32", lines * width);

  // Load: pairs in line-major rows of `width`; positions past the line are −1.
  const loadBindings = [
    bind("x", x, "read"),
    bind("keys", keys, "read_write"),
    bind("places", places, "read_write"),
  ];
  const load: Program = {
    key: `sortLoad:${x.dtype}`,
    bindings: loadBindings,
    words: 5,
    source: () => `${header(5, loadBindings)}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let width = pu(1u);
  let len = pu(2u);
  let inner = pu(3u);
  let line = gid / width;
  let j = gid % width;
  if (j >= len) { places[gid] = -1; return; }
  keys[gid] = x[pu(4u) + (line / inner) * len * inner + j * inner + line % inner];
  places[gid] = i32(j);
}`,
  };
  const total = lines * width;
  host.run(
    load,
    [x.buffer, keys.buffer, places.buffer],
    new Params().u(total).u(width).u(axisLen).u(inner).u(x.offset),
    { groups: groupsFor(total, WORKGROUP) },
  );

  // One pass of the network: pairs (p, p + j) within blocks of k, ascending where p & k is 0.
  const passBindings = [bind("keys", keys, "read_write"), bind("places", places, "read_write")];
  const pass: Program = {
    key: `sortPass:${x.dtype}:${descending}`,
    bindings: passBindings,
    words: 4,
    source: () => `${header(4, passBindings)}${compareSource(type)}
// Whether pair a comes before pair b: padding last, then by value, then by position.
fn before(ka: ${type}, pa: i32, kb: ${type}, pb: i32) -> bool {
  if (pa < 0) { return false; }
  if (pb < 0) { return true; }
  let c = ${descending ? "-" : ""}cmp(ka, kb);
  if (c != 0) { return c < 0; }
  return pa < pb;
}
${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let width = pu(1u);
  let k = pu(2u);
  let j = pu(3u);
  let half = width / 2u;
  let line = gid / half;
  let r = gid % half;
  let p = 2u * j * (r / j) + r % j;
  let a = line * width + p;
  let b = a + j;
  let ka = keys[a];
  let pa = places[a];
  let kb = keys[b];
  let pb = places[b];
  let ascending = (p & k) == 0u;
  if (before(kb, pb, ka, pa) == ascending) {
    keys[a] = kb;
    places[a] = pb;
    keys[b] = ka;
    places[b] = pa;
  }
}`,
  };
  const pairs = lines * (width / 2);
  for (let k = 2; k <= width; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) {
      host.run(pass, [keys.buffer, places.buffer], new Params().u(pairs).u(width).u(k).u(j), {
        groups: groupsFor(pairs, WORKGROUP),
      });
    }
  }

  // Store: the first axisLen pairs of each row, back in x's layout.
  const storeBindings = [
    bind("keys", keys, "read"),
    bind("places", places, "read"),
    bind("values", values, "read_write"),
    bind("indices", indices, "read_write"),
  ];
  const store: Program = {
    key: `sortStore:${x.dtype}:${values.dtype}`,
    bindings: storeBindings,
    words: 6,
    source: () => `${header(6, storeBindings)}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let width = pu(1u);
  let len = pu(2u);
  let inner = pu(3u);
  let line = gid / len;
  let j = gid % len;
  let src = line * width + j;
  let dst = (line / inner) * len * inner + j * inner + line % inner;
  values[pu(4u) + dst] = ${convert("keys[src]", type, values.dtype)};
  indices[pu(5u) + dst] = places[src];
}`,
  };
  const n = lines * axisLen;
  host.run(
    store,
    [keys.buffer, places.buffer, values.buffer, indices.buffer],
    new Params().u(n).u(width).u(axisLen).u(inner).u(values.offset).u(indices.offset),
    { groups: groupsFor(n, WORKGROUP) },
  );
  host.release(keys);
  host.release(places);
}
