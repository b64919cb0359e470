import * as tf from "@tensorflow/tfjs-core";
import { deepEqual, equal, notDeepEqual, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { maxRelativeError, testBackends, useBackend } from "./_testing.ts";
import { Adam } from "./adam.ts";

/** PyTorch's Adam/AdamW update (torch/optim/adam.py, single-tensor path) in float64. */
function referenceAdam(
  start: number[],
  gradients: number[][],
  options: { lr: number; weightDecay?: number },
): number[] {
  const { lr, weightDecay = 0 } = options;
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  const p = [...start];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  gradients.forEach((g, index) => {
    const t = index + 1;
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - lr * weightDecay;
      m[i] += (g[i] - m[i]) * (1 - beta1);
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      const denominator = Math.sqrt(v[i]) / Math.sqrt(1 - beta2 ** t) + eps;
      p[i] -= (lr / (1 - beta1 ** t)) * m[i] / denominator;
    }
  });
  return p;
}

/** Gradients of mixed sign and scale, seeded, for 8 steps on 5 weights. */
function gradientSequence(): number[][] {
  const rng = createRng(11).stream("gradients");
  return Array.from({ length: 8 }, () => Array.from({ length: 5 }, () => rng.normal(0, 2)));
}

const START = [0.5, -1, 2, 0, 1e-3];

function runAdam(options: { lr: number; weightDecay?: number }): Float32Array {
  const w = tf.variable(tf.tensor1d(START));
  const adam = new Adam(new Map([["w", w]]), {
    learningRate: options.lr,
    weightDecay: options.weightDecay,
  });
  for (const g of gradientSequence()) {
    const gradient = tf.tensor1d(g);
    adam.applyGradients(new Map([["w", gradient]]));
    gradient.dispose();
  }
  const values = w.dataSync() as Float32Array;
  adam.dispose();
  w.dispose();
  return values;
}

// Float32 rounding of a few elementwise ops per step is ~1e-7 relative; 8 steps stay below 1e-5.
const TOLERANCE = 1e-5;

Deno.test("Adam matches PyTorch's Adam in float64 within 1e-5 relative over 8 steps", async () => {
  await useBackend("cpu");
  const expected = referenceAdam(START, gradientSequence(), { lr: 0.01 });
  const error = maxRelativeError(runAdam({ lr: 0.01 }), expected);
  ok(error < TOLERANCE, `relative error ${error}`);
});

Deno.test("Adam with weightDecay matches PyTorch's AdamW in float64 within 1e-5 relative", async () => {
  await useBackend("cpu");
  const expected = referenceAdam(START, gradientSequence(), { lr: 0.01, weightDecay: 0.1 });
  const error = maxRelativeError(runAdam({ lr: 0.01, weightDecay: 0.1 }), expected);
  ok(error < TOLERANCE, `relative error ${error}`);
});

Deno.test("Adam.setState() continues bit for bit from a saved state", async () => {
  await useBackend("cpu");
  const gradients = gradientSequence();
  const straight = runAdam({ lr: 0.01 });

  const w = tf.variable(tf.tensor1d(START));
  const first = new Adam(new Map([["w", w]]), { learningRate: 0.01 });
  const apply = (adam: Adam, g: number[]) => {
    const gradient = tf.tensor1d(g);
    adam.applyGradients(new Map([["w", gradient]]));
    gradient.dispose();
  };
  gradients.slice(0, 3).forEach((g) => apply(first, g));
  const { step, tensors } = first.state();
  deepEqual(tensors.map((entry) => entry.name), ["w/m", "w/v"]);
  const saved = Object.fromEntries(tensors.map(({ name, tensor }) => [name, tf.clone(tensor)]));
  first.dispose();

  const second = new Adam(new Map([["w", w]]), { learningRate: 0.01 });
  second.setState(step, saved);
  equal(second.step, 3);
  gradients.slice(3).forEach((g) => apply(second, g));
  deepEqual(w.dataSync(), straight);
  tf.dispose(Object.values(saved));
  second.dispose();
  w.dispose();
});

Deno.test("Adam leaves no tensors behind per step and frees its moments on dispose()", async () => {
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  const w = tf.tidy(() => tf.variable(tf.zeros([4])));
  const adam = new Adam(new Map([["w", w]]));
  const gradient = tf.ones([4]);
  adam.applyGradients(new Map([["w", gradient]]));
  const afterOne = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) adam.applyGradients(new Map([["w", gradient]]));
  equal(tf.memory().numTensors, afterOne);
  adam.dispose();
  tf.dispose([w, gradient]);
  equal(tf.memory().numTensors, before);
});

Deno.test("Adam throws when an option is out of range", () => {
  const variables = new Map<string, tf.Variable>();
  throws(
    () => new Adam(variables, { learningRate: -1 }),
    new RangeError("Cannot create Adam: learningRate must be a finite number >= 0, got -1"),
  );
  throws(
    () => new Adam(variables, { beta2: 1 }),
    new RangeError("Cannot create Adam: beta2 must be in [0, 1), got 1"),
  );
  throws(
    () => new Adam(variables, { epsilon: 0 }),
    new RangeError("Cannot create Adam: epsilon must be a finite number > 0, got 0"),
  );
  throws(
    () => new Adam(variables, { weightDecay: NaN }),
    new RangeError("Cannot create Adam: weightDecay must be a finite number >= 0, got NaN"),
  );
});

Deno.test("Adam throws when a gradient or a restored moment does not fit its variables", async () => {
  await useBackend("cpu");
  const w = tf.variable(tf.zeros([2, 3]));
  const adam = new Adam(new Map([["w", w]]));
  const wrong = tf.zeros([3, 2]);
  throws(
    () => adam.applyGradients(new Map([["v", wrong]])),
    new RangeError(`Cannot apply gradients: "v" is not one of the optimiser's 1 variables`),
  );
  throws(
    () => adam.applyGradients(new Map([["w", wrong]])),
    new RangeError(`Cannot apply gradients: "w" has shape [2,3], its gradient [3,2]`),
  );
  equal(adam.step, 0);
  throws(
    () => adam.setState(1, { "w/m": wrong }),
    new RangeError(`Cannot restore Adam: moment "w/m" has shape [3,2], its variable [2,3]`),
  );
  throws(
    () => adam.setState(1, {}),
    new RangeError(`Cannot restore Adam: moment "w/m" is missing from the state`),
  );
  throws(
    () => adam.setState(1.5, {}),
    new RangeError("Cannot restore Adam: step must be an integer >= 0, got 1.5"),
  );
  tf.dispose([w, wrong]);
  adam.dispose();
});

Deno.test("Adam with weightDecay matches PyTorch's AdamW on a [2, 3] variable within 1e-5 relative", async () => {
  await useBackend("cpu");
  const rng = createRng(12).stream("gradients");
  const start = Array.from({ length: 6 }, () => rng.normal(0, 1));
  const gradients = Array.from(
    { length: 8 },
    () => Array.from({ length: 6 }, () => rng.normal(0, 2)),
  );
  const w = tf.variable(tf.tensor2d(start, [2, 3]));
  const adam = new Adam(new Map([["w", w]]), { learningRate: 0.01, weightDecay: 0.1 });
  for (const g of gradients) {
    const gradient = tf.tensor2d(g, [2, 3]);
    adam.applyGradients(new Map([["w", gradient]]));
    gradient.dispose();
  }
  deepEqual(w.shape, [2, 3]);
  const expected = referenceAdam(start, gradients, { lr: 0.01, weightDecay: 0.1 });
  const error = maxRelativeError(w.dataSync(), expected);
  ok(error < TOLERANCE, `relative error ${error}`);
  adam.dispose();
  w.dispose();
});

Deno.test("Adam leaves a variable without a gradient, and its moments, unchanged", async () => {
  await useBackend("cpu");
  const a = tf.variable(tf.tensor1d([1, 2]));
  const b = tf.variable(tf.tensor1d([3]));
  const adam = new Adam(new Map([["a", a], ["b", b]]), { learningRate: 0.1 });
  const ga = tf.tensor1d([1, -1]);
  adam.applyGradients(new Map([["a", ga]]));
  deepEqual(b.dataSync(), new Float32Array([3]));
  const moments = Object.fromEntries(
    adam.state().tensors.map(({ name, tensor }) => [name, tensor.dataSync()]),
  );
  deepEqual(moments["b/m"], new Float32Array([0]));
  deepEqual(moments["b/v"], new Float32Array([0]));
  tf.dispose([a, b, ga]);
  adam.dispose();
});

Deno.test("Adam gives the same bytes on the cpu and blas backends for the same gradients", async () => {
  const results: Uint8Array[] = [];
  for (const backend of testBackends()) {
    await useBackend(backend);
    const values = runAdam({ lr: 0.01, weightDecay: 0.01 });
    results.push(new Uint8Array(values.slice().buffer));
  }
  for (const bytes of results) deepEqual(bytes, results[0]);
  deepEqual(
    new Uint8Array(runAdam({ lr: 0.01 }).slice().buffer),
    new Uint8Array(runAdam({ lr: 0.01 }).slice().buffer),
  );
});

Deno.test("Adam.state() hands out copies that keep their values and are freed by the next step", async () => {
  await useBackend("cpu");
  const before = tf.memory().numTensors;
  const w = tf.tidy(() => tf.variable(tf.tensor1d([1, -1])));
  const adam = new Adam(new Map([["w", w]]), { learningRate: 0.1 });
  const gradient = tf.tensor1d([0.5, 2]);
  adam.applyGradients(new Map([["w", gradient]]));
  const { step, tensors } = adam.state();
  equal(step, 1);
  deepEqual(tensors.map((entry) => entry.name), ["w/m", "w/v"]);
  equal(adam.state().tensors[0].tensor, tensors[0].tensor);
  const m = Float32Array.from(tensors[0].tensor.dataSync());
  deepEqual(m, new Float32Array([Math.fround(0.05), Math.fround(0.2)]));
  adam.applyGradients(new Map([["w", gradient]]));
  ok(tensors.every(({ tensor }) => tensor.isDisposed));
  notDeepEqual(adam.state().tensors[0].tensor.dataSync(), m);
  adam.dispose();
  tf.dispose([w, gradient]);
  equal(tf.memory().numTensors, before);
});

Deno.test("Adam throws when a variable is not float32 or the optimiser was disposed", async () => {
  await useBackend("cpu");
  const counts = tf.variable(tf.tensor1d([1, 2], "int32"), false);
  throws(
    () => new Adam(new Map([["counts", counts]])),
    new TypeError(
      `Cannot create Adam: variable "counts" has dtype int32; Adam updates float32 variables only`,
    ),
  );
  const w = tf.variable(tf.zeros([2]));
  const adam = new Adam(new Map([["w", w]]));
  adam.dispose();
  throws(
    () => adam.applyGradients(new Map()),
    new TypeError(
      "Cannot apply gradients: this Adam was disposed; create a new one (and setState() to resume)",
    ),
  );
  throws(
    () => adam.state(),
    new TypeError(
      "Cannot read the Adam state: this Adam was disposed; create a new one (and setState() to resume)",
    ),
  );
  tf.dispose([counts, w]);
});
