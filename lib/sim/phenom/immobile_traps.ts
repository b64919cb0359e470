/**
 * The AnDi-2 immobile-traps model (andi-models.md §4.3): particles diffuse freely until they
 * come within reach of a trap, where they may be immobilised, and escape with a fixed
 * probability per frame.
 *
 * @module
 */

import type { Rng } from "../../rng.ts";
import { checkPositive, checkPositiveInteger, checkProbability, checkSizes } from "./_checks.ts";
import { fbmSteps } from "./_steps.ts";
import { checkBoxSize, reflectIntoBox } from "./box.ts";
import {
  createPhenomTrajectories,
  freeStateCode,
  type PhenomTrajectories,
  STATE_CODES,
} from "./labels.ts";
import {
  checkParameterDistribution,
  type ParameterDistribution,
  sampleParameter,
} from "./parameters.ts";

/** Options of {@linkcode immobileTraps}. */
export interface ImmobileTrapsOptions {
  /** Side L of the reflecting box [0, L]^2 (px). @default {100} */
  boxSize?: number;
  /** Trap radius r (px): a particle closer than r to a trap can bind. @default {1} */
  trapRadius?: number;
  /** Pu: probability per frame that a trapped particle escapes. @default {0.1} */
  unbindingProbability?: number;
  /** Pb: probability per frame that a free particle within reach of a trap binds. @default {0.01} */
  bindingProbability?: number;
  /** alpha of free motion: a number, or [mean, variance] drawn per particle. @default {[1, 0]} */
  alphas?: ParameterDistribution;
  /** K of free motion (px^2 / frame^alpha). @default {[1, 0]} */
  ks?: ParameterDistribution;
  /** Number of traps Nt, placed uniformly in the box unless `traps` is given. @default {10} */
  trapCount?: number;
  /**
   * Trap positions, shape [Nt, 2] flattened (px); overrides `trapCount`.
   * @default {undefined}
   */
  traps?: Float64Array;
  /** Frame duration dt: each free step has variance 2 K dt per axis. @default {1} */
  dt?: number;
}

/** Output of {@linkcode immobileTraps}: trajectories, labels and the traps used. */
export interface ImmobileTrapsTrajectories extends PhenomTrajectories {
  /** Trap positions, shape [Nt, 2] flattened (px). */
  traps: Float64Array;
}

/**
 * Simulates `count` particles among immobilising traps (the reference's
 * `immobile_traps(N, T, L, r, Pu, Pb, Ds, alphas, Nt, traps_pos, dt)`).
 *
 * Traps are uniform in the box unless given; particles start uniform in the box, free, each
 * with its own alpha and K and FBM displacements. For t = 1..T-1, using positions at t-1:
 * a trapped particle escapes with probability Pu; a particle that did not just escape and is
 * closer than r to a trap binds with probability Pb; a particle that just escaped gets fresh
 * displacements from frame t. Then x[t] = x[t-1] when trapped, else the reflected
 * x[t-1] + d[t]. A trapped particle stays where it was bound (it is not moved to the trap).
 *
 * Labels: the label at frame t governs the step t-1 -> t; frame 0 is free. Trapped frames are
 * [alpha 0, K 0, state 0] with `stateNumbers` 1; free frames [alpha, K, 2] (3 when
 * alpha >= 1.9) with `stateNumbers` 0. Trapped dwell times are geometric with mean 1 / Pu.
 *
 * @param count number of particles N, integer >= 1
 * @param length frames per trajectory T, integer >= 1
 * @param rng random stream
 * @param options box, traps, binding probabilities and free-motion distributions
 * @returns positions [count, length, 2], labels [count, length] and the traps [Nt, 2]
 * @throws {RangeError} when a size, probability, radius, the box, a distribution or dt is
 * out of range
 * @throws {TypeError} when `traps` is not a Float64Array of even length or a distribution
 * has the wrong type
 *
 * @example Particles in a box dense with sticky traps get stuck
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "../../rng.ts";
 * import { immobileTraps } from "./immobile_traps.ts";
 * const out = immobileTraps(20, 200, createRng(3), {
 *   boxSize: 20, trapCount: 40, bindingProbability: 1, unbindingProbability: 0.05,
 * });
 * ok(out.states.some((state) => state === 0));
 * equal(out.traps.length, 80);
 * ```
 */
export function immobileTraps(
  count: number,
  length: number,
  rng: Rng,
  options: ImmobileTrapsOptions = {},
): ImmobileTrapsTrajectories {
  const {
    boxSize = 100,
    trapRadius = 1,
    unbindingProbability = 0.1,
    bindingProbability = 0.01,
    alphas = [1, 0],
    ks = [1, 0],
    trapCount = 10,
    traps: givenTraps,
    dt = 1,
  } = options;
  const action = "simulate immobile_traps";
  checkSizes(action, count, length);
  checkBoxSize(action, boxSize);
  checkPositive(action, "trapRadius", trapRadius);
  checkProbability(action, "unbindingProbability", unbindingProbability);
  checkProbability(action, "bindingProbability", bindingProbability);
  checkParameterDistribution(action, "alphas", alphas, "alpha");
  checkParameterDistribution(action, "ks", ks, "k");
  checkPositive(action, "dt", dt);
  if (givenTraps === undefined) {
    checkPositiveInteger(action, "trapCount", trapCount);
  } else if (!(givenTraps instanceof Float64Array) || givenTraps.length % 2 !== 0) {
    throw new TypeError(
      `Cannot ${action}: traps must be a Float64Array of shape [Nt, 2], got ${
        givenTraps instanceof Float64Array ? `length ${givenTraps.length}` : typeof givenTraps
      }`,
    );
  }

  const traps = givenTraps ?? rng.fillUniform(new Float64Array(2 * trapCount));
  if (givenTraps === undefined) { for (let i = 0; i < traps.length; i++) traps[i] *= boxSize; }
  const out: ImmobileTrapsTrajectories = {
    ...createPhenomTrajectories(count, length, 2),
    traps,
  };
  const { positions } = out;
  const radiusSquared = trapRadius * trapRadius;

  // Particles interact only with the fixed traps, so each is simulated on its own, start to
  // end; the law is that of the reference's frame-by-frame loop over all particles.
  for (let n = 0; n < count; n++) {
    const alpha = sampleParameter(alphas, "alpha", rng);
    const k = sampleParameter(ks, "k", rng);
    const freeCode = freeStateCode(alpha);
    const frame0 = n * length;
    const base = 2 * frame0;
    positions[base] = boxSize * rng.uniform();
    positions[base + 1] = boxSize * rng.uniform();
    setFree(out, frame0, alpha, k, freeCode);
    // steps[2 (t - first) + axis] is the step into frame t.
    let steps = length > 1 ? fbmSteps(alpha, k, length - 1, 2, rng, dt) : new Float64Array(0);
    let first = 1;
    let trapped = false;
    for (let t = 1; t < length; t++) {
      const p = base + 2 * t;
      const x0 = positions[p - 2];
      const y0 = positions[p - 1];
      let escaped = false;
      if (trapped && rng.uniform() < unbindingProbability) {
        trapped = false;
        escaped = true;
      }
      if (
        !trapped && !escaped && nearTrap(x0, y0, traps, radiusSquared) &&
        rng.uniform() < bindingProbability
      ) {
        trapped = true;
      }
      if (escaped) {
        steps = fbmSteps(alpha, k, length - t, 2, rng, dt);
        first = t;
      }
      if (trapped) {
        positions[p] = x0;
        positions[p + 1] = y0;
        // alpha and K stay as allocated: 0.
        out.states[frame0 + t] = STATE_CODES.immobile;
        out.stateNumbers[frame0 + t] = 1;
      } else {
        const s = 2 * (t - first);
        positions[p] = reflectIntoBox(x0 + steps[s], boxSize);
        positions[p + 1] = reflectIntoBox(y0 + steps[s + 1], boxSize);
        setFree(out, frame0 + t, alpha, k, freeCode);
      }
    }
  }
  return out;
}

function setFree(
  out: PhenomTrajectories,
  frame: number,
  alpha: number,
  k: number,
  code: number,
): void {
  out.alphas[frame] = alpha;
  out.ks[frame] = k;
  out.states[frame] = code;
}

/** Whether (x, y) is strictly closer than the trap radius to any trap. */
function nearTrap(x: number, y: number, traps: Float64Array, radiusSquared: number): boolean {
  for (let i = 0; i < traps.length; i += 2) {
    const dx = x - traps[i];
    const dy = y - traps[i + 1];
    if (dx * dx + dy * dy < radiusSquared) return true;
  }
  return false;
}
