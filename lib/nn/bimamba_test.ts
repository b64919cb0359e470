import { deepEqual, equal, ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../rng.ts";
import {
  addBiMambaBlockVariables,
  alphaMae,
  biMambaBlock,
  biMambaForward,
  biMambaLoss,
  biMambaStackForward,
  createBiMamba,
  createBiMambaStack,
  kMsle,
  weightedCrossEntropy,
} from "./bimamba.ts";
import { parameterCount, trainableVariables } from "./model.ts";
import { maxRelativeError, testBackends, useBackend, valuesOf } from "./_testing.ts";

function normal(seed: number, shape: number[], std = 1): tf.Tensor {
  const draws = createRng(seed).fillNormal(new Float64Array(tf.util.sizeFromShape(shape)), 0, std);
  return tf.tensor(Float32Array.from(draws), shape);
}

function countUnder(variables: Map<string, tf.Variable>, prefix: string): number {
  let count = 0;
  for (const [name, variable] of variables) {
    if (name.startsWith(prefix) && variable.trainable) count += variable.size;
  }
  return count;
}

Deno.test("createBiMamba() has 6,111 segmentation, 5,826 per head and 17,763 parameters", () => {
  const model = createBiMamba({}, createRng(0));
  equal(countUnder(model.variables, "segmentation."), 6111);
  equal(countUnder(model.variables, "model_alpha."), 5826);
  equal(countUnder(model.variables, "model_K."), 5826);
  equal(countUnder(model.variables, "model_K.Bi_blocks."), 3038);
  equal(countUnder(model.variables, "model_K.dense."), 2788);
  equal(parameterCount(model), 17763);
  deepEqual(model.variables.get("model_alpha.dense.weight")!.shape, [199 * 7, 2]);
});

Deno.test("createBiMamba() gives identical weights for the same seed and different for another", () => {
  const first = createBiMamba({ length: 10 }, createRng(7));
  const second = createBiMamba({ length: 10 }, createRng(7));
  const other = createBiMamba({ length: 10 }, createRng(8));
  let differing = 0;
  for (const [name, variable] of first.variables) {
    deepEqual(valuesOf(variable), valuesOf(second.variables.get(name)!), name);
    const a = valuesOf(variable);
    const b = valuesOf(other.variables.get(name)!);
    if (a.some((v, i) => v !== b[i])) differing++;
  }
  // Everything random differs; LayerNorm weights, A_log and D are constants.
  ok(differing > 0.5 * first.variables.size, `${differing} of ${first.variables.size} differ`);
});

for (const backend of testBackends()) {
  Deno.test(
    `biMambaForward() gives logits (B, L, 3), alpha in (0, 2) and K >= 0 (${backend})`,
    async () => {
      await useBackend(backend);
      const model = createBiMamba({ length: 12 }, createRng(1));
      // Inputs of spread 3 move the heads' pre-activations well away from 0 while keeping
      // 2 sigmoid(.) below float32's rounding to exactly 0 or 2 (|logit| < ~17).
      const features = normal(2, [3, 12, 6], 3);
      const mask = tf.tensor2d([Array(12).fill(1), Array(12).fill(1), [
        ...Array(6).fill(1),
        ...Array(6).fill(0),
      ]]);
      const { logits, alpha, k } = biMambaForward(model, features, mask);
      deepEqual(logits.shape, [3, 12, 3]);
      deepEqual(alpha.shape, [3, 2]);
      deepEqual(k.shape, [3, 2]);
      ok(valuesOf(alpha).every((a) => a > 0 && a < 2), `alpha ${valuesOf(alpha)}`);
      ok(valuesOf(k).every((v) => v === 0 || (v >= 1e-7 && v <= 1e12)), `K ${valuesOf(k)}`);
    },
  );

  Deno.test(
    `biMambaBlock() gradients match central finite differences on a tiny input (${backend})`,
    async () => {
      await useBackend(backend);
      const variables = new Map<string, tf.Variable>();
      addBiMambaBlockVariables(variables, "b", 4, createRng(3), { dState: 4 });
      const x = tf.variable(normal(4, [2, 5, 4]));
      const weights = normal(5, [2, 5, 4]);
      const weightValues = valuesOf(weights);
      const loss = () => tf.sum(tf.mul(biMambaBlock(variables, "b", x), weights)) as tf.Scalar;
      const checked = new Map<string, tf.Variable>([["x", x]]);
      for (
        const name of [
          "b.norm1.weight",
          "b.forward_mamba.in_proj.weight",
          "b.backward_mamba.x_proj.weight",
          "b.backward_mamba.A_log",
          "b.norm2.bias",
          "b.feed_forward.0.weight",
          "b.feed_forward.2.bias",
        ]
      ) checked.set(name, variables.get(name)!);
      const { grads } = tf.variableGrads(loss, [...checked.values()]);
      const h = 1e-2;
      for (const [name, variable] of checked) {
        const analytic = valuesOf(grads[variable.name]);
        const original = Float32Array.from(valuesOf(variable));
        const indices = [0, 1, 2].map((i) => Math.floor((i * original.length) / 3));
        const numeric = indices.map((index) => {
          const sides = [h, -h].map((step) => {
            const probe = Float32Array.from(original);
            probe[index] += step;
            variable.assign(tf.tensor(probe, variable.shape));
            const y = valuesOf(biMambaBlock(variables, "b", x));
            return y.reduce((sum, v, i) => sum + v * weightValues[i], 0);
          });
          variable.assign(tf.tensor(original, variable.shape));
          return (sides[0] - sides[1]) / (2 * h);
        });
        // h = 1e-2: truncation h^2/6 |f'''| ~1e-4 relative; the forward runs in float32 (SIMD
        // scan), so the loss, a sum of 40 outputs of order 1, carries ~2e-6 of rounding, i.e.
        // up to ~1e-4 absolute in a difference quotient over 2h. Relative to |g| + 0.1 both
        // stay under 1e-3; the bound is twice that.
        const error = maxRelativeError(indices.map((i) => analytic[i]), numeric, 0.1);
        ok(error < 2e-3, `${name}: error ${error}`);
      }
      tf.dispose(Object.values(grads));
    },
  );

  Deno.test(
    `biMambaStackForward() gives per-frame outputs and trains under Adam (${backend})`,
    async () => {
      await useBackend(backend);
      const model = createBiMambaStack(
        { dModel: 8, dState: 4, expand: 2, layers: 2, outputs: 3 },
        createRng(6),
      );
      const x = normal(7, [2, 6, 8]);
      deepEqual(biMambaStackForward(model, x).shape, [2, 6, 3]);
      const targets = tf.tensor2d([[1, 2, 1, 2, 1, 2], [2, 2, 1, 1, 2, 1]]);
      const optimizer = tf.train.adam(1e-2);
      const loss = () => weightedCrossEntropy(biMambaStackForward(model, x), targets);
      const first = tf.tidy(() => loss().dataSync()[0]);
      for (let i = 0; i < 10; i++) optimizer.minimize(loss, false, trainableVariables(model));
      const last = tf.tidy(() => loss().dataSync()[0]);
      ok(last < first, `loss ${first} -> ${last}`);
      optimizer.dispose();
    },
  );
}

Deno.test("biMambaForward() feeds argmax classes to the heads, 0 where the mask is 0", () => {
  const model = createBiMamba({ length: 8 }, createRng(9));
  const features = normal(10, [1, 8, 6]);
  const reference = biMambaForward(model, features, tf.ones([1, 8]));
  const logits = valuesOf(reference.logits);
  const classes = [...Array(8).keys()].map((t) => {
    const row = Array.from(logits.subarray(t * 3, t * 3 + 3));
    return row.indexOf(Math.max(...row));
  });
  const zeroClass = classes.flatMap((c, t) => (c === 0 ? [t] : []));
  const otherClass = classes.flatMap((c, t) => (c !== 0 ? [t] : []));
  ok(zeroClass.length > 0 && otherClass.length > 0, `classes ${classes}`);
  const maskOut = (steps: number[]) =>
    tf.tensor2d([[...Array(8).keys()].map((t) => (steps.includes(t) ? 0 : 1))]);
  // Masking steps whose argmax is already 0 changes nothing ...
  const same = biMambaForward(model, features, maskOut(zeroClass));
  deepEqual(valuesOf(same.alpha), valuesOf(reference.alpha));
  deepEqual(valuesOf(same.logits), valuesOf(reference.logits));
  // ... masking a step of class 1 or 2 changes the heads' input, not the segmentation.
  const changed = biMambaForward(model, features, maskOut(otherClass.slice(0, 1)));
  deepEqual(valuesOf(changed.logits), valuesOf(reference.logits));
  ok(valuesOf(changed.alpha).some((a, i) => a !== valuesOf(reference.alpha)[i]));
});

Deno.test("weightedCrossEntropy() weights classes 1 and 2 by n / (2 n_k) and ignores class 0", () => {
  // Targets: three of class 1, one of class 2, two padding: n = 4, w1 = 4/6, w2 = 4/2.
  const logits = tf.tensor3d([[[0, 1, 2], [0, 0, 0], [1, 0, 0], [3, 0, 1], [0, 2, 0], [5, 5, 5]]]);
  const targets = tf.tensor2d([[1, 1, 1, 2, 0, 0]]);
  const rows = [[0, 1, 2], [0, 0, 0], [1, 0, 0], [3, 0, 1]];
  const labels = [1, 1, 1, 2];
  const weightOf = [0, 4 / 6, 4 / 2];
  let weighted = 0;
  let total = 0;
  rows.forEach((row, i) => {
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    weighted += weightOf[labels[i]] * (logSum - row[labels[i]]);
    total += weightOf[labels[i]];
  });
  const loss = weightedCrossEntropy(logits, targets).dataSync()[0];
  ok(Math.abs(loss - weighted / total) < 1e-6, `${loss} vs ${weighted / total}`);
});

Deno.test("weightedCrossEntropy() is 0 when every position is padding", () => {
  equal(weightedCrossEntropy(tf.ones([1, 2, 3]), tf.zeros([1, 2])).dataSync()[0], 0);
});

Deno.test("biMambaLoss() is the unweighted sum of cross entropy, alpha MAE and K MSLE", () => {
  const prediction = {
    logits: normal(11, [2, 4, 3]),
    alpha: tf.tensor2d([[0.5, 1.5], [1, 1]]),
    k: tf.tensor2d([[0, 2], [1e-3, 10]]),
  };
  const targets = {
    segmentation: tf.tensor2d([[1, 1, 2, 0], [2, 1, 1, 1]]),
    alpha: tf.tensor2d([[1, 1], [0.2, 1.9]]),
    k: tf.tensor2d([[1, 2], [0, 5]]),
  };
  const terms = biMambaLoss(prediction, targets);
  const mae = (0.5 + 0.5 + 0.8 + 0.9) / 4;
  const msle = (Math.log(2) ** 2 + 0 + Math.log1p(1e-3) ** 2 + (Math.log(11) - Math.log(6)) ** 2) /
    4;
  ok(Math.abs(alphaMae(prediction.alpha, targets.alpha).dataSync()[0] - mae) < 1e-6);
  ok(Math.abs(kMsle(prediction.k, targets.k).dataSync()[0] - msle) < 1e-6);
  const sum = terms.crossEntropy.dataSync()[0] + mae + msle;
  ok(Math.abs(terms.total.dataSync()[0] - sum) < 1e-5);
});

Deno.test("createBiMamba() and createBiMambaStack() throw when a size is not a positive integer", () => {
  throws(() => createBiMamba({ segmentationBlocks: 0 }, createRng(0)), {
    name: "RangeError",
    message: "Cannot create the Bi-Mamba network: segmentationBlocks must be a positive " +
      "integer, got 0",
  });
  throws(() => createBiMamba({ length: 2.5 }, createRng(0)), {
    name: "RangeError",
    message: "Cannot create the Bi-Mamba network: length must be a positive integer, got 2.5",
  });
  throws(() => createBiMambaStack({ dModel: 8, layers: -1, outputs: 3 }, createRng(0)), {
    name: "RangeError",
    message: "Cannot create the Bi-Mamba stack: layers must be a positive integer, got -1",
  });
});

Deno.test("biMambaForward() throws when features or mask do not match the model", () => {
  const model = createBiMamba({ length: 10 }, createRng(0));
  throws(() => biMambaForward(model, tf.zeros([2, 9, 6]), tf.ones([2, 9])), {
    name: "TypeError",
    message: "Cannot run the Bi-Mamba network: features must have shape (B, 10, 6), got [2,9,6]",
  });
  throws(() => biMambaForward(model, tf.zeros([2, 10, 6]), tf.ones([2, 9])), {
    name: "TypeError",
    message: "Cannot run the Bi-Mamba network: mask must have shape [2,10], got [2,9]",
  });
  const stack = createBiMambaStack({ dModel: 6, layers: 1, outputs: 3 }, createRng(0));
  throws(() => biMambaForward(stack, tf.zeros([2, 10, 6]), tf.ones([2, 10])), {
    name: "TypeError",
    message: `Cannot run the Bi-Mamba network: the model is a "bimamba_stack" network; ` +
      `build it with createBiMamba()`,
  });
  throws(() => biMambaStackForward(stack, tf.zeros([2, 10, 5])), {
    name: "TypeError",
    message: "Cannot run the Bi-Mamba stack: x must have shape (B, T, 6), got [2,10,5]",
  });
});

Deno.test("weightedCrossEntropy(), alphaMae() and kMsle() throw on mismatched inputs", () => {
  throws(() => weightedCrossEntropy(tf.zeros([1, 2, 3]), tf.zeros([1, 3])), {
    name: "TypeError",
    message: "Cannot compute the weighted cross entropy: logits must be (B, L, C) and targets " +
      "(B, L), got logits [1,2,3] and targets [1,3]",
  });
  throws(() => weightedCrossEntropy(tf.zeros([1, 2, 3]), tf.tensor2d([[1, 3]])), {
    name: "RangeError",
    message: "Cannot compute the weighted cross entropy: targets must be integers in 0..2, got 3",
  });
  throws(() => alphaMae(tf.zeros([2, 2]), tf.zeros([2, 1])), {
    name: "TypeError",
    message: "Cannot compute the alpha MAE: prediction and target shapes differ, got [2,2] " +
      "and [2,1]",
  });
  throws(() => kMsle(tf.zeros([2]), tf.zeros([2, 2])), {
    name: "TypeError",
    message: "Cannot compute the K MSLE: prediction and target shapes differ, got [2] and [2,2]",
  });
});
