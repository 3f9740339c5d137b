import {
  checkOptions,
  type InterpolateMode,
  interpolate,
  ShapeError,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { Module } from "../module.js";
import type { Size } from "./size-args.js";

/** Options of `Upsample`: exactly one of `size` and `scaleFactor`. */
export interface UpsampleOptions {
  /** The output's spatial size. */
  readonly size?: Size;
  /** The output's spatial size as a multiple of the input's (rounded down). */
  readonly scaleFactor?: number | readonly number[];
  /** "nearest" (default) or "bilinear". */
  readonly mode?: InterpolateMode;
  /** Bilinear only: map the corner pixels' centres onto each other. Default false. */
  readonly alignCorners?: boolean;
}

const MODES: readonly string[] = ["nearest", "bilinear"];

/**
 * Resizes images (torch.nn.Upsample): nearest-neighbour or bilinear interpolation to a given
 * `size` or by `scaleFactor`, as `interpolate` does. A 3-d input [N, C, L] takes "nearest".
 * x: [N, C, H, W] → [N, C, H_out, W_out] (or [N, C, L] → [N, C, L_out])
 * @example new Upsample({ scaleFactor: 2, mode: "bilinear" }).forward(randn([1, 3, 8, 8])).shape // [1, 3, 16, 16]
 */
export class Upsample extends Module {
  /** The output's spatial size, when given instead of scaleFactor. */
  readonly size: Size | undefined;
  /** Multiplier of each spatial size, when given instead of size. */
  readonly scaleFactor: number | readonly number[] | undefined;
  /** The interpolation method. */
  readonly mode: InterpolateMode;
  /** For the linear modes: whether corner pixels' centres align between input and output. */
  readonly alignCorners: boolean | undefined;

  constructor(options: UpsampleOptions) {
    super();
    checkOptions("Upsample", options, ["size", "scaleFactor", "mode", "alignCorners"]);
    if ((options?.size === undefined) === (options?.scaleFactor === undefined)) {
      throw new ValueError("Upsample", "exactly one of size and scaleFactor must be given");
    }
    const mode = options.mode ?? "nearest";
    if (!MODES.includes(mode)) {
      throw new ValueError(
        "Upsample",
        `mode must be "nearest" or "bilinear"; got ${JSON.stringify(mode)}`,
      );
    }
    if (options.alignCorners !== undefined && mode !== "bilinear") {
      throw new ValueError(
        "Upsample",
        `alignCorners only applies to mode "bilinear"; got mode "${mode}"`,
      );
    }
    this.size = options.size;
    this.scaleFactor = options.scaleFactor;
    this.mode = mode;
    this.alignCorners = options.alignCorners;
  }

  override forward(x: Tensor): Tensor {
    if (x.rank !== 4 && !(x.rank === 3 && this.mode === "nearest")) {
      throw new ShapeError(
        "Upsample",
        this.mode === "nearest"
          ? "expects [N, C, H, W] or [N, C, L]"
          : `expects [N, C, H, W] for mode "${this.mode}"`,
        { x: x.shape },
      );
    }
    return interpolate(x, {
      ...(this.size === undefined ? {} : { size: this.size }),
      ...(this.scaleFactor === undefined ? {} : { scaleFactor: this.scaleFactor }),
      mode: this.mode,
      ...(this.alignCorners === undefined ? {} : { alignCorners: this.alignCorners }),
    });
  }

  override extraRepr(): string {
    const what =
      this.size === undefined
        ? `scaleFactor=${String(this.scaleFactor)}`
        : `size=${String(this.size)}`;
    return `${what}, mode=${this.mode}`;
  }
}
