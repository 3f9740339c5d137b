/**
 * The batched matrix product: 64×64 output tiles per workgroup of 16×16 threads, each thread
 * accumulating a 4×4 block in registers, with 16-deep slices of op(a) and op(b) staged in
 * workgroup memory. The transposes are folded into how tiles are loaded; products run along
 * the grid's z axis, reading their a and b offsets from a storage buffer (so a thousand
 * products are one dispatch, not a thousand).
 */
import type { MatmulArgs } from "../../backend.js";
import type { GpuArray } from "../gpu-array.js";
import { header, MAX_GROUPS_PER_DIMENSION, wgslType } from "../wgsl/prelude.js";
import type { KernelHost, Program } from "./host.js";
import { Params } from "./host.js";

const TILE = 64;
const DEPTH = 16;
const THREADS = 16;
const BLOCK = TILE / THREADS;

function program(
  transA: boolean,
  transB: boolean,
  dtype: GpuArray["dtype"],
  scaled: boolean,
): Program {
  const type = wgslType(dtype);
  const zero = type === "f32" ? "0.0" : type === "i32" ? "0" : "0u";
  const bindings = [
    { name: "a", type, access: "read" as const },
    { name: "b", type, access: "read" as const },
    { name: "out", type, access: "read_write" as const },
    { name: "offsets", type: "i32" as const, access: "read" as const },
  ];
  // Element (row r, column q) of op(a) is a[r*k + q], or a[q*m + r] when transposed.
  const aAt = transA ? "q * m + r" : "r * k + q";
  const bAt = transB ? "c * k + q" : "q * n + c";
  return {
    key: `matmul:${transA}:${transB}:${dtype}:${scaled}`,
    bindings,
    words: 10,
    source: () => `${header(10, bindings)}
var<workgroup> tileA: array<array<${type}, ${TILE}>, ${DEPTH}>;
var<workgroup> tileB: array<array<${type}, ${TILE}>, ${DEPTH}>;
@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid3: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let tile = wid.y * nwg.x + wid.x;
  if (tile >= pu(8u)) { return; }
  let m = pu(0u);
  let k = pu(1u);
  let n = pu(2u);
  let tilesN = pu(3u);
  let product = wid.z + pu(6u);
  let aBase = u32(offsets[2u * product]);
  let bBase = u32(offsets[2u * product + 1u]);
  let row0 = (tile / tilesN) * ${TILE}u;
  let col0 = (tile % tilesN) * ${TILE}u;
  let tx = lid3.x;
  let ty = lid3.y;
  var acc: array<array<${type}, ${BLOCK}>, ${BLOCK}>;
  for (var i = 0u; i < ${BLOCK}u; i = i + 1u) {
    for (var j = 0u; j < ${BLOCK}u; j = j + 1u) { acc[i][j] = ${zero}; }
  }
  for (var k0 = 0u; k0 < k; k0 = k0 + ${DEPTH}u) {
    // ${TILE * DEPTH} elements of each operand per slice, ${(TILE * DEPTH) / (THREADS * THREADS)} per thread.
    for (var e = lid; e < ${TILE * DEPTH}u; e = e + ${THREADS * THREADS}u) {
      ${
        transA
          ? `let dq = e / ${TILE}u; let dr = e % ${TILE}u;`
          : `let dr = e / ${DEPTH}u; let dq = e % ${DEPTH}u;`
      }
      let r = row0 + dr;
      let q = k0 + dq;
      var va: ${type} = ${zero};
      if (r < m && q < k) { va = a[pu(4u) + aBase + ${aAt}]; }
      tileA[dq][dr] = va;
      ${
        transB
          ? `let ec = e / ${DEPTH}u; let eq = e % ${DEPTH}u;`
          : `let eq = e / ${TILE}u; let ec = e % ${TILE}u;`
      }
      let c = col0 + ec;
      let qb = k0 + eq;
      var vb: ${type} = ${zero};
      if (c < n && qb < k) { vb = b[pu(5u) + bBase + ${bAt.replace(/q/g, "qb")}]; }
      tileB[eq][ec] = vb;
    }
    workgroupBarrier();
    for (var q = 0u; q < ${DEPTH}u; q = q + 1u) {
      var ra: array<${type}, ${BLOCK}>;
      var rb: array<${type}, ${BLOCK}>;
      for (var i = 0u; i < ${BLOCK}u; i = i + 1u) {
        ra[i] = tileA[q][ty + i * ${THREADS}u];
        rb[i] = tileB[q][tx + i * ${THREADS}u];
      }
      for (var i = 0u; i < ${BLOCK}u; i = i + 1u) {
        for (var j = 0u; j < ${BLOCK}u; j = j + 1u) { acc[i][j] = acc[i][j] + ra[i] * rb[j]; }
      }
    }
    workgroupBarrier();
  }
  let outBase = pu(6u + 1u) + product * m * n;
  for (var i = 0u; i < ${BLOCK}u; i = i + 1u) {
    let r = row0 + ty + i * ${THREADS}u;
    if (r >= m) { continue; }
    for (var j = 0u; j < ${BLOCK}u; j = j + 1u) {
      let c = col0 + tx + j * ${THREADS}u;
      if (c < n) { out[outBase + r * n + c] = ${scaled ? "acc[i][j] * pf(9u)" : "acc[i][j]"}; }
    }
  }
}`,
  };
}

/**
 * out[p] = op(a[p]) · op(b[p]) for every product p, contiguous [m, n] each, times `args.scale`
 * when given (float32 only): the rounded sum multiplied as a separate multiplication would.
 */
export function matmul(
  host: KernelHost,
  a: GpuArray,
  b: GpuArray,
  out: GpuArray,
  args: MatmulArgs,
): void {
  const { m, k, n, transA, transB } = args;
  const scaled = args.scale !== undefined;
  if (scaled && out.dtype !== "float32") {
    throw new Error(`matmul: only float32 products can be scaled; got ${out.dtype}`);
  }
  const products = args.aOffsets.length;
  if (products === 0 || m === 0 || n === 0) return;
  const offsets = new Int32Array(2 * products);
  for (let p = 0; p < products; p++) {
    offsets[2 * p] = args.aOffsets[p]!;
    offsets[2 * p + 1] = args.bOffsets[p]!;
  }
  const offsetBuffer = host.upload(offsets);
  const tilesM = Math.ceil(m / TILE);
  const tilesN = Math.ceil(n / TILE);
  const prog = program(transA, transB, out.dtype, scaled);
  for (let first = 0; first < products; first += MAX_GROUPS_PER_DIMENSION) {
    const batches = Math.min(MAX_GROUPS_PER_DIMENSION, products - first);
    const params = new Params()
      .u(m)
      .u(k)
      .u(n)
      .u(tilesN)
      .u(a.offset)
      .u(b.offset)
      .u(first)
      .u(out.offset)
      .u(tilesM * tilesN)
      .f(args.scale ?? 1);
    host.run(prog, [a.buffer, b.buffer, out.buffer, offsetBuffer], params, {
      groups: tilesM * tilesN,
      batches,
    });
  }
}
