import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng } from "../../rng.ts";
import { kolmogorovDistance } from "../_testing.ts";
import {
  checkParameterDistribution,
  type ParameterDistribution,
  type ParameterKind,
  sampleParameter,
  sampleStateParameters,
} from "./parameters.ts";

/**
 * CDF of N(mean, std^2) truncated to [low, high], by the trapezoid rule on 100,001 points
 * (error far below the KS tolerance). The grid stops 12 standard deviations from the mean
 * (mass beyond: ~1e-33), and densities are scaled by their maximum on the interval so a mean
 * many standard deviations outside it does not underflow.
 */
function truncatedNormalCdf(
  mean: number,
  std: number,
  bound: number,
  upperBound: number,
): (x: number) => number {
  const low = Math.max(bound, mean - 12 * std);
  const high = Math.min(upperBound, mean + 12 * std);
  const points = 100_001;
  const h = (high - low) / (points - 1);
  const z = (x: number) => (x - mean) / std;
  const nearest = Math.min(Math.max(mean, low), high);
  const logDensity = (x: number) => -0.5 * (z(x) ** 2 - z(nearest) ** 2);
  const cdf = new Float64Array(points);
  let previous = Math.exp(logDensity(low));
  for (let i = 1; i < points; i++) {
    const current = Math.exp(logDensity(low + i * h));
    cdf[i] = cdf[i - 1] + 0.5 * h * (previous + current);
    previous = current;
  }
  const total = cdf[points - 1];
  return (x: number) => {
    if (x <= low) return 0;
    if (x >= high) return 1;
    const position = (x - low) / h;
    const i = Math.floor(position);
    const fraction = position - i;
    return (cdf[i] + fraction * (cdf[Math.min(i + 1, points - 1)] - cdf[i])) / total;
  };
}

const cases: [string, ParameterKind, [number, number], [number, number]][] = [
  ["alpha near the upper bound (normal proposals)", "alpha", [1.95, 0.01], [0, 1.999]],
  ["alpha with a wide spread (uniform proposals around the mean)", "alpha", [1, 4], [0, 1.999]],
  ["alpha with a negative mean (exponential tail proposals)", "alpha", [-0.5, 0.01], [0, 1.999]],
  ["alpha with a negative mean, narrow in sd units (uniform tail proposals)", "alpha", [-2, 16], [
    0,
    1.999,
  ]],
  ["alpha with a mean above the bound (mirrored tail)", "alpha", [3, 1], [0, 1.999]],
  ["K far from its bounds (plain normal)", "k", [1, 0.01], [1e-12, 1e6]],
];

for (const [name, kind, [mean, variance], [low, high]] of cases) {
  Deno.test(`sampleParameter() draws ${name} from the truncated normal: KS distance < 1.95 / sqrt(n) (n = 3000, seed 11)`, () => {
    const rng = createRng(11).stream(name.replaceAll("/", " "));
    const sample = Array.from({ length: 3000 }, () => sampleParameter([mean, variance], kind, rng));
    ok(sample.every((x) => x >= low && x <= high), "all draws inside the bounds");
    const cdf = truncatedNormalCdf(mean, Math.sqrt(variance), low, high);
    // 1.95 / sqrt(n) is the asymptotic 0.1 % critical value of the KS statistic.
    const distance = kolmogorovDistance(sample, cdf);
    ok(distance < 1.95 / Math.sqrt(sample.length), `KS distance ${distance}`);
  });
}

Deno.test("sampleParameter() returns a plain number as is and a zero-variance mean as is", () => {
  const rng = createRng(1);
  equal(sampleParameter(2.5, "k", rng), 2.5);
  equal(sampleParameter(0.3, "alpha", rng), 0.3);
  equal(sampleParameter([0.7, 0], "alpha", rng), 0.7);
});

Deno.test("sampleParameter() gives the same values for the same seed", () => {
  const draw = (seed: number) => {
    const rng = createRng(seed);
    return Array.from({ length: 20 }, () => sampleParameter([0.1, 0.5], "alpha", rng));
  };
  deepEqual(draw(3), draw(3));
});

Deno.test("sampleStateParameters() respects epsilonAlpha and gammaK in every draw (n = 500, seed 12)", () => {
  const rng = createRng(12);
  const alphas: ParameterDistribution[] = [[1.2, 0.01], [0.8, 0.01]];
  // Distributions far enough apart that 100 redraws always suffice.
  const slowerKs: ParameterDistribution[] = [[1, 0.01], [0.5, 0.01]];
  const fasterKs: ParameterDistribution[] = [[1, 0.01], [1.5, 0.01]];
  for (let i = 0; i < 500; i++) {
    const slower = sampleStateParameters(alphas, slowerKs, rng, {
      epsilonAlpha: [0.2],
      gammaK: [0.9],
    });
    ok(slower.alphas[0] - slower.alphas[1] >= 0.2, `draw ${i}: alpha gap`);
    ok(slower.ks[1] <= 0.9 * slower.ks[0], `draw ${i}: K_1 <= 0.9 K_0`);
    const faster = sampleStateParameters(alphas, fasterKs, rng, { gammaK: [1.1] });
    ok(faster.ks[1] >= 1.1 * faster.ks[0], `draw ${i}: K_1 >= 1.1 K_0`);
  }
});

Deno.test("sampleStateParameters() without constraints draws each state independently", () => {
  const rng = createRng(13);
  const { alphas, ks } = sampleStateParameters([0.5, [1.2, 0.01], 1.5], [1, 2, [3, 0.01]], rng);
  equal(alphas.length, 3);
  equal(alphas[0], 0.5);
  equal(alphas[2], 1.5);
  equal(ks[1], 2);
  ok(Math.abs(alphas[1] - 1.2) < 0.6 && Math.abs(ks[2] - 3) < 0.6);
});

Deno.test("sampleStateParameters() throws when a constraint cannot be met in 100 draws", () => {
  throws(
    () =>
      sampleStateParameters([[1, 0.01], [1, 0.01]], [1, 1], createRng(1), { epsilonAlpha: [5] }),
    {
      name: "RangeError",
      message:
        /^Cannot sample state parameters: alpha of state 1 missed alpha_0 - alpha_1 >= 5 in 100 draws, got alpha_0 = [0-9.]+; move the alpha distributions apart or lower epsilonAlpha$/,
    },
  );
  throws(
    () => sampleStateParameters([1, 1], [1, [1, 0.0001]], createRng(1), { gammaK: [0.01] }),
    {
      name: "RangeError",
      message:
        /^Cannot sample state parameters: K of state 1 missed the ratio 0.01 to K_0 = 1 in 100 draws; /,
    },
  );
});

Deno.test("checkParameterDistribution() throws when a distribution is malformed or out of range", () => {
  const check = (distribution: unknown, kind: ParameterKind) => () =>
    checkParameterDistribution("simulate", "x", distribution as ParameterDistribution, kind);
  throws(check(2, "alpha"), {
    name: "RangeError",
    message:
      "Cannot simulate: x must be in (0, 2), got 2; FBM needs Hurst exponent alpha / 2 in (0, 1)",
  });
  throws(check(-1, "k"), {
    name: "RangeError",
    message: "Cannot simulate: x must be a finite number >= 0, got -1",
  });
  throws(check([1, 2, 3], "k"), {
    name: "TypeError",
    message: "Cannot simulate: x must be a number or [mean, variance], got an array of length 3",
  });
  throws(check("1", "k"), {
    name: "TypeError",
    message: 'Cannot simulate: x must be a number or [mean, variance], got "1"',
  });
  throws(check([NaN, 1], "k"), {
    name: "RangeError",
    message: "Cannot simulate: x mean must be finite, got NaN",
  });
  throws(check([1, -0.1], "k"), {
    name: "RangeError",
    message: "Cannot simulate: x variance must be a finite number >= 0, got -0.1",
  });
  throws(check([2.5, 0], "alpha"), {
    name: "RangeError",
    message: "Cannot simulate: x with variance 0 must have its mean in (0, 1.999], got 2.5; " +
      "give a variance > 0 to draw from a truncated normal instead",
  });
  throws(check([0, 0], "k"), {
    name: "RangeError",
    message: "Cannot simulate: x with variance 0 must have its mean in [1e-12, 1000000], got 0; " +
      "give a variance > 0 to draw from a truncated normal instead",
  });
  check([-3, 0.5], "alpha")(); // a mean outside the bounds is fine with a spread
  check(0, "k")(); // a plain K of 0 (immobile) is used as is
});
