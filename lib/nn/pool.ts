/**
 * Pooling over the position axis of channels-last sequences (B, W, C), as single passes over
 * Float32Arrays with closed-form gradients. TF.js's cpu `MaxPool` gradient recomputes the
 * window maxima with 4-D index arithmetic (about 1 µs per element), and its `Mean` over a
 * middle axis transposes first; in a ResAnDi training step each cost more than a convolution.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/** Options for {@linkcode maxPool1d}. */
export interface MaxPool1dOptions {
  /** Window length. @default {3} */
  size?: number;
  /** Positions between windows. @default {2} */
  stride?: number;
  /** Virtual positions at each end that never win (PyTorch pads with -infinity). @default {1} */
  pad?: number;
}

/**
 * Max-pooling along positions, PyTorch's `max_pool1d(x, size, stride, pad)` on channels-last
 * data: output position o covers inputs o * stride - pad .. o * stride - pad + size - 1 that lie
 * inside the sequence; ties go to the first position; NaN wins. The gradient goes to the
 * winning input of each window (summed when windows overlap on the same winner).
 *
 * @param x Sequences (B, W, C), float32.
 * @returns (B, floor((W + 2 pad - size) / stride) + 1, C).
 * @throws {TypeError} when x is not a float32 rank-3 tensor.
 * @throws {RangeError} when size or stride are not positive integers, pad is not an integer in
 *   [0, size / 2], or the output would be empty.
 * @example PyTorch's ResNet stem pool (size 3, stride 2, pad 1)
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { selectBackend } from "./backend.ts";
 * import { maxPool1d } from "./pool.ts";
 * await selectBackend({ prefer: "cpu" });
 * const y = maxPool1d(tf.tensor3d([1, 5, 2, 3, 9, 4, 7], [1, 7, 1]));
 * deepEqual(Array.from(y.dataSync()), [5, 5, 9, 7]);
 * ```
 */
export function maxPool1d(x: tf.Tensor3D, options: MaxPool1dOptions = {}): tf.Tensor3D {
  const { size = 3, stride = 2, pad = 1 } = options;
  const action = "max-pool";
  checkSequence(action, x);
  for (const [name, value] of [["size", size], ["stride", stride]] as const) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new RangeError(`Cannot ${action}: ${name} must be a positive integer, got ${value}`);
    }
  }
  if (!(Number.isInteger(pad) && pad >= 0 && 2 * pad <= size)) {
    throw new RangeError(
      `Cannot ${action}: pad must be an integer in [0, size / 2] = [0, ${size / 2}], got ${pad}`,
    );
  }
  const [batch, length, channels] = x.shape;
  const outLength = Math.floor((length + 2 * pad - size) / stride) + 1;
  if (!(outLength >= 1)) {
    throw new RangeError(
      `Cannot ${action}: ${length} positions are fewer than the window (size ${size}, pad ` +
        `${pad})`,
    );
  }
  const op = tf.customGrad((input) => {
    const winners = new Int32Array(batch * outLength * channels);
    const y = new Float32Array(winners.length);
    maxPoolForward(
      (input as tf.Tensor).dataSync() as Float32Array,
      x.shape,
      outLength,
      {
        size,
        stride,
        pad,
      },
      y,
      winners,
    );
    function gradFunc(dy: tf.Tensor): tf.Tensor {
      const dx = new Float32Array(x.size);
      scatterAdd(dy.dataSync() as Float32Array, winners, dx);
      return tf.tensor(dx, x.shape, "float32");
    }
    return { value: tf.tensor3d(y, [batch, outLength, channels]), gradFunc };
  });
  return op(x) as tf.Tensor3D;
}

/**
 * The mean over positions of each sequence and channel (global average pooling).
 *
 * @param x Sequences (B, W, C), float32.
 * @returns (B, C).
 * @throws {TypeError} when x is not a float32 rank-3 tensor with at least one position.
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { selectBackend } from "./backend.ts";
 * import { globalAveragePool } from "./pool.ts";
 * await selectBackend({ prefer: "cpu" });
 * const y = globalAveragePool(tf.tensor3d([[[1, 10], [3, 20]]]));
 * deepEqual(Array.from(y.dataSync()), [2, 15]);
 * ```
 */
export function globalAveragePool(x: tf.Tensor3D): tf.Tensor2D {
  checkSequence("average-pool", x);
  const [batch, length, channels] = x.shape;
  const op = tf.customGrad((input) => {
    const sums = new Float64Array(batch * channels);
    sumPositions((input as tf.Tensor).dataSync() as Float32Array, length, channels, sums);
    const y = new Float32Array(sums.length);
    for (let i = 0; i < y.length; i++) y[i] = sums[i] / length;
    function gradFunc(dy: tf.Tensor): tf.Tensor {
      const dx = new Float32Array(x.size);
      spreadPositions(dy.dataSync() as Float32Array, length, channels, 1 / length, dx);
      return tf.tensor(dx, x.shape, "float32");
    }
    return { value: tf.tensor2d(y, [batch, channels]), gradFunc };
  });
  return op(x) as tf.Tensor2D;
}

function checkSequence(action: string, x: tf.Tensor): void {
  if (x.rank !== 3 || x.dtype !== "float32" || x.size === 0) {
    throw new TypeError(
      `Cannot ${action}: x must be float32 of shape (batch, positions, channels) with no empty axis, ` +
        `got ${x.dtype} of shape [${x.shape}]`,
    );
  }
}

function maxPoolForward(
  x: Float32Array,
  shape: number[],
  outLength: number,
  window: { size: number; stride: number; pad: number },
  y: Float32Array,
  winners: Int32Array,
): void {
  const [batch, length, channels] = shape;
  const { size, stride, pad } = window;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outLength; o++) {
      const out = (b * outLength + o) * channels;
      const first = Math.max(o * stride - pad, 0);
      const last = Math.min(o * stride - pad + size, length);
      let row = (b * length + first) * channels;
      for (let c = 0; c < channels; c++) winners[out + c] = row + c;
      for (let position = first + 1; position < last; position++) {
        row += channels;
        takeLarger(x, row, winners, out, channels);
      }
      for (let c = 0; c < channels; c++) y[out + c] = x[winners[out + c]];
    }
  }
}

/**
 * Moves each channel's winner to the candidate at `row` where that is larger (ties keep the
 * earlier position) or NaN (NaN propagates, as in PyTorch). Branch-free: which of two
 * activations is larger is a coin flip, and a mispredicted branch per element cost 3x.
 */
function takeLarger(
  x: Float32Array,
  row: number,
  winners: Int32Array,
  out: number,
  channels: number,
): void {
  for (let c = 0; c < channels; c++) {
    const i = row + c;
    const w = winners[out + c];
    const v = x[i];
    const take = +(v > x[w]) | +(v !== v);
    winners[out + c] = w + take * (i - w);
  }
}

function scatterAdd(dy: Float32Array, winners: Int32Array, dx: Float32Array): void {
  for (let i = 0; i < dy.length; i++) dx[winners[i]] += dy[i];
}

function sumPositions(x: Float32Array, length: number, channels: number, sums: Float64Array) {
  for (let row = 0, position = 0, out = 0; row < x.length; row += channels) {
    for (let c = 0; c < channels; c++) sums[out + c] += x[row + c];
    if (++position === length) {
      position = 0;
      out += channels;
    }
  }
}

function spreadPositions(
  dy: Float32Array,
  length: number,
  channels: number,
  weight: number,
  dx: Float32Array,
): void {
  for (let row = 0, position = 0, out = 0; row < dx.length; row += channels) {
    for (let c = 0; c < channels; c++) dx[row + c] = dy[out + c] * weight;
    if (++position === length) {
      position = 0;
      out += channels;
    }
  }
}
