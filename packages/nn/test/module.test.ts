import { manualSeed, randn, type Tensor, tensor, ValueError, zeros } from "@tensortape/core";
import { gradcheck } from "@tensortape/core/testing";
import {
  BatchNorm1d,
  Dense,
  Dropout,
  functionalCall,
  MLP,
  Module,
  ReLU,
  Sequential,
  StateDictError,
} from "@tensortape/nn";
import { describe, expect, test } from "vitest";

class Block extends Module {
  fc = new Dense(3, 3);
  norm = new BatchNorm1d(3);
  override forward(x: Tensor): Tensor {
    return this.norm.forward(this.fc.forward(x)).relu();
  }
}

class Net extends Module {
  embed = new Dense(2, 3);
  blocks = [new Block(), new Block()];
  heads = [[new Dense(3, 1)], [new Dense(3, 1, { bias: false })]];
  scale = tensor([2], { requiresGrad: true });
  mask = tensor([1, 0, 1]);
  cached: Tensor | null = null;
  #hidden = tensor([5], { requiresGrad: true });
  override forward(x: Tensor): Tensor {
    const h = this.blocks.reduce((acc, b) => b.forward(acc), this.embed.forward(x));
    this.cached = h.mul(this.mask); // computed by an op: not state
    return this.heads[0]![0]!.forward(this.cached).mul(this.scale);
  }
  /** Private fields are not discovered: this one is in no list below. */
  hidden(): Tensor {
    return this.#hidden;
  }
}

describe("parameter discovery", () => {
  test("fields, nested modules and (nested) arrays are named by field and index", () => {
    manualSeed(0);
    const net = new Net();
    net.forward(randn([5, 2]));
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      "embed.weight",
      "embed.bias",
      "blocks.0.fc.weight",
      "blocks.0.fc.bias",
      "blocks.0.norm.weight",
      "blocks.0.norm.bias",
      "blocks.1.fc.weight",
      "blocks.1.fc.bias",
      "blocks.1.norm.weight",
      "blocks.1.norm.bias",
      "heads.0.0.weight",
      "heads.0.0.bias",
      "heads.1.0.weight",
      "scale",
    ]);
    // Tensors that do not require grad are buffers; BatchNorm's use PyTorch's names.
    expect(net.namedBuffers().map(([n]) => n)).toEqual([
      "blocks.0.norm.running_mean",
      "blocks.0.norm.running_var",
      "blocks.0.norm.num_batches_tracked",
      "blocks.1.norm.running_mean",
      "blocks.1.norm.running_var",
      "blocks.1.norm.num_batches_tracked",
      "mask",
    ]);
    // embed 2·3+3, blocks 2·(3·3+3 + 3+3), heads (3+1) + 3, scale 1
    expect(net.numParameters()).toBe(9 + 2 * 18 + 4 + 3 + 1);
    expect(net.parameters()).toContain(net.blocks[1]!.fc.weight);
  });

  test("namedChildren lists direct sub-modules; namedModules every module once", () => {
    const net = new Net();
    expect(net.namedChildren().map(([n]) => n)).toEqual([
      "embed",
      "blocks.0",
      "blocks.1",
      "heads.0.0",
      "heads.1.0",
    ]);
    expect(net.namedModules().map(([n]) => n)).toEqual([
      "",
      "embed",
      "blocks.0",
      "blocks.0.fc",
      "blocks.0.norm",
      "blocks.1",
      "blocks.1.fc",
      "blocks.1.norm",
      "heads.0.0",
      "heads.1.0",
    ]);
  });

  test("shared modules and tied parameters are listed once, under their first name", () => {
    class Tied extends Module {
      a = new Dense(2, 2);
      b = this.a;
      c = new Dense(2, 2);
      constructor() {
        super();
        this.c.weight = this.a.weight;
      }
      override forward(x: Tensor): Tensor {
        return this.c.forward(this.b.forward(x));
      }
    }
    const m = new Tied();
    expect(m.namedParameters().map(([n]) => n)).toEqual(["a.weight", "a.bias", "c.bias"]);
    expect(Object.keys(m.stateDict())).toEqual(["a.weight", "a.bias", "c.bias"]);
  });

  test("a field pointing back up the tree does not loop", () => {
    class Child extends Module {
      parent: Module | null = null;
      w = tensor([1], { requiresGrad: true });
      override forward(x: Tensor): Tensor {
        return x.mul(this.w);
      }
    }
    class Parent extends Module {
      child = new Child();
      constructor() {
        super();
        this.child.parent = this;
      }
      override forward(x: Tensor): Tensor {
        return this.child.forward(x);
      }
    }
    expect(new Parent().namedParameters().map(([n]) => n)).toEqual(["child.w"]);
  });

  test("Sequential names its layers by position, as torch.nn.Sequential", () => {
    const net = new Sequential(new Dense(2, 3), new ReLU(), new Dense(3, 1));
    expect(Object.keys(net.stateDict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(net.length).toBe(3);
    expect(net.forward(randn([4, 2])).shape).toEqual([4, 1]);
  });
});

describe("train and eval", () => {
  test("propagate to every sub-module, and return the module", () => {
    const net = new Net();
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => m.training === false)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training === true)).toBe(true);
  });

  test("zeroGrad clears every parameter's gradient", () => {
    const net = new MLP([2, 3, 1]);
    net
      .forward(randn([4, 2]))
      .sum()
      .backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });
});

describe("state dicts", () => {
  test("stateDict is a snapshot: later updates do not change it", () => {
    const net = new Dense(2, 2);
    const snapshot = net.stateDict();
    const before = Array.from(snapshot.weight!.data);
    net.weight.data[0] = 42;
    expect(Array.from(snapshot.weight!.data)).toEqual(before);
  });

  test("loadStateDict copies in place, so tensors keep their identity", () => {
    manualSeed(1);
    const a = new MLP([3, 4, 2]);
    manualSeed(2);
    const b = new MLP([3, 4, 2]);
    const weight = b.layers[0]!.weight;
    expect(b.loadStateDict(a.stateDict())).toEqual({ missing: [], unexpected: [] });
    expect(b.layers[0]!.weight).toBe(weight);
    for (const [name, t] of Object.entries(a.stateDict())) {
      expect(Array.from(b.stateDict()[name]!.data)).toEqual(Array.from(t.data));
    }
  });

  test("every mismatch is listed, and nothing is loaded", () => {
    const model = new MLP([4, 3, 2]);
    const before = model.stateDict();
    const state = model.stateDict();
    state["layers.0.weight"] = zeros([4, 3]); // transposed
    state["layers.1.bias"] = zeros([2], { dtype: "float64" });
    delete state["layers.1.weight"];
    state.extra = zeros([1]);
    let error: unknown;
    try {
      model.loadStateDict(state);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const e = error as StateDictError;
    expect(e.op).toBe("loadStateDict");
    expect(e.mismatches).toEqual([
      {
        kind: "shape",
        name: "layers.0.weight",
        expected: { shape: [3, 4], dtype: "float32" },
        got: { shape: [4, 3], dtype: "float32" },
      },
      { kind: "missing", name: "layers.1.weight", expected: { shape: [2, 3], dtype: "float32" } },
      {
        kind: "dtype",
        name: "layers.1.bias",
        expected: { shape: [2], dtype: "float32" },
        got: { shape: [2], dtype: "float64" },
      },
      { kind: "unexpected", name: "extra", got: { shape: [1], dtype: "float32" } },
    ]);
    expect(e.message).toContain("4 mismatches; nothing was loaded");
    expect(e.message).toContain(
      "shape: layers.0.weight expected [3, 4], got [4, 3]; transposed? Dense stores weight as [out, in]",
    );
    expect(e.message).toContain("missing: layers.1.weight (expected [2, 3] float32)");
    for (const [name, t] of Object.entries(model.stateDict())) {
      expect(Array.from(t.data)).toEqual(Array.from(before[name]!.data));
    }
  });

  test("strict: false reports missing and unexpected names but still checks shapes", () => {
    const model = new Dense(2, 2);
    const result = model.loadStateDict(
      { weight: zeros([2, 2]), other: zeros([1]) },
      { strict: false },
    );
    expect(result).toEqual({ missing: ["bias"], unexpected: ["other"] });
    expect(Array.from(model.weight.data)).toEqual([0, 0, 0, 0]);
    expect(() => model.loadStateDict({ weight: zeros([3, 2]) }, { strict: false })).toThrow(
      StateDictError,
    );
  });
});

describe("functionalCall and to()", () => {
  test("runs forward with replaced tensors and restores the originals", () => {
    const layer = new Dense(2, 1);
    const original = layer.weight;
    const x = tensor([[1, 2]]);
    const y = functionalCall(layer, { weight: tensor([[3, 4]]), bias: tensor([0.5]) }, x);
    expect(y.toArray()).toEqual([[1 * 3 + 2 * 4 + 0.5]]);
    expect(layer.weight).toBe(original);
  });

  test("restores the originals even when forward throws", () => {
    const layer = new Dense(2, 1);
    const original = layer.weight;
    expect(() =>
      functionalCall(layer, { weight: tensor([[3, 4]]) }, tensor([[1, 2, 3]])),
    ).toThrow();
    expect(layer.weight).toBe(original);
  });

  test("rejects unknown names and wrong shapes", () => {
    const layer = new Dense(2, 1);
    expect(() => functionalCall(layer, { nope: tensor([1]) }, tensor([[1, 2]]))).toThrow(
      'functionalCall: the module has no parameter or buffer named "nope"; it has weight, bias',
    );
    expect(() => functionalCall(layer, { weight: tensor([1, 2]) }, tensor([[1, 2]]))).toThrow(
      'functionalCall: the replacement for "weight" has the wrong shape; got expected [1, 2] and got [2]',
    );
  });

  test("to('float64') converts parameters and buffers, keeping requiresGrad and values", () => {
    manualSeed(3);
    const model = new Sequential(new Dense(2, 3), new BatchNorm1d(3));
    const before = model.stateDict();
    model.to("float64");
    for (const [name, t] of Object.entries(model.stateDict())) {
      const original = before[name]!;
      expect(t.dtype).toBe(original.dtype === "int32" ? "int32" : "float64");
      expect(Array.from(t.data)).toEqual(Array.from(original.data));
    }
    expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(model.forward(randn([4, 2], { dtype: "float64" })).dtype).toBe("float64");
  });

  test("gradcheck through a whole nested module, via functionalCall", () => {
    manualSeed(4);
    const net = new Net().to("float64");
    const names = net.namedParameters().map(([n]) => n);
    const x = randn([5, 2], { dtype: "float64" });
    gradcheck(
      (input, ...params) =>
        functionalCall(net, Object.fromEntries(names.map((n, i) => [n, params[i]!])), input),
      [x, ...net.parameters()],
    );
  });
});

test("toString prints the module tree", () => {
  const net = new Sequential(
    new Dense(2, 3, { activation: "relu" }),
    new Dropout(0.2),
    new Dense(3, 1),
  );
  expect(net.toString()).toBe(
    [
      "Sequential(",
      "  (0): Dense(2 → 3, relu)",
      "  (1): Dropout(p=0.2)",
      "  (2): Dense(3 → 1)",
      ")",
    ].join("\n"),
  );
});

test("bad arguments name the layer", () => {
  expect(() => new Dense(0, 2)).toThrow(ValueError);
  expect(() => new Dense(2, 2, { activation: "nope" as "relu" })).toThrow(
    'Dense: unknown activation "nope"',
  );
  expect(() => new MLP([3])).toThrow("MLP: needs at least two sizes");
});

test("loadStateDict rejects entries that are not tensors", () => {
  const layer = new Dense(1, 1);
  const state = { ...layer.stateDict(), bias: [0] as unknown as Tensor };
  expect(() => layer.loadStateDict(state)).toThrow('loadStateDict: entry "bias" is not a Tensor');
});

test("to() takes only a float dtype, and loadStateDict only an object of tensors and a boolean strict", () => {
  const layer = new Dense(2, 2);
  expect(() => layer.to("int32" as "float32")).toThrow(
    'to: expects a float dtype ("float32", "float64") or a device ("cpu", "webgpu"); got int32',
  );
  expect(layer.weight.dtype).toBe("float32");
  expect(() => layer.loadStateDict(null as never)).toThrow(ValueError);
  expect(() => layer.loadStateDict(layer.stateDict(), { strict: "no" as never })).toThrow(
    "loadStateDict: strict must be a boolean; got no",
  );
});
