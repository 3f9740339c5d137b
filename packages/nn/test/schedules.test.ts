// Each schedule's learning rate per step against the closed forms in PyTorch's documentation.
import { tensor, ValueError } from "@tensortape/core";
import {
  Adam,
  CosineAnnealingLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  LinearWarmup,
  type LRScheduler,
  OneCycleLR,
  SequentialLR,
  SGD,
  StepLR,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";

const sgd = (lr = 0.1) => new SGD([tensor([1], { requiresGrad: true })], { lr });

/** The learning rate at steps 0..n−1 (construction, then n − 1 calls to step()). */
function rates(scheduler: LRScheduler, n: number): number[] {
  const out = [scheduler.getLastLr()[0]!];
  for (let i = 1; i < n; i++) {
    scheduler.step();
    out.push(scheduler.getLastLr()[0]!);
  }
  return out;
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(a).toBeCloseTo(expected[i]!, 12);
  });
}

describe("closed forms", () => {
  test("StepLR: base·γ^⌊t/stepSize⌋", () => {
    expectClose(
      rates(new StepLR(sgd(), 3, 0.5), 8),
      [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025],
    );
  });

  test("ExponentialLR: base·γᵗ", () => {
    expectClose(rates(new ExponentialLR(sgd(), 0.9), 4), [0.1, 0.09, 0.081, 0.0729]);
  });

  test("CosineAnnealingLR: ηmin + (base − ηmin)(1 + cos(πt/T))/2", () => {
    const base = 0.1;
    const etaMin = 0.01;
    const expected = [0, 1, 2, 3, 4].map(
      (t) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / 4))) / 2,
    );
    expectClose(rates(new CosineAnnealingLR(sgd(), 4, etaMin), 5), expected);
    // t = 0: base; t = T/2: the midpoint; t = T: ηmin
    expect(expected[0]).toBeCloseTo(0.1, 15);
    expect(expected[2]).toBeCloseTo(0.055, 15);
    expect(expected[4]).toBeCloseTo(0.01, 15);
  });

  test("LinearLR: base·(start + (end − start)·min(t, T)/T)", () => {
    const lr = 0.1;
    expectClose(
      rates(new LinearLR(sgd(lr), { startFactor: 0.5, endFactor: 1, totalIters: 4 }), 7),
      [0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1, 0.1],
    );
  });

  test("LinearWarmup: from 0 to base over the warm-up, then flat", () => {
    expectClose(rates(new LinearWarmup(sgd(0.2), 4), 6), [0, 0.05, 0.1, 0.15, 0.2, 0.2]);
  });

  test("LambdaLR: base·factor(t)", () => {
    expectClose(rates(new LambdaLR(sgd(), (t) => 1 / (t + 1)), 3), [0.1, 0.05, 0.1 / 3]);
  });

  test("OneCycleLR: cosine from maxLr/25 up to maxLr over 30 %, then down to start/1e4", () => {
    const maxLr = 1;
    const total = 10;
    const initial = maxLr / 25;
    const min = initial / 1e4;
    // PyTorch's phases: [0, 0.3·10 − 1 = 2] rising, [2, 9] falling
    const cos = (from: number, to: number, pct: number) =>
      to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1);
    const expected = Array.from({ length: total }, (_, t) =>
      t <= 2 ? cos(initial, maxLr, t / 2) : cos(maxLr, min, (t - 2) / 7),
    );
    const scheduler = new OneCycleLR(sgd(), { maxLr, totalSteps: total });
    expectClose(rates(scheduler, total), expected);
    expect(expected[0]).toBeCloseTo(0.04, 15);
    expect(expected[1]).toBeCloseTo(0.52, 15);
    expect(expected[2]).toBeCloseTo(1, 15);
    expect(expected[9]).toBeCloseTo(4e-6, 15);
  });

  test("OneCycleLR: linear and three-phase forms", () => {
    const lin = new OneCycleLR(sgd(), {
      maxLr: 1,
      totalSteps: 10,
      annealStrategy: "linear",
      divFactor: 10,
      finalDivFactor: 10,
    });
    // rising 0.1 → 1 over [0, 2]; falling 1 → 0.01 over [2, 9]
    expectClose(
      rates(lin, 10),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((t) =>
        t <= 2 ? 0.1 + 0.9 * (t / 2) : 1 + (0.01 - 1) * ((t - 2) / 7),
      ),
    );
    const three = new OneCycleLR(sgd(), {
      maxLr: 1,
      totalSteps: 10,
      annealStrategy: "linear",
      divFactor: 10,
      finalDivFactor: 10,
      threePhase: true,
    });
    // phases end at 2 (0.1 → 1), 4 (1 → 0.1), 9 (0.1 → 0.01)
    expectClose(rates(three, 10), [0.1, 0.55, 1, 0.55, 0.1, 0.082, 0.064, 0.046, 0.028, 0.01]);
  });
});

describe("composition and checkpoints", () => {
  test("SequentialLR: warm-up, then cosine restarted at its own step 0", () => {
    const optimizer = sgd(0.1);
    const warmup = new LinearWarmup(optimizer, 2);
    const cosine = new CosineAnnealingLR(optimizer, 4);
    const scheduler = new SequentialLR(optimizer, [warmup, cosine], [2]);
    const cos = (t: number) => (0.1 * (1 + Math.cos((Math.PI * t) / 4))) / 2;
    expectClose(rates(scheduler, 7), [0, 0.05, cos(0), cos(1), cos(2), cos(3), cos(4)]);
    expect(optimizer.paramGroups[0]!.lr).toBeCloseTo(0, 15);
  });

  test("schedules set every group's rate from its own initial rate", () => {
    const optimizer = new Adam([
      { params: [tensor([1], { requiresGrad: true })], lr: 0.1 },
      { params: [tensor([1], { requiresGrad: true })], lr: 0.01 },
    ]);
    const scheduler = new ExponentialLR(optimizer, 0.5);
    scheduler.step();
    expect(scheduler.getLastLr()).toEqual([0.05, 0.005]);
    expect(optimizer.paramGroups.map((g) => g.lr)).toEqual([0.05, 0.005]);
    expect(scheduler.baseLrs).toEqual([0.1, 0.01]);
  });

  test("a restored scheduler resumes exactly", () => {
    const a = new CosineAnnealingLR(sgd(), 10);
    for (let i = 0; i < 4; i++) a.step();
    const b = new CosineAnnealingLR(sgd(), 10);
    b.loadStateDict(a.stateDict());
    expect(b.lastEpoch).toBe(4);
    expect(b.getLastLr()).toEqual(a.getLastLr());
    a.step();
    b.step();
    expect(b.getLastLr()).toEqual(a.getLastLr());
  });
});

describe("errors", () => {
  test("bad arguments name the schedule", () => {
    expect(() => new StepLR(sgd(), 0)).toThrow("StepLR: stepSize must be an integer > 0; got 0");
    expect(() => new ExponentialLR(sgd(), 0)).toThrow(ValueError);
    expect(() => new CosineAnnealingLR(sgd(), 0)).toThrow(ValueError);
    expect(() => new LinearLR(sgd(), { totalIters: 0 })).toThrow(ValueError);
    expect(() => new OneCycleLR(sgd(), { maxLr: [1, 2], totalSteps: 10 })).toThrow(
      "OneCycleLR: maxLr must be a number, or one number per parameter group (1); got [1, 2]",
    );
    const optimizer = sgd();
    const s = [new StepLR(optimizer, 2), new StepLR(optimizer, 3)];
    expect(() => new SequentialLR(optimizer, s, [])).toThrow(
      "SequentialLR: milestones must be an array of 1 step counts (one fewer than the 2 schedulers); got []",
    );
    expect(() => new SequentialLR(sgd(), s, [3])).toThrow(
      "every scheduler must drive the same optimizer",
    );
  });

  test("OneCycleLR refuses to step past totalSteps, and changes nothing when it refuses", () => {
    const optimizer = sgd();
    const scheduler = new OneCycleLR(optimizer, { maxLr: 1, totalSteps: 3 });
    for (let i = 0; i < 3; i++) scheduler.step();
    const lr = optimizer.paramGroups[0]!.lr;
    expect(() => scheduler.step()).toThrow("OneCycleLR: stepped 4 times, past totalSteps = 3");
    expect(scheduler.lastEpoch).toBe(3);
    expect(optimizer.paramGroups[0]!.lr).toBe(lr);
  });
});

test("the first schedule records the rate the optimizer has then, as PyTorch's initial_lr", () => {
  const optimizer = sgd(0.1);
  optimizer.paramGroups[0]!.lr = 0.4;
  const first = new StepLR(optimizer, 1, 0.5);
  expect(first.getLastLr()).toEqual([0.4]);
  first.step();
  // A later schedule scales the same recorded base, not the rate the first one set.
  const second = new ExponentialLR(optimizer, 0.9);
  expect(second.baseLrs).toEqual([0.4]);
  expect(second.getLastLr()).toEqual([0.4]);
});
