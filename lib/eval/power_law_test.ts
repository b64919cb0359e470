import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { fitPowerLawAdam, fitPowerLawLeastSquares, type PowerLaw } from "./power_law.ts";

const LAGS = Array.from({ length: 20 }, (_, i) => i + 1);

/** MSD = 2 dim K t^alpha, optionally times log-normal noise of the given spread (fixed seed). */
function powerLaw(alpha: number, k: number, dim: number, noise = 0, seed = 1): number[] {
  const rng = createRng(seed);
  return LAGS.map((t) => 2 * dim * k * t ** alpha * Math.exp(noise * rng.normal()));
}

function close(actual: number, expected: number, tolerance: number, what: string): void {
  ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );
}

Deno.test("fitPowerLawLeastSquares() recovers alpha and k exactly from noiseless data", () => {
  // The log-log line is fitted in closed form; only rounding separates it from the truth, so
  // 1e-12 is far above the error (about 1e-15 relative) and far below any real mistake.
  for (
    const [alpha, k, dim] of [[0.7, 0.5, 2], [1, 1, 1], [1.3, 0.02, 3], [0.25, 12, 2]]
  ) {
    const fit = fitPowerLawLeastSquares(LAGS, powerLaw(alpha, k, dim), dim);
    close(fit.alpha, alpha, 1e-12, `alpha (dim ${dim})`);
    close(fit.k, k, 1e-12 * Math.max(1, k), `k (dim ${dim})`);
  }
});

Deno.test("fitPowerLawLeastSquares() uses the prefactor 2 dim K", () => {
  const msd = powerLaw(0.8, 0.5, 2);
  // The same points read as 1-D data need twice the K (2 * 1 * K' = 2 * 2 * 0.5).
  close(fitPowerLawLeastSquares(LAGS, msd, 1).k, 1, 1e-12, "k in 1-D");
  close(fitPowerLawLeastSquares(LAGS, msd, 4).k, 0.25, 1e-12, "k in 4-D");
});

Deno.test("fitPowerLawLeastSquares() fits two points exactly and accepts typed arrays", () => {
  // Through (1, 4) and (4, 16) on log-log axes: slope log(4) / log(4) = 1, intercept 4 = 2 * 2 * K.
  const fit = fitPowerLawLeastSquares(new Float64Array([1, 4]), new Float64Array([4, 16]), 2);
  close(fit.alpha, 1, 1e-15, "alpha");
  close(fit.k, 1, 1e-15, "k");
});

Deno.test("fitPowerLawAdam() converges to the least-squares answer within 1e-3 on noisy data (500 epochs, seed 7)", () => {
  const msd = powerLaw(0.6, 0.3, 2, 0.1, 7);
  const exact = fitPowerLawLeastSquares(LAGS, msd, 2);
  const fit = fitPowerLawAdam(LAGS, msd, 2, { epochs: 500 });
  // Both minimise the same convex mean squared log residual; 500 Adam steps of 0.05 from
  // (intercept 0, alpha 1) get well inside 1e-3 of the closed-form minimum.
  close(fit.alpha, exact.alpha, 1e-3, "alpha");
  close(fit.k, exact.k, 1e-3, "k");
});

Deno.test("fitPowerLawAdam() converges on noiseless data with default options to within 1e-3 of the truth", () => {
  const fit = fitPowerLawAdam(LAGS, powerLaw(0.7, 0.5, 2), 2);
  close(fit.alpha, 0.7, 1e-3, "alpha");
  close(fit.k, 0.5, 1e-3, "k");
});

Deno.test("fitPowerLawAdam() reports a loss that decreases overall and calls onEpoch once per epoch", () => {
  const msd = powerLaw(1.2, 0.1, 2, 0.05, 8);
  const epochs: number[] = [];
  const losses: number[] = [];
  const fits: PowerLaw[] = [];
  const result = fitPowerLawAdam(LAGS, msd, 2, {
    epochs: 300,
    learningRate: 0.02,
    onEpoch: (epoch, loss, fit) => {
      epochs.push(epoch);
      losses.push(loss);
      fits.push(fit);
    },
  });
  equal(epochs.length, 300);
  deepEqual(epochs, Array.from({ length: 300 }, (_, i) => i + 1));
  ok(losses.every((loss) => Number.isFinite(loss) && loss >= 0), "losses are finite and >= 0");
  ok(losses.at(-1)! < losses[0], `last loss ${losses.at(-1)} < first ${losses[0]}`);
  // The final loss cannot go below the least-squares minimum.
  const exact = fitPowerLawLeastSquares(LAGS, msd, 2);
  const minimum = LAGS.reduce(
    (sum, t, i) =>
      sum + (Math.log(4 * exact.k) + exact.alpha * Math.log(t) - Math.log(msd[i])) ** 2 / 20,
    0,
  );
  ok(losses.at(-1)! >= minimum - 1e-12, `last loss ${losses.at(-1)} >= minimum ${minimum}`);
  // The fit passed after the last epoch is the one returned.
  deepEqual(fits.at(-1), result);
});

Deno.test("fitPowerLawAdam() with 0 epochs returns the start (alpha 1, intercept 0) without calling onEpoch", () => {
  let calls = 0;
  const fit = fitPowerLawAdam(LAGS, powerLaw(0.5, 2, 2), 2, { epochs: 0, onEpoch: () => calls++ });
  equal(calls, 0);
  deepEqual(fit, { alpha: 1, k: 1 / 4 });
});

Deno.test("fitPowerLawLeastSquares() and fitPowerLawAdam() throw when the arrays differ in length or hold < 2 points", () => {
  for (const fit of [fitPowerLawLeastSquares, fitPowerLawAdam]) {
    throws(() => fit([1, 2, 3], [1, 2], 2), {
      name: "RangeError",
      message: "Cannot fit power law: need equally many lags and MSD values (>= 2), got 3 and 2",
    });
    throws(() => fit([1], [1], 2), {
      name: "RangeError",
      message: "Cannot fit power law: need equally many lags and MSD values (>= 2), got 1 and 1",
    });
  }
});

Deno.test("fitPowerLawLeastSquares() and fitPowerLawAdam() throw when a lag or MSD value is <= 0 or NaN", () => {
  const cases: [number[], number[], string][] = [
    [[0, 1, 2], [1, 2, 3], "got lag 0 with MSD 1 at index 0"],
    [[1, 2, 3], [1, -2, 3], "got lag 2 with MSD -2 at index 1"],
    [[1, 2, 3], [1, 2, NaN], "got lag 3 with MSD NaN at index 2"],
    [[1, 2, 3], [1, 2, 0], "got lag 3 with MSD 0 at index 2"],
  ];
  for (const fit of [fitPowerLawLeastSquares, fitPowerLawAdam]) {
    for (const [lags, msd, detail] of cases) {
      throws(() => fit(lags, msd, 2), {
        name: "RangeError",
        message: `Cannot fit power law: lags and MSD must be > 0, ${detail}`,
      });
    }
  }
});
