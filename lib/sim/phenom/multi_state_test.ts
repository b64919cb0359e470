import { equal, ok, throws } from "node:assert/strict";
import { createRng } from "../../rng.ts";
import { mean, variance } from "../_testing.ts";
import { multiState, type MultiStateOptions } from "./multi_state.ts";
import {
  assertFrequency,
  assertInBox,
  assertLabelsFollowStates,
  assertSeedDeterminism,
  completeDwells,
} from "./_testing.ts";

Deno.test("multiState() switches out of each state with frequency 1 - M_ii and into j with M_ij, within 5 binomial standard errors (3 states, n = 300, seed 1)", () => {
  const matrix = [[0.95, 0.03, 0.02], [0.1, 0.85, 0.05], [0.2, 0.2, 0.6]];
  const count = 300;
  const length = 200;
  const out = multiState(count, length, createRng(1), {
    transitionMatrix: matrix,
    alphas: [1, 1, 1],
    ks: [1, 0.5, 0.1],
  });
  const counts = matrix.map(() => [0, 0, 0]);
  for (let n = 0; n < count; n++) {
    for (let t = 1; t < length; t++) {
      counts[out.stateNumbers[n * length + t - 1]][out.stateNumbers[n * length + t]]++;
    }
  }
  matrix.forEach((row, i) => {
    const trials = counts[i].reduce((a, b) => a + b, 0);
    assertFrequency(trials - counts[i][i], trials, 1 - row[i], `leaving state ${i}`);
    row.forEach((p, j) => assertFrequency(counts[i][j], trials, p, `state ${i} -> ${j}`));
  });
});

Deno.test("multiState() has geometric dwell times with mean 1 / (1 - M_ii), within 5 standard errors (T = 20000, n = 4, seed 2)", () => {
  const matrix = [[0.95, 0.05], [0.1, 0.9]];
  const count = 4;
  const length = 20_000;
  const out = multiState(count, length, createRng(2), {
    transitionMatrix: matrix,
    alphas: [1, 1],
    ks: [1, 0.1],
  });
  for (const state of [0, 1]) {
    const p = 1 - matrix[state][state];
    const dwells: number[] = [];
    for (let n = 0; n < count; n++) {
      dwells.push(...completeDwells(out.stateNumbers, n, length, state));
    }
    // A geometric dwell has variance (1 - p) / p^2. Keeping only dwells that end inside the
    // window favours short ones by about Var / T frames (0.02 here), far below the tolerance.
    const tolerance = 5 * Math.sqrt((1 - p) / (p * p) / dwells.length);
    ok(
      Math.abs(mean(dwells) - 1 / p) < tolerance,
      `state ${state}: mean dwell ${mean(dwells)} of ${dwells.length}, expected ${
        1 / p
      } ± ${tolerance}`,
    );
  }
});

Deno.test("multiState() starts uniformly over the states, not in the stationary distribution (n = 4000, seed 3)", () => {
  const count = 4000;
  const out = multiState(count, 2, createRng(3), { transitionMatrix: [[0.99, 0.01], [0.5, 0.5]] });
  let inZero = 0;
  for (let n = 0; n < count; n++) if (out.stateNumbers[2 * n] === 0) inZero++;
  assertFrequency(inZero, count, 0.5, "initial state 0");
  const fixed = multiState(50, 5, createRng(3), { initialState: 1 });
  for (let n = 0; n < 50; n++) equal(fixed.stateNumbers[5 * n], 1);
});

Deno.test("multiState() spends the fraction of frames per state the chain predicts from a uniform start, within 5 standard errors (n = 1000, seed 4)", () => {
  const [a, b] = [0.02, 0.08];
  const count = 1000;
  const length = 200;
  const out = multiState(count, length, createRng(4), {
    transitionMatrix: [[1 - a, a], [b, 1 - b]],
  });
  // P(state_t = 0) = pi_0 + (1/2 - pi_0) lambda^t with pi_0 = b / (a + b), lambda = 1 - a - b.
  const stationary = b / (a + b);
  let expected = 0;
  for (let t = 0; t < length; t++) {
    expected += (stationary + (0.5 - stationary) * (1 - a - b) ** t) / length;
  }
  const fractions = Array.from({ length: count }, (_, n) => {
    let frames = 0;
    for (let t = 0; t < length; t++) if (out.stateNumbers[n * length + t] === 0) frames++;
    return frames / length;
  });
  // Trajectories are independent: the standard error of the mean fraction is sd / sqrt(n).
  const tolerance = 5 * Math.sqrt(variance(fractions) / count);
  ok(
    Math.abs(mean(fractions) - expected) < tolerance,
    `fraction in state 0: ${mean(fractions)} vs ${expected} ± ${tolerance}`,
  );
});

Deno.test("multiState() steps governed by state i have variance 2 K_i per axis within 5 standard errors (alpha 1, n = 300, seed 5)", () => {
  const ks = [1, 0.1];
  const count = 300;
  const length = 200;
  const out = multiState(count, length, createRng(5), {
    transitionMatrix: [[0.9, 0.1], [0.1, 0.9]],
    alphas: [1, 1],
    ks,
  });
  const sums = [0, 0];
  const numbers = [0, 0];
  for (let n = 0; n < count; n++) {
    for (let t = 0; t + 1 < length; t++) {
      // The label at frame t governs the step t -> t+1.
      const state = out.stateNumbers[n * length + t];
      for (let axis = 0; axis < 2; axis++) {
        const i = 2 * (n * length + t) + axis;
        sums[state] += (out.positions[i + 2] - out.positions[i]) ** 2;
        numbers[state]++;
      }
    }
  }
  ks.forEach((k, state) => {
    // Mean of n squared N(0, 2K) values: relative standard error sqrt(2 / n).
    const ratio = sums[state] / numbers[state] / (2 * k);
    const tolerance = 5 * Math.sqrt(2 / numbers[state]);
    ok(Math.abs(ratio - 1) < tolerance, `state ${state}: variance / 2K = ${ratio} ± ${tolerance}`);
  });
});

Deno.test("multiState() steps within a dwell have the fGn lag-1 correlation 2^(alpha - 1) - 1 of their state, within 5 standard errors (n = 400, seed 6)", () => {
  const alphas = [0.5, 1.3];
  const count = 400;
  const length = 200;
  const out = multiState(count, length, createRng(6), {
    transitionMatrix: [[0.95, 0.05], [0.05, 0.95]],
    alphas,
    ks: [1, 1],
  });
  for (const state of [0, 1]) {
    // Per trajectory: A = sum of d_t d_{t+1}, B = sum of d_t^2 over consecutive steps in one
    // dwell of this state; r = sum A / sum B. Trajectories are independent, so the ratio's
    // standard error is sqrt(sum (A - r B)^2) / sum B (delta method).
    const products: number[] = [];
    const squares: number[] = [];
    for (let n = 0; n < count; n++) {
      let a = 0;
      let b = 0;
      for (let t = 0; t + 2 < length; t++) {
        const frame = n * length + t;
        if (out.stateNumbers[frame] !== state || out.stateNumbers[frame + 1] !== state) continue;
        for (let axis = 0; axis < 2; axis++) {
          const i = 2 * frame + axis;
          const d0 = out.positions[i + 2] - out.positions[i];
          const d1 = out.positions[i + 4] - out.positions[i + 2];
          a += d0 * d1;
          b += d0 * d0;
        }
      }
      products.push(a);
      squares.push(b);
    }
    const sumB = squares.reduce((x, y) => x + y, 0);
    const r = products.reduce((x, y) => x + y, 0) / sumB;
    const error = Math.sqrt(products.reduce((s, a, n) => s + (a - r * squares[n]) ** 2, 0)) / sumB;
    const expected = 2 ** (alphas[state] - 1) - 1;
    ok(
      Math.abs(r - expected) < 5 * error,
      `state ${state}: r = ${r}, expected ${expected} ± ${5 * error}`,
    );
  }
});

Deno.test("multiState() labels follow the Markov state: constant within dwells, changing exactly at switches", () => {
  const out = multiState(100, 200, createRng(7), {
    transitionMatrix: [[0.9, 0.1], [0.2, 0.8]],
    alphas: [[1.2, 0.01], [0.6, 0.01]],
    ks: [[1, 0.01], [0.1, 0.0001]],
  });
  assertLabelsFollowStates(out);
  ok(out.states.every((code) => code === 2), "alpha < 1.9: all free");
  const directed = multiState(5, 50, createRng(7), { alphas: [1.95, 1], ks: [1, 0.1] });
  for (let i = 0; i < directed.states.length; i++) {
    equal(directed.states[i], directed.stateNumbers[i] === 0 ? 3 : 2);
  }
});

Deno.test("multiState() keeps positions in the box and draws per-state parameters that meet the constraints", () => {
  const out = multiState(100, 200, createRng(8), {
    boxSize: 10,
    alphas: [[1.2, 0.01], [0.8, 0.01]],
    ks: [[1, 0.01], [0.3, 0.01]],
    epsilonAlpha: [0.1],
    gammaK: [0.8],
  });
  assertInBox(out.positions, 10);
  for (let n = 0; n < 100; n++) {
    const byState = new Map<number, [number, number]>();
    for (let t = 0; t < 200; t++) {
      const i = n * 200 + t;
      byState.set(out.stateNumbers[i], [out.alphas[i], out.ks[i]]);
    }
    const fast = byState.get(0);
    const slow = byState.get(1);
    if (fast && slow) {
      ok(fast[0] - slow[0] >= 0.1, `trajectory ${n}: alpha gap ${fast[0] - slow[0]}`);
      ok(slow[1] <= 0.8 * fast[1], `trajectory ${n}: K ratio ${slow[1] / fast[1]}`);
    }
  }
});

Deno.test("multiState() gives the same bytes for the same seed", () => {
  assertSeedDeterminism((seed) =>
    multiState(20, 100, createRng(seed), { alphas: [[1, 0.01], [0.5, 0.01]], boxSize: 20 })
  );
});

Deno.test("multiState() throws when the matrix, a distribution, a constraint or the initial state is invalid", () => {
  const run = (options: MultiStateOptions) => () => multiState(2, 10, createRng(1), options);
  const prefix = "Cannot simulate multi_state: ";
  throws(run({ transitionMatrix: [[0.5, 0.5], [1]] }), {
    name: "TypeError",
    message:
      `${prefix}transitionMatrix must be square, got row 1 of length 1 in a matrix of 2 rows`,
  });
  throws(run({ transitionMatrix: [[0.5, 0.6], [0.5, 0.5]] }), {
    name: "RangeError",
    message: `${prefix}transitionMatrix row 0 must sum to 1, got 1.1`,
  });
  throws(run({ transitionMatrix: [[1.5, -0.5], [0.5, 0.5]] }), {
    name: "RangeError",
    message: `${prefix}transitionMatrix[0][0] must be a probability in [0, 1], got 1.5`,
  });
  throws(run({ alphas: [1, 1, 1] }), {
    name: "RangeError",
    message: `${prefix}alphas must hold one distribution per state (2), got 3`,
  });
  throws(run({ ks: [1, [0, 0]] }), {
    name: "RangeError",
    message: `${prefix}ks[1] with variance 0 must have its mean in [1e-12, 1000000], got 0; ` +
      "give a variance > 0 to draw from a truncated normal instead",
  });
  throws(run({ epsilonAlpha: [0.1, 0.2] }), {
    name: "RangeError",
    message: `${prefix}epsilonAlpha must hold one value per pair of consecutive states (1), got 2`,
  });
  throws(run({ gammaK: [0] }), {
    name: "RangeError",
    message: `${prefix}gammaK entries must be finite and > 0, got 0`,
  });
  throws(run({ initialState: 2 }), {
    name: "RangeError",
    message: `${prefix}initialState must be an integer in [0, 1], got 2`,
  });
  throws(() => multiState(1, 0, createRng(1)), {
    name: "RangeError",
    message: `${prefix}length must be an integer >= 1, got 0`,
  });
});
