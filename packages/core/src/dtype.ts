import { noteHostAllocation, noteNewArray, takeRecycled } from "./host-memory.js";

/** The element types a tensor can hold. */
export type DType = "float32" | "float64" | "int32" | "bool";

/** The typed array behind each dtype. */
export interface DTypeArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/**
 * Any of the typed arrays a tensor's data can be: Float32Array, Float64Array, Int32Array or
 * Uint8Array.
 */
export type TypedArray = DTypeArrays[DType];

export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool"];

/** The typed array type behind each dtype. */
const ARRAY_TYPES: Record<
  DType,
  { new (length: number): TypedArray; readonly BYTES_PER_ELEMENT: number }
> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/**
 * Allocates a zero-filled array of `size` elements of `dtype`: one the backward pass gave back
 * (see host-memory.ts) where one of that size is kept, else a new one.
 */
export function allocate(dtype: DType, size: number): TypedArray {
  const type = ARRAY_TYPES[dtype];
  let array = takeRecycled(type, size);
  if (!array) {
    noteHostAllocation(size * type.BYTES_PER_ELEMENT);
    array = new type(size);
  }
  noteNewArray(array);
  return array;
}

/**
 * The dtype `tensor()` gives a typed array by default: its own for Float32Array, Float64Array
 * and Int32Array; int32 for the other integer arrays (Uint8Array pixels keep their values:
 * bool comes only from booleans or an explicit dtype; Uint32Array values past int32 are
 * rejected when copied); undefined for anything else.
 */
export function dtypeOfArray(data: ArrayLike<number>): DType | undefined {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (
    data instanceof Int32Array ||
    data instanceof Uint8Array ||
    data instanceof Uint8ClampedArray ||
    data instanceof Int8Array ||
    data instanceof Int16Array ||
    data instanceof Uint16Array ||
    data instanceof Uint32Array
  ) {
    return "int32";
  }
  return undefined;
}

/** Whether `data` is the storage type of `dtype`, so it can be wrapped without a copy. */
export function isStorageOf(dtype: DType, data: ArrayLike<number>): data is TypedArray {
  switch (dtype) {
    case "float32":
      return data instanceof Float32Array;
    case "float64":
      return data instanceof Float64Array;
    case "int32":
      return data instanceof Int32Array;
    case "bool":
      return data instanceof Uint8Array && !(data instanceof Uint8ClampedArray);
  }
}

/** Whether `dtype` is a floating-point type, the only kind that can require grad. */
export function isFloat(dtype: DType): dtype is "float32" | "float64" {
  return dtype === "float32" || dtype === "float64";
}

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && (DTYPES as readonly string[]).includes(value);
}
