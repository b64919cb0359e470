/**
 * Continuous-time random walk (CTRW), the AnDi-1 theory model `ctrw` (andi-models.md §2.2).
 *
 * The walker waits a Pareto time w >= 1 with P(w > s) = s^(-alpha) between jumps, so for
 * alpha < 1 the mean waiting time is infinite and the ensemble MSD grows as t^alpha while a
 * single trajectory's time-averaged MSD stays about linear (weak ergodicity breaking). Each jump
 * adds an independent N(0, 1) displacement to every axis. In 2-D the reference uses the same
 * event times for x and y with independent Gaussian jumps per axis (not a random angle), and so
 * does this module. Events are sampled in continuous time and regularised onto integer frames
 * (andi-models.md §1.3): the walker sits at the origin until the first event time, so with
 * probability length^(-alpha) it never moves at all (ResAnDi redraws such trajectories; this
 * function does not).
 *
 * The reference draws `length` waiting times up front and drops those after the first event
 * past the end; here waiting times are drawn only until an event passes the end, which gives
 * the same law with far fewer draws when alpha is small.
 *
 * @module
 */

import type { Rng } from "../rng.ts";
import { regularize } from "./regularize.ts";

/** Options of {@linkcode continuousTimeRandomWalk}. */
export interface CtrwOptions {
  /** Spatial dimensions, 1 or 2. @default {2} */
  dim?: number;
}

/**
 * Samples one CTRW trajectory starting at the origin.
 *
 * @param length number of frames (positions), an integer >= 1
 * @param alpha anomalous exponent = waiting-time tail exponent, in (0, 1]
 * @param rng random stream
 * @param options see {@linkcode CtrwOptions}
 * @returns positions as a Float64Array of shape [length, dim], frame-major, starting at 0
 * @throws {RangeError} when length is not a positive integer, alpha is outside (0, 1] or dim is
 * not 1 or 2
 *
 * @example Piecewise-constant subdiffusion
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { continuousTimeRandomWalk } from "./ctrw.ts";
 * const positions = continuousTimeRandomWalk(200, 0.7, createRng(1));
 * equal(positions.length, 400);
 * equal(positions[0], 0);
 * // the walker only ever jumps at events, so many frames repeat the previous one
 * let repeats = 0;
 * for (let t = 1; t < 200; t++) if (positions[2 * t] === positions[2 * t - 2]) repeats++;
 * ok(repeats > 100);
 * ```
 */
export function continuousTimeRandomWalk(
  length: number,
  alpha: number,
  rng: Rng,
  options: CtrwOptions = {},
): Float64Array {
  const { dim = 2 } = options;
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`Cannot simulate CTRW: length must be an integer >= 1, got ${length}`);
  }
  if (!(alpha > 0 && alpha <= 1)) {
    throw new RangeError(
      `Cannot simulate CTRW: alpha must be in (0, 1], got ${alpha}; CTRW is subdiffusive, ` +
        "use FBM, LW or SBM for alpha > 1",
    );
  }
  if (dim !== 1 && dim !== 2) {
    throw new RangeError(`Cannot simulate CTRW: dim must be 1 or 2, got ${dim}`);
  }
  // Event k happens at times[k - 1]; the last time is the first one past the end and only
  // closes the final holding interval. Each wait is >= 1, so at most length + 1 draws.
  const times: number[] = [];
  const exponent = -1 / alpha;
  let time = 0;
  while (time <= length) {
    time += Math.pow(1 - rng.uniform(), exponent);
    times.push(time);
  }
  // positions[0] = 0 is held until the first event, positions[k] after the k-th jump.
  const positions = new Float64Array(times.length * dim);
  rng.fillNormal(positions.subarray(dim));
  for (let index = dim; index < positions.length; index++) {
    positions[index] += positions[index - dim];
  }
  return regularize(positions, times, length, { dim });
}
