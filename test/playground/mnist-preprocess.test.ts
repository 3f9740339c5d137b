/**
 * The playground's drawing preparation, as MNIST's digits were prepared: the ink's bounding box
 * scaled so that its longer side is 20 pixels, placed in 28 × 28 with its centre of mass in
 * the middle.
 */
import { expect, test } from "vitest";
import { BOX, SIDE, toMnist } from "../../examples/web/src/draw/preprocess.js";

/** A `width` × `height` canvas of zeros with a filled rectangle of ink. */
function canvas(width: number, height: number, [x0, y0, x1, y1]: number[]): Float32Array {
  const ink = new Float32Array(width * height);
  for (let y = y0!; y < y1!; y++) for (let x = x0!; x < x1!; x++) ink[y * width + x] = 1;
  return ink;
}

/** The bounding box [left, top, right, bottom) and the centre of mass of a 28 × 28 image. */
function measure(image: Float32Array) {
  let [left, top, right, bottom, mass, cx, cy] = [SIDE, SIDE, 0, 0, 0, 0, 0];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = image[y * SIDE + x]!;
      if (v === 0) continue;
      [left, top] = [Math.min(left, x), Math.min(top, y)];
      [right, bottom] = [Math.max(right, x + 1), Math.max(bottom, y + 1)];
      mass += v;
      cx += v * x;
      cy += v * y;
    }
  }
  return { width: right - left, height: bottom - top, cx: cx / mass, cy: cy / mass };
}

test("an empty drawing gives nothing to classify", () => {
  expect(toMnist(new Float32Array(280 * 280), 280, 280)).toBeNull();
});

test("a tall stroke is scaled to 20 pixels high, keeping its aspect ratio, and centred", () => {
  // 40 × 200 pixels of ink anywhere on the canvas: 4 × 20 after scaling by 20 / 200.
  const image = toMnist(canvas(280, 280, [30, 50, 70, 250]), 280, 280)!;
  const { width, height, cx, cy } = measure(image);
  expect([width, height]).toEqual([4, BOX]);
  // A uniform box: its centre of mass lands within half a pixel of the middle, 13.5.
  expect(Math.abs(cx - 13.5)).toBeLessThanOrEqual(0.5);
  expect(Math.abs(cy - 13.5)).toBeLessThanOrEqual(0.5);
  // Full ink stays full: each output pixel averages pixels that are all ink.
  expect(Math.max(...image)).toBe(1);
});

test("the centre of mass, not the box, is centred", () => {
  // An L: a 20 × 200 bar with a 100 × 40 foot, so its box is 100 × 200 (10 × 20 scaled) and
  // its mass lies left of the box's middle: centring the mass puts the box right of centre.
  const ink = canvas(200, 200, [0, 0, 20, 200]);
  for (let y = 160; y < 200; y++) for (let x = 0; x < 100; x++) ink[y * 200 + x] = 1;
  const image = toMnist(ink, 200, 200)!;
  const { width, height, cx } = measure(image);
  expect([width, height]).toEqual([10, BOX]);
  expect(Math.abs(cx - 13.5)).toBeLessThanOrEqual(0.5);
  let left = 0;
  while (Array.from({ length: SIDE }, (_, y) => image[y * SIDE + left]).every((v) => v === 0))
    left++;
  // Centring the box would put its left edge at 9.
  expect(left).toBeGreaterThan(9);
});
