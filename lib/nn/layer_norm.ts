/**
 * Layer normalisation over the last axis (PyTorch `nn.LayerNorm(d)`, biased variance) as one
 * TF.js op whose forward and closed-form backward are single passes over the rows.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/** Options for {@linkcode layerNorm}. */
export interface LayerNormOptions {
  /** Added to the variance before the square root. @default {1e-5} */
  epsilon?: number;
}

/**
 * gamma (x - mean) / sqrt(var + epsilon) + beta, with mean and (biased) variance taken over
 * the last axis of each row (bimamba.md §5.2).
 *
 * @param x Inputs, float32, shape (..., d).
 * @param gamma Scale, shape (d).
 * @param beta Shift, shape (d).
 * @returns The normalised inputs, shape of `x`; differentiable with respect to all three.
 * @throws {TypeError} when gamma or beta is not of shape (d).
 * @throws {RangeError} when epsilon is negative.
 * @example Each row gets mean 0 and variance 1
 * ```ts
 * import { ok } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { layerNorm } from "./layer_norm.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const y = layerNorm(tf.tensor2d([[1, 3]]), tf.ones([2]), tf.zeros([2]), { epsilon: 0 });
 * const [a, b] = y.dataSync();
 * ok(Math.abs(a + 1) < 1e-6 && Math.abs(b - 1) < 1e-6);
 * ```
 */
export function layerNorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  options: LayerNormOptions = {},
): tf.Tensor {
  const { epsilon = 1e-5 } = options;
  const d = x.shape[x.rank - 1] as number;
  for (const [name, t] of [["gamma", gamma], ["beta", beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== d) {
      throw new TypeError(
        `Cannot apply layer normalisation: ${name} must have shape [${d}] for x [${x.shape}], ` +
          `got [${t.shape}]`,
      );
    }
  }
  if (!(epsilon >= 0)) {
    throw new RangeError(
      `Cannot apply layer normalisation: epsilon must be >= 0, got ${epsilon}`,
    );
  }
  const op = tf.customGrad((input, g, b, save) => {
    (save as tf.GradSaveFunc)([input as tf.Tensor, g as tf.Tensor]);
    const xs = (input as tf.Tensor).dataSync() as Float32Array;
    const gs = (g as tf.Tensor).dataSync() as Float32Array;
    const bs = (b as tf.Tensor).dataSync() as Float32Array;
    const y = new Float32Array(xs.length);
    for (let offset = 0; offset < xs.length; offset += d) {
      const [mean, inverseStd] = rowStatistics(xs, offset, d, epsilon);
      for (let j = 0; j < d; j++) {
        y[offset + j] = (xs[offset + j] - mean) * inverseStd * gs[j] + bs[j];
      }
    }
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedX, savedGamma] = saved.map((t) => t.dataSync() as Float32Array);
      const dys = dy.dataSync() as Float32Array;
      const dx = new Float32Array(xs.length);
      const dGamma = new Float64Array(d);
      const dBeta = new Float64Array(d);
      for (let offset = 0; offset < xs.length; offset += d) {
        const [mean, inverseStd] = rowStatistics(savedX, offset, d, epsilon);
        // dx = inverseStd (g - mean(g) - xhat mean(g xhat)) with g = dy * gamma.
        let sumG = 0;
        let sumGX = 0;
        for (let j = 0; j < d; j++) {
          const xhat = (savedX[offset + j] - mean) * inverseStd;
          const gj = dys[offset + j] * savedGamma[j];
          sumG += gj;
          sumGX += gj * xhat;
          dGamma[j] += dys[offset + j] * xhat;
          dBeta[j] += dys[offset + j];
        }
        const meanG = sumG / d;
        const meanGX = sumGX / d;
        for (let j = 0; j < d; j++) {
          const xhat = (savedX[offset + j] - mean) * inverseStd;
          dx[offset + j] = inverseStd * (dys[offset + j] * savedGamma[j] - meanG - xhat * meanGX);
        }
      }
      return [
        tf.tensor(dx, x.shape),
        tf.tensor1d(Float32Array.from(dGamma)),
        tf.tensor1d(Float32Array.from(dBeta)),
      ];
    };
    return { value: tf.tensor(y, x.shape), gradFunc };
  });
  return op(x, gamma, beta);
}

/** Mean and 1 / sqrt(biased variance + epsilon) of one row, in float64. */
function rowStatistics(
  values: Float32Array,
  offset: number,
  d: number,
  epsilon: number,
): [number, number] {
  let sum = 0;
  for (let j = 0; j < d; j++) sum += values[offset + j];
  const mean = sum / d;
  let squares = 0;
  for (let j = 0; j < d; j++) {
    const centred = values[offset + j] - mean;
    squares += centred * centred;
  }
  return [mean, 1 / Math.sqrt(squares / d + epsilon)];
}
