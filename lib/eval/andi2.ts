/**
 * AnDi-2 single-trajectory metrics and label smoothing, as the andi_datasets 2.1.13 scorer
 * computes them (andi-models.md §5.4, §6.2-6.4).
 *
 * ## What a prediction is
 *
 * A track's segmentation is a {@linkcode SegmentedTrack}: changepoints (first frame of each new
 * segment, counted from the track's first frame, strictly increasing), one alpha, K and state
 * per segment, and the track length T; this is one line `idx, K_1, alpha_1, s_1, c_1, ..., s_n, T`
 * of a challenge file (§6.1) without the index. Predictions are matched to truth tracks by array
 * position; a track the reference would treat as missing (no accepted line, or a line without
 * the trailing T and so without changepoint list) is passed as `undefined`. Parsing challenge
 * files, and the reference's FOV index-offset drift, are left to the reader of those files.
 *
 * ## The metrics (per experiment, over all its tracks together)
 *
 * - Changepoints ({@linkcode changepointRmse}, {@linkcode changepointJaccard}): per track, truth
 *   and predicted changepoints are paired by a Hungarian assignment on |g - p|; a pair is a true
 *   positive (TP) when |g - p| < 10 frames (strict: 10 does not count), otherwise one false
 *   positive (FP) and one false negative (FN); unpaired predictions are FP, unpaired truths FN;
 *   a track with no changepoint on either side is one "empty" TP. RMSE = sqrt(mean squared TP
 *   distance), 0 without TP; JSC = (TP + empty TP) / (TP + empty TP + FP + FN), 1 when empty.
 * - Segment pairing ({@linkcode pairSegments}): Hungarian assignment on 1 - Jaccard between
 *   the frame sets of the truth and predicted segments (segment k = frames c_k + 1..c_{k+1}; a
 *   side without changepoints has its full segment plus an empty one).
 * - Segment properties over the pooled pairs, after repairing invalid predictions
 *   ({@linkcode scoreSingleTrajectories}): alpha MAE capped at 1.999 ({@linkcode alphaMae}),
 *   K MSLE with values floored at 1e-12 and capped at 190.868 ({@linkcode kMsle}), and the
 *   micro-averaged F1 of the state codes, i.e. the fraction that agree ({@linkcode stateF1}).
 *   A missing track costs one FP, one FN and one pair with alpha error 2, K log-error 117.07
 *   and a wrong state.
 * - Across experiments ({@linkcode averageOverExperiments}): each of the five numbers is averaged
 *   with weights = number of truth tracks per experiment.
 * - Labels ({@linkcode labelFilter}): each per-frame label column is smoothed (width-5 majority
 *   filter, then runs shorter than 3 frames merged into a neighbour) before changepoints are read.
 *
 * ## Where bimamba.md §10 differs, andi-models.md is followed
 *
 * - JSC: bimamba.md gives TP / (TP + FP + FN); the scorer also counts one empty TP per track
 *   without changepoints on either side, and gives 1 when there is nothing to count.
 * - Alpha cap: bimamba.md caps each error at 2; the scorer caps the MEAN at 1.999 (the width of
 *   the alpha range). The 2 is what an invalid predicted alpha (NaN, > 2, < 0) costs: it is
 *   replaced by truth + 2.
 * - Unpaired segments: bimamba.md scores them with maximal errors; the scorer drops truth
 *   segments left without a predicted segment (only missing tracks get maximal errors).
 * - RMSE without any TP: 0 (bimamba.md does not say; an older andi_datasets returned 10).
 * The K floor and cap, the state codes and the 10-frame gate agree between the two documents.
 *
 * ## Reference quirks kept
 *
 * - Ties between equal-cost assignments are broken exactly as SciPy's `linear_sum_assignment`
 *   ({@linkcode hungarianAssignment}); they decide, for example, whether G [0, 8] against
 *   P [9, 17] gives two hits or one.
 * - When a prediction has no changepoint but the truth has, the scorer reads the truth segment
 *   at the pair's position in the row-sorted assignment, not the assigned row: the longest truth
 *   segment if that is segment 0 or 1, otherwise segment 1. `referenceQuirks: false` reads the
 *   assigned (longest) segment instead.
 * - A predicted state outside 0..4 becomes 0 (4 is accepted); states are truncated to integers.
 *
 * @example Scoring one experiment
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { scoreSingleTrajectories } from "./andi2.ts";
 * const values = { alphas: [0.4, 1, 0.7], ks: [0.1, 1, 0.5], states: [2, 2, 2], length: 200 };
 * const truth = { ...values, changepoints: [50, 120] };
 * const predicted = { ...values, changepoints: [52, 140] };
 * const scores = scoreSingleTrajectories([truth, truth], [predicted, undefined]);
 * equal(scores.changepointRmse, 2); // 50 -> 52; 120 -> 140 is 20 frames off
 * equal(scores.changepointJaccard, 1 / 5); // TP 1; FP 1 + 1 (missing track); FN 1 + 1
 * equal(scores.missingTrackCount, 1);
 * ```
 *
 * @module
 */

export * from "./hungarian.ts";
export * from "./changepoints.ts";
export * from "./segments.ts";
export * from "./segment_metrics.ts";
export * from "./single_trajectory_scores.ts";
export * from "./label_smoothing.ts";
