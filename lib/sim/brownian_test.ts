import { deepEqual, equal, notDeepEqual, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { brownianMotion } from "./brownian.ts";

/** Ensemble MSD |x(t) - x(0)|^2 of `count` trajectories of `length` frames, at lags 1..maxLag. */
function ensembleMsdOf(
  count: number,
  length: number,
  dim: number,
  k: number,
  seed: number,
  maxLag: number,
): number[] {
  const rng = createRng(seed);
  const msd = new Array<number>(maxLag).fill(0);
  for (let n = 0; n < count; n++) {
    const x = brownianMotion(length, rng, { k, dim });
    for (let lag = 1; lag <= maxLag; lag++) {
      let sum = 0;
      for (let axis = 0; axis < dim; axis++) sum += (x[lag * dim + axis] - x[axis]) ** 2;
      msd[lag - 1] += sum / count;
    }
  }
  return msd;
}

/** Increments of one axis of a [length, dim] trajectory. */
function increments(positions: Float64Array, dim: number, axis: number): number[] {
  const steps: number[] = [];
  for (let t = 1; t * dim < positions.length; t++) {
    steps.push(positions[t * dim + axis] - positions[(t - 1) * dim + axis]);
  }
  return steps;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function variance(values: number[]): number {
  const m = mean(values);
  return values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1);
}

/**
 * Checks that the ensemble MSD at lags 1..20 is 2 dim K t. Per trajectory |x_t|^2 / (2 dim K t)
 * is chi-square with `dim` degrees of freedom divided by dim (mean 1, variance 2 / dim), so the
 * mean of `count` of them has relative standard deviation sqrt(2 / (dim count)); allow 5 of those.
 */
function checkEnsembleMsd(count: number, dim: number, k: number, seed: number): void {
  const msd = ensembleMsdOf(count, 21, dim, k, seed, 20);
  const tolerance = 5 * Math.sqrt(2 / (dim * count));
  msd.forEach((value, i) => {
    const t = i + 1;
    const ratio = value / (2 * dim * k * t);
    ok(
      Math.abs(ratio - 1) < tolerance,
      `lag ${t}: MSD ${value} / (2 dim K t) = ${ratio}, allowed 1 ± ${tolerance}`,
    );
  });
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
    const steps = increments(positions, dim, axis);
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
    const steps = increments(positions, dim, axis);
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
  const x = increments(positions, 2, 0);
  const y = increments(positions, 2, 1);
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
  const bytes = (seed: number) =>
    new Uint8Array(brownianMotion(200, createRng(seed), { k: 0.3, dim: 2 }).buffer);
  deepEqual(bytes(42), bytes(42));
  notDeepEqual(bytes(42), bytes(43));
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
