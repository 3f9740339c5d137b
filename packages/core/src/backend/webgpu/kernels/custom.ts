/**
 * Users' own WGSL (`defineKernel`): their `fn compute(i: u32) -> T` gives output element i,
 * reading the inputs through generated accessors `input0(k)`, `input1(k)`… and their sizes
 * through `length0()`…, and the output's size through `outputLength()`. The program is cached
 * by the kernel's name and its source.
 */
import type { GpuArray } from "../gpu-array.js";
import { MATH } from "../wgsl/math.js";
import { entry, header, type StorageBinding, WORKGROUP, wgslType } from "../wgsl/prelude.js";
import { groupsFor, type KernelHost, Params, type Program } from "./host.js";

export function customKernel(
  host: KernelHost,
  name: string,
  wgsl: string,
  inputs: readonly GpuArray[],
  out: GpuArray,
): void {
  const n = out.length;
  if (n === 0) return;
  const bindings: StorageBinding[] = [
    ...inputs.map((a, k) => ({ name: `in${k}`, type: wgslType(a.dtype), access: "read" as const })),
    { name: "out", type: wgslType(out.dtype), access: "read_write" },
  ];
  // Words: the output's length and offset, then each input's offset and length.
  const words = 2 + 2 * inputs.length;
  const accessors = inputs
    .map((a, k) => {
      const type = wgslType(a.dtype);
      const at = 2 + 2 * k;
      return `fn input${k}(k: u32) -> ${type} { return in${k}[pu(${at}u) + min(k, pu(${at + 1}u) - 1u)]; }
fn length${k}() -> u32 { return pu(${at + 1}u); }`;
    })
    .join("\n");
  const program: Program = {
    key: `custom:${name}:${inputs.map((a) => a.dtype).join(",")}:${out.dtype}:${wgsl}`,
    bindings,
    words,
    source: () => `${header(words, bindings)}${MATH}
fn outputLength() -> u32 { return pu(0u); }
${accessors}
${wgsl}
${entry(WORKGROUP)}
  if (gid >= pu(0u)) { return; }
  out[pu(1u) + gid] = compute(gid);
}`,
  };
  const params = new Params().u(n).u(out.offset);
  for (const a of inputs) params.u(a.offset).u(Math.max(a.length, 1));
  host.run(program, [...inputs.map((a) => a.buffer), out.buffer], params, {
    groups: groupsFor(n, WORKGROUP),
  });
}
