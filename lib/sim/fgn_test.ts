import { deepEqual, equal, notDeepEqual, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import {
  displacementsFbm,
  fgnAutocorrelation,
  fractionalGaussianNoise,
  fractionalGaussianNoiseAxes,
} from "./fgn.ts";
import { assertMeanNear, kolmogorovDistance, laggedProductMean, normalCdf } from "./_testing.ts";

// Statistical checks estimate each quantity as the mean of one statistic per independent
// series, so the standard error (SE) comes from the spread across series, whatever the
// correlations inside a series. Tolerances are 5 SE: a correct sampler fails one check with
// probability about 6e-7.
const STANDARD_ERRORS = 5;

Deno.test("fgnAutocorrelation() gives 1 at lag 0, 2^(2H-1) - 1 at lag 1, 0 for H = 0.5, and is even", () => {
  for (const hurst of [0.1, 0.3, 0.5, 0.7, 0.9]) {
    equal(fgnAutocorrelation(0, hurst), 1);
    const lagOne = 2 ** (2 * hurst - 1) - 1;
    ok(Math.abs(fgnAutocorrelation(1, hurst) - lagOne) < 1e-15, `H ${hurst}`);
    for (const k of [1, 2, 7]) equal(fgnAutocorrelation(-k, hurst), fgnAutocorrelation(k, hurst));
  }
  for (const k of [1, 2, 10]) equal(fgnAutocorrelation(k, 0.5), 0);
});

Deno.test("fgnAutocorrelation() sums to the fBm variance: sum over i, j < n of rho(i - j) = n^(2H) within 1e-9 relative", () => {
  for (const hurst of [0.1, 0.3, 0.7, 0.9]) {
    for (const n of [2, 10, 100]) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) sum += fgnAutocorrelation(i - j, hurst);
      }
      const expected = n ** (2 * hurst);
      ok(Math.abs(sum - expected) < 1e-9 * expected, `H ${hurst}, n ${n}: ${sum} vs ${expected}`);
    }
  }
});

Deno.test("fractionalGaussianNoise() has variance (1/n)^(2H) and lag-1..5 autocorrelation rho_H within 5 SE for H in {0.1, 0.3, 0.5, 0.7, 0.9} (400 series, n = 256, seed 11)", () => {
  const count = 400;
  const length = 256;
  for (const hurst of [0.1, 0.3, 0.5, 0.7, 0.9]) {
    const rng = createRng(11).stream(`H${hurst}`);
    const variance = (1 / length) ** (2 * hurst);
    const perLag: number[][] = Array.from({ length: 6 }, () => []);
    for (let n = 0; n < count; n++) {
      const noise = fractionalGaussianNoise(length, hurst, rng);
      // Known zero mean: no demeaning, which would bias long-memory estimates (spec §7.1).
      for (let lag = 0; lag <= 5; lag++) {
        perLag[lag].push(laggedProductMean(noise, noise, length, lag) / variance);
      }
    }
    for (let lag = 0; lag <= 5; lag++) {
      assertMeanNear(perLag[lag], fgnAutocorrelation(lag, hurst), `H ${hurst}, lag ${lag}`);
    }
  }
});

Deno.test("fractionalGaussianNoise() sums to an fBm endpoint of variance t^(2H) within 5 SE (scale 3, n = 1000, 600 series, seed 12)", () => {
  const scale = 3;
  for (const hurst of [0.2, 0.8]) {
    const rng = createRng(12).stream(`H${hurst}`);
    const squares: number[] = [];
    for (let n = 0; n < 600; n++) {
      const total = fractionalGaussianNoise(1000, hurst, rng, { scale }).reduce((a, b) => a + b);
      squares.push(total * total);
    }
    assertMeanNear(squares, scale ** (2 * hurst), `H ${hurst}`);
  }
});

Deno.test("fractionalGaussianNoise() handles the smallest embeddings: n = 1, 2, 3 give variance (1/n)^(2H) and lag-1 correlation rho_H(1) within 5 SE (4000 series, seed 13)", () => {
  const hurst = 0.85;
  for (const length of [1, 2, 3]) {
    const rng = createRng(13).stream(`n${length}`);
    const variance = (1 / length) ** (2 * hurst);
    const squares: number[] = [];
    const products: number[] = [];
    for (let n = 0; n < 4000; n++) {
      const noise = fractionalGaussianNoise(length, hurst, rng);
      equal(noise.length, length);
      squares.push(noise[0] ** 2 / variance);
      if (length > 1) products.push(noise[0] * noise[1] / variance);
    }
    assertMeanNear(squares, 1, `n ${length}, variance`);
    if (length > 1) {
      assertMeanNear(products, fgnAutocorrelation(1, hurst), `n ${length}, lag 1`);
    }
  }
});

Deno.test("fractionalGaussianNoise() with H = 0.5 passes a Kolmogorov-Smirnov test against N(0, 1) (10^6 values, D < 1.95 / sqrt(n), the 0.1 % level)", () => {
  const count = 1_000_000;
  // scale = n makes the variance (n / n)^(2H) = 1.
  const values = fractionalGaussianNoise(count, 0.5, createRng(14), { scale: count });
  const distance = kolmogorovDistance(values, normalCdf);
  const critical = 1.95 / Math.sqrt(count);
  ok(distance < critical, `KS distance ${distance}, critical ${critical}`);
  // The tails come from a separate code path: check their mass, 5 binomial standard errors.
  for (const [cut, mass] of [[3, 0.0026997961], [4, 0.0000633425]]) {
    let beyond = 0;
    for (const value of values) if (Math.abs(value) > cut) beyond++;
    const tolerance = STANDARD_ERRORS * Math.sqrt(mass * (1 - mass) / count);
    ok(Math.abs(beyond / count - mass) < tolerance, `P(|z| > ${cut}) = ${beyond / count}`);
  }
});

Deno.test("fractionalGaussianNoise() gives the same bytes for the same seed, whether or not the embedding is cached, and different ones for another seed", () => {
  // A Hurst exponent no other test uses: the first call computes the embedding.
  const first = fractionalGaussianNoise(300, 0.6180339, createRng(15));
  const cached = fractionalGaussianNoise(300, 0.6180339, createRng(15));
  deepEqual(new Uint8Array(cached.buffer), new Uint8Array(first.buffer));
  notDeepEqual(fractionalGaussianNoise(300, 0.6180339, createRng(16)), first);
});

Deno.test("fractionalGaussianNoiseAxes() gives independent axes, each with variance std^2 and lag-1 correlation rho_H(1), within 5 SE (dim 3, 500 series, n = 200, seed 17)", () => {
  const dim = 3;
  const length = 200;
  const hurst = 0.8;
  const std = 2;
  const rng = createRng(17);
  const variances: number[][] = [[], [], []];
  const lagOnes: number[][] = [[], [], []];
  // Axes 0 and 1 share one complex transform (real and imaginary parts); axis 2 has its own.
  const cross: Record<string, number[]> = {
    "0-1 lag 0": [],
    "0-1 lag 1": [],
    "1-0 lag 1": [],
    "0-2 lag 0": [],
  };
  for (let n = 0; n < 500; n++) {
    const steps = fractionalGaussianNoiseAxes(length, hurst, dim, rng, { std });
    equal(steps.length, length * dim);
    for (let axis = 0; axis < dim; axis++) {
      variances[axis].push(laggedProductMean(steps, steps, length, 0, dim, axis, axis) / std ** 2);
      lagOnes[axis].push(laggedProductMean(steps, steps, length, 1, dim, axis, axis) / std ** 2);
    }
    cross["0-1 lag 0"].push(laggedProductMean(steps, steps, length, 0, dim, 0, 1) / std ** 2);
    cross["0-1 lag 1"].push(laggedProductMean(steps, steps, length, 1, dim, 0, 1) / std ** 2);
    cross["1-0 lag 1"].push(laggedProductMean(steps, steps, length, 1, dim, 1, 0) / std ** 2);
    cross["0-2 lag 0"].push(laggedProductMean(steps, steps, length, 0, dim, 0, 2) / std ** 2);
  }
  for (let axis = 0; axis < dim; axis++) {
    assertMeanNear(variances[axis], 1, `axis ${axis} variance`);
    assertMeanNear(lagOnes[axis], fgnAutocorrelation(1, hurst), `axis ${axis} lag 1`);
  }
  for (const [pair, values] of Object.entries(cross)) assertMeanNear(values, 0, pair);
});

Deno.test("displacementsFbm() has increment variance 2 K and per-coordinate MSD 2 K tau^alpha at tau = 1, 10, 100 within 5 SE (K 0.5, alpha 0.5, 1, 1.5, 400 series, seed 18)", () => {
  const k = 0.5;
  const length = 200;
  for (const alpha of [0.5, 1, 1.5]) {
    const rng = createRng(18).stream(`alpha${alpha}`);
    const variances: number[] = [];
    const msd: Record<number, number[]> = { 1: [], 10: [], 100: [] };
    for (let n = 0; n < 400; n++) {
      const steps = displacementsFbm(alpha, k, length, rng);
      variances.push(laggedProductMean(steps, steps, length, 0));
      for (const tau of [1, 10, 100]) {
        let sum = 0;
        for (let t = 0; t < tau; t++) sum += steps[t];
        msd[tau].push(sum * sum);
      }
    }
    assertMeanNear(variances, 2 * k, `alpha ${alpha}, variance`);
    for (const tau of [1, 10, 100]) {
      assertMeanNear(msd[tau], 2 * k * tau ** alpha, `alpha ${alpha}, MSD(${tau})`);
    }
  }
});

Deno.test("displacementsFbm() with K = 0.5 equals unit-variance fGn with H = alpha / 2 from the same seed, and dt scales it by sqrt(dt)", () => {
  const length = 150;
  const steps = displacementsFbm(1.3, 0.5, length, createRng(19));
  deepEqual(steps, fractionalGaussianNoise(length, 0.65, createRng(19), { scale: length }));
  const quarter = displacementsFbm(1.3, 0.5, length, createRng(19), 0.25);
  deepEqual(quarter, steps.map((value) => 0.5 * value));
});

Deno.test("fgnAutocorrelation() throws when the lag is not finite or hurst is outside (0, 1)", () => {
  throws(() => fgnAutocorrelation(NaN, 0.5), {
    name: "RangeError",
    message: "Cannot compute fGn autocorrelation: lag k must be a finite number, got NaN",
  });
  for (const hurst of [0, 1, -0.2, NaN]) {
    throws(() => fgnAutocorrelation(1, hurst), {
      name: "RangeError",
      message: `Cannot compute fGn autocorrelation: hurst must be in (0, 1), got ${hurst}`,
    });
  }
});

Deno.test("fractionalGaussianNoise() throws when length, hurst or scale is out of range", () => {
  for (const length of [0, -1, 2.5, NaN]) {
    throws(() => fractionalGaussianNoise(length, 0.5, createRng(1)), {
      name: "RangeError",
      message:
        `Cannot sample fractional Gaussian noise: length must be an integer >= 1, got ${length}`,
    });
  }
  for (const hurst of [0, 1, 1.5, NaN]) {
    throws(() => fractionalGaussianNoise(10, hurst, createRng(1)), {
      name: "RangeError",
      message: `Cannot sample fractional Gaussian noise: hurst must be in (0, 1), got ${hurst}`,
    });
  }
  for (const scale of [0, -1, Infinity]) {
    throws(() => fractionalGaussianNoise(10, 0.3, createRng(1), { scale }), {
      name: "RangeError",
      message:
        `Cannot sample fractional Gaussian noise: scale must be a finite number > 0, got ${scale}`,
    });
  }
});

Deno.test("fractionalGaussianNoiseAxes() throws when dim or std is out of range", () => {
  for (const dim of [0, 1.5]) {
    throws(() => fractionalGaussianNoiseAxes(10, 0.3, dim, createRng(1)), {
      name: "RangeError",
      message: `Cannot sample fractional Gaussian noise: dim must be an integer >= 1, got ${dim}`,
    });
  }
  for (const std of [-1, NaN]) {
    throws(() => fractionalGaussianNoiseAxes(10, 0.3, 2, createRng(1), { std }), {
      name: "RangeError",
      message:
        `Cannot sample fractional Gaussian noise: std must be a finite number >= 0, got ${std}`,
    });
  }
});

Deno.test("displacementsFbm() throws when alpha, k, length or dt is out of range", () => {
  for (const alpha of [0, 2, -0.5, NaN]) {
    throws(() => displacementsFbm(alpha, 1, 10, createRng(1)), {
      name: "RangeError",
      message: `Cannot sample FBM displacements: alpha must be in (0, 2), got ${alpha}; ` +
        "FBM needs Hurst exponent alpha / 2 in (0, 1)",
    });
  }
  for (const k of [-1, Infinity]) {
    throws(() => displacementsFbm(1, k, 10, createRng(1)), {
      name: "RangeError",
      message: `Cannot sample FBM displacements: k must be a finite number >= 0, got ${k}`,
    });
  }
  throws(() => displacementsFbm(1, 1, 0, createRng(1)), {
    name: "RangeError",
    message: "Cannot sample FBM displacements: length must be an integer >= 1, got 0",
  });
  throws(() => displacementsFbm(1, 1, 10, createRng(1), 0), {
    name: "RangeError",
    message: "Cannot sample FBM displacements: dt must be a finite number > 0, got 0",
  });
});
