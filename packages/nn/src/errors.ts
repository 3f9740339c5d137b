import { type DType, formatShape, TensortapeError, ValueError } from "@tensortape/core";

/** One way a state dict differs from the module or optimizer it is loaded into. */
export type StateDictMismatch =
  | {
      /** A key the module or optimizer has and the state dict lacks. */
      readonly kind: "missing";
      /** The state dict key, as in `stateDict()`. */
      readonly name: string;
      /** What the module or optimizer holds under that key. */
      readonly expected: TensorSpec;
    }
  | {
      /** A key the state dict has and the module or optimizer lacks. */
      readonly kind: "unexpected";
      /** The state dict key, as in `stateDict()`. */
      readonly name: string;
      /** What the loaded state dict holds under that key. */
      readonly got: TensorSpec;
    }
  | {
      /** A key both have, holding a tensor of another shape or dtype. */
      readonly kind: "shape" | "dtype";
      /** The state dict key, as in `stateDict()`. */
      readonly name: string;
      /** What the module or optimizer holds under that key. */
      readonly expected: TensorSpec;
      /** What the loaded state dict holds under that key. */
      readonly got: TensorSpec;
    };

/** The shape and dtype a state dict entry has or should have. */
export interface TensorSpec {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** The tensor's element type. */
  readonly dtype: DType;
}

function describe(spec: TensorSpec): string {
  return `${formatShape(spec.shape)} ${spec.dtype}`;
}

function describeMismatch(m: StateDictMismatch): string {
  switch (m.kind) {
    case "missing":
      return `missing: ${m.name} (expected ${describe(m.expected)})`;
    case "unexpected":
      return `unexpected: ${m.name} ${describe(m.got)}`;
    case "shape": {
      const [e, g] = [m.expected.shape, m.got.shape];
      const transposed =
        e.length === 2 && g.length === 2 && e[0] === g[1] && e[1] === g[0]
          ? "; transposed? Dense stores weight as [out, in], as torch.nn.Linear does"
          : "";
      return `shape: ${m.name} expected ${formatShape(e)}, got ${formatShape(g)}${transposed}`;
    }
    case "dtype":
      return `dtype: ${m.name} expected ${m.expected.dtype}, got ${m.got.dtype}`;
  }
}

/**
 * A state dict that does not fit its module or optimizer. Every mismatch is listed, and
 * nothing was loaded.
 */
export class StateDictError extends TensortapeError {
  /** Always `"StateDictError"`, for logs and stack traces. */
  override name = "StateDictError";
  constructor(
    /** The function or method that threw, as the message's first word. */
    readonly op: string,
    /** Every difference found, in key order. */
    readonly mismatches: readonly StateDictMismatch[],
    /** How to fix it, when there is an obvious fix. */
    readonly hint?: string,
  ) {
    const n = mismatches.length;
    const lines = mismatches.map((m) => `\n  ${describeMismatch(m)}`).join("");
    super(
      `${op}: the state dict does not match (${n} mismatch${n === 1 ? "" : "es"}; nothing was loaded):${lines}` +
        (hint ? `\nhint: ${hint}` : ""),
    );
  }
}

/**
 * Bytes that are not a valid safetensors file: too short, a header that is not JSON, offsets
 * out of range, an unknown dtype. `source` names the file when one was read.
 */
export class SafetensorsError extends TensortapeError {
  /** Always `"SafetensorsError"`, for logs and stack traces. */
  override name = "SafetensorsError";
  constructor(
    /** The function or method that threw, as the message's first word. */
    readonly op: string,
    /** What went wrong, in a few words. */
    readonly problem: string,
    /** The file the bytes came from, when one was read. */
    readonly source?: string,
    /** The header entry at fault, when the problem is with one tensor. */
    readonly tensor?: string,
  ) {
    const where = [source && `file ${source}`, tensor && `tensor "${tensor}"`]
      .filter(Boolean)
      .join(", ");
    super(`${op}: ${problem}${where ? ` (${where})` : ""}`);
  }
}

/**
 * How a value prints in an error: strings quoted (so `"0.01"` is told apart from `0.01`),
 * arrays element by element, anything that is not a number or string with its type.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return `${JSON.stringify(value)} (a string)`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) {
    return `[${value.map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v))).join(", ")}]`;
  }
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return `an object ${safeJson(value)}`;
  return `${String(value)} (a ${typeof value})`;
}

function safeJson(value: object): string {
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return "(unprintable)";
  }
}

/**
 * A hyperparameter (or other field of an optimizer's or scheduler's options or state dict)
 * whose value cannot be used: of the wrong type, not finite, or out of range. Thrown alike by
 * the constructor and by `loadStateDict`, before anything changes; `field` is the path to
 * the value (`lr`, `betas[1]`, `paramGroups[0].eps`, `state.3.step`, `lastEpoch`).
 */
export class HyperparameterError extends ValueError {
  /** Always `"HyperparameterError"`, for logs and stack traces. */
  override name = "HyperparameterError";
  constructor(
    op: string,
    /** The path to the bad value: `lr`, `betas[1]`, `paramGroups[0].eps`. */
    readonly field: string,
    /** The value that was given. */
    readonly value: unknown,
    /** What the value must be: "a number ≥ 0", "a number in [0, 1)", "a boolean". */
    readonly expected: string,
    hint?: string,
  ) {
    super(op, `${field} must be ${expected}; got ${describeValue(value)}`, hint);
  }
}
