import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng, type Rng } from "../rng.ts";
import { levyWalk } from "./levy_walk.ts";
import { normalizeDisplacements } from "./normalize.ts";
import {
  assertExponentMatchesReference,
  assertMedianMatchesReference,
  assertSameBytesPerSeed,
  dkwBound,
  ensembleMsdExponent,
  kolmogorovDistance,
  timeAveragedMsdExponent,
} from "./_testing.ts";

/**
 * Number of leading observed steps (steps 1, 2, ... of a 2-D walk) equal to step 1. Steps of one
 * flight agree up to rounding of the cumulative sum (relative 1e-13 at T = 1000); steps of two
 * flights differ by 2 v |sin(dtheta / 2)|, so a tolerance of 1e-9 v separates them.
 */
function firstRunLength(positions: Float64Array, length: number): number {
  const dx = positions[2];
  const dy = positions[3];
  const tolerance = 1e-9 * Math.hypot(dx, dy);
  let run = 1;
  for (let t = 2; t < length; t++) {
    const sx = positions[2 * t] - positions[2 * t - 2];
    const sy = positions[2 * t + 1] - positions[2 * t - 1];
    if (Math.abs(sx - dx) > tolerance || Math.abs(sy - dy) > tolerance) break;
    run++;
  }
  return run;
}

/**
 * P(first observed run >= s) for flight-tail exponent sigma, 1 <= s <= T - 1. Flights last
 * n = floor(f) steps with P(n >= k) = k^(-sigma). Step 0 is dropped, so the first observed run
 * is n_1 - 1 steps when n_1 >= 2, and the whole second flight, n_2 steps, when n_1 = 1:
 * P(R >= s) = (s + 1)^(-sigma) + (1 - 2^(-sigma)) s^(-sigma).
 */
function firstRunSurvival(s: number, sigma: number): number {
  return (s + 1) ** -sigma + (1 - 2 ** -sigma) * s ** -sigma;
}

function firstRunLengths(alpha: number, count: number, length: number, rng: Rng): number[] {
  return Array.from({ length: count }, () => firstRunLength(levyWalk(length, alpha, rng), length));
}

Deno.test("levyWalk() moves at one constant speed: every step has the length of step 1 within 1e-9 v (1-D and 2-D, 600 trajectories, seed 31)", () => {
  const rng = createRng(31);
  for (const dim of [1, 2]) {
    for (const alpha of [1.05, 1.5, 1.95, 2]) {
      let worst = 0;
      for (let n = 0; n < 75; n++) {
        const positions = levyWalk(1000, alpha, rng, { dim });
        const speed = Math.hypot(...positions.subarray(dim, 2 * dim));
        for (let t = 2; t < 1000; t++) {
          let squares = 0;
          for (let axis = 0; axis < dim; axis++) {
            squares += (positions[t * dim + axis] - positions[(t - 1) * dim + axis]) ** 2;
          }
          worst = Math.max(worst, Math.abs(Math.sqrt(squares) - speed) / speed);
        }
      }
      ok(worst <= 1e-9, `dim ${dim}, alpha ${alpha}: largest relative speed deviation ${worst}`);
    }
  }
});

Deno.test("levyWalk() draws the speed from U(0, 10) (KS, DKW bound at 1e-4; n = 10000, seed 32)", () => {
  // P(sup |F_n - F| > e) <= 2 exp(-2 n e^2) (Dvoretzky-Kiefer-Wolfowitz) set to 1e-4.
  const rng = createRng(32);
  const count = 10000;
  const speeds = Array.from({ length: count }, () => {
    const positions = levyWalk(2, 1.5, rng);
    return Math.hypot(positions[2], positions[3]);
  });
  const distance = kolmogorovDistance(speeds, (v) => v / 10);
  const bound = dkwBound(count);
  ok(distance < bound, `KS distance ${distance}, bound ${bound}`);
});

Deno.test("levyWalk() has flight durations with P(n >= k) = k^(-(3 - alpha)): the first observed run follows its exact law within 4.5 binomial standard errors (2-D, T = 100, n = 10000, seed 33)", () => {
  // 3 alphas x 6 run lengths = 18 comparisons at 4.5 standard errors: family-wise false alarm
  // rate below 2e-4. s = 99 is the whole trajectory (a single flight).
  const rng = createRng(33);
  const count = 10000;
  for (const alpha of [1.2, 1.5, 1.8]) {
    const runs = firstRunLengths(alpha, count, 100, rng);
    for (const s of [2, 5, 10, 20, 50, 99]) {
      const expected = firstRunSurvival(s, 3 - alpha);
      const observed = runs.filter((run) => run >= s).length / count;
      const tolerance = 4.5 * Math.sqrt(expected * (1 - expected) / count);
      ok(
        Math.abs(observed - expected) < tolerance,
        `alpha ${alpha}, s ${s}: P(run >= s) = ${observed} vs ${expected.toFixed(5)} ± ${
          tolerance.toFixed(5)
        }`,
      );
    }
  }
});

Deno.test("levyWalk() has flight-time tail exponent 3 - alpha within 4 standard errors, from P(first run >= 20) (2-D, T = 100, n = 10000, seed 34)", () => {
  // sigma^ solves P(run >= 20 | sigma^) = observed fraction p^ (the law is decreasing in
  // sigma); by the delta method its standard error is sqrt(p (1 - p) / n) / |dP / dsigma|.
  const rng = createRng(34);
  const count = 10000;
  const s = 20;
  for (const alpha of [1.2, 1.5, 1.8]) {
    const sigma = 3 - alpha;
    const runs = firstRunLengths(alpha, count, 100, rng);
    const observed = runs.filter((run) => run >= s).length / count;
    let low = 0.1;
    let high = 5;
    for (let i = 0; i < 60; i++) {
      const middle = (low + high) / 2;
      if (firstRunSurvival(s, middle) > observed) low = middle;
      else high = middle;
    }
    const estimate = (low + high) / 2;
    const p = firstRunSurvival(s, sigma);
    const slope = (firstRunSurvival(s, sigma + 1e-6) - firstRunSurvival(s, sigma - 1e-6)) / 2e-6;
    const tolerance = 4 * Math.sqrt(p * (1 - p) / count) / Math.abs(slope);
    ok(
      Math.abs(estimate - sigma) < tolerance,
      `alpha ${alpha}: tail exponent ${estimate} vs ${sigma} ± ${tolerance}`,
    );
  }
});

Deno.test("levyWalk() at alpha 2 draws the tail exponent from U(0, 1): first-run law averaged over sigma within 4.5 binomial standard errors (2-D, T = 100, n = 10000, seed 35)", () => {
  const rng = createRng(35);
  const count = 10000;
  const runs = firstRunLengths(2, count, 100, rng);
  for (const s of [2, 10, 99]) {
    // Simpson's rule over sigma in (0, 1] on 1000 intervals (smooth integrand).
    let expected = 0;
    for (let i = 0; i <= 1000; i++) {
      const simpson = i === 0 || i === 1000 ? 1 : i % 2 === 1 ? 4 : 2;
      expected += simpson * firstRunSurvival(s, i / 1000) / 3000;
    }
    const observed = runs.filter((run) => run >= s).length / count;
    const tolerance = 4.5 * Math.sqrt(expected * (1 - expected) / count);
    ok(
      Math.abs(observed - expected) < tolerance,
      `s ${s}: P(run >= s) = ${observed} vs ${expected.toFixed(5)} ± ${tolerance.toFixed(5)}`,
    );
  }
});

Deno.test("levyWalk() matches the reference ensemble-MSD exponents 1.32, 1.48, 1.70 for alpha 1.2, 1.5, 1.8 (1-D, T = 1000, n = 1500, seed 36)", () => {
  // andi-models.md §7 row 4: raw 1-D trajectories, lags 10..999, 1500 trajectories. Both
  // estimates carry sampling error; the reference's standard error is taken equal to ours
  // (same estimator, law and n). Allowed: 4 combined standard errors plus 0.005 for rounding.
  const rng = createRng(36);
  const references: [number, number][] = [[1.2, 1.32], [1.5, 1.48], [1.8, 1.7]];
  for (const [alpha, reference] of references) {
    const estimate = ensembleMsdExponent(() => levyWalk(1000, alpha, rng, { dim: 1 }), 1500);
    assertExponentMatchesReference(`alpha ${alpha}`, estimate, reference);
  }
});

Deno.test("levyWalk() has median time-averaged MSD exponent 1.56 like the reference (normalised 2-D, alpha ~ U(1.1, 1.9), T = 200, n = 1000, seed 37)", () => {
  // andi-models.md §7 row 18: median of 250 per-trajectory slopes (lags 1..20) = 1.56. A sample
  // median has standard error 1 / (2 f sqrt(n)); 1 / f is estimated from our sample as
  // (q(0.6) - q(0.4)) / 0.2. Allowed: 4 combined standard errors (ours with n = 1000, the
  // reference's with n = 250) plus 0.005 for the rounding. Single-flight walks are redrawn.
  const rng = createRng(37);
  const slopes: number[] = [];
  while (slopes.length < 1000) {
    const positions = levyWalk(200, rng.uniformRange(1.1, 1.9), rng);
    if (!normalizeDisplacements(positions, 2)) continue;
    slopes.push(timeAveragedMsdExponent(positions, 2, 20));
  }
  assertMedianMatchesReference(slopes, 1.56, 250);
});

Deno.test("levyWalk() returns length * dim finite values starting at the origin, defaulting to dim 2", () => {
  for (const dim of [1, 2]) {
    for (const alpha of [1.01, 2]) {
      const positions = levyWalk(300, alpha, createRng(38), { dim });
      ok(positions instanceof Float64Array);
      equal(positions.length, 300 * dim);
      ok(positions.subarray(0, dim).every((x) => x === 0), `dim ${dim}: starts at 0`);
      ok(positions.every(Number.isFinite), `dim ${dim}, alpha ${alpha}: finite`);
    }
  }
  deepEqual(levyWalk(100, 1.5, createRng(39)), levyWalk(100, 1.5, createRng(39), { dim: 2 }));
  deepEqual([...levyWalk(1, 1.5, createRng(39))], [0, 0]);
});

Deno.test("levyWalk() gives the same bytes for the same seed and different ones for another", () => {
  assertSameBytesPerSeed((seed) => levyWalk(1000, 1.6, createRng(seed)));
});

Deno.test("levyWalk() throws when length is not an integer >= 1", () => {
  for (const length of [0, -1, 10.5, NaN]) {
    throws(() => levyWalk(length, 1.5, createRng(1)), {
      name: "RangeError",
      message: `Cannot simulate Lévy walk: length must be an integer >= 1, got ${length}`,
    });
  }
});

Deno.test("levyWalk() throws when alpha is outside (1, 2]", () => {
  for (const alpha of [1, 0.5, 2.01, 3, NaN]) {
    throws(() => levyWalk(10, alpha, createRng(1)), {
      name: "RangeError",
      message: `Cannot simulate Lévy walk: alpha must be in (1, 2], got ${alpha}; ` +
        "use CTRW, ATTM, FBM or SBM for alpha <= 1",
    });
  }
});

Deno.test("levyWalk() throws when dim is not 1 or 2", () => {
  for (const dim of [0, 3, 1.5]) {
    throws(() => levyWalk(10, 1.5, createRng(1), { dim }), {
      name: "RangeError",
      message: `Cannot simulate Lévy walk: dim must be 1 or 2, got ${dim}`,
    });
  }
});
