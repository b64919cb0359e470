/**
 * The exact (erf) GELU of PyTorch's `nn.GELU()` as one TF.js op: x Phi(x) with Phi the
 * standard normal distribution function. The forward pass (a SIMD kernel, erf to 1.5e-7)
 * also computes the derivative Phi(x) + x phi(x) from the same exponential and keeps it for
 * the backward pass, which is then one multiplication.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { geluWithSlope } from "./_simd.ts";

/**
 * GELU(x) = x Phi(x), elementwise (the exact form, not the tanh approximation).
 *
 * @param x Inputs, float32, any shape.
 * @returns GELU(x), shape of `x`; differentiable.
 * @throws {TypeError} when x is not float32.
 * @example GELU(0) = 0 and GELU(x) -> x for large x
 * ```ts
 * import { ok } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
import { geluWithSlope } from "./_simd.ts";
 * import { gelu } from "./gelu.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const [zero, one, large] = gelu(tf.tensor1d([0, 1, 10])).dataSync();
 * ok(zero === 0 && Math.abs(one - 0.8413447) < 1e-6 && Math.abs(large - 10) < 1e-6);
 * ```
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== "float32") {
    throw new TypeError(`Cannot apply GELU: x must be float32, got ${x.dtype}`);
  }
  const op = tf.customGrad((input) => {
    const [y, slope] = geluWithSlope((input as tf.Tensor).dataSync() as Float32Array);
    const gradFunc = (dy: tf.Tensor) => {
      const dys = dy.dataSync() as Float32Array;
      const dx = new Float32Array(dys.length);
      for (let i = 0; i < dx.length; i++) dx[i] = dys[i] * slope[i];
      return tf.tensor(dx, x.shape);
    };
    return { value: tf.tensor(y, x.shape), gradFunc };
  });
  return op(x);
}
