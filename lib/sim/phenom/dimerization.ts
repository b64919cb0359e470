/**
 * The AnDi-2 dimerization model (andi-models.md §4.4): particles that come close bind into
 * dimers that move rigidly together with dimer parameters, and split again at random.
 *
 * @module
 */

import type { Rng } from "../../rng.ts";
import { checkPositive, checkProbability, checkSizes, checkStateDistributions } from "./_checks.ts";
import { fbmSteps } from "./_steps.ts";
import { checkBoxSize, reflectIntoBox } from "./box.ts";
import { createPhenomTrajectories, freeStateCode, type PhenomTrajectories } from "./labels.ts";
import { type ParameterDistribution, sampleParameter } from "./parameters.ts";

/** Options of {@linkcode dimerization}. */
export interface DimerizationOptions {
  /** Side L of the reflecting box [0, L]^2 (px). @default {100} */
  boxSize?: number;
  /** Particle radius r (px): two particles closer than 2r can bind. @default {1} */
  particleRadius?: number;
  /** Pu: probability per frame that a dimer splits. @default {0.1} */
  unbindingProbability?: number;
  /** Pb: probability that a free particle binds a free neighbour within 2r. @default {0.01} */
  bindingProbability?: number;
  /**
   * alpha of state 0 (free monomer) and state 1 (dimer): numbers or [mean, variance].
   * @default {[[1, 0], [1, 0]]}
   */
  alphas?: readonly ParameterDistribution[];
  /** K of state 0 and state 1 (px^2 / frame^alpha). @default {[[1, 0], [0.1, 0]]} */
  ks?: readonly ParameterDistribution[];
  /**
   * Give a dimer K = 1 / (1 / K_a + 1 / K_b) from its members' monomer K (a Stokes-Einstein
   * rule) instead of the members' own dimer K.
   * @default {false}
   */
  stokes?: boolean;
  /** Frame duration dt: each step has variance 2 K dt per axis. @default {1} */
  dt?: number;
}

/** Output of {@linkcode dimerization}: trajectories, labels and who is bound to whom. */
export interface DimerizationTrajectories extends PhenomTrajectories {
  /** Index of the dimer partner at each frame, -1 when free; shape [count, length]. */
  partners: Int32Array;
}

/**
 * Simulates `count` interacting particles that dimerize (the reference's
 * `dimerization(N, T, L, r, Pu, Pb, Ds, alphas, stokes, dt)`).
 *
 * Particles start uniform in the box, free, each with its own alpha and K for state 0
 * (monomer) and state 1 (dimer). For t = 1..T-1: each dimer splits with probability Pu (its
 * members cannot bind again in this frame); then, with distances at t-1 and in index order,
 * each free particle tries its free neighbours at distance strictly between 0 and 2r in
 * index order, binding the first whose coin (probability Pb) succeeds. A particle whose state
 * changed takes its own parameters of the new state from frame t on; a new dimer draws ONE
 * displacement series with its lower-index member's parameters, shared by both, so partners
 * move rigidly together (their labels may still differ); a split gives each member a fresh
 * series of its own. Then x[t] = x[t-1] + d[t], reflected at the box walls (reflection acts
 * on each particle alone, so it can alter one partner's step).
 *
 * Labels: the label at frame t governs the step t-1 -> t. `states` is 2 (3 when the frame's
 * alpha >= 1.9) for monomers and dimers alike; `stateNumbers` is 0 for a monomer, 1 in a
 * dimer. Dimer lifetimes are geometric with mean 1 / Pu frames.
 *
 * @param count number of particles N, integer >= 1
 * @param length frames per trajectory T, integer >= 1
 * @param rng random stream
 * @param options box, radius, binding probabilities and per-state distributions
 * @returns positions [count, length, 2], labels [count, length] and partners [count, length]
 * @throws {RangeError} when a size, probability, radius, the box, a distribution or dt is
 * out of range
 * @throws {TypeError} when a distribution has the wrong type
 *
 * @example Crowded sticky particles form dimers that move together
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createRng } from "../../rng.ts";
 * import { dimerization } from "./dimerization.ts";
 * const out = dimerization(30, 100, createRng(4), {
 *   boxSize: 15, bindingProbability: 1, unbindingProbability: 0.05,
 * });
 * ok(out.partners.some((partner) => partner >= 0));
 * ok(out.stateNumbers.some((state) => state === 1));
 * ```
 */
export function dimerization(
  count: number,
  length: number,
  rng: Rng,
  options: DimerizationOptions = {},
): DimerizationTrajectories {
  const {
    boxSize = 100,
    particleRadius = 1,
    unbindingProbability = 0.1,
    bindingProbability = 0.01,
    alphas = [[1, 0], [1, 0]],
    ks = [[1, 0], [0.1, 0]],
    stokes = false,
    dt = 1,
  } = options;
  const action = "simulate dimerization";
  checkSizes(action, count, length);
  checkBoxSize(action, boxSize);
  checkPositive(action, "particleRadius", particleRadius);
  checkProbability(action, "unbindingProbability", unbindingProbability);
  checkProbability(action, "bindingProbability", bindingProbability);
  checkStateDistributions(action, alphas, ks, 2);
  checkPositive(action, "dt", dt);

  const out: DimerizationTrajectories = {
    ...createPhenomTrajectories(count, length, 2),
    partners: new Int32Array(count * length).fill(-1),
  };
  const { positions } = out;

  // Parameters of each particle in each state: [state][particle].
  const stateAlphas = [new Float64Array(count), new Float64Array(count)];
  const stateKs = [new Float64Array(count), new Float64Array(count)];
  for (let state = 0; state < 2; state++) {
    for (let n = 0; n < count; n++) {
      stateAlphas[state][n] = sampleParameter(alphas[state], "alpha", rng);
    }
  }
  for (let state = 0; state < 2; state++) {
    for (let n = 0; n < count; n++) stateKs[state][n] = sampleParameter(ks[state], "k", rng);
  }

  const alphaLabel = Float64Array.from(stateAlphas[0]);
  const kLabel = Float64Array.from(stateKs[0]);
  const partner = new Int32Array(count).fill(-1);
  const justSplit = new Uint8Array(count);
  const changed = new Uint8Array(count);
  // steps[n][2 (t - first[n]) + axis] is particle n's step into frame t; dimer partners
  // hold the same array.
  const steps: Float64Array[] = [];
  const first = new Int32Array(count).fill(1);
  for (let n = 0; n < count; n++) {
    const base = 2 * n * length;
    positions[base] = boxSize * rng.uniform();
    positions[base + 1] = boxSize * rng.uniform();
    steps.push(
      length > 1 ? fbmSteps(alphaLabel[n], kLabel[n], length - 1, 2, rng, dt) : new Float64Array(0),
    );
    writeLabels(out, n * length, alphaLabel[n], kLabel[n], -1);
  }

  const reachSquared = 4 * particleRadius * particleRadius;
  for (let t = 1; t < length; t++) {
    justSplit.fill(0);
    changed.fill(0);
    if (unbindingProbability > 0) {
      for (let n = 0; n < count; n++) {
        const m = partner[n];
        if (m > n && rng.uniform() < unbindingProbability) {
          partner[n] = partner[m] = -1;
          justSplit[n] = justSplit[m] = 1;
          changed[n] = changed[m] = 1;
        }
      }
    }
    if (bindingProbability > 0) {
      for (let n = 0; n < count; n++) {
        if (partner[n] >= 0 || justSplit[n]) continue;
        const pn = 2 * (n * length + t - 1);
        for (let m = 0; m < count; m++) {
          if (m === n || partner[m] >= 0 || justSplit[m]) continue;
          const pm = 2 * (m * length + t - 1);
          const dx = positions[pn] - positions[pm];
          const dy = positions[pn + 1] - positions[pm + 1];
          const distanceSquared = dx * dx + dy * dy;
          if (
            distanceSquared > 0 && distanceSquared < reachSquared &&
            rng.uniform() < bindingProbability
          ) {
            partner[n] = m;
            partner[m] = n;
            changed[n] = changed[m] = 1;
            break;
          }
        }
      }
    }

    for (let n = 0; n < count; n++) {
      if (!changed[n]) continue;
      const m = partner[n];
      if (m < 0) {
        alphaLabel[n] = stateAlphas[0][n];
        kLabel[n] = stateKs[0][n];
        steps[n] = fbmSteps(alphaLabel[n], kLabel[n], length - t, 2, rng, dt);
        first[n] = t;
      } else if (n < m) {
        const stokesK = 1 / (1 / kLabel[n] + 1 / kLabel[m]);
        for (const i of [n, m]) {
          alphaLabel[i] = stateAlphas[1][i];
          kLabel[i] = stokes ? stokesK : stateKs[1][i];
        }
        const shared = fbmSteps(alphaLabel[n], kLabel[n], length - t, 2, rng, dt);
        steps[n] = steps[m] = shared;
        first[n] = first[m] = t;
      }
    }

    for (let n = 0; n < count; n++) {
      const frame = n * length + t;
      const p = 2 * frame;
      const s = 2 * (t - first[n]);
      positions[p] = reflectIntoBox(positions[p - 2] + steps[n][s], boxSize);
      positions[p + 1] = reflectIntoBox(positions[p - 1] + steps[n][s + 1], boxSize);
      writeLabels(out, frame, alphaLabel[n], kLabel[n], partner[n]);
    }
  }
  return out;
}

function writeLabels(
  out: DimerizationTrajectories,
  frame: number,
  alpha: number,
  k: number,
  partner: number,
): void {
  out.alphas[frame] = alpha;
  out.ks[frame] = k;
  out.states[frame] = freeStateCode(alpha);
  out.stateNumbers[frame] = partner >= 0 ? 1 : 0;
  out.partners[frame] = partner;
}
