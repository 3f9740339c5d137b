/**
 * The optimizers' in-place updates, one thread per parameter, in float32 arithmetic with the
 * reference's expressions in the reference's order (hyperparameters rounded to float32 on the
 * CPU first, as the reference rounds them).
 */
import type { AdagradUpdate, AdamUpdate, RmspropUpdate, SgdUpdate } from "../../backend.js";
import type { GpuArray } from "../gpu-array.js";
import { MATH } from "../wgsl/math.js";
import { entry, header, type StorageBinding, WORKGROUP } from "../wgsl/prelude.js";
import { groupsFor, type KernelHost, Params, type Program } from "./host.js";

/**
 * Runs `body` over n elements with the arrays `names` bound read-write (`grad` read-only),
 * their element offsets in words 1.., then the hyperparameters.
 */
function update(
  host: KernelHost,
  key: string,
  arrays: readonly [string, GpuArray][],
  hyper: readonly number[],
  body: string,
): void {
  const n = arrays[0]![1].length;
  if (n === 0) return;
  const bindings: StorageBinding[] = arrays.map(([name]) => ({
    name,
    type: "f32",
    access: name === "grad" ? "read" : "read_write",
  }));
  const words = 1 + arrays.length + hyper.length;
  const at = arrays.map(([name], k) => `  let ${name}_at = pu(${k + 1}u) + i;`).join("\n");
  const h = (k: number) => `pf(${1 + arrays.length + k}u)`;
  const program: Program = {
    key,
    bindings,
    words,
    source: () => `${header(words, bindings)}${MATH}${entry(WORKGROUP)}
  let i = gid;
  if (i >= pu(0u)) { return; }
${at}
${body.replace(/H(\d+)/g, (_, k: string) => h(Number(k)))}
}`,
  };
  const params = new Params().u(n);
  for (const [, a] of arrays) params.u(a.offset);
  for (const x of hyper) params.f(x);
  host.run(
    program,
    arrays.map(([, a]) => a.buffer),
    params,
    { groups: groupsFor(n, WORKGROUP) },
  );
}

export function sgdUpdate(
  host: KernelHost,
  param: GpuArray,
  grad: GpuArray,
  momentumBuffer: GpuArray | null,
  h: SgdUpdate,
): void {
  const arrays: [string, GpuArray][] = [
    ["param", param],
    ["grad", grad],
  ];
  if (momentumBuffer) arrays.push(["buf", momentumBuffer]);
  // H0 lr, H1 momentum, H2 1 − dampening, H3 weight decay.
  const momentum = momentumBuffer
    ? `
  let b = ${h.first ? "d" : "H1 * buf[buf_at] + H2 * d"};
  buf[buf_at] = b;
  d = ${h.nesterov ? "d + H1 * b" : "b"};`
    : "";
  update(
    host,
    `sgd:${momentumBuffer !== null}:${h.first}:${h.nesterov}`,
    arrays,
    [h.lr, h.momentum, 1 - h.dampening, h.weightDecay],
    `  let p = param[param_at];
  var d = grad[grad_at] + H3 * p;${momentum}
  param[param_at] = p - H0 * d;`,
  );
}

export function adamUpdate(
  host: KernelHost,
  param: GpuArray,
  grad: GpuArray,
  expAvg: GpuArray,
  expAvgSq: GpuArray,
  maxExpAvgSq: GpuArray | null,
  h: AdamUpdate,
): void {
  const arrays: [string, GpuArray][] = [
    ["param", param],
    ["grad", grad],
    ["m1", expAvg],
    ["m2", expAvgSq],
  ];
  if (maxExpAvgSq) arrays.push(["vmax", maxExpAvgSq]);
  // H0 decay, H1 l2, H2 eps, H3 β1, H4 1 − β1, H5 β2, H6 1 − β2, H7 stepSize, H8 bias2Sqrt.
  update(
    host,
    `adam:${maxExpAvgSq !== null}`,
    arrays,
    [h.decay, h.l2, h.eps, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.stepSize, h.bias2Sqrt],
    `  let theta = param[param_at] * H0;
  let d = grad[grad_at] + H1 * theta;
  let m = H3 * m1[m1_at] + H4 * d;
  let v = H5 * m2[m2_at] + (H6 * d) * d;
  m1[m1_at] = m;
  m2[m2_at] = v;
  var second = v;
  ${
    maxExpAvgSq
      ? `let old = vmax[vmax_at];
  if (is_nan(old) || is_nan(v)) { second = f_nan(); } else { second = max(old, v); }
  vmax[vmax_at] = second;`
      : ""
  }
  let denominator = sqrt_(second) / H8 + H2;
  param[param_at] = theta - (H7 * m) / denominator;`,
  );
}

export function rmspropUpdate(
  host: KernelHost,
  param: GpuArray,
  grad: GpuArray,
  squareAvg: GpuArray,
  gradAvg: GpuArray | null,
  momentumBuffer: GpuArray | null,
  h: RmspropUpdate,
): void {
  const arrays: [string, GpuArray][] = [
    ["param", param],
    ["grad", grad],
    ["sq", squareAvg],
  ];
  if (gradAvg) arrays.push(["ga", gradAvg]);
  if (momentumBuffer) arrays.push(["buf", momentumBuffer]);
  // H0 α, H1 1 − α, H2 eps, H3 lr, H4 weight decay, H5 momentum.
  update(
    host,
    `rmsprop:${gradAvg !== null}:${momentumBuffer !== null}`,
    arrays,
    [h.alpha, 1 - h.alpha, h.eps, h.lr, h.weightDecay, h.momentum],
    `  let p = param[param_at];
  let d = grad[grad_at] + H4 * p;
  let v = H0 * sq[sq_at] + (H1 * d) * d;
  sq[sq_at] = v;
  var variance = v;
  ${
    gradAvg
      ? `let mean = H0 * ga[ga_at] + H1 * d;
  ga[ga_at] = mean;
  variance = v - mean * mean;`
      : ""
  }
  let scaled = d / (sqrt_(variance) + H2);
  var stepv = scaled;
  ${
    momentumBuffer
      ? `stepv = H5 * buf[buf_at] + scaled;
  buf[buf_at] = stepv;`
      : ""
  }
  param[param_at] = p - H3 * stepv;`,
  );
}

export function adagradUpdate(
  host: KernelHost,
  param: GpuArray,
  grad: GpuArray,
  sum: GpuArray,
  h: AdagradUpdate,
): void {
  // H0 lr, H1 eps, H2 weight decay.
  update(
    host,
    "adagrad",
    [
      ["param", param],
      ["grad", grad],
      ["sum", sum],
    ],
    [h.lr, h.eps, h.weightDecay],
    `  let p = param[param_at];
  let d = grad[grad_at] + H2 * p;
  let s = sum[sum_at] + d * d;
  sum[sum_at] = s;
  param[param_at] = p - (H0 * d) / (sqrt_(s) + H1);`,
  );
}
