/**
 * Sliding-window kernels over any number of spatial axes: im2col and its adjoint col2im, max
 * and sum pooling. One thread per output element; col2im is written as a gather (each input
 * position sums the columns that read it, in the reference's order of kernel offsets), so no
 * two threads write one element and the sums are the reference's, bit for bit.
 */

import { ValueError } from "../../../errors.js";
import type { WindowGeometry } from "../../backend.js";
import type { GpuArray } from "../gpu-array.js";
import { entry, header, type StorageBinding, WORKGROUP, wgslType } from "../wgsl/prelude.js";
import {
  groupsFor,
  type KernelHost,
  MAX_STRIDED_RANK,
  Params,
  type Program,
  sizeOf,
} from "./host.js";

const bind = (name: string, a: GpuArray, access: "read" | "read_write"): StorageBinding => ({
  name,
  type: wgslType(a.dtype),
  access,
});

/** Words before the per-axis geometry: threads, inSize, outSize, kernelSize, three offsets. */
const HEAD = 7;

/**
 * WGSL helpers over the geometry, `D` spatial axes: `tap(kf, of)` is the flat input position
 * that kernel offset kf reads at window position of (or −1 outside x), and `source(i, kf)` the
 * window position whose kernel offset kf reads input position i (or −1 if none does).
 */
function geometry(rank: number): string {
  return `
const D: u32 = ${rank}u;
fn dim(d: u32, f: u32) -> u32 { return pu(${HEAD}u + 6u * d + f); }
fn tap(kf: u32, position: u32) -> i32 {
  var kr = kf;
  var orest = position;
  var flat = 0;
  var scale = 1;
  for (var dd = 0u; dd < D; dd = dd + 1u) {
    let d = D - 1u - dd;
    let k = kr % dim(d, 2u);
    kr = kr / dim(d, 2u);
    let o = orest % dim(d, 1u);
    orest = orest / dim(d, 1u);
    let i = i32(dim(d, 3u) * o + dim(d, 4u) * k) - i32(dim(d, 5u));
    if (i < 0 || i >= i32(dim(d, 0u))) { return -1; }
    flat = flat + i * scale;
    scale = scale * i32(dim(d, 0u));
  }
  return flat;
}
fn source(inFlat: u32, kf: u32) -> i32 {
  var ir = inFlat;
  var kr = kf;
  var flat = 0u;
  var scale = 1u;
  for (var dd = 0u; dd < D; dd = dd + 1u) {
    let d = D - 1u - dd;
    let i = ir % dim(d, 0u);
    ir = ir / dim(d, 0u);
    let k = kr % dim(d, 2u);
    kr = kr / dim(d, 2u);
    let num = i32(i) + i32(dim(d, 5u)) - i32(dim(d, 4u) * k);
    let s = i32(dim(d, 3u));
    if (num < 0 || num % s != 0) { return -1; }
    let o = u32(num / s);
    if (o >= dim(d, 1u)) { return -1; }
    flat = flat + o * scale;
    scale = scale * dim(d, 1u);
  }
  return i32(flat);
}`;
}

function params(w: WindowGeometry, threads: number, offsets: readonly number[]): Params {
  const p = new Params().u(threads).u(sizeOf(w.inShape)).u(sizeOf(w.outShape)).u(sizeOf(w.kernel));
  for (let k = 0; k < 3; k++) p.u(offsets[k] ?? 0);
  for (let d = 0; d < w.inShape.length; d++) {
    p.u(w.inShape[d]!)
      .u(w.outShape[d]!)
      .u(w.kernel[d]!)
      .u(w.stride[d]!)
      .u(w.dilation[d]!)
      .u(w.padding[d]!);
  }
  return p;
}

function check(op: string, w: WindowGeometry): number {
  const rank = w.inShape.length;
  if (rank > MAX_STRIDED_RANK) {
    throw new ValueError(
      op,
      `the WebGPU kernel takes at most ${MAX_STRIDED_RANK} spatial axes; got ${rank}`,
    );
  }
  return HEAD + 6 * rank;
}

/** cols[p, k, o] = x[p, stride·o + dilation·k − padding], or 0 outside x. */
export function im2col(host: KernelHost, x: GpuArray, cols: GpuArray, w: WindowGeometry): void {
  const words = check("im2col", w);
  const n = w.planes * sizeOf(w.kernel) * sizeOf(w.outShape);
  if (n === 0) return;
  const bindings = [bind("x", x, "read"), bind("cols", cols, "read_write")];
  const type = wgslType(cols.dtype);
  const program: Program = {
    key: `im2col:${x.dtype}:${w.inShape.length}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${geometry(w.inShape.length)}
${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let outSize = pu(2u);
  let kSize = pu(3u);
  let p = gid / (kSize * outSize);
  let kf = (gid / outSize) % kSize;
  let i = tap(kf, gid % outSize);
  var v: ${type} = ${type}(0);
  if (i >= 0) { v = x[pu(4u) + p * pu(1u) + u32(i)]; }
  cols[pu(5u) + gid] = v;
}`,
  };
  host.run(program, [x.buffer, cols.buffer], params(w, n, [x.offset, cols.offset]), {
    groups: groupsFor(n, WORKGROUP),
  });
}

/** x[p, i] += cols[p, k, o] over the (k, o) that read i, in the order of k. */
export function col2im(host: KernelHost, cols: GpuArray, x: GpuArray, w: WindowGeometry): void {
  const words = check("col2im", w);
  const n = w.planes * sizeOf(w.inShape);
  if (n === 0 || sizeOf(w.outShape) === 0) return;
  const bindings = [bind("cols", cols, "read"), bind("x", x, "read_write")];
  const program: Program = {
    key: `col2im:${x.dtype}:${w.inShape.length}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${geometry(w.inShape.length)}
${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let inSize = pu(1u);
  let outSize = pu(2u);
  let kSize = pu(3u);
  let p = gid / inSize;
  let at = pu(5u) + gid;
  var acc = x[at];
  for (var kf = 0u; kf < kSize; kf = kf + 1u) {
    let o = source(gid % inSize, kf);
    if (o >= 0) { acc = acc + cols[pu(4u) + (p * kSize + kf) * outSize + u32(o)]; }
  }
  x[at] = acc;
}`,
  };
  host.run(program, [cols.buffer, x.buffer], params(w, n, [cols.offset, x.offset]), {
    groups: groupsFor(n, WORKGROUP),
  });
}

/**
 * Max pooling: the largest x in each window (the first of equal values; a NaN replaces, so
 * the last NaN wins) and its flat position in the plane; −Infinity and −1 for an empty window.
 */
export function windowMax(
  host: KernelHost,
  x: GpuArray,
  out: GpuArray,
  indices: GpuArray,
  w: WindowGeometry,
): void {
  const words = check("windowMax", w);
  const n = w.planes * sizeOf(w.outShape);
  if (n === 0) return;
  const bindings = [
    bind("x", x, "read"),
    bind("out", out, "read_write"),
    bind("indices", indices, "read_write"),
  ];
  const program: Program = {
    key: `windowMax:${x.dtype}:${w.inShape.length}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${geometry(w.inShape.length)}
${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let inSize = pu(1u);
  let outSize = pu(2u);
  let p = gid / outSize;
  var best = -f_inf();
  var at = -1;
  for (var kf = 0u; kf < pu(3u); kf = kf + 1u) {
    let i = tap(kf, gid % outSize);
    if (i < 0) { continue; }
    let v = x[pu(4u) + p * inSize + u32(i)];
    if (at == -1 || v > best || is_nan(v)) { best = v; at = i; }
  }
  out[pu(5u) + gid] = best;
  indices[pu(6u) + gid] = at;
}`,
  };
  host.run(
    program,
    [x.buffer, out.buffer, indices.buffer],
    params(w, n, [x.offset, out.offset, indices.offset]),
    { groups: groupsFor(n, WORKGROUP) },
  );
}

/** Sum pooling: the sum of x over each window's positions inside x (compensated in float32). */
export function windowSum(host: KernelHost, x: GpuArray, out: GpuArray, w: WindowGeometry): void {
  const words = check("windowSum", w);
  const n = w.planes * sizeOf(w.outShape);
  if (n === 0) return;
  const bindings = [bind("x", x, "read"), bind("out", out, "read_write")];
  const program: Program = {
    key: `windowSum:${x.dtype}:${w.inShape.length}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${geometry(w.inShape.length)}
${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let inSize = pu(1u);
  let outSize = pu(2u);
  let p = gid / outSize;
  var acc = 0.0;
  var c = 0.0;
  for (var kf = 0u; kf < pu(3u); kf = kf + 1u) {
    let i = tap(kf, gid % outSize);
    if (i < 0) { continue; }
    let y = x[pu(4u) + p * inSize + u32(i)] - c;
    let t = acc + y;
    c = select(0.0, (t - acc) - y, is_finite(t));
    acc = t;
  }
  out[pu(5u) + gid] = acc;
}`,
  };
  host.run(program, [x.buffer, out.buffer], params(w, n, [x.offset, out.offset]), {
    groups: groupsFor(n, WORKGROUP),
  });
}
