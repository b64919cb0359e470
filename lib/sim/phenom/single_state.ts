/**
 * The AnDi-2 single-state model (andi-models.md §4.1): each particle performs fractional
 * Brownian motion with its own alpha and K for the whole trajectory.
 *
 * @module
 */

import type { Rng } from "../../rng.ts";
import { checkSizes } from "./_checks.ts";
import { fbmSteps } from "./_steps.ts";
import { checkBoxSize, reflectIntoBox } from "./box.ts";
import { createPhenomTrajectories, freeStateCode, type PhenomTrajectories } from "./labels.ts";
import {
  checkParameterDistribution,
  type ParameterDistribution,
  sampleParameter,
} from "./parameters.ts";

/** Options of {@linkcode singleState}. */
export interface SingleStateOptions {
  /** Anomalous exponent: a number, or [mean, variance] drawn per particle. @default {[1, 0]} */
  alphas?: ParameterDistribution;
  /** K (px^2 / frame^alpha): a number, or [mean, variance] drawn per particle. @default {[1, 0]} */
  ks?: ParameterDistribution;
  /**
   * Side L of the reflecting box [0, L]^dim (px). Without it trajectories start at the
   * origin and move freely; with it they start uniformly in the box.
   * @default {undefined}
   */
  boxSize?: number;
  /** Spatial dimensions, 2 or 3. @default {2} */
  dim?: number;
}

/**
 * Simulates `count` single-state trajectories (the reference's `single_state(N, T, Ds,
 * alphas, L, dim)`).
 *
 * Per particle: alpha and K are drawn from their distributions, then x[t] = x[t-1] + d[t]
 * for t >= 1 with FBM displacements d (each N(0, 2K), lag correlation rho_{alpha/2}), so
 * the mean squared displacement is 2 dim K t^alpha (andi-models.md §1.2). With a box the
 * start is uniform in it and each step is reflected at its walls. Labels are constant:
 * [alpha, K, 2], or state 3 (directed) when alpha >= 1.9; `stateNumbers` are all 0.
 *
 * @param count number of trajectories N, integer >= 1
 * @param length frames per trajectory T, integer >= 1
 * @param rng random stream
 * @param options parameter distributions, box and dimension
 * @returns positions [count, length, dim] and labels [count, length]
 * @throws {RangeError} when a size, the box or a distribution is out of range
 * @throws {TypeError} when a distribution is not a number or [mean, variance]
 *
 * @example Ten sub-diffusive trajectories in a 50 px box
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "../../rng.ts";
 * import { singleState } from "./single_state.ts";
 * const out = singleState(10, 200, createRng(1), { alphas: [0.6, 0.01], boxSize: 50 });
 * equal(out.positions.length, 10 * 200 * 2);
 * ok(out.positions.every((x) => x >= 0 && x <= 50));
 * ok(out.states.every((state) => state === 2));
 * ```
 */
export function singleState(
  count: number,
  length: number,
  rng: Rng,
  options: SingleStateOptions = {},
): PhenomTrajectories {
  const { alphas = [1, 0], ks = [1, 0], boxSize, dim = 2 } = options;
  const action = "simulate single_state";
  checkSizes(action, count, length);
  if (dim !== 2 && dim !== 3) {
    throw new RangeError(`Cannot ${action}: dim must be 2 or 3, got ${dim}`);
  }
  checkParameterDistribution(action, "alphas", alphas, "alpha");
  checkParameterDistribution(action, "ks", ks, "k");
  if (boxSize !== undefined) checkBoxSize(action, boxSize);

  const out = createPhenomTrajectories(count, length, dim);
  const { positions } = out;
  for (let n = 0; n < count; n++) {
    const alpha = sampleParameter(alphas, "alpha", rng);
    const k = sampleParameter(ks, "k", rng);
    const frame0 = n * length;
    out.alphas.fill(alpha, frame0, frame0 + length);
    out.ks.fill(k, frame0, frame0 + length);
    out.states.fill(freeStateCode(alpha), frame0, frame0 + length);

    const base = frame0 * dim;
    if (boxSize !== undefined) {
      for (let axis = 0; axis < dim; axis++) positions[base + axis] = boxSize * rng.uniform();
    }
    if (length === 1) continue;
    // The reference draws T increments and never uses the first; the T - 1 it uses are
    // equal in law to a fresh series of T - 1 (fGn is stationary).
    const steps = fbmSteps(alpha, k, length - 1, dim, rng, 1);
    for (let i = 0; i < steps.length; i++) {
      const previous = positions[base + i];
      positions[base + dim + i] = boxSize === undefined
        ? previous + steps[i]
        : reflectIntoBox(previous + steps[i], boxSize);
    }
  }
  return out;
}
