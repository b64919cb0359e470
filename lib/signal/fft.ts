/**
 * Fast Fourier transform of complex sequences whose length is a power of two, computed in
 * place on separate real and imaginary Float64Arrays (iterative radix-2, decimation in time).
 *
 * Conventions follow numpy: the forward transform is
 * `X[j] = sum_k x[k] exp(-2 pi i j k / n)` (no scaling) and the inverse transform is
 * `x[k] = (1 / n) sum_j X[j] exp(+2 pi i j k / n)`.
 *
 * @module
 */

/** Options of {@linkcode fft}. */
export interface FftOptions {
  /** Compute the inverse transform (positive exponent, scaled by 1 / n). @default {false} */
  inverse?: boolean;
  /**
   * The input is already in bit-reversed order (as {@linkcode bitReversed} leaves it), so
   * the permutation step is skipped. Useful when the input is generated in any order anyway,
   * e.g. independent random weights. The output is in natural order either way.
   * @default {false}
   */
  bitReversedInput?: boolean;
}

/** Bit-reversal permutation and twiddle factors for one transform size. */
interface FftPlan {
  /** Index pairs (i, j), i < j, to swap for the bit-reversal permutation, flattened. */
  swaps: Uint32Array;
  /** cos(2 pi k / n) for k = 0..n-1. */
  cos: Float64Array;
  /** sin(2 pi k / n) for k = 0..n-1. */
  sin: Float64Array;
}

// Plans are small next to the arrays they transform and only a handful of sizes occur in
// practice, so they are kept for the life of the process; the bound only guards against a
// caller cycling through many sizes.
const MAX_PLANS = 32;
const plans = new Map<number, FftPlan>();

/**
 * Transforms a complex sequence in place: `re[k] + i im[k]`, k = 0..n-1, becomes its discrete
 * Fourier transform (or, with `inverse`, its inverse transform).
 *
 * Cost is O(n log n): radix-4 passes (two radix-2 stages at a time, halving the passes over
 * memory) after one radix-2 pass when log2 n is odd. The bit-reversal permutation and the
 * twiddle factors of each size are computed once and reused.
 *
 * @param re real parts, length n (a power of two, including 1), overwritten
 * @param im imaginary parts, same length as `re`, overwritten
 * @param options direction of the transform, input order
 * @throws {TypeError} when `re` or `im` is not a Float64Array
 * @throws {RangeError} when the lengths differ or are not a power of two
 *
 * @example Transform of a unit impulse is flat, and the inverse restores it
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { fft } from "./fft.ts";
 * const re = Float64Array.of(1, 0, 0, 0);
 * const im = new Float64Array(4);
 * fft(re, im);
 * deepEqual([...re], [1, 1, 1, 1]);
 * fft(re, im, { inverse: true });
 * deepEqual([...re], [1, 0, 0, 0]);
 * ```
 */
export function fft(re: Float64Array, im: Float64Array, options: FftOptions = {}): void {
  const { inverse = false, bitReversedInput = false } = options;
  const n = checkedLength("compute FFT", re, im);
  if (n === 1) return;
  const plan = planFor(n);
  if (!bitReversedInput) permute(re, im, plan.swaps);
  // Forward uses w = exp(-2 pi i k / n) = cos - i sin; the inverse flips the sign of sin.
  const sign = inverse ? 1 : -1;
  const cos = plan.cos;
  const sin = plan.sin;
  let quarter = 1;
  if ((31 - Math.clz32(n)) % 2 === 1) {
    for (let i = 0; i < n; i += 2) {
      const ar = re[i];
      const ai = im[i];
      const br = re[i + 1];
      const bi = im[i + 1];
      re[i] = ar + br;
      im[i] = ai + bi;
      re[i + 1] = ar - br;
      im[i + 1] = ai - bi;
    }
    quarter = 2;
  }
  // Each pass merges four interleaved sub-transforms of size q (bit-reversed order puts them
  // at offsets 0, q, 2q, 3q holding residues 0, 2, 1, 3 mod 4) into one of size 4q.
  for (; quarter < n; quarter *= 4) {
    const size = 4 * quarter;
    const stride = n / size;
    for (let k = 0; k < quarter; k++) {
      const w1r = cos[k * stride];
      const w1i = sign * sin[k * stride];
      const w2r = cos[2 * k * stride];
      const w2i = sign * sin[2 * k * stride];
      const w3r = cos[3 * k * stride];
      const w3i = sign * sin[3 * k * stride];
      for (let a = k; a < n; a += size) {
        const b = a + quarter;
        const c = b + quarter;
        const d = c + quarter;
        const ar = re[a];
        const ai = im[a];
        const xr = re[b];
        const xi = im[b];
        const br = w2r * xr - w2i * xi;
        const bi = w2r * xi + w2i * xr;
        const yr = re[c];
        const yi = im[c];
        const cr = w1r * yr - w1i * yi;
        const ci = w1r * yi + w1i * yr;
        const zr = re[d];
        const zi = im[d];
        const dr = w3r * zr - w3i * zi;
        const di = w3r * zi + w3i * zr;
        const t0r = ar + br;
        const t0i = ai + bi;
        const t1r = ar - br;
        const t1i = ai - bi;
        const t2r = cr + dr;
        const t2i = ci + di;
        // t3 times -i (forward) or +i (inverse): (x + iy)(-i sign') = sign-dependent swap.
        const t3r = cr - dr;
        const t3i = ci - di;
        re[a] = t0r + t2r;
        im[a] = t0i + t2i;
        re[c] = t0r - t2r;
        im[c] = t0i - t2i;
        // Forward: X[k + q] = t1 - i t3, X[k + 3q] = t1 + i t3; inverse swaps the signs.
        re[b] = t1r - sign * t3i;
        im[b] = t1i + sign * t3r;
        re[d] = t1r + sign * t3i;
        im[d] = t1i - sign * t3r;
      }
    }
  }
  if (inverse) {
    const scale = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] *= scale;
      im[i] *= scale;
    }
  }
}

/**
 * Returns a copy of `values` in bit-reversed order: entry i of the result is entry
 * bitreverse(i) of the input (log2 n bits). The permutation is its own inverse.
 *
 * @param values a sequence whose length is a power of two
 * @returns a new Float64Array of the same length
 * @throws {TypeError} when `values` is not a Float64Array
 * @throws {RangeError} when the length is not a power of two
 *
 * @example Eight entries: index 1 (001) trades places with 4 (100), 3 (011) with 6 (110)
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { bitReversed } from "./fft.ts";
 * deepEqual([...bitReversed(Float64Array.of(0, 1, 2, 3, 4, 5, 6, 7))], [0, 4, 2, 6, 1, 5, 3, 7]);
 * ```
 */
export function bitReversed(values: Float64Array): Float64Array {
  const n = checkedLength("bit-reverse", values, values);
  const copy = values.slice();
  if (n > 1) permute(copy, copy.subarray(0, 0), planFor(n).swaps);
  return copy;
}

function permute(re: Float64Array, im: Float64Array, swaps: Uint32Array): void {
  const withImaginary = im.length > 0;
  for (let s = 0; s < swaps.length; s += 2) {
    const i = swaps[s];
    const j = swaps[s + 1];
    const tr = re[i];
    re[i] = re[j];
    re[j] = tr;
    if (withImaginary) {
      const ti = im[i];
      im[i] = im[j];
      im[j] = ti;
    }
  }
}

function checkedLength(action: string, re: Float64Array, im: Float64Array): number {
  if (!(re instanceof Float64Array) || !(im instanceof Float64Array)) {
    const bad = re instanceof Float64Array ? im : re;
    throw new TypeError(
      `Cannot ${action}: input must be Float64Arrays, got ${describe(bad)}; ` +
        "copy the values into a Float64Array",
    );
  }
  const n = re.length;
  if (im.length !== n) {
    throw new RangeError(
      `Cannot ${action}: re and im must have the same length, got ${n} and ${im.length}`,
    );
  }
  if (n === 0 || (n & (n - 1)) !== 0 || n > 2 ** 30) {
    throw new RangeError(
      `Cannot ${action}: length must be a power of two between 1 and 2^30, got ${n}; ` +
        "zero-pad to the next power of two",
    );
  }
  return n;
}

function planFor(n: number): FftPlan {
  const cached = plans.get(n);
  if (cached !== undefined) return cached;
  const bits = 31 - Math.clz32(n);
  const pairs: number[] = [];
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let b = 0, v = i; b < bits; b++, v >>>= 1) j = (j << 1) | (v & 1);
    if (i < j) pairs.push(i, j);
  }
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const angle = (2 * Math.PI * k) / n;
    cos[k] = Math.cos(angle);
    sin[k] = Math.sin(angle);
  }
  const plan = { swaps: Uint32Array.from(pairs), cos, sin };
  if (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value as number);
  plans.set(n, plan);
  return plan;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return `an instance of ${value.constructor?.name ?? "Object"}`;
}
