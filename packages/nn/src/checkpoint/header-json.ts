// The JSON of a safetensors header, parsed as the reference implementation parses it (Rust's
// serde_json, without its float_roundtrip feature). JSON.parse accepts more than serde_json
// does and says less about what it read (integers written as `8.0`, lone surrogate escapes,
// duplicated keys, unbounded nesting), so a file JSON.parse reads may be one Python refuses.
// Nesting is bounded as serde_json bounds it, so the recursion here cannot overflow the stack.

/** A parsed JSON value; objects keep every entry in order, duplicates included. */
export type JsonValue =
  | { readonly kind: "null" }
  | { readonly kind: "boolean"; readonly value: boolean }
  /** `unsigned` is set for a non-negative integer literal that fits 64 bits (serde's u64). */
  | { readonly kind: "number"; readonly text: string; readonly unsigned?: bigint }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "array"; readonly items: readonly JsonValue[] }
  | { readonly kind: "object"; readonly entries: readonly (readonly [string, JsonValue])[] };

/** serde_json refuses the 128th nested array or object. */
export const MAX_NESTING = 127;

const U64_MAX = 2n ** 64n - 1n;
const I32_MAX = 2 ** 31 - 1;
/** serde_json's table of powers of ten: the correctly rounded literals 1e0 to 1e308. */
const POW10 = Array.from({ length: 309 }, (_, k) => Number(`1e${k}`));

const NULL: JsonValue = { kind: "null" };
const TRUE: JsonValue = { kind: "boolean", value: true };
const FALSE: JsonValue = { kind: "boolean", value: false };

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Parses `text` as serde_json does; `fail` receives what is wrong and the character offset.
 * Besides JSON's grammar this rejects escaped surrogates that do not pair up, more than
 * `MAX_NESTING` levels, and numbers serde_json finds out of range.
 */
export function parseHeaderJson(text: string, fail: (problem: string) => never): JsonValue {
  let pos = 0;
  const error = (what: string): never => fail(`${what} at character ${pos}`);
  const skipSpace = () => {
    while (pos < text.length && isSpace(text.charCodeAt(pos))) pos++;
  };
  const expect = (c: string, what: string) => {
    skipSpace();
    if (text[pos] !== c) error(`expected ${what}`);
    pos++;
  };

  function value(depth: number): JsonValue {
    skipSpace();
    if (pos >= text.length) return error("unexpected end of the header, expected a value");
    const c = text.charCodeAt(pos);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth + 1 > MAX_NESTING) error(`more than ${MAX_NESTING} nested arrays and objects`);
      return c === 0x7b ? object(depth + 1) : array(depth + 1);
    }
    if (c === 0x22 /* " */) return { kind: "string", value: string() };
    if (c === 0x2d /* - */ || isDigit(c)) return number();
    for (const [word, literal] of [
      ["null", NULL],
      ["true", TRUE],
      ["false", FALSE],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return literal;
      }
    }
    return error("expected a value");
  }

  function object(depth: number): JsonValue {
    pos++;
    const entries: [string, JsonValue][] = [];
    skipSpace();
    if (text[pos] === "}") {
      pos++;
      return { kind: "object", entries };
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"')
        error(entries.length ? "expected a key (trailing comma?)" : "expected a key");
      const key = string();
      expect(":", "':' after a key");
      entries.push([key, value(depth)]);
      skipSpace();
      if (text[pos] === ",") {
        pos++;
        continue;
      }
      expect("}", "',' or '}' in an object");
      return { kind: "object", entries };
    }
  }

  function array(depth: number): JsonValue {
    pos++;
    const items: JsonValue[] = [];
    skipSpace();
    if (text[pos] === "]") {
      pos++;
      return { kind: "array", items };
    }
    for (;;) {
      skipSpace();
      if (text[pos] === "]" && items.length) error("expected a value (trailing comma?)");
      items.push(value(depth));
      skipSpace();
      if (text[pos] === ",") {
        pos++;
        continue;
      }
      expect("]", "',' or ']' in an array");
      return { kind: "array", items };
    }
  }

  function hex4(): number {
    const digits = text.slice(pos, pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) error("expected four hex digits after \\u");
    pos += 4;
    return Number.parseInt(digits, 16);
  }

  function string(): string {
    pos++;
    let out = "";
    let run = pos;
    for (;;) {
      if (pos >= text.length) return error("unterminated string");
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(run, pos);
        pos++;
        return out;
      }
      if (c < 0x20) error("control character in a string (escape it)");
      if (c !== 0x5c /* \ */) {
        pos++;
        continue;
      }
      out += text.slice(run, pos);
      pos++;
      const e = text[pos++];
      const simple = e === undefined ? undefined : ESCAPES[e];
      if (simple !== undefined) out += simple;
      else if (e === "u") out += unicodeEscape();
      else error("invalid escape in a string");
      run = pos;
    }
  }

  // serde_json decodes a surrogate pair only as two escapes, and refuses a lone half.
  function unicodeEscape(): string {
    const unit = hex4();
    if (unit >= 0xdc00 && unit <= 0xdfff) error("lone trailing surrogate in a \\u escape");
    if (unit < 0xd800 || unit > 0xdbff) return String.fromCharCode(unit);
    if (text[pos] !== "\\" || text[pos + 1] !== "u")
      error("lone leading surrogate in a \\u escape");
    pos += 2;
    const low = hex4();
    if (low < 0xdc00 || low > 0xdfff) error("lone leading surrogate in a \\u escape");
    return String.fromCharCode(unit, low);
  }

  function number(): JsonValue {
    const start = pos;
    if (text[pos] === "-") pos++;
    if (!isDigit(text.charCodeAt(pos))) error("invalid number");
    if (text[pos] === "0" && isDigit(text.charCodeAt(pos + 1))) {
      pos++;
      error("invalid number (leading zero)");
    }
    while (isDigit(text.charCodeAt(pos))) pos++;
    const integer = pos;
    if (text[pos] === ".") {
      pos++;
      if (!isDigit(text.charCodeAt(pos))) error("invalid number (no digit after '.')");
      while (isDigit(text.charCodeAt(pos))) pos++;
    }
    if (text[pos] === "e" || text[pos] === "E") {
      pos++;
      if (text[pos] === "+" || text[pos] === "-") pos++;
      if (!isDigit(text.charCodeAt(pos))) error("invalid number (no digit in the exponent)");
      while (isDigit(text.charCodeAt(pos))) pos++;
    }
    const lexeme = text.slice(start, pos);
    if (integer === pos && lexeme[0] !== "-") {
      const n = BigInt(lexeme);
      if (n <= U64_MAX) return { kind: "number", text: lexeme, unsigned: n };
    }
    if (!serdeFloatInRange(lexeme)) error(`number ${lexeme} out of range`);
    return { kind: "number", text: lexeme };
  }

  const result = value(0);
  skipSpace();
  if (pos < text.length) error("trailing characters after the header's JSON");
  return result;
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/**
 * Whether serde_json (without float_roundtrip) reads a valid number lexeme as a finite f64: a
 * u64 significand of the leading digits that fit, a decimal exponent, and one multiply by its
 * table of powers of ten. Only infinity is an error, so the f64's exact value does not matter.
 */
function serdeFloatInRange(lexeme: string): boolean {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?)(\d+))?$/.exec(lexeme)!;
  const [, whole, fraction = "", sign, exponentDigits] = match;
  let significand = 0n;
  let exponent = 0;
  let full = false;
  for (const d of whole!) {
    if (!full && significand * 10n + BigInt(d) <= U64_MAX)
      significand = significand * 10n + BigInt(d);
    else {
      // parse_long_integer: further integer digits only scale the number.
      full = true;
      exponent++;
    }
  }
  for (const d of fraction) {
    // parse_decimal stops at the first digit that overflows and ignores the rest.
    if (significand * 10n + BigInt(d) > U64_MAX) break;
    significand = significand * 10n + BigInt(d);
    exponent--;
  }
  if (exponentDigits !== undefined) {
    let written = 0;
    for (const d of exponentDigits) {
      written = written * 10 + Number(d);
      if (written > I32_MAX) {
        // parse_exponent_overflow: infinity unless the number is zero or the exponent negative.
        return significand === 0n || sign === "-";
      }
    }
    exponent = Math.max(
      -(2 ** 31),
      Math.min(I32_MAX, exponent + (sign === "-" ? -written : written)),
    );
  }
  let f = Number(significand);
  for (;;) {
    const k = Math.abs(exponent);
    if (k < POW10.length && exponent !== -(2 ** 31)) {
      if (exponent >= 0) return Number.isFinite(f * POW10[k]!);
      return true;
    }
    if (f === 0) return true;
    if (exponent >= 0) return false;
    f /= 1e308;
    exponent += 308;
  }
}
