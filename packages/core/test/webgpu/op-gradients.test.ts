/**
 * The op table (op-cases.ts) on the GPU: every case's forward values and the gradients of all
 * its float inputs, computed on the webgpu device in float32, against the same computation on
 * the CPU in float64. The inputs are moved with `t.to("webgpu")` and the default device stays
 * the CPU, as for a model moved to the GPU: an op that makes its own tensors on the default
 * device instead of its inputs' fails with a DeviceError. The tensors the cases make inside
 * their functions (indices, masks) go to the device under test (setCaseDevice). Float results
 * agree to float32 tolerances; integer and bool results exactly; every output and gradient
 * must be on the GPU.
 */
import {
  builtinOps,
  cast,
  Generator,
  gradients,
  initBackend,
  isFloat,
  manualSeed,
  type OpName,
  type Tensor,
  tensor,
} from "@tensortape/core";
import { beforeAll, describe, expect, test } from "vitest";
import { cases, type Fn, type OpCases, r, setCaseDevice } from "../op-cases.js";

/**
 * Cases that cannot run on the GPU as written, replaced by ones that test the same op in
 * float32: the CPU case casts through float64, which WebGPU cannot hold.
 */
const onGpu: Partial<Record<OpName, OpCases>> = {
  cast: [
    {
      // On the CPU the float64 input rounds to float32 here; on the GPU it is float32 already.
      name: "cast to float32, times the input",
      f: (x) => cast(x, "float32").mul(x.cast("float32")),
      inputs: [r([3])],
    },
    {
      // The int32 leg carries no gradient: only the second factor's path does.
      name: "cast float → int32 → float, times the input",
      f: (x) => cast(cast(x.mul(2), "int32"), "float32").mul(x.cast("float32")),
      inputs: [r([4], -2, 2, [-1, -0.5, 0, 0.5, 1])],
    },
  ],
};

/** What one run computed, read back to the host. */
interface Run {
  readonly device: string;
  readonly dtype: Tensor["dtype"];
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
  readonly requiresGrad: boolean;
  readonly grads: { device: string; dtype: Tensor["dtype"]; values: ArrayLike<number> }[];
}

/**
 * `f` at `inputs` on `device`: float64 on the CPU, float32 on the GPU, with a gradient for
 * every float input when `differentiate` is set, for the upstream gradient drawn from `seed`.
 */
function run(
  device: "cpu" | "webgpu",
  f: Fn,
  inputs: readonly Tensor[],
  differentiate: boolean,
  seed: number,
): Run {
  setCaseDevice(device);
  try {
    const xs = inputs.map((x) => {
      const moved = device === "webgpu" && isFloat(x.dtype) ? x.cast("float32") : x;
      return isFloat(x.dtype) ? moved.to(device).detach().requireGrad() : moved.to(device);
    });
    // The same draws on both devices for the ops that sample (multinomial).
    manualSeed(seed);
    const out = f(...xs);
    const leaves = xs.filter((x) => x.requiresGrad);
    let grads: Tensor[] = [];
    if (differentiate) {
      const generator = new Generator(seed);
      // Values in ±[0.5, 1.5]: non-uniform, so a rule that mixes elements up shows.
      const v = Float64Array.from(
        { length: out.size },
        () => (generator.uniform() + 0.5) * (generator.uniform() < 0.5 ? -1 : 1),
      );
      const upstream = tensor(Array.from(v), { shape: out.shape, dtype: out.dtype, device });
      grads = gradients(out, leaves, upstream);
    }
    return {
      device: out.device,
      dtype: out.dtype,
      shape: out.shape,
      values: out.data,
      requiresGrad: out.requiresGrad || out.node !== null,
      grads: grads.map((g) => ({ device: g.device, dtype: g.dtype, values: g.data })),
    };
  } finally {
    setCaseDevice("cpu");
  }
}

/**
 * |gpu − cpu| ≤ rtol·(|cpu| + max|cpu|) elementwise: float32 rounding relative to each value
 * and, for values that come out of cancellation, to the largest value of the tensor. NaN must
 * meet NaN and infinities must be equal.
 */
function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  const rtol = 1e-4;
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isFinite(expected[i])) scale = Math.max(scale, Math.abs(expected[i]!));
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Object.is(a, e) || a === e) continue;
    const bound = rtol * (Math.abs(e) + scale) + 1e-30;
    if (Number.isNaN(a) || Number.isNaN(e) || !Number.isFinite(e) || !(Math.abs(a - e) <= bound)) {
      expect.fail(`${label}: element ${i} is ${a}, expected ${e} (allowed ±${bound})`);
    }
  }
}

/** The GPU run against the CPU run: same shape, the GPU's dtypes, values and gradients near. */
function expectMatch(gpu: Run, cpu: Run, label: string) {
  expect(gpu.device, `${label}: output device`).toBe("webgpu");
  expect(gpu.shape, `${label}: shape`).toEqual(cpu.shape);
  expect(gpu.dtype, `${label}: dtype`).toBe(cpu.dtype === "float64" ? "float32" : cpu.dtype);
  if (isFloat(cpu.dtype)) expectNear(gpu.values, cpu.values, `${label}: values`);
  else expect(Array.from(gpu.values), `${label}: values`).toEqual(Array.from(cpu.values));
  expect(gpu.grads.length, `${label}: gradients`).toBe(cpu.grads.length);
  gpu.grads.forEach((g, i) => {
    expect(g.device, `${label}: gradient ${i} device`).toBe("webgpu");
    expect(g.dtype, `${label}: gradient ${i} dtype`).toBe("float32");
    expectNear(g.values, cpu.grads[i]!.values, `${label}: gradient of input ${i}`);
  });
}

beforeAll(async () => {
  await initBackend("webgpu");
});

test("the table has a case for every op in builtinOps", () => {
  expect(Object.keys(cases).sort()).toEqual(Object.keys(builtinOps).sort());
});

describe("every op on the GPU in float32 matches the CPU in float64", () => {
  let seed = 100;
  for (const [op, opCases] of Object.entries({ ...cases, ...onGpu })) {
    if ("noGradient" in opCases) {
      test(`${op} (no gradient)`, () => {
        const inputs = opCases.inputs();
        const s = seed++;
        const cpu = run("cpu", opCases.noGradient, inputs, false, s);
        const gpu = run("webgpu", opCases.noGradient, inputs, false, s);
        expect(gpu.requiresGrad, `${op} records no gradient`).toBe(false);
        expectMatch(gpu, cpu, op);
      });
      continue;
    }
    for (const c of opCases) {
      const s = seed++;
      test(c.name, () => {
        const cpu = run("cpu", c.f, c.inputs, true, s);
        const gpu = run("webgpu", c.f, c.inputs, true, s);
        expectMatch(gpu, cpu, c.name);
      });
    }
  }
});
