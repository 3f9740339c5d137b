import {
  type ConvPaddingMode,
  checkOptions,
  conv1d,
  conv2d,
  convTranspose2d,
  type Generator,
  ShapeError,
  type Tensor,
  ValueError,
} from "@tensortape/core";
import { fans, type Initializer, kaimingUniform, uniform } from "../init.js";
import { type FloatDType, Module } from "../module.js";
import { perAxis, type Size, showSize } from "./size-args.js";

/** Options of `Conv1d` and `Conv2d`, as torch.nn.Conv2d takes them. */
export interface ConvLayerOptions {
  /** Step between output positions. Default 1. */
  readonly stride?: Size;
  /**
   * Padding on both sides of each spatial axis, or "valid" (none) or "same" (the output as
   * long as the input; stride 1 only). Default 0.
   */
  readonly padding?: Size | "same" | "valid";
  /** Spacing of the kernel's taps. Default 1. */
  readonly dilation?: Size;
  /** Split the channels into this many independent groups. Default 1. */
  readonly groups?: number;
  /** Learn an additive bias. Default true. */
  readonly bias?: boolean;
  /** What the padding holds: "zeros" (default), "reflect", "replicate" or "circular". */
  readonly paddingMode?: ConvPaddingMode;
  /** Makes the weight. Default: PyTorch's, Kaiming-uniform with a = √5, i.e. U(−1/√fanIn, 1/√fanIn). */
  readonly weightInit?: Initializer;
  /** Makes the [out] bias. Default: U(−1/√fanIn, 1/√fanIn), as PyTorch. */
  readonly biasInit?: Initializer;
  /** Default float32. */
  readonly dtype?: FloatDType;
  /** Default: the generator seeded by `manualSeed`. */
  readonly generator?: Generator;
}

/** Options of `ConvTranspose2d`, as torch.nn.ConvTranspose2d takes them. */
export interface ConvTransposeLayerOptions {
  /** Step between input positions in the output. Default 1. */
  readonly stride?: Size;
  /** dilation·(k − 1) − padding is added on both sides of each input axis. Default 0. */
  readonly padding?: Size;
  /** Added to one side of each output axis; smaller than stride or dilation. Default 0. */
  readonly outputPadding?: Size;
  /** Spacing of the kernel's taps. Default 1. */
  readonly dilation?: Size;
  /** Split the channels into this many independent groups. Default 1. */
  readonly groups?: number;
  /** Learn an additive bias. Default true. */
  readonly bias?: boolean;
  /** Only "zeros", as in PyTorch. */
  readonly paddingMode?: "zeros";
  /** Makes the weight. Default: PyTorch's, Kaiming-uniform with a = √5. */
  readonly weightInit?: Initializer;
  /** Makes the [out] bias. Default: U(−1/√fanIn, 1/√fanIn), as PyTorch. */
  readonly biasInit?: Initializer;
  /** Dtype of the parameters. Default float32. */
  readonly dtype?: FloatDType;
  /** Generator for the initial weights. Default: the one seeded by `manualSeed`. */
  readonly generator?: Generator;
}

const COMMON_OPTIONS = [
  "stride",
  "padding",
  "dilation",
  "groups",
  "bias",
  "paddingMode",
  "weightInit",
  "biasInit",
  "dtype",
  "generator",
];
const PADDING_MODES: readonly string[] = ["zeros", "reflect", "replicate", "circular"];

/**
 * PyTorch's reset_parameters for every convolution: the weight Kaiming-uniform with a = √5
 * (a leaky-ReLU gain of √(1/3), so U(−1/√fanIn, 1/√fanIn)), the bias U(−1/√fanIn, 1/√fanIn),
 * with fanIn = weight.shape[1]·∏kernel. For transposed convolutions that is out/groups·∏k,
 * PyTorch's own quirk, kept so that both start from the same distributions.
 */
const defaultWeightInit: Initializer = (shape, options) =>
  kaimingUniform(shape, { ...options, a: Math.sqrt(5), nonlinearity: "leakyRelu" });

function defaultBiasInit(weightShape: readonly number[]): Initializer {
  const { fanIn } = fans(weightShape);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return (shape, options) => uniform(shape, -bound, bound, options);
}

/** What every convolution layer holds and checks; the subclasses choose the op. */
abstract class ConvBase extends Module {
  /** [out, in / groups, ...kernel], or [in, out / groups, ...kernel] when transposed. */
  weight: Tensor;
  /** [out], or null without bias. */
  bias: Tensor | null;
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output. */
  readonly outChannels: number;
  /** The kernel's size along each spatial axis. */
  readonly kernelSize: readonly number[];
  /** Step of the kernel along each spatial axis. */
  readonly stride: readonly number[];
  /** Spacing of the kernel's taps along each spatial axis. */
  readonly dilation: readonly number[];
  /** Number of independent channel groups; both channel counts are multiples of it. */
  readonly groups: number;
  /** How the input is padded: "zeros", "reflect", "replicate" or "circular". */
  readonly paddingMode: ConvPaddingMode;
  readonly #layer: string;
  readonly #spatial: number;

  constructor(
    layer: string,
    spatial: number,
    transposed: boolean,
    inChannels: number,
    outChannels: number,
    kernelSize: Size,
    options: ConvLayerOptions | ConvTransposeLayerOptions,
  ) {
    super();
    this.#layer = layer;
    this.#spatial = spatial;
    for (const [what, n] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
    ] as const) {
      if (!Number.isInteger(n) || n <= 0) {
        throw new ValueError(layer, `${what} must be a positive integer; got ${n}`);
      }
    }
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0) {
      throw new ValueError(layer, `groups must be a positive integer; got ${groups}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ValueError(
        layer,
        `inChannels and outChannels must be divisible by groups; got inChannels ${inChannels}, outChannels ${outChannels} and groups ${groups}`,
      );
    }
    const paddingMode = options.paddingMode ?? "zeros";
    if (!PADDING_MODES.includes(paddingMode) || (transposed && paddingMode !== "zeros")) {
      throw new ValueError(
        layer,
        `paddingMode must be ${transposed ? '"zeros"' : PADDING_MODES.map((m) => `"${m}"`).join(", ")}; got ${JSON.stringify(paddingMode)}`,
      );
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = perAxis(layer, "kernelSize", kernelSize, spatial, 1);
    this.stride = perAxis(layer, "stride", options.stride ?? 1, spatial, 1);
    this.dilation = perAxis(layer, "dilation", options.dilation ?? 1, spatial, 1);
    this.groups = groups;
    this.paddingMode = paddingMode;
    const init = { dtype: options.dtype, generator: options.generator };
    const weightShape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = (options.weightInit ?? defaultWeightInit)(weightShape, init);
    this.bias =
      options.bias === false
        ? null
        : (options.biasInit ?? defaultBiasInit(weightShape))([outChannels], init);
  }

  /** Checks x is [N, C_in, ...spatial] or unbatched [C_in, ...spatial]. */
  protected checkInput(x: Tensor): void {
    const spatial = this.#spatial;
    const axes = spatial === 1 ? "L" : "H, W";
    if (
      (x.rank !== spatial + 2 && x.rank !== spatial + 1) ||
      x.shape[x.rank - spatial - 1] !== this.inChannels
    ) {
      throw new ShapeError(
        this.#layer,
        `expects [N, C, ${axes}] or [C, ${axes}] with C = inChannels = ${this.inChannels}`,
        { x: x.shape, weight: this.weight.shape },
      );
    }
  }

  /** The padding options, as the layer prints them (none when zero). */
  protected abstract paddingRepr(): string[];

  /** PyTorch's repr: channels, kernel, then every option that is not its default. */
  override extraRepr(): string {
    const parts = [
      `${this.inChannels}, ${this.outChannels}, kernelSize=${showSize(this.kernelSize)}`,
    ];
    if (this.stride.some((s) => s !== 1)) parts.push(`stride=${showSize(this.stride)}`);
    parts.push(...this.paddingRepr());
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${showSize(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push("bias=false");
    if (this.paddingMode !== "zeros") parts.push(`paddingMode=${this.paddingMode}`);
    return parts.join(", ");
  }
}

/** A convolution (not transposed): padding as a size or "same"/"valid". */
abstract class ConvForward extends ConvBase {
  /** Padding on both sides of each spatial axis, or "same" / "valid" as given. */
  readonly padding: readonly number[] | "same" | "valid";

  constructor(
    layer: string,
    spatial: number,
    inChannels: number,
    outChannels: number,
    kernelSize: Size,
    options: ConvLayerOptions,
  ) {
    checkOptions(layer, options, COMMON_OPTIONS);
    super(layer, spatial, false, inChannels, outChannels, kernelSize, options);
    const padding = options.padding ?? 0;
    if (padding === "same" || padding === "valid") {
      if (padding === "same" && this.stride.some((s) => s !== 1)) {
        throw new ValueError(
          layer,
          `padding "same" needs stride 1; got stride ${showSize(this.stride)}`,
          "pad explicitly for strided convolutions",
        );
      }
      this.padding = padding;
    } else {
      this.padding = perAxis(layer, "padding", padding as Size, spatial, 0);
    }
  }

  /** The layer's settings as the functional convolution takes them. */
  protected get convOptions() {
    return {
      /** As `stride`. */
      stride: this.stride,
      /** As `padding`. */
      padding: this.padding,
      /** As `dilation`. */
      dilation: this.dilation,
      /** As `groups`. */
      groups: this.groups,
      /** As `paddingMode`. */
      paddingMode: this.paddingMode,
    };
  }

  protected override paddingRepr(): string[] {
    const p = this.padding;
    if (typeof p === "string") return [`padding=${p}`];
    return p.some((v) => v !== 0) ? [`padding=${showSize(p)}`] : [];
  }
}

/**
 * A 1-D convolution layer (cross-correlation, as torch.nn.Conv1d): weight [out, in / groups, k]
 * and bias [out], with PyTorch's state-dict names, defaults and initialisation.
 * x: [N, C_in, L] or [C_in, L] → [N, C_out, L_out] or [C_out, L_out]
 * @example new Conv1d(16, 33, 3, { stride: 2 }).forward(randn([20, 16, 50])).shape // [20, 33, 24]
 */
export class Conv1d extends ConvForward {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size,
    options: ConvLayerOptions = {},
  ) {
    super("Conv1d", 1, inChannels, outChannels, kernelSize, options);
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    return conv1d(x, this.weight, this.bias, this.convOptions);
  }
}

/**
 * A 2-D convolution layer (cross-correlation, as torch.nn.Conv2d): weight
 * [out, in / groups, kh, kw] and bias [out], with PyTorch's state-dict names, defaults and
 * initialisation, so a PyTorch state dict loads unchanged.
 * x: [N, C_in, H, W] or [C_in, H, W] → [N, C_out, H_out, W_out] or [C_out, H_out, W_out]
 * @example new Conv2d(1, 32, 3).forward(randn([8, 1, 28, 28])).shape // [8, 32, 26, 26]
 */
export class Conv2d extends ConvForward {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size,
    options: ConvLayerOptions = {},
  ) {
    super("Conv2d", 2, inChannels, outChannels, kernelSize, options);
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    return conv2d(x, this.weight, this.bias, this.convOptions);
  }
}

/**
 * A 2-D transposed convolution layer (torch.nn.ConvTranspose2d; the gradient of a Conv2d with
 * respect to its input, often used to upsample): weight [in, out / groups, kh, kw] and bias
 * [out], with PyTorch's state-dict names, defaults and initialisation.
 * x: [N, C_in, H, W] or [C_in, H, W] → [N, C_out, H_out, W_out] with
 * H_out = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1
 * @example new ConvTranspose2d(16, 8, 2, { stride: 2 }).forward(randn([1, 16, 7, 7])).shape // [1, 8, 14, 14]
 */
export class ConvTranspose2d extends ConvBase {
  /** Trimmed from both sides of each output axis, as in PyTorch. */
  readonly padding: readonly number[];
  /** Added to one side of each output axis, to pick among output sizes a stride allows. */
  readonly outputPadding: readonly number[];

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Size,
    options: ConvTransposeLayerOptions = {},
  ) {
    checkOptions("ConvTranspose2d", options, [...COMMON_OPTIONS, "outputPadding"]);
    super("ConvTranspose2d", 2, true, inChannels, outChannels, kernelSize, options);
    this.padding = perAxis("ConvTranspose2d", "padding", options.padding ?? 0, 2, 0);
    this.outputPadding = perAxis(
      "ConvTranspose2d",
      "outputPadding",
      options.outputPadding ?? 0,
      2,
      0,
    );
    this.outputPadding.forEach((p, d) => {
      if (p >= this.stride[d]! && p >= this.dilation[d]!) {
        throw new ValueError(
          "ConvTranspose2d",
          `outputPadding must be smaller than stride or dilation; got outputPadding ${showSize(this.outputPadding)}, stride ${showSize(this.stride)} and dilation ${showSize(this.dilation)}`,
        );
      }
    });
  }

  /**
   * With `outputSize` ([H_out, W_out], or a whole shape whose last two entries are taken) the
   * output padding is chosen to reach it, as PyTorch's `forward(input, output_size)`: a
   * strided transposed convolution can produce several sizes, and this picks one.
   */
  override forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x);
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: outputSize ? this.#outputPaddingFor(x, outputSize) : this.outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }

  #outputPaddingFor(x: Tensor, outputSize: readonly number[]): number[] {
    const size =
      outputSize.length === 4 || outputSize.length === 3 ? outputSize.slice(-2) : outputSize;
    const spatial = x.shape.slice(-2);
    const smallest = spatial.map(
      (s, d) =>
        (s - 1) * this.stride[d]! -
        2 * this.padding[d]! +
        this.dilation[d]! * (this.kernelSize[d]! - 1) +
        1,
    );
    if (
      size.length !== 2 ||
      size.some(
        (s, d) => !Number.isInteger(s) || s < smallest[d]! || s >= smallest[d]! + this.stride[d]!,
      )
    ) {
      throw new ShapeError(
        "ConvTranspose2d",
        `outputSize must be 2 sizes between ${showSize(smallest)} and ${showSize(smallest.map((s, d) => s + this.stride[d]! - 1))}`,
        { x: x.shape, outputSize },
      );
    }
    return size.map((s, d) => s - smallest[d]!);
  }

  protected override paddingRepr(): string[] {
    const parts: string[] = [];
    if (this.padding.some((v) => v !== 0)) parts.push(`padding=${showSize(this.padding)}`);
    if (this.outputPadding.some((v) => v !== 0)) {
      parts.push(`outputPadding=${showSize(this.outputPadding)}`);
    }
    return parts;
  }
}
