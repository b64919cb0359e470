/**
 * The training loop every network shares: Adam with a StepLR schedule, per-epoch validation,
 * early stopping on a monitored metric, the best weights kept, and a checkpoint after every
 * epoch from which a killed run resumes to the same bits (resandi.md §5 describes the recipe).
 *
 * Checkpoints live in `checkpointDir`: `best/` (a {@linkcode saveModel} directory) and `last/`
 * (model, `optimizer.bin` with Adam's moments, `state.json` with epoch, early-stopping state
 * and history). Each is written to `<name>.partial` and swapped in by renames.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { join } from "node:path";
import { Adam } from "./adam.ts";
import type { Model } from "./model.ts";
import { restoreWeights, saveModel } from "./model_file.ts";
import { pathExists } from "../io/path_exists.ts";
import type { Logger, Progress } from "../engine/task.ts";

/** Metrics of one finished epoch. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** `train_loss`, `samples_per_second`, `learning_rate`, then what `validate` returned. */
  metrics: Record<string, number>;
}

/** Options of {@linkcode trainModel}; `B` is whatever a batch is to the caller. */
export interface TrainOptions<B> {
  /** The network; it ends holding the best weights. */
  model: Model;
  /** Mean loss of `batch` (a scalar), called with `training` true inside the gradient tape. */
  loss(batch: B, training: boolean): tf.Scalar;
  /** The batches of 1-based `epoch`; the same epoch must give the same batches for resume. */
  trainBatches(epoch: number): Iterable<B>;
  /** Samples in `batch`, for the mean loss and samples/s. */
  batchSize(batch: B): number;
  /** Validation metrics after an epoch; must include `monitor`. */
  validate(): Promise<Record<string, number>> | Record<string, number>;
  /** Directory for checkpoints (a task's `ctx.checkpointDir`); created if missing. */
  checkpointDir: string;
  /** Maximum number of epochs. @default {30} */
  epochs?: number;
  /** Metric for early stopping and the best checkpoint. @default {"val_loss"} */
  monitor?: string;
  /** Whether smaller (`min`) or larger (`max`) values of `monitor` are better. @default {"min"} */
  mode?: "min" | "max";
  /** Adam step size of the first epoch. @default {1e-3} */
  learningRate?: number;
  /** StepLR: epochs between two decays of the learning rate. @default {1} */
  lrStepSize?: number;
  /** StepLR: factor applied every `lrStepSize` epochs (1: constant). @default {1} */
  lrGamma?: number;
  /** AdamW's decoupled weight decay. @default {0} */
  weightDecay?: number;
  /** Non-improving epochs in a row that stop training. @default {Infinity} */
  patience?: number;
  /** An epoch improves only if `monitor` beats the best by more than this. @default {0} */
  minDelta?: number;
  /** Called after each epoch is checkpointed (tasks forward to `ctx.metric`). */
  onEpoch?(epoch: number, metrics: Record<string, number>): void;
  /** Starts a progress bar (pass `ctx.progress`); one bar per epoch, in samples. */
  progress?(total: number, options?: { label?: string; unit?: string }): Progress;
  /** Where epoch summaries go. */
  log?: Logger;
}

/** What {@linkcode trainModel} returns. */
export interface TrainResult {
  /** Epochs run in total, including those before a resume. */
  epochs: number;
  /** Epoch whose weights the model holds. */
  bestEpoch: number;
  /** Monitored value at `bestEpoch`. */
  bestValue: number;
  /** One record per epoch. */
  history: EpochRecord[];
  /** Whether early stopping ended training before `epochs`. */
  stoppedEarly: boolean;
}

/** What `last/state.json` holds besides weights. */
interface TrainState {
  format: typeof STATE_FORMAT;
  settings: string;
  epoch: number;
  bestEpoch: number;
  bestValue: number;
  badEpochs: number;
  stoppedEarly: boolean;
  history: EpochRecord[];
  optimizer: { step: number; weights: tf.io.WeightsManifestEntry[] };
}

const STATE_FORMAT = "andiflow-train-state-1";

/**
 * StepLR's learning rate for 1-based `epoch`: `initial * gamma^floor((epoch - 1) / stepSize)`,
 * the value PyTorch's scheduler gives when stepped once after each epoch.
 *
 * @example ResAnDi's schedule: halve every 10 epochs
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { stepLearningRate } from "./train.ts";
 * equal(stepLearningRate(1e-4, 10, { stepSize: 10, gamma: 0.5 }), 1e-4);
 * equal(stepLearningRate(1e-4, 11, { stepSize: 10, gamma: 0.5 }), 5e-5);
 * ```
 */
export function stepLearningRate(
  initial: number,
  epoch: number,
  options: { stepSize?: number; gamma?: number } = {},
): number {
  const { stepSize = 1, gamma = 1 } = options;
  return initial * gamma ** Math.floor((epoch - 1) / stepSize);
}

/**
 * Trains `model` with Adam, validating after every epoch, until `epochs` or early stopping;
 * resumes from `checkpointDir/last` when a previous run left one, and ends with the model
 * holding the best checkpoint's weights. A non-finite loss stops training before the step is
 * applied, keeping the last epoch's checkpoint.
 *
 * @throws {RangeError} on a bad option, when the loss or the monitored metric is not finite,
 *   or when `validate` omits `monitor`; {TypeError} or {SyntaxError} when the checkpoint does
 *   not fit this model and these settings
 *
 * @example Fit y = 2x with one weight (gradient written out, via tf.customGrad)
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { ok } from "node:assert/strict";
 * import { trainModel } from "./train.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const w = tf.variable(tf.scalar(0));
 * const model = { config: { kind: "toy" }, variables: new Map([["w", w]]) };
 * const squaredError = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
 *   const save = args[1] as tf.GradSaveFunc;
 *   const residual = tf.sub(args[0] as tf.Tensor, 2);
 *   save([residual]);
 *   return { value: tf.square(residual), gradFunc: (dy, [r]) => tf.mul(dy, tf.mul(2, r)) };
 * });
 * const loss = () => squaredError(w) as tf.Scalar;
 * const dir = await Deno.makeTempDir();
 * const result = await trainModel({
 *   model, loss, checkpointDir: dir, epochs: 20, learningRate: 0.1,
 *   trainBatches: () => [1, 2, 3], batchSize: () => 1,
 *   validate: () => tf.tidy(() => ({ val_loss: loss().dataSync()[0] })),
 * });
 * ok(Math.abs(w.dataSync()[0] - 2) < 0.5 && result.history.length === 20);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function trainModel<B>(options: TrainOptions<B>): Promise<TrainResult> {
  const {
    model,
    checkpointDir,
    epochs = 30,
    monitor = "val_loss",
    mode = "min",
    learningRate = 1e-3,
    lrStepSize = 1,
    lrGamma = 1,
    weightDecay = 0,
    patience = Infinity,
    minDelta = 0,
    log,
  } = options;
  const checks: [string, unknown, boolean, string][] = [
    ["epochs", epochs, isWhole(epochs, 1), "an integer >= 1"],
    ["lrStepSize", lrStepSize, isWhole(lrStepSize, 1), "an integer >= 1"],
    ["patience", patience, isWhole(patience, 0) || patience === Infinity, "an integer >= 0"],
    [
      "learningRate",
      learningRate,
      learningRate > 0 && learningRate < Infinity,
      "a finite number > 0",
    ],
    ["lrGamma", lrGamma, lrGamma > 0 && lrGamma < Infinity, "a finite number > 0"],
    ["minDelta", minDelta, minDelta >= 0 && minDelta < Infinity, "a finite number >= 0"],
    ["mode", mode, mode === "min" || mode === "max", `"min" or "max"`],
  ];
  for (const [name, value, ok, expected] of checks) {
    const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
    if (!ok) throw new RangeError(`Cannot train: ${name} must be ${expected}, got ${shown}`);
  }
  // What must not change across a resume; `epochs` may grow, so it is left out.
  const settings = JSON.stringify({
    monitor,
    mode,
    learningRate,
    lrStepSize,
    lrGamma,
    weightDecay,
    patience,
    minDelta,
  });
  const names = [...model.variables].filter(([, variable]) => variable.trainable)
    .map(([name]) => name).sort();
  const trainable = new Map(names.map((name) => [name, model.variables.get(name)!]));
  const adam = new Adam(trainable, { learningRate, weightDecay });
  const lastDir = join(checkpointDir, "last");
  const bestDir = join(checkpointDir, "best");
  try {
    await Deno.mkdir(checkpointDir, { recursive: true });
    const state = await resume(model, adam, lastDir, settings) ?? freshState(settings, mode);
    if (state.epoch > 0) {
      log?.info(`resuming from "${lastDir}" after epoch ${state.epoch} of ${epochs}`);
    }
    while (!state.stoppedEarly && state.epoch < epochs) {
      const epoch = state.epoch + 1;
      adam.learningRate = stepLearningRate(learningRate, epoch, {
        stepSize: lrStepSize,
        gamma: lrGamma,
      });
      const train = await trainEpoch(options, adam, names, { epoch, epochs, lastDir });
      await checkWeightsFinite(model, epoch, lastDir);
      const validation = await options.validate();
      const value = validation[monitor];
      if (typeof value !== "number") {
        throw new RangeError(
          `Cannot train: validate() returned no "${monitor}" at epoch ${epoch}, got ${
            Object.keys(validation).join(", ") || "no metrics"
          }; return it or set the monitor option`,
        );
      }
      if (!Number.isFinite(value)) {
        throw new RangeError(
          `Cannot train: the monitored metric "${monitor}" became ${value} at epoch ${epoch}; ${
            keptCheckpoint(epoch - 1, lastDir)
          }; lower the learning rate or check the validation inputs for NaN`,
        );
      }
      const metrics = {
        train_loss: train.loss,
        samples_per_second: train.samplesPerSecond,
        learning_rate: adam.learningRate,
        ...validation,
      };
      const improved = mode === "min"
        ? value < state.bestValue - minDelta
        : value > state.bestValue + minDelta;
      if (improved) {
        state.bestValue = value;
        state.bestEpoch = epoch;
        state.badEpochs = 0;
        await writeDirectory(bestDir, (dir) => saveModel(model, dir));
      } else {
        state.badEpochs += 1;
      }
      state.epoch = epoch;
      state.stoppedEarly = !improved && state.badEpochs >= patience && epoch < epochs;
      state.history.push({ epoch, metrics });
      await writeDirectory(lastDir, (dir) => saveLast(model, adam, state, dir));
      options.onEpoch?.(epoch, metrics);
      log?.info(
        `epoch ${epoch}/${epochs}: ${formatMetrics(metrics)}; best ${monitor} ${
          state.bestValue.toPrecision(4)
        } (epoch ${state.bestEpoch})`,
      );
      if (state.stoppedEarly) {
        log?.info(
          `stopping early: ${monitor} has not improved by more than ${minDelta} for ${state.badEpochs} epochs`,
        );
      }
    }
    const best = await existingDirectory(bestDir);
    if (best === undefined) {
      throw new Error(
        `Cannot finish training: the best checkpoint "${bestDir}" is gone; delete "${checkpointDir}" and train again`,
      );
    }
    await restoreWeights(model, best);
    return {
      epochs: state.epoch,
      bestEpoch: state.bestEpoch,
      bestValue: state.bestValue,
      history: state.history,
      stoppedEarly: state.stoppedEarly,
    };
  } finally {
    adam.dispose();
  }
}

/** One pass over the epoch's batches; returns the sample-weighted mean loss and samples/s. */
async function trainEpoch<B>(
  options: TrainOptions<B>,
  adam: Adam,
  names: string[],
  where: { epoch: number; epochs: number; lastDir: string },
): Promise<{ loss: number; samplesPerSecond: number }> {
  const { epoch, epochs, lastDir } = where;
  const batches = options.trainBatches(epoch);
  const total = Array.isArray(batches)
    ? batches.reduce((sum: number, batch: B) => sum + options.batchSize(batch), 0)
    : 0;
  const bar = options.progress?.(total, { label: `epoch ${epoch}/${epochs}`, unit: "samples" });
  const variables = names.map((name) => options.model.variables.get(name)!);
  const started = performance.now();
  let samples = 0;
  let lossSum = 0;
  let index = 0;
  for (const batch of batches) {
    index += 1;
    const { value, grads } = tf.variableGrads(() => options.loss(batch, true), variables);
    try {
      // The one host read per batch: it also lets a NaN stop training before the step lands.
      const loss = (await value.data())[0];
      if (!Number.isFinite(loss)) {
        throw new RangeError(
          `Cannot train: the loss became ${loss} at epoch ${epoch}, batch ${index}; ${
            keptCheckpoint(epoch - 1, lastDir)
          }; lower the learning rate or check the inputs for NaN`,
        );
      }
      const gradients = new Map<string, tf.Tensor>();
      names.forEach((name, i) => {
        const gradient = grads[variables[i].name];
        if (gradient !== undefined) gradients.set(name, gradient);
      });
      adam.applyGradients(gradients);
      const size = options.batchSize(batch);
      samples += size;
      lossSum += loss * size;
      bar?.tick(size);
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
  }
  bar?.done();
  if (samples === 0) {
    throw new RangeError(
      `Cannot train: epoch ${epoch} had no samples (trainBatches gave ${index} batches); give it at least one non-empty batch`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  return { loss: lossSum / samples, samplesPerSecond: seconds > 0 ? samples / seconds : 0 };
}

function freshState(settings: string, mode: "min" | "max"): TrainState {
  const bestValue = mode === "min" ? Infinity : -Infinity;
  const optimizer = { step: 0, weights: [] };
  return {
    format: STATE_FORMAT,
    settings,
    epoch: 0,
    bestEpoch: 0,
    bestValue,
    badEpochs: 0,
    stoppedEarly: false,
    history: [],
    optimizer,
  };
}

/** Loads `last/` into `model` and `adam`; undefined when there is no checkpoint yet. */
async function resume(
  model: Model,
  adam: Adam,
  lastDir: string,
  settings: string,
): Promise<TrainState | undefined> {
  const dir = await existingDirectory(lastDir);
  if (dir === undefined) return undefined;
  const statePath = join(dir, "state.json");
  let state: TrainState;
  try {
    state = JSON.parse(await Deno.readTextFile(statePath));
  } catch (error) {
    throw new SyntaxError(
      `Cannot resume training from "${statePath}": ${
        (error as Error).message
      }; delete "${lastDir}" to start over`,
      { cause: error },
    );
  }
  if (state.format !== STATE_FORMAT || state.settings !== settings) {
    throw new TypeError(
      `Cannot resume training from "${statePath}": it was written with settings ${state.settings} (format ${state.format}), got ${settings}; delete "${lastDir}" to start over`,
    );
  }
  await restoreWeights(model, dir);
  const bytes = await Deno.readFile(join(dir, "optimizer.bin"));
  const moments = tf.io.decodeWeights(Uint8Array.from(bytes).buffer, state.optimizer.weights);
  try {
    adam.setState(state.optimizer.step, moments);
  } finally {
    tf.dispose(Object.values(moments));
  }
  return state;
}

async function saveLast(model: Model, adam: Adam, state: TrainState, dir: string): Promise<void> {
  await saveModel(model, dir);
  const { step, tensors } = adam.state();
  const { data, specs } = await tf.io.encodeWeights(tensors);
  await Deno.writeFile(join(dir, "optimizer.bin"), new Uint8Array(data));
  state.optimizer = { step, weights: specs };
  await Deno.writeTextFile(join(dir, "state.json"), `${JSON.stringify(state, null, 1)}\n`);
}

/**
 * Writes `target` through `<target>.partial` and two renames (a directory cannot be renamed
 * over a non-empty one); a crash between them leaves `<target>.old`, which readers accept.
 */
async function writeDirectory(
  target: string,
  write: (dir: string) => Promise<void>,
): Promise<void> {
  const partial = `${target}.partial`;
  const old = `${target}.old`;
  await Deno.remove(partial, { recursive: true }).catch(() => {});
  await Deno.mkdir(partial, { recursive: true });
  await write(partial);
  if (await pathExists(target)) {
    await Deno.remove(old, { recursive: true }).catch(() => {});
    await Deno.rename(target, old);
  }
  await Deno.rename(partial, target);
  await Deno.remove(old, { recursive: true }).catch(() => {});
}

/** `target`, or the `<target>.old` a crash mid-swap left behind; undefined when neither exists. */
async function existingDirectory(target: string): Promise<string | undefined> {
  if (await pathExists(target)) return target;
  if (await pathExists(`${target}.old`)) return `${target}.old`;
  return undefined;
}

/** Weights can overflow while every batch loss stayed finite; never checkpoint them. */
async function checkWeightsFinite(model: Model, epoch: number, lastDir: string): Promise<void> {
  const finite = tf.tidy(() =>
    tf.all(tf.stack([...model.variables.values()].map((variable) => tf.all(tf.isFinite(variable)))))
  );
  const ok = (await finite.data())[0] === 1;
  finite.dispose();
  if (!ok) {
    throw new RangeError(
      `Cannot train: the weights became non-finite during epoch ${epoch}; ${
        keptCheckpoint(epoch - 1, lastDir)
      }; lower the learning rate or check the inputs for NaN`,
    );
  }
}

/** What a failure in the epoch after `epoch` leaves behind (epoch 0: nothing yet). */
function keptCheckpoint(epoch: number, lastDir: string): string {
  return epoch === 0
    ? "no epoch had finished, so there is no checkpoint"
    : `the last good checkpoint (epoch ${epoch}) is kept in "${lastDir}"`;
}

function isWhole(value: number, min: number): boolean {
  return Number.isInteger(value) && value >= min;
}

function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics).map(([name, value]) =>
    name === "samples_per_second"
      ? `${Math.round(value)} samples/s`
      : `${name} ${value.toPrecision(4)}`
  ).join(", ");
}
