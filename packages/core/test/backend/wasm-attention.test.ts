/**
 * The WebAssembly backend's attention kernels against the composition of its own kernels
 * that `Backend.attention` and `attentionBackward` are defined by (the reference backend and
 * the WebGPU backend compute exactly that composition): the same bits, on odd sizes, depths
 * past one packing slice, shared, per-product and head-broadcast masks, rows with no key,
 * every subset of gradients, and on one thread and split over three.
 */
import {
  type AttentionArgs,
  Generator,
  setNumThreads,
  sizeOf,
  wasmBackend,
} from "@tensortape/core";
import { afterEach, describe, expect, test } from "vitest";
import {
  composedAttention,
  composedAttentionBackward,
  safeSoftmaxOnCpu,
} from "../../src/backend/composed-attention.js";
import { threadTesting } from "../../src/backend/wasm/thread-pool.js";
import { cpuScratch } from "../../src/backend/windowed-matmul.js";
import { expectSame, randomF32, untilWorkersRun } from "./kernel-check.js";

afterEach(() => {
  threadTesting.cores = undefined;
  threadTesting.busy = undefined;
  setNumThreads(2);
});

type MaskKind = "none" | "shared" | "each" | "heads";

interface Case {
  readonly batch: number;
  readonly l: number;
  readonly s: number;
  readonly e: number;
  readonly ev: number;
  readonly mask: MaskKind;
}

const cases: Case[] = [
  { batch: 3, l: 5, s: 7, e: 3, ev: 6, mask: "none" },
  { batch: 8, l: 64, s: 64, e: 32, ev: 32, mask: "shared" },
  { batch: 6, l: 9, s: 13, e: 300, ev: 5, mask: "each" },
  { batch: 6, l: 11, s: 17, e: 8, ev: 9, mask: "heads" },
  { batch: 2, l: 1, s: 1, e: 4, ev: 4, mask: "none" },
  { batch: 4, l: 33, s: 2, e: 16, ev: 40, mask: "shared" },
];

/** Operands, mask and arguments of a case: a causal-like mask with one row fully masked. */
function operands(c: Case, seed: number) {
  const generator = new Generator(seed);
  const { batch, l, s, e, ev } = c;
  const q = randomF32(batch * l * e, generator).map((x) => 2 * x);
  const k = randomF32(batch * s * e, generator).map((x) => 2 * x);
  const v = randomF32(batch * s * ev, generator);
  const g = randomF32(batch * l * ev, generator);
  const blocks = c.mask === "none" ? 0 : c.mask === "shared" ? 1 : c.mask === "each" ? batch : 2;
  const mask = blocks === 0 ? null : randomF32(blocks * l * s, generator);
  if (mask) {
    for (let i = 0; i < mask.length; i++) {
      const j = i % s;
      const row = Math.floor(i / s) % l;
      // Keys after the query masked out, and row 1 of every block masked out whole.
      if (j > row || (row === 1 && l > 1)) mask[i] = Number.NEGATIVE_INFINITY;
    }
  }
  // "heads": two blocks (a batch of 2), each repeated over batch / 2 heads.
  const heads = c.mask === "heads";
  const batchShape = heads ? [2, batch / 2] : [batch];
  const batchStrides = heads ? [l * s, 0] : [c.mask === "each" ? l * s : 0];
  const maskView = mask && { data: mask, offset: 0, strides: [...batchStrides, s, 1] };
  const args: AttentionArgs = { batchShape, l, s, e, ev, scale: 1 / Math.sqrt(e) };
  return { q, k, v, g, mask: maskView, args };
}

function forward(run: ReturnType<typeof operands>, composed: boolean) {
  const { q, k, v, mask, args } = run;
  const batch = sizeOf(args.batchShape);
  const out = new Float32Array(batch * args.l * args.ev);
  const weights = new Float32Array(batch * args.l * args.s);
  if (composed) {
    const safe = safeSoftmaxOnCpu(wasmBackend);
    composedAttention(wasmBackend, cpuScratch, safe, [q, k, v], mask, out, weights, args);
  } else {
    wasmBackend.attention(q, k, v, mask, out, weights, args);
  }
  return { out, weights };
}

function backward(
  run: ReturnType<typeof operands>,
  weights: Float32Array,
  wanted: readonly [boolean, boolean, boolean],
  composed: boolean,
) {
  const { q, k, v, g, args } = run;
  const { l, s, e, ev } = args;
  const batch = sizeOf(args.batchShape);
  const sizes = [batch * l * e, batch * s * e, batch * s * ev];
  const grads = sizes.map((n, i) => (wanted[i] ? new Float32Array(n) : null)) as [
    Float32Array | null,
    Float32Array | null,
    Float32Array | null,
  ];
  if (composed) {
    composedAttentionBackward(wasmBackend, cpuScratch, [q, k, v], weights, g, grads, args);
  } else {
    wasmBackend.attentionBackward(q, k, v, weights, g, ...grads, args);
  }
  return grads;
}

/** Forward and backward on one thread and split over three (workers running slices): the same bits. */
function expectSameSplit(run: ReturnType<typeof operands>) {
  setNumThreads(1);
  const one = forward(run, false);
  const oneGrads = backward(run, one.weights, [true, true, true], false);
  threadTesting.cores = 4;
  threadTesting.busy = false;
  setNumThreads(3);
  let split = forward(run, false);
  untilWorkersRun(() => {
    split = forward(run, false);
  }, "forward slices run by workers");
  expectSame(split.out, one.out, "out, three threads");
  expectSame(split.weights, one.weights, "weights, three threads");
  let splitGrads = backward(run, one.weights, [true, true, true], false);
  untilWorkersRun(() => {
    splitGrads = backward(run, one.weights, [true, true, true], false);
  }, "backward slices run by workers");
  for (let i = 0; i < 3; i++) expectSame(splitGrads[i]!, oneGrads[i]!, `gradient ${i}`);
}

const label = (c: Case) => `[${c.batch}, L ${c.l}, S ${c.s}, E ${c.e}, Ev ${c.ev}], mask ${c.mask}`;

describe("wasm attention kernels", () => {
  for (const [index, c] of cases.entries()) {
    test(`the composition's bits, forward and backward: ${label(c)}`, () => {
      setNumThreads(1);
      const run = operands(c, 11 + index);
      const fused = forward(run, false);
      const composed = forward(run, true);
      expectSame(fused.out, composed.out, `${label(c)}: out`);
      expectSame(fused.weights, composed.weights, `${label(c)}: weights`);
      if (c.mask !== "none" && c.l > 1) {
        // The fully masked row gets zero weights and output, not NaN.
        const row = fused.weights.subarray(c.s, 2 * c.s);
        expect([...row].every((w) => w === 0)).toBe(true);
        expect([...fused.out.subarray(c.ev, 2 * c.ev)].every((x) => x === 0)).toBe(true);
      }
      for (const wanted of [
        [true, true, true],
        [true, false, false],
        [false, true, false],
        [false, false, true],
      ] as const) {
        const fusedGrads = backward(run, fused.weights, wanted, false);
        const composedGrads = backward(run, composed.weights, wanted, true);
        for (let i = 0; i < 3; i++) {
          const name = `${label(c)}: ${["dq", "dk", "dv"][i]} of [${wanted.join(", ")}]`;
          if (!wanted[i]) continue;
          expectSame(fusedGrads[i]!, composedGrads[i]!, name);
          // (With one key the weights are constant 1: dq and dk are zero.)
          const nonzero = fusedGrads[i]!.some((x) => x !== 0);
          expect(nonzero, `${name} is not all zeros`).toBe(i === 2 || c.s > 1);
        }
      }
    });
  }

  test("the same bits on one thread and split over three", () => {
    const c: Case = { batch: 24, l: 48, s: 48, e: 32, ev: 32, mask: "heads" };
    expectSameSplit(operands(c, 3));
  });

  // The causal mask with `causal` set: the kernels skip the scores and terms above the
  // diagonal (tiles and depth), which must leave the bits of the full composition: square
  // and not, rows past one vector and a partial last vector, depths past one packing slice
  // (E = 300; L = S = 300 for the weights' products), more rows than one packed block.
  const causalCases = [
    { batch: 8, l: 64, s: 64, e: 32, ev: 32 },
    { batch: 3, l: 9, s: 13, e: 300, ev: 5 },
    { batch: 2, l: 300, s: 300, e: 4, ev: 7 },
    { batch: 4, l: 33, s: 17, e: 8, ev: 9 },
    { batch: 4, l: 11, s: 29, e: 16, ev: 3 },
    { batch: 2, l: 1, s: 1, e: 4, ev: 4 },
  ];

  /** A case's operands with the causal mask (shared by every product) and `causal` set. */
  function causalOperands(c: (typeof causalCases)[number], seed: number) {
    const run = operands({ ...c, mask: "none" }, seed);
    const { l, s } = c;
    const mask = new Float32Array(l * s);
    for (let i = 0; i < l; i++) mask.fill(Number.NEGATIVE_INFINITY, i * s + i + 1, (i + 1) * s);
    const maskView = { data: mask, offset: 0, strides: [0, s, 1] };
    return { ...run, mask: maskView, args: { ...run.args, causal: true } };
  }

  /** Forward and every gradient, fused against composed, the same bits. */
  function expectCausalSame(run: ReturnType<typeof causalOperands>, name: string) {
    const fused = forward(run, false);
    const composed = forward(run, true);
    expectSame(fused.out, composed.out, `${name}: out`);
    expectSame(fused.weights, composed.weights, `${name}: weights`);
    const fusedGrads = backward(run, fused.weights, [true, true, true], false);
    const composedGrads = backward(run, composed.weights, [true, true, true], true);
    for (let i = 0; i < 3; i++) {
      expectSame(fusedGrads[i]!, composedGrads[i]!, `${name}: ${["dq", "dk", "dv"][i]}`);
    }
    return { fused, fusedGrads };
  }

  for (const [index, c] of causalCases.entries()) {
    const name = `causal [${c.batch}, L ${c.l}, S ${c.s}, E ${c.e}, Ev ${c.ev}]`;
    test(`${name}: skipping the masked half keeps the composition's bits`, () => {
      setNumThreads(1);
      const { fusedGrads } = expectCausalSame(causalOperands(c, 40 + index), name);
      if (c.s > 1) expect(fusedGrads[0]!.some((x) => x !== 0)).toBe(true);
    });
  }

  test("causal: the kernels do skip what the causal mask excludes", () => {
    // A mask of zeros passed as causal breaks the contract: every key then counts in the
    // composition, but the kernel computes query i's scores for keys below i rounded up to a
    // vector of four only, and its weights past them are zero.
    setNumThreads(1);
    const run = causalOperands(causalCases[0]!, 7);
    const zeros = { ...run.mask, data: new Float32Array(run.mask.data.length) };
    const { weights } = forward({ ...run, mask: zeros }, false);
    const composed = forward({ ...run, mask: zeros }, true).weights;
    const s = run.args.s;
    const query0 = [...weights.subarray(0, s)];
    expect(query0.slice(4).every((w) => w === 0)).toBe(true);
    expect(query0.slice(0, 4).reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    expect(composed.subarray(4, s).every((w) => w > 0)).toBe(true);
  });

  test("causal: non-finite operands and overflowing scores take the full products", () => {
    setNumThreads(1);
    const c = causalCases[0]!;
    const { l, s, e, ev } = c;
    const cases: [string, (run: ReturnType<typeof causalOperands>) => void][] = [
      // A NaN key that only later queries may see: the full scores of the earlier ones are
      // NaN there, which makes their rows NaN.
      ["NaN in a key", (run) => run.k.fill(Number.NaN, 40 * e, 40 * e + 1)],
      ["∞ in a value", (run) => run.v.fill(Number.POSITIVE_INFINITY, 50 * ev + 3, 50 * ev + 4)],
      ["−∞ in a query", (run) => run.q.fill(Number.NEGATIVE_INFINITY, 5 * e, 5 * e + 1)],
      // Finite, but q·kᵀ overflows to ±∞ (∞ − ∞ = NaN beside the mask's −∞).
      [
        "scores that overflow",
        (run) => {
          run.q.fill(3e19, 0, l * e);
          run.k.fill(3e19, 60 * e, 61 * e);
        },
      ],
      // Finite, but g·vᵀ overflows (the full dS multiplies it by the zero weights).
      [
        "dP that overflows",
        (run) => {
          run.g.fill(1e30, 0, l * ev);
          run.v.fill(1e10, 0, s * ev);
        },
      ],
    ];
    for (const [name, spoil] of cases) {
      const run = causalOperands(c, 5);
      spoil(run);
      const { fused, fusedGrads } = expectCausalSame(run, `causal, ${name}`);
      const nonFinite = [fused.out, ...fusedGrads].some((a) => a!.some((x) => !Number.isFinite(x)));
      expect(nonFinite, `${name}: some result is not finite`).toBe(true);
    }
  });

  test("causal: the same bits on one thread and split over three", () => {
    expectSameSplit(causalOperands({ batch: 24, l: 48, s: 48, e: 32, ev: 32 }, 9));
  });

  // Sequence first: q, k, v, out and the gradients as [B, rows, H, cols], each product's rows
  // H·cols apart (the matmul's packing reads them in place), against the same attention on
  // heads-first arrays, and the composition (which permutes into scratch), bit for bit.
  const sequenceCases = [
    { b: 3, h: 4, l: 9, s: 13, e: 8, ev: 5, causal: false },
    { b: 2, h: 4, l: 64, s: 64, e: 32, ev: 32, causal: true },
    { b: 2, h: 2, l: 7, s: 5, e: 300, ev: 3, causal: true },
  ];

  /** [B, H, rows, cols] → [B, rows, H, cols]. */
  function sequenceFirst(x: Float32Array, b: number, h: number, rows: number, cols: number) {
    const y = new Float32Array(x.length);
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < h; j++) {
        for (let r = 0; r < rows; r++) {
          const from = ((i * h + j) * rows + r) * cols;
          y.set(x.subarray(from, from + cols), ((i * rows + r) * h + j) * cols);
        }
      }
    }
    return y;
  }

  for (const [index, c] of sequenceCases.entries()) {
    const name = `sequence first [${c.b}, L ${c.l}, H ${c.h}, E ${c.e}, Ev ${c.ev}]${c.causal ? ", causal" : ""}`;
    test(`${name}: the heads-first bits, fused and composed`, () => {
      setNumThreads(1);
      const { b, h, l, s, e, ev } = c;
      const heads = c.causal
        ? causalOperands({ batch: b * h, l, s, e, ev }, 60 + index)
        : operands({ batch: b * h, l, s, e, ev, mask: "shared" }, 60 + index);
      const base = { ...heads, args: { ...heads.args, batchShape: [b, h] } };
      base.mask = base.mask && { ...base.mask, strides: [0, 0, s, 1] };
      const expected = forward(base, false);
      const expectedGrads = backward(base, expected.weights, [true, true, true], false);
      const seq = {
        ...base,
        q: sequenceFirst(base.q, b, h, l, e),
        k: sequenceFirst(base.k, b, h, s, e),
        v: sequenceFirst(base.v, b, h, s, ev),
        g: sequenceFirst(base.g, b, h, l, ev),
        args: { ...base.args, sequenceFirst: true },
      };
      const sizes = [
        [l, e],
        [s, e],
        [s, ev],
      ] as const;
      for (const composed of [false, true]) {
        const label = `${name}, ${composed ? "composed" : "fused"}`;
        const result = forward(seq, composed);
        expectSame(result.out, sequenceFirst(expected.out, b, h, l, ev), `${label}: out`);
        expectSame(result.weights, expected.weights, `${label}: weights`);
        const grads = backward(seq, result.weights, [true, true, true], composed);
        for (let i = 0; i < 3; i++) {
          const [rows, cols] = sizes[i]!;
          const want = sequenceFirst(expectedGrads[i]!, b, h, rows, cols);
          expectSame(grads[i]!, want, `${label}: ${["dq", "dk", "dv"][i]}`);
        }
      }
    });
  }

  test("sequence first: the same bits on one thread and split over three", () => {
    const heads = causalOperands({ batch: 24, l: 48, s: 48, e: 32, ev: 32 }, 19);
    const args = { ...heads.args, batchShape: [6, 4], sequenceFirst: true };
    expectSameSplit({ ...heads, mask: { ...heads.mask, strides: [0, 0, 48, 1] }, args });
  });

  /** [B, rows, H, E] parts → one [B, rows, 3, H, E] array, the parts side by side in each row. */
  function pack(parts: readonly Float32Array[], b: number, rows: number, he: number) {
    const y = new Float32Array(3 * parts[0]!.length);
    for (let r = 0; r < b * rows; r++) {
      for (const [p, x] of parts.entries()) {
        y.set(x.subarray(r * he, (r + 1) * he), (3 * r + p) * he);
      }
    }
    return y;
  }

  test("packed: the bits of the separate parts, fused and composed, on one thread and split over three", () => {
    const [b, h, l, e] = [6, 4, 48, 32];
    const heads = causalOperands({ batch: b * h, l, s: l, e, ev: e }, 23);
    const [q, k, v, g] = [heads.q, heads.k, heads.v, heads.g].map((x) =>
      sequenceFirst(x, b, h, l, e),
    );
    const mask = { ...heads.mask, strides: [0, 0, l, 1] };
    const args = { ...heads.args, batchShape: [b, h], sequenceFirst: true };
    setNumThreads(1);
    const expected = forward({ ...heads, q: q!, k: k!, v: v!, g: g!, mask, args }, false);
    const separate = { ...heads, q: q!, k: k!, v: v!, g: g!, mask, args };
    const grads = backward(separate, expected.weights, [true, true, true], false);
    const qkv = pack([q!, k!, v!], b, l, h * e);
    const expectedGrad = pack(grads as Float32Array[], b, l, h * e);
    const packed = { ...args, packed: true };
    const run = (composed: boolean) => {
      const out = new Float32Array(q!.length);
      const weights = new Float32Array(b * h * l * l);
      const grad = new Float32Array(qkv.length);
      if (composed) {
        const safe = safeSoftmaxOnCpu(wasmBackend);
        composedAttention(
          wasmBackend,
          cpuScratch,
          safe,
          [qkv, qkv, qkv],
          mask,
          out,
          weights,
          packed,
        );
        const all = [grad, grad, grad] as const;
        composedAttentionBackward(
          wasmBackend,
          cpuScratch,
          [qkv, qkv, qkv],
          weights,
          g!,
          all,
          packed,
        );
      } else {
        wasmBackend.attention(qkv, qkv, qkv, mask, out, weights, packed);
        wasmBackend.attentionBackward(qkv, qkv, qkv, weights, g!, grad, grad, grad, packed);
      }
      return { out, weights, grad };
    };
    const check = (result: ReturnType<typeof run>, label: string) => {
      expectSame(result.out, expected.out, `${label}: out`);
      expectSame(result.weights, expected.weights, `${label}: weights`);
      expectSame(result.grad, expectedGrad, `${label}: dq, dk and dv packed`);
    };
    check(run(false), "fused, one thread");
    check(run(true), "composed");
    threadTesting.cores = 4;
    threadTesting.busy = false;
    setNumThreads(3);
    let split = run(false);
    untilWorkersRun(() => {
      split = run(false);
    }, "packed slices run by workers");
    check(split, "fused, three threads");
  });

  test("packed needs sequence first, L = S and E = Ev", () => {
    const qkv = new Float32Array(2 * 5 * 3 * 2 * 4);
    const args = { batchShape: [2, 2], l: 5, s: 5, e: 4, ev: 4, scale: 1, packed: true };
    const out = new Float32Array(2 * 5 * 2 * 4);
    const weights = new Float32Array(2 * 2 * 5 * 5);
    expect(() => wasmBackend.attention(qkv, qkv, qkv, null, out, weights, args)).toThrow(
      /attention: packed q, k and v need sequenceFirst, L = S and E = Ev; got batch \[2, 2\], L=5, S=5, E=4, Ev=4/,
    );
    const wrong = { ...args, sequenceFirst: true };
    const short = qkv.subarray(1);
    expect(() => wasmBackend.attention(short, short, short, null, out, weights, wrong)).toThrow(
      /attention: q holds 239 elements, not the 240 of/,
    );
  });

  test("arrays of the wrong size are an error naming attention and the sizes", () => {
    const run = operands(cases[0]!, 1);
    const short = new Float32Array(run.q.length - 1);
    const out = new Float32Array(3 * 5 * 6);
    const weights = new Float32Array(3 * 5 * 7);
    expect(() => wasmBackend.attention(short, run.k, run.v, null, out, weights, run.args)).toThrow(
      /attention: q holds 44 elements, not the 45 of batch \[3\], L=5, S=7, E=3, Ev=6/,
    );
    const mask = { data: new Float32Array(5 * 7), offset: 0, strides: [1, 7, 1] };
    expect(() => wasmBackend.attention(run.q, run.k, run.v, mask, out, weights, run.args)).toThrow(
      /attention: the mask view reaches element 36, past the mask's 35 elements/,
    );
  });
});
