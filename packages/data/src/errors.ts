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
  /** Always `"IdxFormatError"`, for logs and stack traces. */
  override name = "IdxFormatError";
  constructor(
    /** The function that read the file, e.g. `parseIdx`. */
    readonly op: string,
    /** The file's path or name (`<bytes>` when the caller gave none). */
    readonly file: string,
    /** What is wrong, in a few words. */
    readonly problem: string,
    /** What the format requires there, e.g. `at least 1 dimension`. */
    readonly expected: string,
    /** What the file holds instead. */
    readonly found: string,
    /** How to fix it, when there is an obvious fix. */
    readonly hint?: string,
  ) {
    let message = `${op}: ${problem} in ${file}; expected ${expected}, found ${found}`;
    if (hint) message += `\nhint: ${hint}`;
    super(message);
  }
}

/**
 * Data larger than the caller's limit (`maxBytes`): a file bigger than it, or gzip that would
 * decompress past it (a "zip bomb"). Reading stops as soon as the limit is passed, so nothing
 * larger than the limit is ever held. Not a malformed file: raise `maxBytes` for files you trust.
 * @example
 * try {
 *   await parseIdxAsync(bytes, "upload.gz", { maxBytes: 64 << 20 });
 * } catch (e) {
 *   if (e instanceof SizeLimitError) console.log(e.file, e.limit); // "upload.gz", 67108864
 * }
 */
export class SizeLimitError extends TensortapeError {
  /** Always `"SizeLimitError"`, for logs and stack traces. */
  override name = "SizeLimitError";
  constructor(
    /** The function that read the file, e.g. `readIdxFile`. */
    readonly op: string,
    /** The file's path or name (`<bytes>` when the caller gave none). */
    readonly file: string,
    /** What is too large, in a few words. */
    readonly problem: string,
    /** The limit in bytes: the `maxBytes` in force. */
    readonly limit: number,
    /** How much was found, e.g. `more than 1048576 bytes`. */
    readonly found: string,
  ) {
    super(
      `${op}: ${problem} in ${file}; expected at most ${limit} bytes (maxBytes), found ${found}` +
        "\nhint: pass a larger maxBytes if the file is trusted",
    );
  }
}
