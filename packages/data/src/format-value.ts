/**
 * A value as an error message shows it: strings quoted, so that "1" is not read as 1.
 * @example formatValue("4") // '"4"'
 */
export function formatValue(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}
