import { deepEqual, equal, throws } from "node:assert/strict";
import { createRng, type Rng } from "../rng.ts";
import type { SegmentedTrack } from "./segments.ts";
import {
  averageOverExperiments,
  type ExperimentScores,
  MISSING_FILE_METRICS,
  scoreSingleTrajectories,
} from "./single_trajectory_scores.ts";
import { close, track } from "./_testing.ts";

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
