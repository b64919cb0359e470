/**
 * The training losses of the Bi-Mamba AnDi-2 network (bimamba.md §6): class-weighted cross
 * entropy of the segmentation, mean absolute error of alpha, mean squared log error of K, and
 * their unweighted sum.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/**
 * Cross entropy with per-batch class weights (§6): class 0 (padding) has weight 0 and class
 * k >= 1 has n / ((C - 1) n_k), n_k the number of positions of class k in this batch and n
 * the number of non-padding positions (for C = 3: n / (2 n_k), the reference code's
 * weights, with n_1 and n_2 counted explicitly); the reduction is the weighted mean
 * sum(w_y nll) / sum(w_y), as PyTorch's weighted `CrossEntropyLoss`.
 *
 * @param logits Scores, float32, shape (B, L, C) (no softmax).
 * @param targets Classes in 0..C-1, shape (B, L).
 * @returns The loss, a scalar (0 when every position is padding).
 * @throws {TypeError} when the shapes disagree.
 * @throws {RangeError} when a target is not an integer in 0..C-1.
 * @example Two classes balanced by the weights
 * ```ts
 * import { ok } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { weightedCrossEntropy } from "./bimamba_loss.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const logits = tf.zeros([1, 3, 3]); // uniform: every nll is ln 3
 * const loss = weightedCrossEntropy(logits, tf.tensor2d([[1, 1, 2]]));
 * ok(Math.abs(loss.dataSync()[0] - Math.log(3)) < 1e-6);
 * ```
 */
export function weightedCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  const classes = logits.shape[logits.rank - 1] as number;
  if (logits.rank !== 3 || !tf.util.arraysEqual(targets.shape, logits.shape.slice(0, 2))) {
    throw new TypeError(
      `Cannot compute the weighted cross entropy: logits must be (B, L, C) and targets ` +
        `(B, L), got logits [${logits.shape}] and targets [${targets.shape}]`,
    );
  }
  const labels = targets.dataSync();
  const counts = new Float64Array(classes);
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(
        `Cannot compute the weighted cross entropy: targets must be integers in ` +
          `0..${classes - 1}, got ${label}`,
      );
    }
    counts[label] += 1;
  }
  const valid = labels.length - counts[0];
  const classWeights = Array.from(
    counts,
    (n, k) => (k === 0 || n === 0 ? 0 : valid / ((classes - 1) * n)),
  );
  const weights = new Float32Array(labels.length * classes);
  let total = 0;
  labels.forEach((label, i) => {
    weights[i * classes + label] = classWeights[label];
    total += classWeights[label];
  });
  return tf.tidy(() => {
    const weighted = tf.sum(tf.mul(tf.logSoftmax(logits), tf.tensor(weights, logits.shape)));
    return tf.mul(weighted, total === 0 ? 0 : -1 / total) as tf.Scalar;
  });
}

function checkPair(loss: string, prediction: tf.Tensor, target: tf.Tensor): void {
  if (!tf.util.arraysEqual(prediction.shape, target.shape)) {
    throw new TypeError(
      `Cannot compute the ${loss}: prediction and target shapes differ, got ` +
        `[${prediction.shape}] and [${target.shape}]`,
    );
  }
}

/**
 * Mean absolute error of the anomalous exponents over all entries (§6).
 *
 * @param prediction alpha, shape (B, 2).
 * @param target True alpha, shape (B, 2).
 * @throws {TypeError} when the shapes differ.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { alphaMae } from "./bimamba_loss.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * equal(alphaMae(tf.tensor2d([[1, 0.5]]), tf.tensor2d([[0.5, 1]])).dataSync()[0], 0.5);
 * ```
 */
export function alphaMae(prediction: tf.Tensor, target: tf.Tensor): tf.Scalar {
  checkPair("alpha MAE", prediction, target);
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(prediction, target))) as tf.Scalar);
}

/**
 * Mean squared log error of the diffusion coefficients, mean over entries of
 * (ln(1 + K_pred) - ln(1 + K_true))^2 (§6).
 *
 * @param prediction K, shape (B, 2), >= 0.
 * @param target True K, shape (B, 2), >= 0.
 * @throws {TypeError} when the shapes differ.
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { kMsle } from "./bimamba_loss.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const loss = kMsle(tf.tensor2d([[Math.E - 1, 0]]), tf.tensor2d([[0, 0]]));
 * ok(Math.abs(loss.dataSync()[0] - 0.5) < 1e-6);
 * ```
 */
export function kMsle(prediction: tf.Tensor, target: tf.Tensor): tf.Scalar {
  checkPair("K MSLE", prediction, target);
  return tf.tidy(() =>
    tf.mean(tf.square(tf.sub(tf.log1p(prediction), tf.log1p(target)))) as tf.Scalar
  );
}

/** Network outputs the loss needs (those of `biMambaForward`). */
export interface BiMambaPrediction {
  /** Segmentation logits, (B, L, C). */
  logits: tf.Tensor;
  /** alpha per regime, (B, 2). */
  alpha: tf.Tensor;
  /** K per regime, (B, 2). */
  k: tf.Tensor;
}

/** Targets of one batch (bimamba.md §4). */
export interface BiMambaTargets {
  /** Per-displacement class (0 padding, 1 first regime, 2 second), (B, L). */
  segmentation: tf.Tensor;
  /** alpha per regime, (B, 2). */
  alpha: tf.Tensor;
  /** K per regime, (B, 2). */
  k: tf.Tensor;
}

/** The three losses of §6 and their sum. */
export interface BiMambaLossTerms {
  /** crossEntropy + alphaMae + kMsle, the quantity trained on. */
  total: tf.Scalar;
  crossEntropy: tf.Scalar;
  alphaMae: tf.Scalar;
  kMsle: tf.Scalar;
}

/**
 * The Bi-Mamba training loss (§6): weighted cross entropy + alpha MAE + K MSLE, unweighted,
 * with each term returned for logging. Differentiate `total`.
 *
 * @throws {TypeError} or {RangeError} as the three terms do.
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { biMambaLoss } from "./bimamba_loss.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const terms = biMambaLoss(
 *   { logits: tf.zeros([1, 2, 3]), alpha: tf.ones([1, 2]), k: tf.zeros([1, 2]) },
 *   { segmentation: tf.tensor2d([[1, 2]]), alpha: tf.ones([1, 2]), k: tf.zeros([1, 2]) },
 * );
 * ok(Math.abs(terms.total.dataSync()[0] - Math.log(3)) < 1e-6);
 * ```
 */
export function biMambaLoss(
  prediction: BiMambaPrediction,
  targets: BiMambaTargets,
): BiMambaLossTerms {
  const crossEntropy = weightedCrossEntropy(prediction.logits, targets.segmentation);
  const alpha = alphaMae(prediction.alpha, targets.alpha);
  const k = kMsle(prediction.k, targets.k);
  return { total: tf.add(tf.add(crossEntropy, alpha), k), crossEntropy, alphaMae: alpha, kMsle: k };
}
