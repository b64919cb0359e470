import { deepEqual, equal, ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../rng.ts";
import { batchNormInference, batchNormTraining, type BatchNormVariables } from "./batch_norm.ts";
import {
  finiteDifference,
  maxRelativeError,
  testBackends,
  useBackend,
  valuesOf,
} from "./_testing.ts";

/** Normal(mean, std) float32 values from a fixed stream. */
function normals(seed: number, size: number, mean = 0, std = 1): Float32Array {
  return Float32Array.from(createRng(seed).fillNormal(new Float64Array(size), mean, std));
}

function layerOf(gamma: tf.Tensor, beta: tf.Tensor): BatchNormVariables {
  const channels = gamma.shape[0];
  return {
    gamma,
    beta,
    runningMean: tf.variable(tf.zeros([channels]), false),
    runningVar: tf.variable(tf.ones([channels]), false),
  };
}

/** TF.js's own composition: tf.moments then tf.batchNorm (the reference). */
function composed(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  relu: boolean,
  residual?: tf.Tensor,
): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  let y = tf.batchNorm(x, mean, variance, beta, gamma, 1e-5);
  if (residual) y = tf.add(y, residual);
  return relu ? tf.relu(y) : y;
}

const SHAPE = [3, 7, 5];
const SIZE = 3 * 7 * 5;

for (const backend of testBackends()) {
  Deno.test(`batchNormTraining() equals tf.moments + tf.batchNorm within 1e-5 (shape [3, 7, 5], seed 1) (${backend})`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      // Channel means far from 0 exercise the single-pass variance.
      const x = tf.tensor(normals(1, SIZE, 3, 2), SHAPE);
      const gamma = tf.tensor1d(normals(2, 5, 1, 0.5));
      const beta = tf.tensor1d(normals(3, 5));
      for (const relu of [false, true]) {
        const ours = valuesOf(batchNormTraining(x, layerOf(gamma, beta), { relu }));
        const reference = valuesOf(composed(x, gamma, beta, relu));
        // Outputs are O(1); 1e-5 is ~100 float32 ulps of accumulated rounding.
        ok(maxRelativeError(ours, reference, 1) < 1e-5);
      }
    });
  });

  Deno.test(`batchNormTraining() gradients for x, gamma and beta equal tf.grads of the composed op within 1e-4 (seed 4) (${backend})`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const x = tf.tensor(normals(4, SIZE, -1, 3), SHAPE);
      const gamma = tf.tensor1d(normals(5, 5, 1, 0.5));
      const beta = tf.tensor1d(normals(6, 5));
      const weights = tf.tensor(normals(7, SIZE), SHAPE);
      for (const relu of [false, true]) {
        const ours = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(batchNormTraining(a, layerOf(g, b), { relu }), weights))
        )([x, gamma, beta]);
        const reference = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(composed(a, g, b, relu), weights))
        )([x, gamma, beta]);
        for (let i = 0; i < 3; i++) {
          // Relative to the largest entry: both sides round differently near zero crossings.
          const scale = Math.max(...valuesOf(reference[i]).map(Math.abs));
          ok(maxRelativeError(valuesOf(ours[i]), valuesOf(reference[i]), scale) < 1e-4);
        }
      }
    });
  });

  Deno.test(`batchNormTraining() with a residual equals relu(tf.batchNorm + residual) in value and in all four gradients within 1e-4 (seed 13) (${backend})`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const x = tf.tensor(normals(13, SIZE, 1, 2), SHAPE);
      const gamma = tf.tensor1d(normals(14, 5, 1, 0.5));
      const beta = tf.tensor1d(normals(15, 5));
      const residual = tf.tensor(normals(16, SIZE), SHAPE);
      const weights = tf.tensor(normals(17, SIZE), SHAPE);
      for (const relu of [false, true]) {
        const inputs = [x, gamma, beta, residual];
        const ours = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) =>
          tf.sum(tf.mul(batchNormTraining(a, layerOf(g, b), { relu, residual: r }), weights))
        )(inputs);
        const reference = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) =>
          tf.sum(tf.mul(composed(a, g, b, relu, r), weights))
        )(inputs);
        const value = valuesOf(batchNormTraining(x, layerOf(gamma, beta), { relu, residual }));
        ok(maxRelativeError(value, valuesOf(composed(x, gamma, beta, relu, residual)), 1) < 1e-5);
        for (let i = 0; i < 4; i++) {
          const scale = Math.max(...valuesOf(reference[i]).map(Math.abs));
          ok(maxRelativeError(valuesOf(ours[i]), valuesOf(reference[i]), scale) < 1e-4, `${i}`);
        }
      }
    });
  });

  Deno.test(`batchNormInference() gradients for x, gamma, beta and the residual equal tf.grads of tf.batchNorm within 1e-4 (seed 18) (${backend})`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const x = tf.tensor(normals(18, SIZE, 1, 2), SHAPE);
      const gamma = tf.tensor1d(normals(19, 5, 1, 0.5));
      const beta = tf.tensor1d(normals(20, 5));
      const residual = tf.tensor(normals(21, SIZE), SHAPE);
      const weights = tf.tensor(normals(22, SIZE), SHAPE);
      const runningMean = tf.variable(tf.tensor1d(normals(23, 5)), false);
      const runningVar = tf.variable(tf.tensor1d(normals(24, 5).map((v) => 1 + v * v)), false);
      const inputs = [x, gamma, beta, residual];
      const ours = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) =>
        tf.sum(tf.mul(
          batchNormInference(a, { gamma: g, beta: b, runningMean, runningVar }, {
            relu: true,
            residual: r,
          }),
          weights,
        ))
      )(inputs);
      const reference = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor, r: tf.Tensor) =>
        tf.sum(
          tf.mul(tf.relu(tf.add(tf.batchNorm(a, runningMean, runningVar, b, g, 1e-5), r)), weights),
        )
      )(inputs);
      for (let i = 0; i < 4; i++) {
        const scale = Math.max(...valuesOf(reference[i]).map(Math.abs));
        ok(maxRelativeError(valuesOf(ours[i]), valuesOf(reference[i]), scale) < 1e-4, `${i}`);
      }
    });
  });
}

Deno.test("batchNormTraining() gradients pass a finite-difference check for x, gamma and beta (shape [4, 3], h = 1e-2, seed 8)", async () => {
  await useBackend("cpu");
  const x = normals(8, 12, 0.5, 1.5);
  const gamma = normals(9, 3, 1, 0.3);
  const beta = normals(10, 3);
  const weights = normals(11, 12);
  const running = layerOf(tf.zeros([3]), tf.zeros([3]));
  function loss(xs: Float32Array, gs: Float32Array, bs: Float32Array): number {
    return tf.tidy(() => {
      const y = batchNormTraining(tf.tensor(xs, [4, 3]), {
        ...running,
        gamma: tf.tensor1d(gs),
        beta: tf.tensor1d(bs),
      });
      return tf.sum(tf.mul(y, tf.tensor(weights, [4, 3]))).dataSync()[0];
    });
  }
  const [dx, dGamma, dBeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(
      tf.mul(batchNormTraining(a, { ...running, gamma: g, beta: b }), tf.tensor(weights, [4, 3])),
    )
  )([tf.tensor(x, [4, 3]), tf.tensor1d(gamma), tf.tensor1d(beta)]);
  // finiteDifference's error is ~1e-4 of the gradient scale (float32 rounding / h and h^2).
  const tolerance = 2e-3;
  ok(
    maxRelativeError(valuesOf(dx), finiteDifference((p) => loss(p, gamma, beta), x), 0.1) <
      tolerance,
  );
  ok(
    maxRelativeError(valuesOf(dGamma), finiteDifference((p) => loss(x, p, beta), gamma), 0.1) <
      tolerance,
  );
  ok(
    maxRelativeError(valuesOf(dBeta), finiteDifference((p) => loss(x, gamma, p), beta), 0.1) <
      tolerance,
  );
});

Deno.test("batchNormTraining() updates running statistics as PyTorch does (momentum 0.1, unbiased variance)", async () => {
  await useBackend("cpu");
  const layer = layerOf(tf.ones([2]), tf.zeros([2]));
  // Channel 0: 1, 3, 5, 7 (mean 4, unbiased variance 20/3); channel 1: 2, 2, 2, 6 (mean 3,
  // unbiased variance 4). Worked by hand with torch.nn.BatchNorm1d's update rule:
  // mean <- 0.9 mean + 0.1 batch_mean, var <- 0.9 var + 0.1 batch_var_unbiased.
  const x = tf.tensor3d([[[1, 2], [3, 2]], [[5, 2], [7, 6]]]);
  batchNormTraining(x, layer);
  const close = (values: Float32Array, expected: number[]) =>
    ok(maxRelativeError(values, expected, 0) < 1e-6, `${values} vs ${expected}`);
  close(valuesOf(layer.runningMean), [0.4, 0.3]);
  close(valuesOf(layer.runningVar), [0.9 + 2 / 3, 0.9 + 0.4]);
  batchNormTraining(x, layer, { momentum: 0.5 });
  close(valuesOf(layer.runningMean), [0.5 * 0.4 + 2, 0.5 * 0.3 + 1.5]);
  close(valuesOf(layer.runningVar), [0.5 * (0.9 + 2 / 3) + 10 / 3, 0.5 * 1.3 + 2]);
});

Deno.test("batchNormTraining() inside tf.grads leaks no tensors", async () => {
  await useBackend("cpu");
  const layer = layerOf(tf.variable(tf.ones([5])), tf.variable(tf.zeros([5])));
  const x = tf.tensor(normals(12, SIZE), SHAPE);
  const before = tf.memory().numTensors;
  for (let step = 0; step < 2; step++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() =>
        tf.sum(tf.square(batchNormTraining(x, layer, { relu: true }))) as tf.Scalar
      );
      equal(Object.keys(grads).length, 2);
    });
  }
  equal(tf.memory().numTensors, before);
});

Deno.test("batchNormInference() normalises with the running statistics and leaves them alone", async () => {
  await useBackend("cpu");
  const layer: BatchNormVariables = {
    gamma: tf.tensor1d([2, 1]),
    beta: tf.tensor1d([0, -1]),
    runningMean: tf.variable(tf.tensor1d([1, 0]), false),
    runningVar: tf.variable(tf.tensor1d([3, 1]), false),
  };
  const x = tf.tensor2d([[3, 0.5], [-1, 2]]);
  const y = valuesOf(batchNormInference(x, layer, { relu: true }));
  const expected = [Math.max(0, 2 * 2 / Math.sqrt(3 + 1e-5)), 0, 0, 2 / Math.sqrt(1 + 1e-5) - 1];
  ok(maxRelativeError(y, expected, 1e-3) < 1e-6);
  deepEqual(Array.from(valuesOf(layer.runningMean)), [1, 0]);
});

Deno.test("batchNormTraining() throws when x is not a float32 tensor of rank >= 2", () => {
  const layer = layerOf(tf.ones([3]), tf.zeros([3]));
  throws(() => batchNormTraining(tf.ones([3]), layer), {
    name: "TypeError",
    message: "Cannot apply training batch normalisation: x must be a float32 tensor of rank >= 2 " +
      "with channels last, got float32 of shape [3]",
  });
  throws(() => batchNormInference(tf.ones([2, 3], "int32"), layer), {
    name: "TypeError",
    message: "Cannot apply inference batch normalisation: x must be a float32 tensor of rank " +
      ">= 2 with channels last, got int32 of shape [2,3]",
  });
});

Deno.test("batchNormTraining() throws when a variable does not match the channels of x", () => {
  const layer = { ...layerOf(tf.ones([3]), tf.zeros([3])), runningVar: tf.variable(tf.ones([4])) };
  throws(() => batchNormTraining(tf.ones([2, 3]), layer), {
    name: "TypeError",
    message: "Cannot apply training batch normalisation: runningVar must have shape [3] (the " +
      "channels of x, shape [2,3]), got [4]",
  });
});

Deno.test("batchNormTraining() throws when a channel has fewer than 2 values", () => {
  throws(() => batchNormTraining(tf.ones([1, 1, 3]), layerOf(tf.ones([3]), tf.zeros([3]))), {
    name: "RangeError",
    message: "Cannot apply training batch normalisation: need at least 2 values per channel, " +
      "got x of shape [1,1,3]; use a larger batch or batchNormInference()",
  });
});

Deno.test("batchNormTraining() throws when the residual's shape differs from x's", () => {
  throws(
    () =>
      batchNormTraining(tf.ones([2, 3]), layerOf(tf.ones([3]), tf.zeros([3])), {
        residual: tf.ones([3, 2]),
      }),
    {
      name: "TypeError",
      message: "Cannot apply training batch normalisation: the residual must be float32 of x's " +
        "shape [2,3], got float32 of shape [3,2]",
    },
  );
});

Deno.test("batchNormTraining() throws when momentum or epsilon is out of range", () => {
  const layer = layerOf(tf.ones([3]), tf.zeros([3]));
  throws(() => batchNormTraining(tf.ones([2, 3]), layer, { momentum: 1.5 }), {
    name: "RangeError",
    message: "Cannot apply training batch normalisation: momentum must be in [0, 1], got 1.5",
  });
  throws(() => batchNormTraining(tf.ones([2, 3]), layer, { epsilon: 0 }), {
    name: "RangeError",
    message: "Cannot apply training batch normalisation: epsilon must be positive, got 0",
  });
});
