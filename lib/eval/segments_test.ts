import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng, type Rng } from "../rng.ts";
import {
  ALPHA_MAE_CAP,
  alphaMae,
  averageOverExperiments,
  type ExperimentScores,
  K_MSLE_CAP,
  kMsle,
  MISSING_FILE_METRICS,
  pairSegments,
  scoreSingleTrajectories,
  type SegmentedTrack,
  segmentJaccard,
  segmentSpans,
  stateF1,
} from "./segments.ts";

function close(actual: number, expected: number, tolerance: number, what: string): void {
  ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );
}

/** A track whose segment k has alpha 0.1 (k + 1), K 0.5 (k + 1) and state 2. */
function track(changepoints: number[], length = 200): SegmentedTrack {
  const segments = changepoints.length + 1;
  return {
    changepoints,
    alphas: Array.from({ length: segments }, (_, k) => 0.1 * (k + 1)),
    ks: Array.from({ length: segments }, (_, k) => 0.5 * (k + 1)),
    states: new Array<number>(segments).fill(2),
    length,
  };
}

function randomTrack(rng: Rng): SegmentedTrack {
  const length = rng.integer(20, 201);
  const frames = new Set<number>();
  const count = rng.integer(0, 4);
  while (frames.size < count) frames.add(rng.integer(1, length));
  const changepoints = [...frames].sort((a, b) => a - b);
  const segments = changepoints.length + 1;
  return {
    changepoints,
    alphas: Array.from({ length: segments }, () => rng.uniformRange(0, 2)),
    ks: Array.from({ length: segments }, () => 10 ** rng.uniformRange(-3, 1)),
    states: Array.from({ length: segments }, () => rng.integer(0, 4)),
    length,
  };
}

const perfect = {
  changepointRmse: 0,
  changepointJaccard: 1,
  alphaMae: 0,
  kMsle: 0,
  stateF1: 1,
};

Deno.test("segmentSpans() shifts segments one frame against the labels and adds an empty one without changepoints", () => {
  deepEqual(segmentSpans([20, 150], 200), [
    { start: 0, end: 21 },
    { start: 21, end: 151 },
    { start: 151, end: 200 },
  ]);
  deepEqual(segmentSpans([], 50), [{ start: 0, end: 50 }, { start: 50, end: 50 }]);
  deepEqual(segmentSpans([0, 9], 10), [
    { start: 0, end: 1 },
    { start: 1, end: 10 },
    { start: 10, end: 10 },
  ]);
});

Deno.test("segmentJaccard() is overlap over union, 1 for equal spans and 0 for disjoint or empty ones", () => {
  equal(segmentJaccard({ start: 0, end: 10 }, { start: 5, end: 20 }), 0.25);
  equal(segmentJaccard({ start: 3, end: 9 }, { start: 3, end: 9 }), 1);
  equal(segmentJaccard({ start: 0, end: 10 }, { start: 10, end: 20 }), 0);
  equal(segmentJaccard({ start: 0, end: 10 }, { start: 10, end: 10 }), 0);
  equal(segmentJaccard({ start: 7, end: 7 }, { start: 7, end: 7 }), 0);
});

Deno.test("pairSegments() pairs every truth segment when both sides have the same changepoints", () => {
  const pairs = pairSegments(track([50, 120]), track([52, 140]));
  deepEqual(pairs.map((p) => [p.truthSegment, p.predictedSegment]), [[0, 0], [1, 1], [2, 2]]);
  deepEqual(pairs[2].truth, { alpha: 0.30000000000000004, k: 1.5, state: 2 });
});

Deno.test("pairSegments() leaves truth segments without a pair when the prediction has fewer segments", () => {
  // Truth spans 0-30, 31-60, 61-120, 121-199; predicted 0-60, 61-199. Jaccard: (0, 0) 31/61 and
  // (3, 1) 79/139 beat every other choice of one truth segment per predicted segment.
  const pairs = pairSegments(track([30, 60, 120]), track([60]));
  deepEqual(pairs.map((p) => [p.truthSegment, p.predictedSegment]), [[0, 0], [3, 1]]);
});

Deno.test("pairSegments() pairs the full truth segment with the best-overlapping predicted one when the truth has no changepoint", () => {
  // Predicted spans 0-30 and 31-99: the second covers 69 % of the track.
  const pairs = pairSegments(track([], 100), track([30], 100));
  deepEqual(pairs.map((p) => [p.truthSegment, p.predictedSegment]), [[0, 1]]);
});

Deno.test("pairSegments() reproduces the reference quirk when the prediction has no changepoint (andi-models.md §6.3)", () => {
  const none = track([]);
  function truthSegment(changepoints: number[], referenceQuirks: boolean): number {
    const pairs = pairSegments(track(changepoints), none, { referenceQuirks });
    equal(pairs.length, 1);
    equal(pairs[0].predictedSegment, 0);
    return pairs[0].truthSegment;
  }
  // Measured: [20, 150] pairs segment 1 (the longest); [20, 50] pairs segment 1 although
  // segment 2 is the longest.
  equal(truthSegment([20, 150], true), 1);
  equal(truthSegment([20, 50], true), 1);
  equal(truthSegment([150, 180], true), 0);
  // Without the quirk the longest truth segment is read.
  equal(truthSegment([20, 150], false), 1);
  equal(truthSegment([20, 50], false), 2);
  equal(truthSegment([150, 180], false), 0);
});

Deno.test("pairSegments() pairs the single values when neither side has a changepoint, whatever the lengths", () => {
  const pairs = pairSegments(track([], 200), track([], 150));
  deepEqual(pairs, [{
    truthSegment: 0,
    predictedSegment: 0,
    truth: { alpha: 0.1, k: 0.5, state: 2 },
    predicted: { alpha: 0.1, k: 0.5, state: 2 },
  }]);
});

Deno.test("pairSegments() matches the reference scorer's pairs on 8 recorded cases (andi_datasets logic with SciPy 1.17.1)", () => {
  // Recorded by running the reference's create_binary_segment / segment_assignment /
  // check_no_changepoints logic with scipy.optimize.linear_sum_assignment on random tracks
  // (3000 cases agreed; these 8 cover each branch, unequal lengths and Jaccard-0 pairs).
  const cases = [
    { g: [47, 86, 89], tg: 92, p: [], tp: 114, pairs: [[0, 0]] },
    {
      g: [19, 25, 41],
      tg: 65,
      p: [12, 38, 44, 56],
      tp: 65,
      pairs: [[0, 0], [1, 2], [2, 1], [3, 3]],
    },
    { g: [14, 37], tg: 41, p: [], tp: 41, pairs: [[1, 0]] },
    { g: [14, 36], tg: 77, p: [34, 46, 79], tp: 112, pairs: [[0, 1], [1, 0], [2, 2]] },
    { g: [38, 64, 67], tg: 72, p: [7, 21], tp: 77, pairs: [[0, 1], [1, 2], [2, 0]] },
    { g: [8, 10, 23, 25], tg: 27, p: [10], tp: 27, pairs: [[0, 0], [2, 1]] },
    { g: [], tg: 82, p: [16, 57], tp: 82, pairs: [[0, 1]] },
    { g: [], tg: 56, p: [72, 103], tp: 108, pairs: [[0, 0]] },
  ];
  for (const { g, tg, p, tp, pairs } of cases) {
    const got = pairSegments(track(g, tg), track(p, tp));
    deepEqual(got.map((x) => [x.truthSegment, x.predictedSegment]), pairs, `${g} / ${p}`);
  }
});

Deno.test("alphaMae() is the mean absolute error, capped at 1.999", () => {
  equal(alphaMae([0.5, 1], [0.75, 1.5]), 0.375);
  equal(ALPHA_MAE_CAP, 1.999);
  equal(alphaMae([0, 0], [2, 2]), 1.999);
  equal(alphaMae([0], [3], { maxError: 5 }), 3);
});

Deno.test("kMsle() reproduces the measured example of andi-models.md §6.4 and its cap", () => {
  // ((ln 2 - ln 3)^2 + (ln 1.01 - ln(1 + 1e-12))^2) / 2 = 0.08225048148861656 (numpy); the
  // spec rounds it to 0.08225.
  close(kMsle([1, 0.01], [2, 0]), 0.08225048148861656, 1e-15, "MSLE");
  close(kMsle([1, 0.01], [2, 0]), 0.08225, 5e-6, "MSLE as printed in the spec");
  close(K_MSLE_CAP, 190.86835960820298, 1e-12, "cap");
  close(kMsle([1e6], [0]), K_MSLE_CAP, 1e-12, "full range");
  equal(kMsle([1e9], [-5]), K_MSLE_CAP);
  // Values at or below the floor are all the same.
  equal(kMsle([0, -1, 1e-15], [1e-12, 1e-12, 0]), 0);
});

Deno.test("stateF1() is the fraction of agreeing codes, truncating to integers; NaN never agrees", () => {
  equal(stateF1([2, 2, 0, 1], [2, 1, 0, 1]), 0.75);
  equal(stateF1([2, 3], [2.7, 3.2]), 1);
  equal(stateF1([0, 1], [NaN, 1]), 0.5);
});

Deno.test("scoreSingleTrajectories() gives perfect scores for perfect predictions (200 random tracks, seed 9)", () => {
  const rng = createRng(9).stream("tracks");
  const truths = Array.from({ length: 200 }, () => randomTrack(rng));
  const predictions = truths.map((t) => ({ ...t, changepoints: [...Array.from(t.changepoints)] }));
  deepEqual(scoreSingleTrajectories(truths, predictions), {
    ...perfect,
    trackCount: 200,
    missingTrackCount: 0,
  });
});

Deno.test("scoreSingleTrajectories() scores a missing track with maximal errors (andi-models.md §6.4 step 1)", () => {
  const scores = scoreSingleTrajectories([track([60])], [undefined]);
  // Changepoint 10 against 20: one FP and one FN. Alpha error 2, capped at 1.999 for the mean.
  deepEqual(scores, {
    changepointRmse: 0,
    changepointJaccard: 0,
    alphaMae: 1.999,
    kMsle: (Math.log1p(100001) - Math.log1p(1)) ** 2,
    stateF1: 0,
    trackCount: 1,
    missingTrackCount: 1,
  });
  close(scores.kMsle, 117.06803491099986, 1e-9, "K log-error of a missing track");
  // Next to a perfect track: TP 1 of JSC 1 / 3, alpha (0 + 0 + 2) / 3 (two pairs for the track).
  const mixed = scoreSingleTrajectories([track([60]), track([60])], [track([60]), null]);
  close(mixed.changepointJaccard, 1 / 3, 1e-15, "JSC");
  close(mixed.alphaMae, 2 / 3, 1e-15, "alpha MAE");
  close(mixed.stateF1, 2 / 3, 1e-15, "state F1");
  equal(mixed.missingTrackCount, 1);
  // A smaller threshold keeps the substitute changepoints exactly one threshold apart.
  equal(scoreSingleTrajectories([track([])], [undefined], { threshold: 3 }).changepointJaccard, 0);
});

Deno.test("scoreSingleTrajectories() repairs invalid predicted alpha, K and state as the reference does", () => {
  const truth: SegmentedTrack = {
    changepoints: [],
    alphas: [0.7],
    ks: [-0.5],
    states: [2],
    length: 100,
  };
  function scored(alpha: number, k: number, state: number): ExperimentScores {
    return scoreSingleTrajectories([truth], [{
      changepoints: [],
      alphas: [alpha],
      ks: [k],
      states: [state],
      length: 100,
    }]);
  }
  // alpha NaN, > 2 or < 0 becomes truth + 2: error 2, capped mean 1.999.
  for (const alpha of [NaN, 2.5, -0.1]) equal(scored(alpha, 0.5, 2).alphaMae, 1.999);
  close(scored(2, 0.5, 2).alphaMae, 1.3, 1e-15, "alpha 2 is valid");
  // K is compared in absolute value; NaN becomes |truth| + 1e5.
  equal(scored(0.7, -0.5, 2).kMsle, 0);
  equal(scored(0.7, NaN, 2).kMsle, (Math.log1p(0.5) - Math.log1p(0.5 + 1e5)) ** 2);
  // A state outside 0..4 becomes 0; 4 itself is kept.
  equal(scored(0.7, 0.5, 7).stateF1, 0);
  equal(
    scoreSingleTrajectories([{ ...truth, states: [0] }], [{
      ...truth,
      ks: [0.5],
      states: [-1],
    }]).stateF1,
    1,
  );
  equal(
    scoreSingleTrajectories([{ ...truth, states: [4] }], [{ ...truth, states: [4] }]).stateF1,
    1,
  );
});

Deno.test("scoreSingleTrajectories() pools pairs over tracks before averaging", () => {
  // Track 1: 3 pairs with alpha errors 0, 0.1, 0.2; track 2: 1 pair with error 0.6.
  const truths = [track([50, 120]), track([])];
  const predictions = [
    { ...track([52, 120]), alphas: [0.1, 0.30000000000000004, 0.5] },
    { ...track([]), alphas: [0.7] },
  ];
  const scores = scoreSingleTrajectories(truths, predictions);
  close(scores.alphaMae, (0 + 0.1 + 0.2 + 0.6) / 4, 1e-12, "pooled alpha MAE");
  // Changepoint distances 2 and 0: RMSE sqrt(2); the second track adds an empty TP.
  equal(scores.changepointRmse, Math.SQRT2);
  equal(scores.changepointJaccard, 1);
});

Deno.test("averageOverExperiments() weights each metric by the number of truth tracks", () => {
  const a: ExperimentScores = {
    changepointRmse: 2,
    changepointJaccard: 0.5,
    alphaMae: 0.2,
    kMsle: 0.1,
    stateF1: 0.9,
    trackCount: 30,
    missingTrackCount: 1,
  };
  const b: ExperimentScores = {
    changepointRmse: 6,
    changepointJaccard: 0.1,
    alphaMae: 0.6,
    kMsle: 0.5,
    stateF1: 0.5,
    trackCount: 10,
    missingTrackCount: 2,
  };
  const mean = averageOverExperiments([a, b]);
  close(mean.changepointRmse, 3, 1e-15, "RMSE");
  close(mean.changepointJaccard, 0.4, 1e-15, "JSC");
  close(mean.alphaMae, 0.3, 1e-15, "alpha MAE");
  close(mean.kMsle, 0.2, 1e-15, "K MSLE");
  close(mean.stateF1, 0.8, 1e-15, "state F1");
  equal(mean.trackCount, 40);
  equal(mean.missingTrackCount, 3);
  deepEqual(averageOverExperiments([a]), a);
  deepEqual(Object.keys(MISSING_FILE_METRICS).sort(), Object.keys(perfect).sort());
});

Deno.test("scoreSingleTrajectories() throws when the track lists differ in length or are empty", () => {
  throws(() => scoreSingleTrajectories([track([])], []), {
    name: "RangeError",
    message:
      "Cannot score single trajectories: need one prediction per truth track and at least one track, got 1 truth tracks and 0 predictions; pass undefined for a track without a prediction",
  });
  throws(() => scoreSingleTrajectories([], []), { name: "RangeError", message: /got 0 truth/ });
});

Deno.test("pairSegments() throws when a changepoint is negative, fractional, past the track, or out of order", () => {
  throws(() => pairSegments(track([-1]), track([])), {
    name: "RangeError",
    message:
      "Cannot pair segments: truth changepoint 0 must be a whole frame in 0..199, got -1; round to frames, drop negative ones and those at or past the track length",
  });
  throws(() => pairSegments(track([]), track([200])), {
    name: "RangeError",
    message: /predicted changepoint 0 must be a whole frame in 0\.\.199, got 200/,
  });
  throws(() => pairSegments(track([]), track([10.5])), { message: /got 10\.5/ });
  throws(() => pairSegments(track([80, 40]), track([])), {
    name: "RangeError",
    message:
      "Cannot pair segments: truth changepoints must be strictly increasing, got 40 after 80 at index 1; sort them and drop duplicates",
  });
  throws(() => scoreSingleTrajectories([track([])], [track([5, 5])]), {
    message: /predicted \(track 0\) changepoints must be strictly increasing, got 5 after 5/,
  });
});

Deno.test("pairSegments() throws when a value list does not have one entry per segment, or the length is bad", () => {
  throws(() => pairSegments({ ...track([40]), alphas: [1] }, track([])), {
    name: "RangeError",
    message:
      "Cannot pair segments: truth has 1 changepoints, so 2 segments, but 1 alphas; give one value per segment",
  });
  throws(() => pairSegments(track([]), { ...track([]), length: 0 }), {
    name: "RangeError",
    message:
      "Cannot pair segments: predicted length must be a whole number of frames >= 1, got 0; pass the track length T",
  });
});

Deno.test("pairSegments() throws when a ground-truth value is not finite, but accepts NaN predictions", () => {
  throws(() => pairSegments({ ...track([]), ks: [NaN] }, track([])), {
    name: "RangeError",
    message:
      "Cannot pair segments: truth ks[0] is not finite, got NaN; ground-truth values must be finite",
  });
  equal(pairSegments(track([]), { ...track([]), alphas: [NaN] }).length, 1);
});

Deno.test("alphaMae(), kMsle() and stateF1() throw when the lists differ in length, are empty, or hold NaN", () => {
  throws(() => alphaMae([1, 2], [1]), {
    name: "RangeError",
    message:
      "Cannot compute alpha MAE: need equally many truth and predicted values (>= 1), got 2 and 1; pass one value per paired segment",
  });
  throws(() => stateF1([], []), { name: "RangeError", message: /got 0 and 0/ });
  throws(() => kMsle([1], [NaN]), {
    name: "RangeError",
    message:
      "Cannot compute K MSLE: value 0 is NaN (truth 1, predicted NaN); repair invalid predictions first, as scoreSingleTrajectories() does",
  });
});

Deno.test("averageOverExperiments() throws when there is no experiment or a track count is not positive", () => {
  throws(() => averageOverExperiments([]), {
    name: "RangeError",
    message:
      "Cannot average experiment scores: got 0 experiments; score at least one experiment first",
  });
  throws(
    () => averageOverExperiments([{ ...perfect, trackCount: 0, missingTrackCount: 0 }]),
    {
      name: "RangeError",
      message:
        "Cannot average experiment scores: experiment 0 has trackCount 0; weights must be positive whole track counts",
    },
  );
});
