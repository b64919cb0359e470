/**
 * AnDi-2 segment pairing (andi-models.md §6.3; `create_binary_segment`, `jaccard_between_segments`,
 * `segment_assignment`, `check_no_changepoints` and `segment_property_errors` of andi_datasets
 * 2.1.13): the segments of a predicted track are paired with the ground-truth segments by a
 * minimum-cost assignment on 1 - Jaccard(frames), and each pair carries the (alpha, K, state)
 * values of both sides. The pairs are scored by `segment_metrics.ts` and pooled per experiment by
 * `single_trajectory_scores.ts`.
 *
 * @module
 */

import { hungarianAssignment } from "./hungarian.ts";
import { checkChangepointsInTrack, checkTrack } from "./_track_checks.ts";

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
