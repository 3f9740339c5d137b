/**
 * A drawing prepared as MNIST's digits were: the ink's bounding box scaled (keeping its aspect
 * ratio, averaging the pixels each output pixel covers) so that its longer side is 20 pixels,
 * then placed in a 28 × 28 image so that its centre of mass is the image's centre.
 */

/** The side of an MNIST image, and of the box the digit is scaled to fit. */
export const SIDE = 28;
export const BOX = 20;

/** Ink below this (of 1) is background when looking for the drawing's bounding box. */
const INK_THRESHOLD = 0.05;

/**
 * The 28 × 28 image (row-major, ink in [0, 1]) of a drawing given as `width`·`height` ink
 * values in [0, 1]; null when nothing is drawn.
 */
export function toMnist(ink: Float32Array, width: number, height: number): Float32Array | null {
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > INK_THRESHOLD) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  if (right < 0) return null;
  const boxWidth = right - left + 1;
  const boxHeight = bottom - top + 1;
  const scale = BOX / Math.max(boxWidth, boxHeight);
  const outWidth = Math.max(1, Math.round(boxWidth * scale));
  const outHeight = Math.max(1, Math.round(boxHeight * scale));

  // Each output pixel is the mean of the source pixels whose centres fall in its area.
  const scaled = new Float32Array(outWidth * outHeight);
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = top + Math.floor(oy / scale);
    const y1 = Math.max(y0 + 1, Math.min(bottom + 1, top + Math.floor((oy + 1) / scale)));
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = left + Math.floor(ox / scale);
      const x1 = Math.max(x0 + 1, Math.min(right + 1, left + Math.floor((ox + 1) / scale)));
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += ink[y * width + x]!;
      scaled[oy * outWidth + ox] = sum / ((y1 - y0) * (x1 - x0));
    }
  }

  // Centre of mass of the scaled digit, in its own pixel coordinates.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const v = scaled[y * outWidth + x]!;
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  }
  cx /= mass;
  cy /= mass;
  // Shift so that the centre of mass lands on the middle of the 28 × 28 image, as far as the
  // digit stays inside it.
  const centre = (SIDE - 1) / 2;
  const dx = Math.min(SIDE - outWidth, Math.max(0, Math.round(centre - cx)));
  const dy = Math.min(SIDE - outHeight, Math.max(0, Math.round(centre - cy)));
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      out[(y + dy) * SIDE + x + dx] = Math.min(1, scaled[y * outWidth + x]!);
    }
  }
  return out;
}
