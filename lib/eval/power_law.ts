/**
 * Fitting MSD(t) = 2 dim K t^alpha on log-log axes: log MSD = log(2 dim K) + alpha log t.
 *
 * @module
 */

/** A fitted power law. */
export interface PowerLaw {
  /** Anomalous exponent. */
  alpha: number;
  /** Generalised diffusion coefficient (length^2 / frame^alpha). */
  k: number;
}

/**
 * Least-squares line through (log t, log MSD): the closed-form fit.
 *
 * @param lags lag times (frames), > 0
 * @param msd MSD values, > 0
 * @param dim spatial dimensions (the prefactor is 2 dim K)
 * @throws {RangeError} when the arrays differ in length, hold fewer than 2 points, or a value <= 0
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { fitPowerLawLeastSquares } from "./power_law.ts";
 * const lags = [1, 2, 4, 8];
 * const fit = fitPowerLawLeastSquares(lags, lags.map((t) => 4 * 0.5 * t ** 0.7), 2);
 * ok(Math.abs(fit.alpha - 0.7) < 1e-12 && Math.abs(fit.k - 0.5) < 1e-12);
 * ```
 */
export function fitPowerLawLeastSquares(
  lags: ArrayLike<number>,
  msd: ArrayLike<number>,
  dim: number,
): PowerLaw {
  const { x, y } = logPoints(lags, msd);
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const alpha = sxy / sxx;
  return { alpha, k: Math.exp(my - alpha * mx) / (2 * dim) };
}

/** Options of {@linkcode fitPowerLawAdam}. */
export interface AdamFitOptions {
  /** Passes over the points. @default {200} */
  epochs?: number;
  /** Adam step size. @default {0.05} */
  learningRate?: number;
  /** Called after each epoch with the mean squared log residual. */
  onEpoch?: (epoch: number, loss: number, fit: PowerLaw) => void;
}

/**
 * Fits the same line by Adam on the mean squared log residual: the iterative route a learned
 * model takes, converging to {@linkcode fitPowerLawLeastSquares}.
 *
 * @throws {RangeError} as {@linkcode fitPowerLawLeastSquares}
 */
export function fitPowerLawAdam(
  lags: ArrayLike<number>,
  msd: ArrayLike<number>,
  dim: number,
  options: AdamFitOptions = {},
): PowerLaw {
  const { epochs = 200, learningRate = 0.05, onEpoch } = options;
  const { x, y } = logPoints(lags, msd);
  const n = x.length;
  const theta = [0, 1]; // intercept log(2 dim K), slope alpha
  const m = [0, 0];
  const v = [0, 0];
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const gradient = [0, 0];
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const residual = theta[0] + theta[1] * x[i] - y[i];
      loss += residual * residual / n;
      gradient[0] += 2 * residual / n;
      gradient[1] += 2 * residual * x[i] / n;
    }
    for (let j = 0; j < 2; j++) {
      m[j] = beta1 * m[j] + (1 - beta1) * gradient[j];
      v[j] = beta2 * v[j] + (1 - beta2) * gradient[j] ** 2;
      const mHat = m[j] / (1 - beta1 ** epoch);
      const vHat = v[j] / (1 - beta2 ** epoch);
      theta[j] -= learningRate * mHat / (Math.sqrt(vHat) + eps);
    }
    onEpoch?.(epoch, loss, { alpha: theta[1], k: Math.exp(theta[0]) / (2 * dim) });
  }
  return { alpha: theta[1], k: Math.exp(theta[0]) / (2 * dim) };
}

function logPoints(lags: ArrayLike<number>, msd: ArrayLike<number>): { x: number[]; y: number[] } {
  if (lags.length !== msd.length || lags.length < 2) {
    throw new RangeError(
      `Cannot fit power law: need equally many lags and MSD values (>= 2), got ${lags.length} and ${msd.length}`,
    );
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < lags.length; i++) {
    if (!(lags[i] > 0) || !(msd[i] > 0)) {
      throw new RangeError(
        `Cannot fit power law: lags and MSD must be > 0, got lag ${lags[i]} with MSD ${
          msd[i]
        } at index ${i}`,
      );
    }
    x.push(Math.log(lags[i]));
    y.push(Math.log(msd[i]));
  }
  return { x, y };
}
