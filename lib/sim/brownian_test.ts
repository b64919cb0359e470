import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { ensembleMsd } from "../features/msd.ts";
import { createRng } from "../rng.ts";
import { brownianMotion } from "./brownian.ts";
import {
  assertEnsembleMsdPowerLaw,
  assertSameBytesPerSeed,
  axisSteps,
  mean,
  stackTrajectories,
  variance,
} from "./_testing.ts";

/** Checks that the ensemble MSD at lags 1..20 of `count` trajectories is 2 dim K t. */
function checkEnsembleMsd(count: number, dim: number, k: number, seed: number): void {
  const rng = createRng(seed);
  const all = stackTrajectories(count, 21 * dim, () => brownianMotion(21, rng, { k, dim }));
  assertEnsembleMsdPowerLaw(ensembleMsd(all, [count, 21, dim], 20), count, { dim, k, alpha: 1 });
}

Deno.test("brownianMotion() has ensemble MSD 2 dim K t at lags 1..20 within 5 standard deviations (dim 2, K 0.5, n = 4000, seed 3)", () => {
  checkEnsembleMsd(4000, 2, 0.5, 3);
});

Deno.test("brownianMotion() has ensemble MSD 2 K t at lags 1..20 within 5 standard deviations (dim 1, K 1.5, n = 4000, seed 4)", () => {
  checkEnsembleMsd(4000, 1, 1.5, 4);
});

Deno.test("brownianMotion() has ensemble MSD 6 K t at lags 1..20 within 5 standard deviations (dim 3, K 0.2, n = 3000, seed 5)", () => {
  checkEnsembleMsd(3000, 3, 0.2, 5);
});

Deno.test("brownianMotion() returns length * dim values starting at the origin for dim 1, 2 and 3", () => {
  for (const dim of [1, 2, 3]) {
    const positions = brownianMotion(50, createRng(11), { dim, k: 0.7 });
    ok(positions instanceof Float64Array);
    equal(positions.length, 50 * dim);
    deepEqual([...positions.subarray(0, dim)], new Array(dim).fill(0));
    ok(positions.every(Number.isFinite), `dim ${dim}: all positions finite`);
    ok(positions.some((value) => value !== 0), `dim ${dim}: the trajectory moves`);
  }
});

Deno.test("brownianMotion() defaults to dim 2 and K 1", () => {
  const defaults = brownianMotion(30, createRng(12));
  const explicit = brownianMotion(30, createRng(12), { dim: 2, k: 1 });
  deepEqual(defaults, explicit);
});

Deno.test("brownianMotion() has per-axis increment variance 2 K within 5 standard errors (K 0.8, 50000 steps, seed 6)", () => {
  const k = 0.8;
  const dim = 2;
  const positions = brownianMotion(50_001, createRng(6), { k, dim });
  for (let axis = 0; axis < dim; axis++) {
    const steps = axisSteps(positions, dim, axis);
    // Sample variance of n Gaussian values has relative standard deviation sqrt(2 / (n - 1)).
    const tolerance = 5 * Math.sqrt(2 / (steps.length - 1));
    const ratio = variance(steps) / (2 * k);
    ok(Math.abs(ratio - 1) < tolerance, `axis ${axis}: variance / 2K = ${ratio} ± ${tolerance}`);
    // The mean of n increments has standard deviation sqrt(2 K / n).
    const meanTolerance = 5 * Math.sqrt(2 * k / steps.length);
    ok(Math.abs(mean(steps)) < meanTolerance, `axis ${axis}: mean ${mean(steps)}`);
  }
});

Deno.test("brownianMotion() has increments uncorrelated at lag 1, |r| < 5 / sqrt(n) (n = 50000, seed 7)", () => {
  const dim = 2;
  const positions = brownianMotion(50_001, createRng(7), { k: 1, dim });
  for (let axis = 0; axis < dim; axis++) {
    const steps = axisSteps(positions, dim, axis);
    const a = steps.slice(0, -1);
    const b = steps.slice(1);
    const ma = mean(a);
    const mb = mean(b);
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let i = 0; i < a.length; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) ** 2;
      sbb += (b[i] - mb) ** 2;
    }
    const r = sab / Math.sqrt(saa * sbb);
    // Under independence the sample correlation has standard deviation about 1 / sqrt(n).
    const bound = 5 / Math.sqrt(a.length);
    ok(Math.abs(r) < bound, `axis ${axis}: lag-1 correlation ${r}, allowed ±${bound}`);
  }
});

Deno.test("brownianMotion() has independent axes: cross-correlation of increments |r| < 5 / sqrt(n) (seed 8)", () => {
  const positions = brownianMotion(50_001, createRng(8), { k: 1, dim: 2 });
  const x = axisSteps(positions, 2, 0);
  const y = axisSteps(positions, 2, 1);
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  const r = sxy / Math.sqrt(sxx * syy);
  ok(Math.abs(r) < 5 / Math.sqrt(x.length), `cross-correlation ${r}`);
});

Deno.test("brownianMotion() with K = 0 stays at the origin", () => {
  for (const dim of [1, 2, 3]) {
    const positions = brownianMotion(100, createRng(9), { k: 0, dim });
    equal(positions.length, 100 * dim);
    ok(positions.every((value) => value === 0), `dim ${dim}: all zeros`);
  }
});

Deno.test("brownianMotion() with length 1 returns only the origin", () => {
  deepEqual([...brownianMotion(1, createRng(1), { dim: 3 })], [0, 0, 0]);
});

Deno.test("brownianMotion() gives the same bytes for the same seed and different ones for another", () => {
  assertSameBytesPerSeed((seed) => brownianMotion(200, createRng(seed), { k: 0.3, dim: 2 }));
});

Deno.test("brownianMotion() scales with sqrt(K): same seed, K 4 is twice K 1", () => {
  // Increments are sqrt(2K) times the same standard normals, so positions scale exactly by 2
  // (multiplying by 2 is exact in floating point; sqrt(8) = 2 sqrt(2) up to one rounding).
  const one = brownianMotion(100, createRng(10), { k: 1 });
  const four = brownianMotion(100, createRng(10), { k: 4 });
  for (let i = 0; i < one.length; i++) {
    ok(Math.abs(four[i] - 2 * one[i]) <= 1e-12 * (1 + Math.abs(four[i])), `index ${i}`);
  }
});

Deno.test("brownianMotion() throws when length is not an integer >= 1", () => {
  for (const length of [0, -3, 2.5, NaN, Infinity]) {
    throws(() => brownianMotion(length, createRng(1)), {
      name: "RangeError",
      message: `Cannot simulate Brownian motion: length must be an integer >= 1, got ${length}`,
    });
  }
});

Deno.test("brownianMotion() throws when k is negative or not finite", () => {
  for (const k of [-0.1, NaN, Infinity]) {
    throws(() => brownianMotion(10, createRng(1), { k }), {
      name: "RangeError",
      message: `Cannot simulate Brownian motion: k must be a finite number >= 0, got ${k}`,
    });
  }
});
