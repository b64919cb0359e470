/**
 * FBM displacements for all axes at once (andi-models.md §1.2 `disp_fbm`, one series per
 * axis).
 *
 * @module
 */

import type { Rng } from "../../rng.ts";
import { fractionalGaussianNoiseAxes } from "../fgn.ts";

/**
 * `length` displacements per axis, each N(0, 2 K dt) with the fGn correlation of Hurst
 * exponent alpha / 2, interleaved frame-major as [length, dim].
 *
 * Equivalent in law to `dim` calls of `displacementsFbm`, but two axes share one complex
 * transform, which halves the cost of 2-D models. Arguments are assumed valid.
 */
export function fbmSteps(
  alpha: number,
  k: number,
  length: number,
  dim: number,
  rng: Rng,
  dt: number,
): Float64Array {
  return fractionalGaussianNoiseAxes(length, alpha / 2, dim, rng, { std: Math.sqrt(2 * k * dt) });
}
