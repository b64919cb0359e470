/**
 * Brownian motion (normal diffusion, alpha = 1): independent Gaussian increments of variance
 * 2 K dt per axis, so the mean squared displacement in `dim` dimensions is 2 dim K t.
 *
 * @module
 */

import type { Rng } from "../rng.ts";

/** Options of {@linkcode brownianMotion}. */
export interface BrownianOptions {
  /** Diffusion coefficient K (length^2 / frame). @default {1} */
  k?: number;
  /** Spatial dimensions. @default {2} */
  dim?: number;
}

/**
 * Samples one Brownian trajectory starting at the origin.
 *
 * @param length number of frames (positions), >= 1
 * @param rng random stream
 * @returns positions as a Float64Array of shape [length, dim], frame-major
 * @throws {RangeError} when length is not a positive integer or k is negative
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { brownianMotion } from "./brownian.ts";
 * const positions = brownianMotion(100, createRng(1), { k: 0.5 });
 * equal(positions.length, 200);
 * equal(positions[0], 0);
 * ```
 */
export function brownianMotion(
  length: number,
  rng: Rng,
  options: BrownianOptions = {},
): Float64Array {
  const { k = 1, dim = 2 } = options;
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(
      `Cannot simulate Brownian motion: length must be an integer >= 1, got ${length}`,
    );
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(
      `Cannot simulate Brownian motion: dim must be an integer >= 1, got ${dim}`,
    );
  }
  if (!(k >= 0 && Number.isFinite(k))) {
    throw new RangeError(
      `Cannot simulate Brownian motion: k must be a finite number >= 0, got ${k}`,
    );
  }
  const positions = new Float64Array(length * dim);
  const steps = rng.fillNormal(new Float64Array((length - 1) * dim), 0, Math.sqrt(2 * k));
  for (let t = 1; t < length; t++) {
    for (let axis = 0; axis < dim; axis++) {
      positions[t * dim + axis] = positions[(t - 1) * dim + axis] + steps[(t - 1) * dim + axis];
    }
  }
  return positions;
}
