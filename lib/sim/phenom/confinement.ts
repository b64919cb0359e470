/**
 * The AnDi-2 confinement model (andi-models.md §4.5): particles diffuse among circular
 * compartments whose boundaries let them in freely but let them out only with a given
 * transmittance; inside they move with their confined parameters.
 *
 * @module
 */

import type { Rng } from "../../rng.ts";
import {
  checkConstraints,
  checkPositive,
  checkPositiveInteger,
  checkProbability,
  checkSizes,
  checkStateDistributions,
} from "./_checks.ts";
import { fbmSteps } from "./_steps.ts";
import { checkBoxSize, reflectIntoBox } from "./box.ts";
import { distributeCompartments, reflectIntoCompartment } from "./compartments.ts";
import {
  createPhenomTrajectories,
  freeStateCode,
  type PhenomTrajectories,
  STATE_CODES,
} from "./labels.ts";
import { type ParameterDistribution, sampleStateParameters } from "./parameters.ts";

/** Options of {@linkcode confinement}. */
export interface ConfinementOptions {
  /** Side L of the reflecting box [0, L]^2 (px). @default {100} */
  boxSize?: number;
  /**
   * alpha of state 0 (free, outside) and state 1 (confined, inside): numbers or
   * [mean, variance].
   * @default {[[1, 0], [1, 0]]}
   */
  alphas?: readonly ParameterDistribution[];
  /** K of state 0 and state 1 (px^2 / frame^alpha). @default {[[1, 0], [0.1, 0]]} */
  ks?: readonly ParameterDistribution[];
  /** epsilon_a: alpha_0 - alpha_1 >= epsilonAlpha[0] (0 = no constraint). @default {[0]} */
  epsilonAlpha?: readonly number[];
  /** gamma_d: ratio constraint between K_1 and K_0 (1 = none). @default {[1]} */
  gammaK?: readonly number[];
  /** Compartment radius r (px). @default {1} */
  compartmentRadius?: number;
  /**
   * Compartment centres, shape [Nc, 2] flattened (px), shared by all particles. Without it
   * every particle gets its own freshly drawn layout of `compartmentCount` compartments
   * (see {@linkcode distributeCompartments}).
   * @default {undefined}
   */
  compartmentCenters?: Float64Array;
  /** Number of compartments Nc per drawn layout. @default {10} */
  compartmentCount?: number;
  /** Probability that a confined particle crossing its boundary escapes. @default {0.1} */
  transmittance?: number;
  /** Frame duration dt: each step has variance 2 K dt per axis. @default {1} */
  dt?: number;
}

/** Output of {@linkcode confinement}: trajectories, labels and the compartments. */
export interface ConfinementTrajectories extends PhenomTrajectories {
  /**
   * Compartment centres of each particle, shape [Nc, 2] flattened (px); one shared array
   * when `compartmentCenters` was given.
   */
  compartmentCenters: Float64Array[];
  /** Index of the compartment holding the particle at each frame, -1 when free; [count, length]. */
  compartments: Int32Array;
}

/**
 * Simulates `count` particles among partially transmitting circular compartments (the
 * reference's `confinement(N, T, L, Ds, alphas, gamma_d, epsilon_a, r, comp_center, Nc,
 * trans, dt)`).
 *
 * Per particle: alpha and K of state 0 (free) and 1 (confined) are drawn; the start is
 * uniform in the box, confined if closer than r to a centre. FBM displacements of the
 * current state are consumed one per frame. For t = 1..T-1 the particle moves by the next
 * displacement; if it was confined and is now farther than r from its centre, it escapes
 * with probability `transmittance` (into another compartment if it landed in one, else
 * free), or is reflected specularly back inside and stays confined; if it was free, entering
 * any compartment confines it. On a change of state a fresh displacement series of the new
 * state starts. Finally the position is reflected at the box walls (after the state update,
 * so in rare cases a wall bounce lands a free particle inside a compartment).
 *
 * Labels: the label at frame t governs the step t -> t+1. Confined frames are
 * [alpha_1, K_1, state 1], free frames [alpha_0, K_0, 2] (3 when alpha_0 >= 1.9);
 * `stateNumbers` is 1 when confined. Confined positions lie within r of their centre.
 *
 * @param count number of particles N, integer >= 1
 * @param length frames per trajectory T, integer >= 1
 * @param rng random stream
 * @param options box, compartments, transmittance and per-state distributions
 * @returns positions [count, length, 2], labels [count, length], compartment layouts and
 * the compartment index per frame
 * @throws {RangeError} when a size, probability, radius, the box, a distribution, a
 * constraint or dt is out of range, or a constraint cannot be met in 100 draws
 * @throws {TypeError} when `compartmentCenters` is not a Float64Array of even length or a
 * distribution has the wrong type
 *
 * @example Particles caught in large compartments
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createRng } from "../../rng.ts";
 * import { confinement } from "./confinement.ts";
 * const out = confinement(20, 200, createRng(6), {
 *   boxSize: 60, compartmentRadius: 5, compartmentCount: 20,
 * });
 * ok(out.states.some((state) => state === 1));
 * ok(out.states.every((state) => state === 1 || state === 2));
 * ```
 */
export function confinement(
  count: number,
  length: number,
  rng: Rng,
  options: ConfinementOptions = {},
): ConfinementTrajectories {
  const {
    boxSize = 100,
    alphas = [[1, 0], [1, 0]],
    ks = [[1, 0], [0.1, 0]],
    epsilonAlpha = [0],
    gammaK = [1],
    compartmentRadius = 1,
    compartmentCenters,
    compartmentCount = 10,
    transmittance = 0.1,
    dt = 1,
  } = options;
  const action = "simulate confinement";
  checkSizes(action, count, length);
  checkBoxSize(action, boxSize);
  checkStateDistributions(action, alphas, ks, 2);
  checkConstraints(action, epsilonAlpha, gammaK, 2);
  checkPositive(action, "compartmentRadius", compartmentRadius);
  checkProbability(action, "transmittance", transmittance);
  checkPositive(action, "dt", dt);
  if (compartmentCenters === undefined) {
    checkPositiveInteger(action, "compartmentCount", compartmentCount);
    if (!(boxSize > 2 * compartmentRadius)) {
      throw new RangeError(
        `Cannot ${action}: boxSize must exceed the compartment diameter ${
          2 * compartmentRadius
        }, got ${boxSize}`,
      );
    }
  } else if (
    !(compartmentCenters instanceof Float64Array) || compartmentCenters.length % 2 !== 0
  ) {
    throw new TypeError(
      `Cannot ${action}: compartmentCenters must be a Float64Array of shape [Nc, 2], got ${
        compartmentCenters instanceof Float64Array
          ? `length ${compartmentCenters.length}`
          : typeof compartmentCenters
      }`,
    );
  }

  const out: ConfinementTrajectories = {
    ...createPhenomTrajectories(count, length, 2),
    compartmentCenters: [],
    compartments: new Int32Array(count * length),
  };
  const { positions } = out;
  const r = compartmentRadius;
  for (let n = 0; n < count; n++) {
    const parameters = sampleStateParameters(alphas, ks, rng, { epsilonAlpha, gammaK });
    const centers = compartmentCenters ??
      distributeCompartments(compartmentCount, r, boxSize, rng);
    out.compartmentCenters.push(centers);
    const freeCode = freeStateCode(parameters.alphas[0]);
    const frame0 = n * length;
    const base = 2 * frame0;
    positions[base] = boxSize * rng.uniform();
    positions[base + 1] = boxSize * rng.uniform();
    let compartment = compartmentHolding(positions[base], positions[base + 1], centers, r);
    let state = compartment >= 0 ? 1 : 0;
    writeLabels(
      out,
      frame0,
      state,
      compartment,
      parameters.alphas[state],
      parameters.ks[state],
      freeCode,
    );
    // The reference consumes its series from index 0 here (unlike the other models).
    let steps = length > 1
      ? fbmSteps(parameters.alphas[state], parameters.ks[state], length - 1, 2, rng, dt)
      : new Float64Array(0);
    let next = 0;
    for (let t = 1; t < length; t++) {
      const p = base + 2 * t;
      const fromX = positions[p - 2];
      const fromY = positions[p - 1];
      let x = fromX + steps[2 * next];
      let y = fromY + steps[2 * next + 1];
      let newState = state;
      if (state === 1) {
        const cx = centers[2 * compartment];
        const cy = centers[2 * compartment + 1];
        if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) {
          if (rng.uniform() < transmittance) {
            compartment = compartmentHolding(x, y, centers, r);
            newState = compartment >= 0 ? 1 : 0;
          } else {
            [x, y] = reflectIntoCompartment(cx, cy, r, fromX, fromY, x, y);
          }
        }
      } else {
        compartment = compartmentHolding(x, y, centers, r);
        newState = compartment >= 0 ? 1 : 0;
      }
      if (newState !== state) {
        state = newState;
        // Frames t+1..T-1 need T-1-t displacements.
        if (t < length - 1) {
          steps = fbmSteps(
            parameters.alphas[state],
            parameters.ks[state],
            length - 1 - t,
            2,
            rng,
            dt,
          );
        }
        next = 0;
      } else {
        next++;
      }
      positions[p] = reflectIntoBox(x, boxSize);
      positions[p + 1] = reflectIntoBox(y, boxSize);
      writeLabels(
        out,
        frame0 + t,
        state,
        compartment,
        parameters.alphas[state],
        parameters.ks[state],
        freeCode,
      );
    }
  }
  return out;
}

function writeLabels(
  out: ConfinementTrajectories,
  frame: number,
  state: number,
  compartment: number,
  alpha: number,
  k: number,
  freeCode: number,
): void {
  out.alphas[frame] = alpha;
  out.ks[frame] = k;
  out.states[frame] = state === 1 ? STATE_CODES.confined : freeCode;
  out.stateNumbers[frame] = state;
  out.compartments[frame] = state === 1 ? compartment : -1;
}

/** Index of the nearest centre strictly closer than r to (x, y), or -1. */
function compartmentHolding(x: number, y: number, centers: Float64Array, r: number): number {
  let best = -1;
  let bestSquared = r * r;
  for (let i = 0; i < centers.length; i += 2) {
    const dx = x - centers[i];
    const dy = y - centers[i + 1];
    const distanceSquared = dx * dx + dy * dy;
    if (distanceSquared < bestSquared) {
      bestSquared = distanceSquared;
      best = i >>> 1;
    }
  }
  return best;
}
