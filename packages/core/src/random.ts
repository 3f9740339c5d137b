import { ValueError } from "./errors.js";

/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). It uses only
 * 32-bit integer arithmetic, so the same seed gives the same numbers on every machine.
 */
export class Generator {
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;
  #spareNormal: number | undefined;

  constructor(seed: number | bigint = 0) {
    this.seed(seed);
  }

  /**
   * Restarts the sequence from `seed`: any integer in [−2⁶³, 2⁶⁴), as `torch.manual_seed`
   * takes it (a negative seed stands for 2⁶⁴ + seed). Numbers past 2⁵³ are not exact, so
   * larger seeds must be BigInts. Distinct seeds give distinct streams.
   */
  seed(seed: number | bigint): void {
    const [low, high] = splitSeed(seed);
    let x = low;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = next();
    this.#s1 = next();
    // s0 is a bijection of the low word and s2 carries the high word, so no two seeds share
    // a state; seeds below 2³² keep the streams they always had.
    this.#s2 = (next() ^ high) >>> 0;
    this.#s3 = next();
    this.#spareNormal = undefined;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /** Uniform in [0, 1), with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal, by the Box–Muller transform. */
  normal(): number {
    if (this.#spareNormal !== undefined) {
      const spare = this.#spareNormal;
      this.#spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low));
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

const TWO_64 = 1n << 64n;

/** The low and high 32-bit words of a seed, checked as `torch.manual_seed` checks it. */
function splitSeed(seed: number | bigint): [number, number] {
  let big: bigint;
  if (typeof seed === "bigint") {
    big = seed;
  } else if (typeof seed === "number" && Number.isInteger(seed)) {
    if (!Number.isSafeInteger(seed)) {
      throw new ValueError(
        "manualSeed",
        `seed ${seed} is past 2^53, where numbers are not exact`,
        "pass the seed as a BigInt, e.g. 12345678901234567890n",
      );
    }
    big = BigInt(seed);
  } else {
    throw new ValueError(
      "manualSeed",
      `the seed must be an integer (a number or a BigInt); got ${typeof seed === "number" ? seed : typeof seed}`,
    );
  }
  if (big < -(1n << 63n) || big >= TWO_64) {
    throw new ValueError("manualSeed", `the seed must lie in [-2^63, 2^64); got ${big}`);
  }
  if (big < 0n) big += TWO_64;
  return [Number(big & 0xffffffffn), Number(big >> 32n)];
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let defaultGenerator = new Generator(0);

/** The generator that `rand`, `randn` and the initialisers use when none is passed. */
export function getDefaultGenerator(): Generator {
  return defaultGenerator;
}

/** Seeds the default generator, as `torch.manual_seed` does. */
export function manualSeed(seed: number | bigint): void {
  defaultGenerator = new Generator(seed);
}
