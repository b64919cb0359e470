/**
 * Scaled Brownian motion (SBM), the AnDi-1 theory model `sbm(T, alpha, sigma)`
 * (andi-models.md §2.5): Brownian motion with a time-dependent diffusivity
 * D(t) proportional to alpha t^(alpha - 1), built from independent Gaussian steps whose
 * variances follow the target MSD m(t) = sigma^2 t^alpha.
 *
 * @module
 */

import type { Rng } from "../rng.ts";

/** Options of {@linkcode scaledBrownianMotion}. */
export interface SbmOptions {
  /** Spatial dimensions; the axes are independent. @default {2} */
  dim?: number;
  /** Scale of the target MSD sigma^2 t^alpha per axis (length / frame^(alpha / 2)). @default {1} */
  sigma?: number;
}

/**
 * Samples one SBM trajectory of `length` frames starting at the origin, as the reference
 * does: step i (i = 1, 2, ...) is N(0, sigma^2 (i^alpha - (i - 1)^alpha)), and the positions
 * are the cumulative sums minus the first step, so frame t holds steps 2..t+1 and
 * Var x[t] = sigma^2 ((t + 1)^alpha - 1) per axis, not sigma^2 t^alpha (the walker is
 * observed from time 1; the difference fades as t grows). The first step, which the
 * reference draws and subtracts, is not drawn at all: the law is the same.
 *
 * @param length number of frames (positions), integer >= 1
 * @param alpha anomalous exponent, finite and > 0
 * @param rng random stream
 * @param options dimensions and MSD scale
 * @returns positions as a Float64Array of shape [length, dim], frame-major, first frame 0
 * @throws {RangeError} when length or dim is not a positive integer, alpha is not a finite
 * number > 0 or sigma is negative or not finite
 *
 * @example A 2-D super-diffusive trajectory
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { scaledBrownianMotion } from "./sbm.ts";
 * const positions = scaledBrownianMotion(200, 1.5, createRng(1));
 * equal(positions.length, 400);
 * equal(positions[0], 0);
 * ok(positions.every(Number.isFinite));
 * ```
 */
export function scaledBrownianMotion(
  length: number,
  alpha: number,
  rng: Rng,
  options: SbmOptions = {},
): Float64Array {
  const { dim = 2, sigma = 1 } = options;
  const action = "simulate SBM";
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`Cannot ${action}: length must be an integer >= 1, got ${length}`);
  }
  if (typeof alpha !== "number" || !(alpha > 0 && Number.isFinite(alpha))) {
    throw new RangeError(`Cannot ${action}: alpha must be a finite number > 0, got ${alpha}`);
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`Cannot ${action}: dim must be an integer >= 1, got ${dim}`);
  }
  if (typeof sigma !== "number" || !(sigma >= 0 && Number.isFinite(sigma))) {
    throw new RangeError(`Cannot ${action}: sigma must be a finite number >= 0, got ${sigma}`);
  }
  const positions = new Float64Array(length * dim);
  if (length === 1) return positions;
  const steps = rng.fillNormal(new Float64Array((length - 1) * dim));
  const stds = stepDeviations(length, alpha);
  for (let t = 1; t < length; t++) {
    const std = sigma * stds[t];
    for (let axis = 0, i = t * dim; axis < dim; axis++, i++) {
      positions[i] = positions[i - dim] + std * steps[i - dim];
    }
  }
  return positions;
}

// Datasets draw many trajectories of one length and exponent in a row; the powers cost as
// much as the random draws, so the last profile is kept.
let lastProfile = { length: 0, alpha: 0, stds: new Float64Array(0) };

/** sqrt((t + 1)^alpha - t^alpha) for t = 1..length - 1 (entry 0 unused). */
function stepDeviations(length: number, alpha: number): Float64Array {
  if (lastProfile.length === length && lastProfile.alpha === alpha) return lastProfile.stds;
  const stds = new Float64Array(length);
  let previous = 1; // 1^alpha: the MSD of the subtracted first step
  for (let t = 1; t < length; t++) {
    const next = (t + 1) ** alpha;
    stds[t] = Math.sqrt(next - previous);
    previous = next;
  }
  lastProfile = { length, alpha, stds };
  return stds;
}
