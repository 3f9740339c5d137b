import {
  type AdaptiveSize,
  adaptiveAvgPool2d,
  avgPool2d,
  checkOptions,
  maxPool1d,
  maxPool2d,
  ShapeError,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { Module } from "../module.js";
import { perAxis, type Size, showSize } from "./size-args.js";

/** Options of `MaxPool1d` and `MaxPool2d`, as PyTorch's take them. */
export interface MaxPoolLayerOptions {
  /** Step between windows. Default the kernel size. */
  readonly stride?: Size;
  /** Implicit −∞ padding on both sides, at most half the dilated kernel. Default 0. */
  readonly padding?: Size;
  /** Spacing of the window's taps. Default 1. */
  readonly dilation?: Size;
  /** Round the output size up, keeping a last window that starts inside the input. Default false. */
  readonly ceilMode?: boolean;
}

/** Options of `AvgPool2d`, as PyTorch's take them. */
export interface AvgPoolLayerOptions {
  /** Step between windows. Default the kernel size. */
  readonly stride?: Size;
  /** Implicit zero padding on both sides, at most half the kernel. Default 0. */
  readonly padding?: Size;
  /** Round the output size up, keeping a last window that starts inside the input. Default false. */
  readonly ceilMode?: boolean;
  /** Count the padding's zeros in each window's divisor. Default true. */
  readonly countIncludePad?: boolean;
  /** Divide every window's sum by this instead. Default none. */
  readonly divisorOverride?: number;
}

function checkBoolean(layer: string, name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") {
    throw new ValueError(layer, `${name} must be a boolean; got ${String(value)}`);
  }
  return value;
}

/** Checks x is [N, C, ...spatial] or unbatched [C, ...spatial], naming the layer. */
function checkRank(layer: string, x: Tensor, spatial: number): void {
  if (x.rank !== spatial + 2 && x.rank !== spatial + 1) {
    const axes = spatial === 1 ? "L" : "H, W";
    throw new ShapeError(layer, `expects [N, C, ${axes}] or [C, ${axes}]`, { x: x.shape });
  }
}

/** What both max-pooling layers hold: the window, checked when the layer is made. */
abstract class MaxPoolBase extends Module {
  /** The window's size along each spatial axis. */
  readonly kernelSize: readonly number[];
  /** Step between windows along each spatial axis. */
  readonly stride: readonly number[];
  /** Implicit −∞ padding on both sides of each spatial axis. */
  readonly padding: readonly number[];
  /** Spacing of the window's taps along each spatial axis. */
  readonly dilation: readonly number[];
  /** Whether the output size rounds up, keeping a last window that starts inside the input. */
  readonly ceilMode: boolean;

  constructor(layer: string, spatial: number, kernelSize: Size, options: MaxPoolLayerOptions) {
    super();
    checkOptions(layer, options, ["stride", "padding", "dilation", "ceilMode"]);
    this.kernelSize = perAxis(layer, "kernelSize", kernelSize, spatial, 1);
    this.stride = perAxis(layer, "stride", options.stride ?? this.kernelSize, spatial, 1);
    this.padding = perAxis(layer, "padding", options.padding ?? 0, spatial, 0);
    this.dilation = perAxis(layer, "dilation", options.dilation ?? 1, spatial, 1);
    this.ceilMode = checkBoolean(layer, "ceilMode", options.ceilMode) ?? false;
    this.padding.forEach((p, d) => {
      const span = this.dilation[d]! * (this.kernelSize[d]! - 1) + 1;
      if (p > span / 2) {
        throw new ValueError(
          layer,
          `padding must be at most half the dilated kernel; got padding ${showSize(this.padding)} and kernelSize ${showSize(this.kernelSize)}`,
        );
      }
    });
  }

  /** The layer's settings as the functional pooling takes them. */
  protected get poolOptions() {
    return {
      /** As `stride`. */
      stride: this.stride,
      /** As `padding`. */
      padding: this.padding,
      /** As `dilation`. */
      dilation: this.dilation,
      /** As `ceilMode`. */
      ceilMode: this.ceilMode,
    };
  }

  override extraRepr(): string {
    return (
      `kernelSize=${showSize(this.kernelSize)}, stride=${showSize(this.stride)}, ` +
      `padding=${showSize(this.padding)}, dilation=${showSize(this.dilation)}, ceilMode=${this.ceilMode}`
    );
  }
}

/**
 * 1-D max pooling (torch.nn.MaxPool1d): the largest element of each window; NaN propagates.
 * For the positions of the maxima use `maxPool1d(x, k, { returnIndices: true })`.
 * x: [N, C, L] or [C, L] → [N, C, L_out]
 * @example new MaxPool1d(2).forward(tensor([[[1, 3, 2, 0]]])) // [[[3, 2]]]
 */
export class MaxPool1d extends MaxPoolBase {
  constructor(kernelSize: Size, options: MaxPoolLayerOptions = {}) {
    super("MaxPool1d", 1, kernelSize, options);
  }

  override forward(x: Tensor): Tensor {
    checkRank("MaxPool1d", x, 1);
    return maxPool1d(x, this.kernelSize, this.poolOptions);
  }
}

/**
 * 2-D max pooling (torch.nn.MaxPool2d): the largest element of each window; NaN propagates.
 * For the positions of the maxima use `maxPool2d(x, k, { returnIndices: true })`.
 * x: [N, C, H, W] or [C, H, W] → [N, C, H_out, W_out]
 * @example new MaxPool2d(2).forward(randn([8, 64, 24, 24])).shape // [8, 64, 12, 12]
 */
export class MaxPool2d extends MaxPoolBase {
  constructor(kernelSize: Size, options: MaxPoolLayerOptions = {}) {
    super("MaxPool2d", 2, kernelSize, options);
  }

  override forward(x: Tensor): Tensor {
    checkRank("MaxPool2d", x, 2);
    return maxPool2d(x, this.kernelSize, this.poolOptions);
  }
}

/**
 * 2-D average pooling (torch.nn.AvgPool2d): the mean of each window, padding counted in the
 * divisor unless `countIncludePad` is false.
 * x: [N, C, H, W] or [C, H, W] → [N, C, H_out, W_out]
 * @example new AvgPool2d(2).forward(ones([1, 1, 4, 4])).shape // [1, 1, 2, 2]
 */
export class AvgPool2d extends Module {
  /** The window's size along each spatial axis. */
  readonly kernelSize: readonly number[];
  /** Step between windows along each spatial axis. */
  readonly stride: readonly number[];
  /** Implicit zero padding on both sides of each spatial axis. */
  readonly padding: readonly number[];
  /** Whether the output size rounds up, keeping a last window that starts inside the input. */
  readonly ceilMode: boolean;
  /** Whether the padding's zeros count in each window's divisor. */
  readonly countIncludePad: boolean;
  /** Divides every window's sum instead of its size, when given. */
  readonly divisorOverride: number | undefined;

  constructor(kernelSize: Size, options: AvgPoolLayerOptions = {}) {
    super();
    const layer = "AvgPool2d";
    checkOptions(layer, options, [
      "stride",
      "padding",
      "ceilMode",
      "countIncludePad",
      "divisorOverride",
    ]);
    this.kernelSize = perAxis(layer, "kernelSize", kernelSize, 2, 1);
    this.stride = perAxis(layer, "stride", options.stride ?? this.kernelSize, 2, 1);
    this.padding = perAxis(layer, "padding", options.padding ?? 0, 2, 0);
    this.padding.forEach((p, d) => {
      if (p > this.kernelSize[d]! / 2) {
        throw new ValueError(
          layer,
          `padding must be at most half the kernel; got padding ${showSize(this.padding)} and kernelSize ${showSize(this.kernelSize)}`,
        );
      }
    });
    this.ceilMode = checkBoolean(layer, "ceilMode", options.ceilMode) ?? false;
    this.countIncludePad = checkBoolean(layer, "countIncludePad", options.countIncludePad) ?? true;
    const divisor = options.divisorOverride;
    if (divisor !== undefined && !(Number.isInteger(divisor) && divisor > 0)) {
      throw new ValueError(layer, `divisorOverride must be a positive integer; got ${divisor}`);
    }
    this.divisorOverride = divisor;
  }

  override forward(x: Tensor): Tensor {
    checkRank("AvgPool2d", x, 2);
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      ...(this.divisorOverride === undefined ? {} : { divisorOverride: this.divisorOverride }),
    });
  }

  override extraRepr(): string {
    return `kernelSize=${showSize(this.kernelSize)}, stride=${showSize(this.stride)}, padding=${showSize(this.padding)}`;
  }
}

/**
 * 2-D adaptive average pooling (torch.nn.AdaptiveAvgPool2d): the output has `outputSize`
 * whatever the input's size, each position averaging the window [⌊o·H/H_out⌋, ⌈(o+1)·H/H_out⌉).
 * A null entry keeps that axis's input size. `new AdaptiveAvgPool2d(1)` is global average pooling.
 * x: [N, C, H, W] or [C, H, W] → [N, C, H_out, W_out]
 * @example new AdaptiveAvgPool2d([7, 7]).forward(randn([1, 512, 14, 14])).shape // [1, 512, 7, 7]
 */
export class AdaptiveAvgPool2d extends Module {
  /** The output's spatial size; a null entry keeps that axis's input size. */
  readonly outputSize: AdaptiveSize;

  constructor(outputSize: AdaptiveSize) {
    super();
    const sizes = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
    if (
      !Array.isArray(sizes) ||
      sizes.length !== 2 ||
      sizes.some((s) => s !== null && !(Number.isInteger(s) && s >= 0))
    ) {
      throw new ValueError(
        "AdaptiveAvgPool2d",
        `outputSize must be an integer ≥ 0 or two of them (null keeps the input's); got ${Array.isArray(sizes) ? `[${sizes.join(", ")}]` : String(outputSize)}`,
      );
    }
    this.outputSize = typeof outputSize === "number" ? outputSize : [...outputSize];
  }

  override forward(x: Tensor): Tensor {
    checkRank("AdaptiveAvgPool2d", x, 2);
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    const s = this.outputSize;
    return `outputSize=${typeof s === "number" ? s : `(${s.map(String).join(", ")})`}`;
  }
}
