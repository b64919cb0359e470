import { deepEqual, equal, notDeepEqual, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import {
  ANDI2_MODELS,
  andi2EnsembleLabels,
  type Andi2Experiment,
  andi2ExperimentParameters,
  type Andi2Track,
  andi2Tracks,
  simulateAndi2Experiment,
} from "./andi2_dataset.ts";
import { fieldOfViewRuns, fieldOfViewTracks } from "./field_of_view.ts";

type Pair = [number, number];

/** The [mean, variance] pairs of an experiment's alpha and K distributions, per state. */
function distributions(experiment: Andi2Experiment): { alphas: Pair[]; ks: Pair[] } {
  const list = (value: unknown) =>
    (typeof (value as Pair[])[0] === "number" ? [value] : value) as Pair[];
  return { alphas: list(experiment.options.alphas), ks: list(experiment.options.ks) };
}

Deno.test("andi2ExperimentParameters() draws single_state and immobile_traps alpha means in [0.5, 1.5] with K [1, 0.01] (n = 1000 each, seed 1)", () => {
  const rng = createRng(1);
  for (const model of ["single_state", "immobile_traps"] as const) {
    const means: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const experiment = andi2ExperimentParameters(model, rng);
      equal(experiment.model, model);
      const { alphas, ks } = distributions(experiment);
      deepEqual(ks, [[1, 0.01]]);
      equal(alphas[0][1], 0.01);
      ok(alphas[0][0] >= 0.5 && alphas[0][0] < 1.5, `alpha mean ${alphas[0][0]}`);
      means.push(alphas[0][0]);
      equal(experiment.options.boxSize, 1.8 * 128);
    }
    // U(0.5, 1.5) has mean 1 and std 1/sqrt(12); 4 standard errors for n = 1000.
    const mean = means.reduce((sum, value) => sum + value, 0) / means.length;
    ok(Math.abs(mean - 1) < 4 / Math.sqrt(12 * 1000), `${model}: mean alpha ${mean}`);
  }
  const traps = andi2ExperimentParameters("immobile_traps", rng);
  if (traps.model !== "immobile_traps") throw new Error("wrong model");
  const { trapCount, trapRadius, unbindingProbability, bindingProbability } = traps.options;
  deepEqual([trapCount, trapRadius, unbindingProbability, bindingProbability], [300, 0.4, 0.01, 1]);
});

Deno.test("andi2ExperimentParameters() draws two-state experiments with slow K in [0.01, 0.09 K0 + 0.01] and a2 = a1 - U(0.2, 0.6) (n = 1000 per model, seed 2)", () => {
  const rng = createRng(2);
  for (const model of ["multi_state", "dimerization", "confinement"] as const) {
    const slowKs: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const experiment = andi2ExperimentParameters(model, rng, { boxSize: 200 });
      const { alphas: [[a1, va1], [a2, va2]], ks: [[k0, vk0], [k1, vk1]] } = distributions(
        experiment,
      );
      // K0 = 1 + 0.01 N(0, 1): 5 standard deviations.
      ok(Math.abs(k0 - 1) < 0.05, `fast K ${k0}`);
      ok(k1 >= 0.01 && k1 <= 0.09 * k0 + 0.01, `slow K ${k1} (fast ${k0})`);
      ok(a1 >= 0.8 && a1 < 1.2, `a1 ${a1}`);
      ok(a1 - a2 > 0.2 - 1e-12 && a1 - a2 <= 0.6 + 1e-12, `a1 - a2 = ${a1 - a2}`);
      deepEqual([va1, va2], [0.01, 0.01]);
      ok(Math.abs(vk0 - 0.01 * k0) < 1e-15 && Math.abs(vk1 - 0.01 * k1) < 1e-15);
      equal(experiment.options.boxSize, 200);
      slowKs.push(k1);
    }
    // Slow K = 0.09 K0 U + 0.01: mean 0.055, std 0.09/sqrt(12); 4 standard errors.
    const mean = slowKs.reduce((sum, value) => sum + value, 0) / slowKs.length;
    ok(Math.abs(mean - 0.055) < 4 * 0.09 / Math.sqrt(12 * 1000), `${model}: mean slow K ${mean}`);
  }
  const switching = andi2ExperimentParameters("multi_state", rng);
  if (switching.model !== "multi_state") throw new Error("wrong model");
  deepEqual(switching.options.transitionMatrix, [[0.99, 0.01], [0.01, 0.99]]);
  const dimers = andi2ExperimentParameters("dimerization", rng);
  if (dimers.model !== "dimerization") throw new Error("wrong model");
  deepEqual(
    [
      dimers.options.particleRadius,
      dimers.options.unbindingProbability,
      dimers.options.bindingProbability,
    ],
    [0.6, 0.01, 1],
  );
  const compartments = andi2ExperimentParameters("confinement", rng);
  if (compartments.model !== "confinement") throw new Error("wrong model");
  const { compartmentRadius, compartmentCount, transmittance, compartmentCenters } =
    compartments.options;
  // No shared layout: every particle draws its own compartments, as in the reference.
  deepEqual([compartmentRadius, compartmentCount, transmittance, compartmentCenters], [
    5,
    30,
    0.1,
    undefined,
  ]);
});

Deno.test("andi2ExperimentParameters() throws when the model is unknown or the box is not positive", () => {
  const rng = createRng(0);
  throws(
    () => andi2ExperimentParameters("brownian" as "single_state", rng),
    {
      name: "RangeError",
      message:
        'Cannot draw AnDi-2 experiment parameters: unknown model "brownian"; models: single_state, multi_state, immobile_traps, dimerization, confinement',
    },
  );
  throws(() => andi2ExperimentParameters("single_state", rng, { boxSize: 0 }), {
    name: "RangeError",
    message: "Cannot draw AnDi-2 experiment parameters: boxSize must be a finite number > 0, got 0",
  });
});

Deno.test("simulateAndi2Experiment() uses the experiment's own particle count and throws when the model is unknown", () => {
  const rng = createRng(3);
  const experiment = { ...andi2ExperimentParameters("dimerization", rng), particles: 7 };
  const simulation = simulateAndi2Experiment(experiment, rng, { particles: 50, length: 30 });
  deepEqual([simulation.count, simulation.length, simulation.dim], [7, 30, 2]);
  throws(
    () =>
      simulateAndi2Experiment(
        { model: "lw", options: {} } as unknown as Andi2Experiment,
        rng,
      ),
    { name: "RangeError", message: /^Cannot simulate AnDi-2 experiment: unknown model "lw"/ },
  );
});

Deno.test("fieldOfViewRuns() keeps maximal runs strictly inside the FOV of at least minLength frames", () => {
  // Particle 0: x = 1, 2, 10 (on the edge: outside), 3, 4, 5, 6; particle 1 never inside;
  // particle 2: inside frames 0-1 only (too short), then frames 4-6.
  const xs = [
    [1, 2, 10, 3, 4, 5, 6],
    [0, -1, 11, 12, 13, 14, 15],
    [5, 5, 50, 50, 5, 5, 5],
  ];
  const positions = new Float64Array(xs.flatMap((row) => row.flatMap((x) => [x, 5])));
  const runs = fieldOfViewRuns({ positions, count: 3, length: 7, dim: 2 }, [0, 0], {
    fovSize: 10,
    minLength: 3,
  });
  deepEqual(runs, [
    { particle: 0, start: 3, end: 7 },
    { particle: 2, start: 4, end: 7 },
  ]);
  // The y coordinate counts too: y = 0 lies on the lower edge.
  const onEdge = new Float64Array([5, 5, 5, 0, 5, 5, 5, 5]);
  deepEqual(
    fieldOfViewRuns({ positions: onEdge, count: 1, length: 4, dim: 2 }, [0, 0], {
      fovSize: 10,
      minLength: 1,
    }),
    [{ particle: 0, start: 0, end: 1 }, { particle: 0, start: 2, end: 4 }],
  );
});

Deno.test("fieldOfViewTracks() without noise copies the simulation at absolute, contiguous frames and keeps every maximal inside run of >= 20 frames (5 models x 10 experiments, seed 4)", () => {
  const rng = createRng(4);
  for (const model of ANDI2_MODELS) {
    for (let e = 0; e < 10; e++) {
      const simulation = simulateAndi2Experiment(andi2ExperimentParameters(model, rng), rng);
      const origin: [number, number] = [rng.integer(11, 90), rng.integer(11, 90)];
      const tracks = fieldOfViewTracks(simulation, origin, rng, { noiseStd: 0 });
      const inside = (n: number, t: number) => {
        const at = 2 * (n * simulation.length + t);
        const [x, y] = [simulation.positions[at], simulation.positions[at + 1]];
        return x > origin[0] && x < origin[0] + 128 && y > origin[1] && y < origin[1] + 128;
      };
      // Every maximal inside run of >= 20 frames, by brute force.
      const expected: string[] = [];
      for (let n = 0; n < simulation.count; n++) {
        for (let t = 0; t < simulation.length; t++) {
          if (!inside(n, t) || (t > 0 && inside(n, t - 1))) continue;
          let end = t;
          while (end < simulation.length && inside(n, end)) end++;
          if (end - t >= 20) expected.push(`${n}:${t}-${end}`);
        }
      }
      deepEqual(
        tracks.map((track) =>
          `${track.particle}:${track.firstFrame}-${track.firstFrame + track.length}`
        ),
        expected,
      );
      tracks.forEach((track, index) => {
        equal(track.index, index);
        ok(track.length >= 20);
        const from = 2 * (track.particle * simulation.length + track.firstFrame);
        deepEqual(track.positions, simulation.positions.slice(from, from + 2 * track.length));
        for (let t = 0; t < track.length; t++) ok(inside(track.particle, track.firstFrame + t));
      });
    }
  }
});

/** Tracks of `experiments` experiments of each model (challenge defaults). */
function tracksByModel(seed: number, experiments: number, noiseStd = 0.12) {
  return new Map(
    ANDI2_MODELS.map((model) => [
      model,
      [...andi2Tracks(createRng(seed).stream(model), { experiments, model, noiseStd })],
    ]),
  );
}

const SAMPLE = tracksByModel(5, 60);

Deno.test("andi2Tracks() smooths labels: no run shorter than 3 frames unless a column is constant, and changepoints are exactly where smoothed alpha, K or state change (60 experiments per model, seed 5)", () => {
  for (const [model, tracks] of SAMPLE) {
    ok(tracks.length > 0, model);
    for (const track of tracks) {
      for (const column of [track.alphas, track.ks, track.states]) {
        let start = 0;
        for (let t = 1; t <= track.length; t++) {
          if (t < track.length && column[t] === column[start]) continue;
          // A run shorter than 3 is allowed only when it is the whole (constant) column.
          ok(t - start >= 3, `${model} track ${track.index}: run of ${t - start} at ${start}`);
          start = t;
        }
      }
      const changes: number[] = [];
      for (let t = 1; t < track.length; t++) {
        if (
          track.alphas[t] !== track.alphas[t - 1] || track.ks[t] !== track.ks[t - 1] ||
          track.states[t] !== track.states[t - 1]
        ) changes.push(t);
      }
      deepEqual(track.changepoints, changes);
      equal(track.model, model);
      equal(track.parameters.model, model);
    }
  }
});

/**
 * Standard error of a track-level mean whose tracks are clustered in experiments: one-way
 * random-effects ANOVA of the per-track values gives the between-experiment and the
 * within-experiment variance, and a sample of `experiments` experiments and `tracks` tracks
 * then has variance between / experiments + within / tracks.
 */
function clusteredVariances(groups: number[][]): { between: number; within: number } {
  const n = groups.reduce((sum, group) => sum + group.length, 0);
  const k = groups.length;
  const grand = groups.flat().reduce((sum, value) => sum + value, 0) / n;
  let withinSquares = 0;
  let betweenSquares = 0;
  for (const group of groups) {
    const mean = group.reduce((sum, value) => sum + value, 0) / group.length;
    for (const value of group) withinSquares += (value - mean) ** 2;
    betweenSquares += group.length * (mean - grand) ** 2;
  }
  const within = withinSquares / (n - k);
  const groupSize = (n - groups.reduce((sum, group) => sum + group.length ** 2, 0) / n) / (k - 1);
  return { within, between: Math.max(0, (betweenSquares / (k - 1) - within) / groupSize) };
}

/**
 * Compares a statistic of our sample with the reference's (6 experiments, 60 tracks per model,
 * andi-models.md §7 row 16): the tolerance is 3 standard errors of the difference, with both
 * standard errors computed from the variance components of our own sample, so the small
 * reference sample dominates it.
 */
function assertMatchesReference(
  name: string,
  tracks: Andi2Track[],
  perTrack: (track: Andi2Track) => number,
  estimate: number,
  reference: number,
): void {
  const groups = new Map<number, number[]>();
  for (const track of tracks) {
    groups.set(track.experiment, [...(groups.get(track.experiment) ?? []), perTrack(track)]);
  }
  const { between, within } = clusteredVariances([...groups.values()]);
  const ours = between / groups.size + within / tracks.length;
  const theirs = between / 6 + within / 60;
  const tolerance = 3 * Math.sqrt(ours + theirs);
  ok(
    Math.abs(estimate - reference) <= tolerance,
    `${name}: ${estimate.toFixed(3)} vs reference ${reference} (tolerance ${tolerance.toFixed(3)})`,
  );
}

Deno.test("andi2Tracks() matches the reference's state fractions and changepoints per track, within 3 standard errors of the difference (60 experiments per model vs 6, seed 5)", () => {
  const changepointsPerTrack = {
    single_state: 0,
    multi_state: 1.2,
    immobile_traps: 0.37,
    dimerization: 0.28,
    confinement: 0.47,
  };
  for (const [model, tracks] of SAMPLE) {
    const frames = tracks.reduce((sum, track) => sum + track.length, 0);
    const meanLength = frames / tracks.length;
    const changepoints = tracks.reduce((sum, track) => sum + track.changepoints.length, 0) /
      tracks.length;
    assertMatchesReference(
      `${model} changepoints per track`,
      tracks,
      (track) => track.changepoints.length,
      changepoints,
      changepointsPerTrack[model],
    );
    const special = model === "immobile_traps" ? 0 : model === "confinement" ? 1 : null;
    if (special === null) {
      ok(tracks.every((track) => track.states.every((state) => state === 2)), model);
      if (model === "single_state") equal(changepoints, 0);
      continue;
    }
    const inState = (track: Andi2Track) => track.states.filter((state) => state === special).length;
    const fraction = tracks.reduce((sum, track) => sum + inState(track), 0) / frames;
    // A pooled fraction is a ratio; its per-track linearisation is (a_i - R b_i) / mean b.
    assertMatchesReference(
      `${model} fraction of frames in state ${special}`,
      tracks,
      (track) => (inState(track) - fraction * track.length) / meanLength + fraction,
      fraction,
      model === "immobile_traps" ? 0.15 : 0.38,
    );
    ok(tracks.every((track) => track.states.every((state) => state === special || state === 2)));
  }
});

Deno.test("andi2Tracks() adds noise of std 0.12 after the cut: trapped steps have variance 2 sigma^2 per coordinate (immobile_traps, 60 experiments, seed 5)", () => {
  const noisy = SAMPLE.get("immobile_traps")!;
  const clean = tracksByModel(5, 60, 0).get("immobile_traps")!;
  equal(noisy.length, clean.length);
  const sigma = 0.12;
  let squares = 0;
  let steps = 0;
  let offsets = 0;
  let offsetSquares = 0;
  noisy.forEach((track, i) => {
    const reference = clean[i];
    deepEqual([track.particle, track.firstFrame, track.length], [
      reference.particle,
      reference.firstFrame,
      reference.length,
    ]);
    deepEqual(track.states, reference.states);
    for (let j = 0; j < track.positions.length; j++) {
      offsets++;
      offsetSquares += (track.positions[j] - reference.positions[j]) ** 2;
      if (j >= 2 && reference.positions[j] === reference.positions[j - 2]) {
        squares += (track.positions[j] - track.positions[j - 2]) ** 2;
        steps++;
      }
    }
  });
  ok(steps > 5000, `${steps} trapped steps`);
  // Mean of squared noise: variance sigma^2, relative standard error sqrt(2 / n); 4 of them.
  const offsetVariance = offsetSquares / offsets;
  ok(Math.abs(offsetVariance / sigma ** 2 - 1) < 4 * Math.sqrt(2 / offsets), `${offsetVariance}`);
  // Trapped steps e[t] - e[t-1]: variance 2 sigma^2; neighbouring steps share a noise term
  // (covariance -sigma^2), so the mean of n squares has variance at most
  // (2 / n)(4 + 2) sigma^4 and relative standard error sqrt(3 / n); 4 of them.
  const stepVariance = squares / steps;
  ok(
    Math.abs(stepVariance / (2 * sigma ** 2) - 1) < 4 * Math.sqrt(3 / steps),
    `trapped step variance ${stepVariance} vs ${2 * sigma ** 2}`,
  );
});

Deno.test("andi2Tracks() gives the same bytes for the same seed, and experiment e does not depend on the number of experiments", () => {
  const bytes = (tracks: Andi2Track[]) =>
    tracks.map((track) => [
      [...track.positions],
      [...track.alphas],
      [...track.ks],
      [...track.states],
      track.fovOrigin,
      track.model,
    ]);
  const first = [...andi2Tracks(createRng(6), { experiments: 3 })];
  deepEqual(bytes([...andi2Tracks(createRng(6), { experiments: 3 })]), bytes(first));
  notDeepEqual(bytes([...andi2Tracks(createRng(7), { experiments: 3 })]), bytes(first));
  const longer = [...andi2Tracks(createRng(6), { experiments: 5 })];
  deepEqual(bytes(longer.filter((track) => track.experiment < 3)), bytes(first));
});

Deno.test("andi2Tracks() draws FOV origins in 11..89 for the default box and cuts several FOVs per experiment", () => {
  const tracks = [...andi2Tracks(createRng(8), { experiments: 4, fovs: 3, particles: 30 })];
  const origins = new Map(
    tracks.map((track) => [`${track.experiment}/${track.fov}`, track.fovOrigin]),
  );
  ok(origins.size >= 10, `${origins.size} FOVs with tracks`);
  for (const [x, y] of origins.values()) {
    ok(Number.isInteger(x) && Number.isInteger(y) && x >= 11 && x <= 89 && y >= 11 && y <= 89);
  }
  ok(tracks.every((track) => track.fov >= 0 && track.fov < 3));
});

Deno.test("andi2Tracks() takes a list of experiments (the reference's dics) with their own particle counts", () => {
  const experiments: Andi2Experiment[] = [
    { model: "confinement", options: { boxSize: 192, compartmentRadius: 6 }, particles: 80 },
    { model: "single_state", options: { boxSize: 192, alphas: [0.5, 0.01] }, particles: 20 },
  ];
  const tracks = [...andi2Tracks(createRng(9), { experiments, model: "multi_state" })];
  ok(tracks.some((track) => track.model === "confinement"));
  ok(tracks.every((track) => track.model === ["confinement", "single_state"][track.experiment]));
  ok(tracks.every((track) => track.particle < (track.experiment === 0 ? 80 : 20)));
});

Deno.test("andi2EnsembleLabels() gives one column per state with the experiment's distributions and frame counts", () => {
  const rng = createRng(10);
  for (const model of ANDI2_MODELS) {
    const tracks = [...andi2Tracks(rng.stream(model), { experiments: 1, model })];
    const matrix = andi2EnsembleLabels(tracks[0].parameters, tracks);
    const columns = model === "single_state" ? 1 : 2;
    deepEqual(matrix.map((row) => row.length), [columns, columns, columns, columns, columns]);
    const frames = tracks.reduce((sum, track) => sum + track.length, 0);
    equal(matrix[4].reduce((sum, count) => sum + count, 0), frames, model);
    const { alphas, ks } = distributions(tracks[0].parameters);
    const free = model === "immobile_traps" ? 1 : 0;
    deepEqual([matrix[0][free], matrix[1][free]], alphas[0]);
    deepEqual([matrix[2][free], matrix[3][free]], ks[0]);
    if (model === "immobile_traps") {
      deepEqual(matrix.slice(0, 4).map((row) => row[0]), [0, 0, 0, 0]);
    }
  }
});

Deno.test("andi2Tracks() throws when an option is out of range", () => {
  const rng = createRng(0);
  const cases: [Parameters<typeof andi2Tracks>[1], string, string][] = [
    [{ experiments: 0 }, "RangeError", "experiments must be an integer >= 1, got 0"],
    [
      { experiments: [] },
      "TypeError",
      "experiments must be a count or a non-empty list of experiments, got an empty list",
    ],
    [
      { model: "fbm" as "any" },
      "RangeError",
      'unknown model "fbm"; models: single_state, multi_state, immobile_traps, dimerization, confinement',
    ],
    [
      { length: 10 },
      "RangeError",
      "length must be an integer >= minLength (20), got 10; no track could be long enough",
    ],
    [{ noiseStd: -1 }, "RangeError", "noiseStd must be a finite number >= 0, got -1"],
    [{ smoothingWindow: 4 }, "RangeError", "smoothingWindow must be an odd integer >= 1, got 4"],
    [{ particles: 1.5 }, "RangeError", "particles must be an integer >= 1, got 1.5"],
    [
      { boxSize: 140 },
      "RangeError",
      "a FOV of 128 px does not fit in a box of 140 px with 5 % margins (origins 7 .. 4); use a box of at least 144 px or a smaller FOV",
    ],
  ];
  for (const [options, name, message] of cases) {
    throws(() => andi2Tracks(rng, options), {
      name,
      message: `Cannot build AnDi-2 dataset: ${message}`,
    });
  }
  throws(
    () => andi2Tracks(rng, { experiments: [{ model: "lw" } as unknown as Andi2Experiment] }),
    {
      name: "RangeError",
      message: /^Cannot build AnDi-2 dataset \(experiment 0\): unknown model "lw"/,
    },
  );
});
