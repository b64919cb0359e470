import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { annealedTransientTimeModel } from "./attm.ts";
import { normalizeDisplacements } from "./normalize.ts";
import {
  assertExponentMatchesReference,
  assertMedianMatchesReference,
  assertSameBytesPerSeed,
  dkwBound,
  ensembleMsdExponent,
  kolmogorovDistance,
  mean,
  standardErrorOfMean,
  timeAveragedMsdExponent,
} from "./_testing.ts";

/**
 * E[V^p 1{low < V <= high}] for the segment level V = D^sigma ~ U(0.01, 0.9]
 * (andi-models.md §2.1), in closed form.
 */
function levelMoment(p: number, low = 0.01, high = 0.9): number {
  return (high ** (p + 1) - low ** (p + 1)) / (0.89 * (p + 1));
}

/**
 * Mean of f(sigma) for sigma with density proportional to weight(sigma) on [low, high],
 * by Simpson's rule on 4000 intervals (the integrands are smooth; error far below 1e-6).
 */
function averageOverSigma(
  low: number,
  high: number,
  f: (sigma: number) => number,
  weight: (sigma: number) => number = () => 1,
): number {
  const intervals = 4000;
  const h = (high - low) / intervals;
  let total = 0;
  let mass = 0;
  for (let i = 0; i <= intervals; i++) {
    const sigma = low + i * h;
    const simpson = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2;
    total += simpson * weight(sigma) * f(sigma);
    mass += simpson * weight(sigma);
  }
  return total / mass;
}

/** Regime-1 sigma range: U(0.03, min(3.3, alpha / (1 - alpha))). */
function regimeOneSigmaRange(alpha: number): [number, number] {
  return [0.03, Math.min(3.3, alpha / (1 - alpha))];
}

/**
 * Asserts a sample is standard Cauchy: Kolmogorov distance within the DKW bound at 1e-4
 * ({@linkcode dkwBound}).
 */
function checkStandardCauchy(name: string, ratios: number[]): void {
  const distance = kolmogorovDistance(ratios, (r) => 0.5 + Math.atan(r) / Math.PI);
  const bound = dkwBound(ratios.length);
  ok(
    distance < bound,
    `${name}: KS distance ${distance} to Cauchy(0, 1), bound ${bound} (n = ${ratios.length})`,
  );
}

Deno.test("annealedTransientTimeModel() has 2-D MSD 4 E[D] at frame 1 with D^sigma ~ U(0.01, 0.9], within 4 standard errors (regimes 1, 2, 0; n = 20000, seed 21)", () => {
  // Frame 1 always lies in the first segment, so |x_1|^2 = 2 D chi^2_2: mean 4 E[D], variance
  // 32 E[D^2] - 16 E[D]^2, with E[D^q] = E_sigma[E[V^(q / sigma)]] integrated over the sigma law.
  // Regime 0 keeps the reference's (sigma, gamma) only when gamma >= 0 (module doc), which
  // weights sigma ~ 3 U(0, 1) by P(gamma >= 0 | sigma) = sigma / (sigma + 5).
  const cases: {
    alpha: number;
    regime: 0 | 1 | 2;
    range: [number, number];
    weight?: (sigma: number) => number;
  }[] = [
    { alpha: 0.3, regime: 1, range: regimeOneSigmaRange(0.3) },
    { alpha: 0.9, regime: 1, range: regimeOneSigmaRange(0.9) },
    { alpha: 0.6, regime: 2, range: [0.01, 1 / (1 - 0.6) - 1] },
    { alpha: 1, regime: 0, range: [0, 3], weight: (sigma) => sigma / (sigma + 5) },
  ];
  const rng = createRng(21);
  const count = 20000;
  for (const { alpha, regime, range, weight } of cases) {
    const squares = new Float64Array(count);
    for (let n = 0; n < count; n++) {
      const positions = annealedTransientTimeModel(2, alpha, rng, { regime });
      squares[n] = positions[2] ** 2 + positions[3] ** 2;
    }
    const meanD = averageOverSigma(...range, (s) => s === 0 ? 0 : levelMoment(1 / s), weight);
    const meanD2 = averageOverSigma(...range, (s) => s === 0 ? 0 : levelMoment(2 / s), weight);
    const tolerance = 4 * Math.sqrt((32 * meanD2 - 16 * meanD ** 2) / count);
    ok(
      Math.abs(mean(squares) - 4 * meanD) < tolerance,
      `regime ${regime}, alpha ${alpha}: MSD(1) ${mean(squares)} vs ${4 * meanD} ± ${tolerance}`,
    );
  }
});

Deno.test("annealedTransientTimeModel() puts steps 1 and 2 in one segment iff tau = (D^sigma)^(-1/alpha) >= 2: E[x_1^2 x_2^2] and E[x_1^2 y_2^2] within 4 standard errors (n = 40000, seed 22)", () => {
  // Steps 1 and 2 share D_1 iff floor(tau_1) >= 2, i.e. V_1 = D_1^sigma <= c = 2^(-alpha);
  // otherwise step 2 opens segment 2 with an independent D_2 (same sigma). So
  // E[x_1^2 x_2^2] = 4 E_sigma[E[V^(2/sigma) 1{V <= c}] + E[V^(1/sigma) 1{V > c}] E[V^(1/sigma)]],
  // and the same for y at step 2, since x and y share segments. Had every pair shared a segment
  // (e.g. ceil instead of floor) the value would be 4 E[D^2]: 0.181 instead of 0.109 at
  // alpha 0.3 and 1.456 instead of 1.191 at 0.9, 12 to 19 standard errors away at this n.
  const rng = createRng(22);
  const count = 40000;
  for (const alpha of [0.3, 0.9]) {
    const c = Math.min(2 ** -alpha, 0.9);
    const expected = 4 * averageOverSigma(
      ...regimeOneSigmaRange(alpha),
      (s) => levelMoment(2 / s, 0.01, c) + levelMoment(1 / s, c) * levelMoment(1 / s),
    );
    const sameAxis = new Float64Array(count);
    const crossAxis = new Float64Array(count);
    for (let n = 0; n < count; n++) {
      const positions = annealedTransientTimeModel(3, alpha, rng);
      const x1 = positions[2];
      sameAxis[n] = x1 ** 2 * (positions[4] - x1) ** 2;
      crossAxis[n] = x1 ** 2 * (positions[5] - positions[3]) ** 2;
    }
    for (
      const [name, products] of [["x_1^2 x_2^2", sameAxis], ["x_1^2 y_2^2", crossAxis]] as const
    ) {
      const tolerance = 4 * standardErrorOfMean(products);
      ok(
        Math.abs(mean(products) - expected) < tolerance,
        `alpha ${alpha}: E[${name}] ${mean(products)} vs ${expected} ± ${tolerance}`,
      );
    }
  }
});

Deno.test("annealedTransientTimeModel() gives x and y the same D: x_1 / y_1 is standard Cauchy (KS, DKW bound at 1e-4; n = 20000, seed 23)", () => {
  // x_1 / y_1 = Z_x / Z_y whatever D is if the axes share it; with separate D the ratio would be
  // Cauchy scaled by sqrt(D_x / D_y). Frame 1 is used because its step is exact (x_0 = 0).
  const rng = createRng(23);
  const ratios: number[] = [];
  for (let n = 0; n < 20000; n++) {
    const positions = annealedTransientTimeModel(2, 0.5, rng);
    ratios.push(positions[2] / positions[3]);
  }
  checkStandardCauchy("x_1 / y_1", ratios);
});

Deno.test("annealedTransientTimeModel() takes i.i.d. Gaussian steps within a segment: step ratios in the first 8 frames are standard Cauchy at alpha 0.05 (KS; n = 5000, seed 24)", () => {
  // At alpha = 0.05 every segment lasts floor(V^(-20)) >= floor(0.9^(-20)) = 8 frames, so steps
  // 1..8 share D_1 and the ratios step_2 / step_1, step_4 / step_3, ... are i.i.d. Cauchy(0, 1).
  const rng = createRng(24);
  const ratios: number[] = [];
  for (let n = 0; n < 5000; n++) {
    const positions = annealedTransientTimeModel(9, 0.05, rng, { dim: 1 });
    for (let t = 1; t < 9; t += 2) {
      ratios.push((positions[t + 1] - positions[t]) / (positions[t] - positions[t - 1]));
    }
  }
  checkStandardCauchy("step ratios", ratios);
});

Deno.test("annealedTransientTimeModel() matches the reference ensemble-MSD exponents 0.45, 0.73, 0.91 for alpha 0.3, 0.6, 0.9 (1-D, T = 1000, n = 3000, seed 25)", () => {
  // andi-models.md §7 row 4: raw 1-D trajectories, lags 10..999, 3000 trajectories. Both
  // estimates carry sampling error; the reference's standard error is taken equal to ours
  // (same estimator, law and n). Allowed: 4 combined standard errors plus 0.005 for rounding.
  const rng = createRng(25);
  const references: [number, number][] = [[0.3, 0.45], [0.6, 0.73], [0.9, 0.91]];
  for (const [alpha, reference] of references) {
    const estimate = ensembleMsdExponent(
      () => annealedTransientTimeModel(1000, alpha, rng, { dim: 1 }),
      3000,
    );
    assertExponentMatchesReference(`alpha ${alpha}`, estimate, reference);
  }
});

Deno.test("annealedTransientTimeModel() has median time-averaged MSD exponent near 1 (reference 0.93) whatever alpha: weak ergodicity breaking (2-D, T = 200, n = 1000, seed 26)", () => {
  // andi-models.md §7 row 18: normalised 2-D SubATTM, alpha ~ U(0.1, 0.9), lags 1..20, median
  // of 250 per-trajectory slopes = 0.93. A sample median has standard error 1 / (2 f sqrt(n));
  // 1 / f is estimated from our sample as (q(0.6) - q(0.4)) / 0.2. Allowed: 4 combined standard
  // errors (ours with n = 1000, the reference's with n = 250) plus 0.005 for the rounding.
  const rng = createRng(26);
  const slopes: number[] = [];
  for (let n = 0; n < 1000; n++) {
    const positions = annealedTransientTimeModel(200, rng.uniformRange(0.1, 0.9), rng);
    normalizeDisplacements(positions, 2);
    slopes.push(timeAveragedMsdExponent(positions, 2, 20));
  }
  assertMedianMatchesReference(slopes, 0.93, 250);
});

Deno.test("annealedTransientTimeModel() returns length * dim finite values starting at the origin in every regime, defaulting to dim 2 and regime 1", () => {
  const rng = createRng(27);
  const cases: [number, 0 | 1 | 2][] = [[0.05, 1], [0.5, 1], [1, 1], [0.02, 2], [0.5, 2], [1, 0]];
  for (const dim of [1, 2]) {
    for (const [alpha, regime] of cases) {
      for (let n = 0; n < 20; n++) {
        const positions = annealedTransientTimeModel(300, alpha, rng, { dim, regime });
        ok(positions instanceof Float64Array);
        equal(positions.length, 300 * dim);
        ok(positions.subarray(0, dim).every((x) => x === 0), `dim ${dim}: starts at 0`);
        ok(
          positions.every(Number.isFinite),
          `dim ${dim}, alpha ${alpha}, regime ${regime}: finite`,
        );
      }
    }
  }
  deepEqual(
    annealedTransientTimeModel(100, 0.5, createRng(28)),
    annealedTransientTimeModel(100, 0.5, createRng(28), { dim: 2, regime: 1 }),
  );
  deepEqual([...annealedTransientTimeModel(1, 0.5, createRng(28))], [0, 0]);
});

Deno.test("annealedTransientTimeModel() gives the same bytes for the same seed and different ones for another", () => {
  assertSameBytesPerSeed((seed) => annealedTransientTimeModel(1000, 0.4, createRng(seed)));
});

Deno.test("annealedTransientTimeModel() throws when length is not an integer >= 1", () => {
  for (const length of [0, -2, 3.5, NaN]) {
    throws(() => annealedTransientTimeModel(length, 0.5, createRng(1)), {
      name: "RangeError",
      message: `Cannot simulate ATTM: length must be an integer >= 1, got ${length}`,
    });
  }
});

Deno.test("annealedTransientTimeModel() throws when dim is not 1 or 2", () => {
  for (const dim of [0, 3, 2.5]) {
    throws(() => annealedTransientTimeModel(10, 0.5, createRng(1), { dim }), {
      name: "RangeError",
      message: `Cannot simulate ATTM: dim must be 1 or 2, got ${dim}`,
    });
  }
});

Deno.test("annealedTransientTimeModel() throws when regime is not 0, 1 or 2", () => {
  for (const regime of [3, -1, 1.5]) {
    throws(() => annealedTransientTimeModel(10, 0.5, createRng(1), { regime: regime as 0 }), {
      name: "RangeError",
      message: `Cannot simulate ATTM: regime must be 0, 1 or 2, got ${regime}`,
    });
  }
});

Deno.test("annealedTransientTimeModel() throws when alpha is outside (3/103, 1] in regime 1", () => {
  for (const alpha of [0.029, 0, -0.5, 1.01, NaN]) {
    throws(() => annealedTransientTimeModel(10, alpha, createRng(1)), {
      name: "RangeError",
      message: `Cannot simulate ATTM: alpha must be in (3/103, 1] for regime 1, got ${alpha}; ` +
        "below 3/103 no sigma in [0.03, 3.3) satisfies sigma <= alpha / (1 - alpha)",
    });
  }
});

Deno.test("annealedTransientTimeModel() throws when alpha is outside (1/101, 1) in regime 2", () => {
  for (const alpha of [0.009, 1, 1.2, NaN]) {
    throws(() => annealedTransientTimeModel(10, alpha, createRng(1), { regime: 2 }), {
      name: "RangeError",
      message: `Cannot simulate ATTM: alpha must be in (1/101, 1) for regime 2, got ${alpha}; ` +
        "gamma = 1 / (1 - alpha) must exceed 1.01",
    });
  }
});

Deno.test("annealedTransientTimeModel() throws when alpha is not 1 in regime 0", () => {
  for (const alpha of [0.5, 0.999, NaN]) {
    throws(() => annealedTransientTimeModel(10, alpha, createRng(1), { regime: 0 }), {
      name: "RangeError",
      message:
        `Cannot simulate ATTM: alpha must be 1 for regime 0, got ${alpha}; use regime 1 or 2`,
    });
  }
});
