/**
 * The AnDi-2 challenge dataset builder (andi-models.md §5.1-5.3 and §5.6; the reference's
 * `challenge_phenom_dataset` with `_get_dic_andi2`): experiments of the five phenomenological
 * models are simulated in a box, cut to a square field of view (FOV), and every stretch of at
 * least 20 frames a particle spends inside the FOV becomes one track with smoothed per-frame
 * labels, changepoints, and localisation noise.
 *
 * The pieces, in pipeline order:
 *
 * | step | function |
 * | --- | --- |
 * | per-experiment parameters (§5.2) | {@linkcode andi2ExperimentParameters} |
 * | simulate N particles for T frames in the box | {@linkcode simulateAndi2Experiment} |
 * | FOV cut: maximal runs of inside frames (§5.3.3) | {@linkcode fieldOfViewRuns} |
 * | tracks of one FOV: label smoothing (§5.4), changepoints, noise (§5.3.4-5) | {@linkcode fieldOfViewTracks} |
 * | the whole builder | {@linkcode andi2Tracks} |
 * | ensemble labels of one FOV (§5.6) | {@linkcode andi2EnsembleLabels} |
 *
 * Defaults are the challenge's (§5.1): T = 200, N = 50, FOV 128 px, box L = 1.8 x 128 = 230.4 px,
 * minimum track 20 frames, noise std 0.12 px, smoothing window 5 with minimum segment 3.
 *
 * The Bi-Mamba paper generated its training data with the reference builder and other
 * experiment dictionaries (bimamba.md §2); in terms of the options here:
 *
 * | Bi-Mamba | here |
 * | --- | --- |
 * | one model per call, 50 experiments of it | `model`, `experiments: 50` |
 * | one FOV per experiment | `fovs: 1` (default) |
 * | T = 200, noise 0.12 px, smoothing 5 / 3, tracks >= 20 frames | the defaults |
 * | N ~ U{20..149} particles | `particles` of each experiment in an `experiments` list |
 * | box L = 192 px | `options.boxSize` of each listed experiment; keep `boxSize` (FOV placement) at 230.4 px, as the reference does |
 * | log-uniform K and alpha, drawn Pu, Pb, radii, trap and compartment counts | not built in: draw the experiments and pass them as the `experiments` list |
 *
 * @module
 */

import type { Rng } from "../rng.ts";
import { checkPositive, checkPositiveInteger } from "./phenom/_checks.ts";
import {
  type FieldOfViewTrack,
  type FieldOfViewTrackOptions,
  fieldOfViewTracks,
} from "./field_of_view.ts";
import {
  confinement,
  type ConfinementOptions,
  dimerization,
  type DimerizationOptions,
  immobileTraps,
  type ImmobileTrapsOptions,
  multiState,
  type MultiStateOptions,
  type ParameterDistribution,
  type PhenomTrajectories,
  singleState,
  type SingleStateOptions,
} from "./phenom/mod.ts";

/** The five AnDi-2 models in the reference's numbering order (model number = index + 1). */
export const ANDI2_MODELS = [
  "single_state",
  "multi_state",
  "immobile_traps",
  "dimerization",
  "confinement",
] as const;

/** One of {@linkcode ANDI2_MODELS}. */
export type Andi2Model = typeof ANDI2_MODELS[number];

/**
 * One experiment's model and simulator options (the reference's experiment dictionary);
 * `particles`, when set, overrides the builder's particle count N for this experiment.
 */
export type Andi2Experiment =
  & (
    | { model: "single_state"; options: SingleStateOptions }
    | { model: "multi_state"; options: MultiStateOptions }
    | { model: "immobile_traps"; options: ImmobileTrapsOptions }
    | { model: "dimerization"; options: DimerizationOptions }
    | { model: "confinement"; options: ConfinementOptions }
  )
  & { particles?: number };

/** Options of {@linkcode andi2ExperimentParameters}. */
export interface Andi2ParameterOptions {
  /** Side L of the simulation box (px). @default {230.4} */
  boxSize?: number;
}

/**
 * Draws the parameters of one experiment as the challenge does (andi-models.md §5.2,
 * `_get_dic_andi2`); all particles of the experiment then draw their own values from these
 * distributions (`[mean, variance]`).
 *
 * - single_state, immobile_traps: alpha ~ [U(0.5, 1.5), 0.01], K ~ [1, 0.01].
 * - multi_state, dimerization, confinement: state 0 fast, state 1 slow; K0 = 1 + 0.01 N(0, 1),
 *   K1 = 0.09 K0 U(0, 1) + 0.01 (so K1 in [0.01, ~0.1]), a1 = U(0.8, 1.2),
 *   a2 = a1 - U(0.2, 0.6); K distributions [K, 0.01 K], alpha distributions [a, 0.01].
 * - multi_state: transition matrix [[0.99, 0.01], [0.01, 0.99]].
 * - immobile_traps: 300 traps of radius 0.4 px, Pu = 0.01, Pb = 1.
 * - dimerization: particle radius 0.6 px, Pu = 0.01, Pb = 1.
 * - confinement: 30 compartments of radius 5 px per particle, transmittance 0.1.
 *
 * @param model one of {@linkcode ANDI2_MODELS}
 * @param rng random stream
 * @param options box side
 * @returns the experiment, ready for {@linkcode simulateAndi2Experiment}
 * @throws {RangeError} when the model is unknown or the box side is not a positive number
 *
 * @example The slow state of a two-state experiment
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { andi2ExperimentParameters } from "./andi2_dataset.ts";
 * const experiment = andi2ExperimentParameters("multi_state", createRng(1));
 * if (experiment.model !== "multi_state") throw new Error("unreachable");
 * const [[k0], [k1]] = experiment.options.ks as [number, number][];
 * ok(k1 >= 0.01 && k1 <= 0.1 * k0 + 0.01);
 * ```
 */
export function andi2ExperimentParameters(
  model: Andi2Model,
  rng: Rng,
  options: Andi2ParameterOptions = {},
): Andi2Experiment {
  const { boxSize = 1.8 * 128 } = options;
  const action = "draw AnDi-2 experiment parameters";
  checkModel(action, model);
  checkPositive(action, "boxSize", boxSize);
  if (model === "single_state" || model === "immobile_traps") {
    const alphas: ParameterDistribution = [rng.uniformRange(0.5, 1.5), 0.01];
    const ks: ParameterDistribution = [1, 0.01];
    return model === "single_state" ? { model, options: { alphas, ks, boxSize, dim: 2 } } : {
      model,
      options: {
        alphas,
        ks,
        boxSize,
        trapCount: 300,
        trapRadius: 0.4,
        unbindingProbability: 0.01,
        bindingProbability: 1,
      },
    };
  }
  const fastK = 1 + 0.01 * rng.normal();
  const slowK = 0.09 * fastK * rng.uniform() + 0.01;
  const fastAlpha = rng.uniformRange(0.8, 1.2);
  const slowAlpha = fastAlpha - rng.uniformRange(0.2, 0.6);
  const states = {
    alphas: [[fastAlpha, 0.01], [slowAlpha, 0.01]] as [number, number][],
    ks: [[fastK, 0.01 * fastK], [slowK, 0.01 * slowK]] as [number, number][],
    boxSize,
  };
  if (model === "multi_state") {
    return { model, options: { ...states, transitionMatrix: [[0.99, 0.01], [0.01, 0.99]] } };
  }
  if (model === "dimerization") {
    return {
      model,
      options: {
        ...states,
        particleRadius: 0.6,
        unbindingProbability: 0.01,
        bindingProbability: 1,
      },
    };
  }
  return {
    model,
    options: { ...states, compartmentRadius: 5, compartmentCount: 30, transmittance: 0.1 },
  };
}

/** Options of {@linkcode simulateAndi2Experiment}. */
export interface SimulateExperimentOptions {
  /** Particles N, unless the experiment sets its own. @default {50} */
  particles?: number;
  /** Frames T. @default {200} */
  length?: number;
}

/**
 * Simulates one experiment with its model (andi-models.md §5.3 step 2).
 *
 * @param experiment model and simulator options
 * @param rng random stream
 * @param options particle count and frames
 * @returns positions [N, T, dim] and per-frame labels [N, T]
 * @throws {RangeError} when the model is unknown, and whatever the model's simulator throws
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { andi2ExperimentParameters, simulateAndi2Experiment } from "./andi2_dataset.ts";
 * const rng = createRng(2);
 * const experiment = andi2ExperimentParameters("confinement", rng);
 * const simulation = simulateAndi2Experiment(experiment, rng, { particles: 5, length: 100 });
 * equal(simulation.positions.length, 5 * 100 * 2);
 * ```
 */
export function simulateAndi2Experiment(
  experiment: Andi2Experiment,
  rng: Rng,
  options: SimulateExperimentOptions = {},
): PhenomTrajectories {
  const { particles = 50, length = 200 } = options;
  const count = experiment.particles ?? particles;
  switch (experiment.model) {
    case "single_state":
      return singleState(count, length, rng, experiment.options);
    case "multi_state":
      return multiState(count, length, rng, experiment.options);
    case "immobile_traps":
      return immobileTraps(count, length, rng, experiment.options);
    case "dimerization":
      return dimerization(count, length, rng, experiment.options);
    case "confinement":
      return confinement(count, length, rng, experiment.options);
  }
  checkModel("simulate AnDi-2 experiment", (experiment as { model: string }).model);
  throw new Error("unreachable");
}

/** A track of the whole dataset: a FOV track plus where it came from. */
export interface Andi2Track extends FieldOfViewTrack {
  /** Experiment index (0-based). */
  experiment: number;
  /** The experiment's model. */
  model: Andi2Model;
  /** FOV index within the experiment (0-based). */
  fov: number;
  /** Lower-left corner of the FOV (px, integers). */
  fovOrigin: [number, number];
  /** The experiment's parameters (shared by its tracks). */
  parameters: Andi2Experiment;
}

/** Options of {@linkcode andi2Tracks}. */
export interface Andi2TracksOptions extends FieldOfViewTrackOptions {
  /**
   * Number of experiments, each with parameters from {@linkcode andi2ExperimentParameters};
   * or the experiments themselves (the reference's `dics`).
   * @default {5}
   */
  experiments?: number | readonly Andi2Experiment[];
  /**
   * Model of every drawn experiment, or "any" for a uniformly random model per experiment
   * (ignored when `experiments` is a list).
   * @default {"any"}
   */
  model?: Andi2Model | "any";
  /** Particles N per experiment. @default {50} */
  particles?: number;
  /** Frames T per simulation. @default {200} */
  length?: number;
  /** FOVs cut from each experiment. @default {1} */
  fovs?: number;
  /**
   * Box side L (px) of drawn experiments and of the FOV placement: FOV origins are integers
   * drawn uniformly from floor(0.05 L) .. floor(0.95 L) - fovSize - 1 (11 .. 89 by default),
   * also for experiments given as a list (whose own box the reference ignores here too).
   * @default {1.8 * fovSize}
   */
  boxSize?: number;
}

/**
 * Builds the AnDi-2 challenge dataset (andi-models.md §5.3), experiment by experiment, FOV by
 * FOV, one track at a time. Options are checked when this is called; the work happens as the
 * tracks are read.
 *
 * Random streams: experiment e draws from `experiment-e/parameters`, `/simulation`, `/fov` and
 * `/noise` below `rng`, and the random models from `models`, so experiment e is the same
 * whatever the number of experiments, and the noise level does not change the noise-free part.
 *
 * @param rng random stream
 * @param options experiments, model, sizes, FOV, noise and smoothing
 * @returns the tracks, in experiment, FOV, particle, frame order
 * @throws {RangeError} when an option is out of range or the FOV does not fit in the box
 * @throws {TypeError} when `experiments` is neither a count nor a list of experiments
 *
 * @example Two experiments of the confinement model
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { andi2Tracks } from "./andi2_dataset.ts";
 * const tracks = [...andi2Tracks(createRng(4), { experiments: 2, model: "confinement" })];
 * ok(tracks.every((track) => track.model === "confinement" && track.length >= 20));
 * ok(tracks.some((track) => track.states.includes(1)));
 * ```
 */
export function andi2Tracks(rng: Rng, options: Andi2TracksOptions = {}): Generator<Andi2Track> {
  const {
    experiments = 5,
    model = "any",
    particles = 50,
    length = 200,
    fovs = 1,
    fovSize = 128,
    boxSize = 1.8 * fovSize,
    minLength = 20,
    noiseStd = 0.12,
    smoothingWindow = 5,
    minSegmentLength = 3,
  } = options;
  const action = "build AnDi-2 dataset";
  if (typeof experiments === "number") {
    checkPositiveInteger(action, "experiments", experiments);
  } else if (!Array.isArray(experiments) || experiments.length === 0) {
    throw new TypeError(
      `Cannot ${action}: experiments must be a count or a non-empty list of experiments, got ${
        Array.isArray(experiments) ? "an empty list" : typeof experiments
      }`,
    );
  } else {
    experiments.forEach((experiment, e) =>
      checkModel(`${action} (experiment ${e})`, experiment?.model)
    );
  }
  if (model !== "any") checkModel(action, model);
  checkPositiveInteger(action, "particles", particles);
  checkPositiveInteger(action, "minLength", minLength);
  if (!(Number.isInteger(length) && length >= minLength)) {
    throw new RangeError(
      `Cannot ${action}: length must be an integer >= minLength (${minLength}), got ${length}; ` +
        "no track could be long enough",
    );
  }
  checkPositiveInteger(action, "fovs", fovs);
  checkPositiveInteger(action, "fovSize", fovSize);
  checkPositive(action, "boxSize", boxSize);
  if (!(noiseStd >= 0 && Number.isFinite(noiseStd))) {
    throw new RangeError(
      `Cannot ${action}: noiseStd must be a finite number >= 0, got ${noiseStd}`,
    );
  }
  if (!(Number.isInteger(smoothingWindow) && smoothingWindow >= 1 && smoothingWindow % 2 === 1)) {
    throw new RangeError(
      `Cannot ${action}: smoothingWindow must be an odd integer >= 1, got ${smoothingWindow}`,
    );
  }
  checkPositiveInteger(action, "minSegmentLength", minSegmentLength);
  // The reference keeps a 5 % margin of the box on each side around the FOV.
  const lowest = Math.floor(0.05 * boxSize);
  const highest = Math.floor(0.95 * boxSize) - fovSize;
  if (highest <= lowest) {
    let fits = Math.ceil(boxSize);
    while (Math.floor(0.95 * fits) - fovSize <= Math.floor(0.05 * fits)) fits++;
    throw new RangeError(
      `Cannot ${action}: a FOV of ${fovSize} px does not fit in a box of ${boxSize} px with 5 % ` +
        `margins (origins ${lowest} .. ${highest - 1}); use a box of at least ${fits} px or a ` +
        "smaller FOV",
    );
  }
  const count = typeof experiments === "number" ? experiments : experiments.length;
  const modelStream = rng.stream("models");
  const trackOptions = { fovSize, minLength, noiseStd, smoothingWindow, minSegmentLength };
  return (function* () {
    for (let experiment = 0; experiment < count; experiment++) {
      const streams = rng.stream(`experiment-${experiment}`);
      const drawn = model === "any" ? ANDI2_MODELS[modelStream.integer(0, 5)] : model;
      const parameters = typeof experiments === "number"
        ? andi2ExperimentParameters(drawn, streams.stream("parameters"), { boxSize })
        : experiments[experiment];
      const simulation = simulateAndi2Experiment(parameters, streams.stream("simulation"), {
        particles,
        length,
      });
      const originStream = streams.stream("fov");
      const noiseStream = streams.stream("noise");
      for (let fov = 0; fov < fovs; fov++) {
        const fovOrigin: [number, number] = [
          originStream.integer(lowest, highest),
          originStream.integer(lowest, highest),
        ];
        const tracks = fieldOfViewTracks(simulation, fovOrigin, noiseStream, trackOptions);
        for (const track of tracks) {
          yield { ...track, experiment, model: parameters.model, fov, fovOrigin, parameters };
        }
      }
    }
  })();
}

/**
 * The ensemble labels of one FOV (andi-models.md §5.6, `extract_ensemble`): a matrix with one
 * column per state and rows alpha mean, alpha variance, K mean, K variance, and the number of
 * frames in that state counted from the tracks' smoothed labels. Means and variances are the
 * experiment's distribution parameters (a plain number has variance 0).
 *
 * Columns: single_state one (all frames); multi_state one per Markov state; immobile_traps
 * trapped (0, 0, 0, 0, frames with state 0) then free (frames with state 2); dimerization free
 * monomers then dimers; confinement free (state 2) then confined (state 1). As in the
 * reference, directed frames (state 3) are not counted for immobile_traps and confinement. A
 * multi_state state no track visits counts 0 frames (the reference writes 1).
 *
 * @param experiment the experiment's parameters
 * @param tracks the FOV's tracks (their smoothed states and state numbers)
 * @returns rows [alpha mean, alpha variance, K mean, K variance, frames], one entry per column
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { andi2EnsembleLabels } from "./andi2_dataset.ts";
 * const experiment = { model: "immobile_traps", options: { alphas: [0.8, 0.01], ks: [1, 0.01] } } as const;
 * const track = { states: new Uint8Array([0, 0, 0, 2, 2]), stateNumbers: new Uint8Array([1, 1, 1, 0, 0]) };
 * deepEqual(andi2EnsembleLabels(experiment, [track]), [[0, 0.8], [0, 0.01], [0, 1], [0, 0.01], [3, 2]]);
 * ```
 */
export function andi2EnsembleLabels(
  experiment: Andi2Experiment,
  tracks: readonly Pick<FieldOfViewTrack, "states" | "stateNumbers">[],
): number[][] {
  const count = (labels: "states" | "stateNumbers", value: number) =>
    tracks.reduce((sum, track) => sum + track[labels].filter((v) => v === value).length, 0);
  const { model, options } = experiment;
  if (model === "single_state" || model === "immobile_traps") {
    const [alpha, alphaVariance] = meanAndVariance(options.alphas ?? [1, 0]);
    const [k, kVariance] = meanAndVariance(options.ks ?? [1, 0]);
    if (model === "single_state") {
      const frames = tracks.reduce((sum, track) => sum + track.states.length, 0);
      return [[alpha], [alphaVariance], [k], [kVariance], [frames]];
    }
    return [[0, alpha], [0, alphaVariance], [0, k], [0, kVariance], [
      count("states", 0),
      count(
        "states",
        2,
      ),
    ]];
  }
  const alphas = (options.alphas ?? [[1, 0], [1, 0]]).map(meanAndVariance);
  const ks = (options.ks ?? [[1, 0], [0.1, 0]]).map(meanAndVariance);
  const frames = model === "confinement"
    ? [count("states", 2), count("states", 1)]
    : alphas.map((_, state) => count("stateNumbers", state));
  return [
    alphas.map(([mean]) => mean),
    alphas.map(([, variance]) => variance),
    ks.map(([mean]) => mean),
    ks.map(([, variance]) => variance),
    frames,
  ];
}

function meanAndVariance(distribution: ParameterDistribution): [number, number] {
  return typeof distribution === "number" ? [distribution, 0] : [distribution[0], distribution[1]];
}

function checkModel(action: string, model: unknown): asserts model is Andi2Model {
  if (!(ANDI2_MODELS as readonly unknown[]).includes(model)) {
    throw new RangeError(
      `Cannot ${action}: unknown model ${JSON.stringify(model)}; models: ${
        ANDI2_MODELS.join(", ")
      }`,
    );
  }
}
