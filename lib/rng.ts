/**
 * Seeded, reproducible random numbers with named, independent streams.
 *
 * Every random draw in a workflow (trajectory simulation, dataset splits, weight
 * initialisation, shuffling) should come from a stream created here, so that a run is
 * reproducible from its recorded seed and the stream path alone.
 *
 * ## Generator
 *
 * The core generator is xoshiro128** by Blackman and Vigna: 128 bits of state in four
 * 32-bit words, period 2^128 - 1, and no known failures in TestU01 BigCrush. (Their "+"
 * scrambler leaves the lowest output bits with low linear complexity; "**" does not, but we
 * still build floating-point values from the high bits of each output, so even that caveat
 * would not reach `uniform()`.) It was chosen over the 64-bit xoshiro256 family because
 * JavaScript has fast native 32-bit integer arithmetic (`Math.imul`, `>>> 0`), while 64-bit
 * words would force BigInt, which is one to two orders of magnitude slower. Its state is
 * small enough that creating thousands of streams costs nothing.
 *
 * ## Streams
 *
 * A stream is identified by the root seed plus a path of names, e.g. seed 7 and path
 * `train/simulate`. Its initial state is the first 16 bytes of
 * SHA-256(JSON text of `[seed, ...names]`), read as four little-endian 32-bit words. Because
 * the state depends only on the seed and the path, never on the parent's current state:
 *
 * - adding draws to one stage never changes the numbers another stage sees;
 * - `stream("a").stream("b")` and `stream("b").stream("a")` are different streams;
 * - the same seed and path give the same numbers on every machine and every run.
 *
 * SHA-256 makes the initial states of distinct paths behave like independent random
 * 128-bit values, so overlap between two streams' sequences is astronomically unlikely
 * (the period is 2^128 - 1).
 *
 * @example Reproducible streams
 * ```ts
 * import { equal, notEqual } from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 *
 * const simulate = createRng(7).stream("simulate");
 * const again = createRng(7).stream("simulate");
 * equal(simulate.uniform(), again.uniform());
 * notEqual(createRng(7).stream("split").uniform(), createRng(7).stream("simulate").uniform());
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * A seed accepted by {@linkcode createRng}: a finite integer (number or bigint) or a
 * non-empty string.
 *
 * Integer seeds are compared by value, so `7` and `7n` give the same streams. A string seed
 * is a different seed from the integer with the same digits: `"7"` and `7` give different
 * streams. Strings are used exactly as given (no Unicode normalisation).
 */
export type RngSeed = number | bigint | string;

/**
 * An array that {@linkcode Rng.shuffle} can permute in place: a plain array or any typed
 * array (`DataView` is not accepted).
 */
export type ShuffleTarget =
  | unknown[]
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** Loose view of a shuffle target, so one swap loop serves plain and typed arrays. */
interface Indexable {
  readonly length: number;
  [index: number]: unknown;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_MINUS_53 = 1 / TWO_POW_53;
/** Used only if SHA-256 ever yields 16 zero bytes: xoshiro's all-zero state is a fixed point. */
const NONZERO_FALLBACK_WORD = 0x9e3779b9;

/**
 * A seeded random stream backed by xoshiro128**.
 *
 * Create one with {@linkcode createRng} and derive independent children with
 * {@linkcode Rng.stream}. An `Rng` is mutable: every draw advances its state, and the cached
 * second value of the normal pair (see {@linkcode Rng.normal}) is part of that state. Bulk
 * `fill*` methods produce exactly the values that repeated scalar calls would, so code may
 * switch between them without changing results.
 *
 * @example Draw from a named stream
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 *
 * const rng = createRng(42).stream("noise");
 * const x = rng.uniform();
 * ok(x >= 0 && x < 1);
 * equal(rng.path, "noise");
 * equal(rng.seed, 42);
 * ```
 */
export class Rng {
  readonly #state: Uint32Array;
  readonly #seed: RngSeed | null;
  readonly #names: readonly string[];
  #hasSpareNormal = false;
  #spareNormal = 0;

  private constructor(state: Uint32Array, seed: RngSeed | null, names: readonly string[]) {
    this.#state = state;
    this.#seed = seed;
    this.#names = names;
  }

  /**
   * Create the root stream for a seed. Prefer {@linkcode createRng}, which is the same.
   *
   * @param seed A finite integer (number or bigint) or a non-empty string.
   * @returns The root stream, whose path is the empty string.
   * @throws {TypeError} If the seed is not a number, bigint or string.
   * @throws {RangeError} If the seed is a non-integer or non-finite number, or an empty
   * string.
   *
   * @example
   * ```ts
   * import { equal } from "node:assert/strict";
   * import { createRng, Rng } from "./rng.ts";
   *
   * equal(Rng.fromSeed(3).nextUint32(), createRng(3).nextUint32());
   * ```
   */
  static fromSeed(seed: RngSeed): Rng {
    validateSeed(seed);
    return new Rng(deriveState(seed, []), seed, []);
  }

  /**
   * Create a generator from raw xoshiro128** state words.
   *
   * Intended for known-answer tests against the reference algorithm and for restoring a
   * generator whose words were recorded elsewhere. The result has no seed, so it cannot
   * derive child streams, and its path is the empty string. The words are copied.
   *
   * @param words Four unsigned 32-bit integers, not all zero.
   * @returns A generator starting from exactly that state.
   * @throws {RangeError} If there are not exactly four words, a word is not an integer in
   * [0, 2^32), or all words are zero (a fixed point of the generator).
   *
   * @example
   * ```ts
   * import { equal } from "node:assert/strict";
   * import { Rng } from "./rng.ts";
   *
   * // First output of xoshiro128** from state (1, 2, 3, 4), worked out by hand:
   * // rotl(2 * 5, 7) * 9 = 1280 * 9.
   * equal(Rng.fromState(new Uint32Array([1, 2, 3, 4])).nextUint32(), 11520);
   * ```
   */
  static fromState(words: Uint32Array | readonly number[]): Rng {
    const problem = "state must be four unsigned 32-bit integers";
    if (!(words instanceof Uint32Array) && !Array.isArray(words)) {
      throw new RangeError(`Cannot create random stream: ${problem}, got ${show(words)}`);
    }
    if (words.length !== 4) {
      throw new RangeError(
        `Cannot create random stream: ${problem}, got ${words.length} words`,
      );
    }
    for (const word of words) {
      if (!Number.isInteger(word) || word < 0 || word >= TWO_POW_32) {
        throw new RangeError(`Cannot create random stream: ${problem}, got ${show(word)}`);
      }
    }
    if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0) {
      throw new RangeError(
        "Cannot create random stream: state must not be all zero, got [0, 0, 0, 0]",
      );
    }
    return new Rng(Uint32Array.from(words), null, []);
  }

  /**
   * The seed this stream was derived from, for provenance records.
   *
   * @returns The seed exactly as passed to {@linkcode createRng}, or `null` for a generator
   * built with {@linkcode Rng.fromState}.
   *
   * @example
   * ```ts
   * import { equal } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * equal(createRng("run-2024").stream("a").seed, "run-2024");
   * ```
   */
  get seed(): RngSeed | null {
    return this.#seed;
  }

  /**
   * The stream path, for provenance records: the names from the root joined with "/".
   *
   * Names cannot contain "/", so the path identifies the stream unambiguously.
   *
   * @returns `""` for a root stream, otherwise e.g. `"train/simulate"`.
   *
   * @example
   * ```ts
   * import { equal } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * equal(createRng(1).stream("train").stream("simulate").path, "train/simulate");
   * equal(createRng(1).path, "");
   * ```
   */
  get path(): string {
    return this.#names.join("/");
  }

  /**
   * Derive a named child stream.
   *
   * The child's state depends only on the root seed and the full path of names, never on
   * how much has been drawn from this stream, so draws from the parent (or from siblings)
   * never change what the child produces. Calling `stream` twice with the same name gives
   * two generators that start in the same state.
   *
   * @param name A non-empty name without "/".
   * @returns A fresh generator for the path `${this.path}/${name}`.
   * @throws {TypeError} If `name` is not a string.
   * @throws {RangeError} If `name` is empty or contains "/", or if this generator was built
   * with {@linkcode Rng.fromState} and so has no seed.
   *
   * @example
   * ```ts
   * import { equal, notEqual } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const root = createRng(1);
   * const before = root.stream("a").uniform();
   * root.uniform(); // consuming the parent...
   * equal(root.stream("a").uniform(), before); // ...does not move the child
   * notEqual(root.stream("a").stream("b").uniform(), root.stream("b").stream("a").uniform());
   * ```
   */
  stream(name: string): Rng {
    if (typeof name !== "string") {
      throw new TypeError(
        `Cannot create random stream: name must be a non-empty string, got ${show(name)}`,
      );
    }
    if (name.length === 0) {
      throw new RangeError(
        `Cannot create random stream: name must be a non-empty string, got ${show(name)}`,
      );
    }
    if (name.includes("/")) {
      throw new RangeError(
        `Cannot create random stream: name must not contain "/", got ${show(name)}`,
      );
    }
    if (this.#seed === null) {
      throw new RangeError(
        "Cannot create random stream: a generator built from raw state has no seed, " +
          `got name ${show(name)}`,
      );
    }
    const names = [...this.#names, name];
    return new Rng(deriveState(this.#seed, names), this.#seed, names);
  }

  /**
   * Draw the next raw 32-bit output of xoshiro128**.
   *
   * @returns An integer uniformly distributed in [0, 2^32).
   *
   * @example
   * ```ts
   * import { ok } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const word = createRng(5).nextUint32();
   * ok(Number.isInteger(word) && word >= 0 && word < 2 ** 32);
   * ```
   */
  nextUint32(): number {
    return this.#next();
  }

  /**
   * Draw a uniform double in [0, 1) with 53 random bits.
   *
   * Uses the top 27 bits of one output and the top 26 bits of the next, so every multiple
   * of 2^-53 in [0, 1) is equally likely; 1 is never returned. Consumes two 32-bit outputs.
   *
   * @returns A number in [0, 1).
   *
   * @example
   * ```ts
   * import { ok } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const u = createRng(5).uniform();
   * ok(u >= 0 && u < 1);
   * ```
   */
  uniform(): number {
    const high = this.#next() >>> 5;
    const low = this.#next() >>> 6;
    return (high * 67108864 + low) * TWO_POW_MINUS_53;
  }

  /**
   * Draw a uniform double in [low, high).
   *
   * Computed as `low + (high - low) * uniform()`. If rounding would make the result equal
   * `high`, the draw is repeated, so `high` is never returned.
   *
   * @param low Inclusive lower bound, finite.
   * @param high Exclusive upper bound, finite and greater than `low`; `high - low` must be
   * finite.
   * @returns A number in [low, high).
   * @throws {RangeError} If a bound is not finite, `low >= high`, or `high - low`
   * overflows.
   *
   * @example
   * ```ts
   * import { ok } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const d = createRng(5).uniformRange(0.1, 2);
   * ok(d >= 0.1 && d < 2);
   * ```
   */
  uniformRange(low: number, high: number): number {
    requireFinite("uniform range", "low", low);
    requireFinite("uniform range", "high", high);
    if (!(low < high)) {
      throw new RangeError(
        `Cannot draw uniform range: low must be less than high, got low = ${low}, high = ${high}`,
      );
    }
    const width = high - low;
    if (!Number.isFinite(width)) {
      throw new RangeError(
        `Cannot draw uniform range: high - low must be finite, got ${width}`,
      );
    }
    for (;;) {
      const value = low + width * this.uniform();
      if (value < high) return value;
    }
  }

  /**
   * Draw a uniform integer in [low, highExclusive), without modulo bias.
   *
   * Takes the top ceil(log2(range)) bits of a draw and rejects values outside the range, so
   * each integer is exactly equally likely and on average fewer than two draws are needed.
   * Ranges up to 2^32 use one 32-bit output per attempt; larger ranges (up to 2^53 - 1)
   * use two. A range of one consumes nothing.
   *
   * @param low Inclusive lower bound, a safe integer.
   * @param highExclusive Exclusive upper bound, a safe integer greater than `low`.
   * @returns An integer in [low, highExclusive).
   * @throws {RangeError} If a bound is not a safe integer, `low >= highExclusive`, or the
   * range `highExclusive - low` is not a safe integer.
   *
   * @example
   * ```ts
   * import { ok } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const die = createRng(5).integer(1, 7);
   * ok(Number.isInteger(die) && die >= 1 && die <= 6);
   * ```
   */
  integer(low: number, highExclusive: number): number {
    if (!Number.isSafeInteger(low)) {
      throw new RangeError(`Cannot draw integer: low must be a safe integer, got ${show(low)}`);
    }
    if (!Number.isSafeInteger(highExclusive)) {
      throw new RangeError(
        `Cannot draw integer: highExclusive must be a safe integer, got ${show(highExclusive)}`,
      );
    }
    if (!(low < highExclusive)) {
      throw new RangeError(
        "Cannot draw integer: low must be less than highExclusive, " +
          `got low = ${low}, highExclusive = ${highExclusive}`,
      );
    }
    const range = highExclusive - low;
    if (!Number.isSafeInteger(range)) {
      throw new RangeError(
        `Cannot draw integer: highExclusive - low must be at most 2^53 - 1, got ${range}`,
      );
    }
    return low + this.#below(range);
  }

  /**
   * Draw from a normal distribution (Marsaglia polar method).
   *
   * The polar method produces standard normals in pairs. The second of each pair is cached
   * in the generator and returned, scaled by that call's `mean` and `std`, on the next
   * `normal` or {@linkcode Rng.fillNormal} call; the cache is part of the generator state.
   *
   * @param mean Mean of the distribution, finite. Defaults to 0.
   * @param std Standard deviation, finite and >= 0. Defaults to 1. With 0 the result is
   * `mean`, but randomness is still consumed.
   * @returns A normally distributed number.
   * @throws {RangeError} If `mean` is not finite or `std` is negative or not finite.
   *
   * @example
   * ```ts
   * import { ok } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const z = createRng(5).normal(10, 0.5);
   * ok(Number.isFinite(z));
   * ```
   */
  normal(mean = 0, std = 1): number {
    validateNormal(mean, std);
    return mean + std * this.#standardNormal();
  }

  /**
   * Draw from an exponential distribution with the given rate (inverse transform).
   *
   * Computed as `-log(1 - u) / rate` with `u = uniform()`, evaluated as
   * `-Math.log1p(-u) / rate` for accuracy when `u` is small. Since `u < 1`, the result is
   * always finite.
   *
   * @param rate Rate parameter (1 / mean), finite and > 0. Defaults to 1.
   * @returns A non-negative number with mean `1 / rate`.
   * @throws {RangeError} If `rate` is not a finite number greater than 0.
   *
   * @example
   * ```ts
   * import { ok } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const waitingTime = createRng(5).exponential(2);
   * ok(waitingTime >= 0);
   * ```
   */
  exponential(rate = 1): number {
    validateRate(rate);
    return -Math.log1p(-this.uniform()) / rate;
  }

  /**
   * Fill an array with uniform doubles in [0, 1).
   *
   * Produces exactly the values of `out.length` successive {@linkcode Rng.uniform} calls
   * and leaves the generator in the same state, with less per-call overhead.
   *
   * @param out The array to overwrite.
   * @returns `out`, for chaining.
   * @throws {TypeError} If `out` is not a `Float64Array`.
   *
   * @example
   * ```ts
   * import { deepEqual } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const bulk = createRng(9).fillUniform(new Float64Array(3));
   * const scalar = createRng(9);
   * deepEqual(bulk, Float64Array.of(scalar.uniform(), scalar.uniform(), scalar.uniform()));
   * ```
   */
  fillUniform(out: Float64Array): Float64Array {
    requireFloat64Array("uniform", out);
    for (let i = 0; i < out.length; i++) {
      out[i] = this.uniform();
    }
    return out;
  }

  /**
   * Fill an array with normal draws.
   *
   * Produces exactly the values of `out.length` successive {@linkcode Rng.normal} calls with
   * the same `mean` and `std`, including use of (and leaving behind) the cached spare value
   * of the polar method.
   *
   * @param out The array to overwrite.
   * @param mean Mean of the distribution, finite. Defaults to 0.
   * @param std Standard deviation, finite and >= 0. Defaults to 1.
   * @returns `out`, for chaining.
   * @throws {TypeError} If `out` is not a `Float64Array`.
   * @throws {RangeError} If `mean` is not finite or `std` is negative or not finite.
   *
   * @example
   * ```ts
   * import { deepEqual } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const steps = createRng(9).fillNormal(new Float64Array(3), 0, 2);
   * const scalar = createRng(9);
   * deepEqual(steps, Float64Array.of(scalar.normal(0, 2), scalar.normal(0, 2), scalar.normal(0, 2)));
   * ```
   */
  fillNormal(out: Float64Array, mean = 0, std = 1): Float64Array {
    requireFloat64Array("normal", out);
    validateNormal(mean, std);
    for (let i = 0; i < out.length; i++) {
      out[i] = mean + std * this.#standardNormal();
    }
    return out;
  }

  /**
   * Fill an array with exponential draws.
   *
   * Produces exactly the values of `out.length` successive {@linkcode Rng.exponential} calls
   * with the same `rate`.
   *
   * @param out The array to overwrite.
   * @param rate Rate parameter (1 / mean), finite and > 0. Defaults to 1.
   * @returns `out`, for chaining.
   * @throws {TypeError} If `out` is not a `Float64Array`.
   * @throws {RangeError} If `rate` is not a finite number greater than 0.
   *
   * @example
   * ```ts
   * import { deepEqual } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const waits = createRng(9).fillExponential(new Float64Array(2), 4);
   * const scalar = createRng(9);
   * deepEqual(waits, Float64Array.of(scalar.exponential(4), scalar.exponential(4)));
   * ```
   */
  fillExponential(out: Float64Array, rate = 1): Float64Array {
    requireFloat64Array("exponential", out);
    validateRate(rate);
    for (let i = 0; i < out.length; i++) {
      out[i] = -Math.log1p(-this.uniform()) / rate;
    }
    return out;
  }

  /**
   * Shuffle an array in place (Fisher–Yates).
   *
   * Walks from the last index down, swapping each element with one chosen by
   * {@linkcode Rng.integer} from the not-yet-fixed prefix, so all permutations are equally
   * likely (up to the generator's quality).
   *
   * @param array A plain array or typed array, permuted in place.
   * @returns The same array, for chaining.
   * @throws {TypeError} If `array` is neither an array nor a typed array.
   *
   * @example
   * ```ts
   * import { deepEqual } from "node:assert/strict";
   * import { createRng } from "./rng.ts";
   *
   * const ids = createRng(3).shuffle([1, 2, 3, 4, 5]);
   * deepEqual([...ids].sort(), [1, 2, 3, 4, 5]);
   * ```
   */
  shuffle<T extends ShuffleTarget>(array: T): T {
    const isTyped = ArrayBuffer.isView(array) && !(array instanceof DataView);
    if (!Array.isArray(array) && !isTyped) {
      throw new TypeError(
        `Cannot shuffle: array must be an Array or a typed array, got ${show(array)}`,
      );
    }
    const items: Indexable = array;
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.#below(i + 1);
      const held = items[i];
      items[i] = items[j];
      items[j] = held;
    }
    return array;
  }

  /** One xoshiro128** step: scramble s1 for output, then advance the xorshift state. */
  #next(): number {
    const s = this.#state;
    const s0 = s[0];
    const s1 = s[1];
    const s2 = s[2] ^ s0;
    const s3 = s[3] ^ s1;
    const scaled = Math.imul(s1, 5);
    const result = Math.imul((scaled << 7) | (scaled >>> 25), 9) >>> 0;
    s[0] = s0 ^ s3;
    s[1] = s1 ^ s2;
    s[2] = s2 ^ (s1 << 9);
    s[3] = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /**
   * Unbiased integer in [0, range) for a safe integer range >= 1, by masking to the high
   * bits and rejecting out-of-range values (rejection rate below one half).
   */
  #below(range: number): number {
    if (range === 1) return 0;
    if (range <= TWO_POW_32) {
      const shift = Math.clz32(range - 1);
      for (;;) {
        const candidate = this.#next() >>> shift;
        if (candidate < range) return candidate;
      }
    }
    // Width of the range in bits, between 33 and 53 here.
    const bits = 64 - Math.clz32(Math.floor((range - 1) / TWO_POW_32));
    const divisor = 2 ** (53 - bits);
    for (;;) {
      const high = this.#next() >>> 5;
      const low = this.#next() >>> 6;
      const candidate = Math.floor((high * 67108864 + low) / divisor);
      if (candidate < range) return candidate;
    }
  }

  #standardNormal(): number {
    if (this.#hasSpareNormal) {
      this.#hasSpareNormal = false;
      return this.#spareNormal;
    }
    let u: number;
    let v: number;
    let radiusSquared: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      radiusSquared = u * u + v * v;
    } while (radiusSquared >= 1 || radiusSquared === 0);
    const factor = Math.sqrt((-2 * Math.log(radiusSquared)) / radiusSquared);
    this.#spareNormal = v * factor;
    this.#hasSpareNormal = true;
    return u * factor;
  }
}

/**
 * Create the root random stream for a seed.
 *
 * Derive one child per independent source of randomness with {@linkcode Rng.stream}, and
 * record the seed and each stream's {@linkcode Rng.path} with the run so it can be replayed.
 *
 * @param seed A finite integer (number or bigint) or a non-empty string. Integers are
 * compared by value (`7` and `7n` are the same seed); a string is never the same seed as an
 * integer (`"7"` differs from `7`).
 * @returns The root stream, whose path is the empty string.
 * @throws {TypeError} If the seed is not a number, bigint or string.
 * @throws {RangeError} If the seed is a non-integer or non-finite number, or an empty
 * string.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 *
 * const first = createRng(2024).stream("split").shuffle([0, 1, 2, 3, 4, 5]);
 * const second = createRng(2024n).stream("split").shuffle([0, 1, 2, 3, 4, 5]);
 * deepEqual(first, second);
 * ```
 */
export function createRng(seed: RngSeed): Rng {
  return Rng.fromSeed(seed);
}

function validateSeed(seed: unknown): void {
  const problem = "seed must be a finite integer or a non-empty string";
  if (typeof seed === "bigint") return;
  if (typeof seed === "number") {
    if (Number.isInteger(seed)) return;
    throw new RangeError(`Cannot create random stream: ${problem}, got ${show(seed)}`);
  }
  if (typeof seed === "string") {
    if (seed.length > 0) return;
    throw new RangeError(`Cannot create random stream: ${problem}, got ${show(seed)}`);
  }
  throw new TypeError(`Cannot create random stream: ${problem}, got ${show(seed)}`);
}

/**
 * Hash seed and path into the initial state. Integers are written as exact decimal digits
 * (so 2^60 as a number and as a bigint agree, and no exponent notation appears) and strings
 * as JSON strings, which keeps integer and string seeds apart and every path unambiguous.
 * For safe-integer seeds the text equals `JSON.stringify([seed, ...names])`.
 */
function deriveState(seed: RngSeed, names: readonly string[]): Uint32Array {
  const head = typeof seed === "string" ? JSON.stringify(seed) : BigInt(seed).toString();
  const parts = [head];
  for (const name of names) parts.push(JSON.stringify(name));
  const digest = createHash("sha256").update(`[${parts.join(",")}]`, "utf8").digest();
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) state[i] = digest.readUInt32LE(4 * i);
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = NONZERO_FALLBACK_WORD;
  return state;
}

function validateNormal(mean: number, std: number): void {
  requireFinite("normal", "mean", mean);
  if (typeof std !== "number" || !Number.isFinite(std) || std < 0) {
    throw new RangeError(
      `Cannot draw normal: std must be a finite number >= 0, got ${show(std)}`,
    );
  }
}

function validateRate(rate: number): void {
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate <= 0) {
    throw new RangeError(
      `Cannot draw exponential: rate must be a finite number > 0, got ${show(rate)}`,
    );
  }
}

function requireFinite(what: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(
      `Cannot draw ${what}: ${name} must be a finite number, got ${show(value)}`,
    );
  }
}

function requireFloat64Array(what: string, out: Float64Array): void {
  if (!(out instanceof Float64Array)) {
    throw new TypeError(`Cannot draw ${what}: out must be a Float64Array, got ${show(out)}`);
  }
}

/** Render an offending value for an error message without ever throwing itself. */
function show(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "function":
      return "a function";
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      return `an instance of ${value.constructor?.name ?? "Object"}`;
    default:
      return String(value);
  }
}
