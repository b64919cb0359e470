import { ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../rng.ts";
import { layerNorm } from "./layer_norm.ts";
import { finiteDifference, maxRelativeError, valuesOf } from "./_testing.ts";

function normal(seed: number, shape: number[]): tf.Tensor {
  const draws = createRng(seed).fillNormal(new Float64Array(tf.util.sizeFromShape(shape)));
  return tf.tensor(Float32Array.from(draws), shape);
}

Deno.test("layerNorm() gives rows of mean beta and standard deviation gamma", () => {
  const x = normal(1, [4, 6]);
  const y = valuesOf(layerNorm(x, tf.fill([6], 2), tf.fill([6], 0.5), { epsilon: 0 }));
  for (let r = 0; r < 4; r++) {
    const row = Array.from(y.subarray(r * 6, r * 6 + 6));
    const mean = row.reduce((s, v) => s + v, 0) / 6;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / 6;
    // float32 rounding of 6 values of order 1: ~1e-6.
    ok(Math.abs(mean - 0.5) < 1e-5 && Math.abs(Math.sqrt(variance) - 2) < 1e-5);
  }
});

Deno.test("layerNorm() gradients match central finite differences for x, gamma and beta", () => {
  const x = normal(2, [3, 5]);
  const gamma = normal(3, [5]);
  const beta = normal(4, [5]);
  const weights = valuesOf(normal(5, [3, 5]));
  const loss = (values: Float32Array[]) => {
    const y = valuesOf(
      layerNorm(tf.tensor(values[0], [3, 5]), tf.tensor1d(values[1]), tf.tensor1d(values[2])),
    );
    return y.reduce((s, v, i) => s + v * weights[i], 0);
  };
  const analytic = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(a, g, b))(
    [x, gamma, beta],
    tf.tensor(weights, [3, 5]),
  ).map(valuesOf);
  const inputs = [x, gamma, beta].map((t) => Float32Array.from(valuesOf(t)));
  inputs.forEach((_, which) => {
    const numeric = finiteDifference((probe) => {
      const values = inputs.map((v, i) => (i === which ? probe : v));
      return loss(values);
    }, inputs[which]);
    // h = 1e-2: truncation h^2/6 |f'''| ~1e-4 for unit-variance rows; float32 rounding of 15
    // outputs ~4e-7 over 2h ~2e-5. 1e-3 relative to |g| + 1e-2 covers both with a margin.
    const error = maxRelativeError(analytic[which], numeric, 1e-2);
    ok(error < 1e-3, `input ${which}: error ${error}`);
  });
});

Deno.test("layerNorm() throws when gamma or beta does not match the last axis", () => {
  throws(() => layerNorm(tf.zeros([2, 3]), tf.ones([4]), tf.zeros([3])), {
    name: "TypeError",
    message: "Cannot apply layer normalisation: gamma must have shape [3] for x [2,3], got [4]",
  });
  throws(() => layerNorm(tf.zeros([2, 3]), tf.ones([3]), tf.zeros([3]), { epsilon: -1 }), {
    name: "RangeError",
    message: "Cannot apply layer normalisation: epsilon must be >= 0, got -1",
  });
});
