/**
 * Per-particle diffusion parameters of the AnDi-2 phenomenological models
 * (andi-models.md §1.3 `gaussian`, §4 `_sample_diff_parameters`).
 *
 * A parameter is given either as a plain number, used as is, or as `[mean, variance]`, from
 * which each particle draws its own value from a normal distribution truncated to the model's
 * bounds: alpha in [0, 1.999], K in [1e-12, 1e6]. The second entry is a VARIANCE, as in the
 * reference code, not a standard deviation.
 *
 * @module
 */

import type { Rng } from "../../rng.ts";

/**
 * How a diffusion parameter is chosen: a number (every particle gets exactly it) or
 * `[mean, variance]` (each particle draws from N(mean, variance) truncated to the
 * parameter's bounds; variance 0 gives the mean, which must then lie inside the bounds).
 */
export type ParameterDistribution = number | readonly [mean: number, variance: number];

/** Which parameter a distribution describes; it fixes the truncation bounds. */
export type ParameterKind = "alpha" | "k";

/** Bounds of sampled anomalous exponents, [0, 1.999] (andi-models.md §4). */
export const ALPHA_BOUNDS: readonly [number, number] = [0, 1.999];

/** Bounds of sampled generalised diffusion coefficients K, [1e-12, 1e6] px^2/frame^alpha. */
export const K_BOUNDS: readonly [number, number] = [1e-12, 1e6];

/** Draws allowed per state before a constraint (`epsilonAlpha`, `gammaK`) gives up. */
const MAX_CONSTRAINT_DRAWS = 100;

/** Options of {@linkcode sampleStateParameters}. */
export interface StateParameterOptions {
  /**
   * epsilon_a of the reference: for each state i >= 1, alpha_i is redrawn until
   * alpha_{i-1} - alpha_i >= epsilonAlpha[i - 1]; an entry 0 means no constraint.
   * Length: number of states - 1.
   * @default {all zeros}
   */
  epsilonAlpha?: readonly number[];
  /**
   * gamma_d of the reference: for each state i >= 1 with gammaK[i - 1] = g, K_i is redrawn
   * until K_i <= g K_{i-1} (g < 1) or K_i >= g K_{i-1} (g > 1); g = 1 means no constraint.
   * Length: number of states - 1.
   * @default {all ones}
   */
  gammaK?: readonly number[];
}

/** Anomalous exponents and K of each state of one particle. */
export interface StateParameters {
  /** alpha of each state, indexed by state number. */
  alphas: number[];
  /** K of each state (px^2 / frame^alpha), indexed by state number. */
  ks: number[];
}

/**
 * Checks a parameter distribution before any simulation work, with the message a simulator
 * should show.
 *
 * A plain number must be finite; an alpha used as is must lie in (0, 2) (fractional Brownian
 * motion needs Hurst exponent alpha / 2 in (0, 1)) and a K must be >= 0. A `[mean, variance]`
 * pair needs a finite mean and a finite variance >= 0; with variance 0 the mean is used as
 * is, so it must lie inside the bounds (and an alpha must also be > 0).
 *
 * @param action what the caller was doing, e.g. `"simulate single_state"`
 * @param name option name shown in the message, e.g. `"alphas[1]"`
 * @param distribution the distribution to check
 * @param kind `"alpha"` or `"k"`
 * @throws {TypeError} when the distribution is neither a number nor a pair of numbers
 * @throws {RangeError} when a value is out of range
 *
 * @example A variance of 0 with a mean outside the bounds is rejected
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { checkParameterDistribution } from "./parameters.ts";
 * checkParameterDistribution("simulate", "ks", [1, 0.01], "k");
 * throws(() => checkParameterDistribution("simulate", "alphas", [2.5, 0], "alpha"), RangeError);
 * ```
 */
export function checkParameterDistribution(
  action: string,
  name: string,
  distribution: ParameterDistribution,
  kind: ParameterKind,
): void {
  const [low, high] = kind === "alpha" ? ALPHA_BOUNDS : K_BOUNDS;
  if (typeof distribution === "number") {
    if (kind === "alpha" && !(distribution > 0 && distribution < 2)) {
      throw new RangeError(
        `Cannot ${action}: ${name} must be in (0, 2), got ${distribution}; ` +
          "FBM needs Hurst exponent alpha / 2 in (0, 1)",
      );
    }
    if (kind === "k" && !(distribution >= 0 && Number.isFinite(distribution))) {
      throw new RangeError(
        `Cannot ${action}: ${name} must be a finite number >= 0, got ${distribution}`,
      );
    }
    return;
  }
  if (
    !Array.isArray(distribution) || distribution.length !== 2 ||
    typeof distribution[0] !== "number" || typeof distribution[1] !== "number"
  ) {
    throw new TypeError(
      `Cannot ${action}: ${name} must be a number or [mean, variance], got ${show(distribution)}`,
    );
  }
  const [mean, variance] = distribution;
  if (!Number.isFinite(mean)) {
    throw new RangeError(`Cannot ${action}: ${name} mean must be finite, got ${mean}`);
  }
  if (!(variance >= 0 && Number.isFinite(variance))) {
    throw new RangeError(
      `Cannot ${action}: ${name} variance must be a finite number >= 0, got ${variance}`,
    );
  }
  if (Math.sqrt(variance) === 0 && !(mean >= low && mean <= high && (kind === "k" || mean > 0))) {
    throw new RangeError(
      `Cannot ${action}: ${name} with variance 0 must have its mean in ` +
        `${kind === "alpha" ? "(" : "["}${low}, ${high}], got ${mean}; ` +
        "give a variance > 0 to draw from a truncated normal instead",
    );
  }
}

/**
 * Draws one parameter value (the reference's `gaussian(params, bound)`): a plain number is
 * returned as is; `[mean, variance]` gives a draw from N(mean, variance) truncated to the
 * kind's bounds (alpha [0, 1.999], excluding 0 itself; K [1e-12, 1e6]).
 *
 * The truncated normal is sampled exactly by rejection (Robert 1995: exponential proposals
 * in a tail, uniform proposals on a narrow interval), so a mean far outside the bounds, e.g.
 * a negative alpha mean, costs no more than one inside them. Validate first with
 * {@linkcode checkParameterDistribution}; this function assumes a valid distribution.
 *
 * @param distribution a number or `[mean, variance]`
 * @param kind `"alpha"` or `"k"`
 * @param rng random stream
 * @returns the parameter value
 *
 * @example A narrow distribution of K around 1 px^2/frame
 * ```ts
 * import { ok, equal } from "node:assert/strict";
 * import { createRng } from "../../rng.ts";
 * import { sampleParameter } from "./parameters.ts";
 * const rng = createRng(1);
 * const k = sampleParameter([1, 0.01], "k", rng);
 * ok(k > 0.3 && k < 1.7);
 * equal(sampleParameter(0.7, "alpha", rng), 0.7);
 * ```
 */
export function sampleParameter(
  distribution: ParameterDistribution,
  kind: ParameterKind,
  rng: Rng,
): number {
  if (typeof distribution === "number") return distribution;
  const [mean, variance] = distribution;
  const std = Math.sqrt(variance);
  if (std === 0) return mean;
  const [low, high] = kind === "alpha" ? ALPHA_BOUNDS : K_BOUNDS;
  const a = (low - mean) / std;
  const b = (high - mean) / std;
  // A spread tiny next to the distance to the bounds overflows; all mass then sits on a bound.
  if (a === Infinity) return Math.max(low, Number.MIN_VALUE);
  if (b === -Infinity) return high;
  for (;;) {
    const value = mean + std * standardNormalBetween(a, b, rng);
    // Rounding can land a hair outside; alpha 0 is excluded because FBM needs alpha > 0.
    if (value >= low && value <= high && (kind === "k" || value > 0)) return value;
  }
}

/**
 * Draws alpha and K of every state of one particle (the reference's
 * `_sample_diff_parameters`): for state 0, alpha then K; for each later state, alpha and K,
 * then alpha redrawn until the `epsilonAlpha` constraint holds and K redrawn until the
 * `gammaK` constraint holds (at most 100 redraws each).
 *
 * @param alphas alpha distribution of each state
 * @param ks K distribution of each state, same length as `alphas`
 * @param rng random stream
 * @param options optional constraints between consecutive states
 * @returns the values, indexed by state number
 * @throws {RangeError} when a constraint is still violated after 100 redraws
 *
 * @example Two states, the second slower: K_1 <= 0.5 K_0
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createRng } from "../../rng.ts";
 * import { sampleStateParameters } from "./parameters.ts";
 * const { alphas, ks } = sampleStateParameters([[1, 0.01], [0.5, 0.01]], [[1, 0.01], [0.3, 0.01]],
 *   createRng(2), { gammaK: [0.5] });
 * ok(ks[1] <= 0.5 * ks[0] && alphas.length === 2);
 * ```
 */
export function sampleStateParameters(
  alphas: readonly ParameterDistribution[],
  ks: readonly ParameterDistribution[],
  rng: Rng,
  options: StateParameterOptions = {},
): StateParameters {
  const { epsilonAlpha, gammaK } = options;
  const result: StateParameters = { alphas: [], ks: [] };
  for (let state = 0; state < alphas.length; state++) {
    let alpha = sampleParameter(alphas[state], "alpha", rng);
    let k = sampleParameter(ks[state], "k", rng);
    if (state > 0) {
      const epsilon = epsilonAlpha?.[state - 1] ?? 0;
      const previousAlpha = result.alphas[state - 1];
      for (let draws = 0; epsilon !== 0 && previousAlpha - alpha < epsilon; draws++) {
        if (draws === MAX_CONSTRAINT_DRAWS) {
          throw new RangeError(
            `Cannot sample state parameters: alpha of state ${state} missed ` +
              `alpha_${state - 1} - alpha_${state} >= ${epsilon} in ${MAX_CONSTRAINT_DRAWS} ` +
              `draws, got alpha_${state - 1} = ${previousAlpha}; move the alpha distributions ` +
              "apart or lower epsilonAlpha",
          );
        }
        alpha = sampleParameter(alphas[state], "alpha", rng);
      }
      const gamma = gammaK?.[state - 1] ?? 1;
      const previousK = result.ks[state - 1];
      for (let draws = 0; violatesKRatio(previousK, k, gamma); draws++) {
        if (draws === MAX_CONSTRAINT_DRAWS) {
          throw new RangeError(
            `Cannot sample state parameters: K of state ${state} missed the ratio ` +
              `${gamma} to K_${state - 1} = ${previousK} in ${MAX_CONSTRAINT_DRAWS} draws; ` +
              "move the K distributions apart or bring gammaK closer to 1",
          );
        }
        k = sampleParameter(ks[state], "k", rng);
      }
    }
    result.alphas.push(alpha);
    result.ks.push(k);
  }
  return result;
}

/** The reference's `_constraint_d`: true when K must be redrawn. */
function violatesKRatio(previousK: number, k: number, gamma: number): boolean {
  if (gamma < 1) return k > previousK * gamma;
  if (gamma > 1) return k < previousK * gamma;
  return false;
}

/** Standard normal truncated to [a, b] (a < b, either may be infinite), by rejection. */
function standardNormalBetween(a: number, b: number, rng: Rng): number {
  if (a >= 0) return tailBetween(a, b, rng);
  if (b <= 0) return -tailBetween(-b, -a, rng);
  // The interval holds 0. Plain normal draws accept with probability P(a < Z < b), at least
  // 0.49 once it is sqrt(2 pi) wide; narrower, uniform proposals accept at least exp(-pi).
  if (b - a >= Math.sqrt(2 * Math.PI)) {
    for (;;) {
      const z = rng.normal();
      if (z >= a && z <= b) return z;
    }
  }
  for (;;) {
    const z = a + (b - a) * rng.uniform();
    if (rng.uniform() <= Math.exp(-0.5 * z * z)) return z;
  }
}

/** Standard normal truncated to [a, b] with 0 <= a < b (Robert 1995, one-sided case). */
function tailBetween(a: number, b: number, rng: Rng): number {
  // Uniform proposals accept with probability >= exp(-(b^2 - a^2) / 2) >= exp(-1) when the
  // interval is this narrow; otherwise shifted exponential proposals with Robert's optimal
  // rate, which accept often unless they overshoot b (rare for an interval this wide).
  if ((b - a) * (b + a) <= 2) {
    for (;;) {
      const z = a + (b - a) * rng.uniform();
      if (rng.uniform() <= Math.exp(0.5 * (a * a - z * z))) return z;
    }
  }
  const rate = 0.5 * (a + Math.sqrt(a * a + 4));
  for (;;) {
    const z = a + rng.exponential(rate);
    if (z > b) continue;
    const gap = z - rate;
    if (rng.uniform() <= Math.exp(-0.5 * gap * gap)) return z;
  }
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value === "object" ? "an object" : String(value);
}
