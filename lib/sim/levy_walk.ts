/**
 * Lévy walk (LW), the AnDi-1 theory model `lw` (andi-models.md §2.4).
 *
 * The walker moves at one constant speed v ~ U(0, 10) (one per trajectory) in flights whose
 * durations f >= 1 have the Pareto tail P(f > s) = s^(-sigma), sigma = 3 - alpha; a flight of
 * duration f contributes floor(f) unit-time steps, all equal to v times a direction fixed for the
 * flight. For 1 < alpha < 2 the ensemble MSD grows as t^alpha (superdiffusion); for alpha = 2 the
 * reference draws sigma ~ U(0, 1), so flights mostly outlast the trajectory (ballistic motion).
 *
 * Directions: in 1-D a random sign; in 2-D the reference multiplies a random sign by
 * (cos theta, sin theta) with theta ~ U(0, 2 pi), which is again a uniform angle, so one uniform
 * angle is drawn here (the same law). Every step therefore has length exactly v (up to
 * rounding), and positions are the cumulative sum of the steps minus the first step, so the
 * walk starts at the origin and the first flight shows one step fewer than its duration.
 *
 * The reference draws `length` flight durations up front, caps those over `length` at
 * length + 1, and stops once it has more than `length` steps; here durations are drawn only
 * until `length` steps exist, which gives the same steps.
 *
 * @module
 */

import type { Rng } from "../rng.ts";

/** Options of {@linkcode levyWalk}. */
export interface LevyWalkOptions {
  /** Spatial dimensions, 1 or 2. @default {2} */
  dim?: number;
}

/**
 * Samples one Lévy walk trajectory starting at the origin.
 *
 * @param length number of frames (positions), an integer >= 1
 * @param alpha anomalous exponent, in (1, 2]; the flight-time tail exponent is 3 - alpha
 * (random in (0, 1) at alpha = 2)
 * @param rng random stream
 * @param options see {@linkcode LevyWalkOptions}
 * @returns positions as a Float64Array of shape [length, dim], frame-major, starting at 0
 * @throws {RangeError} when length is not a positive integer, alpha is outside (1, 2] or dim is
 * not 1 or 2
 *
 * @example Constant speed
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { levyWalk } from "./levy_walk.ts";
 * const positions = levyWalk(100, 1.5, createRng(2));
 * equal(positions[0], 0);
 * const speed = Math.hypot(positions[2], positions[3]);
 * for (let t = 1; t < 100; t++) {
 *   const step = Math.hypot(positions[2 * t] - positions[2 * t - 2], positions[2 * t + 1] - positions[2 * t - 1]);
 *   ok(Math.abs(step - speed) < 1e-9);
 * }
 * ```
 */
export function levyWalk(
  length: number,
  alpha: number,
  rng: Rng,
  options: LevyWalkOptions = {},
): Float64Array {
  const { dim = 2 } = options;
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(
      `Cannot simulate Lévy walk: length must be an integer >= 1, got ${length}`,
    );
  }
  if (!(alpha > 1 && alpha <= 2)) {
    throw new RangeError(
      `Cannot simulate Lévy walk: alpha must be in (1, 2], got ${alpha}; ` +
        "use CTRW, ATTM, FBM or SBM for alpha <= 1",
    );
  }
  if (dim !== 1 && dim !== 2) {
    throw new RangeError(`Cannot simulate Lévy walk: dim must be 1 or 2, got ${dim}`);
  }
  // 1 - uniform() lies in (0, 1], so sigma is never 0 (the reference's rand() can return 0).
  const sigma = alpha === 2 ? 1 - rng.uniform() : 3 - alpha;
  const speed = 10 * rng.uniform();
  const exponent = -1 / sigma;

  const positions = new Float64Array(length * dim);
  // Step k (k = 0..length-1) moves frame k - 1 to frame k; step 0 is dropped.
  let step = 0;
  while (step < length) {
    const duration = Math.pow(1 - rng.uniform(), exponent);
    const end = Math.min(step + Math.floor(Math.min(duration, length + 1)), length);
    if (dim === 1) {
      const dx = rng.uniform() < 0.5 ? -speed : speed;
      for (let k = Math.max(step, 1); k < end; k++) positions[k] = positions[k - 1] + dx;
    } else {
      const theta = 2 * Math.PI * rng.uniform();
      const dx = speed * Math.cos(theta);
      const dy = speed * Math.sin(theta);
      for (let k = Math.max(step, 1); k < end; k++) {
        positions[2 * k] = positions[2 * k - 2] + dx;
        positions[2 * k + 1] = positions[2 * k - 1] + dy;
      }
    }
    step = end;
  }
  return positions;
}
