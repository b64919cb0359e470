import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { ensembleMsd } from "../features/msd.ts";
import { createRng } from "../rng.ts";
import { fgnAutocorrelation } from "./fgn.ts";
import { fractionalBrownianMotion } from "./fbm.ts";
import {
  assertEnsembleMsdPowerLaw,
  assertMeanNear,
  assertSameBytesPerSeed,
  axisSteps,
  ensembleSimulator,
  fitSubEnsembles,
  laggedProductMean,
} from "./_testing.ts";

const STANDARD_ERRORS = 5;

/** `count` trajectories of `length` frames, concatenated as [count, length, dim]. */
const simulate = ensembleSimulator(fractionalBrownianMotion);

const ALPHAS = [0.2, 0.6, 1, 1.4, 1.8];

Deno.test("fractionalBrownianMotion() gives an ensemble MSD exponent and K matching alpha and K within 6 sub-ensemble standard errors for alpha in {0.2, 0.6, 1, 1.4, 1.8} (2-D, T = 1000, K 0.7, n = 800 in 10 sub-ensembles, lags 10..999, seed 7)", () => {
  // Tolerance: the exponent fitted on each of 10 independent sub-ensembles of 80 gives a
  // spread whose standard error of the mean estimates the pooled fit's; 6 SE is the two-sided
  // 1e-4 point of Student's t with 9 degrees of freedom.
  const groups = 10;
  const perGroup = 80;
  const length = 1000;
  const dim = 2;
  const k = 0.7;
  for (const alpha of ALPHAS) {
    const all = simulate(groups * perGroup, length, alpha, 7, { k });
    const fits = fitSubEnsembles(all, [groups * perGroup, length, dim], groups);
    assertMeanNear(fits.map((fit) => fit.alpha), alpha, `alpha ${alpha}, exponent`, 6);
    assertMeanNear(fits.map((fit) => fit.k), k, `alpha ${alpha}, K`, 6);
  }
});

Deno.test("fractionalBrownianMotion() has ensemble MSD 2 dim K t^alpha at lags 1, 10, 100, 999 within 5 standard deviations sqrt(2 / (dim n)) (2-D, K 0.3, n = 1000, seed 8)", () => {
  // Per trajectory |x(t)|^2 / (2 dim K t^alpha) is chi-square with dim degrees of freedom over
  // dim (independent Gaussian axes): mean 1, variance 2 / dim, so the ensemble mean of n has
  // standard deviation sqrt(2 / (dim n)).
  const count = 1000;
  const length = 1000;
  const dim = 2;
  const k = 0.3;
  for (const alpha of ALPHAS) {
    const msd = ensembleMsd(simulate(count, length, alpha, 8, { k }), [count, length, dim], 999);
    assertEnsembleMsdPowerLaw(msd, count, { dim, k, alpha }, [1, 10, 100, 999]);
  }
});

Deno.test("fractionalBrownianMotion() has lag-1 increment autocorrelation 2^(alpha-1) - 1 and lags 2..5 rho_{alpha/2} within 5 SE (2-D, T = 200, n = 400, seed 9)", () => {
  const count = 400;
  const length = 200;
  const dim = 2;
  for (const alpha of ALPHAS) {
    const all = simulate(count, length, alpha, 9);
    const perLag: number[][] = Array.from({ length: 6 }, () => []);
    for (let n = 0; n < count; n++) {
      const base = n * length * dim;
      for (let axis = 0; axis < dim; axis++) {
        const steps = axisSteps(all.subarray(base, base + length * dim), dim, axis);
        // Known zero mean: no per-trajectory demeaning (it biases large alpha, spec §7.1).
        // Increments have variance 2 K = 2: correlation = product / 2.
        for (let lag = 0; lag <= 5; lag++) {
          perLag[lag].push(laggedProductMean(steps, steps, steps.length, lag) / 2);
        }
      }
    }
    assertMeanNear(perLag[0], 1, `alpha ${alpha}, variance / 2K`);
    assertMeanNear(perLag[1], 2 ** (alpha - 1) - 1, `alpha ${alpha}, lag 1`);
    for (let lag = 2; lag <= 5; lag++) {
      assertMeanNear(perLag[lag], fgnAutocorrelation(lag, alpha / 2), `alpha ${alpha}, lag ${lag}`);
    }
  }
});

Deno.test("fractionalBrownianMotion() has independent axes: increment cross-correlation at lags 0 and 1 within 5 SE of 0 (3-D, alpha 1.6, T = 200, n = 400, seed 10)", () => {
  const count = 400;
  const length = 200;
  const dim = 3;
  const all = simulate(count, length, 1.6, 10, { dim });
  const pairs: Array<[number, number, number]> = [[0, 1, 0], [0, 1, 1], [1, 0, 1], [0, 2, 0], [
    1,
    2,
    0,
  ]];
  const values: number[][] = pairs.map(() => []);
  for (let n = 0; n < count; n++) {
    const trajectory = all.subarray(n * length * dim, (n + 1) * length * dim);
    const steps = [0, 1, 2].map((axis) => axisSteps(trajectory, dim, axis));
    pairs.forEach(([a, b, lag], p) => {
      values[p].push(laggedProductMean(steps[a], steps[b], length - 1, lag) / 2);
    });
  }
  pairs.forEach(([a, b, lag], p) => assertMeanNear(values[p], 0, `axes ${a}-${b}, lag ${lag}`));
});

Deno.test("fractionalBrownianMotion() with K = (T-1)^(-alpha) / 2 reproduces the reference scale: Var x[T-1] = 1 within 5 standard deviations sqrt(2 / n) (1-D, T = 100, n = 2000, seed 11)", () => {
  // The reference samples fBm on [0, 1]: the endpoint has variance 1^(2H) = 1.
  const count = 2000;
  const length = 100;
  for (const alpha of [0.4, 1.6]) {
    const k = 0.5 * (length - 1) ** -alpha;
    const all = simulate(count, length, alpha, 11, { dim: 1, k });
    let sum = 0;
    for (let n = 0; n < count; n++) sum += all[n * length + length - 1] ** 2;
    const tolerance = STANDARD_ERRORS * Math.sqrt(2 / count);
    ok(Math.abs(sum / count - 1) < tolerance, `alpha ${alpha}: ${sum / count} ± ${tolerance}`);
  }
});

Deno.test("fractionalBrownianMotion() returns length * dim finite values starting at the origin for dim 1, 2 and 3", () => {
  for (const dim of [1, 2, 3]) {
    const positions = fractionalBrownianMotion(64, 0.8, createRng(12), { dim });
    ok(positions instanceof Float64Array);
    equal(positions.length, 64 * dim);
    deepEqual([...positions.subarray(0, dim)], new Array(dim).fill(0));
    ok(positions.every(Number.isFinite), `dim ${dim}: all finite`);
    ok(positions.some((value) => value !== 0), `dim ${dim}: the trajectory moves`);
  }
});

Deno.test("fractionalBrownianMotion() defaults to dim 2 and K 1, and length 1 gives only the origin", () => {
  deepEqual(
    fractionalBrownianMotion(30, 1.2, createRng(13)),
    fractionalBrownianMotion(30, 1.2, createRng(13), { dim: 2, k: 1 }),
  );
  deepEqual([...fractionalBrownianMotion(1, 1.2, createRng(13), { dim: 3 })], [0, 0, 0]);
});

Deno.test("fractionalBrownianMotion() gives the same bytes for the same seed and different ones for another", () => {
  assertSameBytesPerSeed((seed) =>
    fractionalBrownianMotion(500, 0.35, createRng(seed), { k: 0.3 })
  );
});

Deno.test("fractionalBrownianMotion() scales with sqrt(K): same seed, K 4 is twice K 1 within 1e-12, and K 0 stays at the origin", () => {
  const one = fractionalBrownianMotion(200, 1.5, createRng(14), { k: 1 });
  const four = fractionalBrownianMotion(200, 1.5, createRng(14), { k: 4 });
  for (let i = 0; i < one.length; i++) {
    ok(Math.abs(four[i] - 2 * one[i]) <= 1e-12 * (1 + Math.abs(four[i])), `index ${i}`);
  }
  ok(fractionalBrownianMotion(50, 0.5, createRng(14), { k: 0 }).every((value) => value === 0));
});

Deno.test("fractionalBrownianMotion() throws when alpha is outside (0, 2)", () => {
  for (const alpha of [0, 2, -0.3, 2.5, NaN]) {
    throws(() => fractionalBrownianMotion(10, alpha, createRng(1)), {
      name: "RangeError",
      message: `Cannot simulate FBM: alpha must be in (0, 2), got ${alpha}; FBM needs Hurst ` +
        "exponent alpha / 2 in (0, 1)",
    });
  }
});

Deno.test("fractionalBrownianMotion() throws when length, dim or k is out of range", () => {
  for (const length of [0, 2.5, NaN]) {
    throws(() => fractionalBrownianMotion(length, 1, createRng(1)), {
      name: "RangeError",
      message: `Cannot simulate FBM: length must be an integer >= 1, got ${length}`,
    });
  }
  for (const dim of [0, 1.5]) {
    throws(() => fractionalBrownianMotion(10, 1, createRng(1), { dim }), {
      name: "RangeError",
      message: `Cannot simulate FBM: dim must be an integer >= 1, got ${dim}`,
    });
  }
  for (const k of [-1, Infinity, NaN]) {
    throws(() => fractionalBrownianMotion(10, 1, createRng(1), { k }), {
      name: "RangeError",
      message: `Cannot simulate FBM: k must be a finite number >= 0, got ${k}`,
    });
  }
});
