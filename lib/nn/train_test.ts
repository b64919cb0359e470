import * as tf from "@tensorflow/tfjs-core";
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { createRng } from "../rng.ts";
import { useBackend } from "./_testing.ts";
import { uniformVariable } from "./init.ts";
import type { Model } from "./model.ts";
import { stepLearningRate, trainModel, type TrainOptions } from "./train.ts";

interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

const FEATURES = 3;
const TRUE_WEIGHTS = [1.5, -2, 0.5];
const TRUE_BIAS = 0.3;
const NOISE = 0.1;

/** y = x w* + b* + N(0, 0.1^2), seeded; `count` samples split into batches of `size`. */
function makeBatches(seed: number, count: number, size: number): Batch[] {
  const rng = createRng(seed).stream("regression");
  const batches: Batch[] = [];
  for (let start = 0; start < count; start += size) {
    const x = Float32Array.from({ length: size * FEATURES }, () => rng.normal(0, 1));
    const y = Float32Array.from({ length: size }, (_, i) => {
      let sum = TRUE_BIAS + rng.normal(0, NOISE);
      for (let j = 0; j < FEATURES; j++) sum += x[i * FEATURES + j] * TRUE_WEIGHTS[j];
      return sum;
    });
    batches.push({ x: tf.tensor2d(x, [size, FEATURES]), y: tf.tensor2d(y, [size, 1]) });
  }
  return batches;
}

/**
 * Linear regression with a running mean of the targets (non-trainable, updated by every
 * training step like a batch-norm statistic). tfjs-core registers no gradients by itself, so
 * the mean squared error carries its gradient through tf.customGrad.
 */
function buildModel(seed = 5): Model {
  const rng = createRng(seed).stream("init");
  const variables = new Map<string, tf.Variable>();
  tf.tidy(() => {
    variables.set("linear.kernel", uniformVariable(rng, [FEATURES, 1], 1 / Math.sqrt(FEATURES)));
    variables.set("linear.bias", uniformVariable(rng, [1], 1 / Math.sqrt(FEATURES)));
    variables.set("target.running_mean", tf.variable(tf.zeros([1]), false));
  });
  return { config: { kind: "linear", features: FEATURES }, variables };
}

const meanSquaredError = tf.customGrad(
  (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, y, kernel, bias] = args as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const residual = tf.sub(tf.add(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bias), y);
    save([x, residual]);
    return {
      value: tf.mean(tf.square(residual)),
      gradFunc: (dy: tf.Tensor, [xs, r]: tf.Tensor[]) => {
        const dPrediction = tf.mul(r, tf.div(tf.mul(dy, 2), r.shape[0]!));
        return [
          tf.zerosLike(xs),
          tf.neg(dPrediction),
          tf.matMul(xs as tf.Tensor2D, dPrediction as tf.Tensor2D, true, false),
          tf.sum(dPrediction, 0),
        ];
      },
    };
  },
);

function lossOf(model: Model): (batch: Batch, training: boolean) => tf.Scalar {
  const v = (name: string) => model.variables.get(name)!;
  return (batch, training) => {
    if (training) {
      const mean = v("target.running_mean");
      mean.assign(tf.add(tf.mul(mean, 0.9), tf.mul(tf.mean(batch.y, 0), 0.1)));
    }
    return meanSquaredError(batch.x, batch.y, v("linear.kernel"), v("linear.bias")) as tf.Scalar;
  };
}

const TRAIN = makeBatches(1, 64, 8);
const [VALIDATION] = makeBatches(2, 64, 64);

/** The 8 training batches in an order shuffled per epoch (seeded by the epoch number). */
function trainBatches(epoch: number): Batch[] {
  return createRng(3).stream("epoch").stream(String(epoch)).shuffle([...TRAIN]);
}

function baseOptions(model: Model, checkpointDir: string): TrainOptions<Batch> {
  const loss = lossOf(model);
  return {
    model,
    loss,
    trainBatches,
    batchSize: (batch) => batch.x.shape[0],
    validate: () => tf.tidy(() => ({ val_loss: loss(VALIDATION, false).dataSync()[0] })),
    checkpointDir,
    learningRate: 0.1,
    epochs: 6,
  };
}

function snapshot(model: Model): Record<string, Float32Array> {
  return Object.fromEntries(
    [...model.variables].map(([name, variable]) => [name, variable.dataSync() as Float32Array]),
  );
}

function disposeModel(model: Model): void {
  for (const variable of model.variables.values()) variable.dispose();
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "train_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A validate() returning `values` in turn, for exact early-stopping scripts. */
function scripted(values: number[]): () => Record<string, number> {
  let call = 0;
  return () => ({ val_loss: values[call++] });
}

Deno.test("trainModel() lowers the validation loss of a linear regression tenfold in 6 epochs", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    const bars: { total: number; label?: string; ticks: number; done: boolean }[] = [];
    const epochs: number[] = [];
    const result = await trainModel({
      ...baseOptions(model, dir),
      onEpoch: (epoch) => epochs.push(epoch),
      progress(total, options) {
        const bar = { total, label: options?.label, ticks: 0, done: false };
        bars.push(bar);
        return {
          tick: (n = 1) => void (bar.ticks += n),
          update() {},
          done: () => void (bar.done = true),
        };
      },
    });
    const losses = result.history.map((record) => record.metrics.val_loss);
    // Start: |w - w*|^2 ~ 7; floor: the noise variance 0.01. Adam moves each weight up to ~lr
    // = 0.1 a step, so 48 steps cover the distance ~2 to w*; tenfold is far from both ends.
    ok(losses.at(-1)! < losses[0] / 10, `val_loss ${losses}`);
    ok(result.history.at(-1)!.metrics.train_loss < result.history[0].metrics.train_loss);
    ok(result.history.every((record) => record.metrics.samples_per_second > 0));
    deepEqual(epochs, [1, 2, 3, 4, 5, 6]);
    equal(result.epochs, 6);
    equal(result.stoppedEarly, false);
    deepEqual(bars.map((bar) => [bar.label, bar.total, bar.ticks, bar.done]), [
      ["epoch 1/6", 64, 64, true],
      ["epoch 2/6", 64, 64, true],
      ["epoch 3/6", 64, 64, true],
      ["epoch 4/6", 64, 64, true],
      ["epoch 5/6", 64, 64, true],
      ["epoch 6/6", 64, 64, true],
    ]);
    disposeModel(model);
  });
});

Deno.test("stepLearningRate() gives StepLR's values, decaying after every stepSize epochs", () => {
  const rates = [1, 2, 3, 4, 5, 6, 7].map((epoch) =>
    stepLearningRate(0.1, epoch, { stepSize: 3, gamma: 0.5 })
  );
  deepEqual(rates, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]);
  equal(stepLearningRate(1e-3, 100), 1e-3);
});

Deno.test("trainModel() reports the StepLR learning rate of every epoch", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    const result = await trainModel({
      ...baseOptions(model, dir),
      epochs: 5,
      lrStepSize: 2,
      lrGamma: 0.5,
    });
    deepEqual(result.history.map((record) => record.metrics.learning_rate), [
      0.1,
      0.1,
      0.05,
      0.05,
      0.025,
    ]);
    disposeModel(model);
  });
});

Deno.test("trainModel() stops after `patience` epochs that do not beat the best by more than minDelta, and restores the best", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    const weights: Record<string, Float32Array>[] = [];
    const lines: string[] = [];
    // Epoch 2 gains 0.005 < minDelta; epoch 3 gains 0.02; epochs 4 and 5 gain 0.005 and 0.009.
    const result = await trainModel({
      ...baseOptions(model, dir),
      epochs: 10,
      patience: 2,
      minDelta: 0.01,
      validate: scripted([1, 0.995, 0.98, 0.975, 0.971, 0.5]),
      onEpoch: () => weights.push(snapshot(model)),
      log: { info: (line) => lines.push(line), warn() {}, debug() {} },
    });
    equal(lines.at(-1), "stopping early: val_loss has not improved by more than 0.01 for 2 epochs");
    equal(result.epochs, 5);
    equal(result.stoppedEarly, true);
    equal(result.bestEpoch, 3);
    equal(result.bestValue, 0.98);
    deepEqual(snapshot(model), weights[2]);
    disposeModel(model);
  });
});

Deno.test("trainModel() does not count a drop of exactly minDelta as an improvement", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    const result = await trainModel({
      ...baseOptions(model, dir),
      epochs: 10,
      patience: 1,
      minDelta: 0.5,
      validate: scripted([1, 0.5, 0.25]),
    });
    deepEqual([result.epochs, result.bestEpoch, result.stoppedEarly], [2, 1, true]);
    disposeModel(model);
  });
});

Deno.test("trainModel() with mode max keeps the largest monitored value", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    const accuracies = [0.5, 0.75, 0.75, 0.7];
    let call = 0;
    const result = await trainModel({
      ...baseOptions(model, dir),
      monitor: "val_accuracy",
      mode: "max",
      patience: 2,
      validate: () => ({ val_accuracy: accuracies[call++] }),
    });
    deepEqual([result.epochs, result.bestEpoch, result.bestValue], [4, 2, 0.75]);
    disposeModel(model);
  });
});

Deno.test("trainModel() resumed after an interruption ends with bitwise the weights of an uninterrupted run", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const straight = buildModel();
    const expected = await trainModel(baseOptions(straight, join(dir, "straight")));

    const first = buildModel();
    await rejects(
      trainModel({
        ...baseOptions(first, join(dir, "resumed")),
        onEpoch(epoch) {
          if (epoch === 3) throw new Error("killed");
        },
      }),
      /killed/,
    );
    disposeModel(first);
    const second = buildModel();
    const resumedEpochs: number[] = [];
    const lines: string[] = [];
    const resumed = await trainModel({
      ...baseOptions(second, join(dir, "resumed")),
      onEpoch: (epoch) => resumedEpochs.push(epoch),
      log: { info: (line) => lines.push(line), warn() {}, debug() {} },
    });
    deepEqual(resumedEpochs, [4, 5, 6]);
    equal(lines[0], `resuming from "${join(dir, "resumed", "last")}" after epoch 3 of 6`);
    ok(lines[1].startsWith("epoch 4/6: train_loss "), lines[1]);
    deepEqual(snapshot(second), snapshot(straight));
    const withoutSpeed = (result: typeof expected) =>
      result.history.map(({ epoch, metrics }) => ({ epoch, ...metrics, samples_per_second: 0 }));
    deepEqual(withoutSpeed(resumed), withoutSpeed(expected));
    deepEqual(
      [resumed.epochs, resumed.bestEpoch, resumed.bestValue],
      [expected.epochs, expected.bestEpoch, expected.bestValue],
    );
    disposeModel(straight);
    disposeModel(second);
  });
});

Deno.test("trainModel() throws on a NaN loss, naming epoch and batch, and keeps the last good checkpoint", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    const poisoned = { x: tf.fill([8, FEATURES], NaN) as tf.Tensor2D, y: TRAIN[0].y };
    const weights: Record<string, Float32Array>[] = [];
    await rejects(
      trainModel({
        ...baseOptions(model, dir),
        trainBatches: (epoch) => epoch === 3 ? [TRAIN[0], poisoned, TRAIN[1]] : trainBatches(epoch),
        onEpoch: () => weights.push(snapshot(model)),
      }),
      new RangeError(
        `Cannot train: the loss became NaN at epoch 3, batch 2; the last good checkpoint (epoch 2) is kept in "${dir}/last"; lower the learning rate or check the inputs for NaN`,
      ),
    );
    const state = JSON.parse(await Deno.readTextFile(join(dir, "last", "state.json")));
    equal(state.epoch, 2);
    const checkpoint = buildModel(9);
    const { restoreWeights } = await import("./model_file.ts");
    await restoreWeights(checkpoint, join(dir, "last"));
    deepEqual(snapshot(checkpoint), weights[1]);
    ok(Object.values(snapshot(model)).every((values) => values.every(Number.isFinite)));
    tf.dispose(poisoned.x);
    disposeModel(model);
    disposeModel(checkpoint);
  });
});

Deno.test("trainModel() throws on a NaN loss in the first epoch, saying no checkpoint exists", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    const poisoned = { x: TRAIN[0].x, y: tf.fill([8, 1], Infinity) as tf.Tensor2D };
    await rejects(
      trainModel({ ...baseOptions(model, dir), trainBatches: () => [poisoned] }),
      new RangeError(
        "Cannot train: the loss became Infinity at epoch 1, batch 1; no epoch had finished, so there is no checkpoint; lower the learning rate or check the inputs for NaN",
      ),
    );
    tf.dispose(poisoned.y);
    disposeModel(model);
  });
});

Deno.test("trainModel() keeps the tensor count constant across epochs and leaves none behind", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await trainModel({
      ...baseOptions(model, dir),
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    ok(counts.every((count) => count === counts[0]), `tensors per epoch ${counts}`);
    equal(tf.memory().numTensors, before);
    disposeModel(model);
  });
});

Deno.test("trainModel() throws when an option is out of range or validate() omits the monitored metric", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    const options = baseOptions(model, dir);
    await rejects(
      trainModel({ ...options, epochs: 0 }),
      new RangeError("Cannot train: epochs must be an integer >= 1, got 0"),
    );
    await rejects(
      trainModel({ ...options, patience: -1 }),
      new RangeError("Cannot train: patience must be an integer >= 0, got -1"),
    );
    await rejects(
      trainModel({ ...options, lrGamma: 0 }),
      new RangeError("Cannot train: lrGamma must be a finite number > 0, got 0"),
    );
    await rejects(
      trainModel({ ...options, validate: () => ({ val_acc: 0.5 }) }),
      new RangeError(
        `Cannot train: validate() returned no "val_loss" at epoch 1, got val_acc; return it or set the monitor option`,
      ),
    );
    disposeModel(model);
  });
});

Deno.test("trainModel() throws when the monitored metric is NaN", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    await rejects(
      trainModel({ ...baseOptions(model, dir), validate: scripted([1, NaN]) }),
      new RangeError(
        `Cannot train: the monitored metric "val_loss" became NaN at epoch 2; the last good checkpoint (epoch 1) is kept in "${dir}/last"; lower the learning rate or check the validation inputs for NaN`,
      ),
    );
    disposeModel(model);
  });
});

Deno.test("trainModel() throws when resuming a checkpoint written with other settings", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = buildModel();
    await trainModel({ ...baseOptions(model, dir), epochs: 1 });
    await rejects(
      trainModel({ ...baseOptions(model, dir), learningRate: 0.01 }),
      (error: Error) => {
        ok(error instanceof TypeError);
        ok(
          error.message.startsWith(
            `Cannot resume training from "${dir}/last/state.json": it was written with settings {"monitor":"val_loss","mode":"min","learningRate":0.1,`,
          ),
          error.message,
        );
        ok(error.message.endsWith(`; delete "${dir}/last" to start over`), error.message);
        return true;
      },
    );
    disposeModel(model);
  });
});
