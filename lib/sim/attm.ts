/**
 * Annealed transient time model (ATTM), the AnDi-1 theory model `attm` (andi-models.md §2.1).
 *
 * Brownian motion whose diffusivity D is redrawn at random times: each segment draws D with
 * D^sigma uniform on (0.01, 0.9], lasts tau = D^(-gamma) frames (capped at the trajectory length;
 * floor(tau) steps), and takes i.i.d. N(0, 2 D) steps on every axis. Slow segments last longer,
 * which makes the ensemble MSD subdiffusive with exponent alpha = sigma / gamma (regime 1) while a
 * single trajectory's time-averaged MSD stays about linear. In 2-D the reference gives x and y
 * the same D and segment boundaries with independent Gaussian steps per axis (not a random
 * angle), and so does this module.
 *
 * The three regimes choose (sigma, gamma) as the reference does:
 * - regime 1 (every dataset builder): sigma = 3 U(0.01, 1.1) = U(0.03, 3.3), gamma = sigma / alpha,
 *   redrawn until sigma <= gamma <= sigma + 1, i.e. sigma <= alpha / (1 - alpha). The reference
 *   redraws (acceptance 0.7 % at alpha = 0.05, and it never stops for alpha <= 3/103); here
 *   sigma is drawn directly from U(0.03, min(3.3, alpha / (1 - alpha))), the same law.
 *   Then tau = (D^sigma)^(-1/alpha), so segment lengths do not depend on sigma.
 * - regime 2: gamma = 1 / (1 - alpha), sigma = U(0.01, gamma - 1); needs 1/101 < alpha < 1.
 * - regime 0: sigma = 3 U(0, 1), gamma = U(-5, sigma); alpha must be 1. When gamma < 0 every
 *   segment is shorter than one frame, contributes no step, and the reference loops forever;
 *   here both are redrawn until gamma >= 0, which is the reference's law conditioned on
 *   finishing.
 *
 * The reference draws each segment's D and then its steps; here the Gaussian steps are drawn
 * first and scaled per segment afterwards (independent draws, so the same law), and steps past
 * the end are never drawn.
 *
 * @module
 */

import type { Rng } from "../rng.ts";

/** Options of {@linkcode annealedTransientTimeModel}. */
export interface AttmOptions {
  /** Spatial dimensions, 1 or 2. @default {2} */
  dim?: number;
  /** How (sigma, gamma) are chosen from alpha: 0, 1 or 2 (see the module doc). @default {1} */
  regime?: 0 | 1 | 2;
}

/**
 * Samples one ATTM trajectory starting at the origin.
 *
 * @param length number of frames (positions), an integer >= 1
 * @param alpha anomalous exponent: (3/103, 1] for regime 1, (1/101, 1) for regime 2, exactly 1
 * for regime 0
 * @param rng random stream
 * @param options see {@linkcode AttmOptions}
 * @returns positions as a Float64Array of shape [length, dim], frame-major, starting at 0
 * @throws {RangeError} when length is not a positive integer, dim is not 1 or 2, regime is not
 * 0, 1 or 2, or alpha is outside the regime's range
 *
 * @example Subdiffusion with random diffusivity
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { annealedTransientTimeModel } from "./attm.ts";
 * const positions = annealedTransientTimeModel(500, 0.5, createRng(3), { dim: 1 });
 * equal(positions.length, 500);
 * equal(positions[0], 0);
 * ok(positions.every(Number.isFinite));
 * ```
 */
export function annealedTransientTimeModel(
  length: number,
  alpha: number,
  rng: Rng,
  options: AttmOptions = {},
): Float64Array {
  const { dim = 2, regime = 1 } = options;
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(`Cannot simulate ATTM: length must be an integer >= 1, got ${length}`);
  }
  if (dim !== 1 && dim !== 2) {
    throw new RangeError(`Cannot simulate ATTM: dim must be 1 or 2, got ${dim}`);
  }
  const { sigma, gamma } = drawExponents(alpha, regime, rng);

  const positions = new Float64Array(length * dim);
  rng.fillNormal(positions.subarray(dim));
  // tau = D^(-gamma) = (D^sigma)^(-gamma / sigma) avoids D underflowing to 0 for tiny sigma.
  const lengthExponent = -gamma / sigma;
  let frame = 1;
  while (frame < length) {
    const level = 1 - rng.uniformRange(0.1, 0.99); // D^sigma, uniform on (0.01, 0.9]
    const tau = Math.min(Math.pow(level, lengthExponent), length);
    const end = Math.min(frame + Math.floor(tau), length);
    const stepStd = Math.sqrt(2 * Math.pow(level, 1 / sigma));
    for (let index = frame * dim; index < end * dim; index++) {
      positions[index] = positions[index - dim] + stepStd * positions[index];
    }
    frame = end;
  }
  return positions;
}

/** (sigma, gamma) for one trajectory, drawn as in the reference regime (module doc). */
function drawExponents(
  alpha: number,
  regime: number,
  rng: Rng,
): { sigma: number; gamma: number } {
  if (regime === 1) {
    if (!(alpha > 3 / 103 && alpha <= 1)) {
      throw new RangeError(
        `Cannot simulate ATTM: alpha must be in (3/103, 1] for regime 1, got ${alpha}; ` +
          "below 3/103 no sigma in [0.03, 3.3) satisfies sigma <= alpha / (1 - alpha)",
      );
    }
    const sigma = rng.uniformRange(0.03, Math.min(3.3, alpha / (1 - alpha)));
    return { sigma, gamma: sigma / alpha };
  }
  if (regime === 2) {
    if (!(alpha > 1 / 101 && alpha < 1)) {
      throw new RangeError(
        `Cannot simulate ATTM: alpha must be in (1/101, 1) for regime 2, got ${alpha}; ` +
          "gamma = 1 / (1 - alpha) must exceed 1.01",
      );
    }
    const gamma = 1 / (1 - alpha);
    return { sigma: rng.uniformRange(0.01, gamma - 1), gamma };
  }
  if (regime === 0) {
    if (alpha !== 1) {
      throw new RangeError(
        `Cannot simulate ATTM: alpha must be 1 for regime 0, got ${alpha}; use regime 1 or 2`,
      );
    }
    for (;;) {
      const sigma = 3 * rng.uniform();
      const gamma = rng.uniformRange(-5, sigma);
      if (gamma >= 0 && sigma > 0) return { sigma, gamma };
    }
  }
  throw new RangeError(`Cannot simulate ATTM: regime must be 0, 1 or 2, got ${regime}`);
}
