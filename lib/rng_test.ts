import { createHash } from "node:crypto";
import { deepEqual, equal, notDeepEqual, ok, throws } from "node:assert/strict";
import { createRng, Rng } from "./rng.ts";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const MASK_32 = 0xffffffffn;

/**
 * Independent xoshiro128** written straight from the published C reference with BigInt
 * arithmetic, sharing no code with lib/rng.ts.
 */
function referenceXoshiro128StarStar(seedWords: readonly number[], count: number): number[] {
  const s = seedWords.map((word) => BigInt(word));
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & MASK_32;
  const outputs: number[] = [];
  for (let i = 0; i < count; i++) {
    outputs.push(Number((rotl((s[1] * 5n) & MASK_32, 7n) * 9n) & MASK_32));
    const t = (s[1] << 9n) & MASK_32;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
  }
  return outputs;
}

function draws(rng: Rng, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(rng.nextUint32());
  return out;
}

function uniformBytes(rng: Rng, count: number): Uint8Array {
  return new Uint8Array(rng.fillUniform(new Float64Array(count)).buffer);
}

function mean(xs: Float64Array): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

function variance(xs: Float64Array): number {
  const m = mean(xs);
  let sum = 0;
  for (const x of xs) sum += (x - m) * (x - m);
  return sum / (xs.length - 1);
}

/** Kolmogorov–Smirnov statistic D = sup |F_n(x) - F(x)| of a sample against a CDF. */
function ksStatistic(sample: Float64Array, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** Asymptotic KS critical value at alpha = 0.01: 1.628 / sqrt(n). */
function ksCritical(n: number): number {
  return 1.628 / Math.sqrt(n);
}

/** erf by Abramowitz & Stegun 7.1.26; absolute error below 1.5e-7, far under KS thresholds. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

function normalCdf(x: number, mu: number, sigma: number): number {
  return 0.5 * (1 + erf((x - mu) / (sigma * Math.SQRT2)));
}

// ---------------------------------------------------------------------------------------------
// Known answers
// ---------------------------------------------------------------------------------------------

Deno.test("Rng.fromState() reproduces hand-computed xoshiro128** outputs for state (1, 2, 3, 4)", () => {
  // By hand from the reference algorithm: output = rotl(s1 * 5, 7) * 9.
  //   step 1: s1 = 2     -> rotl(10, 7) = 1280, * 9 = 11520; next state (7, 0, 1026, 12288)
  //   step 2: s1 = 0     -> 0;                                next state (12295, 1029, 1029, 25165824)
  //   step 3: s1 = 1029  -> rotl(5145, 7) = 658560, * 9 = 5927040
  const rng = Rng.fromState(new Uint32Array([1, 2, 3, 4]));
  deepEqual(draws(rng, 3), [11520, 0, 5927040]);
});

Deno.test("Rng.fromState() matches published xoshiro128** vectors from the C reference", () => {
  // Initial state and first four ** outputs as published alongside a port verified against
  // the C reference implementation (prng.di.unimi.it/xoshiro128starstar.c).
  const state = [0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0];
  deepEqual(draws(Rng.fromState(state), 4), [0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70]);
  deepEqual(referenceXoshiro128StarStar(state, 4), [
    0xf1391922,
    0x6fe53806,
    0xa5be2840,
    0xf510ee70,
  ]);
});

Deno.test("Rng.nextUint32() agrees with an independent BigInt xoshiro128** for 10000 outputs", () => {
  for (
    const state of [
      [1, 2, 3, 4],
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0, 0, 0, 1],
      [0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321],
    ]
  ) {
    deepEqual(draws(Rng.fromState(state), 10000), referenceXoshiro128StarStar(state, 10000));
  }
});

Deno.test("createRng() derives state from the first 16 bytes of SHA-256 of the JSON seed and path", () => {
  for (
    const [seed, names] of [
      [42, []],
      [42, ["a"]],
      [-7, ["train", "simulate"]],
      ["run-α", ["données"]],
    ] as const
  ) {
    const digest = createHash("sha256").update(JSON.stringify([seed, ...names]), "utf8").digest();
    const words = [0, 4, 8, 12].map((offset) => digest.readUInt32LE(offset));
    let rng = createRng(seed);
    for (const name of names) rng = rng.stream(name);
    deepEqual(draws(rng, 20), draws(Rng.fromState(words), 20));
  }
});

Deno.test("createRng(42) keeps producing the recorded first outputs (cross-version reproducibility)", () => {
  // Pinned once from this implementation: recorded experiments depend on these never changing.
  deepEqual(draws(createRng(42), 4), GOLDEN_SEED_42);
  deepEqual(
    draws(createRng(42).stream("train").stream("simulate"), 4),
    GOLDEN_SEED_42_TRAIN_SIMULATE,
  );
});

// Cross-checked with an independent Python (hashlib + xoshiro128**) computation.
const GOLDEN_SEED_42 = [788947005, 2945231312, 3693288248, 2926148916];
const GOLDEN_SEED_42_TRAIN_SIMULATE = [3736010975, 372924136, 3543151541, 2330119462];

// ---------------------------------------------------------------------------------------------
// Determinism and stream independence
// ---------------------------------------------------------------------------------------------

Deno.test("the same seed and stream path give byte-identical sequences of 1000 uniforms", () => {
  deepEqual(uniformBytes(createRng(7), 1000), uniformBytes(createRng(7), 1000));
  deepEqual(
    uniformBytes(createRng(7).stream("a").stream("b"), 1000),
    uniformBytes(createRng(7).stream("a").stream("b"), 1000),
  );
  deepEqual(uniformBytes(createRng("exp-1"), 1000), uniformBytes(createRng("exp-1"), 1000));
});

Deno.test("integer seeds are compared by value: 7, 7n and 2 ** 60 vs 2n ** 60n agree", () => {
  deepEqual(uniformBytes(createRng(7), 100), uniformBytes(createRng(7n), 100));
  deepEqual(uniformBytes(createRng(2 ** 60), 100), uniformBytes(createRng(2n ** 60n), 100));
  deepEqual(uniformBytes(createRng(-0), 100), uniformBytes(createRng(0), 100));
});

Deno.test("different seeds, seed types and stream paths give different sequences", () => {
  const sequences = [
    uniformBytes(createRng(7), 1000),
    uniformBytes(createRng(8), 1000),
    uniformBytes(createRng("7"), 1000),
    uniformBytes(createRng(7).stream("a"), 1000),
    uniformBytes(createRng(7).stream("b"), 1000),
    uniformBytes(createRng(7).stream("a").stream("b"), 1000),
    uniformBytes(createRng(7).stream("b").stream("a"), 1000),
    uniformBytes(createRng(7).stream("ab"), 1000),
  ];
  for (let i = 0; i < sequences.length; i++) {
    for (let j = i + 1; j < sequences.length; j++) notDeepEqual(sequences[i], sequences[j]);
  }
});

Deno.test("a child stream is unaffected by draws from its parent, and the parent by its child", () => {
  const fresh = createRng(11);
  const expectedChild = uniformBytes(fresh.stream("child"), 1000);
  const expectedParent = uniformBytes(createRng(11), 1000);

  const parent = createRng(11);
  parent.fillUniform(new Float64Array(5000));
  parent.normal(); // leaves a cached spare in the parent
  deepEqual(uniformBytes(parent.stream("child"), 1000), expectedChild);

  const untouched = createRng(11);
  const child = untouched.stream("child");
  child.fillUniform(new Float64Array(5000));
  deepEqual(uniformBytes(untouched, 1000), expectedParent);
});

Deno.test("Rng.seed and Rng.path report provenance", () => {
  const rng = createRng(2024n).stream("train").stream("simulate");
  equal(rng.seed, 2024n);
  equal(rng.path, "train/simulate");
  equal(createRng("s").path, "");
  equal(Rng.fromState([1, 2, 3, 4]).seed, null);
  equal(Rng.fromState([1, 2, 3, 4]).path, "");
});

// ---------------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------------

Deno.test("Rng.uniform() has mean 1/2 and variance 1/12 within 5 standard errors (n = 200000, seed 7)", () => {
  const n = 200000;
  const xs = createRng(7).stream("uniform").fillUniform(new Float64Array(n));
  // SE(mean) = sqrt(1/12 / n); SE(variance) = sqrt((mu4 - sigma^4) / n) with mu4 = 1/80.
  ok(Math.abs(mean(xs) - 0.5) < 5 * Math.sqrt(1 / 12 / n));
  ok(Math.abs(variance(xs) - 1 / 12) < 5 * Math.sqrt((1 / 80 - 1 / 144) / n));
  ok(xs.every((x) => x >= 0 && x < 1));
});

Deno.test("Rng.uniform() passes a KS test against U(0, 1): D < 1.628 / sqrt(n) (alpha = 0.01, n = 20000, seed 7)", () => {
  const n = 20000;
  const xs = createRng(7).stream("uniform-ks").fillUniform(new Float64Array(n));
  const d = ksStatistic(xs, (x) => x);
  ok(d < ksCritical(n), `D = ${d}`);
});

Deno.test("Rng.uniform() uses all 53 bits: values are multiples of 2^-53 and low bits vary", () => {
  const xs = createRng(3).fillUniform(new Float64Array(1000));
  ok(xs.every((x) => Number.isInteger(x * 2 ** 53)));
  // A 32-bit construction would leave every value a multiple of 2^-32.
  ok(xs.some((x) => !Number.isInteger(x * 2 ** 32)));
});

Deno.test("consecutive Rng.uniform() draws are uncorrelated: |r| < 5 / sqrt(n) (n = 100000, seed 13)", () => {
  const n = 100000;
  const xs = createRng(13).fillUniform(new Float64Array(n + 1));
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i], y = xs[i + 1];
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  const r = (n * sxy - sx * sy) / Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
  ok(Math.abs(r) < 5 / Math.sqrt(n), `r = ${r}`);
});

Deno.test("Rng.uniformRange() stays in [low, high) with mean (low + high) / 2 within 5 standard errors (n = 100000, seed 5)", () => {
  const n = 100000;
  const rng = createRng(5);
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = rng.uniformRange(-3, 5);
  ok(xs.every((x) => x >= -3 && x < 5));
  ok(Math.abs(mean(xs) - 1) < 5 * Math.sqrt(64 / 12 / n));
});

Deno.test("Rng.normal() has mean 0 and variance 1 within 5 standard errors (n = 200000, seed 7)", () => {
  const n = 200000;
  const xs = createRng(7).stream("normal").fillNormal(new Float64Array(n));
  // SE(mean) = sqrt(1 / n); SE(variance) = sqrt((mu4 - 1) / n) = sqrt(2 / n).
  ok(Math.abs(mean(xs)) < 5 * Math.sqrt(1 / n));
  ok(Math.abs(variance(xs) - 1) < 5 * Math.sqrt(2 / n));
});

Deno.test("Rng.normal(mean, std) scales: mean 3 and variance 4 within 5 standard errors (n = 100000, seed 8)", () => {
  const n = 100000;
  const rng = createRng(8);
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = rng.normal(3, 2);
  ok(Math.abs(mean(xs) - 3) < 5 * Math.sqrt(4 / n));
  ok(Math.abs(variance(xs) - 4) < 5 * Math.sqrt(2 * 16 / n));
});

Deno.test("Rng.normal() passes a KS test against the normal CDF: D < 1.628 / sqrt(n) (alpha = 0.01, n = 20000, seed 7)", () => {
  const n = 20000;
  const xs = createRng(7).stream("normal-ks").fillNormal(new Float64Array(n), 1, 0.5);
  const d = ksStatistic(xs, (x) => normalCdf(x, 1, 0.5));
  ok(d < ksCritical(n), `D = ${d}`);
});

Deno.test("Rng.normal() with std 0 returns the mean", () => {
  equal(createRng(1).normal(2.5, 0), 2.5);
});

Deno.test("Rng.exponential(rate) has mean 1/rate within 5 standard errors (n = 200000, seed 7)", () => {
  const n = 200000;
  const rate = 2.5;
  const xs = createRng(7).stream("exponential").fillExponential(new Float64Array(n), rate);
  // The standard deviation of Exp(rate) is 1 / rate.
  ok(Math.abs(mean(xs) - 1 / rate) < 5 * (1 / rate) / Math.sqrt(n));
  ok(xs.every((x) => x >= 0 && Number.isFinite(x)));
});

Deno.test("Rng.exponential() passes a KS test against 1 - exp(-rate x): D < 1.628 / sqrt(n) (alpha = 0.01, n = 20000, seed 7)", () => {
  const n = 20000;
  const rate = 0.3;
  const rng = createRng(7).stream("exponential-ks");
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = rng.exponential(rate);
  const d = ksStatistic(xs, (x) => 1 - Math.exp(-rate * x));
  ok(d < ksCritical(n), `D = ${d}`);
});

Deno.test("Rng.integer(0, 10) is uniform: chi-square < 21.67 (df = 9, alpha = 0.01, n = 100000, seed 7)", () => {
  const n = 100000;
  const rng = createRng(7).stream("integer");
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < n; i++) counts[rng.integer(0, 10)]++;
  const expected = n / 10;
  const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
  ok(chiSquare < 21.67, `chi-square = ${chiSquare}`);
});

Deno.test("Rng.integer() respects its bounds for small, 2^32 and wider-than-32-bit ranges", () => {
  const rng = createRng(21);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const small = rng.integer(-5, 5);
    ok(Number.isInteger(small) && small >= -5 && small < 5);
    seen.add(small);
    const full = rng.integer(0, 2 ** 32);
    ok(Number.isInteger(full) && full >= 0 && full < 2 ** 32);
    const wide = rng.integer(-(2 ** 40), 2 ** 40 + 3);
    ok(Number.isInteger(wide) && wide >= -(2 ** 40) && wide < 2 ** 40 + 3);
    const huge = rng.integer(0, Number.MAX_SAFE_INTEGER);
    ok(Number.isInteger(huge) && huge >= 0 && huge < Number.MAX_SAFE_INTEGER);
  }
  equal(seen.size, 10);
  equal(rng.integer(4, 5), 4);
});

Deno.test("Rng.integer() over a 2^40 range has mean near the midpoint within 5 standard errors (n = 20000, seed 4)", () => {
  const n = 20000;
  const range = 2 ** 40;
  const rng = createRng(4);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += rng.integer(0, range) / range;
  ok(Math.abs(sum / n - 0.5) < 5 * Math.sqrt(1 / 12 / n));
});

// ---------------------------------------------------------------------------------------------
// Bulk fills equal repeated scalar calls
// ---------------------------------------------------------------------------------------------

Deno.test("Rng.fillUniform() equals repeated Rng.uniform() calls and leaves the same state", () => {
  const bulk = createRng(31);
  const scalar = createRng(31);
  const filled = bulk.fillUniform(new Float64Array(1001));
  const expected = new Float64Array(1001);
  for (let i = 0; i < expected.length; i++) expected[i] = scalar.uniform();
  deepEqual(filled, expected);
  equal(bulk.nextUint32(), scalar.nextUint32());
});

Deno.test("Rng.fillNormal() equals repeated Rng.normal() calls, including the cached spare", () => {
  const bulk = createRng(32);
  const scalar = createRng(32);
  // Start with a spare cached, fill an odd length so a spare is left behind, then draw again.
  const first = [bulk.normal(), scalar.normal()];
  equal(first[0], first[1]);
  const filled = bulk.fillNormal(new Float64Array(1001), -1, 3);
  const expected = new Float64Array(1001);
  for (let i = 0; i < expected.length; i++) expected[i] = scalar.normal(-1, 3);
  deepEqual(filled, expected);
  equal(bulk.normal(), scalar.normal());
  equal(bulk.nextUint32(), scalar.nextUint32());
});

Deno.test("Rng.fillExponential() equals repeated Rng.exponential() calls and leaves the same state", () => {
  const bulk = createRng(33);
  const scalar = createRng(33);
  const filled = bulk.fillExponential(new Float64Array(1001), 0.7);
  const expected = new Float64Array(1001);
  for (let i = 0; i < expected.length; i++) expected[i] = scalar.exponential(0.7);
  deepEqual(filled, expected);
  equal(bulk.nextUint32(), scalar.nextUint32());
});

// ---------------------------------------------------------------------------------------------
// Shuffle
// ---------------------------------------------------------------------------------------------

Deno.test("Rng.shuffle() returns a permutation of its input, in place", () => {
  const items = Array.from({ length: 100 }, (_, i) => `item-${i}`);
  const shuffled = createRng(9).shuffle(items);
  equal(shuffled, items);
  deepEqual([...shuffled].sort(), Array.from({ length: 100 }, (_, i) => `item-${i}`).sort());
  notDeepEqual(shuffled, Array.from({ length: 100 }, (_, i) => `item-${i}`));

  const typed = createRng(9).shuffle(Float64Array.from({ length: 50 }, (_, i) => i));
  deepEqual(Array.from(typed).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  deepEqual(createRng(9).shuffle([]), []);
  deepEqual(createRng(9).shuffle(["only"]), ["only"]);
});

Deno.test("Rng.shuffle() with a fixed seed gives a fixed result", () => {
  const first = createRng(9).stream("shuffle").shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const second = createRng(9).stream("shuffle").shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  deepEqual(first, second);
  deepEqual(first, GOLDEN_SHUFFLE);
});

const GOLDEN_SHUFFLE = [7, 3, 0, 9, 5, 8, 4, 1, 6, 2];

Deno.test("Rng.shuffle() makes all 6 orders of 3 items roughly equally likely: chi-square < 15.09 (df = 5, alpha = 0.01, n = 60000, seed 10)", () => {
  const rng = createRng(10);
  const counts = new Map<string, number>();
  const n = 60000;
  for (let i = 0; i < n; i++) {
    const key = rng.shuffle(["a", "b", "c"]).join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  equal(counts.size, 6);
  const expected = n / 6;
  let chiSquare = 0;
  for (const c of counts.values()) chiSquare += (c - expected) ** 2 / expected;
  ok(chiSquare < 15.09, `chi-square = ${chiSquare}`);
});

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const SEED_MESSAGE =
  "Cannot create random stream: seed must be a finite integer or a non-empty string";

Deno.test("createRng() throws when the seed is not a finite integer or a non-empty string", () => {
  throws(() => createRng(1.5), { name: "RangeError", message: `${SEED_MESSAGE}, got 1.5` });
  throws(() => createRng(NaN), { name: "RangeError", message: `${SEED_MESSAGE}, got NaN` });
  throws(() => createRng(Infinity), {
    name: "RangeError",
    message: `${SEED_MESSAGE}, got Infinity`,
  });
  throws(() => createRng(""), { name: "RangeError", message: `${SEED_MESSAGE}, got ""` });
  throws(() => createRng(null as unknown as number), {
    name: "TypeError",
    message: `${SEED_MESSAGE}, got null`,
  });
  throws(() => createRng(undefined as unknown as number), {
    name: "TypeError",
    message: `${SEED_MESSAGE}, got undefined`,
  });
  throws(() => createRng({} as unknown as number), {
    name: "TypeError",
    message: `${SEED_MESSAGE}, got an instance of Object`,
  });
});

Deno.test("Rng.stream() throws when the name is empty, contains a slash, or is not a string", () => {
  const root = createRng(1);
  throws(() => root.stream(""), {
    name: "RangeError",
    message: 'Cannot create random stream: name must be a non-empty string, got ""',
  });
  throws(() => root.stream("a/b"), {
    name: "RangeError",
    message: 'Cannot create random stream: name must not contain "/", got "a/b"',
  });
  throws(() => root.stream(3 as unknown as string), {
    name: "TypeError",
    message: "Cannot create random stream: name must be a non-empty string, got 3",
  });
});

Deno.test("Rng.stream() throws when the generator was built from raw state", () => {
  throws(() => Rng.fromState([1, 2, 3, 4]).stream("a"), {
    name: "RangeError",
    message: /^Cannot create random stream: a generator built from raw state has no seed/,
  });
});

Deno.test("Rng.fromState() throws when the state is all zero, the wrong length, or not 32-bit words", () => {
  throws(() => Rng.fromState([0, 0, 0, 0]), {
    name: "RangeError",
    message: "Cannot create random stream: state must not be all zero, got [0, 0, 0, 0]",
  });
  throws(() => Rng.fromState([1, 2, 3]), {
    name: "RangeError",
    message:
      "Cannot create random stream: state must be four unsigned 32-bit integers, got 3 words",
  });
  throws(() => Rng.fromState([1, 2, 3, 2 ** 32]), {
    name: "RangeError",
    message:
      "Cannot create random stream: state must be four unsigned 32-bit integers, got 4294967296",
  });
  throws(() => Rng.fromState([1, 2, 3, -1]), {
    message: "Cannot create random stream: state must be four unsigned 32-bit integers, got -1",
  });
});

Deno.test("Rng.uniformRange() throws when a bound is not finite, low >= high, or the width overflows", () => {
  const rng = createRng(1);
  throws(() => rng.uniformRange(NaN, 1), {
    name: "RangeError",
    message: "Cannot draw uniform range: low must be a finite number, got NaN",
  });
  throws(() => rng.uniformRange(0, Infinity), {
    message: "Cannot draw uniform range: high must be a finite number, got Infinity",
  });
  throws(() => rng.uniformRange(1, 1), {
    message: "Cannot draw uniform range: low must be less than high, got low = 1, high = 1",
  });
  throws(() => rng.uniformRange(2, 1), {
    message: "Cannot draw uniform range: low must be less than high, got low = 2, high = 1",
  });
  throws(() => rng.uniformRange(-1e308, 1e308), {
    message: "Cannot draw uniform range: high - low must be finite, got Infinity",
  });
});

Deno.test("Rng.integer() throws when a bound is not a safe integer, low >= highExclusive, or the range is too wide", () => {
  const rng = createRng(1);
  throws(() => rng.integer(0.5, 2), {
    name: "RangeError",
    message: "Cannot draw integer: low must be a safe integer, got 0.5",
  });
  throws(() => rng.integer(0, NaN), {
    message: "Cannot draw integer: highExclusive must be a safe integer, got NaN",
  });
  throws(() => rng.integer(0, 2 ** 53), {
    message: "Cannot draw integer: highExclusive must be a safe integer, got 9007199254740992",
  });
  throws(() => rng.integer(3, 3), {
    message:
      "Cannot draw integer: low must be less than highExclusive, got low = 3, highExclusive = 3",
  });
  throws(() => rng.integer(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), {
    message: /^Cannot draw integer: highExclusive - low must be at most 2\^53 - 1, got /,
  });
});

Deno.test("Rng.normal() and Rng.fillNormal() throw when std is negative or not finite, or mean is not finite", () => {
  const rng = createRng(1);
  throws(() => rng.normal(0, -1), {
    name: "RangeError",
    message: "Cannot draw normal: std must be a finite number >= 0, got -1",
  });
  throws(() => rng.normal(0, Infinity), {
    message: "Cannot draw normal: std must be a finite number >= 0, got Infinity",
  });
  throws(() => rng.normal(NaN), {
    message: "Cannot draw normal: mean must be a finite number, got NaN",
  });
  throws(() => rng.fillNormal(new Float64Array(2), 0, NaN), {
    message: "Cannot draw normal: std must be a finite number >= 0, got NaN",
  });
});

Deno.test("Rng.exponential() and Rng.fillExponential() throw when rate is not a finite number > 0", () => {
  const rng = createRng(1);
  for (
    const [rate, shown] of [[0, "0"], [-2, "-2"], [NaN, "NaN"], [Infinity, "Infinity"]] as const
  ) {
    throws(() => rng.exponential(rate), {
      name: "RangeError",
      message: `Cannot draw exponential: rate must be a finite number > 0, got ${shown}`,
    });
    throws(() => rng.fillExponential(new Float64Array(1), rate), {
      message: `Cannot draw exponential: rate must be a finite number > 0, got ${shown}`,
    });
  }
});

Deno.test("bulk fills throw when out is not a Float64Array", () => {
  const rng = createRng(1);
  const notFloat64 = new Float32Array(2) as unknown as Float64Array;
  throws(() => rng.fillUniform(notFloat64), {
    name: "TypeError",
    message: "Cannot draw uniform: out must be a Float64Array, got an instance of Float32Array",
  });
  throws(() => rng.fillNormal(notFloat64), {
    message: "Cannot draw normal: out must be a Float64Array, got an instance of Float32Array",
  });
  throws(() => rng.fillExponential([] as unknown as Float64Array), {
    message: "Cannot draw exponential: out must be a Float64Array, got an array of length 0",
  });
});

Deno.test("Rng.shuffle() throws when given something other than an array or typed array", () => {
  throws(() => createRng(1).shuffle("abc" as unknown as string[]), {
    name: "TypeError",
    message: 'Cannot shuffle: array must be an Array or a typed array, got "abc"',
  });
  throws(() => createRng(1).shuffle(new DataView(new ArrayBuffer(4)) as unknown as Uint8Array), {
    message: "Cannot shuffle: array must be an Array or a typed array, got an instance of DataView",
  });
});
