/**
 * What the matmul micro-kernel is measured against: how many 128-bit float32 multiplies,
 * adds and fused multiply-adds this core and engine issue per second in loops that do
 * nothing else. Each loop updates 12 independent vectors from their own previous values,
 * so the engine can hoist nothing out of it; 12 chains cover the operations' latency (four
 * cycles, two at a time); and 12 live vectors plus the two operands fit the 15 vector
 * registers V8 allocates on x64, with one to spare. With 13 chains V8 kept a chain on the
 * stack in some variants of the loop, which halved its speed; with loop-invariant products
 * (an earlier probe) it hoisted the products and measured additions alone.
 *
 *     node --conditions=@tensortape/source --import tsx bench/peak.ts
 *
 * The loops are AssemblyScript, compiled here with the same compiler as the kernels. The
 * last line times the backend's 1024³ float32 product on one thread in the same process, as
 * a fraction of the loop its build issues.
 */
import { type MatmulArgs, setNumThreads, wasmBackend } from "@tensortape/core";
import asc from "assemblyscript/asc";
import { getLocalRuntime } from "../packages/core/src/backend/wasm/runtime.js";
import { randomBatch } from "./data.js";
import { medianMs } from "./measure.js";

type Operation = "mul" | "add" | "fma";

/** The part of the WebAssembly API used here (the project's type libraries are ECMAScript only). */
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: {
    validate(bytes: Uint8Array): boolean;
    instantiate(bytes: Uint8Array): Promise<{ instance: { exports: Record<string, unknown> } }>;
  };
};

const CHAINS = 12;
const ITERATIONS = 4_000_000;
/** Floating-point operations per lane: a fused multiply-add counts as two. */
const FLOPS: Record<Operation, number> = { mul: 1, add: 1, fma: 2 };

type Build = "plain" | "fused";

/** The loops, and for the two that issue what a kernel build issues, that build. */
const loops: readonly { label: string; operations: readonly Operation[]; build?: Build }[] = [
  { label: "multiplies alone", operations: Array(CHAINS).fill("mul") },
  { label: "adds alone", operations: Array(CHAINS).fill("add") },
  {
    label: "multiplies and adds, as the plain kernel issues",
    operations: [...Array(CHAINS / 2).fill("mul"), ...Array(CHAINS / 2).fill("add")],
    build: "plain",
  },
  {
    label: "fused multiply-adds (relaxed SIMD), as the relaxed kernel issues",
    operations: Array(CHAINS).fill("fma"),
    build: "fused",
  },
];

const update: Record<Operation, (v: string) => string> = {
  mul: (v) => `${v} = f32x4.mul(${v}, c);`,
  add: (v) => `${v} = f32x4.add(${v}, d);`,
  fma: (v) => `${v} = f32x4.relaxed_madd(${v}, c, d);`,
};

/** An exported AssemblyScript function running `operations` as chains, n times over. */
function loopSource(name: string, operations: readonly Operation[]): string {
  const vs = operations.map((_, i) => `v${i}`);
  const sum = vs.map((v) => `f32x4.extract_lane(${v}, 0)`).join(" + ");
  return `export function ${name}(n: i32, cs: f32, ds: f32): f32 {
  const c = f32x4.splat(cs);
  const d = f32x4.splat(ds);
  ${vs.map((v) => `let ${v} = d;`).join(" ")}
  for (let i = 0; i < n; i++) {
    ${operations.map((op, i) => update[op](vs[i]!)).join("\n    ")}
  }
  return ${sum};
}`;
}

async function compile(source: string, features: string): Promise<Uint8Array> {
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main(
    [
      "loops.ts",
      "--outFile",
      "loops.wasm",
      "--optimizeLevel",
      "3",
      "--runtime",
      "stub",
      "--enable",
      features,
    ],
    {
      readFile: async (file) => (file === "loops.ts" ? source : null),
      writeFile: async (file, contents) => {
        if (file.endsWith(".wasm")) binary = contents as Uint8Array;
      },
      listFiles: async () => [],
    },
  );
  if (error || !binary) throw new Error(`probe build failed: ${error?.message}\n${stderr}`);
  return binary;
}

console.log(`| loop (${CHAINS} chains of 128-bit float32 operations) | GFLOP/s |`);
console.log("| --- | --- |");
/** GFLOP/s of the loop that issues what each kernel build issues. */
const buildLoopRates = new Map<Build, number>();
for (const [i, { label, operations, build }] of loops.entries()) {
  const relaxed = operations.includes("fma");
  const binary = await compile(
    loopSource(`loop${i}`, operations),
    relaxed ? "simd,relaxed-simd" : "simd",
  );
  if (!WebAssembly.validate(binary)) {
    console.log(`| ${label} | — (this engine has no ${relaxed ? "relaxed " : ""}SIMD) |`);
    continue;
  }
  const { instance } = await WebAssembly.instantiate(binary);
  const loop = instance.exports[`loop${i}`] as (n: number, c: number, d: number) => number;
  // Factors that keep every chain finite and normal for the whole run.
  const ms = medianMs(() => loop(ITERATIONS, 1.0000001, 1e-7), { seconds: 1, samples: 7 });
  const flops = ITERATIONS * 4 * operations.reduce((sum, op) => sum + FLOPS[op], 0);
  const gflops = flops / ms / 1e6;
  if (build) buildLoopRates.set(build, gflops);
  console.log(`| ${label} | ${gflops.toFixed(1)} |`);
}

const n = 1024;
const a = randomBatch(Math.ceil((n * n) / 784), 1).x.subarray(0, n * n);
const b = randomBatch(Math.ceil((n * n) / 784), 2).x.subarray(0, n * n);
const out = new Float32Array(n * n);
const args: MatmulArgs = {
  aOffsets: [0],
  bOffsets: [0],
  m: n,
  k: n,
  n,
  transA: false,
  transB: false,
};
setNumThreads(1);
const ms = medianMs(() => wasmBackend.matmul(a, b, out, args), { seconds: 3, samples: 7 });
const gflops = (2 * n ** 3) / ms / 1e6;
const fused = getLocalRuntime()?.relaxed ?? false;
const loopRate = buildLoopRates.get(fused ? "fused" : "plain") ?? Number.NaN;
console.log(
  `\nmatmul float32 ${n}³, 1 thread, ${fused ? "fused" : "plain"} build: ${gflops.toFixed(1)} GFLOP/s, ` +
    `${((100 * gflops) / loopRate).toFixed(0)} % of the loop its build issues`,
);
