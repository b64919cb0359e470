import { deepEqual, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { brownianMotion } from "../sim/brownian.ts";
import { ensembleMsd, timeAveragedMsd } from "./msd.ts";

/** `count` Brownian trajectories of `length` frames, flattened to [count, length, dim]. */
function brownianEnsemble(
  count: number,
  length: number,
  dim: number,
  k: number,
  seed: number,
): Float64Array {
  const rng = createRng(seed);
  const positions = new Float64Array(count * length * dim);
  for (let n = 0; n < count; n++) {
    positions.set(brownianMotion(length, rng, { k, dim }), n * length * dim);
  }
  return positions;
}

// ---------------------------------------------------------------------------------------------
// Hand-computed cases
// ---------------------------------------------------------------------------------------------

Deno.test("ensembleMsd() of two 1-D trajectories matches the hand-computed values", () => {
  // Trajectory 1: 2, 3, 5 -> displacements from x(0): 1, 3 -> squares 1, 9.
  // Trajectory 2: 0, -1, 1 -> displacements -1, 1 -> squares 1, 1.
  // Means: (1 + 1) / 2 = 1 and (9 + 1) / 2 = 5.
  const positions = new Float64Array([2, 3, 5, 0, -1, 1]);
  deepEqual([...ensembleMsd(positions, [2, 3, 1], 2)], [1, 5]);
  deepEqual([...ensembleMsd(positions, [2, 3, 1], 1)], [1]);
});

Deno.test("ensembleMsd() of two 2-D trajectories sums the axes", () => {
  // Trajectory 1: (0,0), (1,2), (3,1) -> lag 1: 1 + 4 = 5, lag 2: 9 + 1 = 10.
  // Trajectory 2: (1,1), (1,1), (2,3) -> lag 1: 0, lag 2: 1 + 4 = 5.
  // Means: 2.5 and 7.5.
  const positions = [0, 0, 1, 2, 3, 1, 1, 1, 1, 1, 2, 3];
  deepEqual([...ensembleMsd(positions, [2, 3, 2], 2)], [2.5, 7.5]);
});

Deno.test("timeAveragedMsd() of a 1-D trajectory matches the hand-computed values", () => {
  // 0, 1, 3, 6: lag 1 differences 1, 2, 3 -> (1 + 4 + 9) / 3; lag 2: 3, 5 -> (9 + 25) / 2;
  // lag 3: 6 -> 36.
  const tamsd = timeAveragedMsd(new Float64Array([0, 1, 3, 6]), [1, 4, 1], 3);
  deepEqual([...tamsd], [14 / 3, 17, 36]);
});

Deno.test("timeAveragedMsd() of two 2-D trajectories is laid out [count, maxLag]", () => {
  // Trajectory 1: (0,0), (1,1), (1,3): lag 1: (1 + 1 + 0 + 4) / 2 = 3; lag 2: (1 + 9) / 1 = 10.
  // Trajectory 2: (5,5), (5,5), (5,5): stands still, 0 and 0.
  const positions = [0, 0, 1, 1, 1, 3, 5, 5, 5, 5, 5, 5];
  deepEqual([...timeAveragedMsd(positions, [2, 3, 2], 2)], [3, 10, 0, 0]);
});

Deno.test("ensembleMsd() and timeAveragedMsd() ignore where a trajectory starts", () => {
  const base = [0, 1, 3, 6];
  const shifted = base.map((x) => x + 100);
  deepEqual(ensembleMsd(shifted, [1, 4, 1], 3), ensembleMsd(base, [1, 4, 1], 3));
  deepEqual(timeAveragedMsd(shifted, [1, 4, 1], 3), timeAveragedMsd(base, [1, 4, 1], 3));
});

// ---------------------------------------------------------------------------------------------
// Ballistic motion
// ---------------------------------------------------------------------------------------------

Deno.test("ensembleMsd() of ballistic motion x = v t is |v|^2 t^2 exactly", () => {
  // Four 2-D trajectories with integer velocities of speed 5: every product and difference is an
  // integer, and dividing by count = 4 is exact, so the result is exact.
  const velocities = [[3, 4], [-3, 4], [0, 5], [5, 0]];
  const length = 12;
  const positions: number[] = [];
  for (const [vx, vy] of velocities) {
    for (let t = 0; t < length; t++) positions.push(vx * t, vy * t);
  }
  const msd = ensembleMsd(positions, [4, length, 2], length - 1);
  deepEqual([...msd], Array.from({ length: length - 1 }, (_, i) => 25 * (i + 1) ** 2));
});

Deno.test("timeAveragedMsd() of ballistic motion x = v t is v^2 t^2 exactly for every trajectory", () => {
  const speeds = [2, -0.5, 7];
  const length = 10;
  const positions = speeds.flatMap((v) => Array.from({ length }, (_, t) => v * t));
  const tamsd = timeAveragedMsd(positions, [speeds.length, length, 1], length - 1);
  const expected = speeds.flatMap((v) =>
    Array.from({ length: length - 1 }, (_, i) => v ** 2 * (i + 1) ** 2)
  );
  deepEqual([...tamsd], expected);
});

// ---------------------------------------------------------------------------------------------
// Brownian motion
// ---------------------------------------------------------------------------------------------

Deno.test("ensembleMsd() of Brownian motion is 4 K t within 5 standard errors (n = 4000, seed 3)", () => {
  const [count, length, dim, k] = [4000, 21, 2, 0.5];
  const msd = ensembleMsd(brownianEnsemble(count, length, dim, k, 3), [count, length, dim], 20);
  // |x_t|^2 / (4 K t) per trajectory is chi-square(2) / 2: mean 1, variance 1; the mean of count
  // of them has relative standard deviation sqrt(2 / (dim count)).
  const tolerance = 5 * Math.sqrt(2 / (dim * count));
  msd.forEach((value, i) => {
    const ratio = value / (4 * k * (i + 1));
    ok(Math.abs(ratio - 1) < tolerance, `lag ${i + 1}: ratio ${ratio}, allowed 1 ± ${tolerance}`);
  });
});

Deno.test("timeAveragedMsd() of Brownian motion averages to 4 K t within 5 standard errors (n = 400, length 200, seed 4)", () => {
  const [count, length, dim, k, maxLag] = [400, 200, 2, 0.25, 20];
  const tamsd = timeAveragedMsd(
    brownianEnsemble(count, length, dim, k, 4),
    [count, length, dim],
    maxLag,
  );
  for (let lag = 1; lag <= maxLag; lag++) {
    const values = Array.from({ length: count }, (_, n) => tamsd[n * maxLag + lag - 1]);
    const mean = values.reduce((a, b) => a + b, 0) / count;
    const sampleVariance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (count - 1);
    // Trajectories are independent, so the standard error of the mean TAMSD is the sample standard
    // deviation over sqrt(count). Its expectation is exactly 4 K lag (each squared increment sum
    // is unbiased), so allow 5 standard errors.
    const standardError = Math.sqrt(sampleVariance / count);
    const expected = 4 * k * lag;
    ok(
      Math.abs(mean - expected) < 5 * standardError,
      `lag ${lag}: mean TAMSD ${mean}, expected ${expected} ± ${5 * standardError}`,
    );
    // Sanity check of that error: for Brownian motion the relative variance of one TAMSD is about
    // 4 lag / (3 dim (length - lag)) when lag << length; the sample must agree within a factor 2.
    const theory = (4 * lag) / (3 * dim * (length - lag)) * expected ** 2;
    ok(
      sampleVariance > theory / 2 && sampleVariance < theory * 2,
      `lag ${lag}: TAMSD variance ${sampleVariance}, theory about ${theory}`,
    );
  }
});

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

Deno.test("ensembleMsd() throws when the positions do not match the shape", () => {
  throws(() => ensembleMsd(new Float64Array(5), [1, 3, 2], 1), {
    name: "RangeError",
    message: "Cannot compute ensemble MSD: positions hold 5 values, shape [1,3,2] needs 6",
  });
});

Deno.test("timeAveragedMsd() throws when the positions do not match the shape", () => {
  throws(() => timeAveragedMsd([1, 2, 3, 4], [2, 3, 1], 1), {
    name: "RangeError",
    message: "Cannot compute time-averaged MSD: positions hold 4 values, shape [2,3,1] needs 6",
  });
});

Deno.test("ensembleMsd() and timeAveragedMsd() throw when maxLag is not an integer in [1, length - 1]", () => {
  const positions = new Float64Array(8);
  for (const maxLag of [0, 4, 5, 1.5, NaN]) {
    throws(() => ensembleMsd(positions, [2, 4, 1], maxLag), {
      name: "RangeError",
      message: `Cannot compute ensemble MSD: maxLag must be an integer in [1, 3], got ${maxLag}`,
    });
    throws(() => timeAveragedMsd(positions, [2, 4, 1], maxLag), {
      name: "RangeError",
      message:
        `Cannot compute time-averaged MSD: maxLag must be an integer in [1, 3], got ${maxLag}`,
    });
  }
});

Deno.test("ensembleMsd() throws when a trajectory has a single frame (no lag fits)", () => {
  throws(() => ensembleMsd([0, 0], [1, 1, 2], 1), {
    name: "RangeError",
    message: "Cannot compute ensemble MSD: maxLag must be an integer in [1, 0], got 1",
  });
});
