/**
 * Output of the AnDi-2 phenomenological simulators (andi-models.md §4): positions plus the
 * per-frame labels alpha, K and the diffusive state code.
 *
 * Layout differs from the reference (T x N x 2 there): every array here is trajectory-major,
 * `[count, length, ...]`, the layout `ensembleMsd` (lib/features/msd.ts) expects.
 *
 * @module
 */

/**
 * Diffusive state code of a frame (the challenge's `lab_state` index): 0 immobile or
 * trapped, 1 confined, 2 free (normal or anomalous), 3 directed (free with alpha >= 1.9).
 */
export type StateCode = 0 | 1 | 2 | 3;

/** The four state codes by name. */
export const STATE_CODES = { immobile: 0, confined: 1, free: 2, directed: 3 } as const;

/** Free motion with alpha at or above this exponent is labelled directed (code 3). */
export const DIRECTED_ALPHA = 1.9;

/**
 * Trajectories and per-frame labels of one simulation.
 *
 * Which frame a label describes differs by one frame between models, as in the reference
 * (andi-models.md §4.2-4.5): each model's documentation says whether the label at frame t
 * governs the step t-1 -> t or the step t -> t+1.
 */
export interface PhenomTrajectories {
  /** Number of trajectories (particles), N. */
  count: number;
  /** Frames per trajectory, T. */
  length: number;
  /** Spatial dimensions (2; 3 is possible for single_state). */
  dim: number;
  /** Positions in px, shape [count, length, dim], trajectory-major then frame-major. */
  positions: Float64Array;
  /** Anomalous exponent alpha of each frame, shape [count, length] (0 when immobile). */
  alphas: Float64Array;
  /**
   * Generalised diffusion coefficient K (the reference's D) of each frame in
   * px^2 / frame^alpha, shape [count, length] (0 when immobile).
   */
  ks: Float64Array;
  /** {@linkcode StateCode} of each frame, shape [count, length]. */
  states: Uint8Array;
  /**
   * The model's own state number of each frame, shape [count, length] (the reference's
   * `return_state_num` column): the Markov state of multi_state, 1 when trapped, in a dimer
   * or confined and 0 otherwise, always 0 for single_state. Changepoints of the AnDi-2
   * labels ignore it: two states with equal alpha and K are one segment.
   */
  stateNumbers: Uint8Array;
}

/**
 * Allocates zero-filled trajectories and labels for `count` particles of `length` frames.
 *
 * @param count number of trajectories, integer >= 1
 * @param length frames per trajectory, integer >= 1
 * @param dim spatial dimensions, integer >= 1
 * @returns arrays of the shapes documented on {@linkcode PhenomTrajectories}
 * @throws {RangeError} when a size is not a positive integer
 *
 * @example Shapes of 3 two-dimensional trajectories of 5 frames
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createPhenomTrajectories } from "./labels.ts";
 * const out = createPhenomTrajectories(3, 5, 2);
 * equal(out.positions.length, 30);
 * equal(out.states.length, 15);
 * ```
 */
export function createPhenomTrajectories(
  count: number,
  length: number,
  dim: number,
): PhenomTrajectories {
  for (const [name, value] of [["count", count], ["length", length], ["dim", dim]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot allocate trajectories: ${name} must be an integer >= 1, got ${value}`,
      );
    }
  }
  const frames = count * length;
  return {
    count,
    length,
    dim,
    positions: new Float64Array(frames * dim),
    alphas: new Float64Array(frames),
    ks: new Float64Array(frames),
    states: new Uint8Array(frames),
    stateNumbers: new Uint8Array(frames),
  };
}

/**
 * State code of a moving (not immobile, not confined) segment: 3 (directed) when
 * alpha >= 1.9, else 2 (free).
 *
 * @param alpha anomalous exponent of the segment
 * @returns 2 or 3
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { freeStateCode } from "./labels.ts";
 * equal(freeStateCode(1.2), 2);
 * equal(freeStateCode(1.9), 3);
 * ```
 */
export function freeStateCode(alpha: number): 2 | 3 {
  return alpha >= DIRECTED_ALPHA ? STATE_CODES.directed : STATE_CODES.free;
}
