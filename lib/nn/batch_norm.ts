/**
 * Batch normalisation over every axis but the last (channels last: (B, W, C) or NHWC), as
 * PyTorch's `BatchNorm1d/2d` computes it (resandi.md §4): in training, normalise with the batch
 * mean and the biased variance and move the running statistics towards the batch mean and the
 * UNBIASED variance with momentum 0.1; in evaluation, normalise with the running statistics.
 *
 * Each mode is one `tf.customGrad` op whose forward and closed-form backward are a couple of
 * passes over Float32Arrays. TF.js's own kernels cost 15-40 ns per element and op on the
 * JavaScript cpu backends, and its composed batch-norm gradient runs about twenty of them over
 * every activation: more than the BLAS convolution next to it. What follows batch
 * normalisation in a ResNet can be fused in as well: the ReLU (`relu: true`), and the residual
 * sum before it (`residual`), which saves two to four more full-size kernels per direction.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/** The four variables of one batch-normalisation layer, each of shape (C). */
export interface BatchNormVariables {
  /** Scale, PyTorch's `weight`. */
  gamma: tf.Tensor;
  /** Shift, PyTorch's `bias`. */
  beta: tf.Tensor;
  /** Running mean, PyTorch's `running_mean` (not trainable). */
  runningMean: tf.Variable;
  /** Running variance (unbiased), PyTorch's `running_var` (not trainable). */
  runningVar: tf.Variable;
}

/** Options for {@linkcode batchNormInference}. */
export interface BatchNormInferenceOptions {
  /** Added to the variance before the square root. @default {1e-5} */
  epsilon?: number;
  /** Apply ReLU to the result (after the residual, if any). @default {false} */
  relu?: boolean;
  /** A tensor of x's shape added to the normalised values before the ReLU: a ResNet block's
   * shortcut. Gets its gradient like any input. @default {undefined} */
  residual?: tf.Tensor;
}

/** Options for {@linkcode batchNormTraining}. */
export interface BatchNormTrainingOptions extends BatchNormInferenceOptions {
  /** Weight of the batch statistic in the running average (PyTorch's convention). @default {0.1} */
  momentum?: number;
}

/** Per-channel numbers in float64, one entry per channel. */
type Channels = Float64Array;

/**
 * Training-mode batch normalisation of `x` (channels on the last axis): each channel is
 * normalised with its mean and biased variance over all other axes, scaled by `gamma`, shifted
 * by `beta`, optionally summed with `residual` and passed through ReLU. As a side effect the
 * running statistics are updated as PyTorch does, `running = (1 - momentum) running +
 * momentum batch`, with the unbiased batch variance (divisor N - 1). Differentiable with
 * respect to `x`, `gamma`, `beta` and `residual`: with g = dy masked by the ReLU,
 * dx = gamma / sigma (g - mean(g) - xhat mean(g xhat)), dgamma = sum(g xhat), dbeta = sum(g),
 * dresidual = g.
 *
 * Works on any backend, but reads and writes tensors as Float32Arrays, so it is only fast on
 * the JavaScript cpu backends (`cpu`, `blas`).
 *
 * @param x Activations, float32, rank >= 2, shape (..., C); at least 2 values per channel.
 * @param layer gamma, beta, runningMean, runningVar, each of shape (C).
 * @returns The normalised activations, shape of `x`.
 * @throws {TypeError} when `x` is not float32 of rank >= 2, a variable is not of shape (C), or
 *   the residual's shape differs from x's.
 * @throws {RangeError} when a channel has fewer than 2 values, or momentum/epsilon are out of
 *   range.
 * @example Two channels, four samples each
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { selectBackend } from "./backend.ts";
 * import { batchNormTraining } from "./batch_norm.ts";
 * await selectBackend({ prefer: "cpu" });
 * const layer = {
 *   gamma: tf.ones([2]), beta: tf.zeros([2]),
 *   runningMean: tf.variable(tf.zeros([2]), false), runningVar: tf.variable(tf.ones([2]), false),
 * };
 * const x = tf.tensor2d([[1, 10], [3, 10], [5, 10], [7, 10]]);
 * const y = batchNormTraining(x, layer, { relu: true });
 * // channel 0: mean 4, biased variance 5; channel 1 is constant, so it normalises to 0
 * const round = (values: ArrayLike<number>) => Array.from(values, (v) => Math.round(v * 1e4) / 1e4);
 * deepEqual(round(y.dataSync()), [0, 0, 0, 0, 0.4472, 0, 1.3416, 0]);
 * // running mean 0.9 * 0 + 0.1 * 4; running variance 0.9 * 1 + 0.1 * 20 / 3 (unbiased)
 * deepEqual(round(layer.runningMean.dataSync()), [0.4, 1]);
 * deepEqual(round(layer.runningVar.dataSync()), [1.5667, 0.9]);
 * ```
 */
export function batchNormTraining(
  x: tf.Tensor,
  layer: BatchNormVariables,
  options: BatchNormTrainingOptions = {},
): tf.Tensor {
  const { momentum = 0.1, epsilon = 1e-5, relu = false, residual } = options;
  const action = "apply training batch normalisation";
  const channels = checkInputs(action, x, layer, epsilon, residual);
  if (!(epsilon > 0)) {
    throw new RangeError(`Cannot ${action}: epsilon must be positive, got ${epsilon}`);
  }
  if (!(momentum >= 0 && momentum <= 1)) {
    throw new RangeError(`Cannot ${action}: momentum must be in [0, 1], got ${momentum}`);
  }
  const count = x.size / channels;
  if (count < 2) {
    throw new RangeError(
      `Cannot ${action}: need at least 2 values per channel, got x of shape [${x.shape}]; ` +
        `use a larger batch or batchNormInference()`,
    );
  }
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  const op = tf.customGrad((...args) => {
    const [input, gammaTensor, betaTensor] = args as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = input.dataSync() as Float32Array;
    channelMoments(xs, channels, mean, variance);
    const invStd = new Float64Array(channels);
    for (let c = 0; c < channels; c++) invStd[c] = 1 / Math.sqrt(variance[c] + epsilon);
    const gamma = Float64Array.from(gammaTensor.dataSync());
    const { scale, shift } = affineOf(gamma, betaTensor.dataSync(), mean, invStd);
    const value = forwardTensor(input, scale, shift, residual, relu);
    // The output gives the ReLU mask; x the normalised values.
    save(relu ? [input, value] : [input]);
    function gradFunc(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] {
      const dGamma = new Float32Array(channels);
      const dBeta = new Float32Array(channels);
      // dx = gamma invStd (g - mean(g) - xhat mean(g xhat)) = a g + b x + d per channel.
      const { dx, g } = backward(dy, saved, relu, residual !== undefined, mean, (sumG, sumGX) => {
        const b = new Float64Array(channels);
        const d = new Float64Array(channels);
        for (let c = 0; c < channels; c++) {
          const sumGXhat = sumGX[c] * invStd[c];
          dGamma[c] = sumGXhat;
          dBeta[c] = sumG[c];
          b[c] = -scale[c] * invStd[c] * sumGXhat / count;
          d[c] = -scale[c] * sumG[c] / count - b[c] * mean[c];
        }
        return { a: scale, b, d };
      });
      return gradientTensors(x.shape, dx, dGamma, dBeta, g);
    }
    return { value, gradFunc };
  });
  const y = op(...opInputs(x, layer, residual));
  updateRunningStatistics(layer, mean, variance, count, momentum);
  return y;
}

/**
 * Evaluation-mode batch normalisation: `gamma (x - runningMean) / sqrt(runningVar + epsilon) +
 * beta`, optionally plus `residual`, optionally through ReLU; running statistics are left
 * alone. Differentiable with respect to `x`, `gamma`, `beta` and `residual` (the running
 * statistics are treated as constants).
 *
 * @param x Activations, float32, rank >= 2, shape (..., C).
 * @param layer gamma, beta, runningMean, runningVar, each of shape (C).
 * @returns The normalised activations, shape of `x`.
 * @throws {TypeError} when `x` is not float32 of rank >= 2, a variable is not of shape (C), or
 *   the residual's shape differs from x's.
 * @throws {RangeError} when epsilon is negative.
 * @example Normalising with the running statistics
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { selectBackend } from "./backend.ts";
 * import { batchNormInference } from "./batch_norm.ts";
 * await selectBackend({ prefer: "cpu" });
 * const layer = {
 *   gamma: tf.tensor1d([2]), beta: tf.tensor1d([1]),
 *   runningMean: tf.variable(tf.tensor1d([3]), false),
 *   runningVar: tf.variable(tf.tensor1d([4]), false),
 * };
 * const y = batchNormInference(tf.tensor2d([[1], [3], [7]]), layer, { epsilon: 0 });
 * deepEqual(Array.from(y.dataSync()), [-1, 1, 5]);
 * ```
 */
export function batchNormInference(
  x: tf.Tensor,
  layer: BatchNormVariables,
  options: BatchNormInferenceOptions = {},
): tf.Tensor {
  const { epsilon = 1e-5, relu = false, residual } = options;
  const channels = checkInputs("apply inference batch normalisation", x, layer, epsilon, residual);
  const mean = Float64Array.from(layer.runningMean.dataSync());
  const invStd = Float64Array.from(layer.runningVar.dataSync(), (v) => 1 / Math.sqrt(v + epsilon));
  const op = tf.customGrad((...args) => {
    const [input, gammaTensor, betaTensor] = args as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const gamma = Float64Array.from(gammaTensor.dataSync());
    const { scale, shift } = affineOf(gamma, betaTensor.dataSync(), mean, invStd);
    const value = forwardTensor(input, scale, shift, residual, relu);
    // The output gives the ReLU mask; x the normalised values.
    save(relu ? [input, value] : [input]);
    function gradFunc(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] {
      const dGamma = new Float32Array(channels);
      const dBeta = new Float32Array(channels);
      const zero = new Float64Array(channels);
      const { dx, g } = backward(dy, saved, relu, residual !== undefined, mean, (sumG, sumGX) => {
        for (let c = 0; c < channels; c++) {
          dGamma[c] = sumGX[c] * invStd[c];
          dBeta[c] = sumG[c];
        }
        return { a: scale, b: zero, d: zero };
      });
      return gradientTensors(x.shape, dx, dGamma, dBeta, g);
    }
    return { value, gradFunc };
  });
  return op(...opInputs(x, layer, residual));
}

/** Validates the shared arguments and returns the channel count. */
function checkInputs(
  action: string,
  x: tf.Tensor,
  layer: BatchNormVariables,
  epsilon: number,
  residual: tf.Tensor | undefined,
): number {
  if (x.rank < 2 || x.dtype !== "float32") {
    throw new TypeError(
      `Cannot ${action}: x must be a float32 tensor of rank >= 2 with channels last, ` +
        `got ${x.dtype} of shape [${x.shape}]`,
    );
  }
  const channels = x.shape[x.rank - 1];
  for (const name of ["gamma", "beta", "runningMean", "runningVar"] as const) {
    const variable = layer[name];
    if (variable.rank !== 1 || variable.shape[0] !== channels) {
      throw new TypeError(
        `Cannot ${action}: ${name} must have shape [${channels}] (the channels of x, shape ` +
          `[${x.shape}]), got [${variable.shape}]`,
      );
    }
  }
  if (residual && !(residual.dtype === "float32" && tf.util.arraysEqual(residual.shape, x.shape))) {
    throw new TypeError(
      `Cannot ${action}: the residual must be float32 of x's shape [${x.shape}], got ` +
        `${residual.dtype} of shape [${residual.shape}]`,
    );
  }
  if (!(epsilon >= 0)) {
    throw new RangeError(`Cannot ${action}: epsilon must be >= 0, got ${epsilon}`);
  }
  return channels;
}

/** y = gamma (x - mean) invStd + beta as y = scale x + shift, per channel. */
function affineOf(
  gamma: Channels,
  beta: ArrayLike<number>,
  mean: Channels,
  invStd: Channels,
): { scale: Channels; shift: Channels } {
  const scale = new Float64Array(gamma.length);
  const shift = new Float64Array(gamma.length);
  for (let c = 0; c < gamma.length; c++) {
    scale[c] = gamma[c] * invStd[c];
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  return { scale, shift };
}

/** The forward output as a tensor: scale x + shift [+ residual] [then ReLU]. */
function forwardTensor(
  input: tf.Tensor,
  scale: Channels,
  shift: Channels,
  residual: tf.Tensor | undefined,
  relu: boolean,
): tf.Tensor {
  const x = input.dataSync() as Float32Array;
  const y = new Float32Array(x.length);
  const r = residual?.dataSync() as Float32Array | undefined;
  if (r) (relu ? affineAddRelu : affineAdd)(x, r, scale, shift, y);
  else if (relu) affineRelu(x, scale, shift, y);
  else affine(x, scale, shift, y);
  return tf.tensor(y, input.shape, "float32");
}

/**
 * The backward passes of both modes, with g = dy masked by the ReLU (from the saved output:
 * y > 0 exactly where the pre-activation was): pass 1 takes sum(g) and sum(g (x - mean)) per
 * channel, `coefficients` turns them into dx = a g + b x + d, pass 2 writes dx. g itself is
 * only materialised when the residual needs it as its gradient.
 */
function backward(
  dyTensor: tf.Tensor,
  saved: tf.Tensor[],
  relu: boolean,
  keepG: boolean,
  mean: Channels,
  coefficients: (sumG: Channels, sumGX: Channels) => { a: Channels; b: Channels; d: Channels },
): { dx: Float32Array; g?: Float32Array } {
  const dy = dyTensor.dataSync() as Float32Array;
  const x = saved[0].dataSync() as Float32Array;
  const y = relu ? saved[1].dataSync() as Float32Array : undefined;
  const channels = mean.length;
  const sumG = new Float64Array(channels);
  const sumGX = new Float64Array(channels);
  let g: Float32Array | undefined;
  if (y && keepG) {
    g = new Float32Array(dy.length);
    applyMask(dy, y, g);
    gradientSums(g, x, mean, sumG, sumGX);
  } else if (y) {
    maskedSums(dy, y, x, mean, sumG, sumGX);
  } else {
    gradientSums(dy, x, mean, sumG, sumGX);
  }
  const { a, b, d } = coefficients(sumG, sumGX);
  const dx = new Float32Array(dy.length);
  if (y && !g) maskedInputGradient(dy, y, x, a, b, d, dx);
  else inputGradient(g ?? dy, x, a, b, d, dx);
  return { dx, g: keepG ? g ?? Float32Array.from(dy) : undefined };
}

// The loops below are separate small functions so that V8 optimises each on its own, and
// branch-free: activations are positive or negative at random, and a mispredicted branch per
// element (`v > 0 ? v : 0`, `Math.max`) made the ReLU passes 4-5x slower. (v + |v|) / 2 is
// exactly max(v, 0) in float64.

/** Per-channel mean and biased variance (float64 sums: E[x^2] - E[x]^2 then loses only
 * ~1e-16 mean^2 / variance, far below float32 resolution). */
function channelMoments(x: Float32Array, channels: number, mean: Channels, variance: Channels) {
  mean.fill(0);
  variance.fill(0);
  // Four rows per visit of a channel's accumulators: the accumulators live in memory, and
  // quartering their loads and stores halves the time of this pass.
  const block = 4 * channels;
  let row = 0;
  for (; row + block <= x.length; row += block) {
    for (let c = 0; c < channels; c++) {
      const i = row + c;
      const v0 = x[i], v1 = x[i + channels], v2 = x[i + 2 * channels], v3 = x[i + 3 * channels];
      mean[c] += (v0 + v1) + (v2 + v3);
      variance[c] += (v0 * v0 + v1 * v1) + (v2 * v2 + v3 * v3);
    }
  }
  for (; row < x.length; row += channels) {
    for (let c = 0; c < channels; c++) {
      const v = x[row + c];
      mean[c] += v;
      variance[c] += v * v;
    }
  }
  const count = x.length / channels;
  for (let c = 0; c < channels; c++) {
    mean[c] /= count;
    variance[c] = Math.max(variance[c] / count - mean[c] * mean[c], 0);
  }
}

function affine(x: Float32Array, scale: Channels, shift: Channels, y: Float32Array): void {
  const channels = scale.length;
  for (let row = 0; row < x.length; row += channels) {
    for (let c = 0; c < channels; c++) y[row + c] = x[row + c] * scale[c] + shift[c];
  }
}

function affineRelu(x: Float32Array, scale: Channels, shift: Channels, y: Float32Array): void {
  const channels = scale.length;
  for (let row = 0; row < x.length; row += channels) {
    for (let c = 0; c < channels; c++) {
      const v = x[row + c] * scale[c] + shift[c];
      y[row + c] = (v + Math.abs(v)) * 0.5;
    }
  }
}

function affineAdd(
  x: Float32Array,
  residual: Float32Array,
  scale: Channels,
  shift: Channels,
  y: Float32Array,
): void {
  const channels = scale.length;
  for (let row = 0; row < x.length; row += channels) {
    for (let c = 0; c < channels; c++) {
      const i = row + c;
      y[i] = x[i] * scale[c] + shift[c] + residual[i];
    }
  }
}

function affineAddRelu(
  x: Float32Array,
  residual: Float32Array,
  scale: Channels,
  shift: Channels,
  y: Float32Array,
): void {
  const channels = scale.length;
  for (let row = 0; row < x.length; row += channels) {
    for (let c = 0; c < channels; c++) {
      const i = row + c;
      const v = x[i] * scale[c] + shift[c] + residual[i];
      y[i] = (v + Math.abs(v)) * 0.5;
    }
  }
}

/** sum(g) and sum(g (x - mean)) per channel, four rows per visit as in channelMoments. */
function gradientSums(
  g: Float32Array,
  x: Float32Array,
  mean: Channels,
  sumG: Channels,
  sumGX: Channels,
): void {
  const channels = mean.length;
  const block = 4 * channels;
  let row = 0;
  for (; row + block <= g.length; row += block) {
    for (let c = 0; c < channels; c++) {
      const i0 = row + c, i1 = i0 + channels, i2 = i1 + channels, i3 = i2 + channels;
      const g0 = g[i0], g1 = g[i1], g2 = g[i2], g3 = g[i3];
      const m = mean[c];
      sumG[c] += (g0 + g1) + (g2 + g3);
      sumGX[c] += (g0 * (x[i0] - m) + g1 * (x[i1] - m)) + (g2 * (x[i2] - m) + g3 * (x[i3] - m));
    }
  }
  for (; row < g.length; row += channels) {
    for (let c = 0; c < channels; c++) {
      const gi = g[row + c];
      sumG[c] += gi;
      sumGX[c] += gi * (x[row + c] - mean[c]);
    }
  }
}

/** The ReLU-masked g = dy [y > 0] stored into `g` (materialised for the residual's gradient). */
function applyMask(dy: Float32Array, y: Float32Array, g: Float32Array): void {
  for (let i = 0; i < dy.length; i++) g[i] = dy[i] * +(y[i] > 0);
}

/** gradientSums of g = dy [y > 0] without materialising g. */
function maskedSums(
  dy: Float32Array,
  y: Float32Array,
  x: Float32Array,
  mean: Channels,
  sumG: Channels,
  sumGX: Channels,
): void {
  const channels = mean.length;
  const block = 4 * channels;
  let row = 0;
  for (; row + block <= dy.length; row += block) {
    for (let c = 0; c < channels; c++) {
      const i0 = row + c, i1 = i0 + channels, i2 = i1 + channels, i3 = i2 + channels;
      const g0 = dy[i0] * +(y[i0] > 0), g1 = dy[i1] * +(y[i1] > 0);
      const g2 = dy[i2] * +(y[i2] > 0), g3 = dy[i3] * +(y[i3] > 0);
      const m = mean[c];
      sumG[c] += (g0 + g1) + (g2 + g3);
      sumGX[c] += (g0 * (x[i0] - m) + g1 * (x[i1] - m)) + (g2 * (x[i2] - m) + g3 * (x[i3] - m));
    }
  }
  for (; row < dy.length; row += channels) {
    for (let c = 0; c < channels; c++) {
      const i = row + c;
      const gi = dy[i] * +(y[i] > 0);
      sumG[c] += gi;
      sumGX[c] += gi * (x[i] - mean[c]);
    }
  }
}

function inputGradient(
  g: Float32Array,
  x: Float32Array,
  a: Channels,
  b: Channels,
  d: Channels,
  dx: Float32Array,
): void {
  const channels = a.length;
  for (let row = 0; row < g.length; row += channels) {
    for (let c = 0; c < channels; c++) {
      const i = row + c;
      dx[i] = a[c] * g[i] + b[c] * x[i] + d[c];
    }
  }
}

function maskedInputGradient(
  dy: Float32Array,
  y: Float32Array,
  x: Float32Array,
  a: Channels,
  b: Channels,
  d: Channels,
  dx: Float32Array,
): void {
  const channels = a.length;
  for (let row = 0; row < dy.length; row += channels) {
    for (let c = 0; c < channels; c++) {
      const i = row + c;
      dx[i] = a[c] * dy[i] * +(y[i] > 0) + b[c] * x[i] + d[c];
    }
  }
}

/** PyTorch's running-average update, with the unbiased batch variance. */
function updateRunningStatistics(
  layer: BatchNormVariables,
  mean: Channels,
  variance: Channels,
  count: number,
  momentum: number,
): void {
  const runningMean = layer.runningMean.dataSync();
  const runningVar = layer.runningVar.dataSync();
  const channels = runningMean.length;
  const nextMean = new Float32Array(channels);
  const nextVar = new Float32Array(channels);
  const unbias = count / (count - 1);
  for (let c = 0; c < channels; c++) {
    nextMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c];
    nextVar[c] = (1 - momentum) * runningVar[c] + momentum * variance[c] * unbias;
  }
  tf.tidy(() => {
    layer.runningMean.assign(tf.tensor(nextMean, [channels], "float32"));
    layer.runningVar.assign(tf.tensor(nextVar, [channels], "float32"));
  });
}

/** The fused op's inputs: x, gamma, beta and, when fused, the residual. */
function opInputs(x: tf.Tensor, layer: BatchNormVariables, residual?: tf.Tensor): tf.Tensor[] {
  return residual ? [x, layer.gamma, layer.beta, residual] : [x, layer.gamma, layer.beta];
}

/** Gradients in the order of {@linkcode opInputs}. */
function gradientTensors(
  shape: number[],
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
  dResidual: Float32Array | undefined,
): tf.Tensor[] {
  const grads = [
    tf.tensor(dx, shape, "float32"),
    tf.tensor(dGamma, [dGamma.length], "float32"),
    tf.tensor(dBeta, [dBeta.length], "float32"),
  ];
  if (dResidual) grads.push(tf.tensor(dResidual, shape, "float32"));
  return grads;
}
