import { TensortapeError } from "@tensortape/core";

/**
 * A data file that is not what it claims to be: truncated, a wrong magic number, an unknown
 * element type, dimensions that do not match its byte count, or images and labels of
 * different counts. Names the file, what was expected and what was found.
 * @example
 * try {
 *   parseIdx(bytes, "train-images-idx3-ubyte");
 * } catch (e) {
 *   if (e instanceof IdxFormatError) console.log(e.file, e.expected, e.found);
 * }
 */
export class IdxFormatError extends TensortapeError {
  override name = "IdxFormatError";
  constructor(
    /** The function that read the file, e.g. `parseIdx`. */
    readonly op: string,
    /** The file's path or name (`<bytes>` when the caller gave none). */
    readonly file: string,
    /** What is wrong, in a few words. */
    readonly problem: string,
    readonly expected: string,
    readonly found: string,
    readonly hint?: string,
  ) {
    let message = `${op}: ${problem} in ${file}; expected ${expected}, found ${found}`;
    if (hint) message += `\nhint: ${hint}`;
    super(message);
  }
}
