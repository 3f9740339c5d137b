import type { TypedArray } from "../../dtype.js";
import { DTypeError, ShapeError, ValueError } from "../../errors.js";
import { broadcastShapes, formatShape, sizeOf } from "../../shape.js";
import { Tensor, type TensorLike } from "../../tensor.js";
import { add } from "../add.js";
import { broadcastTo } from "../broadcast-to.js";
import { lt } from "../comparison.js";
import { finishLater, finishNow, type HostPlan } from "../host-read.js";
import { asTensor, fromHost, onDevice } from "../kernels.js";
import { mul } from "../mul.js";
import { reshape } from "../reshape.js";
import { slice } from "../slice.js";
import { transpose } from "../transpose.js";
import { where } from "../where.js";
import { checkIndexValues, indexSelect } from "./index-select.js";
import { nonzeroOf } from "./nonzero.js";

/** A Python slice `start:stop:step`; a missing or null bound means "from the start"/"to the end". */
export interface IndexRange {
  /** First index taken; negative counts from the end. Default 0. */
  readonly start?: number | null;
  /** Index to stop before; negative counts from the end. Default: past the end. */
  readonly stop?: number | null;
  /** Stride between taken indices; positive, as in PyTorch. Default 1. */
  readonly step?: number | null;
}

/**
 * One item of `index`: an integer (selects and drops an axis), a range or a slice string
 * ("1:5:2", ":", "::2"), `null` (a new axis of size 1), "..." (as many whole axes as needed),
 * an int32 tensor (advanced indexing) or a bool tensor (a mask over as many axes as it has).
 */
export type IndexItem = number | string | null | IndexRange | Tensor;

type Item =
  | { kind: "int"; value: number }
  | { kind: "range"; start: number | null; stop: number | null; step: number }
  | { kind: "new" }
  | { kind: "ellipsis" }
  | { kind: "tensor"; index: Tensor; item: number }
  | { kind: "mask"; mask: Tensor; item: number };

const SLICE = /^\s*([+-]?\d+)?\s*:\s*([+-]?\d+)?\s*(?::\s*([+-]?\d+)?\s*)?$/;

function integer(name: string, v: number | null | undefined, item: number): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new ValueError("index", `${name} of item ${item} must be an integer; got ${String(v)}`);
  }
  return v;
}

function rangeItem(r: IndexRange, item: number): Item {
  const step = integer("the step", r.step, item) ?? 1;
  if (step <= 0) {
    // PyTorch has no negative steps ("step must be greater than zero").
    throw new ValueError(
      "index",
      `step must be greater than zero; got ${step} for item ${item}`,
      "flip the tensor instead of a negative step",
    );
  }
  return {
    kind: "range",
    start: integer("the start", r.start, item),
    stop: integer("the stop", r.stop, item),
    step,
  };
}

function parse(raw: IndexItem, item: number): Item {
  if (raw === null) return { kind: "new" };
  if (typeof raw === "number") return { kind: "int", value: integer("the index", raw, item)! };
  if (typeof raw === "string") {
    if (raw.trim() === "...") return { kind: "ellipsis" };
    const m = SLICE.exec(raw);
    if (!m) {
      throw new ValueError(
        "index",
        `item ${item} "${raw}" is neither a slice such as "1:5:2" nor "..."`,
        "pass an integer as a number",
      );
    }
    const num = (s: string | undefined) => (s === undefined ? null : Number(s));
    return rangeItem({ start: num(m[1]), stop: num(m[2]), step: num(m[3]) }, item);
  }
  if (raw instanceof Tensor) {
    if (raw.dtype === "bool") return { kind: "mask", mask: raw, item };
    if (raw.dtype === "int32") return { kind: "tensor", index: raw, item };
    throw new DTypeError(
      "index",
      `tensors used as indices must be int32 or bool (item ${item})`,
      { index: raw.dtype },
      `use index.cast("int32")`,
    );
  }
  if (typeof raw === "object") {
    const known = ["start", "stop", "step"];
    const extra = Object.keys(raw).find((k) => !known.includes(k));
    if (extra === undefined) return rangeItem(raw, item);
    throw new ValueError(
      "index",
      `item ${item} has an unknown key "${extra}"; a range takes start, stop and step`,
    );
  }
  throw new ValueError("index", `item ${item} cannot index a tensor; got ${typeof raw}`);
}

/** How many axes of x an item consumes. */
function consumes(it: Item): number {
  if (it.kind === "int" || it.kind === "range" || it.kind === "tensor") return 1;
  if (it.kind === "mask") return it.mask.rank;
  return 0;
}

function indexPlan(x: TensorLike, items: readonly IndexItem[]): HostPlan<Tensor> {
  const t = asTensor(x);
  let parsed = items.map(parse);
  const ellipses = parsed.filter((it) => it.kind === "ellipsis").length;
  if (ellipses > 1)
    throw new ValueError(
      "index",
      `an index can only have a single ellipsis ("..."); got ${ellipses}`,
    );
  const used = parsed.reduce((n, it) => n + consumes(it), 0);
  if (used > t.rank) {
    throw new ShapeError(
      "index",
      "too many indices",
      { x: t.shape },
      `${used} axes indexed, but x has ${t.rank}`,
    );
  }
  const whole = (): Item => ({ kind: "range", start: null, stop: null, step: 1 });
  const fill = Array.from({ length: t.rank - used }, whole);
  const at = parsed.findIndex((it) => it.kind === "ellipsis");
  parsed =
    at < 0 ? [...parsed, ...fill] : [...parsed.slice(0, at), ...fill, ...parsed.slice(at + 1)];
  // Bool masks are the index's one data-dependent part: how many elements each keeps decides
  // the output's shape, so they are read on the host; everything else stays on x's device.
  const masks = parsed.flatMap((it) => (it.kind === "mask" ? [it.mask] : []));
  return {
    reads: masks,
    finish: (data) => indexWith(t, parsed, new Map(masks.map((m, k) => [m, data[k]!]))),
  };
}

/** `index` of `t` by the parsed items, given the elements of each bool mask among them. */
function indexWith(t: Tensor, parsed: readonly Item[], maskData: Map<Tensor, TypedArray>): Tensor {
  // Basic indexing first: one slice over x's axes (an integer as a length-1 range), then one
  // reshape that drops the integer axes and inserts the new ones.
  const begin: number[] = [];
  const end: (number | null)[] = [];
  const step: number[] = [];
  const kept: number[] = []; // y's shape
  const advanced: { axis: number; index: Tensor }[] = []; // axis of y, int32 index
  let d = 0;
  const sliced = (start: number | null, stop: number | null, s: number) => {
    begin.push(start ?? 0);
    end.push(stop);
    step.push(s);
  };
  const advancedInts: { item: number; index: Tensor; axis: number; sourceAxis: number }[] = [];
  for (const it of parsed) {
    if (it.kind === "new") {
      kept.push(1);
    } else if (it.kind === "int") {
      const n = t.shape[d]!;
      if (it.value < -n || it.value >= n) {
        throw new ValueError(
          "index",
          `index ${it.value} is out of range for axis ${d} of size ${n} (valid ${n === 0 ? "none: the axis is empty" : `${-n}..${n - 1}`}); got x ${formatShape(t.shape)}`,
        );
      }
      const v = it.value < 0 ? it.value + n : it.value;
      sliced(v, v + 1, 1);
      d++;
    } else if (it.kind === "range") {
      sliced(it.start, it.stop, it.step);
      const n = t.shape[d]!;
      const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
      const start = clamp(it.start ?? 0);
      const stop = clamp(it.stop ?? n);
      kept.push(Math.max(0, Math.ceil((stop - start) / it.step)));
      d++;
    } else if (it.kind === "tensor") {
      sliced(null, null, 1);
      advancedInts.push({ item: it.item, index: it.index, axis: kept.length, sourceAxis: d });
      kept.push(t.shape[d]!);
      d++;
    } else if (it.kind === "mask") {
      const m = it.mask;
      const data = maskData.get(m)!;
      if (m.rank === 0) {
        // A 0-d mask adds an axis of size 1 and keeps it (true) or none of it (false).
        const keep = data[0] !== 0;
        advanced.push({
          axis: kept.length,
          index: fromHost("index", Int32Array.from(keep ? [0] : []), [keep ? 1 : 0], "int32"),
        });
        kept.push(1);
        continue;
      }
      const region = t.shape.slice(d, d + m.rank);
      if (m.shape.some((s, k) => s !== region[k])) {
        throw new ShapeError(
          "index",
          `the mask (item ${it.item}) must match the shape of the axes it indexes, from axis ${d}`,
          { x: t.shape, mask: m.shape },
        );
      }
      // A mask is the int indices of its true positions, one per axis it covers.
      const where_ = nonzeroOf(m, data);
      for (let k = 0; k < m.rank; k++) {
        sliced(null, null, 1);
        const column = slice(where_, [0, k], [null, k + 1]);
        advanced.push({ axis: kept.length, index: reshape(column, [column.size]) });
        kept.push(t.shape[d]!);
        d++;
      }
    }
  }
  for (const a of advancedInts) {
    checkIndexValues("index", a.index, a.sourceAxis, t.shape, true);
    const n = t.shape[a.sourceAxis]!;
    advanced.push({ axis: a.axis, index: where(lt(a.index, 0), add(a.index, n), a.index) });
  }
  advanced.sort((p, q) => p.axis - q.axis);
  let y = t.rank === 0 ? t : slice(t, begin, end, step);
  y = reshape(y, kept);
  if (advanced.length === 0) return y;

  // Advanced indexing: the indexed axes moved to the front and flattened into one, read at
  // the broadcast linear index, then the broadcast shape put where PyTorch puts it.
  const broadcast = advanced.reduce<number[]>(
    (shape, a) => broadcastShapes("index", shape, a.index.shape),
    [],
  );
  const axes = advanced.map((a) => a.axis);
  const others = kept.map((_, a) => a).filter((a) => !axes.includes(a));
  const sizes = axes.map((a) => kept[a]!);
  let linear: Tensor = onDevice(y.device, () =>
    fromHost("index", new Int32Array(sizeOf(broadcast)), broadcast, "int32"),
  );
  let stride = 1;
  for (let k = advanced.length - 1; k >= 0; k--) {
    linear = add(linear, mul(broadcastTo(advanced[k]!.index, broadcast), stride));
    stride *= sizes[k]!;
  }
  const front = reshape(transpose(y, [...axes, ...others]), [
    stride,
    ...others.map((a) => kept[a]!),
  ]);
  const picked = indexSelect(front, 0, reshape(linear, [linear.size]));
  const out = reshape(picked, [...broadcast, ...others.map((a) => kept[a]!)]);
  const adjacent = axes.every((a, k) => k === 0 || a === axes[k - 1]! + 1);
  if (!adjacent || axes[0] === 0) return out;
  // Adjacent advanced axes: their result replaces them in place, after the axes before them.
  const b = broadcast.length;
  const before = axes[0]!;
  const order = [
    ...Array.from({ length: before }, (_, k) => b + k),
    ...Array.from({ length: b }, (_, k) => k),
    ...Array.from({ length: out.rank - b - before }, (_, k) => b + before + k),
  ];
  return transpose(out, order);
}

/**
 * NumPy/PyTorch-style indexing, `x[...items]`: integers select (and drop) an axis, ranges
 * slice with positive steps, `null` adds an axis, "..." stands for the axes not named, int32
 * tensors pick elements with broadcasting between them, and bool masks pick the positions
 * where they are true. Integers and tensor indices may be negative (from the end). The
 * advanced (tensor) dimensions replace the indexed axes in place when those are adjacent and
 * go first otherwise, as in PyTorch (integers are applied first and do not separate them).
 * The gradient adds g back into each position read (index_put with accumulate). A bool mask
 * decides the output's shape, so a GPU mask is read back at once; on a browser's main thread,
 * which may not wait, use `indexAsync`.
 * x: [A, B, C]; (0, "1:3") → [2, C]; (idx [K], ":", idx [K]) → [K, B]
 * @example index(tensor([[1, 2], [3, 4]]), ":", 1) // tensor([2., 4.])
 */
export function index(x: TensorLike, ...items: IndexItem[]): Tensor {
  return finishNow("index", "indexAsync", indexPlan(x, items));
}

/**
 * `index` that awaits the data of its bool masks instead of blocking for it, so mask indexing
 * of GPU tensors works on a browser's main thread. Same result and gradient as `index`.
 * x: [A, B]; (mask [A, B]) → [K] for K true elements
 * @example await indexAsync(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 1]], { dtype: "bool" })) // tensor([1., 4.])
 */
export async function indexAsync(x: TensorLike, ...items: IndexItem[]): Promise<Tensor> {
  return finishLater(indexPlan(x, items));
}
