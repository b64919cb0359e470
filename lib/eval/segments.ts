/**
 * AnDi-2 segment metrics (andi-models.md §6.3-6.4; `segment_assignment`, `check_no_changepoints`,
 * `segment_property_errors`, `error_SingleTraj_dataset` and `run_single_task` of andi_datasets
 * 2.1.13): the segments of a predicted track are paired with the ground-truth segments by a
 * minimum-cost assignment on 1 - Jaccard(frames); the paired (alpha, K, state) values of all
 * tracks of an experiment are pooled and scored by alpha MAE, K MSLE and state micro-F1, next to
 * the changepoint RMSE and JSC of `changepoints.ts`; experiments are averaged with weights equal to
 * their numbers of ground-truth tracks.
 *
 * @module
 */

import { CHANGEPOINT_THRESHOLD, changepointJaccard, changepointRmse } from "./changepoints.ts";
import { hungarianAssignment } from "./hungarian.ts";

/** Cap of the alpha MAE: the width of the AnDi-2 alpha range [0, 1.999]. */
export const ALPHA_MAE_CAP = 1.999;
/** Floor applied to every K before the logarithm (px^2/frame^alpha). */
export const K_FLOOR = 1e-12;
/** Cap of the K MSLE: (ln(1 + 1e6) - ln(1 + 1e-12))^2 = 190.868..., the AnDi-2 K range. */
export const K_MSLE_CAP = (Math.log1p(1e6) - Math.log1p(K_FLOOR)) ** 2;

/** One track's segmentation, truth or prediction (a line of a challenge file, §6.1). */
export interface SegmentedTrack {
  /** First frame of each new segment, counted from the track's first frame: whole numbers,
   * strictly increasing, in 0..length-1; empty for a single segment. */
  changepoints: ArrayLike<number>;
  /** Anomalous exponent of each segment (changepoints.length + 1 values). */
  alphas: ArrayLike<number>;
  /** Generalised diffusion coefficient K of each segment (px^2/frame^alpha). */
  ks: ArrayLike<number>;
  /** State code of each segment: 0 immobile, 1 confined, 2 free, 3 directed. */
  states: ArrayLike<number>;
  /** Track length T in frames (the trailing number of a challenge line). */
  length: number;
}

/** Frames start..end-1 of one segment (empty when start === end). */
export interface SegmentSpan {
  /** First frame. */
  start: number;
  /** One past the last frame. */
  end: number;
}

/** Properties of one segment. */
export interface SegmentProperties {
  /** Anomalous exponent. */
  alpha: number;
  /** Generalised diffusion coefficient (px^2/frame^alpha). */
  k: number;
  /** State code. */
  state: number;
}

/** A ground-truth segment and the predicted segment paired with it. */
export interface SegmentPair {
  /** Index of the truth segment. */
  truthSegment: number;
  /** Index of the predicted segment. */
  predictedSegment: number;
  /** Truth properties. */
  truth: SegmentProperties;
  /** Predicted properties. */
  predicted: SegmentProperties;
}

/** Options of {@linkcode pairSegments}. */
export interface PairSegmentsOptions {
  /** When the prediction has no changepoints but the truth has, read the truth segment at the
   * position of the pair in the row-sorted assignment, as the reference scorer does (its
   * longest truth segment if that is segment 0 or 1, otherwise segment 1); false reads the
   * truth segment that the assignment chose. @default {true} */
  referenceQuirks?: boolean;
}

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
 * Segments as the scorer sees them (§6.3): segment 0 is frames 0..c_1, segment k frames
 * c_k + 1..c_{k+1}, the last c_n + 1..T-1, one frame later than the label convention, for truth
 * and prediction alike. Without changepoints the track still gets a second, empty segment.
 *
 * @param changepoints whole frames, strictly increasing, in 0..length-1
 * @param length track length T in frames, >= 1
 * @returns changepoints.length + 1 spans (2 when there is no changepoint)
 * @throws {RangeError} when the length or a changepoint is invalid
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { segmentSpans } from "./segments.ts";
 * deepEqual(segmentSpans([20, 150], 200), [
 *   { start: 0, end: 21 }, { start: 21, end: 151 }, { start: 151, end: 200 },
 * ]);
 * deepEqual(segmentSpans([], 50), [{ start: 0, end: 50 }, { start: 50, end: 50 }]);
 * ```
 */
export function segmentSpans(changepoints: ArrayLike<number>, length: number): SegmentSpan[] {
  checkChangepointsInTrack("make segments", "track", changepoints, length);
  if (changepoints.length === 0) return [{ start: 0, end: length }, { start: length, end: length }];
  const spans: SegmentSpan[] = [];
  let start = 0;
  for (let i = 0; i < changepoints.length; i++) {
    spans.push({ start, end: changepoints[i] + 1 });
    start = changepoints[i] + 1;
  }
  spans.push({ start, end: length });
  return spans;
}

/**
 * Jaccard index of the frame sets of two segments: |A and B| / |A or B|, 0 if both are empty.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { segmentJaccard } from "./segments.ts";
 * equal(segmentJaccard({ start: 0, end: 10 }, { start: 5, end: 20 }), 5 / 20);
 * ```
 */
export function segmentJaccard(a: SegmentSpan, b: SegmentSpan): number {
  const overlap = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = (a.end - a.start) + (b.end - b.start) - overlap;
  return union === 0 ? 0 : overlap / union;
}

/**
 * Pairs the segments of one track (§6.3): Hungarian assignment on 1 - Jaccard between the truth
 * segments (rows) and the predicted segments (columns), each side using its own length.
 * - Both sides have changepoints: every assigned truth segment gives a pair (even at Jaccard 0);
 *   truth segments left over (more truth than predicted segments) give none.
 * - Only the prediction has changepoints: one pair, the truth with the predicted segment
 *   assigned to the full truth segment.
 * - Only the truth has changepoints: one pair, the single prediction with one truth segment (see
 *   {@linkcode PairSegmentsOptions.referenceQuirks}).
 * - Neither has: one pair of the single values.
 *
 * @param truth ground-truth segmentation (finite values)
 * @param predicted predicted segmentation (values may be NaN; the scorer repairs them)
 * @param options reference quirk switch
 * @returns the pairs, ordered by truth segment
 * @throws {RangeError} when a track is invalid: bad length or changepoint, value lists of the
 *   wrong length, a non-finite truth value
 *
 * @example A missed changepoint: the prediction's single segment goes with the longer truth one
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { pairSegments } from "./segments.ts";
 * const truth = {
 *   changepoints: [40], alphas: [0.5, 1.2], ks: [0.1, 1], states: [2, 2], length: 200,
 * };
 * const predicted = { changepoints: [], alphas: [1.1], ks: [0.9], states: [2], length: 200 };
 * deepEqual(pairSegments(truth, predicted), [{
 *   truthSegment: 1,
 *   predictedSegment: 0,
 *   truth: { alpha: 1.2, k: 1, state: 2 },
 *   predicted: { alpha: 1.1, k: 0.9, state: 2 },
 * }]);
 * ```
 */
export function pairSegments(
  truth: SegmentedTrack,
  predicted: SegmentedTrack,
  options: PairSegmentsOptions = {},
): SegmentPair[] {
  const { referenceQuirks = true } = options;
  checkTrack("pair segments", "truth", truth, true);
  checkTrack("pair segments", "predicted", predicted, false);
  return pairChecked(truth, predicted, referenceQuirks);
}

function pairChecked(
  truth: SegmentedTrack,
  predicted: SegmentedTrack,
  referenceQuirks: boolean,
): SegmentPair[] {
  function pair(t: number, p: number): SegmentPair {
    return {
      truthSegment: t,
      predictedSegment: p,
      truth: { alpha: truth.alphas[t], k: truth.ks[t], state: truth.states[t] },
      predicted: { alpha: predicted.alphas[p], k: predicted.ks[p], state: predicted.states[p] },
    };
  }
  const truthHas = truth.changepoints.length > 0;
  const predictedHas = predicted.changepoints.length > 0;
  if (!truthHas && !predictedHas) return [pair(0, 0)];
  const truthSpans = segmentSpans(truth.changepoints, truth.length);
  const predictedSpans = segmentSpans(predicted.changepoints, predicted.length);
  const costs = truthSpans.map((a) => predictedSpans.map((b) => 1 - segmentJaccard(a, b)));
  const { rows, columns } = hungarianAssignment(costs);
  if (truthHas && predictedHas) return rows.map((row, i) => pair(row, columns[i]));
  if (!truthHas) return [pair(0, columns[0])]; // both truth segments are assigned: rows[0] is 0
  const position = columns.indexOf(0);
  return [pair(referenceQuirks ? position : rows[position], 0)];
}

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
 * import { alphaMae } from "./segments.ts";
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
 * import { kMsle } from "./segments.ts";
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
 * import { stateF1 } from "./segments.ts";
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
 * import { scoreSingleTrajectories } from "./segments.ts";
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
    pairs.push(...pairChecked(truth, predicted, referenceQuirks));
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
 * import { averageOverExperiments } from "./segments.ts";
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

function checkTrack(action: string, side: string, track: SegmentedTrack, isTruth: boolean): void {
  checkChangepointsInTrack(action, side, track.changepoints, track.length);
  const segments = track.changepoints.length + 1;
  for (
    const [name, values] of [["alphas", track.alphas], ["ks", track.ks], [
      "states",
      track.states,
    ]] as const
  ) {
    if (values.length !== segments) {
      throw new RangeError(
        `Cannot ${action}: ${side} has ${track.changepoints.length} changepoints, so ${segments} segments, but ${values.length} ${name}; give one value per segment`,
      );
    }
    if (!isTruth) continue;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new RangeError(
          `Cannot ${action}: ${side} ${name}[${i}] is not finite, got ${
            values[i]
          }; ground-truth values must be finite`,
        );
      }
    }
  }
}

function checkChangepointsInTrack(
  action: string,
  side: string,
  changepoints: ArrayLike<number>,
  length: number,
): void {
  if (!(Number.isInteger(length) && length >= 1)) {
    throw new RangeError(
      `Cannot ${action}: ${side} length must be a whole number of frames >= 1, got ${length}; pass the track length T`,
    );
  }
  for (let i = 0; i < changepoints.length; i++) {
    const frame = changepoints[i];
    if (!Number.isInteger(frame) || frame < 0 || frame >= length) {
      throw new RangeError(
        `Cannot ${action}: ${side} changepoint ${i} must be a whole frame in 0..${
          length - 1
        }, got ${frame}; round to frames, drop negative ones and those at or past the track length`,
      );
    }
    if (i > 0 && frame <= changepoints[i - 1]) {
      throw new RangeError(
        `Cannot ${action}: ${side} changepoints must be strictly increasing, got ${frame} after ${
          changepoints[i - 1]
        } at index ${i}; sort them and drop duplicates`,
      );
    }
  }
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
