import { deepEqual, equal, notDeepEqual, ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../rng.ts";
import { disposeModel, type Model, parameterCount } from "./model.ts";
import {
  createResandi,
  resandiForward,
  resandiHead,
  resandiLoss,
  resandiTrunk,
} from "./resandi.ts";
import {
  finiteDifference,
  maxRelativeError,
  testBackends,
  useBackend,
  valuesOf,
} from "./_testing.ts";

/** The same network from TF.js's stock ops (tf.moments + tf.batchNorm + tf.relu, tf.maxPool). */
function referenceLogits(model: Model, x: tf.Tensor3D): tf.Tensor2D {
  const v = (name: string) => model.variables.get(name)!;
  const conv = (name: string, h: tf.Tensor, stride: number, pad: number) =>
    tf.conv1d(h as tf.Tensor3D, v(`${name}.kernel`) as tf.Tensor3D, stride, [
      [0, 0],
      [0, 0],
      [pad, pad],
      [0, 0],
    ]);
  const norm = (name: string, h: tf.Tensor) => {
    const { mean, variance } = tf.moments(h, [0, 1]);
    return tf.batchNorm(h, mean, variance, v(`${name}.beta`), v(`${name}.gamma`), 1e-5);
  };
  let h: tf.Tensor = tf.relu(norm("bn1", conv("conv1", x, 2, 17)));
  const [batch, length, channels] = h.shape;
  const unpooled = tf.reshape(h, [batch, 1, length, channels]) as tf.Tensor4D;
  const pooled = tf.maxPool(unpooled, [1, 3], [1, 2], [[0, 0], [0, 0], [1, 1], [0, 0]]);
  h = tf.reshape(pooled, [batch, -1, channels]);
  for (
    const [stage, stride] of [["layer1", 1], ["layer2", 2], ["layer3", 2], ["layer4", 2]] as const
  ) {
    for (const block of [0, 1]) {
      const p = `${stage}.${block}`;
      const s = block === 0 ? stride : 1;
      const y = norm(
        `${p}.bn2`,
        conv(`${p}.conv2`, tf.relu(norm(`${p}.bn1`, conv(`${p}.conv1`, h, s, 7))), 1, 7),
      );
      const shortcut = model.variables.has(`${p}.downsample.0.kernel`)
        ? norm(`${p}.downsample.1`, conv(`${p}.downsample.0`, h, s, 0))
        : h;
      h = tf.relu(tf.add(y, shortcut));
    }
  }
  return tf.add(tf.matMul(tf.mean(h, 1) as tf.Tensor2D, v("fc.kernel")), v("fc.bias"));
}

function trajectories(seed: number, shape: [number, number, number]): tf.Tensor3D {
  const size = shape[0] * shape[1] * shape[2];
  const values = createRng(seed).fillUniform(new Float64Array(size));
  return tf.tensor3d(Float32Array.from(values), shape);
}

Deno.test("createResandi() has 18,499,336 trainable parameters at width 64 (§4) and 1,159,624 at width 16", () => {
  const paper = createResandi({}, createRng(1));
  equal(parameterCount(paper), 18_499_336);
  equal(paper.config.kind, "resandi");
  disposeModel(paper);
  // Width 16 by hand: stem 35*2*16 + 2*16, layer1 2*(2*15*16*16 + 2*2*16), layer2 15*16*32 +
  // 3*15*32*32 + 16*32 + 5*2*32, layer3 and layer4 likewise, fc 128*8 + 8.
  const quarter = createResandi({ width: 16 }, createRng(1));
  equal(parameterCount(quarter), 1_159_624);
  const running = [...quarter.variables.values()].filter((v) => !v.trainable).length;
  equal(running, 2 * 20); // 20 batch norms, two running statistics each
  disposeModel(quarter);
});

Deno.test("createResandi() gives the same weights for the same seed and different ones for another", () => {
  const a = createResandi({ width: 4 }, createRng(7));
  const b = createResandi({ width: 4 }, createRng(7));
  const c = createResandi({ width: 4 }, createRng(8));
  deepEqual([...a.variables.keys()], [...b.variables.keys()]);
  for (const [name, variable] of a.variables) {
    deepEqual(valuesOf(variable), valuesOf(b.variables.get(name)!), name);
  }
  notDeepEqual(
    valuesOf(a.variables.get("conv1.kernel")!),
    valuesOf(c.variables.get("conv1.kernel")!),
  );
  for (const model of [a, b, c]) disposeModel(model);
});

Deno.test("createResandi() draws conv kernels with std sqrt(2 / (c_out k)) within 1 % (n = 245,760) and sets batch norms to 1, 0, 0, 1", () => {
  const model = createResandi({ width: 16 }, createRng(3));
  const kernel = valuesOf(model.variables.get("layer4.1.conv2.kernel")!);
  let sumSq = 0;
  for (const v of kernel) sumSq += v * v;
  // The sample std of n normals has relative standard error 1 / sqrt(2n) = 0.0014; 1 % is 7 sigma.
  const std = Math.sqrt(sumSq / kernel.length);
  ok(Math.abs(std / Math.sqrt(2 / (128 * 15)) - 1) < 0.01, `std ${std}`);
  const bound = 1 / Math.sqrt(128);
  ok(valuesOf(model.variables.get("fc.kernel")!).every((v) => Math.abs(v) < bound));
  ok(valuesOf(model.variables.get("fc.bias")!).every((v) => Math.abs(v) < bound));
  const expected = { gamma: 1, beta: 0, runningMean: 0, runningVar: 1 };
  for (const [field, value] of Object.entries(expected)) {
    const variable = model.variables.get(`layer2.0.downsample.1.${field}`)!;
    ok(valuesOf(variable).every((v) => v === value), field);
    equal(variable.trainable, field === "gamma" || field === "beta");
  }
  disposeModel(model);
});

for (const backend of testBackends()) {
  Deno.test(`resandiForward() leaves 32 positions in layer4 for L = 1000 and 7 for L = 200 (width 2) (${backend})`, async () => {
    await useBackend(backend);
    const model = createResandi({ width: 2, classes: 5 }, createRng(1));
    for (const [length, positions] of [[1000, 32], [200, 7]]) {
      tf.tidy(() => {
        const { logits, layer4 } = resandiForward(model, trajectories(2, [3, length, 2]));
        deepEqual(layer4.shape, [3, positions, 16]);
        deepEqual(logits.shape, [3, 5]);
      });
    }
    disposeModel(model);
  });

  Deno.test(`resandiForward() gradients of every variable equal those of a stock-op reference within 1e-3 (width 4, L = 64, B = 4) (${backend})`, async () => {
    await useBackend(backend);
    const model = createResandi({ width: 4 }, createRng(5));
    const x = trajectories(6, [4, 64, 2]);
    const labels = [0, 3, 5, 7];
    const trainable = [...model.variables.values()].filter((v) => v.trainable);
    const ours = tf.tidy(() =>
      tf.variableGrads(
        () => resandiLoss(resandiForward(model, x, { training: true }).logits, labels),
        trainable,
      ).grads
    );
    const reference = tf.tidy(() =>
      tf.variableGrads(() => resandiLoss(referenceLogits(model, x), labels), trainable).grads
    );
    for (const [name, variable] of model.variables) {
      if (!variable.trainable) continue;
      const expected = valuesOf(reference[variable.name]);
      // Relative to the variable's largest entry: float32 sums in a different order.
      const scale = Math.max(...expected.map(Math.abs), 1e-6);
      ok(maxRelativeError(valuesOf(ours[variable.name]), expected, scale) < 1e-3, name);
    }
    tf.dispose([ours, reference]);
    disposeModel(model);
  });

  Deno.test(`resandiForward() gradients of the last block and head match finite differences within 1 % (width 4, L = 64, B = 4, h = 1e-3) (${backend})`, async () => {
    await useBackend(backend);
    const model = createResandi({ width: 4 }, createRng(5));
    const x = trajectories(6, [4, 64, 2]);
    const labels = [0, 3, 5, 7];
    const loss = () =>
      resandiLoss(resandiForward(model, x, { training: true }).logits, labels) as tf.Scalar;
    // Entries that reach real positions (layer4 has 2 here, so only central conv taps matter).
    const checks: [string, number[]][] = [
      ["fc.kernel", [0, 1, 100, 255]],
      ["fc.bias", [0, 7]],
      ["layer4.1.bn2.gamma", [0, 5, 31]],
      ["layer4.1.conv2.kernel", [7 * 32 * 32, 7 * 32 * 32 + 33, 8 * 32 * 32 + 500]],
    ];
    for (const [name, entries] of checks) {
      const variable = model.variables.get(name)!;
      const grad = tf.tidy(() => valuesOf(tf.variableGrads(loss, [variable]).grads[variable.name]));
      const original = Float32Array.from(valuesOf(variable));
      const numeric = finiteDifference(
        (p) => {
          const values = Float32Array.from(original);
          entries.forEach((entry, k) => values[entry] = p[k]);
          tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
          return tf.tidy(() => loss().dataSync()[0]);
        },
        Float32Array.from(entries, (i) => original[i]),
        1e-3,
      );
      tf.tidy(() => variable.assign(tf.tensor(original, variable.shape)));
      // h = 1e-3: truncation ~h^2 is negligible; float32 rounding of a loss ~2 through the
      // network (~1e-6) over 2h gives ~5e-4 absolute, 1 % of gradients ~0.05. The deeper
      // layers cross ReLU kinks within any usable h; the reference test above covers them.
      const picked = entries.map((entry) => grad[entry]);
      const scale = Math.max(...numeric.map(Math.abs));
      ok(maxRelativeError(picked, numeric, scale) < 0.01, `${name}: ${picked} vs ${numeric}`);
    }
    disposeModel(model);
  });
}

Deno.test("resandiForward() updates running statistics only in training mode, and an optimiser step leaks no tensors", async () => {
  await useBackend("cpu");
  const model = createResandi({ width: 2 }, createRng(9));
  const x = trajectories(10, [4, 64, 2]);
  const runningMean = model.variables.get("layer1.0.bn1.runningMean")!;
  tf.tidy(() => resandiForward(model, x));
  ok(valuesOf(runningMean).every((v) => v === 0));
  const optimizer = tf.train.adam(1e-4);
  const step = () =>
    tf.tidy(() => {
      optimizer.minimize(() =>
        resandiLoss(resandiForward(model, x, { training: true }).logits, [0, 1, 2, 3])
      );
    });
  step();
  ok(valuesOf(runningMean).some((v) => v !== 0));
  const before = tf.memory().numTensors;
  step();
  equal(tf.memory().numTensors, before);
  optimizer.dispose();
  disposeModel(model);
});

Deno.test("resandiHead() averages layer4 over positions and applies the Linear layer", async () => {
  await useBackend("cpu");
  const model = createResandi({ width: 1, classes: 2 }, createRng(11));
  const layer4 = tf.tensor3d([[[1, 2, 3, 4, 5, 6, 7, 8], [3, 2, 1, 0, -1, -2, -3, -4]]]);
  const logits = valuesOf(resandiHead(model, layer4));
  const w = valuesOf(model.variables.get("fc.kernel")!);
  const b = valuesOf(model.variables.get("fc.bias")!);
  const mean = [2, 2, 2, 2, 2, 2, 2, 2];
  const expected = [0, 1].map((j) => b[j] + mean.reduce((s, m, c) => s + m * w[c * 2 + j], 0));
  ok(maxRelativeError(logits, expected, 1e-3) < 1e-6);
  disposeModel(model);
});

Deno.test("resandiLoss() is ln(classes) for uniform logits and matches -log softmax", () => {
  const loss = resandiLoss(tf.tensor2d([[0, 0, 0], [1, 2, 3]]), [1, 2]).dataSync()[0];
  const second = -Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)));
  ok(Math.abs(loss - (Math.log(3) + second) / 2) < 1e-6);
});

Deno.test("createResandi() throws when a size is not a positive integer or a kernel is even", () => {
  throws(() => createResandi({ width: 0 }, createRng(1)), {
    name: "RangeError",
    message: "Cannot create the ResAnDi network: width must be a positive integer, got 0",
  });
  throws(() => createResandi({ classes: 2.5 }, createRng(1)), {
    name: "RangeError",
    message: "Cannot create the ResAnDi network: classes must be a positive integer, got 2.5",
  });
  throws(() => createResandi({ blockKernel: 14 }, createRng(1)), {
    name: "RangeError",
    message: "Cannot create the ResAnDi network: blockKernel must be an odd positive integer " +
      "(padding (k - 1) / 2 keeps the paper's geometry), got 14",
  });
});

Deno.test("resandiForward() throws when x has the wrong shape or the model is not ResAnDi", () => {
  const model = createResandi({ width: 1 }, createRng(1));
  throws(() => resandiForward(model, tf.zeros([2, 100, 3]) as tf.Tensor3D), {
    name: "TypeError",
    message: "Cannot run the ResAnDi network: x must be float32 of shape (batch, length, 2), " +
      "got float32 of shape [2,100,3]",
  });
  throws(
    () => resandiTrunk({ config: { kind: "bilstm" }, variables: new Map() }, tf.zeros([1, 9, 2])),
    {
      name: "TypeError",
      message: 'Cannot run the ResAnDi network: the model is of kind "bilstm"; build it with ' +
        "createResandi()",
    },
  );
  throws(() => resandiHead(model, tf.zeros([1, 4, 16]) as tf.Tensor3D), {
    name: "TypeError",
    message:
      "Cannot run the ResAnDi head: layer4 must have shape (batch, positions, 8), got [1,4,16]",
  });
  disposeModel(model);
});

Deno.test("resandiLoss() throws when labels do not match the batch or leave the class range", () => {
  const logits = tf.zeros([2, 8]) as tf.Tensor2D;
  throws(() => resandiLoss(logits, [1]), {
    name: "RangeError",
    message: "Cannot compute the cross-entropy: 1 labels for a batch of 2 logits; give one " +
      "label per row",
  });
  throws(() => resandiLoss(logits, [1, 8]), {
    name: "RangeError",
    message: "Cannot compute the cross-entropy: label 1 must be an integer in [0, 8), got 8",
  });
});
