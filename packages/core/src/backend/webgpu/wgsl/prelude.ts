/**
 * WGSL shared by every WebGPU kernel: the uniform parameter block, storage declarations per
 * dtype, the flat invocation index over a 2-D grid of workgroups, NaN tests that do not rely
 * on IEEE comparisons, and conversions between dtypes with JavaScript's typed-array rules.
 */
import type { GpuDType } from "../gpu-array.js";

/** The WGSL element type a dtype is stored as: 4 bytes each, bool as u32 0/1. */
export function wgslType(dtype: GpuDType): "f32" | "i32" | "u32" {
  return dtype === "float32" ? "f32" : dtype === "int32" ? "i32" : "u32";
}

/** Whether a storage binding is only read or also written. */
export type Access = "read" | "read_write";

/** One storage binding of a program: its WGSL name, element type and access. */
export interface StorageBinding {
  readonly name: string;
  readonly type: "f32" | "i32" | "u32";
  readonly access: Access;
}

/**
 * The header of every kernel: parameters arrive as u32 words in a uniform block (read with
 * `pu`, `pi`, `pf` by word index), storage arrays are bound whole at bindings 1.. in order
 * (binding offsets would need 256-byte alignment; element offsets are parameters instead).
 */
export function header(words: number, bindings: readonly StorageBinding[]): string {
  const vec4s = Math.max(1, Math.ceil(words / 4));
  const storage = bindings
    .map(
      (b, i) =>
        `@group(0) @binding(${i + 1}) var<storage, ${b.access}> ${b.name}: array<${b.type}>;`,
    )
    .join("\n");
  return `
struct Params { v: array<vec4<u32>, ${vec4s}> }
@group(0) @binding(0) var<uniform> params: Params;
${storage}
fn pu(i: u32) -> u32 { return params.v[i >> 2u][i & 3u]; }
fn pi(i: u32) -> i32 { return bitcast<i32>(pu(i)); }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }
${NUMERIC}
`;
}

/**
 * Float special values and tests. Constant expressions may not produce infinities or NaN in
 * WGSL, so they are made at run time from private variables; NaN is tested on the bits, as a
 * compiler may assume comparisons never see one.
 */
const NUMERIC = `
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NAN_BITS: u32 = 0x7fc00000u;
fn f_inf() -> f32 { return bitcast<f32>(INF_BITS); }
fn f_nan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
fn sign_bit(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }
fn nonzero_f(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }
// JavaScript's ToInt32 (a store into an Int32Array): truncate, then wrap modulo 2^32;
// NaN and infinities give 0. Exact for every float32, however large.
fn to_i32(x: f32) -> i32 {
  let bits = bitcast<u32>(x);
  let e = i32((bits >> 23u) & 0xffu);
  if (e == 255 || e < 127) { return 0; }
  let m = (bits & 0x7fffffu) | 0x800000u;
  let shift = e - 150;
  var v: u32;
  if (shift >= 32) { v = 0u; } else if (shift >= 0) { v = m << u32(shift); } else { v = m >> u32(-shift); }
  if (sign_bit(x)) { v = 0u - v; }
  return bitcast<i32>(v);
}
`;

/** WGSL converting a value of WGSL type `from` to dtype `to` with typed-array store rules. */
export function convert(expr: string, from: "f32" | "i32" | "u32", to: GpuDType): string {
  if (to === "float32") return from === "f32" ? expr : `f32(${expr})`;
  if (to === "int32") {
    if (from === "f32") return `to_i32(${expr})`;
    return from === "i32" ? expr : `bitcast<i32>(${expr})`;
  }
  // A Uint8Array keeps the low byte.
  if (from === "f32") return `(bitcast<u32>(to_i32(${expr})) & 255u)`;
  return from === "u32" ? `(${expr} & 255u)` : `(bitcast<u32>(${expr}) & 255u)`;
}

/** Workgroup size of the one-thread-per-element kernels. */
export const WORKGROUP = 64;

/** The most workgroups along one dimension of a dispatch (WebGPU's default limit). */
export const MAX_GROUPS_PER_DIMENSION = 65535;

/**
 * The entry point's signature and the flat index of the invocation, `gid`, over a grid that
 * lays workgroups out in rows of up to 65535; `wg` is the flat workgroup index, `lid` the
 * local one.
 */
export function entry(size: number): string {
  return `
@compute @workgroup_size(${size})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let wg = wid.y * nwg.x + wid.x;
  let gid = wg * ${size}u + lid;`;
}
