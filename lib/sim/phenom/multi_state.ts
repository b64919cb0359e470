/**
 * The AnDi-2 multi-state model (andi-models.md §4.2): each particle switches between
 * diffusive states by a Markov chain, with its own alpha and K per state.
 *
 * @module
 */

import type { Rng } from "../../rng.ts";
import { checkConstraints, checkSizes, checkStateDistributions } from "./_checks.ts";
import { fbmSteps } from "./_steps.ts";
import { checkBoxSize, reflectIntoBox } from "./box.ts";
import { createPhenomTrajectories, freeStateCode, type PhenomTrajectories } from "./labels.ts";
import { type ParameterDistribution, sampleStateParameters } from "./parameters.ts";

/** Options of {@linkcode multiState}. */
export interface MultiStateOptions {
  /**
   * Transition matrix M (the reference's `M`): entry [i][j] is the probability of moving
   * from state i to state j in one frame; rows sum to 1. Mean dwell in state i is
   * 1 / (1 - M[i][i]) frames.
   * @default {[[0.9, 0.1], [0.1, 0.9]]}
   */
  transitionMatrix?: readonly (readonly number[])[];
  /** alpha of each state: a number or [mean, variance]. @default {[[1, 0], [1, 0]]} */
  alphas?: readonly ParameterDistribution[];
  /** K of each state (px^2 / frame^alpha). @default {[[1, 0], [0.1, 0]]} */
  ks?: readonly ParameterDistribution[];
  /**
   * epsilon_a: alpha_{i-1} - alpha_i >= epsilonAlpha[i - 1] (0 = no constraint).
   * @default {undefined}
   */
  epsilonAlpha?: readonly number[];
  /** gamma_d: ratio constraint between K_i and K_{i-1} (1 = none). @default {undefined} */
  gammaK?: readonly number[];
  /**
   * Side L of the reflecting box [0, L]^2 (px); without it trajectories start at the origin.
   * @default {undefined}
   */
  boxSize?: number;
  /** State of every particle at frame 0; by default uniform over the states. @default {undefined} */
  initialState?: number;
}

/**
 * Simulates `count` two-dimensional multi-state trajectories (the reference's
 * `multi_state(N, T, M, Ds, alphas, gamma_d, epsilon_a, L, init_state)`).
 *
 * Per particle: alpha and K of every state are drawn; the initial state is uniform over the
 * states (not the stationary distribution) unless `initialState` is set; positions start at
 * the origin, or uniformly in the box. For t = 1..T-1: x[t] = x[t-1] + d[t] from the current
 * state's FBM displacements; then state[t] is drawn from row state[t-1] of M, and on a
 * change the displacements from frame t+1 on come from a fresh series with the new state's
 * alpha and K (drawn once per dwell, which costs O(T log T) per trajectory however often
 * the state switches).
 *
 * Labels: the label at frame t is the state drawn at t, which governs the step t -> t+1.
 * `stateNumbers` holds the Markov state; `states` is 2 (3 when that state's alpha >= 1.9).
 * Dwell times in state i are geometric with mean 1 / (1 - M[i][i]) frames.
 *
 * @param count number of trajectories N, integer >= 1
 * @param length frames per trajectory T, integer >= 1
 * @param rng random stream
 * @param options transition matrix, per-state distributions, constraints, box, initial state
 * @returns positions [count, length, 2] and labels [count, length]
 * @throws {RangeError} when a size, the matrix, a distribution, a constraint, the box or
 * the initial state is out of range, or a constraint cannot be met in 100 draws
 * @throws {TypeError} when the matrix or a distribution has the wrong type
 *
 * @example Two states, fast and slow, switching every 20 frames on average
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { createRng } from "../../rng.ts";
 * import { multiState } from "./multi_state.ts";
 * const out = multiState(5, 200, createRng(2), {
 *   transitionMatrix: [[0.95, 0.05], [0.05, 0.95]],
 *   ks: [[1, 0.01], [0.05, 0.0001]],
 * });
 * equal(out.positions.length, 5 * 200 * 2);
 * ok(out.stateNumbers.some((s) => s === 1) && out.stateNumbers.some((s) => s === 0));
 * ```
 */
export function multiState(
  count: number,
  length: number,
  rng: Rng,
  options: MultiStateOptions = {},
): PhenomTrajectories {
  const {
    transitionMatrix = [[0.9, 0.1], [0.1, 0.9]],
    alphas = [[1, 0], [1, 0]],
    ks = [[1, 0], [0.1, 0]],
    epsilonAlpha,
    gammaK,
    boxSize,
    initialState,
  } = options;
  const action = "simulate multi_state";
  checkSizes(action, count, length);
  const cumulative = cumulativeRows(action, transitionMatrix);
  const states = cumulative.length;
  checkStateDistributions(action, alphas, ks, states);
  checkConstraints(action, epsilonAlpha, gammaK, states);
  if (boxSize !== undefined) checkBoxSize(action, boxSize);
  if (
    initialState !== undefined && !(Number.isInteger(initialState) && initialState >= 0 &&
      initialState < states)
  ) {
    throw new RangeError(
      `Cannot ${action}: initialState must be an integer in [0, ${
        states - 1
      }], got ${initialState}`,
    );
  }

  const out = createPhenomTrajectories(count, length, 2);
  const { positions, stateNumbers } = out;
  for (let n = 0; n < count; n++) {
    const parameters = sampleStateParameters(alphas, ks, rng, { epsilonAlpha, gammaK });
    const frame0 = n * length;
    const base = 2 * frame0;
    if (boxSize !== undefined) {
      positions[base] = boxSize * rng.uniform();
      positions[base + 1] = boxSize * rng.uniform();
    }
    // The Markov chain never looks at positions, so the whole state path is drawn first and
    // each dwell then gets one displacement series of exactly the steps it governs. The
    // reference redraws a series for all remaining frames at every switch; only its first
    // dwell-length part is ever used, and that part has this law (fGn is stationary).
    let state = initialState ?? rng.integer(0, states);
    stateNumbers[frame0] = state;
    for (let t = 1; t < length; t++) {
      state = nextState(cumulative[state], rng.uniform());
      stateNumbers[frame0 + t] = state;
    }
    let dwellStart = 0;
    for (let t = 1; t <= length; t++) {
      if (t < length && stateNumbers[frame0 + t] === stateNumbers[frame0 + dwellStart]) continue;
      // Frames dwellStart..t-1 share a state; it governs the steps into frames
      // dwellStart+1..t (the label at frame t governs the step t -> t+1).
      const dwellState = stateNumbers[frame0 + dwellStart];
      const alpha = parameters.alphas[dwellState];
      const k = parameters.ks[dwellState];
      const code = freeStateCode(alpha);
      out.alphas.fill(alpha, frame0 + dwellStart, frame0 + t);
      out.ks.fill(k, frame0 + dwellStart, frame0 + t);
      out.states.fill(code, frame0 + dwellStart, frame0 + t);
      const last = Math.min(t, length - 1);
      if (last > dwellStart) {
        const steps = fbmSteps(alpha, k, last - dwellStart, 2, rng, 1);
        for (let i = 0, p = base + 2 * (dwellStart + 1); i < steps.length; i++, p++) {
          positions[p] = boxSize === undefined
            ? positions[p - 2] + steps[i]
            : reflectIntoBox(positions[p - 2] + steps[i], boxSize);
        }
      }
      dwellStart = t;
    }
  }
  return out;
}

/** Index of the first cumulative probability above u (the last state if round-off hides it). */
function nextState(cumulativeRow: Float64Array, u: number): number {
  const last = cumulativeRow.length - 1;
  for (let j = 0; j < last; j++) if (u < cumulativeRow[j]) return j;
  return last;
}

/** Validates M (square, entries in [0, 1], rows summing to 1) and returns cumulative rows. */
function cumulativeRows(
  action: string,
  matrix: readonly (readonly number[])[],
): Float64Array[] {
  if (!Array.isArray(matrix) || matrix.length < 1 || matrix.length > 255) {
    throw new TypeError(
      `Cannot ${action}: transitionMatrix must be a square array of 1 to 255 rows, got ${
        Array.isArray(matrix) ? `${matrix.length} rows` : String(matrix)
      }`,
    );
  }
  const size = matrix.length;
  return matrix.map((row, i) => {
    if (!Array.isArray(row) || row.length !== size) {
      throw new TypeError(
        `Cannot ${action}: transitionMatrix must be square, got row ${i} of length ${
          Array.isArray(row) ? row.length : String(row)
        } in a matrix of ${size} rows`,
      );
    }
    const cumulative = new Float64Array(size);
    let sum = 0;
    row.forEach((p: number, j: number) => {
      if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
        throw new RangeError(
          `Cannot ${action}: transitionMatrix[${i}][${j}] must be a probability in [0, 1], got ${p}`,
        );
      }
      sum += p;
      cumulative[j] = sum;
    });
    if (Math.abs(sum - 1) > 1e-9) {
      throw new RangeError(
        `Cannot ${action}: transitionMatrix row ${i} must sum to 1, got ${sum}`,
      );
    }
    return cumulative;
  });
}
