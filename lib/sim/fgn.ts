/**
 * Fractional Gaussian noise (fGn): stationary Gaussian increments of fractional Brownian
 * motion, sampled exactly by Davies–Harte circulant embedding (andi-models.md §1.1), and the
 * AnDi-2 displacement generator `disp_fbm` built on it (§1.2).
 *
 * With Hurst exponent H the lag-k autocorrelation is
 * `rho_H(k) = (|k + 1|^(2H) - 2 |k|^(2H) + |k - 1|^(2H)) / 2`; H = 1/2 is white noise,
 * H > 1/2 positively and H < 1/2 negatively correlated increments. The anomalous exponent of
 * the integrated process is alpha = 2H.
 *
 * @module
 */

import type { Rng } from "../rng.ts";
import { fillStandardNormals, fillWeightedNormals } from "../ziggurat.ts";
import { bitReversed, fft } from "../signal/fft.ts";

/** Options of {@linkcode fractionalGaussianNoise}. */
export interface FractionalGaussianNoiseOptions {
  /**
   * Length t of the time interval the increments tile, as in the reference `stochastic`
   * package: each of the `length` increments has variance (t / length)^(2H).
   * @default {1}
   */
  scale?: number;
}

/** Options of {@linkcode fractionalGaussianNoiseAxes}. */
export interface FractionalGaussianNoiseAxesOptions {
  /** Standard deviation of every increment. @default {1} */
  std?: number;
}

// Square roots of the circulant eigenvalues, divided by sqrt(M), per (M, H). Datasets draw
// many trajectories of one length and exponent, so the embedding is computed once; the bound
// keeps a sweep over continuous exponents (AnDi-2 samples alpha per trajectory) from growing
// without limit. Entries are at most M doubles each.
const MAX_CACHED_EMBEDDINGS = 64;
const embeddings = new Map<string, Embedding>();

/** sqrt(lambda_j / M) of one circulant embedding, in natural and in bit-reversed order. */
interface Embedding {
  roots: Float64Array;
  rootsBitReversed: Float64Array;
}

// Work buffers reused across calls (JavaScript runs one call at a time, and no buffer escapes).
let workRe = new Float64Array(0);
let workIm = new Float64Array(0);

/**
 * Autocorrelation of unit-variance fractional Gaussian noise at lag k:
 * `rho_H(k) = (|k + 1|^(2H) - 2 |k|^(2H) + |k - 1|^(2H)) / 2` (andi-models.md §1.1).
 *
 * @param k lag (frames); any finite number, rho_H is even in k
 * @param hurst Hurst exponent H in (0, 1)
 * @returns rho_H(k); 1 at k = 0, and 2^(2H - 1) - 1 at k = 1
 * @throws {RangeError} when k is not finite or hurst is outside (0, 1)
 *
 * @example Lag-1 correlation is 2^(2H - 1) - 1
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { fgnAutocorrelation } from "./fgn.ts";
 * equal(fgnAutocorrelation(0, 0.3), 1);
 * ok(Math.abs(fgnAutocorrelation(1, 0.75) - (Math.SQRT2 - 1)) < 1e-15);
 * equal(fgnAutocorrelation(3, 0.5), 0);
 * ```
 */
export function fgnAutocorrelation(k: number, hurst: number): number {
  if (typeof k !== "number" || !Number.isFinite(k)) {
    throw new RangeError(
      `Cannot compute fGn autocorrelation: lag k must be a finite number, got ${k}`,
    );
  }
  checkHurst("compute fGn autocorrelation", hurst);
  return autocorrelation(k, hurst);
}

/**
 * Samples `length` increments of fractional Gaussian noise with Hurst exponent H, exactly
 * (Davies–Harte circulant embedding, andi-models.md §1.1), matching the law of the reference
 * `stochastic.FractionalGaussianNoise(hurst, t).sample(length)`: zero mean, variance
 * (t / length)^(2H), lag-k correlation {@linkcode fgnAutocorrelation}.
 *
 * The embedding has size M, the smallest power of two >= 2 (length - 1); its eigenvalues are
 * non-negative for every H in (0, 1), and round-off below zero is clamped to 0. H = 0.5 draws
 * i.i.d. normals directly. Draws M standard normals (ziggurat method, about one 32-bit word
 * each) from `rng`; `length` normals when H = 0.5.
 *
 * @param length number of increments, integer >= 1
 * @param hurst Hurst exponent H in (0, 1)
 * @param rng random stream
 * @param options interval length t
 * @returns Float64Array of `length` increments
 * @throws {RangeError} when length is not a positive integer, hurst is outside (0, 1) or
 * scale is not a finite number > 0
 *
 * @example Unit-interval fGn: cumulative sums form an fBm path on [0, 1]
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { fractionalGaussianNoise } from "./fgn.ts";
 * const noise = fractionalGaussianNoise(999, 0.7, createRng(1));
 * equal(noise.length, 999);
 * ok(noise.every(Number.isFinite));
 * ```
 */
export function fractionalGaussianNoise(
  length: number,
  hurst: number,
  rng: Rng,
  options: FractionalGaussianNoiseOptions = {},
): Float64Array {
  const { scale = 1 } = options;
  const action = "sample fractional Gaussian noise";
  checkLength(action, length);
  checkHurst(action, hurst);
  if (typeof scale !== "number" || !(scale > 0 && Number.isFinite(scale))) {
    throw new RangeError(
      `Cannot ${action}: scale must be a finite number > 0, got ${scale}`,
    );
  }
  return sampleAxes(length, hurst, 1, rng, (scale / length) ** hurst);
}

/**
 * Samples `dim` independent fractional Gaussian noise series of one Hurst exponent at once,
 * interleaved frame-major: entry [t, axis] is increment t of series `axis`. Each series has
 * the law of {@linkcode fractionalGaussianNoise} scaled to standard deviation `std`.
 *
 * Two series share one complex transform (the real and imaginary parts of a circulant
 * embedding driven by complex white noise are independent copies), so sampling axes
 * two axes cost one transform instead of two. Draws M standard normals
 * per series (ziggurat method, about one 32-bit word each).
 *
 * @param length number of increments per series, integer >= 1
 * @param hurst Hurst exponent H in (0, 1)
 * @param dim number of series (spatial dimensions), integer >= 1
 * @param rng random stream
 * @param options standard deviation of each increment
 * @returns Float64Array of shape [length, dim], frame-major
 * @throws {RangeError} when length or dim is not a positive integer, hurst is outside
 * (0, 1) or std is not a finite number >= 0
 *
 * @example Two axes of persistent noise with unit-variance increments
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { fractionalGaussianNoiseAxes } from "./fgn.ts";
 * const steps = fractionalGaussianNoiseAxes(200, 0.8, 2, createRng(3));
 * equal(steps.length, 400);
 * ```
 */
export function fractionalGaussianNoiseAxes(
  length: number,
  hurst: number,
  dim: number,
  rng: Rng,
  options: FractionalGaussianNoiseAxesOptions = {},
): Float64Array {
  const { std = 1 } = options;
  const action = "sample fractional Gaussian noise";
  checkLength(action, length);
  checkHurst(action, hurst);
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`Cannot ${action}: dim must be an integer >= 1, got ${dim}`);
  }
  if (typeof std !== "number" || !(std >= 0 && Number.isFinite(std))) {
    throw new RangeError(`Cannot ${action}: std must be a finite number >= 0, got ${std}`);
  }
  return sampleAxes(length, hurst, dim, rng, std);
}

/**
 * AnDi-2 displacements `disp_fbm(alpha, K, n, dt)` (andi-models.md §1.2): `length`
 * fractional Gaussian increments with H = alpha / 2, each N(0, 2 K dt), lag-k correlation
 * rho_{alpha/2}(k). Summed, one coordinate has MSD 2 K dt tau^alpha (tau in frames).
 *
 * @param alpha anomalous exponent in (0, 2)
 * @param k generalised diffusion coefficient K (length^2 / frame^alpha), finite and >= 0
 * @param length number of displacements, integer >= 1
 * @param rng random stream
 * @param dt frame duration, finite and > 0
 * @returns Float64Array of `length` displacements of one coordinate
 * @throws {RangeError} when alpha is outside (0, 2), k is negative or not finite, length is
 * not a positive integer or dt is not a finite number > 0
 *
 * @example Displacements of one coordinate, K = 0.5 (unit variance)
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { displacementsFbm } from "./fgn.ts";
 * const steps = displacementsFbm(1.4, 0.5, 200, createRng(4));
 * equal(steps.length, 200);
 * ```
 */
export function displacementsFbm(
  alpha: number,
  k: number,
  length: number,
  rng: Rng,
  dt = 1,
): Float64Array {
  const action = "sample FBM displacements";
  if (typeof alpha !== "number" || !(alpha > 0 && alpha < 2)) {
    throw new RangeError(
      `Cannot ${action}: alpha must be in (0, 2), got ${alpha}; FBM needs Hurst exponent ` +
        "alpha / 2 in (0, 1)",
    );
  }
  if (typeof k !== "number" || !(k >= 0 && Number.isFinite(k))) {
    throw new RangeError(`Cannot ${action}: k must be a finite number >= 0, got ${k}`);
  }
  checkLength(action, length);
  if (typeof dt !== "number" || !(dt > 0 && Number.isFinite(dt))) {
    throw new RangeError(`Cannot ${action}: dt must be a finite number > 0, got ${dt}`);
  }
  return sampleAxes(length, alpha / 2, 1, rng, Math.sqrt(2 * k * dt));
}

/** Unchecked core: `dim` interleaved fGn series of `length` increments with std `std`. */
function sampleAxes(
  length: number,
  hurst: number,
  dim: number,
  rng: Rng,
  std: number,
): Float64Array {
  const out = new Float64Array(length * dim);
  if (hurst === 0.5) {
    fillStandardNormals(out, rng);
    if (std !== 1) { for (let i = 0; i < out.length; i++) out[i] *= std; }
    return out;
  }
  const { roots, rootsBitReversed } = embeddingFor(length, hurst);
  const size = roots.length;
  if (workRe.length < size) {
    workRe = new Float64Array(size);
    workIm = new Float64Array(size);
  }
  const re = workRe.length === size ? workRe : workRe.subarray(0, size);
  const im = workIm.length === size ? workIm : workIm.subarray(0, size);
  let axis = 0;
  for (; axis + 1 < dim; axis += 2) {
    // Complex white noise weighted by the root eigenvalues: the real and imaginary parts of
    // its transform are two independent series with the embedded covariance. The weights are
    // i.i.d., so they can be laid out directly in the bit-reversed order the FFT starts from.
    fillWeightedNormals(re, rootsBitReversed, rng);
    fillWeightedNormals(im, rootsBitReversed, rng);
    fft(re, im, { bitReversedInput: true });
    for (let t = 0, o = axis; t < length; t++, o += dim) {
      out[o] = std * re[t];
      out[o + 1] = std * im[t];
    }
  }
  if (axis < dim) {
    // One series: Hermitian weights make the transform real, so M normals suffice.
    fillHermitianWeights(re, im, roots, rng);
    fft(re, im);
    for (let t = 0, o = axis; t < length; t++, o += dim) out[o] = std * re[t];
  }
  return out;
}

/**
 * Weights W with W[M - j] = conj(W[j]), E|W[j]|^2 = 1, W[0] and W[M/2] real, times the
 * root eigenvalues: their transform is real with the embedded covariance.
 */
function fillHermitianWeights(
  re: Float64Array,
  im: Float64Array,
  roots: Float64Array,
  rng: Rng,
): void {
  const size = re.length;
  const half = size >>> 1;
  // Draw all M normals into re first, then spread them out: re[0..half] keep real parts,
  // re[half + 1..M - 1] become the imaginary parts of frequencies 1..half - 1.
  fillStandardNormals(re, rng);
  for (let j = 1; j < half; j++) {
    const weight = roots[j] * Math.SQRT1_2;
    const b = re[half + j] * weight;
    re[j] *= weight;
    im[j] = b;
    im[size - j] = -b;
  }
  for (let j = 1; j < half; j++) re[size - j] = re[j];
  re[0] *= roots[0];
  im[0] = 0;
  re[half] *= roots[half];
  im[half] = 0;
}

/**
 * sqrt(lambda_j / M) for the circulant embedding of size M of the fGn autocovariance, from
 * the small LRU cache when possible.
 */
function embeddingFor(length: number, hurst: number): Embedding {
  let size = 2;
  while (size < 2 * (length - 1)) size *= 2;
  const key = `${size}:${hurst}`;
  const cached = embeddings.get(key);
  if (cached !== undefined) {
    embeddings.delete(key);
    embeddings.set(key, cached);
    return cached;
  }
  const half = size >>> 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  // rho_H(k) from the powers j^(2H), j = 0..half + 1: one power per lag instead of three.
  const powers = new Float64Array(half + 2);
  for (let j = 1; j < powers.length; j++) powers[j] = j ** (2 * hurst);
  re[0] = 1;
  for (let k = 1; k <= half; k++) {
    re[k] = 0.5 * (powers[k + 1] - 2 * powers[k] + powers[k - 1]);
  }
  for (let k = 1; k < half; k++) re[size - k] = re[k];
  fft(re, im);
  // The first row is real and symmetric, so the eigenvalues are the real parts; fGn's are
  // non-negative in exact arithmetic, so a negative value is round-off and becomes 0.
  const roots = new Float64Array(size);
  for (let j = 0; j < size; j++) roots[j] = re[j] > 0 ? Math.sqrt(re[j] / size) : 0;
  const embedding = { roots, rootsBitReversed: bitReversed(roots) };
  if (embeddings.size >= MAX_CACHED_EMBEDDINGS) {
    embeddings.delete(embeddings.keys().next().value as string);
  }
  embeddings.set(key, embedding);
  return embedding;
}

function autocorrelation(k: number, hurst: number): number {
  const twoH = 2 * hurst;
  const a = Math.abs(k);
  return 0.5 * ((a + 1) ** twoH - 2 * a ** twoH + Math.abs(a - 1) ** twoH);
}

function checkLength(action: string, length: number): void {
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`Cannot ${action}: length must be an integer >= 1, got ${length}`);
  }
}

function checkHurst(action: string, hurst: number): void {
  if (typeof hurst !== "number" || !(hurst > 0 && hurst < 1)) {
    throw new RangeError(`Cannot ${action}: hurst must be in (0, 1), got ${hurst}`);
  }
}
