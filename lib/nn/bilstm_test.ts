import { deepEqual, equal, notDeepEqual, ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../rng.ts";
import { maxRelativeError, testBackends, useBackend, valuesOf } from "./_testing.ts";
import { biLstmConfig, biLstmForward, biLstmParameterCount, createBiLstm } from "./bilstm.ts";
import { bidirectionalLstmLayer, type LstmWeights } from "./lstm.ts";
import { disposeModel, type Model, parameterCount, trainableVariables } from "./model.ts";

function seededInput(seed: number, shape: number[]): tf.Tensor3D {
  const draws = createRng(seed).fillNormal(new Float64Array(tf.util.sizeFromShape(shape)));
  return tf.tensor3d(Float32Array.from(draws), shape as [number, number, number]);
}

function layerWeights(model: Model, l: number, direction: string): LstmWeights {
  const get = (name: string) => model.variables.get(`lstm.${l}.${direction}.${name}`) as tf.Tensor;
  return {
    kernel: get("kernel") as tf.Tensor2D,
    recurrentKernel: get("recurrent_kernel") as tf.Tensor2D,
    bias: get("bias") as tf.Tensor1D,
  };
}

/** The network written out: stacked layers, then the head as one matrix product. */
function composedForward(model: Model, x: tf.Tensor3D, layers: number): tf.Tensor2D {
  let h = x;
  for (let l = 0; l < layers; l++) {
    h = bidirectionalLstmLayer(
      h,
      layerWeights(model, l, "forward"),
      layerWeights(model, l, "backward"),
    );
  }
  const kernel = model.variables.get("head.kernel") as tf.Tensor2D;
  return tf.add(
    tf.matMul(tf.reshape(h, [-1, kernel.shape[0]]), kernel),
    model.variables.get("head.bias") as tf.Tensor,
  );
}

Deno.test("createBiLstm() has 2 (F_l 4H + H 4H + 4H) parameters per layer plus the head (features 5, hidden 3, 3 layers, 2 outputs; frame and flatten heads)", () => {
  const rng = createRng(1);
  // Layer 0: 2 (5 12 + 3 12 + 12) = 216; layers 1, 2: 2 (6 12 + 3 12 + 12) = 240 each.
  const frame = createBiLstm({ features: 5, hidden: 3, layers: 3, outputs: 2 }, rng);
  equal(parameterCount(frame), 216 + 240 + 240 + 6 * 2 + 2);
  equal(
    biLstmParameterCount(frame.config as ReturnType<typeof biLstmConfig>),
    parameterCount(frame),
  );
  const options = { features: 5, hidden: 3, layers: 3, outputs: 2, length: 7 };
  const flatten = createBiLstm({ ...options, head: "flatten" }, rng);
  equal(parameterCount(flatten), 216 + 240 + 240 + 7 * 6 * 2 + 2);
  disposeModel(frame);
  disposeModel(flatten);
});

Deno.test("biLstmParameterCount() gives the repository's segmentation RNN 4096 fewer parameters than PyTorch's 1,325,827 (one bias per direction)", () => {
  // PyTorch: layer 0 2 (6 512 + 128 512 + 2 512) = 139,264; layers 1-3 2 (256 512 + 128 512
  // + 2 512) = 395,264 each; Linear(256, 3) 771. Ours drops 512 per direction and layer.
  const config = biLstmConfig({
    features: 6,
    hidden: 128,
    layers: 4,
    outputs: 3,
    headDropout: 0.1,
  });
  equal(biLstmParameterCount(config), 139_264 + 3 * 395_264 + 771 - 4 * 2 * 512);
});

Deno.test("createBiLstm() gives the same weights for the same seed and different ones for another (seed 3 vs 4)", () => {
  const options = { features: 4, hidden: 5, layers: 2, outputs: 3 };
  const a = createBiLstm(options, createRng(3));
  const b = createBiLstm(options, createRng(3));
  const c = createBiLstm(options, createRng(4));
  deepEqual([...a.variables.keys()], [...b.variables.keys()]);
  for (const [name, variable] of a.variables) {
    deepEqual(valuesOf(variable), valuesOf(b.variables.get(name) as tf.Variable), name);
    notDeepEqual(valuesOf(variable), valuesOf(c.variables.get(name) as tf.Variable), name);
  }
  [a, b, c].forEach(disposeModel);
});

Deno.test("createBiLstm() holds one tensor per variable, all freed by disposeModel()", () => {
  const before = tf.memory().numTensors;
  const model = createBiLstm({ features: 4, hidden: 5, layers: 2, outputs: 3 }, createRng(1));
  equal(tf.memory().numTensors - before, model.variables.size);
  disposeModel(model);
  equal(tf.memory().numTensors, before);
});

Deno.test("createBiLstm() names its variables with PyTorch's weight layouts transposed", () => {
  const model = createBiLstm({ features: 4, hidden: 5, layers: 2, outputs: 3 }, createRng(1));
  const shapes = Object.fromEntries(
    [...model.variables].map(([name, variable]) => [name, variable.shape.join("x")]),
  );
  const expected: Record<string, string> = { "head.kernel": "10x3", "head.bias": "3" };
  for (const [l, inputs] of [[0, 4], [1, 10]]) {
    for (const direction of ["forward", "backward"]) {
      expected[`lstm.${l}.${direction}.kernel`] = `${inputs}x20`;
      expected[`lstm.${l}.${direction}.recurrent_kernel`] = "5x20";
      expected[`lstm.${l}.${direction}.bias`] = "20";
    }
  }
  deepEqual(shapes, expected);
  equal(trainableVariables(model).length, 14);
  disposeModel(model);
});

Deno.test("createBiLstm() draws weights within 1/sqrt(H), biases as sums of two such draws, and the head within 1/sqrt(fan_in) (hidden 16, seed 2)", () => {
  const hidden = 16;
  const bound = 1 / Math.sqrt(hidden);
  const model = createBiLstm({ features: 3, hidden, layers: 1, outputs: 2 }, createRng(2));
  const largest = (name: string) =>
    Math.max(...valuesOf(model.variables.get(name) as tf.Variable).map(Math.abs));
  ok(largest("lstm.0.forward.kernel") < bound);
  ok(largest("lstm.0.backward.recurrent_kernel") < bound);
  // A sum of two U(-k, k) exceeds k in magnitude with probability 1/4: among 64 entries the
  // chance that none does is 0.75^64 = 1e-8.
  const bias = largest("lstm.0.forward.bias");
  ok(bias > bound && bias < 2 * bound);
  ok(largest("head.kernel") < 1 / Math.sqrt(2 * hidden));
  disposeModel(model);
});

for (const backend of testBackends()) {
  Deno.test(`biLstmForward() equals stacked bidirectionalLstmLayer() calls and a per-frame dense head (B 2, T 6, 3 features, hidden 4, 2 layers, ${backend})`, async () => {
    await useBackend(backend);
    const model = createBiLstm({ features: 3, hidden: 4, layers: 2, outputs: 3 }, createRng(5));
    tf.tidy(() => {
      const x = seededInput(6, [2, 6, 3]);
      const logits = biLstmForward(model, x);
      deepEqual(logits.shape, [2, 6, 3]);
      equal(maxRelativeError(valuesOf(logits), valuesOf(composedForward(model, x, 2))), 0);
    });
    disposeModel(model);
  });

  Deno.test(`biLstmForward() with the flatten head applies one dense layer to the time-major flattened sequence (${backend})`, async () => {
    await useBackend(backend);
    const options = { features: 3, hidden: 4, layers: 1, outputs: 2, head: "flatten" as const };
    const model = createBiLstm({ ...options, length: 6 }, createRng(7));
    tf.tidy(() => {
      const x = seededInput(8, [2, 6, 3]);
      const out = biLstmForward(model, x);
      deepEqual(out.shape, [2, 2]);
      const h = bidirectionalLstmLayer(
        x,
        layerWeights(model, 0, "forward"),
        layerWeights(model, 0, "backward"),
      );
      const expected = tf.add(
        tf.matMul(tf.reshape(h, [2, 48]), model.variables.get("head.kernel") as tf.Tensor2D),
        model.variables.get("head.bias") as tf.Tensor,
      );
      ok(maxRelativeError(valuesOf(out), valuesOf(expected)) < 1e-6);
    });
    disposeModel(model);
  });

  Deno.test(`biLstmForward() gradients reach every trainable variable and leak no tensors (${backend})`, async () => {
    await useBackend(backend);
    const model = createBiLstm(
      { features: 3, hidden: 4, layers: 2, outputs: 3, dropout: 0.2, headDropout: 0.2 },
      createRng(9),
    );
    const x = seededInput(10, [2, 5, 3]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const dropoutRng = createRng(11);
      const { grads } = tf.variableGrads(
        () => tf.sum(biLstmForward(model, x, { dropoutRng })) as tf.Scalar,
        trainableVariables(model),
      );
      equal(Object.keys(grads).length, 14);
      for (const g of Object.values(grads)) ok(valuesOf(g).some((v) => v !== 0));
    });
    equal(tf.memory().numTensors, before);
    x.dispose();
    disposeModel(model);
  });
}

Deno.test("biLstmForward() applies inverted dropout masks drawn from dropoutRng, and none without it", async () => {
  await useBackend("cpu");
  const rate = 0.5;
  const model = createBiLstm(
    { features: 3, hidden: 4, layers: 1, outputs: 2, headDropout: rate },
    createRng(12),
  );
  tf.tidy(() => {
    const x = seededInput(13, [2, 5, 3]);
    const plain = valuesOf(biLstmForward(model, x));
    equal(maxRelativeError(plain, valuesOf(composedForward(model, x, 1))), 0);
    const dropped = valuesOf(biLstmForward(model, x, { dropoutRng: createRng(14) }));
    // The same mask by hand: entries with u < rate zeroed, the rest scaled by 1/(1 - rate).
    const h = bidirectionalLstmLayer(
      x,
      layerWeights(model, 0, "forward"),
      layerWeights(model, 0, "backward"),
    );
    const draws = createRng(14).fillUniform(new Float64Array(h.size));
    const mask = tf.tensor(
      Float32Array.from(draws, (u) => (u < rate ? 0 : 1 / (1 - rate))),
      h.shape,
    );
    const expected = tf.add(
      tf.matMul(
        tf.reshape(tf.mul(h, mask), [-1, 8]),
        model.variables.get("head.kernel") as tf.Tensor2D,
      ),
      model.variables.get("head.bias") as tf.Tensor,
    );
    ok(maxRelativeError(dropped, valuesOf(expected)) < 1e-6);
  });
  disposeModel(model);
});

Deno.test("biLstmForward() throws when x does not have the model's feature count", () => {
  const model = createBiLstm({ features: 3, hidden: 4, layers: 1, outputs: 2 }, createRng(1));
  throws(
    () => biLstmForward(model, tf.zeros([2, 5, 4])),
    new TypeError(
      "Cannot run BiLSTM: x must have shape [batch, time, 3], got [2, 5, 4]; the model was " +
        "built for 3 features per frame",
    ),
  );
  disposeModel(model);
});

Deno.test("biLstmForward() throws when the flatten head gets another sequence length", () => {
  const model = createBiLstm(
    { features: 3, hidden: 4, layers: 1, outputs: 2, head: "flatten", length: 6 },
    createRng(1),
  );
  throws(
    () => biLstmForward(model, tf.zeros([2, 5, 3])),
    new TypeError(
      "Cannot run BiLSTM: the flatten head needs 6 time steps, got 5; pad or cut sequences to 6 frames",
    ),
  );
  disposeModel(model);
});

Deno.test("biLstmForward() throws when the model is not a BiLSTM", () => {
  throws(
    () => biLstmForward({ config: { kind: "bimamba" }, variables: new Map() }, tf.zeros([1, 2, 3])),
    new TypeError(
      'Cannot run BiLSTM: the model\'s kind is "bimamba", not "bilstm"; use the forward function of that kind',
    ),
  );
});

Deno.test("createBiLstm() throws when a size is not a positive integer", () => {
  throws(
    () => createBiLstm({ features: 6, hidden: 0, layers: 2, outputs: 3 }, createRng(1)),
    new RangeError(
      "Cannot create BiLSTM: hidden must be an integer >= 1, got 0; e.g. {features: 6, " +
        "hidden: 32, layers: 2, outputs: 3}",
    ),
  );
});

Deno.test("createBiLstm() throws when a dropout rate is outside [0, 1)", () => {
  throws(
    () => createBiLstm({ features: 6, hidden: 8, layers: 2, outputs: 3, dropout: 1 }, createRng(1)),
    new RangeError(
      "Cannot create BiLSTM: dropout must be in [0, 1), got 1; use 0 to switch it off",
    ),
  );
});

Deno.test("createBiLstm() throws when the head is unknown", () => {
  const options = { features: 6, hidden: 8, layers: 2, outputs: 3, head: "dense" };
  throws(
    () => createBiLstm(options as unknown as Parameters<typeof createBiLstm>[0], createRng(1)),
    new RangeError(
      'Cannot create BiLSTM: head must be "frame" or "flatten", got "dense"; use "frame" for per-frame outputs',
    ),
  );
});

Deno.test("createBiLstm() throws when the flatten head has no length", () => {
  throws(
    () =>
      createBiLstm(
        { features: 6, hidden: 8, layers: 2, outputs: 2, head: "flatten" },
        createRng(1),
      ),
    new RangeError(
      "Cannot create BiLSTM: length must be an integer >= 1, got undefined; the flatten head " +
        "needs the sequence length it reads",
    ),
  );
});
