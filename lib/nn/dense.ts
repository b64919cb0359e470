/**
 * A fully connected layer (PyTorch `nn.Linear`) as one TF.js op: the leading axes are folded
 * into rows so that forward and both weight products are single large matrix products (one
 * sgemm each on the `blas` backend), and the bias gradient is a column sum over the rows
 * instead of TF.js's transpose-then-reduce.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/**
 * y = x W + b over the last axis of `x`.
 *
 * @param x Inputs, float32, shape (..., in).
 * @param kernel Weights W, shape (in, out) (the transpose of PyTorch's Linear.weight).
 * @param bias Optional bias b, shape (out).
 * @returns y, shape (..., out); differentiable with respect to x, kernel and bias.
 * @throws {TypeError} when x has rank < 1, the kernel is not (in, out) or the bias not (out).
 * @example A 2 -> 1 layer
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { dense } from "./dense.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const y = dense(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]), tf.tensor1d([0.5]));
 * deepEqual(Array.from(y.dataSync()), [11.5]);
 * ```
 */
export function dense(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const inputs = x.shape[x.rank - 1];
  if (x.rank < 1 || kernel.rank !== 2 || kernel.shape[0] !== inputs) {
    throw new TypeError(
      `Cannot apply a dense layer: the kernel must have shape [${inputs}, out] for x ` +
        `[${x.shape}], got [${kernel.shape}]`,
    );
  }
  const outputs = kernel.shape[1] as number;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outputs)) {
    throw new TypeError(
      `Cannot apply a dense layer: the bias must have shape [${outputs}] for a kernel ` +
        `[${kernel.shape}], got [${bias.shape}]`,
    );
  }
  const rows = x.size / inputs;
  const outShape = [...x.shape.slice(0, -1), outputs];
  const op = tf.customGrad((...args) => {
    const [input, w] = args as tf.Tensor[];
    const save = args[bias ? 3 : 2] as tf.GradSaveFunc;
    save([input, w]);
    const flat = tf.reshape(input, [rows, inputs]) as tf.Tensor2D;
    const product = tf.matMul(flat, w as tf.Tensor2D);
    // The bias is added in a flat loop: TF.js's cpu Add costs ~10x more per entry.
    const value = bias
      ? tf.tensor(
        addRows(
          product.dataSync() as Float32Array,
          (args[2] as tf.Tensor).dataSync() as Float32Array,
        ),
        outShape,
      )
      : tf.reshape(product, outShape);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedInput, savedKernel] = saved;
      const dyFlat = tf.reshape(dy, [rows, outputs]) as tf.Tensor2D;
      const inputFlat = tf.reshape(savedInput, [rows, inputs]) as tf.Tensor2D;
      const grads = [
        tf.reshape(tf.matMul(dyFlat, savedKernel as tf.Tensor2D, false, true), x.shape),
        tf.matMul(inputFlat, dyFlat, true, false),
      ];
      if (bias) grads.push(tf.tensor1d(columnSums(dy.dataSync() as Float32Array, outputs)));
      return grads;
    };
    return { value, gradFunc };
  });
  return bias ? op(x, kernel, bias) : op(x, kernel);
}

/** values (rows x bias.length) plus bias in every row, as a new array. */
function addRows(values: Float32Array, bias: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  const columns = bias.length;
  for (let offset = 0; offset < values.length; offset += columns) {
    for (let j = 0; j < columns; j++) out[offset + j] = values[offset + j] + bias[j];
  }
  return out;
}

/** Sums of the columns of a row-major matrix with `columns` columns. */
function columnSums(values: Float32Array, columns: number): Float32Array {
  const sums = new Float64Array(columns);
  for (let offset = 0; offset < values.length; offset += columns) {
    for (let j = 0; j < columns; j++) sums[j] += values[offset + j];
  }
  return Float32Array.from(sums);
}
