import type { Tensor } from "./tensor.js";

const EDGE = 3;
const SUMMARY_THRESHOLD = 1000;

function formatNumber(value: number, dtype: string, decimals: number): string {
  if (dtype === "bool") return value ? "true" : "false";
  if (dtype === "int32") return String(value);
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  return value.toFixed(decimals);
}

/**
 * Prints a tensor the way PyTorch does: nested brackets, columns aligned, four decimals
 * (scientific notation when magnitudes span a wide range), `...` past 1000 elements.
 */
export function formatTensor(t: Tensor): string {
  const data = t.data;
  const shape = t.shape;
  const summarise = t.size > SUMMARY_THRESHOLD;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]!);
    if (!Number.isFinite(a)) continue;
    if (a > max) max = a;
    if (a > 0 && a < min) min = a;
  }
  const scientific =
    t.dtype.startsWith("float") && (max >= 1e8 || (min < 1e-4 && max > 0) || max / min > 1e6);
  const format = (v: number) =>
    scientific && Number.isFinite(v) ? v.toExponential(4) : formatNumber(v, t.dtype, 4);
  let width = 0;
  for (let i = 0; i < Math.min(data.length, 10_000); i++)
    width = Math.max(width, format(data[i]!).length);
  const cell = (v: number) => format(v).padStart(width);

  const strides: number[] = [];
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  const prefix = "tensor(";
  const render = (dim: number, offset: number, indent: string): string => {
    if (dim === shape.length) return cell(data[offset]!);
    const n = shape[dim]!;
    const items: string[] = [];
    const pick =
      summarise && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    for (const i of pick) {
      items.push(i === -1 ? "..." : render(dim + 1, offset + i * strides[dim]!, `${indent} `));
    }
    if (dim === shape.length - 1) return `[${items.join(", ")}]`;
    const separator = `,${"\n".repeat(shape.length - dim - 1)}${indent} `;
    return `[${items.join(separator)}]`;
  };
  const body = shape.length === 0 ? cell(data[0]!) : render(0, 0, " ".repeat(prefix.length));
  const extras: string[] = [];
  if (t.dtype !== "float32") extras.push(`dtype=${t.dtype}`);
  if (t.size === 0) extras.push(`shape=[${shape.join(", ")}]`);
  if (t.node) extras.push(`gradFn=${t.node.op}`);
  else if (t.requiresGrad) extras.push("requiresGrad=true");
  return `${prefix}${body}${extras.map((e) => `, ${e}`).join("")})`;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
