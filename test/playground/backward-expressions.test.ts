/**
 * The playground's Backward view without a browser: its expression parser (precedence, errors
 * with positions, limits that keep any input from overflowing the stack, nothing evaluated as
 * code) and the gradients it records, checked against the notes' hand-derived formulas.
 */
import { expect, test } from "vitest";
import { record } from "../../examples/web/src/backward/evaluate.js";
import {
  type Expr,
  ParseError,
  parseExpression,
  parseVariables,
} from "../../examples/web/src/backward/parser.js";

/** The expression with every operation in parentheses, to read its structure. */
function show(e: Expr): string {
  switch (e.kind) {
    case "number":
      return String(e.value);
    case "variable":
      return e.name;
    case "negate":
      return `(-${show(e.operand)})`;
    case "binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "call":
      return `${e.name}(${e.args.map(show).join(", ")})`;
  }
}

test("operators bind as in arithmetic: ^ over unary minus over * / @ over + -", () => {
  expect(show(parseExpression("relu(w*x + b)"))).toBe("relu(((w * x) + b))");
  expect(show(parseExpression("a - b - c"))).toBe("((a - b) - c)");
  expect(show(parseExpression("-x^2 * 3"))).toBe("((-(x ^ 2)) * 3)");
  expect(show(parseExpression("W @ x + b / 2"))).toBe("((W @ x) + (b / 2))");
  expect(show(parseExpression("crossEntropy(s, y)"))).toBe("crossEntropy(s, y)");
  expect(show(parseExpression(".5e1 + 2."))).toBe("(5 + 2)");
  // Each subexpression keeps the text the user wrote, which names it in the steps.
  const sum = parseExpression("relu(w*x  +  b)");
  expect(sum.kind === "call" && sum.args[0]!.text).toBe("w*x  +  b");
});

test("mistakes are ParseErrors that say what and where", () => {
  const error = (input: string) => {
    try {
      parseExpression(input);
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      return [(e as ParseError).message, (e as ParseError).at];
    }
    throw new Error(`${input} parsed`);
  };
  // At the end of the last token: the trailing space is not counted.
  expect(error("relu(w*x + ")).toEqual(["the expression ends too early (at character 11)", 10]);
  expect(error("w $ x")).toEqual(['unexpected character "$" (at character 3)', 2]);
  expect(error("(w + x")).toEqual(['expected ")" at the end (at character 7)', 6]);
  expect(error("w x")).toEqual(['unexpected "x" after the expression (at character 3)', 2]);
  expect(error("")).toEqual(["the expression is empty (at character 1)", 0]);
});

test("no input is evaluated as code, and none overflows the stack", () => {
  // Property access, strings, brackets and assignment are not in the grammar.
  for (const input of [
    "globalThis.alert(1)",
    "'x'",
    "x[0]",
    "x = 1",
    "constructor.constructor('')()",
  ]) {
    expect(() => parseExpression(input), input).toThrow(ParseError);
  }
  // A function that is not one of the playground's is refused when recorded.
  expect(() => record(parseExpression("alert(x)"), new Map([["x", 1]]))).toThrow(
    /unknown function alert/,
  );
  expect(() => parseExpression(`${"(".repeat(60)}x${")".repeat(60)}`)).toThrow(/nested deeper/);
  expect(() => parseExpression("-".repeat(60) + "x")).toThrow(/nested deeper/);
  expect(() => parseExpression("x+".repeat(300) + "x")).toThrow(/longer than 500/);
});

test("variables are numbers or nested lists of numbers, read as data", () => {
  const values = parseVariables("w = 2; x = -.5\nb = [1, 2.5]; M = [[1, 0], [0, 1]]");
  expect([...values]).toEqual([
    ["w", 2],
    ["x", -0.5],
    ["b", [1, 2.5]],
    [
      "M",
      [
        [1, 0],
        [0, 1],
      ],
    ],
  ]);
  expect(() => parseVariables("w = 'a'")).toThrow(/not a number or a list of numbers/);
  expect(() => parseVariables('w = {"a": 1}')).toThrow(/must be a number or a list/);
  expect(() => parseVariables("w 2")).toThrow(/expected "name = value"/);
});

test("relu(w*x + b) records five ops' worth of tape and the notes' gradients", () => {
  const recorded = record(parseExpression("relu(w*x + b)"), parseVariables("w = 2; x = 3; b = -1"));
  // Backward order: J first, then each node before its inputs.
  const order = recorded.backwardOrder.map((n) => n.text || n.op);
  expect(order[0]).toBe("relu(w*x + b)");
  expect(order.indexOf("w*x + b")).toBeLessThan(order.indexOf("w*x"));
  expect(order.indexOf("w*x")).toBeLessThan(order.indexOf("w"));
  const grad = (name: string) => Array.from(recorded.leaves.get(name)!.grad?.data ?? []);
  // Leaves' .grad is untouched: the gradients are in the recording.
  expect(grad("w")).toEqual([]);
  const of = (text: string) => recorded.backwardOrder.find((n) => n.text === text)!.grad!.item();
  // z = w·x + b = 5 > 0, so ReLU' = 1 (note 004: ∂J/∂z = ∂J/∂a ⊙ 1{z > 0}); ∂J/∂w = x, ∂J/∂x = w.
  expect([of("relu(w*x + b)"), of("w*x + b"), of("w*x")]).toEqual([1, 1, 1]);
  expect([of("w"), of("x"), of("b")]).toEqual([3, 2, 1]);
  // At z < 0 nothing flows back.
  const off = record(parseExpression("relu(w*x + b)"), parseVariables("w = 2; x = 3; b = -9"));
  expect(off.backwardOrder.find((n) => n.text === "w")!.grad!.item()).toBe(0);
});

test("softmax cross-entropy gives p − onehot(y) (note 004)", () => {
  const recorded = record(
    parseExpression("crossEntropy(s, y)"),
    parseVariables("s = [1, 2, 0.5]; y = 1"),
  );
  const s = [1, 2, 0.5];
  const total = s.reduce((sum, v) => sum + Math.exp(v), 0);
  const expected = s.map((v, k) => Math.exp(v) / total - (k === 1 ? 1 : 0));
  const grad = recorded.backwardOrder.find((n) => n.text === "s")!.grad!;
  for (const [k, v] of Array.from(grad.data).entries()) expect(v).toBeCloseTo(expected[k]!, 12);
});

test("J must be a scalar that depends on a variable", () => {
  expect(() => record(parseExpression("w * x"), parseVariables("w = [1, 2]; x = 3"))).toThrow(
    /J must be a scalar to differentiate; the expression gives \[2\] \(wrap it in sum\(\) or mean\(\)\)/,
  );
  expect(() => record(parseExpression("2 * 3"), new Map())).toThrow(/depends on no variable/);
  expect(() => record(parseExpression("w * q"), parseVariables("w = 1"))).toThrow(/q has no value/);
  expect(() =>
    record(parseExpression("crossEntropy(s, y)"), parseVariables("s = [1, 2]; y = 0.5")),
  ).toThrow(/class index/);
});
