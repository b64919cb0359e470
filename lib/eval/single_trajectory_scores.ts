/**
 * AnDi-2 single-trajectory scoring of a dataset (andi-models.md §6.4 steps 1, 2 and 6, the
 * average across experiments and the missing-file scores; `error_SingleTraj_dataset` and
 * `run_single_task` of andi_datasets 2.1.13): the segments of every track of an experiment are
 * paired (`segments.ts`, §6.3), the pairs of all its tracks are pooled, invalid predictions
 * repaired, and the pool is scored by alpha MAE, K MSLE and state micro-F1
 * (`segment_metrics.ts`), next to the changepoint RMSE and JSC of `changepoints.ts` (§6.2);
 * missing tracks get the reference's maximal errors, and experiments are averaged with weights
 * equal to their numbers of ground-truth tracks.
 *
 * @module
 */

import { CHANGEPOINT_THRESHOLD, changepointJaccard, changepointRmse } from "./changepoints.ts";
import { alphaMae, kMsle, stateF1 } from "./segment_metrics.ts";
import {
  pairSegments,
  type PairSegmentsOptions,
  type SegmentedTrack,
  type SegmentPair,
} from "./segments.ts";
import { checkTrack } from "./_track_checks.ts";

/** Options of {@linkcode scoreSingleTrajectories}. */
export interface ScoreOptions extends PairSegmentsOptions {
  /** Changepoint threshold in frames (a true positive needs a distance below it). @default {10} */
  threshold?: number;
}

/** The five AnDi-2 single-trajectory numbers. */
export interface SingleTrajectoryMetrics {
  /** Gated RMSE of the true-positive changepoints (frames). */
  changepointRmse: number;
  /** Jaccard similarity coefficient of the changepoints. */
  changepointJaccard: number;
  /** Mean absolute alpha error over paired segments, capped at 1.999. */
  alphaMae: number;
  /** Mean squared log error of K over paired segments, capped at 190.868. */
  kMsle: number;
  /** Micro-averaged F1 of the state codes (the fraction of paired segments that agree). */
  stateF1: number;
}

/** Scores of one experiment, or the weighted average of several. */
export interface ExperimentScores extends SingleTrajectoryMetrics {
  /** Ground-truth tracks scored (the experiment's weight). */
  trackCount: number;
  /** Tracks without a prediction, scored with maximal errors. */
  missingTrackCount: number;
}

/** What the reference scorer gives a whole challenge track when a prediction file is missing. */
export const MISSING_FILE_METRICS: Readonly<SingleTrajectoryMetrics> = Object.freeze({
  changepointRmse: 10,
  changepointJaccard: 0,
  alphaMae: 2,
  kMsle: 1e5,
  stateF1: 0,
});

/**
 * Scores the predictions of one experiment (all its fields of view together, §6.4): pairs the
 * segments of every track, pools the pairs, repairs invalid predictions (alpha NaN or outside
 * [0, 2] becomes truth + 2; K is taken in absolute value, NaN becomes |truth| + 1e5; a state
 * outside [0, 4] becomes 0), and computes the five metrics. A missing prediction is scored as
 * the reference does: changepoint 10 against a truth changepoint at 10 + threshold (one FP, one
 * FN) and one pair alpha 2 vs 0, K 100001 vs 1, state 10 vs 0.
 *
 * @param truths ground-truth segmentations, one per track
 * @param predictions the prediction for each truth track, same order; `undefined` or `null` for a
 *   track without a prediction
 * @param options changepoint threshold (default 10) and the pairing quirk switch
 * @returns the five metrics, the track count (the weight) and the number of missing tracks
 * @throws {RangeError} when there are no tracks, the lists differ in length, or a track is
 *   invalid (see {@linkcode pairSegments})
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { scoreSingleTrajectories } from "./single_trajectory_scores.ts";
 * const truth = {
 *   changepoints: [50], alphas: [0.5, 1], ks: [0.1, 1], states: [2, 2], length: 100,
 * };
 * const predicted = {
 *   changepoints: [52], alphas: [0.5, 1.5], ks: [0.1, 1], states: [2, 3], length: 100,
 * };
 * deepEqual(scoreSingleTrajectories([truth], [predicted]), {
 *   changepointRmse: 2,
 *   changepointJaccard: 1,
 *   alphaMae: 0.25,
 *   kMsle: 0,
 *   stateF1: 0.5,
 *   trackCount: 1,
 *   missingTrackCount: 0,
 * });
 * ```
 */
export function scoreSingleTrajectories(
  truths: readonly SegmentedTrack[],
  predictions: readonly (SegmentedTrack | null | undefined)[],
  options: ScoreOptions = {},
): ExperimentScores {
  const { threshold = CHANGEPOINT_THRESHOLD, referenceQuirks = true } = options;
  const action = "score single trajectories";
  if (truths.length === 0 || truths.length !== predictions.length) {
    throw new RangeError(
      `Cannot ${action}: need one prediction per truth track and at least one track, got ${truths.length} truth tracks and ${predictions.length} predictions; pass undefined for a track without a prediction`,
    );
  }
  const truthChangepoints: ArrayLike<number>[] = [];
  const predictedChangepoints: ArrayLike<number>[] = [];
  const pairs: SegmentPair[] = [];
  let missingTrackCount = 0;
  for (let i = 0; i < truths.length; i++) {
    const truth = truths[i];
    const predicted = predictions[i];
    checkTrack(action, `truth (track ${i})`, truth, true);
    if (predicted === undefined || predicted === null) {
      missingTrackCount++;
      truthChangepoints.push([10 + threshold]);
      predictedChangepoints.push([10]);
      pairs.push({
        truthSegment: 0,
        predictedSegment: 0,
        truth: { alpha: 2, k: 1 + 1e5, state: 10 },
        predicted: { alpha: 0, k: 1, state: 0 },
      });
      continue;
    }
    checkTrack(action, `predicted (track ${i})`, predicted, false);
    truthChangepoints.push(truth.changepoints);
    predictedChangepoints.push(predicted.changepoints);
    // Checked above so that errors name the scoring and the track; pairSegments() re-checks.
    pairs.push(...pairSegments(truth, predicted, { referenceQuirks }));
  }

  const alphaTruth = pairs.map((p) => p.truth.alpha);
  const alphaPredicted = pairs.map((p) => {
    const alpha = p.predicted.alpha;
    return Number.isNaN(alpha) || alpha > 2 || alpha < 0 ? p.truth.alpha + 2 : alpha;
  });
  const kTruth = pairs.map((p) => Math.abs(p.truth.k));
  const kPredicted = pairs.map((p, i) =>
    Number.isNaN(p.predicted.k) ? kTruth[i] + 1e5 : Math.abs(p.predicted.k)
  );
  // NaN states stay NaN, so they never agree (the reference's integer cast of NaN does not either).
  const statePredicted = pairs.map((p) => {
    const state = p.predicted.state;
    return state > 4 || state < 0 ? 0 : state;
  });
  return {
    changepointRmse: changepointRmse(truthChangepoints, predictedChangepoints, { threshold }),
    changepointJaccard: changepointJaccard(truthChangepoints, predictedChangepoints, { threshold }),
    alphaMae: alphaMae(alphaTruth, alphaPredicted),
    kMsle: kMsle(kTruth, kPredicted),
    stateF1: stateF1(pairs.map((p) => p.truth.state), statePredicted),
    trackCount: truths.length,
    missingTrackCount,
  };
}

/**
 * Averages experiment scores with weights equal to their numbers of ground-truth tracks, as the
 * challenge does across experiments (§6.4).
 *
 * @param experiments scores of each experiment
 * @returns the weighted means; trackCount and missingTrackCount are summed
 * @throws {RangeError} when the list is empty or a track count is not a positive whole number
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { averageOverExperiments } from "./single_trajectory_scores.ts";
 * const base = {
 *   changepointRmse: 0, changepointJaccard: 1, kMsle: 0, stateF1: 1, missingTrackCount: 0,
 * };
 * const mean = averageOverExperiments([
 *   { ...base, alphaMae: 0.1, trackCount: 30 },
 *   { ...base, alphaMae: 0.5, trackCount: 10 },
 * ]);
 * equal(mean.alphaMae, (0.1 * 30 + 0.5 * 10) / 40);
 * equal(mean.trackCount, 40);
 * ```
 */
export function averageOverExperiments(experiments: readonly ExperimentScores[]): ExperimentScores {
  if (experiments.length === 0) {
    throw new RangeError(
      "Cannot average experiment scores: got 0 experiments; score at least one experiment first",
    );
  }
  const keys = ["changepointRmse", "changepointJaccard", "alphaMae", "kMsle", "stateF1"] as const;
  const sums = { changepointRmse: 0, changepointJaccard: 0, alphaMae: 0, kMsle: 0, stateF1: 0 };
  let trackCount = 0;
  let missingTrackCount = 0;
  for (const [index, scores] of experiments.entries()) {
    if (!(Number.isInteger(scores.trackCount) && scores.trackCount > 0)) {
      throw new RangeError(
        `Cannot average experiment scores: experiment ${index} has trackCount ${scores.trackCount}; weights must be positive whole track counts`,
      );
    }
    for (const key of keys) sums[key] += scores[key] * scores.trackCount;
    trackCount += scores.trackCount;
    missingTrackCount += scores.missingTrackCount;
  }
  for (const key of keys) sums[key] /= trackCount;
  return { ...sums, trackCount, missingTrackCount };
}
