/**
 * Fractional Brownian motion (FBM), the AnDi-1 theory model `fbm(T, alpha)`
 * (andi-models.md §2.3): Gaussian, stationary increments with Hurst exponent H = alpha / 2,
 * so the ensemble MSD is exactly 2 dim K t^alpha at every lag; sub-diffusive for alpha < 1
 * (anti-correlated increments), super-diffusive for alpha > 1 (persistent increments).
 *
 * @module
 */

import type { Rng } from "../rng.ts";
import { fractionalGaussianNoiseAxes } from "./fgn.ts";

/** Options of {@linkcode fractionalBrownianMotion}. */
export interface FbmOptions {
  /** Spatial dimensions; the axes are independent. @default {2} */
  dim?: number;
  /**
   * Generalised diffusion coefficient K (length^2 / frame^alpha): every increment is
   * N(0, 2 K), so each axis has MSD 2 K t^alpha. The reference's raw scale (fBm on [0, 1],
   * increments of variance (length - 1)^(-alpha)) is K = (length - 1)^(-alpha) / 2.
   * @default {1}
   */
  k?: number;
}

/**
 * Samples one FBM trajectory of `length` frames starting at the origin.
 *
 * As in the reference, each axis is an independent fBm path: `length - 1` exact fractional
 * Gaussian increments (Davies–Harte, see {@linkcode fractionalGaussianNoiseAxes}) summed
 * behind a leading 0. The reference scales each path to the interval [0, 1] (increment
 * variance (length - 1)^(-alpha)); here increments have variance 2 K instead, so K keeps its
 * meaning across lengths. AnDi-1 dataset builders normalise every axis to unit step
 * deviation, which removes either scale.
 *
 * @param length number of frames (positions), integer >= 1
 * @param alpha anomalous exponent in (0, 2) (alpha = 2 would need H = 1, which is degenerate)
 * @param rng random stream
 * @param options dimensions and diffusion coefficient
 * @returns positions as a Float64Array of shape [length, dim], frame-major, first frame 0
 * @throws {RangeError} when length or dim is not a positive integer, alpha is outside (0, 2)
 * or k is negative or not finite
 *
 * @example A 2-D sub-diffusive trajectory
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { fractionalBrownianMotion } from "./fbm.ts";
 * const positions = fractionalBrownianMotion(200, 0.5, createRng(1), { k: 0.5 });
 * equal(positions.length, 400);
 * equal(positions[0], 0);
 * ok(positions.every(Number.isFinite));
 * ```
 */
export function fractionalBrownianMotion(
  length: number,
  alpha: number,
  rng: Rng,
  options: FbmOptions = {},
): Float64Array {
  const { dim = 2, k = 1 } = options;
  const action = "simulate FBM";
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`Cannot ${action}: length must be an integer >= 1, got ${length}`);
  }
  if (typeof alpha !== "number" || !(alpha > 0 && alpha < 2)) {
    throw new RangeError(
      `Cannot ${action}: alpha must be in (0, 2), got ${alpha}; FBM needs Hurst exponent ` +
        "alpha / 2 in (0, 1)",
    );
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`Cannot ${action}: dim must be an integer >= 1, got ${dim}`);
  }
  if (typeof k !== "number" || !(k >= 0 && Number.isFinite(k))) {
    throw new RangeError(`Cannot ${action}: k must be a finite number >= 0, got ${k}`);
  }
  const positions = new Float64Array(length * dim);
  if (length === 1) return positions;
  const steps = fractionalGaussianNoiseAxes(length - 1, alpha / 2, dim, rng, {
    std: Math.sqrt(2 * k),
  });
  for (let i = dim; i < positions.length; i++) positions[i] = positions[i - dim] + steps[i - dim];
  return positions;
}
