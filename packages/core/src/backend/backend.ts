/**
 * The narrow interface every kernel implementation provides. Kernels read and write plain
 * typed arrays owned by JavaScript; shapes and strides arrive already checked by the ops,
 * so a kernel never validates and never allocates its output. A backend may implement a
 * kernel for some dtypes only and hand the rest to the reference backend.
 */
import type { TypedArray } from "../dtype.js";

/** out[i] = f(x[i]). `step` is the Heaviside step 1{x > 0}; `sign` is -1, 0 or 1. */
export type UnaryKernel =
  | "neg"
  | "exp"
  | "log"
  | "sqrt"
  | "abs"
  | "relu"
  | "sigmoid"
  | "tanh"
  | "sign"
  | "step"
  | "sin"
  | "cos"
  // Rounding: `round` is to nearest, ties to even (torch.round, wasm's `nearest`).
  | "floor"
  | "ceil"
  | "round"
  | "trunc"
  | "tan"
  | "asin"
  | "acos"
  | "atan"
  | "sinh"
  | "cosh"
  | "asinh"
  | "acosh"
  | "atanh"
  | "log2"
  | "log10"
  | "log1p"
  | "exp2"
  | "expm1"
  | "erf"
  | "erfc"
  | "erfinv"
  // GELU, x·Φ(x) = ½x(1 + erf(x/√2)): one pass where the composite took five.
  | "gelu";

/**
 * out = f(a, b) elementwise over a broadcast shape. Comparisons write 0 or 1. `reluGrad` is
 * ReLU's vector-Jacobian product, a where b > 0 and 0 elsewhere (a the gradient, b ReLU's
 * input), one pass instead of a comparison and a product; `geluGrad` is GELU's, a·(Φ(b) +
 * b·φ(b)), one pass instead of a dozen.
 */
export type BinaryKernel =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "maximum"
  | "minimum"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "reluGrad"
  | "geluGrad"
  | "atan2"
  // `remainder` takes the sign of b (Python's %), `fmod` the sign of a (C's fmod);
  // `floorDivide` is Python's float //, which stays consistent with `remainder`.
  | "remainder"
  | "fmod"
  | "floorDivide"
  | "copysign"
  | "hypot"
  | "logaddexp"
  // Logical ops read any nonzero (NaN included) as true and write 0 or 1.
  | "logicalAnd"
  | "logicalOr"
  | "logicalXor";

/** Reductions over a set of axes. `argmax`/`argmin` take exactly one axis. */
export type ReduceKernel = "sum" | "max" | "min" | "prod";

/**
 * Inclusive scans along one axis: running sum, product, maximum, minimum, or log Σ exp
 * (the log-add-exp of the running value and each element).
 */
export type ScanKernel = "sum" | "prod" | "max" | "min" | "logsumexp";

/**
 * How `scatterReduce` combines each scattered element with what its target holds: `assign`
 * overwrites (the last write in row-major order wins), the others reduce as PyTorch's
 * scatter_reduce does (`amax`/`amin` propagate NaN; `mean` divides by the count at the end,
 * with floor division for int32).
 */
export type ScatterReduceKernel = "assign" | "sum" | "prod" | "mean" | "amax" | "amin";

/** A strided view of an array: element (i0, i1, ...) lives at offset + Σ i_k·strides[k]. */
export interface StridedView<S = TypedArray> {
  /** The whole backing array; the view starts at `offset` within it. */
  readonly data: S;
  /** Index in `data` of the view's first element. */
  readonly offset: number;
  /** Elements to step in `data` per unit of each axis; 0 broadcasts that axis. */
  readonly strides: readonly number[];
}

/**
 * The geometry of a sliding window over the trailing (spatial) axes of x, viewed as the shape
 * `[planes, ...inShape]`: window position o (over `outShape`) with kernel offset k (over
 * `kernel`) reads, on each spatial axis d, x at i_d = stride_d·o_d + dilation_d·k_d − padding_d;
 * an i outside [0, inShape_d) reads as zero (im2col), or is skipped (pooling). Padding is on
 * the leading side only: the far side pads as far as `outShape` reaches.
 */
export interface WindowGeometry {
  /** Independent planes (batch × channels); each is windowed on its own. */
  readonly planes: number;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly padding: readonly number[];
}

/** The layout of a batched matrix product for the `matmul` kernel. */
export interface MatmulArgs {
  /** Number of matrix products; product p reads a at aOffsets[p] and b at bOffsets[p]. */
  readonly aOffsets: readonly number[];
  /** Where product p's b starts in the b array, as `aOffsets` for a. */
  readonly bOffsets: readonly number[];
  /** Rows of op(a) and of each output matrix. */
  readonly m: number;
  /** The contracted size: columns of op(a), rows of op(b). */
  readonly k: number;
  /** Columns of op(b) and of each output matrix. */
  readonly n: number;
  /** a is stored as [k, m] (row-major) and read transposed. */
  readonly transA: boolean;
  /** b is stored as [n, k] (row-major) and read transposed. */
  readonly transB: boolean;
  /**
   * When set, b holds image planes, and the matrix product p reads is their im2col: the
   * `bWindow.planes` planes that start at element bOffsets[p] give the columns
   * [planes·taps, positions] (see `im2col`), stored as [k, n], or as [n, k] with transB. A
   * convolution's product (W·im2col(x)) and its weight gradient (g·im2col(x)ᵀ); a backend may
   * read x through the window instead of materialising the columns, or compute the product
   * another way within float rounding (the WebAssembly backend's Winograd transforms for 3×3
   * windows of stride 1), as long as its result depends on the operands' shapes alone.
   */
  readonly bWindow?: WindowGeometry;
  /**
   * When set, out holds image planes and receives the col2im of the products rather than the
   * products: product p's [m, n] result, read as columns [planes·taps, positions], is added
   * into the `outWindow.planes` planes that start at element p·planes·inSize of out, which
   * start zeroed (see `col2im`). A convolution's input gradient, col2im(Wᵀ·g).
   */
  readonly outWindow?: WindowGeometry;
  /**
   * With a `bias` array passed to `matmul`: whether it holds one value per row of each
   * product ("rows", m values: a convolution's channels) or per column ("cols", n values: a
   * linear layer's features). Each output is the product plus its bias, rounded once more as
   * a separate addition would round it. Not with `outWindow`.
   */
  readonly biasAxis?: "rows" | "cols";
  /**
   * When set, each product is multiplied by `scale` (as a value of out's dtype) before any
   * bias is added, rounded once more as a separate multiplication would round it: attention's
   * scale·q·kᵀ without a pass over the scores. Not with `outWindow`.
   */
  readonly scale?: number;
}

/**
 * One SGD step's hyperparameters, as torch.optim.SGD takes them. `first` marks the step that
 * starts the momentum buffer (it is then set to the gradient rather than decayed).
 */
export interface SgdUpdate {
  /** Learning rate. */
  readonly lr: number;
  /** Momentum factor μ; 0 for plain SGD. */
  readonly momentum: number;
  /** Dampening of the gradient's share of the momentum buffer. */
  readonly dampening: number;
  /** L2 penalty λ, added to the gradient as λ·θ. */
  readonly weightDecay: number;
  /** Whether to take Nesterov momentum's look-ahead step. */
  readonly nesterov: boolean;
  /** Whether this is the buffer's first step, which sets it to the gradient. */
  readonly first: boolean;
}

/**
 * One Adam step's hyperparameters with the step's bias corrections folded in: `stepSize`
 * is lr / (1 − β1ᵗ) and `bias2Sqrt` is √(1 − β2ᵗ). `l2` is added to the gradient as l2·θ
 * (Adam's weight decay); `decay` multiplies θ before the step (AdamW's 1 − lr·λ; 1 for Adam).
 */
export interface AdamUpdate {
  /** lr / (1 − β1ᵗ): the learning rate with the first moment's bias correction. */
  readonly stepSize: number;
  /** Decay rate β1 of the first-moment (mean) estimate. */
  readonly beta1: number;
  /** Decay rate β2 of the second-moment estimate. */
  readonly beta2: number;
  /** √(1 − β2ᵗ), the second moment's bias correction. */
  readonly bias2Sqrt: number;
  /** ε added to the denominator for numerical stability. */
  readonly eps: number;
  /** Coupled weight decay: added to the gradient as l2·θ (0 for AdamW). */
  readonly l2: number;
  /** Decoupled weight decay factor multiplying θ first (1 − lr·λ for AdamW, 1 for Adam). */
  readonly decay: number;
}

/** One RMSprop step's hyperparameters, as torch.optim.RMSprop takes them. */
export interface RmspropUpdate {
  /** Learning rate. */
  readonly lr: number;
  /** Smoothing constant α of the squared-gradient average. */
  readonly alpha: number;
  /** ε added to the denominator for numerical stability. */
  readonly eps: number;
  /** L2 penalty λ, added to the gradient as λ·θ. */
  readonly weightDecay: number;
  /** Momentum factor μ; used only when a momentum buffer is passed. */
  readonly momentum: number;
}

/** One Adagrad step's hyperparameters, with the step's learning-rate decay folded into `lr`. */
export interface AdagradUpdate {
  /** Learning rate with this step's decay applied: lr / (1 + (t − 1)·lrDecay). */
  readonly lr: number;
  /** ε added to the denominator for numerical stability. */
  readonly eps: number;
  /** L2 penalty λ, added to the gradient as λ·θ. */
  readonly weightDecay: number;
}

/**
 * The sizes of an attention call: one product per position of `batchShape`, each of L queries
 * and S keys of size E, and values of size Ev. q, k, v and the output are contiguous
 * [...batchShape, L, E], [...batchShape, S, E], [...batchShape, S, Ev] and [...batchShape, L,
 * Ev] (or with the heads after the sequence: `sequenceFirst`); the weights [...batchShape, L, S].
 */
export interface AttentionArgs {
  /** The batch dimensions: one product per position. */
  readonly batchShape: readonly number[];
  /** Queries per product. */
  readonly l: number;
  /** Keys (and values) per product. */
  readonly s: number;
  /** Size of a query and a key. */
  readonly e: number;
  /** Size of a value. */
  readonly ev: number;
  /** Multiplies the scores q·kᵀ, as `MatmulArgs.scale` does. */
  readonly scale: number;
  /**
   * The mask is the causal one: −∞ exactly where key j > query i, 0 elsewhere (and the
   * weights passed backward are the forward's). A backend may then skip the scores and terms
   * the mask excludes, as long as the bits stay those of the full composition. Default false.
   */
  readonly causal?: boolean;
  /**
   * q, k, v, out and their gradients have the sequence before the heads: the batch shape's
   * last dimension H is the heads, and q is [...batch, L, H, E] (k [..., S, H, E], and so on)
   * rather than [...batch, H, L, E], the layout of a linear layer's output reshaped to heads.
   * The weights stay [...batchShape, L, S], and the mask a view over them. Default false.
   */
  readonly sequenceFirst?: boolean;
  /**
   * With `sequenceFirst`: q, k and v are the three parts of one array [...batch, L, 3, H, E]
   * (a projection's output, each position's query, key and value side by side; L = S and
   * E = Ev), passed as each of q, k and v, and dq, dk and dv are likewise one array of that
   * shape, passed as each of them (all three, or none). Default false.
   */
  readonly packed?: boolean;
}

/**
 * A set of kernels over typed arrays: the only code that loops over tensor data. Register one
 * with `registerBackend` and select it with `setBackend`.
 *
 * `S` is the storage the kernels read and write: typed arrays on the CPU, device buffers on a
 * GPU; `I` is the storage of int32 indices (Int32Array on the CPU).
 */
export interface Backend<S = TypedArray, I = Int32Array> {
  /** The name it is registered under, as `setBackend` takes it. */
  readonly name: string;

  /** out[i] = op(x[i]) for every element; `x` and `out` have the same length. */
  unary(op: UnaryKernel, x: S, out: S): void;

  /**
   * out (contiguous, shape `shape`) = a ∘ b, where a and b are read through strides over
   * `shape` (stride 0 on broadcast dimensions). On the CPU, `out` may be a's own array when a
   * is read contiguously (each element is read before it is written): an op may then update
   * an intermediate it alone holds. A device backend's `out` is never an input.
   */
  binary(
    op: BinaryKernel,
    a: StridedView<S>,
    b: StridedView<S>,
    out: S,
    shape: readonly number[],
  ): void;

  /** out = cond ? a : b, all three read through strides over `shape`. */
  where(
    cond: StridedView<S>,
    a: StridedView<S>,
    b: StridedView<S>,
    out: S,
    shape: readonly number[],
  ): void;

  /** Reduces `x` of `shape` over the sorted `axes`; out holds the kept dimensions in order. */
  reduce(op: ReduceKernel, x: S, shape: readonly number[], axes: readonly number[], out: S): void;

  /**
   * out[o, j, i] = x[o, 0, i] ⊕ … ⊕ x[o, j, i] for x and out viewed as [outer, axisLen,
   * inner], accumulated in float64 and rounded to out's dtype at each write. For max and min,
   * `indices` (given or null) receives the position of each running extreme: ties pick the
   * later element, and a NaN, once seen, stays (PyTorch's cummax and cummin).
   */
  scan(
    op: ScanKernel,
    x: S,
    outer: number,
    axisLen: number,
    inner: number,
    out: S,
    indices: I | null,
  ): void;

  /** Index of the largest (smallest) element along `axis`; ties pick the first. */
  argReduce(op: "argmax" | "argmin", x: S, shape: readonly number[], axis: number, out: I): void;

  /**
   * out[p] (contiguous [m, n]) = op(a[p]) · op(b[p]) for each product p, plus `bias` along
   * `args.biasAxis` when given; with `bWindow` or `outWindow` set, op(b[p]) is an im2col of b
   * and out the col2im of the products (see `MatmulArgs`).
   */
  matmul(a: S, b: S, out: S, args: MatmulArgs, bias?: S): void;

  /** Copies the view `src` of shape `shape` into the view `dst` (also used to cast). */
  copy(src: StridedView<S>, dst: StridedView<S>, shape: readonly number[]): void;

  /**
   * Softmax (or log-softmax) of each contiguous row of length `cols`:
   * out[r, j] = exp(x[r, j] - max_r) / Σ_j exp(x[r, j] - max_r). On the CPU, `out` may be
   * `x` (as for `binary`).
   */
  softmax(x: S, rows: number, cols: number, out: S, log: boolean): void;

  /**
   * The vector-Jacobian product of `softmax` for each contiguous row of length `cols`, from
   * the forward's output y and the gradient dy of that output: out = y ⊙ (dy − Σ_j dy_j·y_j),
   * or, with `log` (y a log-softmax), out = dy − exp(y)·Σ_j dy_j. The CPU kernels sum in
   * float64 and round each output once. On the CPU, `out` may be `dy` (each row reads its
   * dy before writing it).
   */
  softmaxBackward(y: S, dy: S, rows: number, cols: number, out: S, log: boolean): void;

  /**
   * Scaled dot-product attention over the products of `args.batchShape`, computed as this
   * composition of the kernels above, whose bits it gives: scores = `matmul`(q, kᵀ, scale);
   * plus, where given, the additive `mask`, a view over [...batchShape, L, S] whose rows are
   * contiguous (last two strides [S, 1]; batch strides 0 where it broadcasts); `weights` = the
   * softmax of each row of scores, or zeros in a row whose maximum is −∞ (a query with no key
   * to attend to); out = `matmul`(weights, v). A backend may run the steps per product, on
   * any threads, without the scores leaving its memory.
   */
  attention(
    q: S,
    k: S,
    v: S,
    mask: StridedView<S> | null,
    out: S,
    weights: S,
    args: AttentionArgs,
  ): void;

  /**
   * The gradients of `attention` from that of its output, g, and its `weights`, as this
   * composition: dv = `matmul`(weightsᵀ, g); dS = `softmaxBackward`(weights, `matmul`(g,
   * vᵀ)); dq = `matmul`(dS, k, scale); dk = `matmul`(dSᵀ, q, scale). Each of dq, dk and dv
   * that is null is not computed.
   */
  attentionBackward(
    q: S,
    k: S,
    v: S,
    weights: S,
    g: S,
    dq: S | null,
    dk: S | null,
    dv: S | null,
    args: AttentionArgs,
  ): void;

  /**
   * Layer normalisation of each contiguous row of length `cols`: xhat[r, j] = (x[r, j] −
   * mean_r)·rstd[r], rstd[r] = 1/√(var_r + eps) (the biased variance), and out[r, j] =
   * xhat[r, j]·weight[j] + bias[j], each of `weight` and `bias` (length `cols`) where given
   * (out is xhat's value without both). The CPU kernels sum in float64 and round each output
   * once.
   */
  layerNorm(
    x: S,
    rows: number,
    cols: number,
    weight: S | null,
    bias: S | null,
    eps: number,
    out: S,
    xhat: S,
    rstd: S,
  ): void;

  /**
   * The input gradient of `layerNorm` from the output's gradient g, with ĝ = g·weight (or g):
   * dx[r, j] = rstd[r]·(ĝ[r, j] − mean_j ĝ[r, ·] − xhat[r, j]·mean_j (ĝ·xhat)[r, ·]).
   */
  layerNormBackward(
    g: S,
    xhat: S,
    rstd: S,
    weight: S | null,
    rows: number,
    cols: number,
    dx: S,
  ): void;

  /**
   * out[o, j, i] = x[o, index[o, j, i], i] for x viewed as [outer, axisLen, inner] and index
   * and out as [outer, indexLen, inner]. Indices are already checked to be in range.
   */
  gather(
    x: S,
    index: I,
    out: S,
    outer: number,
    axisLen: number,
    indexLen: number,
    inner: number,
  ): void;

  /** The transpose of gather: out[o, index[o, j, i], i] += g[o, j, i]. `out` starts zeroed. */
  scatterAdd(
    g: S,
    index: I,
    out: S,
    outer: number,
    axisLen: number,
    indexLen: number,
    inner: number,
  ): void;

  /**
   * im2col: cols (contiguous [planes, ...kernel, ...outShape]) gets, at [p, k, o], x[p, i] at
   * i = stride·o + dilation·k − padding, or 0 where i is outside x (see `WindowGeometry`).
   */
  im2col(x: S, cols: S, w: WindowGeometry): void;

  /**
   * col2im, the adjoint of im2col: x[p, i] += cols[p, k, o] at i = stride·o + dilation·k −
   * padding, for every i inside x. `x` starts zeroed.
   */
  col2im(cols: S, x: S, w: WindowGeometry): void;

  /**
   * Max pooling: out[p, o] (contiguous [planes, ...outShape]) = the largest x[p, i] over the
   * window's positions inside x, and `indices` its flat position i within the plane (the first
   * of equal values; a NaN wins, the last one seen, as in PyTorch). A window with no position
   * inside x writes −Infinity and index −1.
   */
  windowMax(x: S, out: S, indices: I, w: WindowGeometry): void;

  /** out[p, o] = Σ x[p, i] over the window's positions inside x (sum pooling; 0 if none). */
  windowSum(x: S, out: S, w: WindowGeometry): void;

  /**
   * Sorts each line of x viewed as [outer, axisLen, inner] along its middle axis, ascending or
   * descending, writing the sorted values and their positions along the axis (both of x's
   * layout). NaN sorts as larger than every number, −0 equals 0, and the sort is always
   * stable (equal elements keep their order), which satisfies `stable` either way.
   */
  sort(
    x: S,
    outer: number,
    axisLen: number,
    inner: number,
    values: S,
    indices: I,
    descending: boolean,
    stable: boolean,
  ): void;

  /**
   * For each element m of the index space `shape` (rank ≥ 1), in row-major order:
   * out[t] = op(out[t], src[m]) at t = Σ_{d ≠ axis} m_d·outStrides[d] + index[m]·outStrides[axis].
   * `out` holds the input on entry. Without `includeSelf` each target is first reset to the
   * reduction's identity (ignored by `assign`). src and index (int32 data, already checked
   * to be in range) are read through their strides.
   */
  scatterReduce(
    op: ScatterReduceKernel,
    src: StridedView<S>,
    index: StridedView<S>,
    out: S,
    outStrides: readonly number[],
    shape: readonly number[],
    axis: number,
    includeSelf: boolean,
  ): void;

  /**
   * One SGD step in place, elementwise: d = g + λ·θ; with momentum μ, buf = d on the first
   * step and μ·buf + (1 − dampening)·d after, and d = d + μ·buf (Nesterov) or buf; then
   * θ = θ − lr·d. `momentumBuffer` is null without momentum. All arrays share one float
   * dtype and length; float32 parameters are updated in float32 arithmetic, as in PyTorch.
   */
  sgdUpdate(param: S, grad: S, momentumBuffer: S | null, h: SgdUpdate): void;

  /**
   * One Adam step in place, elementwise: θ = decay·θ; d = g + l2·θ; m = β1·m + (1 − β1)·d;
   * v = β2·v + (1 − β2)·d·d; v̂ = max(vMax, v) with AMSGrad (stored back in `maxExpAvgSq`,
   * else null) or v; θ = θ − stepSize·m / (√v̂ / bias2Sqrt + ε). Dtypes as for sgdUpdate.
   */
  adamUpdate(param: S, grad: S, expAvg: S, expAvgSq: S, maxExpAvgSq: S | null, h: AdamUpdate): void;

  /**
   * One RMSprop step in place, elementwise: d = g + λ·θ; v = α·v + (1 − α)·d·d; centered
   * (`gradAvg` given, else null): ḡ = α·ḡ + (1 − α)·d and s = √(v − ḡ·ḡ) + ε, else
   * s = √v + ε; with momentum (`momentumBuffer` given), buf = μ·buf + d/s and θ = θ − lr·buf,
   * else θ = θ − lr·(d/s). Dtypes as for sgdUpdate.
   */
  rmspropUpdate(
    param: S,
    grad: S,
    squareAvg: S,
    gradAvg: S | null,
    momentumBuffer: S | null,
    h: RmspropUpdate,
  ): void;

  /**
   * One Adagrad step in place, elementwise: d = g + λ·θ; s = s + d·d; θ = θ − lr·d/(√s + ε).
   * Dtypes as for sgdUpdate.
   */
  adagradUpdate(param: S, grad: S, sum: S, h: AdagradUpdate): void;
}
