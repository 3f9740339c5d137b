/**
 * A parser for the Backward view's small expression language, written by hand so that nothing
 * the user types is ever evaluated as JavaScript:
 *
 *   expression := term (("+" | "-") term)*
 *   term       := unary (("*" | "/" | "@") unary)*
 *   unary      := "-" unary | power
 *   power      := primary ("^" unary)?
 *   primary    := number | name | name "(" expression ("," expression)* ")" | "(" expression ")"
 *
 * and for its variables, `name = value` separated by ";" or new lines, where a value is a
 * number or a bracketed list of numbers or of lists (`[1, 2, 0.5]`, `[[1, 0], [0, 1]]`).
 */

/** A parsed expression. */
export type Expr =
  | { kind: "number"; value: number; text: string }
  | { kind: "variable"; name: string; text: string }
  | { kind: "negate"; operand: Expr; text: string }
  | { kind: "binary"; op: "+" | "-" | "*" | "/" | "@" | "^"; left: Expr; right: Expr; text: string }
  | { kind: "call"; name: string; args: Expr[]; text: string };

/** A value of a variable: a number or nested lists of numbers. */
export type Value = number | Value[];

/** A mistake in what the user typed, with where it is. */
export class ParseError extends Error {
  override readonly name = "ParseError";
  /** The character offset of the mistake in the input. */
  readonly at: number;
  constructor(message: string, at: number) {
    super(`${message} (at character ${at + 1})`);
    this.at = at;
  }
}

/** Longer input is refused: this is for small expressions. */
const MAX_LENGTH = 500;
/** Deeper nesting is refused, so no input can overflow the stack. */
const MAX_DEPTH = 50;

type Token = { kind: "number" | "name" | "symbol"; text: string; at: number };

function tokenize(input: string): Token[] {
  if (input.length > MAX_LENGTH) {
    throw new ParseError(`the expression is longer than ${MAX_LENGTH} characters`, MAX_LENGTH);
  }
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|([A-Za-z_]\w*)|([-+*/@^(),]))/y;
  let at = 0;
  while (at < input.length) {
    if (/^\s*$/.test(input.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(input);
    if (!match) {
      const start = at + (input.slice(at).match(/^\s*/)?.[0].length ?? 0);
      throw new ParseError(`unexpected character "${input[start]}"`, start);
    }
    const text = match[1] ?? match[2] ?? match[3]!;
    const kind = match[1] !== undefined ? "number" : match[2] !== undefined ? "name" : "symbol";
    tokens.push({ kind, text, at: pattern.lastIndex - text.length });
    at = pattern.lastIndex;
  }
  return tokens;
}

/** Parses an expression of the grammar above. */
export function parseExpression(input: string): Expr {
  const tokens = tokenize(input);
  let position = 0;
  let depth = 0;
  const peek = () => tokens[position];
  const end = () => (tokens.at(-1) ? tokens.at(-1)!.at + tokens.at(-1)!.text.length : 0);
  const expect = (text: string) => {
    const token = peek();
    if (token?.text !== text) {
      throw new ParseError(
        token ? `expected "${text}" but found "${token.text}"` : `expected "${text}" at the end`,
        token?.at ?? end(),
      );
    }
    position++;
  };
  const span = (from: number) => {
    const first = tokens[from]!;
    const last = tokens[position - 1]!;
    return input.slice(first.at, last.at + last.text.length);
  };
  const nested = <T>(parse: () => T): T => {
    if (++depth > MAX_DEPTH) {
      throw new ParseError(`nested deeper than ${MAX_DEPTH} levels`, peek()?.at ?? end());
    }
    const result = parse();
    depth--;
    return result;
  };

  const expression = (): Expr =>
    nested(() => {
      const from = position;
      let left = term();
      while (peek()?.text === "+" || peek()?.text === "-") {
        const op = tokens[position++]!.text as "+" | "-";
        left = { kind: "binary", op, left, right: term(), text: "" };
        left.text = span(from);
      }
      return left;
    });
  const term = (): Expr => {
    const from = position;
    let left = unary();
    while (["*", "/", "@"].includes(peek()?.text ?? "")) {
      const op = tokens[position++]!.text as "*" | "/" | "@";
      left = { kind: "binary", op, left, right: unary(), text: "" };
      left.text = span(from);
    }
    return left;
  };
  const unary = (): Expr =>
    nested(() => {
      const from = position;
      if (peek()?.text === "-") {
        position++;
        const operand = unary();
        return { kind: "negate", operand, text: span(from) };
      }
      const base = primary();
      if (peek()?.text !== "^") return base;
      position++;
      const exponent = unary();
      return { kind: "binary", op: "^", left: base, right: exponent, text: span(from) };
    });
  const primary = (): Expr => {
    const token = peek();
    const from = position;
    if (!token) throw new ParseError("the expression ends too early", end());
    if (token.kind === "number") {
      position++;
      return { kind: "number", value: Number(token.text), text: token.text };
    }
    if (token.kind === "name") {
      position++;
      if (peek()?.text !== "(") return { kind: "variable", name: token.text, text: token.text };
      position++;
      const args = [expression()];
      while (peek()?.text === ",") {
        position++;
        args.push(expression());
      }
      expect(")");
      return { kind: "call", name: token.text, args, text: span(from) };
    }
    if (token.text === "(") {
      position++;
      const inner = expression();
      expect(")");
      return inner;
    }
    throw new ParseError(`unexpected "${token.text}"`, token.at);
  };

  if (tokens.length === 0) throw new ParseError("the expression is empty", 0);
  const result = expression();
  const rest = peek();
  if (rest) throw new ParseError(`unexpected "${rest.text}" after the expression`, rest.at);
  return result;
}

/** A value checked to be a number or nested lists of numbers. */
function checkValue(value: unknown, name: string): Value {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (Array.isArray(value) && value.length > 0) return value.map((v) => checkValue(v, name));
  throw new ParseError(`${name} must be a number or a list of numbers`, 0);
}

/** Parses `name = value` definitions separated by ";" or new lines. */
export function parseVariables(input: string): Map<string, Value> {
  if (input.length > MAX_LENGTH * 4) {
    throw new ParseError(`the variables are longer than ${MAX_LENGTH * 4} characters`, 0);
  }
  const variables = new Map<string, Value>();
  let offset = 0;
  for (const part of input.split(/[;\n]/)) {
    const at = offset;
    offset += part.length + 1;
    if (part.trim() === "") continue;
    const match = /^\s*([A-Za-z_]\w*)\s*=\s*(.+?)\s*$/.exec(part);
    if (!match) throw new ParseError(`expected "name = value" but found "${part.trim()}"`, at);
    const [, name, text] = match;
    let value: unknown;
    try {
      // JSON for numbers and lists: a data format, never code.
      value = JSON.parse(text!.replace(/(^|[[,\s-])\.(\d)/g, "$10.$2"));
    } catch {
      throw new ParseError(`the value of ${name} is not a number or a list of numbers`, at);
    }
    variables.set(name!, checkValue(value, name!));
  }
  return variables;
}
