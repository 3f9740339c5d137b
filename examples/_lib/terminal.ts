// Small terminal renderings the examples share: digits, a confusion matrix, and tables.

/**
 * Draws a 28×28 grayscale image (values in [0, 1]) with half-block characters: each
 * character shows two pixels stacked, which keeps the digit's proportions in a terminal.
 */
export function drawDigit(pixels: ArrayLike<number>, width = 28): string {
  const on = (r: number, c: number) => (pixels[r * width + c] ?? 0) >= 0.5;
  const rows: string[] = [];
  for (let r = 0; r < pixels.length / width; r += 2) {
    let line = "";
    for (let c = 0; c < width; c++) {
      const top = on(r, c);
      const bottom = on(r + 1, c);
      line += top ? (bottom ? "█" : "▀") : bottom ? "▄" : " ";
    }
    rows.push(line.trimEnd());
  }
  // Drop the empty rows above and below the digit.
  while (rows.length > 0 && rows[0] === "") rows.shift();
  while (rows.length > 0 && rows[rows.length - 1] === "") rows.pop();
  return rows.join("\n");
}

/** Lays out several multi-line blocks side by side, each under its caption. */
export function sideBySide(blocks: readonly { caption: string; body: string }[], gap = 4): string {
  const split = blocks.map((b) => [b.caption, ...b.body.split("\n")]);
  const widths = split.map((lines) => Math.max(...lines.map((l) => l.length)));
  const height = Math.max(...split.map((lines) => lines.length));
  const out: string[] = [];
  for (let i = 0; i < height; i++) {
    out.push(
      split
        .map((lines, k) => (lines[i] ?? "").padEnd(widths[k]!))
        .join(" ".repeat(gap))
        .trimEnd(),
    );
  }
  return out.join("\n");
}

/** A confusion matrix: rows are true labels, columns predictions. */
export function formatConfusion(matrix: readonly (readonly number[])[]): string {
  const n = matrix.length;
  const width = Math.max(5, ...matrix.flat().map((v) => String(v).length + 1));
  const cell = (s: string | number) => String(s).padStart(width);
  const lines = [
    `${"true\\pred".padEnd(10)}${Array.from({ length: n }, (_, j) => cell(j)).join("")}`,
  ];
  for (let i = 0; i < n; i++) {
    lines.push(`${String(i).padEnd(10)}${matrix[i]!.map(cell).join("")}`);
  }
  return lines.join("\n");
}

/** Formats seconds as "1m 05s" or "4.2s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m ${String(Math.round(seconds - 60 * m)).padStart(2, "0")}s`;
}
