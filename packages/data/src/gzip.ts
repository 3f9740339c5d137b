import { IdxFormatError } from "./errors.js";

/**
 * Whether `bytes` start with the gzip magic number 1f 8b.
 * @example isGzip(new Uint8Array([0x1f, 0x8b, 8, 0])) // true
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes with the web-standard `DecompressionStream` (browsers and Node 18+).
 * Corrupt or truncated input throws an `IdxFormatError` naming `file`.
 * @example const raw = await gunzipAsync(gzipped, "train-images-idx3-ubyte.gz", "parseIdxAsync");
 */
export async function gunzipAsync(
  bytes: Uint8Array,
  file: string,
  op: string,
): Promise<Uint8Array> {
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const write = async () => {
    await writer.write(bytes);
    await writer.close();
  };
  const read = async () => {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return chunks;
      chunks.push(value);
    }
  };
  let chunks: Uint8Array[];
  try {
    // Both sides at once: the stream stalls if the reader waits for the writer to finish.
    [, chunks] = await Promise.all([write(), read()]);
  } catch (error) {
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
