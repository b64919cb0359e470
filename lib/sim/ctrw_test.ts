import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng, type Rng } from "../rng.ts";
import { continuousTimeRandomWalk } from "./ctrw.ts";
import { normalizeDisplacements } from "./normalize.ts";
import {
  assertExponentMatchesReference,
  assertMedianMatchesReference,
  assertSameBytesPerSeed,
  ensembleMsdExponent,
  logSlopeWeights,
  timeAveragedMsdExponent,
} from "./_testing.ts";

/** First frame whose position is not the origin (length if the walker never moves). */
function firstMoveFrame(positions: Float64Array, dim: number): number {
  for (let index = 0; index < positions.length; index++) {
    if (positions[index] !== 0) return Math.floor(index / dim);
  }
  return positions.length / dim;
}

Deno.test("continuousTimeRandomWalk() never moves with probability length^(-alpha), within 4 binomial standard errors (T = 200, n = 5000, seed 11)", () => {
  const rng = createRng(11);
  const count = 5000;
  // Measured by the reference (andi-models.md §7 row 5): 0.590, 0.206, 0.070.
  for (const alpha of [0.1, 0.3, 0.5]) {
    let still = 0;
    for (let n = 0; n < count; n++) {
      if (continuousTimeRandomWalk(200, alpha, rng).every((x) => x === 0)) still++;
    }
    const expected = 200 ** -alpha;
    const tolerance = 4 * Math.sqrt(expected * (1 - expected) / count);
    ok(
      Math.abs(still / count - expected) < tolerance,
      `alpha ${alpha}: still fraction ${still / count} vs ${expected.toFixed(4)} ± ${
        tolerance.toFixed(4)
      }`,
    );
  }
});

Deno.test("continuousTimeRandomWalk() first moves at frame floor(w) with P(w >= k) = k^(-alpha), within 4.5 binomial standard errors at 8 k (alpha 0.6, T = 1000, n = 5000, seed 12)", () => {
  // The first jump happens at the first waiting time w, shown from frame floor(w) on, so
  // P(first move frame >= k) = P(w >= k) = k^(-alpha) exactly for integer 1 <= k <= T.
  // 8 comparisons at 4.5 standard errors: family-wise false alarm rate below 1e-4.
  const alpha = 0.6;
  const count = 5000;
  const rng = createRng(12);
  const frames = Array.from(
    { length: count },
    () => firstMoveFrame(continuousTimeRandomWalk(1000, alpha, rng), 2),
  );
  for (const k of [1, 2, 5, 10, 20, 50, 100, 500]) {
    const expected = k ** -alpha;
    const observed = frames.filter((frame) => frame >= k).length / count;
    const tolerance = 4.5 * Math.sqrt(expected * (1 - expected) / count) + 1e-12;
    ok(
      Math.abs(observed - expected) < tolerance,
      `k ${k}: P(first move >= k) = ${observed} vs ${expected.toFixed(4)} ± ${
        tolerance.toFixed(4)
      }`,
    );
  }
});

Deno.test("continuousTimeRandomWalk() has waiting-time tail exponent alpha: log-log survival slope within 4 standard errors (alpha 0.3 and 0.8, n = 20000, seed 13)", () => {
  // Slope of log P^(w >= k) on log k over k = 2..500. For k < l the indicator of {w >= l} is
  // contained in {w >= k}, so Cov(log P^_k, log P^_l) ~ (1 - P_k) / (n P_k) (delta method).
  const count = 20000;
  const ks = [2, 5, 10, 20, 50, 100, 200, 500];
  const weights = logSlopeWeights(ks);
  const rng = createRng(13);
  for (const alpha of [0.3, 0.8]) {
    const frames = Array.from(
      { length: count },
      () => firstMoveFrame(continuousTimeRandomWalk(1000, alpha, rng, { dim: 1 }), 1),
    );
    const survival = ks.map((k) => frames.filter((frame) => frame >= k).length / count);
    const slope = weights.reduce((a, c, j) => a + c * Math.log(survival[j]), 0);
    let variance = 0;
    for (let j = 0; j < ks.length; j++) {
      for (let l = 0; l < ks.length; l++) {
        const pk = ks[Math.min(j, l)] ** -alpha;
        variance += weights[j] * weights[l] * (1 - pk) / (count * pk);
      }
    }
    const tolerance = 4 * Math.sqrt(variance);
    ok(
      Math.abs(-slope - alpha) < tolerance,
      `alpha ${alpha}: tail exponent ${-slope} ± ${tolerance}`,
    );
  }
});

Deno.test("continuousTimeRandomWalk() has 2-D MSD 2 (1 - 2^(-alpha)) at frame 1, within 4 standard errors (n = 20000, seed 14)", () => {
  // Waits are >= 1, so at most one jump (at w < 2) is visible by frame 1: x_1 = J 1{w < 2}
  // with p = 1 - 2^(-alpha), and |x_1|^2 = 1{w < 2} chi^2_2, mean 2p, variance 8p - 4p^2.
  const count = 20000;
  const rng = createRng(14);
  for (const alpha of [0.3, 0.6, 1]) {
    let sum = 0;
    for (let n = 0; n < count; n++) {
      const positions = continuousTimeRandomWalk(2, alpha, rng);
      sum += positions[2] ** 2 + positions[3] ** 2;
    }
    const p = 1 - 2 ** -alpha;
    const tolerance = 4 * Math.sqrt((8 * p - 4 * p * p) / count);
    ok(
      Math.abs(sum / count - 2 * p) < tolerance,
      `alpha ${alpha}: MSD(1) ${sum / count} vs ${2 * p} ± ${tolerance}`,
    );
  }
});

Deno.test("continuousTimeRandomWalk() moves x and y at the same frames with independent N(0, 1) jumps (seed 15)", () => {
  const rng = createRng(15);
  const xJumps: number[] = [];
  const yJumps: number[] = [];
  for (let n = 0; n < 200; n++) {
    const positions = continuousTimeRandomWalk(500, 0.8, rng);
    for (let t = 1; t < 500; t++) {
      const dx = positions[2 * t] - positions[2 * t - 2];
      const dy = positions[2 * t + 1] - positions[2 * t - 1];
      equal(dx === 0, dy === 0, `trajectory ${n}, frame ${t}: x and y jump together`);
      if (dx !== 0) {
        xJumps.push(dx);
        yJumps.push(dy);
      }
    }
  }
  // Jump variance 1 per axis: the sample variance of m normals has relative standard deviation
  // sqrt(2 / m); the correlation of independent axes has standard deviation about 1 / sqrt(m).
  const m = xJumps.length;
  const varianceX = xJumps.reduce((a, v) => a + v * v, 0) / m;
  const varianceY = yJumps.reduce((a, v) => a + v * v, 0) / m;
  const covariance = xJumps.reduce((a, v, i) => a + v * yJumps[i], 0) / m;
  ok(Math.abs(varianceX - 1) < 4 * Math.sqrt(2 / m), `x jump variance ${varianceX} (${m} jumps)`);
  ok(Math.abs(varianceY - 1) < 4 * Math.sqrt(2 / m), `y jump variance ${varianceY}`);
  ok(Math.abs(covariance) < 4 / Math.sqrt(m), `x-y jump covariance ${covariance}`);
});

Deno.test("continuousTimeRandomWalk() matches the reference ensemble-MSD exponents 0.42, 0.62, 0.80 for alpha 0.3, 0.6, 0.9 (1-D, T = 1000, n = 3000, seed 16)", () => {
  // andi-models.md §7 row 4: raw 1-D trajectories, lags 10..999, 3000 trajectories. The finite-T
  // exponent is not alpha; compare with the reference's own numbers.
  const rng = createRng(16);
  const references: [number, number][] = [[0.3, 0.42], [0.6, 0.62], [0.9, 0.8]];
  for (const [alpha, reference] of references) {
    const estimate = ensembleMsdExponent(
      () => continuousTimeRandomWalk(1000, alpha, rng, { dim: 1 }),
      3000,
    );
    assertExponentMatchesReference(`alpha ${alpha}`, estimate, reference);
  }
});

Deno.test("continuousTimeRandomWalk() has median time-averaged MSD exponent near 1 (reference 0.91) whatever alpha: weak ergodicity breaking (2-D, T = 200, n = 1000, seed 17)", () => {
  // andi-models.md §7 row 18: normalised 2-D SubCTRW, alpha ~ U(0.1, 0.9), lags 1..20, median
  // of 250 per-trajectory slopes = 0.91. All-still trajectories are redrawn, as ResAnDi does.
  // The standard error of a sample median is 1 / (2 f sqrt(n)); 1 / f is estimated from our
  // sample as (q(0.6) - q(0.4)) / 0.2. Allowed: 4 combined standard errors (ours with n = 1000,
  // the reference's with n = 250) plus 0.005 for the rounding.
  const rng = createRng(17);
  const slopes: number[] = [];
  while (slopes.length < 1000) {
    const positions = continuousTimeRandomWalk(200, rng.uniformRange(0.1, 0.9), rng);
    if (positions.every((x) => x === 0)) continue;
    normalizeDisplacements(positions, 2);
    slopes.push(timeAveragedMsdExponent(positions, 2, 20));
  }
  assertMedianMatchesReference(slopes, 0.91, 250);
});

Deno.test("continuousTimeRandomWalk() returns length * dim values starting at the origin, defaulting to dim 2", () => {
  for (const dim of [1, 2]) {
    const positions = continuousTimeRandomWalk(300, 0.9, createRng(18), { dim });
    ok(positions instanceof Float64Array);
    equal(positions.length, 300 * dim);
    ok(positions.subarray(0, dim).every((x) => x === 0), `dim ${dim}: starts at 0`);
    ok(positions.every(Number.isFinite), `dim ${dim}: finite`);
  }
  deepEqual(
    continuousTimeRandomWalk(100, 0.5, createRng(19)),
    continuousTimeRandomWalk(100, 0.5, createRng(19), { dim: 2 }),
  );
  deepEqual([...continuousTimeRandomWalk(1, 0.5, createRng(19))], [0, 0]);
});

Deno.test("continuousTimeRandomWalk() stays finite for tiny alpha, where waiting times overflow to Infinity", () => {
  const rng: Rng = createRng(20);
  for (let n = 0; n < 200; n++) {
    ok(continuousTimeRandomWalk(50, 0.01, rng).every(Number.isFinite));
  }
});

Deno.test("continuousTimeRandomWalk() gives the same bytes for the same seed and different ones for another", () => {
  assertSameBytesPerSeed((seed) => continuousTimeRandomWalk(1000, 0.7, createRng(seed)));
});

Deno.test("continuousTimeRandomWalk() throws when length is not an integer >= 1", () => {
  for (const length of [0, -5, 1.5, NaN]) {
    throws(() => continuousTimeRandomWalk(length, 0.5, createRng(1)), {
      name: "RangeError",
      message: `Cannot simulate CTRW: length must be an integer >= 1, got ${length}`,
    });
  }
});

Deno.test("continuousTimeRandomWalk() throws when alpha is outside (0, 1]", () => {
  for (const alpha of [0, -0.5, 1.2, NaN]) {
    throws(() => continuousTimeRandomWalk(10, alpha, createRng(1)), {
      name: "RangeError",
      message: `Cannot simulate CTRW: alpha must be in (0, 1], got ${alpha}; ` +
        "CTRW is subdiffusive, use FBM, LW or SBM for alpha > 1",
    });
  }
});

Deno.test("continuousTimeRandomWalk() throws when dim is not 1 or 2", () => {
  for (const dim of [0, 3, 1.5]) {
    throws(() => continuousTimeRandomWalk(10, 0.5, createRng(1), { dim }), {
      name: "RangeError",
      message: `Cannot simulate CTRW: dim must be 1 or 2, got ${dim}`,
    });
  }
});
