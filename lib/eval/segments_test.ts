import { deepEqual, equal, throws } from "node:assert/strict";
import { pairSegments, segmentJaccard, segmentSpans } from "./segments.ts";
import { scoreSingleTrajectories } from "./single_trajectory_scores.ts";
import { track } from "./_testing.ts";

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
