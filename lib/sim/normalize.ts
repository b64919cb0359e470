/**
 * Per-axis normalisation of trajectories (andi-models.md §1.3 `normalize`) and Gaussian
 * localisation noise. After normalisation every axis has unit-variance, unit-time displacements
 * and starts at 0, which is why a noise standard deviation equals 1/SNR.
 *
 * @module
 */

import type { Rng } from "../rng.ts";

/**
 * Rescales each axis of a trajectory so its displacements have population standard deviation 1,
 * and rebuilds positions from 0 by cumulative sum (in place).
 *
 * A degenerate axis (a static CTRW, or a Lévy walk made of one flight, whose step "std" is
 * floating-point round-off) is not blown up: when the std is at most `1e-9` times the largest
 * step, the displacements are left unscaled and the function reports it, so callers can redraw.
 *
 * @param positions trajectory [length, dim], frame-major
 * @param dim spatial dimensions
 * @returns true when every axis was rescaled, false when an axis was degenerate
 * @throws {RangeError} when `positions.length` is not a multiple of `dim`
 *
 * @example
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { normalizeDisplacements } from "./normalize.ts";
 * const positions = new Float64Array([5, 7, 9]); // 1-D, steps 2 and 2 (std 0)
 * equal(normalizeDisplacements(positions, 1), false);
 * deepEqual([...positions], [0, 2, 4]);
 * const other = new Float64Array([0, 1, 3]); // steps 1 and 2: std 0.5
 * equal(normalizeDisplacements(other, 1), true);
 * deepEqual([...other], [0, 2, 6]);
 * ```
 */
export function normalizeDisplacements(positions: Float64Array, dim: number): boolean {
  if (!Number.isInteger(dim) || dim < 1 || positions.length % dim !== 0) {
    throw new RangeError(
      `Cannot normalise trajectory: ${positions.length} values do not form frames of dim ${dim}`,
    );
  }
  const length = positions.length / dim;
  let regular = true;
  for (let axis = 0; axis < dim; axis++) {
    let sum = 0;
    let largest = 0;
    for (let t = 1; t < length; t++) {
      const step = positions[t * dim + axis] - positions[(t - 1) * dim + axis];
      sum += step;
      largest = Math.max(largest, Math.abs(step));
    }
    const steps = length - 1;
    const mean = steps > 0 ? sum / steps : 0;
    let squares = 0;
    for (let t = 1; t < length; t++) {
      const step = positions[t * dim + axis] - positions[(t - 1) * dim + axis] - mean;
      squares += step * step;
    }
    const std = steps > 0 ? Math.sqrt(squares / steps) : 0;
    const degenerate = !(std > 1e-9 * largest) || std === 0;
    if (degenerate) regular = false;
    const scale = degenerate ? 1 : 1 / std;
    let previous = positions[axis];
    positions[axis] = 0;
    for (let t = 1; t < length; t++) {
      const current = positions[t * dim + axis];
      positions[t * dim + axis] = positions[(t - 1) * dim + axis] + (current - previous) * scale;
      previous = current;
    }
  }
  return regular;
}

/**
 * Adds independent Gaussian noise of standard deviation `std` to every coordinate (in place).
 *
 * @param positions trajectory values (any layout)
 * @param std noise standard deviation (1/SNR for normalised trajectories), >= 0
 * @throws {RangeError} when `std` is negative or not finite
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { addLocalizationNoise } from "./normalize.ts";
 * const positions = new Float64Array(4);
 * addLocalizationNoise(positions, 0.1, createRng(1));
 * ok(positions.some((x) => x !== 0));
 * ```
 */
export function addLocalizationNoise(positions: Float64Array, std: number, rng: Rng): void {
  if (!(std >= 0 && Number.isFinite(std))) {
    throw new RangeError(
      `Cannot add localisation noise: std must be a finite number >= 0, got ${std}`,
    );
  }
  if (std === 0) return;
  for (let i = 0; i < positions.length; i++) positions[i] += rng.normal(0, std);
}
