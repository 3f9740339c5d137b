/**
 * How fast deserializeSafetensors decodes each dtype, and how much memory reading a file
 * takes at its peak.
 *
 *     pnpm run-ts bench/safetensors.ts speed 16        # decode time, 16 Mi elements per dtype
 *     pnpm run-ts bench/safetensors.ts memory U8 64    # peak RSS reading a 64 MiB U8 file
 *
 * The memory figure comes from a child process that does nothing but read the file, so the
 * file's construction does not count: its peak RSS, less its RSS before reading, is what
 * reading cost; the file's size plus the decoded tensor's is what it must cost at least.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserializeSafetensors } from "@tensortape/nn";

const ITEM: Record<string, number> = {
  F64: 8,
  F32: 4,
  BF16: 2,
  F16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  U8: 1,
  BOOL: 1,
};
const OUT: Record<string, number> = {
  F64: 8,
  F32: 4,
  BF16: 4,
  F16: 4,
  I64: 4,
  I32: 4,
  I16: 4,
  U8: 4,
  BOOL: 1,
};

/** A one-tensor file of `n` elements; bytes chosen so every dtype decodes without error. */
function makeFile(dtype: string, n: number): Uint8Array {
  const json = new TextEncoder().encode(
    JSON.stringify({ t: { dtype, shape: [n], data_offsets: [0, n * ITEM[dtype]!] } }),
  );
  const header = Math.ceil(json.length / 8) * 8;
  const file = new Uint8Array(8 + header + n * ITEM[dtype]!);
  new DataView(file.buffer).setUint32(0, header, true);
  file.set(json, 8);
  file.fill(0x20, 8 + json.length, 8 + header);
  const data = file.subarray(8 + header);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  if (dtype === "I64") {
    // Small values, so they fit int32: the high word is the low word's sign.
    const words = new Int32Array(data.buffer, data.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) words[2 * i + 1] = words[2 * i]! >> 31;
  }
  return file;
}

/**
 * Decode time per dtype: the fastest of 9 rounds, the dtypes taking turns within each round
 * so that load from elsewhere on the machine falls on all of them alike.
 */
function speed(mebi: number): void {
  const n = mebi * 2 ** 20;
  const dtypes = Object.keys(ITEM);
  const files = Object.fromEntries(dtypes.map((d) => [d, makeFile(d, n)]));
  const best: Record<string, number> = {};
  for (let round = 0; round < 9; round++) {
    for (const dtype of dtypes) {
      const start = performance.now();
      deserializeSafetensors(files[dtype]!);
      const ms = performance.now() - start;
      best[dtype] = Math.min(best[dtype] ?? Number.POSITIVE_INFINITY, ms);
    }
  }
  console.log(`decode ${n} elements (fastest of 9 rounds)`);
  for (const dtype of dtypes) {
    const ms = best[dtype]!;
    const rate = (n * ITEM[dtype]!) / 2 ** 20 / (ms / 1000);
    console.log(
      `  ${dtype.padEnd(5)} ${ms.toFixed(1).padStart(7)} ms  ${rate.toFixed(0).padStart(6)} MiB/s of file  ${(ms / best.F32!).toFixed(2)}× F32`,
    );
  }
}

function memory(dtype: string, mib: number): void {
  const n = Math.floor((mib * 2 ** 20) / ITEM[dtype]!);
  const dir = mkdtempSync(join(tmpdir(), "tensortape-safetensors-"));
  try {
    const path = join(dir, "file.safetensors");
    writeFileSync(path, makeFile(dtype, n));
    const report = execFileSync(
      process.execPath,
      [...process.execArgv, import.meta.filename ?? process.argv[1]!, "child", path],
      {
        encoding: "utf8",
      },
    );
    const { before, peak } = JSON.parse(report) as { before: number; peak: number };
    const file = (n * ITEM[dtype]!) / 2 ** 20;
    const out = (n * OUT[dtype]!) / 2 ** 20;
    console.log(
      `${dtype} ${file.toFixed(0)} MiB file -> ${out.toFixed(0)} MiB tensor: peak RSS ${peak.toFixed(0)} MiB, ${(peak - before).toFixed(0)} MiB above the ${before.toFixed(0)} MiB before reading (file + tensor = ${(file + out).toFixed(0)} MiB)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function child(path: string): void {
  const before = process.memoryUsage.rss() / 2 ** 20;
  const { tensors } = deserializeSafetensors(readFileSync(path));
  if (!tensors.t) throw new Error("no tensor read");
  const peak = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ before, peak }));
}

const [mode, a, b] = process.argv.slice(2);
if (mode === "child") child(a!);
else if (mode === "memory") memory(a ?? "U8", Number(b ?? 64));
else speed(Number(a ?? 16));
