/**
 * AnDi-2 segment property metrics (andi-models.md §6.4 steps 3-5; `metric_anomalous_exponent`,
 * `metric_diffusion_coefficient` and `metric_diffusive_state` of andi_datasets 2.1.13): alpha
 * MAE, K MSLE and state micro-F1 over paired segment values, with the caps and the K floor of the
 * challenge ranges. The values must already be repaired (no NaN alpha or K), as
 * `scoreSingleTrajectories()` does.
 *
 * @module
 */

/** Cap of the alpha MAE: the width of the AnDi-2 alpha range [0, 1.999]. */
export const ALPHA_MAE_CAP = 1.999;
/** Floor applied to every K before the logarithm (px^2/frame^alpha). */
export const K_FLOOR = 1e-12;
/** Cap of the K MSLE: (ln(1 + 1e6) - ln(1 + 1e-12))^2 = 190.868..., the AnDi-2 K range. */
export const K_MSLE_CAP = (Math.log1p(1e6) - Math.log1p(K_FLOOR)) ** 2;

/** Options of {@linkcode alphaMae}. */
export interface AlphaMaeOptions {
  /** Largest value returned. @default {1.999} */
  maxError?: number;
}

/** Options of {@linkcode kMsle}. */
export interface KMsleOptions {
  /** Every K below this is raised to it before the logarithm. @default {1e-12} */
  floor?: number;
  /** Largest value returned. @default {190.868 (K_MSLE_CAP)} */
  maxError?: number;
}

/**
 * Mean absolute error of alpha, capped (§6.4 step 3).
 *
 * @param truth alpha per paired segment
 * @param predicted alpha per paired segment, same order
 * @param options cap (default 1.999)
 * @returns min(mean |truth - predicted|, cap)
 * @throws {RangeError} when the lists differ in length, are empty, or hold NaN
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { alphaMae } from "./segment_metrics.ts";
 * equal(alphaMae([0.5, 1], [0.75, 1.5]), 0.375);
 * ```
 */
export function alphaMae(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  options: AlphaMaeOptions = {},
): number {
  const { maxError = ALPHA_MAE_CAP } = options;
  checkPaired("compute alpha MAE", truth, predicted);
  let sum = 0;
  for (let i = 0; i < truth.length; i++) sum += Math.abs(truth[i] - predicted[i]);
  return Math.min(sum / truth.length, maxError);
}

/**
 * Mean squared log error of K, mean of (ln(1 + K_true) - ln(1 + K_pred))^2 after raising every
 * value below the floor to it, capped (§6.4 step 4).
 *
 * @param truth K per paired segment (px^2/frame^alpha)
 * @param predicted K per paired segment, same order
 * @param options floor (default 1e-12) and cap (default 190.868)
 * @returns the capped MSLE
 * @throws {RangeError} when the lists differ in length, are empty, or hold NaN
 *
 * @example The measured example of andi-models.md §6.4
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { kMsle } from "./segment_metrics.ts";
 * ok(Math.abs(kMsle([1, 0.01], [2, 0]) - 0.08225) < 5e-6);
 * ```
 */
export function kMsle(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  options: KMsleOptions = {},
): number {
  const { floor = K_FLOOR, maxError = K_MSLE_CAP } = options;
  checkPaired("compute K MSLE", truth, predicted);
  let sum = 0;
  for (let i = 0; i < truth.length; i++) {
    const d = Math.log1p(Math.max(truth[i], floor)) - Math.log1p(Math.max(predicted[i], floor));
    sum += d * d;
  }
  return Math.min(sum / truth.length, maxError);
}

/**
 * Micro-averaged F1 of the state codes, which for one label per segment is the fraction of
 * pairs whose codes agree (§6.4 step 5). Codes are truncated to integers as the reference does.
 *
 * @param truth state code per paired segment
 * @param predicted state code per paired segment, same order
 * @returns a value in [0, 1]
 * @throws {RangeError} when the lists differ in length or are empty
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { stateF1 } from "./segment_metrics.ts";
 * equal(stateF1([2, 2, 0, 1], [2, 1, 0, 1]), 0.75);
 * ```
 */
export function stateF1(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkPaired("compute state F1", truth, predicted, true);
  let agree = 0;
  for (let i = 0; i < truth.length; i++) {
    if (Math.trunc(truth[i]) === Math.trunc(predicted[i])) agree++;
  }
  return agree / truth.length;
}

function checkPaired(
  action: string,
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  allowNaN = false,
): void {
  if (truth.length === 0 || truth.length !== predicted.length) {
    throw new RangeError(
      `Cannot ${action}: need equally many truth and predicted values (>= 1), got ${truth.length} and ${predicted.length}; pass one value per paired segment`,
    );
  }
  if (allowNaN) return;
  for (let i = 0; i < truth.length; i++) {
    if (Number.isNaN(truth[i]) || Number.isNaN(predicted[i])) {
      throw new RangeError(
        `Cannot ${action}: value ${i} is NaN (truth ${truth[i]}, predicted ${
          predicted[i]
        }); repair invalid predictions first, as scoreSingleTrajectories() does`,
      );
    }
  }
}
