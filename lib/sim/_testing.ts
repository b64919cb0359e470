/**
 * Statistics shared by the simulator tests (not part of the API): sample moments and their
 * standard errors, step extraction, Kolmogorov-Smirnov distances, MSD checks and the MSD-exponent
 * protocols of andi-models.md §7 (rows 4 and 18) with their tolerances.
 *
 * @module
 */

import { deepEqual, notDeepEqual, ok } from "node:assert/strict";
import { fitPowerLawLeastSquares, type PowerLaw } from "../eval/power_law.ts";
import { ensembleMsd, timeAveragedMsd } from "../features/msd.ts";
import { createRng, type Rng } from "../rng.ts";

/** The lags (frames) of the spec's ensemble-MSD exponent fits (andi-models.md §7 row 4). */
export const SPEC_MSD_LAGS: readonly number[] = [10, 20, 50, 100, 200, 500, 999];

/** Mean of the values. */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Sample variance (n - 1 denominator). */
export function variance(values: ArrayLike<number>): number {
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] - m) ** 2;
  return sum / (values.length - 1);
}

/** Standard error of the mean of independent values: sqrt(sample variance / n). */
export function standardErrorOfMean(values: ArrayLike<number>): number {
  return Math.sqrt(variance(values) / values.length);
}

/**
 * Asserts the mean of independent values lies within `standardErrors` standard errors of
 * `expected`. Each value is one statistic of one independent series, so the standard error
 * comes from the spread across series, whatever the correlations inside a series.
 */
export function assertMeanNear(
  values: ArrayLike<number>,
  expected: number,
  what: string,
  standardErrors = 5,
): void {
  const estimate = mean(values);
  const tolerance = standardErrors * standardErrorOfMean(values);
  ok(
    Math.abs(estimate - expected) <= tolerance,
    `${what}: estimate ${estimate}, expected ${expected} ± ${tolerance}`,
  );
}

/** Element of an ascending sample at rank round(p (n - 1)). */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.round(p * (sorted.length - 1))];
}

/** Steps x[t] - x[t - 1], t = 1..length - 1, of one axis of a [length, dim] trajectory. */
export function axisSteps(positions: ArrayLike<number>, dim: number, axis: number): Float64Array {
  const length = positions.length / dim;
  const steps = new Float64Array(length - 1);
  for (let t = 1; t < length; t++) {
    steps[t - 1] = positions[t * dim + axis] - positions[(t - 1) * dim + axis];
  }
  return steps;
}

/**
 * Mean of x[offsetX + t stride] y[offsetY + (t + lag) stride] over 0 <= t < length - lag: the
 * lag-`lag` cross product of two series stored with a stride (axes of a [length, dim] array).
 */
export function laggedProductMean(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  length: number,
  lag: number,
  stride = 1,
  offsetX = 0,
  offsetY = 0,
): number {
  let sum = 0;
  for (let t = 0; t + lag < length; t++) {
    sum += x[offsetX + t * stride] * y[offsetY + (t + lag) * stride];
  }
  return sum / (length - lag);
}

/** `count` draws of `size` values each, concatenated (trajectories as [count, length, dim]). */
export function stackTrajectories(
  count: number,
  size: number,
  draw: () => Float64Array,
): Float64Array {
  const all = new Float64Array(count * size);
  for (let n = 0; n < count; n++) all.set(draw(), n * size);
  return all;
}

/** A simulator called as `(length, alpha, rng, options)` whose options have `dim` (default 2). */
export type AlphaSimulator<O extends { dim?: number }> = (
  length: number,
  alpha: number,
  rng: Rng,
  options?: O,
) => Float64Array;

/** `count` trajectories of `length` frames from one seed, concatenated as [count, length, dim]. */
export type EnsembleSimulator<O extends { dim?: number }> = (
  count: number,
  length: number,
  alpha: number,
  seed: number,
  options?: O,
) => Float64Array;

/**
 * Wraps a simulator into an {@linkcode EnsembleSimulator} that draws from the stream
 * `alpha${alpha}` of `createRng(seed)`, so the alphas of one test do not share draws.
 */
export function ensembleSimulator<O extends { dim?: number }>(
  simulator: AlphaSimulator<O>,
): EnsembleSimulator<O> {
  return function simulateEnsemble(count, length, alpha, seed, options) {
    const rng = createRng(seed).stream(`alpha${alpha}`);
    const size = length * (options?.dim ?? 2);
    return stackTrajectories(count, size, () => simulator(length, alpha, rng, options));
  };
}

/** The bytes of a typed array's own elements, for same-seed comparisons. */
export function asBytes(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Asserts `simulate(seed)` gives the same bytes twice for seed 42 and other bytes for seed 43. */
export function assertSameBytesPerSeed(simulate: (seed: number) => Float64Array): void {
  deepEqual(asBytes(simulate(42)), asBytes(simulate(42)));
  notDeepEqual(asBytes(simulate(42)), asBytes(simulate(43)));
}

/** Kolmogorov-Smirnov distance sup |F_n - F| between a sample and a continuous CDF. */
export function kolmogorovDistance(
  sample: ArrayLike<number>,
  cdf: (x: number) => number,
): number {
  const sorted = Float64Array.from(sample).sort();
  const n = sorted.length;
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    distance = Math.max(distance, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
  }
  return distance;
}

/**
 * Kolmogorov-Smirnov bound for a sample of n at false-alarm rate 1e-4: the
 * Dvoretzky-Kiefer-Wolfowitz inequality P(sup |F_n - F| > e) <= 2 exp(-2 n e^2) set to 1e-4
 * gives e = sqrt(ln(2e4) / (2 n)).
 */
export function dkwBound(n: number): number {
  return Math.sqrt(Math.log(2e4) / (2 * n));
}

/**
 * Weights c_j = (u_j - mean u) / sum (u - mean u)^2 with u_j = log x_j: the least-squares
 * slope of y on log x is sum_j c_j y_j, so its variance follows from the covariance of the y_j.
 */
export function logSlopeWeights(xs: readonly number[]): number[] {
  const logs = xs.map(Math.log);
  const meanLog = mean(logs);
  const spread = logs.reduce((a, u) => a + (u - meanLog) ** 2, 0);
  return logs.map((u) => (u - meanLog) / spread);
}

/** A fitted exponent with its standard error. */
export interface ExponentEstimate {
  /** Exponent. */
  alpha: number;
  /** Standard error of the exponent. */
  standardError: number;
}

/** Options of {@linkcode ensembleMsdExponent}. */
export interface EnsembleMsdExponentOptions {
  /** Spatial dimensions of each simulated trajectory. @default {1} */
  dim?: number;
  /** Lags (frames) of the fit. @default {SPEC_MSD_LAGS} */
  lags?: readonly number[];
}

/**
 * Ensemble-MSD exponent of `count` trajectories from `simulate` (andi-models.md §7 row 4): the
 * least-squares slope of log ensemble MSD on log lag, with its delta-method standard error. The
 * slope is sum_j c_j log M_j ({@linkcode logSlopeWeights}), so
 * Var(slope) ~ sum_jk c_j c_k Cov(S_j, S_k) / (n M_j M_k), where S_j is one trajectory's squared
 * displacement at lag j and M_j its mean over the n trajectories.
 */
export function ensembleMsdExponent(
  simulate: () => Float64Array,
  count: number,
  options: EnsembleMsdExponentOptions = {},
): ExponentEstimate {
  const { dim = 1, lags = SPEC_MSD_LAGS } = options;
  const maxLag = Math.max(...lags);
  const squares = lags.map(() => new Float64Array(count));
  for (let n = 0; n < count; n++) {
    const positions = simulate();
    const msd = ensembleMsd(positions, [1, positions.length / dim, dim], maxLag);
    lags.forEach((lag, j) => squares[j][n] = msd[lag - 1]);
  }
  const means = squares.map(mean);
  const { alpha } = fitPowerLawLeastSquares(lags, means, dim);
  const weights = logSlopeWeights(lags);
  let slopeVariance = 0;
  for (let j = 0; j < lags.length; j++) {
    for (let k = 0; k < lags.length; k++) {
      let covariance = 0;
      for (let n = 0; n < count; n++) {
        covariance += (squares[j][n] - means[j]) * (squares[k][n] - means[k]);
      }
      covariance /= count - 1;
      slopeVariance += weights[j] * weights[k] * covariance / (count * means[j] * means[k]);
    }
  }
  return { alpha, standardError: Math.sqrt(slopeVariance) };
}

/**
 * Asserts an ensemble-MSD exponent matches one the reference measured with the same estimator,
 * law and number of trajectories and printed to 2 decimals. Both carry sampling error, the
 * reference's taken equal to ours; allowed: 4 combined standard errors plus 0.005 for rounding.
 */
export function assertExponentMatchesReference(
  what: string,
  estimate: ExponentEstimate,
  reference: number,
): void {
  const tolerance = 4 * Math.SQRT2 * estimate.standardError + 0.005;
  ok(
    Math.abs(estimate.alpha - reference) < tolerance,
    `${what}: exponent ${estimate.alpha} vs reference ${reference} ± ${tolerance} ` +
      `(standard error ${estimate.standardError})`,
  );
}

/**
 * Time-averaged-MSD exponent of one [length, dim] trajectory: the least-squares slope of log
 * TAMSD on log lag over lags 1..maxLag (andi-models.md §7 row 18).
 */
export function timeAveragedMsdExponent(
  positions: Float64Array,
  dim: number,
  maxLag: number,
): number {
  const lags = Array.from({ length: maxLag }, (_, i) => i + 1);
  const tamsd = timeAveragedMsd(positions, [1, positions.length / dim, dim], maxLag);
  return fitPowerLawLeastSquares(lags, tamsd, dim).alpha;
}

/**
 * Asserts the median of `values` matches a reference median of `referenceCount` values printed
 * to 2 decimals. A sample median has standard error 1 / (2 f sqrt(n)), with 1 / f estimated
 * from our sample as (q(0.6) - q(0.4)) / 0.2. Allowed: 4 combined standard errors (ours and the
 * reference's) plus 0.005 for the rounding.
 */
export function assertMedianMatchesReference(
  values: readonly number[],
  reference: number,
  referenceCount: number,
): void {
  const sorted = [...values].sort((a, b) => a - b);
  const inverseDensity = (quantile(sorted, 0.6) - quantile(sorted, 0.4)) / 0.2;
  const standardError = (n: number) => inverseDensity / (2 * Math.sqrt(n));
  const tolerance = 4 * Math.hypot(standardError(sorted.length), standardError(referenceCount)) +
    0.005;
  const median = quantile(sorted, 0.5);
  ok(
    Math.abs(median - reference) < tolerance,
    `median ${median} vs ${reference} ± ${tolerance}`,
  );
}

/** The law of {@linkcode assertEnsembleMsdPowerLaw}: MSD(t) = 2 dim K t^alpha. */
export interface MsdPowerLaw {
  /** Spatial dimensions. */
  dim: number;
  /** Generalised diffusion coefficient. */
  k: number;
  /** Anomalous exponent. */
  alpha: number;
}

/**
 * Asserts an ensemble MSD of `count` trajectories (entry i is lag i + 1) is 2 dim K t^alpha at
 * each of `lags` (default: every lag it holds). For a Gaussian process with independent axes,
 * |x_t - x_0|^2 / (2 dim K t^alpha) is chi-square with dim degrees of freedom over dim (mean 1,
 * variance 2 / dim), so the ratio's mean over `count` trajectories has standard deviation
 * sqrt(2 / (dim count)); each lag is allowed 5 of them.
 */
export function assertEnsembleMsdPowerLaw(
  msd: ArrayLike<number>,
  count: number,
  law: MsdPowerLaw,
  lags: readonly number[] = Array.from({ length: msd.length }, (_, i) => i + 1),
): void {
  const { dim, k, alpha } = law;
  const tolerance = 5 * Math.sqrt(2 / (dim * count));
  for (const lag of lags) {
    const ratio = msd[lag - 1] / (2 * dim * k * lag ** alpha);
    ok(
      Math.abs(ratio - 1) < tolerance,
      `alpha ${alpha}, K ${k}, dim ${dim}, lag ${lag}: MSD / (2 dim K t^alpha) = ${ratio}, ` +
        `allowed 1 ± ${tolerance}`,
    );
  }
}

/**
 * Fits the ensemble MSD of each of `groups` consecutive, equal sub-ensembles of a
 * [count, length, dim] ensemble at `lags` (default {@linkcode SPEC_MSD_LAGS}), by least squares
 * on log-log axes: independent estimates whose spread gives the pooled estimate's error.
 */
export function fitSubEnsembles(
  positions: Float64Array,
  shape: [number, number, number],
  groups: number,
  lags: readonly number[] = SPEC_MSD_LAGS,
): PowerLaw[] {
  const [count, length, dim] = shape;
  const perGroup = count / groups;
  const size = perGroup * length * dim;
  const maxLag = Math.max(...lags);
  return Array.from({ length: groups }, (_, g) => {
    const msd = ensembleMsd(
      positions.subarray(g * size, (g + 1) * size),
      [perGroup, length, dim],
      maxLag,
    );
    return fitPowerLawLeastSquares(lags, lags.map((lag) => msd[lag - 1]), dim);
  });
}

/** Standard normal CDF through erfc (Numerical Recipes erfcc, relative error < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const poly = -z * z - 1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
                        t *
                          (-1.13520398 +
                            t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(poly);
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}
