/// <reference types="@webgpu/types" />
/**
 * The WebGPU kernels: every `Backend` kernel as a WGSL compute shader over `GpuArray`s, run
 * where the device is (the device host owns the `GPUDevice`; ops reach these through it).
 *
 * Work is recorded into one command encoder and submitted lazily: on `read` and `flush`, or
 * once a batch holds enough dispatches to bound the memory it pins. Everything a kernel does
 * — zero-filling a fresh array, uploading data, dispatching — is recorded in that encoder, so
 * it all runs in call order on the queue timeline. That is what makes the buffer pool safe: a
 * released buffer may be handed out again while recorded work still references it, because
 * the new owner's commands come after in the same queue.
 *
 * Parameters (sizes, strides, element offsets) travel in a uniform block per dispatch, carved
 * from a per-batch arena that is written once just before the batch is submitted. Pipelines
 * are cached by their generated source's key. Buffers are bound whole and element offsets
 * added in the shader, since binding offsets must be 256-byte aligned.
 */

import type { TypedArray } from "../../dtype.js";
import { ValueError } from "../../errors.js";
import type {
  AdagradUpdate,
  AdamUpdate,
  AttentionArgs,
  Backend,
  BinaryKernel,
  MatmulArgs,
  ReduceKernel,
  RmspropUpdate,
  ScanKernel,
  ScatterReduceKernel,
  SgdUpdate,
  StridedView,
  UnaryKernel,
  WindowGeometry,
} from "../backend.js";
import { composedAttention, composedAttentionBackward } from "../composed-attention.js";
import {
  checkMatmulBias,
  checkMatmulScale,
  type Scratch,
  windowedMatmul,
} from "../windowed-matmul.js";
import type { GpuArray, GpuDType } from "./gpu-array.js";
import { customKernel } from "./kernels/custom.js";
import { binary, copy, unary, where } from "./kernels/elementwise.js";
import type { Grid, KernelHost, Params, Program } from "./kernels/host.js";
import { gather, scatterAdd, scatterReduce, sort } from "./kernels/indexing.js";
import { matmul } from "./kernels/matmul.js";
import { adagradUpdate, adamUpdate, rmspropUpdate, sgdUpdate } from "./kernels/optimizers.js";
import {
  argReduce,
  layerNorm,
  layerNormBackward,
  reduce,
  scan,
  softmax,
  softmaxBackward,
} from "./kernels/reduction.js";
import { col2im, im2col, windowMax, windowSum } from "./kernels/window.js";
import { MAX_GROUPS_PER_DIMENSION } from "./wgsl/prelude.js";

// WebGPU's flag values, as numbers: the GPUBufferUsage and GPUMapMode globals exist only where
// WebGPU does, and importing this module must not fail elsewhere.
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const UNIFORM = 0x40;
const STORAGE = 0x80;
const SHADER_COMPUTE = 0x4;
const MAP_MODE_READ = 0x1;

/** Uniform blocks are bound at offsets that are multiples of this (WebGPU's default limit). */
const UNIFORM_ALIGN = 256;
/** Bytes of one batch's uniform arena: at least 256 dispatches per submission. */
const ARENA_BYTES = 1 << 16;
/** Dispatches after which a batch is submitted anyway, bounding what it keeps alive. */
const MAX_DISPATCHES_PER_BATCH = 256;
/** The smallest pooled buffer, in bytes. */
const MIN_BUFFER_BYTES = 256;

/** One submission's worth of recorded work and what it holds until the GPU is done. */
interface Batch {
  encoder: GPUCommandEncoder;
  arena: GPUBuffer;
  mirror: ArrayBuffer;
  used: number;
  dispatches: number;
  /** Buffers to destroy once the batch has run: uploads and staging copies. */
  transient: GPUBuffer[];
  /** Pooled arrays to release after the batch's commands are recorded (alias copies). */
}

/**
 * Every `Backend` kernel on a WebGPU device, over `GpuArray` storage (float32, int32 and bool
 * as u32). Construct it with the device; it owns a buffer pool and a pipeline cache.
 */
export class WebGpuKernels implements Backend<GpuArray, GpuArray> {
  readonly name = "webgpu";
  readonly #device: GPUDevice;
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #layouts = new Map<string, GPUBindGroupLayout>();
  /** Free buffers by size in bytes. */
  readonly #free = new Map<number, GPUBuffer[]>();
  /** Every buffer the pool made, with its bucket size; and which of them are free. */
  readonly #owned = new WeakMap<GPUBuffer, number>();
  readonly #isFree = new WeakSet<GPUBuffer>();
  readonly #arenas: GPUBuffer[] = [];
  readonly #host: KernelHost;
  #batch: Batch | null = null;

  constructor(device: GPUDevice) {
    this.#device = device;
    this.#host = {
      run: (program, buffers, params, grid) => this.#run(program, buffers, params, grid),
      allocate: (dtype, length) => this.allocate(dtype, length),
      release: (array) => this.release(array),
      upload: (data) => this.#upload(data),
    };
  }

  /** A zero-filled array of `length` elements, from the pool when a free buffer fits. */
  allocate(dtype: GpuDType, length: number): GpuArray {
    const bytes = bucketBytes(length);
    const bucket = this.#free.get(bytes);
    let buffer = bucket?.pop();
    if (buffer) {
      this.#isFree.delete(buffer);
      // Cleared in the encoder, so in order with the work of its previous owner.
      if (length > 0) this.#encoder().clearBuffer(buffer, 0, length * 4);
    } else {
      buffer = this.#device.createBuffer({ size: bytes, usage: STORAGE | COPY_SRC | COPY_DST });
      this.#owned.set(buffer, bytes);
    }
    return { buffer, offset: 0, length, dtype };
  }

  /** Returns an array's buffer to the pool; recorded work that still reads it is unaffected. */
  release(array: GpuArray): void {
    const bytes = this.#owned.get(array.buffer);
    if (bytes === undefined) return;
    if (this.#isFree.has(array.buffer)) {
      throw new ValueError("release", "buffer released twice", "release each array once");
    }
    this.#isFree.add(array.buffer);
    let bucket = this.#free.get(bytes);
    if (!bucket) {
      bucket = [];
      this.#free.set(bytes, bucket);
    }
    bucket.push(array.buffer);
  }

  /** Uploads `data` into `array`, in order with the work recorded before it. */
  write(array: GpuArray, data: TypedArray): void {
    if (data.length !== array.length) {
      throw new ValueError(
        "write",
        `data of ${data.length} elements for an array of ${array.length}`,
      );
    }
    if (array.length === 0) return;
    const bytes = array.length * 4;
    const staging = this.#device.createBuffer({
      size: bytes,
      usage: COPY_SRC,
      mappedAtCreation: true,
    });
    const mapped = staging.getMappedRange();
    if (array.dtype === "float32") new Float32Array(mapped).set(data);
    else if (array.dtype === "int32") new Int32Array(mapped).set(data);
    else new Uint32Array(mapped).set(data);
    staging.unmap();
    const batch = this.#current();
    batch.encoder.copyBufferToBuffer(staging, 0, array.buffer, array.offset * 4, bytes);
    batch.transient.push(staging);
  }

  /** The array's elements, once all work recorded before this call has run. */
  async read(array: GpuArray): Promise<TypedArray> {
    const bytes = array.length * 4;
    if (bytes === 0) {
      this.flush();
      return typedArrayOf(array.dtype, new ArrayBuffer(0));
    }
    const staging = this.#device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
    this.#encoder().copyBufferToBuffer(array.buffer, array.offset * 4, staging, 0, bytes);
    this.flush();
    await staging.mapAsync(MAP_MODE_READ);
    const copyOut = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    if (array.dtype === "bool") return Uint8Array.from(new Uint32Array(copyOut));
    return typedArrayOf(array.dtype, copyOut);
  }

  /** Submits the work recorded so far. */
  flush(): void {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = null;
    const queue = this.#device.queue;
    // Written on the queue timeline before the commands that read it.
    if (batch.used > 0) queue.writeBuffer(batch.arena, 0, batch.mirror, 0, batch.used);
    queue.submit([batch.encoder.finish()]);
    const { arena, transient } = batch;
    queue.onSubmittedWorkDone().then(
      () => {
        this.#arenas.push(arena);
        for (const buffer of transient) buffer.destroy();
      },
      () => {},
    );
  }

  /** A user's kernel (`defineKernel`): `wgsl` defines `fn compute(i: u32)` for out[i]. */
  custom(name: string, wgsl: string, inputs: readonly GpuArray[], out: GpuArray): void {
    customKernel(this.#host, name, wgsl, inputs, out);
  }

  unary(op: UnaryKernel, x: GpuArray, out: GpuArray): void {
    unary(this.#host, op, x, out);
  }

  binary(
    op: BinaryKernel,
    a: StridedView<GpuArray>,
    b: StridedView<GpuArray>,
    out: GpuArray,
    shape: readonly number[],
  ): void {
    binary(this.#host, op, a, b, out, shape);
  }

  where(
    cond: StridedView<GpuArray>,
    a: StridedView<GpuArray>,
    b: StridedView<GpuArray>,
    out: GpuArray,
    shape: readonly number[],
  ): void {
    where(this.#host, cond, a, b, out, shape);
  }

  reduce(
    op: ReduceKernel,
    x: GpuArray,
    shape: readonly number[],
    axes: readonly number[],
    out: GpuArray,
  ): void {
    reduce(this.#host, op, x, shape, axes, out);
  }

  scan(
    op: ScanKernel,
    x: GpuArray,
    outer: number,
    axisLen: number,
    inner: number,
    out: GpuArray,
    indices: GpuArray | null,
  ): void {
    scan(this.#host, op, x, outer, axisLen, inner, out, indices);
  }

  argReduce(
    op: "argmax" | "argmin",
    x: GpuArray,
    shape: readonly number[],
    axis: number,
    out: GpuArray,
  ): void {
    argReduce(this.#host, op, x, shape, axis, out);
  }

  matmul(a: GpuArray, b: GpuArray, out: GpuArray, args: MatmulArgs, bias?: GpuArray): void {
    checkMatmulScale(args);
    if (bias) checkMatmulBias(args, bias.length);
    if (!args.bWindow && !args.outWindow) {
      matmul(this.#host, a, b, out, args);
      if (bias) this.#addBias(out, args, bias);
      return;
    }
    // The columns live in pooled scratch arrays between the im2col, the product and the
    // col2im: on the device nothing is copied, so this costs only the columns' memory.
    windowedMatmul(this, this.#scratch(), a, b, out, args);
    if (bias) this.#addBias(out, args, bias);
  }

  /** out += bias along `args.biasAxis`, in place: one more pass, which on the device is cheap. */
  #addBias(out: GpuArray, args: MatmulArgs, bias: GpuArray): void {
    const { m, n } = args;
    const shape = [args.aOffsets.length, m, n];
    const strides = args.biasAxis === "rows" ? [0, 1, 0] : [0, 0, 1];
    const sums = { data: out, offset: 0, strides: [m * n, n, 1] };
    binary(this.#host, "add", sums, { data: bias, offset: 0, strides }, out, shape);
  }

  copy(src: StridedView<GpuArray>, dst: StridedView<GpuArray>, shape: readonly number[]): void {
    copy(this.#host, src, dst, shape);
  }

  attention(
    q: GpuArray,
    k: GpuArray,
    v: GpuArray,
    mask: StridedView<GpuArray> | null,
    out: GpuArray,
    weights: GpuArray,
    args: AttentionArgs,
  ): void {
    const scratch = this.#scratch();
    const safeSoftmax = (scores: GpuArray, into: GpuArray, rows: number, cols: number) =>
      this.#safeSoftmax(scores, into, rows, cols);
    composedAttention(this, scratch, safeSoftmax, [q, k, v], mask, out, weights, args);
  }

  attentionBackward(
    q: GpuArray,
    k: GpuArray,
    v: GpuArray,
    weights: GpuArray,
    g: GpuArray,
    dq: GpuArray | null,
    dk: GpuArray | null,
    dv: GpuArray | null,
    args: AttentionArgs,
  ): void {
    composedAttentionBackward(this, this.#scratch(), [q, k, v], weights, g, [dq, dk, dv], args);
  }

  /** Pooled arrays of the device as `Scratch` for the compositions over this backend's kernels. */
  #scratch(): Scratch<GpuArray> {
    const host = this.#host;
    return {
      allocate: (like, length) => host.allocate(like.dtype, length),
      slice: (array, start, length) => ({ ...array, offset: array.offset + start, length }),
      release: (array) => host.release(array),
    };
  }

  /**
   * The softmax of each row, then zeros where a row's maximum is −∞: three more small passes
   * (the rows' maxima, which are −∞, and a select), cheap beside the products on a device.
   */
  #safeSoftmax(scores: GpuArray, weights: GpuArray, rows: number, cols: number): void {
    const host = this.#host;
    const softmaxed = host.allocate("float32", rows * cols);
    softmax(host, scores, rows, cols, softmaxed, false);
    const maxima = host.allocate("float32", rows);
    reduce(host, "max", scores, [rows, cols], [1], maxima);
    // −∞'s bits, and a zero (pooled arrays start zeroed).
    const minusInfinity: GpuArray = {
      buffer: host.upload(new Int32Array([0xff800000 | 0])),
      offset: 0,
      length: 1,
      dtype: "float32",
    };
    const zero = host.allocate("float32", 1);
    const empty = host.allocate("bool", rows);
    const row = (data: GpuArray) => ({ data, offset: 0, strides: [1] });
    const constant = (data: GpuArray) => ({ data, offset: 0, strides: [0] });
    binary(host, "eq", row(maxima), constant(minusInfinity), empty, [rows]);
    where(
      host,
      { data: empty, offset: 0, strides: [1, 0] },
      { data: zero, offset: 0, strides: [0, 0] },
      { data: softmaxed, offset: 0, strides: [cols, 1] },
      weights,
      [rows, cols],
    );
    for (const array of [softmaxed, maxima, zero, empty]) host.release(array);
  }

  softmax(x: GpuArray, rows: number, cols: number, out: GpuArray, log: boolean): void {
    softmax(this.#host, x, rows, cols, out, log);
  }

  softmaxBackward(
    y: GpuArray,
    dy: GpuArray,
    rows: number,
    cols: number,
    out: GpuArray,
    log: boolean,
  ): void {
    softmaxBackward(this.#host, y, dy, rows, cols, out, log);
  }

  layerNorm(
    x: GpuArray,
    rows: number,
    cols: number,
    weight: GpuArray | null,
    bias: GpuArray | null,
    eps: number,
    out: GpuArray,
    xhat: GpuArray,
    rstd: GpuArray,
  ): void {
    layerNorm(this.#host, x, rows, cols, weight, bias, eps, out, xhat, rstd);
  }

  layerNormBackward(
    g: GpuArray,
    xhat: GpuArray,
    rstd: GpuArray,
    weight: GpuArray | null,
    rows: number,
    cols: number,
    dx: GpuArray,
  ): void {
    layerNormBackward(this.#host, g, xhat, rstd, weight, rows, cols, dx);
  }

  gather(
    x: GpuArray,
    index: GpuArray,
    out: GpuArray,
    outer: number,
    axisLen: number,
    indexLen: number,
    inner: number,
  ): void {
    gather(this.#host, x, index, out, outer, axisLen, indexLen, inner);
  }

  scatterAdd(
    g: GpuArray,
    index: GpuArray,
    out: GpuArray,
    outer: number,
    axisLen: number,
    indexLen: number,
    inner: number,
  ): void {
    scatterAdd(this.#host, g, index, out, outer, axisLen, indexLen, inner);
  }

  im2col(x: GpuArray, cols: GpuArray, w: WindowGeometry): void {
    im2col(this.#host, x, cols, w);
  }

  col2im(cols: GpuArray, x: GpuArray, w: WindowGeometry): void {
    col2im(this.#host, cols, x, w);
  }

  windowMax(x: GpuArray, out: GpuArray, indices: GpuArray, w: WindowGeometry): void {
    windowMax(this.#host, x, out, indices, w);
  }

  windowSum(x: GpuArray, out: GpuArray, w: WindowGeometry): void {
    windowSum(this.#host, x, out, w);
  }

  sort(
    x: GpuArray,
    outer: number,
    axisLen: number,
    inner: number,
    values: GpuArray,
    indices: GpuArray,
    descending: boolean,
    _stable: boolean,
  ): void {
    sort(this.#host, x, outer, axisLen, inner, values, indices, descending);
  }

  scatterReduce(
    op: ScatterReduceKernel,
    src: StridedView<GpuArray>,
    index: StridedView<GpuArray>,
    out: GpuArray,
    outStrides: readonly number[],
    shape: readonly number[],
    axis: number,
    includeSelf: boolean,
  ): void {
    scatterReduce(this.#host, op, src, index, out, outStrides, shape, axis, includeSelf);
  }

  sgdUpdate(param: GpuArray, grad: GpuArray, momentumBuffer: GpuArray | null, h: SgdUpdate): void {
    sgdUpdate(this.#host, param, grad, momentumBuffer, h);
  }

  adamUpdate(
    param: GpuArray,
    grad: GpuArray,
    expAvg: GpuArray,
    expAvgSq: GpuArray,
    maxExpAvgSq: GpuArray | null,
    h: AdamUpdate,
  ): void {
    adamUpdate(this.#host, param, grad, expAvg, expAvgSq, maxExpAvgSq, h);
  }

  rmspropUpdate(
    param: GpuArray,
    grad: GpuArray,
    squareAvg: GpuArray,
    gradAvg: GpuArray | null,
    momentumBuffer: GpuArray | null,
    h: RmspropUpdate,
  ): void {
    rmspropUpdate(this.#host, param, grad, squareAvg, gradAvg, momentumBuffer, h);
  }

  adagradUpdate(param: GpuArray, grad: GpuArray, sum: GpuArray, h: AdagradUpdate): void {
    adagradUpdate(this.#host, param, grad, sum, h);
  }

  /** The batch being recorded, started if there is none. */
  #current(): Batch {
    if (this.#batch) return this.#batch;
    const arena =
      this.#arenas.pop() ??
      this.#device.createBuffer({ size: ARENA_BYTES, usage: UNIFORM | COPY_DST });
    this.#batch = {
      encoder: this.#device.createCommandEncoder(),
      arena,
      mirror: new ArrayBuffer(ARENA_BYTES),
      used: 0,
      dispatches: 0,
      transient: [],
    };
    return this.#batch;
  }

  #encoder(): GPUCommandEncoder {
    return this.#current().encoder;
  }

  #upload(data: Int32Array): GPUBuffer {
    const buffer = this.#device.createBuffer({
      size: Math.max(4, data.byteLength),
      usage: STORAGE,
      mappedAtCreation: true,
    });
    new Int32Array(buffer.getMappedRange()).set(data);
    buffer.unmap();
    this.#current().transient.push(buffer);
    return buffer;
  }

  #pipeline(program: Program): GPUComputePipeline {
    let pipeline = this.#pipelines.get(program.key);
    if (pipeline) return pipeline;
    const signature = program.bindings.map((b) => b.access).join(",");
    let layout = this.#layouts.get(signature);
    if (!layout) {
      layout = this.#device.createBindGroupLayout({
        entries: [
          { binding: 0, visibility: SHADER_COMPUTE, buffer: { type: "uniform" } },
          ...program.bindings.map((b, i) => ({
            binding: i + 1,
            visibility: SHADER_COMPUTE,
            buffer: {
              type: b.access === "read" ? ("read-only-storage" as const) : ("storage" as const),
            },
          })),
        ],
      });
      this.#layouts.set(signature, layout);
    }
    const module = this.#device.createShaderModule({ code: program.source() });
    pipeline = this.#device.createComputePipeline({
      layout: this.#device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: "main" },
    });
    this.#pipelines.set(program.key, pipeline);
    return pipeline;
  }

  #run(program: Program, buffers: readonly GPUBuffer[], params: Params, grid: Grid): void {
    if (grid.groups === 0 || grid.batches === 0) return;
    const pipeline = this.#pipeline(program);
    const paramBytes = Math.max(1, Math.ceil(params.words.length / 4)) * 16;
    let batch = this.#current();
    if (batch.used + paramBytes > ARENA_BYTES || batch.dispatches >= MAX_DISPATCHES_PER_BATCH) {
      this.flush();
      batch = this.#current();
    }
    const offset = batch.used;
    new Uint32Array(batch.mirror, offset, params.words.length).set(params.words);
    batch.used = offset + Math.ceil(paramBytes / UNIFORM_ALIGN) * UNIFORM_ALIGN;
    batch.dispatches++;

    // A buffer written by the dispatch may not also be bound for reading: such an input is
    // read from a copy taken first (in order), which is also what the kernels' definitions
    // mean when an output overlaps an input.
    const bound = buffers.slice();
    const copies: GpuArray[] = [];
    program.bindings.forEach((binding, i) => {
      if (binding.access !== "read") return;
      const written = program.bindings.some(
        (other, j) => other.access === "read_write" && buffers[j] === buffers[i],
      );
      if (!written) return;
      const source = buffers[i]!;
      const temp = this.allocate("int32", source.size / 4);
      batch.encoder.copyBufferToBuffer(source, 0, temp.buffer, 0, source.size);
      copies.push(temp);
      bound[i] = temp.buffer;
    });
    program.bindings.forEach((binding, i) => {
      if (binding.access !== "read_write") return;
      if (
        program.bindings.some(
          (other, j) => j !== i && other.access === "read_write" && buffers[j] === buffers[i],
        )
      ) {
        throw new ValueError(program.key.split(":")[0]!, "two outputs share one GPU buffer");
      }
    });

    const bindGroup = this.#device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: batch.arena, offset, size: paramBytes } },
        ...bound.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
      ],
    });
    const pass = batch.encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const x = Math.min(grid.groups, MAX_GROUPS_PER_DIMENSION);
    const y = Math.ceil(grid.groups / x);
    if (y > MAX_GROUPS_PER_DIMENSION) {
      throw new ValueError(program.key.split(":")[0]!, `too many workgroups (${grid.groups})`);
    }
    pass.dispatchWorkgroups(x, y, grid.batches ?? 1);
    pass.end();
    for (const temp of copies) this.release(temp);
  }
}

/** The pool's bucket for `length` elements: a power of two of bytes, at least 256. */
function bucketBytes(length: number): number {
  const bytes = Math.max(MIN_BUFFER_BYTES, length * 4);
  return 2 ** Math.ceil(Math.log2(bytes));
}

function typedArrayOf(dtype: GpuDType, buffer: ArrayBuffer): TypedArray {
  if (dtype === "float32") return new Float32Array(buffer);
  if (dtype === "int32") return new Int32Array(buffer);
  return new Uint8Array(buffer);
}
