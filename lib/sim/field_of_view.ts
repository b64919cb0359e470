/**
 * The field-of-view cut of the AnDi-2 challenge (andi-models.md §5.3): a square window of the
 * simulation box; every maximal run of frames a particle spends strictly inside it, long enough,
 * becomes one track, with its labels smoothed (§5.4) and localisation noise added after the cut
 * (membership is decided on noise-free positions, as the reference does).
 *
 * @module
 */

import type { Rng } from "../rng.ts";
import { labelFilter } from "../eval/label_smoothing.ts";
import { addLocalizationNoise } from "./normalize.ts";
import type { PhenomTrajectories } from "./phenom/mod.ts";

/** Options of {@linkcode fieldOfViewRuns}. */
export interface FieldOfViewOptions {
  /** Side of the square FOV (px). @default {128} */
  fovSize?: number;
  /** Shortest run of inside frames kept as a track. @default {20} */
  minLength?: number;
}

/** Frames `start .. end - 1` of one particle, all inside the FOV. */
export interface FieldOfViewRun {
  /** Particle index in the simulation. */
  particle: number;
  /** First frame (absolute). */
  start: number;
  /** One past the last frame (absolute). */
  end: number;
}

/**
 * Finds every maximal run of frames in which a particle is inside the FOV, keeping runs of at
 * least `minLength` frames (andi-models.md §5.3 step 3, `segs_inside_fov`). A frame is inside
 * when both of its first two coordinates lie strictly between the origin and origin + fovSize.
 * A particle can leave and re-enter, giving several runs.
 *
 * @param simulation positions [count, length, dim] (noise-free)
 * @param origin lower-left corner of the FOV (px)
 * @param options FOV side and minimum run length
 * @returns the runs, by particle then frame
 *
 * @example A particle that leaves the FOV for one frame gives two runs
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { fieldOfViewRuns } from "./field_of_view.ts";
 * const positions = new Float64Array([5, 5, 6, 5, 20, 5, 7, 5, 8, 5, 9, 5]);
 * const runs = fieldOfViewRuns({ positions, count: 1, length: 6, dim: 2 }, [0, 0],
 *   { fovSize: 10, minLength: 2 });
 * deepEqual(runs, [{ particle: 0, start: 0, end: 2 }, { particle: 0, start: 3, end: 6 }]);
 * ```
 */
export function fieldOfViewRuns(
  simulation: Pick<PhenomTrajectories, "positions" | "count" | "length" | "dim">,
  origin: readonly [number, number],
  options: FieldOfViewOptions = {},
): FieldOfViewRun[] {
  const { fovSize = 128, minLength = 20 } = options;
  const { positions, count, length, dim } = simulation;
  const [x0, y0] = origin;
  const x1 = x0 + fovSize;
  const y1 = y0 + fovSize;
  const runs: FieldOfViewRun[] = [];
  for (let particle = 0; particle < count; particle++) {
    let start = -1;
    for (let t = 0; t <= length; t++) {
      const at = (particle * length + t) * dim;
      const inside = t < length && positions[at] > x0 && positions[at] < x1 &&
        positions[at + 1] > y0 && positions[at + 1] < y1;
      if (inside && start < 0) start = t;
      if (!inside && start >= 0) {
        if (t - start >= minLength) runs.push({ particle, start, end: t });
        start = -1;
      }
    }
  }
  return runs;
}

/** One track of one FOV: what {@linkcode fieldOfViewTracks} returns. */
export interface FieldOfViewTrack {
  /** Index of the track within its FOV (the reference's `traj_idx`). */
  index: number;
  /** Particle index in the simulation. */
  particle: number;
  /** Absolute frame of the track's first point; point t is frame firstFrame + t. */
  firstFrame: number;
  /** Frames in the track (>= the minimum length). */
  length: number;
  /** Positions [length, dim] in box coordinates (px), localisation noise added. */
  positions: Float64Array;
  /** Smoothed alpha of each frame, [length]. */
  alphas: Float64Array;
  /** Smoothed K of each frame (px^2 / frame^alpha), [length]. */
  ks: Float64Array;
  /** Smoothed state code of each frame (0 immobile, 1 confined, 2 free, 3 directed), [length]. */
  states: Uint8Array;
  /** Smoothed model state number of each frame, [length] (used only for ensemble labels). */
  stateNumbers: Uint8Array;
  /** Frames t >= 1 (within the track) where smoothed alpha, K or state differs from t - 1. */
  changepoints: number[];
}

/** Options of {@linkcode fieldOfViewTracks}. */
export interface FieldOfViewTrackOptions extends FieldOfViewOptions {
  /** Localisation noise std per coordinate (px), added after the cut. @default {0.12} */
  noiseStd?: number;
  /** Majority-filter window of the label smoothing (frames, odd). @default {5} */
  smoothingWindow?: number;
  /** Shortest label segment after smoothing (frames). @default {3} */
  minSegmentLength?: number;
}

/**
 * Cuts one FOV out of a simulation and turns each run of inside frames into a track
 * (andi-models.md §5.3 steps 3-5): positions copied from the noise-free simulation, each label
 * column (alpha, K, state, state number) smoothed on its own with `labelFilter`
 * (§5.4), changepoints read off the smoothed alpha, K and state, then Gaussian noise of
 * `noiseStd` added to every coordinate. FOV membership is decided before the noise, so a noisy
 * point can sit just outside the FOV.
 *
 * @param simulation one experiment's trajectories and labels
 * @param origin lower-left corner of the FOV (px)
 * @param rng random stream for the noise
 * @param options FOV, minimum length, noise and smoothing
 * @returns the FOV's tracks, by particle then frame
 * @throws {RangeError} when the noise std or a smoothing option is out of range
 *
 * @example A single-state experiment gives tracks without changepoints
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { andi2ExperimentParameters, simulateAndi2Experiment } from "./andi2_dataset.ts";
 * import { fieldOfViewTracks } from "./field_of_view.ts";
 * const rng = createRng(3);
 * const simulation = simulateAndi2Experiment(andi2ExperimentParameters("single_state", rng), rng);
 * const tracks = fieldOfViewTracks(simulation, [50, 50], rng);
 * ok(tracks.length > 0);
 * ok(tracks.every((track) => track.length >= 20 && track.changepoints.length === 0));
 * ```
 */
export function fieldOfViewTracks(
  simulation: PhenomTrajectories,
  origin: readonly [number, number],
  rng: Rng,
  options: FieldOfViewTrackOptions = {},
): FieldOfViewTrack[] {
  const { noiseStd = 0.12, smoothingWindow: width = 5, minSegmentLength = 3 } = options;
  const { length: frames, dim } = simulation;
  return fieldOfViewRuns(simulation, origin, options).map(({ particle, start, end }, index) => {
    const from = particle * frames + start;
    const to = particle * frames + end;
    const smooth = (labels: ArrayLike<number>) => labelFilter(labels, { width, minSegmentLength });
    const alphas = smooth(simulation.alphas.subarray(from, to));
    const ks = smooth(simulation.ks.subarray(from, to));
    const states = Uint8Array.from(smooth(simulation.states.subarray(from, to)));
    const stateNumbers = Uint8Array.from(smooth(simulation.stateNumbers.subarray(from, to)));
    const changepoints: number[] = [];
    for (let t = 1; t < end - start; t++) {
      if (alphas[t] !== alphas[t - 1] || ks[t] !== ks[t - 1] || states[t] !== states[t - 1]) {
        changepoints.push(t);
      }
    }
    const positions = simulation.positions.slice(from * dim, to * dim);
    addLocalizationNoise(positions, noiseStd, rng);
    return {
      index,
      particle,
      firstFrame: start,
      length: end - start,
      positions,
      alphas,
      ks,
      states,
      stateNumbers,
      changepoints,
    };
  });
}
