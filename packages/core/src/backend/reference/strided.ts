/**
 * Walks a row-major index space, calling `inner` once per run of the last dimension with the
 * starting offset of each operand. Keeping the innermost loop in the caller lets kernels use a
 * tight loop with constant strides.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  inner: (starts: number[], rowIndex: number) => void,
): void {
  const rank = shape.length;
  const operands = strides.length;
  const starts = offsets.slice();
  if (rank <= 1) {
    inner(starts, 0);
    return;
  }
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= shape[d]!;
  if (rows === 0 || shape[rank - 1] === 0) return;
  const counter = new Array<number>(rank - 1).fill(0);
  for (let row = 0; row < rows; row++) {
    inner(starts.slice(), row);
    // Advance the multi-index over the outer dimensions, odometer style.
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]!++;
      for (let o = 0; o < operands; o++) starts[o]! += strides[o]![d]!;
      if (counter[d]! < shape[d]!) break;
      for (let o = 0; o < operands; o++) starts[o]! -= strides[o]![d]! * shape[d]!;
      counter[d] = 0;
    }
  }
}
