// Every hyperparameter of every optimizer and schedule is checked (type, finiteness, range,
// as PyTorch's checks), by one function per class that the constructor and loadStateDict
// share: a tampered checkpoint is refused exactly as the same values given to a constructor
// are, with a typed error naming the class, the field and the value, and nothing changes.
import { manualSeed, OptionError, randn, type Tensor, tensor } from "@tensortape/core";
import {
  Adagrad,
  Adam,
  AdamW,
  CosineAnnealingLR,
  deserializeSafetensors,
  ExponentialLR,
  HyperparameterError,
  LambdaLR,
  LinearLR,
  LinearWarmup,
  type LRScheduler,
  MLP,
  mseLoss,
  OneCycleLR,
  type Optimizer,
  type OptimizerStateDict,
  RMSprop,
  restoreCheckpoint,
  SequentialLR,
  SGD,
  StepLR,
  serializeCheckpoint,
  serializeSafetensors,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";

function caught(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

/** The error `run` throws, which must be a HyperparameterError with these fields. */
function expectHyperparameterError(
  run: () => void,
  op: string,
  field: string,
  value: unknown,
): HyperparameterError {
  const error = caught(run);
  expect(error).toBeInstanceOf(HyperparameterError);
  const e = error as HyperparameterError;
  expect({ op: e.op, field: e.field }).toEqual({ op, field });
  if (Number.isNaN(value)) expect(e.value).toBeNaN();
  else expect(e.value).toEqual(value);
  return e;
}

const param = () => tensor([1, 2], { requiresGrad: true });

type Make = (params: Tensor[], options: Record<string, unknown>) => Optimizer;
const makers: Record<string, Make> = {
  SGD: (p, o) => new SGD(p, o),
  Adam: (p, o) => new Adam(p, o),
  AdamW: (p, o) => new AdamW(p, o),
  RMSprop: (p, o) => new RMSprop(p, o),
  Adagrad: (p, o) => new Adagrad(p, o),
};

// [optimizer, option, bad value, the field the error names]
const badValues: [string, string, unknown, string][] = [
  ["Adam", "lr", "0.01", "lr"],
  ["Adam", "lr", -1e30, "lr"],
  ["Adam", "lr", Number.NaN, "lr"],
  ["Adam", "lr", Number.POSITIVE_INFINITY, "lr"],
  ["Adam", "betas", [2, 2], "betas[0]"],
  ["Adam", "betas", [0.9, 1], "betas[1]"],
  ["Adam", "betas", [0.9], "betas"],
  ["Adam", "betas", "0.9,0.999", "betas"],
  ["Adam", "eps", -1e-8, "eps"],
  ["Adam", "weightDecay", -0.1, "weightDecay"],
  ["Adam", "amsgrad", "yes", "amsgrad"],
  ["AdamW", "betas", [-0.1, 0.9], "betas[0]"],
  ["AdamW", "weightDecay", null, "weightDecay"],
  ["SGD", "lr", "abc", "lr"],
  ["SGD", "momentum", -0.9, "momentum"],
  ["SGD", "dampening", Number.NaN, "dampening"],
  ["SGD", "weightDecay", -1, "weightDecay"],
  ["SGD", "nesterov", 1, "nesterov"],
  ["RMSprop", "alpha", 1.5, "alpha"],
  ["RMSprop", "eps", "1e-8", "eps"],
  ["RMSprop", "momentum", -1, "momentum"],
  ["RMSprop", "centered", 0, "centered"],
  ["Adagrad", "lrDecay", -0.1, "lrDecay"],
  ["Adagrad", "initialAccumulatorValue", -1, "initialAccumulatorValue"],
  ["Adagrad", "eps", Number.NEGATIVE_INFINITY, "eps"],
];

describe("optimizer hyperparameters", () => {
  test.each(badValues)("%s refuses %s = %o in its constructor", (name, key, value, field) => {
    const e = expectHyperparameterError(
      () => makers[name]!([param()], { [key]: value }),
      name,
      field,
      field === key ? value : expect.anything(),
    );
    expect(e.message).toMatch(new RegExp(`^${name}: ${field.replace(/[[\]]/g, "\\$&")} must be `));
  });

  test.each(badValues)(
    "%s refuses %s = %o from a state dict, with the constructor's words, and loads nothing",
    (name, key, value, field) => {
      const constructorError = caught(() =>
        makers[name]!([param()], { [key]: value }),
      ) as HyperparameterError;
      const p = param();
      const optimizer = makers[name]!([p], { lr: 0.1 });
      p.square().sum().backward();
      optimizer.step();
      const saved = optimizer.stateDict();
      const before = JSON.stringify(saved.paramGroups);
      const tampered: OptimizerStateDict = {
        ...saved,
        paramGroups: [{ ...saved.paramGroups[0]!, [key]: value as number }],
      };
      const e = expectHyperparameterError(
        () => optimizer.loadStateDict(tampered),
        `${name}.loadStateDict`,
        `paramGroups[0].${field}`,
        constructorError.value,
      );
      expect(e.expected).toBe(constructorError.expected);
      expect(JSON.stringify(optimizer.stateDict().paramGroups)).toBe(before);
    },
  );

  test('new Adam(params, { lr: "0.01" }) names the field, the value and its type', () => {
    expect(() => new Adam([param()], { lr: "0.01" as unknown as number })).toThrow(
      'Adam: lr must be a finite number ≥ 0; got "0.01" (a string)',
    );
  });

  test("Nesterov momentum needs a momentum and no dampening, as PyTorch", () => {
    expectHyperparameterError(
      () => new SGD([param()], { momentum: 0.9, dampening: 0.1, nesterov: true }),
      "SGD",
      "nesterov",
      true,
    );
    expect(() => new SGD([param()], { momentum: 0.9, nesterov: true })).not.toThrow();
  });

  test("a parameter group's own values are checked and named by the group", () => {
    expectHyperparameterError(
      () => new SGD([{ params: [param()] }, { params: [param()], momentum: -1 }]),
      "SGD",
      "paramGroups[1].momentum",
      -1,
    );
    expect(() => new SGD([{ params: [param()], lrr: 0.1 } as never])).toThrow(OptionError);
  });

  test("step() checks hyperparameters set since (by hand or a schedule) before moving anything", () => {
    const a = param();
    const b = param();
    const optimizer = new SGD([{ params: [a] }, { params: [b] }], { lr: 0.1 });
    a.add(b).sum().backward();
    optimizer.paramGroups[1]!.lr = Number.NaN;
    expectHyperparameterError(() => optimizer.step(), "SGD.step", "paramGroups[1].lr", Number.NaN);
    expect(Array.from(a.data)).toEqual([1, 2]);
    expect(a.version).toBe(0);
  });
});

describe("optimizer state dicts", () => {
  function trained() {
    const p = param();
    const optimizer = new Adam([p], { lr: 0.1, amsgrad: true });
    p.square().sum().backward();
    optimizer.step();
    return { p, optimizer, saved: optimizer.stateDict() };
  }

  test("a missing or malformed state or paramGroups is a typed error, not a TypeError", () => {
    const { optimizer, saved } = trained();
    const load = (dict: unknown) => () => optimizer.loadStateDict(dict as OptimizerStateDict);
    expectHyperparameterError(
      load({ paramGroups: saved.paramGroups }),
      "Adam.loadStateDict",
      "state",
      undefined,
    );
    expectHyperparameterError(
      load({ state: saved.state }),
      "Adam.loadStateDict",
      "paramGroups",
      undefined,
    );
    expectHyperparameterError(load(null), "Adam.loadStateDict", "stateDict", null);
    expectHyperparameterError(
      load({ ...saved, paramGroups: [{ ...saved.paramGroups[0], params: "0" }] }),
      "Adam.loadStateDict",
      "paramGroups[0].params",
      "0",
    );
    expectHyperparameterError(
      load({ ...saved, state: { "0": 5 } }),
      "Adam.loadStateDict",
      "state.0",
      5,
    );
    expect(load({ ...saved, extra: 1 })).toThrow(OptionError);
    const { lr: _, ...noLr } = saved.paramGroups[0]!;
    expectHyperparameterError(
      load({ ...saved, paramGroups: [noLr] }),
      "Adam.loadStateDict",
      "paramGroups[0].lr",
      undefined,
    );
  });

  test.each([-1, 1.5, "3", Number.NaN])("a step count of %o is refused", (step) => {
    const { p, optimizer, saved } = trained();
    const before = optimizer.stateOf(p)!.step;
    const state = { "0": { ...saved.state["0"]!, step: step as number } };
    expectHyperparameterError(
      () => optimizer.loadStateDict({ ...saved, state }),
      "Adam.loadStateDict",
      "state.0.step",
      step,
    );
    expect(optimizer.stateOf(p)!.step).toBe(before);
  });

  test("moment tensors with NaN, or a negative second moment, are refused", () => {
    const { optimizer, saved } = trained();
    const entry = saved.state["0"]!;
    expectHyperparameterError(
      () =>
        optimizer.loadStateDict({
          ...saved,
          state: { "0": { ...entry, expAvg: tensor([0, Number.NaN]) } },
        }),
      "Adam.loadStateDict",
      "state.0.expAvg[1]",
      Number.NaN,
    );
    expectHyperparameterError(
      () =>
        optimizer.loadStateDict({
          ...saved,
          state: { "0": { ...entry, maxExpAvgSq: tensor([-1, 0]) } },
        }),
      "Adam.loadStateDict",
      "state.0.maxExpAvgSq[0]",
      -1,
    );
  });

  test("a state saved with other hyperparameters brings them, and the state they need", () => {
    const p = param();
    const withMomentum = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.sum().backward();
    withMomentum.step();
    const q = param();
    const plain = new SGD([q], { lr: 0.5 });
    plain.loadStateDict(withMomentum.stateDict());
    expect(plain.paramGroups[0]!.momentum).toBe(0.9);
    expect(plain.stateOf(q)!.momentumBuffer!.shape).toEqual([2]);
  });
});

describe("tampered checkpoints", () => {
  function setup(seed: number) {
    manualSeed(seed);
    const model = new MLP([3, 4, 1]);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const scheduler = new StepLR(optimizer, 2, 0.5);
    optimizer.zeroGrad();
    mseLoss(model.forward(randn([8, 3])), randn([8, 1])).backward();
    optimizer.step();
    scheduler.step();
    return { model, optimizer, scheduler };
  }

  /** The checkpoint of `setup(1)`, with `edit` applied to its metadata. */
  function tampered(edit: (metadata: Record<string, string>) => void): Uint8Array {
    const { tensors, metadata } = deserializeSafetensors(serializeCheckpoint(setup(1)));
    const copy = { ...metadata };
    edit(copy);
    return serializeSafetensors(tensors, copy);
  }

  function editOptimizer(
    edit: (o: { state: unknown; paramGroups: Record<string, unknown>[] }) => void,
  ) {
    return tampered((m) => {
      const o = JSON.parse(m.optimizer!);
      edit(o);
      m.optimizer = JSON.stringify(o);
    });
  }

  const cases: [string, () => Uint8Array, string, string, unknown][] = [
    [
      "lr: -1e30",
      () =>
        editOptimizer((o) => {
          o.paramGroups[0]!.lr = -1e30;
        }),
      "Adam.loadStateDict",
      "paramGroups[0].lr",
      -1e30,
    ],
    [
      'lr: "abc"',
      () =>
        editOptimizer((o) => {
          o.paramGroups[0]!.lr = "abc";
        }),
      "Adam.loadStateDict",
      "paramGroups[0].lr",
      "abc",
    ],
    [
      "betas: [2, 2]",
      () =>
        editOptimizer((o) => {
          o.paramGroups[0]!.betas = [2, 2];
        }),
      "Adam.loadStateDict",
      "paramGroups[0].betas[0]",
      2,
    ],
    [
      "step: -5",
      () =>
        editOptimizer((o) => {
          (o.state as Record<string, { step: number }>)["0"]!.step = -5;
        }),
      "Adam.loadStateDict",
      "state.0.step",
      -5,
    ],
    [
      "no state",
      () =>
        editOptimizer((o) => {
          delete (o as { state?: unknown }).state;
        }),
      "Adam.loadStateDict",
      "state",
      undefined,
    ],
    [
      "no paramGroups",
      () =>
        editOptimizer((o) => {
          delete (o as { paramGroups?: unknown }).paramGroups;
        }),
      "Adam.loadStateDict",
      "paramGroups",
      undefined,
    ],
    [
      'scheduler: "null"',
      () =>
        tampered((m) => {
          m.scheduler = "null";
        }),
      "StepLR.loadStateDict",
      "stateDict",
      null,
    ],
    [
      "scheduler lastEpoch: -1",
      () =>
        tampered((m) => {
          m.scheduler = JSON.stringify({ stepSize: 2, gamma: 0.5, lastEpoch: -1 });
        }),
      "StepLR.loadStateDict",
      "lastEpoch",
      -1,
    ],
    [
      "scheduler gamma: -3",
      () =>
        tampered((m) => {
          m.scheduler = JSON.stringify({ stepSize: 2, gamma: -3, lastEpoch: 1 });
        }),
      "StepLR.loadStateDict",
      "gamma",
      -3,
    ],
  ];

  test.each(cases)(
    "%s: a typed error, and every part is left as it was",
    (_, bytes, op, field, value) => {
      const parts = setup(2);
      const weights = parts.model.stateDict();
      const optimizerBefore = JSON.stringify(parts.optimizer.stateDict().paramGroups);
      const lr = parts.optimizer.paramGroups[0]!.lr;
      expectHyperparameterError(() => restoreCheckpoint(bytes(), parts), op, field, value);
      for (const [name, t] of Object.entries(parts.model.stateDict())) {
        expect(Array.from(t.data)).toEqual(Array.from(weights[name]!.data));
      }
      expect(JSON.stringify(parts.optimizer.stateDict().paramGroups)).toBe(optimizerBefore);
      expect(parts.optimizer.paramGroups[0]!.lr).toBe(lr);
      expect(parts.scheduler.lastEpoch).toBe(1);
    },
  );

  test("the untampered checkpoint still restores", () => {
    const parts = setup(3);
    restoreCheckpoint(
      tampered(() => {}),
      parts,
    );
    expect(parts.scheduler.stateDict()).toEqual({ stepSize: 2, gamma: 0.5, lastEpoch: 1 });
  });
});

describe("schedules", () => {
  const sgd = () => new SGD([param()], { lr: 0.1 });

  // [schedule, make with a bad value, the field]
  const bad: [string, () => LRScheduler, string, unknown][] = [
    ["StepLR", () => new StepLR(sgd(), 2.5), "stepSize", 2.5],
    ["StepLR", () => new StepLR(sgd(), 2, "0.1" as never), "gamma", "0.1"],
    ["ExponentialLR", () => new ExponentialLR(sgd(), Number.NaN), "gamma", Number.NaN],
    ["CosineAnnealingLR", () => new CosineAnnealingLR(sgd(), 10, -1), "etaMin", -1],
    [
      "CosineAnnealingLR",
      () => new CosineAnnealingLR(sgd(), Number.POSITIVE_INFINITY),
      "tMax",
      Number.POSITIVE_INFINITY,
    ],
    ["LinearLR", () => new LinearLR(sgd(), { startFactor: -0.5 }), "startFactor", -0.5],
    ["LinearLR", () => new LinearLR(sgd(), { totalIters: 2.5 }), "totalIters", 2.5],
    ["LinearWarmup", () => new LinearWarmup(sgd(), 0), "totalIters", 0],
    [
      "OneCycleLR",
      () => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 1 }),
      "pctStart",
      1,
    ],
    [
      "OneCycleLR",
      () => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, annealStrategy: "cosine" as never }),
      "annealStrategy",
      "cosine",
    ],
    [
      "OneCycleLR",
      () => new OneCycleLR(sgd(), { maxLr: Number.NaN, totalSteps: 10 }),
      "maxLr[0]",
      Number.NaN,
    ],
    ["OneCycleLR", () => new OneCycleLR(sgd(), { totalSteps: 10 } as never), "maxLr", undefined],
    ["LambdaLR", () => new LambdaLR(sgd(), 0.5 as never), "factor", 0.5],
    [
      "SequentialLR",
      () => {
        const o = sgd();
        return new SequentialLR(o, [new StepLR(o, 1), new StepLR(o, 1)], [0]);
      },
      "milestones[0]",
      0,
    ],
  ];

  test.each(bad)("%s refuses a bad value in its constructor", (op, make, field, value) => {
    expectHyperparameterError(make, op, field, value);
  });

  test("a schedule that computes a rate no optimizer takes is refused, and sets nothing", () => {
    const optimizer = sgd();
    const scheduler = new LambdaLR(optimizer, (epoch) => (epoch < 2 ? 1 : Number.NaN));
    scheduler.step();
    expectHyperparameterError(
      () => scheduler.step(),
      "LambdaLR.step",
      "paramGroups[0].lr",
      Number.NaN,
    );
    expect(optimizer.paramGroups[0]!.lr).toBe(0.1);
    expect(scheduler.lastEpoch).toBe(1);
  });

  test("loadStateDict checks the step and the hyperparameters as the constructor does", () => {
    const scheduler = new StepLR(sgd(), 3, 0.5);
    const load = (state: unknown) => () => scheduler.loadStateDict(state as never);
    expectHyperparameterError(
      load({ stepSize: 3, gamma: 0.5, lastEpoch: 1.5 }),
      "StepLR.loadStateDict",
      "lastEpoch",
      1.5,
    );
    expectHyperparameterError(
      load({ stepSize: 0, gamma: 0.5, lastEpoch: 1 }),
      "StepLR.loadStateDict",
      "stepSize",
      0,
    );
    expectHyperparameterError(load({ gamma: 0.5 }), "StepLR.loadStateDict", "lastEpoch", undefined);
    expect(load({ stepSize: 3, gamma: 0.5, lastEpoch: 1, extra: 2 })).toThrow(OptionError);
    expect(scheduler.stateDict()).toEqual({ stepSize: 3, gamma: 0.5, lastEpoch: 0 });
    // A valid state brings its hyperparameters, as PyTorch's load_state_dict does.
    scheduler.loadStateDict({ stepSize: 1, gamma: 0.1, lastEpoch: 2 });
    expect(scheduler.getLastLr()[0]).toBeCloseTo(0.001, 15);
    // One that lacks some (saved before schedulers kept them) keeps the current values.
    scheduler.loadStateDict({ lastEpoch: 3 });
    expect(scheduler.stateDict()).toEqual({ stepSize: 1, gamma: 0.1, lastEpoch: 3 });
  });

  test("OneCycleLR refuses a saved step past totalSteps", () => {
    const scheduler = new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5 });
    const state = { ...scheduler.stateDict(), lastEpoch: 6 };
    expectHyperparameterError(
      () => scheduler.loadStateDict(state),
      "OneCycleLR.loadStateDict",
      "lastEpoch",
      6,
    );
    expect(scheduler.lastEpoch).toBe(0);
  });

  test("SequentialLR saves and checks its schedules' states, and loads none unless all are valid", () => {
    const make = () => {
      const optimizer = sgd();
      return new SequentialLR(
        optimizer,
        [new LinearWarmup(optimizer, 2), new CosineAnnealingLR(optimizer, 4)],
        [2],
      );
    };
    const a = make();
    for (let i = 0; i < 3; i++) a.step();
    const saved = a.stateDict() as ReturnType<LRScheduler["stateDict"]> & {
      schedulers: Record<string, unknown>[];
    };
    expect(saved.schedulers[1]).toEqual({ tMax: 4, etaMin: 0, lastEpoch: 0 });
    const b = make();
    b.loadStateDict(saved);
    expect(b.getLastLr()).toEqual(a.getLastLr());
    const c = make();
    const bad = {
      ...saved,
      schedulers: [saved.schedulers[0], { ...saved.schedulers[1], tMax: -4 }],
    };
    expectHyperparameterError(
      () => c.loadStateDict(bad),
      "SequentialLR.loadStateDict",
      "schedulers[1].tMax",
      -4,
    );
    expect(c.lastEpoch).toBe(0);
    expect(c.stateDict()).toEqual(make().stateDict());
  });
});
