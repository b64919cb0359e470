/**
 * The AnDi-1 theory models by name (andi-models.md §2), with the exponent range each accepts, so
 * that datasets and tasks can pick a model from a parameter.
 *
 * @module
 */

import type { Rng } from "../rng.ts";
import { annealedTransientTimeModel } from "./attm.ts";
import { brownianMotion } from "./brownian.ts";
import { continuousTimeRandomWalk } from "./ctrw.ts";
import { fractionalBrownianMotion } from "./fbm.ts";
import { levyWalk } from "./levy_walk.ts";
import { normalizeDisplacements } from "./normalize.ts";
import { scaledBrownianMotion } from "./sbm.ts";

/** Model ids as the reference numbers them (attm 0 ... sbm 4), plus Brownian motion. */
export const THEORY_MODELS = ["attm", "ctrw", "fbm", "lw", "sbm", "bm"] as const;

/** One of {@linkcode THEORY_MODELS}. */
export type TheoryModel = typeof THEORY_MODELS[number];

/** Exponents each model accepts (inclusive bounds; the simulators check open ends). */
export const THEORY_ALPHA_RANGES: Readonly<Record<TheoryModel, readonly [number, number]>> = {
  attm: [0.05, 1],
  ctrw: [0.05, 1],
  fbm: [0.05, 1.95],
  lw: [1.05, 2],
  sbm: [0.05, 2],
  bm: [1, 1],
};

/**
 * Simulates one trajectory of a theory model.
 *
 * @param model model id
 * @param length frames
 * @param alpha anomalous exponent (ignored for `bm`)
 * @param rng random stream
 * @param dim spatial dimensions (1 or 2)
 * @returns positions [length, dim], frame-major, starting at 0
 * @throws {RangeError} from the model's simulator when alpha or length is out of its range
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { simulateTheoryModel } from "./theory_models.ts";
 * equal(simulateTheoryModel("ctrw", 50, 0.5, createRng(1)).length, 100);
 * ```
 */
export function simulateTheoryModel(
  model: TheoryModel,
  length: number,
  alpha: number,
  rng: Rng,
  dim = 2,
): Float64Array {
  switch (model) {
    case "attm":
      return annealedTransientTimeModel(length, alpha, rng, { dim });
    case "ctrw":
      return continuousTimeRandomWalk(length, alpha, rng, { dim });
    case "fbm":
      return fractionalBrownianMotion(length, alpha, rng, { dim });
    case "lw":
      return levyWalk(length, alpha, rng, { dim });
    case "sbm":
      return scaledBrownianMotion(length, alpha, rng, { dim });
    case "bm":
      return brownianMotion(length, rng, { dim });
  }
}

// A degenerate draw is rare (probability about T^-alpha for CTRW); many in a row means a bug.
const MAX_REDRAWS = 1000;

/**
 * Draws a trajectory of a theory model and normalises it, redrawing degenerate ones (all-zero
 * CTRW, single-flight Lévy walk).
 *
 * @throws {Error} when {@linkcode MAX_REDRAWS} draws in a row were degenerate
 */
export function drawNormalized(
  model: TheoryModel,
  length: number,
  alpha: number,
  rng: Rng,
  dim = 2,
): Float64Array {
  for (let attempt = 0; attempt < MAX_REDRAWS; attempt++) {
    const positions = simulateTheoryModel(model, length, alpha, rng, dim);
    if (normalizeDisplacements(positions, dim)) return positions;
  }
  throw new Error(
    `Cannot simulate ${model}: alpha ${alpha} and length ${length} was degenerate ${MAX_REDRAWS} times in a row`,
  );
}
