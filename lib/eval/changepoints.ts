/**
 * AnDi-2 changepoint metrics (andi-models.md §6.2, `ensemble_changepoint_error` of andi_datasets
 * 2.1.13): ground-truth and predicted changepoints of each track are paired by a minimum-cost
 * assignment on |g - p|; a pair closer than the threshold (10 frames, strictly) is a true
 * positive, any other pair counts as one false positive and one false negative, and unpaired
 * changepoints are false positives (predicted) or false negatives (truth). Counts are pooled over
 * all tracks of an experiment, and each track with no changepoint on either side adds one "empty"
 * true positive. Then
 *
 *     RMSE = sqrt(mean of (g - p)^2 over true positives)      (0 when there is none)
 *     JSC  = (TP + empty TP) / (TP + empty TP + FP + FN)      (1 when there is nothing to count)
 *
 * A changepoint is the first frame of a new segment, counted from the track's first frame; a
 * track's list leaves out the trailing track length that the challenge files append.
 *
 * @module
 */

import { hungarianAssignment } from "./hungarian.ts";

/** The AnDi-2 changepoint threshold in frames: a pair is a true positive when |g - p| < 10. */
export const CHANGEPOINT_THRESHOLD = 10;

/** One pair of a ground-truth and a predicted changepoint. */
export interface ChangepointPair {
  /** Index in the ground-truth list. */
  truthIndex: number;
  /** Index in the predicted list. */
  predictedIndex: number;
  /** |truth - predicted| in frames. */
  distance: number;
}

/** Options of the pooled changepoint metrics. */
export interface ChangepointMetricOptions {
  /** A pair is a true positive when its distance is strictly below this (frames). @default {10} */
  threshold?: number;
}

/** Counts pooled over the tracks of an experiment. */
export interface ChangepointCounts {
  /** Pairs closer than the threshold. */
  truePositives: number;
  /** Tracks with no changepoint in the truth nor in the prediction. */
  emptyTruePositives: number;
  /** Predicted changepoints without a true positive partner. */
  falsePositives: number;
  /** Ground-truth changepoints without a true positive partner. */
  falseNegatives: number;
  /** Sum of (g - p)^2 over the true positives (frames^2). */
  squaredErrorSum: number;
  /** Number of ground-truth changepoints. */
  truthCount: number;
}

/**
 * Pairs the changepoints of one track by minimum total |g - p| (Hungarian assignment); pairs
 * min(|G|, |P|) of them, whatever their distance.
 *
 * @param truth ground-truth changepoints: frames (integers >= 0), strictly increasing
 * @param predicted predicted changepoints, same rules
 * @returns the pairs, ordered by truth index
 * @throws {RangeError} when a list holds a negative, fractional or non-finite frame, or is not
 *   strictly increasing
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { pairChangepoints } from "./changepoints.ts";
 * deepEqual(pairChangepoints([50, 120], [52, 140, 300]), [
 *   { truthIndex: 0, predictedIndex: 0, distance: 2 },
 *   { truthIndex: 1, predictedIndex: 1, distance: 20 },
 * ]);
 * ```
 */
export function pairChangepoints(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
): ChangepointPair[] {
  checkChangepoints("pair changepoints", "truth", truth);
  checkChangepoints("pair changepoints", "predicted", predicted);
  return pairChecked(truth, predicted);
}

/**
 * Pooled true-positive, false-positive and false-negative counts of §6.2 over many tracks.
 *
 * @param truths ground-truth changepoints per track (frames, strictly increasing)
 * @param predictions predicted changepoints per track, in the same track order (an empty list
 *   when a track has none)
 * @param options threshold
 * @returns the counts and the sum of squared true-positive distances
 * @throws {RangeError} when the track counts differ, a list is invalid (see
 *   {@linkcode pairChangepoints}), or the threshold is not a positive finite number
 *
 * @example Distance 10 is not below the threshold
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { countChangepointMatches } from "./changepoints.ts";
 * deepEqual(countChangepointMatches([[50], []], [[60], []]), {
 *   truePositives: 0,
 *   emptyTruePositives: 1,
 *   falsePositives: 1,
 *   falseNegatives: 1,
 *   squaredErrorSum: 0,
 *   truthCount: 1,
 * });
 * ```
 */
export function countChangepointMatches(
  truths: readonly ArrayLike<number>[],
  predictions: readonly ArrayLike<number>[],
  options: ChangepointMetricOptions = {},
): ChangepointCounts {
  const { threshold = CHANGEPOINT_THRESHOLD } = options;
  const action = "score changepoints";
  if (!(Number.isFinite(threshold) && threshold > 0)) {
    throw new RangeError(
      `Cannot ${action}: threshold must be a positive number of frames, got ${threshold}; the AnDi-2 value is 10`,
    );
  }
  if (truths.length !== predictions.length) {
    throw new RangeError(
      `Cannot ${action}: got ${truths.length} truth tracks but ${predictions.length} predicted tracks; pass one prediction per truth track, in the same order (an empty list where none is predicted)`,
    );
  }
  const counts: ChangepointCounts = {
    truePositives: 0,
    emptyTruePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    squaredErrorSum: 0,
    truthCount: 0,
  };
  for (let track = 0; track < truths.length; track++) {
    const truth = truths[track];
    const predicted = predictions[track];
    checkChangepoints(action, `truth (track ${track})`, truth);
    checkChangepoints(action, `predicted (track ${track})`, predicted);
    counts.truthCount += truth.length;
    if (truth.length === 0 && predicted.length === 0) {
      counts.emptyTruePositives++;
      continue;
    }
    for (const { distance } of pairChecked(truth, predicted)) {
      if (distance < threshold) {
        counts.truePositives++;
        counts.squaredErrorSum += distance * distance;
      } else {
        counts.falsePositives++;
        counts.falseNegatives++;
      }
    }
    if (predicted.length > truth.length) counts.falsePositives += predicted.length - truth.length;
    else counts.falseNegatives += truth.length - predicted.length;
  }
  return counts;
}

/**
 * Root mean squared distance (frames) of the true-positive changepoint pairs pooled over tracks;
 * 0 when there is no true positive (andi-models.md §6.2).
 *
 * @param truths ground-truth changepoints per track
 * @param predictions predicted changepoints per track, same order
 * @param options threshold (default 10 frames)
 * @returns the gated RMSE in frames
 * @throws {RangeError} as {@linkcode countChangepointMatches}
 *
 * @example One track: 50 -> 52 is a hit, 120 -> 140 a miss
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { changepointRmse } from "./changepoints.ts";
 * equal(changepointRmse([[50, 120]], [[52, 140]]), 2);
 * ```
 */
export function changepointRmse(
  truths: readonly ArrayLike<number>[],
  predictions: readonly ArrayLike<number>[],
  options: ChangepointMetricOptions = {},
): number {
  const { truePositives, squaredErrorSum } = countChangepointMatches(truths, predictions, options);
  return truePositives === 0 ? 0 : Math.sqrt(squaredErrorSum / truePositives);
}

/**
 * Jaccard similarity coefficient (JSC) of the changepoints pooled over tracks:
 * (TP + empty TP) / (TP + empty TP + FP + FN), where every track with no changepoint on either
 * side is one empty TP; 1 when there is nothing to count (andi-models.md §6.2).
 *
 * @param truths ground-truth changepoints per track
 * @param predictions predicted changepoints per track, same order
 * @param options threshold (default 10 frames)
 * @returns the JSC in [0, 1]
 * @throws {RangeError} as {@linkcode countChangepointMatches}
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { changepointJaccard } from "./changepoints.ts";
 * equal(changepointJaccard([[50, 120]], [[52, 140]]), 1 / 3);
 * equal(changepointJaccard([[50], []], [[59], []]), 1);
 * ```
 */
export function changepointJaccard(
  truths: readonly ArrayLike<number>[],
  predictions: readonly ArrayLike<number>[],
  options: ChangepointMetricOptions = {},
): number {
  const counts = countChangepointMatches(truths, predictions, options);
  const hits = counts.truePositives + counts.emptyTruePositives;
  const total = hits + counts.falsePositives + counts.falseNegatives;
  return total === 0 ? 1 : hits / total;
}

function pairChecked(truth: ArrayLike<number>, predicted: ArrayLike<number>): ChangepointPair[] {
  if (truth.length === 0 || predicted.length === 0) return [];
  const costs = Array.from(
    truth,
    (g) => Array.from(predicted, (p) => Math.abs(g - p)),
  );
  const { rows, columns } = hungarianAssignment(costs);
  return rows.map((row, i) => ({
    truthIndex: row,
    predictedIndex: columns[i],
    distance: costs[row][columns[i]],
  }));
}

/** Throws unless `frames` holds whole, non-negative, strictly increasing frame numbers. */
function checkChangepoints(action: string, side: string, frames: ArrayLike<number>): void {
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    if (!Number.isInteger(frame) || frame < 0) {
      throw new RangeError(
        `Cannot ${action}: ${side} changepoint ${i} must be a whole frame >= 0, got ${frame}; round predictions to frames and drop negative ones`,
      );
    }
    if (i > 0 && frame <= frames[i - 1]) {
      throw new RangeError(
        `Cannot ${action}: ${side} changepoints must be strictly increasing, got ${frame} after ${
          frames[i - 1]
        } at index ${i}; sort them and drop duplicates`,
      );
    }
  }
}
