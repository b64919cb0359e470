import { deepEqual, ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../rng.ts";
import { globalAveragePool, maxPool1d } from "./pool.ts";
import { maxRelativeError, testBackends, useBackend, valuesOf } from "./_testing.ts";

function normals(seed: number, shape: [number, number, number]): tf.Tensor3D {
  const values = createRng(seed).fillNormal(new Float64Array(shape[0] * shape[1] * shape[2]), 0, 1);
  return tf.tensor3d(Float32Array.from(values), shape);
}

/** TF.js's max-pool over positions with the same explicit padding (the reference). */
function stockMaxPool(x: tf.Tensor3D, size: number, stride: number, pad: number): tf.Tensor {
  const [batch, length, channels] = x.shape;
  const y = tf.maxPool(tf.reshape(x, [batch, 1, length, channels]) as tf.Tensor4D, [1, size], [
    1,
    stride,
  ], [[0, 0], [0, 0], [pad, pad], [0, 0]]);
  return tf.reshape(y, [batch, y.shape[2], channels]);
}

for (const backend of testBackends()) {
  Deno.test(`maxPool1d() equals tf.maxPool in value and gradient for (size, stride, pad) = (3, 2, 1), (2, 2, 0), (5, 1, 2) (seed 1) (${backend})`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const x = normals(1, [3, 11, 4]);
      for (const [size, stride, pad] of [[3, 2, 1], [2, 2, 0], [5, 1, 2]]) {
        const ours = maxPool1d(x, { size, stride, pad });
        const reference = stockMaxPool(x, size, stride, pad);
        deepEqual(ours.shape, reference.shape);
        deepEqual(valuesOf(ours), valuesOf(reference));
        const weights = normals(2, reference.shape as [number, number, number]);
        const dOurs = tf.grad((a: tf.Tensor) =>
          tf.sum(tf.mul(maxPool1d(a as tf.Tensor3D, { size, stride, pad }), weights))
        )(x);
        const dReference = tf.grad((a: tf.Tensor) =>
          tf.sum(tf.mul(stockMaxPool(a as tf.Tensor3D, size, stride, pad), weights))
        )(x);
        // Sums of at most `size` float32 terms per entry, in different orders.
        ok(maxRelativeError(valuesOf(dOurs), valuesOf(dReference), 1) < 1e-6);
      }
    });
  });

  Deno.test(`globalAveragePool() equals tf.mean over positions in value and gradient (seed 3) (${backend})`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const x = normals(3, [3, 7, 5]);
      ok(maxRelativeError(valuesOf(globalAveragePool(x)), valuesOf(tf.mean(x, 1)), 1) < 1e-6);
      const weights = normals(4, [1, 3, 5]).reshape([3, 5]);
      const ours = tf.grad((a: tf.Tensor) =>
        tf.sum(tf.mul(globalAveragePool(a as tf.Tensor3D), weights))
      )(x);
      const reference = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mean(a, 1), weights)))(x);
      ok(maxRelativeError(valuesOf(ours), valuesOf(reference), 1) < 1e-6);
    });
  });
}

Deno.test("maxPool1d() gives ties to the first position and propagates NaN, as PyTorch does", () => {
  tf.tidy(() => {
    const x = tf.tensor3d([2, 2, 1, 0, NaN, 3], [1, 6, 1]);
    const options = { size: 3, stride: 3, pad: 0 };
    deepEqual(Array.from(valuesOf(maxPool1d(x, options))), [2, NaN]);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(maxPool1d(a as tf.Tensor3D, options)))(x);
    deepEqual(Array.from(valuesOf(dx)), [1, 0, 0, 0, 1, 0]);
  });
});

Deno.test("maxPool1d() throws when the window is invalid or longer than the padded sequence", () => {
  const x = tf.zeros([1, 2, 3]) as tf.Tensor3D;
  throws(() => maxPool1d(x, { size: 0 }), {
    name: "RangeError",
    message: "Cannot max-pool: size must be a positive integer, got 0",
  });
  throws(() => maxPool1d(x, { size: 3, pad: 2 }), {
    name: "RangeError",
    message: "Cannot max-pool: pad must be an integer in [0, size / 2] = [0, 1.5], got 2",
  });
  throws(() => maxPool1d(x, { size: 5, pad: 1 }), {
    name: "RangeError",
    message: "Cannot max-pool: 2 positions are fewer than the window (size 5, pad 1)",
  });
});

Deno.test("globalAveragePool() throws when x is not a (batch, positions, channels) float32 tensor", () => {
  throws(() => globalAveragePool(tf.zeros([2, 3]) as unknown as tf.Tensor3D), {
    name: "TypeError",
    message: "Cannot average-pool: x must be float32 of shape (batch, positions, channels) with " +
      "no empty axis, got float32 of shape [2,3]",
  });
});
