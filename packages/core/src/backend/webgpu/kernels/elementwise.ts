/**
 * The elementwise kernels: unary maps over contiguous arrays, and binary maps, `where` and
 * `copy` over strided (broadcast, transposed, offset) views. One thread per output element; a
 * strided operand's offset is found by dividing the flat index by the (merged) axis sizes.
 */
import type { BinaryKernel, StridedView, UnaryKernel } from "../../backend.js";
import type { GpuArray } from "../gpu-array.js";
import { BINARY_F32, BINARY_I32, MATH, UNARY_F32, UNARY_I32 } from "../wgsl/math.js";
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
  sizeOf,
} from "./host.js";

const read = (name: string, a: GpuArray): StorageBinding => ({
  name,
  type: wgslType(a.dtype),
  access: "read",
});
const write = (name: string, a: GpuArray): StorageBinding => ({
  name,
  type: wgslType(a.dtype),
  access: "read_write",
});

/** out[i] = op(x[i]): in int32 where the op is exact there, else in float32. */
export function unary(host: KernelHost, op: UnaryKernel, x: GpuArray, out: GpuArray): void {
  const n = out.length;
  if (n === 0) return;
  const from = wgslType(x.dtype);
  const integer = x.dtype !== "float32" && out.dtype !== "float32" && UNARY_I32[op] !== undefined;
  const expr = integer ? UNARY_I32[op]! : UNARY_F32[op];
  const load = integer
    ? convert(`x[${"xo + gid"}]`, from, "int32")
    : convert(`x[xo + gid]`, from, "float32");
  const bindings = [read("x", x), write("out", out)];
  const program: Program = {
    key: `unary:${op}:${x.dtype}:${out.dtype}`,
    bindings,
    words: 3,
    source: () => `${header(3, bindings)}${MATH}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  let xo = pu(1u);
  let v = ${load};
  out[pu(2u) + gid] = ${convert(expr, integer ? "i32" : "f32", out.dtype)};
}`,
  };
  host.run(program, [x.buffer, out.buffer], new Params().u(n).u(x.offset).u(out.offset), {
    groups: groupsFor(n, WORKGROUP),
  });
}

/**
 * WGSL that finds, for the flat index `gid` of an index space of `rank` axes, the element
 * offset `o<k>` of each of `operands` strided operands. Parameters from word `base`: the axis
 * sizes, then per operand its offset and strides.
 */
function stridedOffsets(rank: number, operands: number, base: number): string {
  const lines: string[] = [];
  for (let k = 0; k < operands; k++) {
    lines.push(`  var o${k} = pi(${base + rank + k * (rank + 1)}u);`);
  }
  if (rank > 0) lines.push("  var rest = gid;");
  for (let d = rank - 1; d >= 0; d--) {
    const size = `pu(${base + d}u)`;
    lines.push(
      d === 0
        ? "  let c0 = i32(rest);"
        : `  let c${d} = i32(rest % ${size}); rest = rest / ${size};`,
    );
    for (let k = 0; k < operands; k++) {
      lines.push(`  o${k} = o${k} + c${d} * pi(${base + rank + k * (rank + 1) + 1 + d}u);`);
    }
  }
  return lines.join("\n");
}

function stridedParams(
  params: Params,
  shape: readonly number[],
  offsets: readonly number[],
  strides: readonly (readonly number[])[],
): Params {
  for (const s of shape) params.u(s);
  offsets.forEach((offset, k) => {
    params.i(offset);
    for (const s of strides[k]!) params.i(s);
  });
  return params;
}

/** Views as (offset in their buffer, strides), merged over the shape with a contiguous out. */
function layout(
  op: string,
  shape: readonly number[],
  views: readonly StridedView<GpuArray>[],
  outContiguous: boolean,
) {
  const strides = views.map((v) => v.strides);
  if (outContiguous) strides.push(contiguousStrides(shape));
  const merged = coalesce(op, shape, strides);
  return {
    shape: merged.shape,
    strides: merged.strides,
    offsets: views.map((v) => v.data.offset + v.offset),
  };
}

/** out (contiguous) = a ∘ b over `shape`, a and b read through their strides. */
export function binary(
  host: KernelHost,
  op: BinaryKernel,
  a: StridedView<GpuArray>,
  b: StridedView<GpuArray>,
  out: GpuArray,
  shape: readonly number[],
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const { shape: s, strides, offsets } = layout(op, shape, [a, b], true);
  const rank = s.length;
  const floatIn = a.data.dtype === "float32" || b.data.dtype === "float32";
  const integer = !floatIn && out.dtype !== "float32" && BINARY_I32[op] !== undefined;
  const domain = integer ? "int32" : "float32";
  const expr = integer ? BINARY_I32[op]! : BINARY_F32[op];
  const bindings = [read("a", a.data), read("b", b.data), write("out", out)];
  const words = 2 + rank + 3 * (rank + 1);
  const program: Program = {
    key: `binary:${op}:${a.data.dtype}:${b.data.dtype}:${out.dtype}:${rank}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${MATH}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
${stridedOffsets(rank, 3, 2)}
  let a = ${convert("a[o0]", wgslType(a.data.dtype), domain)};
  let b = ${convert("b[o1]", wgslType(b.data.dtype), domain)};
  out[pu(1u) + u32(o2)] = ${convert(expr, integer ? "i32" : "f32", out.dtype)};
}`,
  };
  const params = stridedParams(new Params().u(n).u(out.offset), s, [...offsets, 0], strides);
  host.run(program, [a.data.buffer, b.data.buffer, out.buffer], params, {
    groups: groupsFor(n, WORKGROUP),
  });
}

/** out = cond ? a : b over `shape`; a nonzero cond (NaN included) is true. */
export function where(
  host: KernelHost,
  cond: StridedView<GpuArray>,
  a: StridedView<GpuArray>,
  b: StridedView<GpuArray>,
  out: GpuArray,
  shape: readonly number[],
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const { shape: s, strides, offsets } = layout("where", shape, [cond, a, b], true);
  const rank = s.length;
  const bindings = [read("c", cond.data), read("a", a.data), read("b", b.data), write("out", out)];
  const words = 2 + rank + 4 * (rank + 1);
  const test =
    cond.data.dtype === "float32" ? "nonzero_f(c[o0])" : `c[o0] != ${wgslType(cond.data.dtype)}(0)`;
  const to = wgslType(out.dtype);
  const program: Program = {
    key: `where:${cond.data.dtype}:${a.data.dtype}:${b.data.dtype}:${out.dtype}:${rank}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
${stridedOffsets(rank, 4, 2)}
  var v: ${to};
  if (${test}) { v = ${convert("a[o1]", wgslType(a.data.dtype), out.dtype)}; }
  else { v = ${convert("b[o2]", wgslType(b.data.dtype), out.dtype)}; }
  out[pu(1u) + u32(o3)] = v;
}`,
  };
  const params = stridedParams(new Params().u(n).u(out.offset), s, [...offsets, 0], strides);
  host.run(program, [cond.data.buffer, a.data.buffer, b.data.buffer, out.buffer], params, {
    groups: groupsFor(n, WORKGROUP),
  });
}

/** dst = src over `shape`, both strided, converting dtypes with typed-array store rules. */
export function copy(
  host: KernelHost,
  src: StridedView<GpuArray>,
  dst: StridedView<GpuArray>,
  shape: readonly number[],
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const { shape: s, strides, offsets } = layout("copy", shape, [src, dst], false);
  const rank = s.length;
  const bindings = [read("src", src.data), write("dst", dst.data)];
  const words = 1 + rank + 2 * (rank + 1);
  const program: Program = {
    key: `copy:${src.data.dtype}:${dst.data.dtype}:${rank}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
${stridedOffsets(rank, 2, 1)}
  dst[o1] = ${convert("src[o0]", wgslType(src.data.dtype), dst.data.dtype)};
}`,
  };
  host.run(
    program,
    [src.data.buffer, dst.data.buffer],
    stridedParams(new Params().u(n), s, offsets, strides),
    { groups: groupsFor(n, WORKGROUP) },
  );
}
