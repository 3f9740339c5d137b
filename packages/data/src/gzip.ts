import { IdxFormatError, SizeLimitError } from "./errors.js";

/**
 * Whether `bytes` start with the gzip magic number 1f 8b.
 * @example isGzip(new Uint8Array([0x1f, 0x8b, 8, 0])) // true
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes with the web-standard `DecompressionStream` (browsers and Node 18+),
 * chunk by chunk: once the output passes `maxBytes` the stream is cancelled and a
 * `SizeLimitError` thrown, so a small file that inflates to gigabytes is never inflated whole.
 * Corrupt or truncated input throws an `IdxFormatError` naming `file`.
 * @example const raw = await gunzipAsync(gzipped, "train-images-idx3-ubyte.gz", "parseIdxAsync", 2 ** 30);
 */
export async function gunzipAsync(
  bytes: Uint8Array,
  file: string,
  op: string,
  maxBytes: number,
): Promise<Uint8Array> {
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  // Written while the output is read: the stream applies backpressure, so waiting for the write
  // before reading would stall. Its failures (corrupt data, or the cancel below) reach the
  // reader too, which reports them; this catch only keeps them from going unhandled.
  const writing = writer.write(bytes).then(() => writer.close());
  writing.catch(() => {});
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new SizeLimitError(
          op,
          file,
          "gzip data decompresses past the limit",
          maxBytes,
          `more than ${maxBytes} bytes (stopped after ${total})`,
        );
      }
      chunks.push(value);
    }
    await writing;
  } catch (error) {
    if (error instanceof SizeLimitError) throw error;
    throw new IdxFormatError(
      op,
      file,
      "corrupt or truncated gzip data",
      "a complete gzip stream",
      error instanceof Error ? error.message : String(error),
    );
  }
  return concatBytes(chunks);
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
