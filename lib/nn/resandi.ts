/**
 * The ResAnDi network (resandi.md §4): ResNet18 over 1-D trajectories, as the paper's
 * `resnet18_8` with 1 x k kernels. Stem conv k 35 stride 2 pad 17 + batch norm + ReLU, max-pool
 * k 3 stride 2 pad 1, four stages of two BasicBlocks (conv k 15 pad 7 + BN + ReLU, conv k 15 pad
 * 7 + BN, shortcut identity or conv k 1 stride s + BN, sum, ReLU) with widths w, 2w, 4w, 8w and
 * strides 1, 2, 2, 2, global average pool over positions, Linear to the class logits. Total
 * stride 32: a length-1000 input leaves 32 positions in `layer4`, the Grad-CAM layer (§6).
 *
 * Layout: TF.js is channels-last, so an input batch is (B, L, C) with C = 2 coordinates, the
 * transpose of the paper's (B, 2, 1, L); every activation is (B, positions, channels).
 * Variable names follow torchvision's, with TF.js layouts (see {@linkcode createResandi}).
 *
 * Convolutions are `tf.conv1d` (conv2d with H = 1: the BLAS kernels on the `blas` backend).
 * Everything between them runs as fused ops over Float32Arrays: each batch norm with the ReLU
 * after it, a block's second batch norm with the residual sum and the ReLU (batch_norm.ts),
 * the max-pool and the global average pool (pool.ts). TF.js's own kernels for these cost
 * 15-40 ns per element on the JavaScript backends; composed from them, the non-convolution
 * work of a training step was 5-10x the convolutions'.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.ts";
import { batchNormInference, batchNormTraining, type BatchNormVariables } from "./batch_norm.ts";
import { constantVariable, normalVariable, uniformVariable } from "./init.ts";
import type { Model, ModelConfig } from "./model.ts";
import { globalAveragePool, maxPool1d } from "./pool.ts";

/** Options for {@linkcode createResandi}; the paper's network is the default. */
export interface ResandiNetworkOptions {
  /** Channels of the stem and layer1; layers 2-4 have 2, 4 and 8 times as many. 16 is the
   * quarter-width CPU preset (§14). @default {64} */
  width?: number;
  /** Output classes (§1). @default {8} */
  classes?: number;
  /** Input channels: the coordinates of a trajectory. @default {2} */
  inputChannels?: number;
  /** Stem kernel size (odd; padding (k - 1) / 2). @default {35} */
  stemKernel?: number;
  /** Kernel size of the block convolutions (odd; padding (k - 1) / 2). @default {15} */
  blockKernel?: number;
}

/** The architecture of a ResAnDi model, as stored in `model.config`. */
export interface ResandiConfig extends ModelConfig {
  kind: "resandi";
  width: number;
  classes: number;
  inputChannels: number;
  stemKernel: number;
  blockKernel: number;
}

/** Options for {@linkcode resandiForward} and {@linkcode resandiTrunk}. */
export interface ResandiForwardOptions {
  /** Batch statistics and running-average updates (PyTorch's `model.train()`); otherwise the
   * running statistics are used (`model.eval()`). @default {false} */
  training?: boolean;
}

/** What {@linkcode resandiForward} returns (a type alias, not an interface, so that it is a
 * `tf.TensorContainer` and can be returned from `tf.tidy`). */
export type ResandiOutput = {
  /** Raw class scores (B, classes); softmax only inside the loss or for confidences. */
  logits: tf.Tensor2D;
  /** Output of the last block (post-ReLU), (B, positions, 8 * width): the Grad-CAM layer. */
  layer4: tf.Tensor3D;
};

/** Stage widths as multiples of `width`, and the stride of each stage's first block. */
const STAGES = [
  { name: "layer1", multiple: 1, stride: 1 },
  { name: "layer2", multiple: 2, stride: 2 },
  { name: "layer3", multiple: 4, stride: 2 },
  { name: "layer4", multiple: 8, stride: 2 },
] as const;
const BLOCKS_PER_STAGE = 2;

/**
 * Builds a ResAnDi network with PyTorch's initialisation (§4): convolutions Kaiming-normal,
 * mode fan_out, ReLU gain (std = sqrt(2 / (c_out k))); batch-norm gamma 1, beta 0, running mean
 * 0, running variance 1; Linear weight and bias uniform in +-1 / sqrt(fan_in). Every variable
 * draws from its own stream `rng.stream(name)`, so the same seed gives the same weights.
 *
 * Variables (torchvision names; convolution kernels are (k, c_in, c_out), the transpose of
 * PyTorch's (c_out, c_in, 1, k)): `conv1.kernel`, `bn1.{gamma,beta,runningMean,runningVar}`,
 * `layer{1-4}.{0,1}.conv{1,2}.kernel`, `layer{1-4}.{0,1}.bn{1,2}.*`, for the first block of
 * layers 2-4 `layer{2-4}.0.downsample.0.kernel` (k = 1) and `layer{2-4}.0.downsample.1.*`, and
 * `fc.kernel` (8w, classes), `fc.bias` (classes). Width 64 has 18,499,336 trainable parameters
 * (§4), width 16 has 1,159,624.
 *
 * @param options Architecture; the defaults are the paper's.
 * @param rng Stream for the initial weights.
 * @returns The model, `config.kind` "resandi".
 * @throws {RangeError} when a size is not a positive integer or a kernel size is even.
 * @example A quarter-width network
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { selectBackend } from "./backend.ts";
 * import { parameterCount } from "./model.ts";
 * import { createResandi } from "./resandi.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = createResandi({ width: 16 }, createRng(1));
 * equal(parameterCount(model), 1_159_624);
 * equal(model.variables.get("layer4.1.conv2.kernel")?.shape.join("x"), "15x128x128");
 * ```
 */
export function createResandi(options: ResandiNetworkOptions, rng: Rng): Model {
  const { width = 64, classes = 8, inputChannels = 2, stemKernel = 35, blockKernel = 15 } = options;
  for (const [name, value] of Object.entries({ width, classes, inputChannels })) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new RangeError(
        `Cannot create the ResAnDi network: ${name} must be a positive integer, got ${value}`,
      );
    }
  }
  for (const [name, value] of Object.entries({ stemKernel, blockKernel })) {
    if (!(Number.isInteger(value) && value >= 1 && value % 2 === 1)) {
      throw new RangeError(
        `Cannot create the ResAnDi network: ${name} must be an odd positive integer (padding ` +
          `(k - 1) / 2 keeps the paper's geometry), got ${value}`,
      );
    }
  }
  const config: ResandiConfig = {
    kind: "resandi",
    width,
    classes,
    inputChannels,
    stemKernel,
    blockKernel,
  };
  const variables = new Map<string, tf.Variable>();
  function conv(name: string, kernel: number, channelsIn: number, channelsOut: number): void {
    const std = Math.sqrt(2 / (channelsOut * kernel));
    variables.set(
      `${name}.kernel`,
      normalVariable(rng.stream(`${name}.kernel`), [kernel, channelsIn, channelsOut], std),
    );
  }
  function norm(name: string, channels: number): void {
    variables.set(`${name}.gamma`, constantVariable([channels], 1));
    variables.set(`${name}.beta`, constantVariable([channels], 0));
    variables.set(`${name}.runningMean`, constantVariable([channels], 0, false));
    variables.set(`${name}.runningVar`, constantVariable([channels], 1, false));
  }
  conv("conv1", stemKernel, inputChannels, width);
  norm("bn1", width);
  let channelsIn = width;
  for (const stage of STAGES) {
    const channels = stage.multiple * width;
    for (let block = 0; block < BLOCKS_PER_STAGE; block++) {
      const prefix = `${stage.name}.${block}`;
      const stride = block === 0 ? stage.stride : 1;
      conv(`${prefix}.conv1`, blockKernel, channelsIn, channels);
      norm(`${prefix}.bn1`, channels);
      conv(`${prefix}.conv2`, blockKernel, channels, channels);
      norm(`${prefix}.bn2`, channels);
      if (stride !== 1 || channelsIn !== channels) {
        conv(`${prefix}.downsample.0`, 1, channelsIn, channels);
        norm(`${prefix}.downsample.1`, channels);
      }
      channelsIn = channels;
    }
  }
  const bound = 1 / Math.sqrt(channelsIn);
  variables.set(
    "fc.kernel",
    uniformVariable(rng.stream("fc.kernel"), [channelsIn, classes], bound),
  );
  variables.set("fc.bias", uniformVariable(rng.stream("fc.bias"), [classes], bound));
  return { config, variables };
}

/**
 * Runs the network on a batch: the trunk up to `layer4`, then global average pooling and the
 * Linear head. In training mode every batch norm uses batch statistics and updates its running
 * averages (so call it once per step, inside the optimiser's loss function).
 *
 * @param model A model from {@linkcode createResandi}.
 * @param x Pre-processed trajectories (B, L, inputChannels), channels last (§3 gives (B, 2, L)).
 * @returns Logits (B, classes) and the layer4 activation (B, positions, 8 * width); for L = 1000
 *   there are 32 positions.
 * @throws {TypeError} when the model is not a ResAnDi model or x has the wrong shape.
 * @example Logits and the Grad-CAM layer for two trajectories of 200 points
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { selectBackend } from "./backend.ts";
 * import { createResandi, resandiForward } from "./resandi.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = createResandi({ width: 4 }, createRng(1));
 * const { logits, layer4 } = resandiForward(model, tf.zeros([2, 200, 2]));
 * deepEqual(logits.shape, [2, 8]);
 * deepEqual(layer4.shape, [2, 7, 32]);
 * ```
 */
export function resandiForward(
  model: Model,
  x: tf.Tensor3D,
  options: ResandiForwardOptions = {},
): ResandiOutput {
  return tf.tidy(() => {
    const layer4 = resandiTrunk(model, x, options);
    return { logits: resandiHead(model, layer4), layer4 };
  });
}

/**
 * The network up to and including `layer4` (post-ReLU output of its last block), for Grad-CAM:
 * take the gradient of {@linkcode resandiHead}'s class logit with respect to this activation.
 *
 * @param model A model from {@linkcode createResandi}.
 * @param x Pre-processed trajectories (B, L, inputChannels), channels last.
 * @returns The layer4 activation (B, positions, 8 * width).
 * @throws {TypeError} when the model is not a ResAnDi model or x has the wrong shape.
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { selectBackend } from "./backend.ts";
 * import { createResandi, resandiTrunk } from "./resandi.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = createResandi({ width: 4 }, createRng(1));
 * deepEqual(resandiTrunk(model, tf.zeros([1, 1000, 2])).shape, [1, 32, 32]);
 * ```
 */
export function resandiTrunk(
  model: Model,
  x: tf.Tensor3D,
  options: ResandiForwardOptions = {},
): tf.Tensor3D {
  const { training = false } = options;
  const config = checkModel(model);
  if (x.rank !== 3 || x.shape[2] !== config.inputChannels || x.dtype !== "float32") {
    throw new TypeError(
      `Cannot run the ResAnDi network: x must be float32 of shape (batch, length, ` +
        `${config.inputChannels}), got ${x.dtype} of shape [${x.shape}]`,
    );
  }
  const stemPad = (config.stemKernel - 1) / 2;
  const blockPad = (config.blockKernel - 1) / 2;
  return tf.tidy(() => {
    let h = convolve(model, "conv1", x, 2, stemPad);
    h = normalize(model, "bn1", h, training, { relu: true });
    h = maxPool1d(h, { size: 3, stride: 2, pad: 1 });
    for (const stage of STAGES) {
      for (let block = 0; block < BLOCKS_PER_STAGE; block++) {
        const prefix = `${stage.name}.${block}`;
        const stride = block === 0 ? stage.stride : 1;
        let y = convolve(model, `${prefix}.conv1`, h, stride, blockPad);
        y = normalize(model, `${prefix}.bn1`, y, training, { relu: true });
        y = convolve(model, `${prefix}.conv2`, y, 1, blockPad);
        let shortcut = h;
        if (model.variables.has(`${prefix}.downsample.0.kernel`)) {
          shortcut = convolve(model, `${prefix}.downsample.0`, h, stride, 0);
          shortcut = normalize(model, `${prefix}.downsample.1`, shortcut, training, {});
        }
        // bn2, the residual sum and the ReLU in one op.
        h = normalize(model, `${prefix}.bn2`, y, training, { relu: true, residual: shortcut });
      }
    }
    return h;
  });
}

/**
 * The head: mean over positions, then the Linear layer.
 *
 * @param model A model from {@linkcode createResandi}.
 * @param layer4 The layer4 activation (B, positions, 8 * width).
 * @returns Logits (B, classes).
 * @throws {TypeError} when the model is not a ResAnDi model or layer4 has the wrong channels.
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { selectBackend } from "./backend.ts";
 * import { createResandi, resandiHead } from "./resandi.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = createResandi({ width: 4, classes: 3 }, createRng(1));
 * deepEqual(resandiHead(model, tf.ones([5, 7, 32])).shape, [5, 3]);
 * ```
 */
export function resandiHead(model: Model, layer4: tf.Tensor3D): tf.Tensor2D {
  const config = checkModel(model);
  const channels = 8 * config.width;
  if (layer4.rank !== 3 || layer4.shape[2] !== channels) {
    throw new TypeError(
      `Cannot run the ResAnDi head: layer4 must have shape (batch, positions, ${channels}), ` +
        `got [${layer4.shape}]`,
    );
  }
  return tf.tidy(() => {
    const pooled = globalAveragePool(layer4);
    return tf.add(tf.matMul(pooled, variableOf(model, "fc.kernel")), variableOf(model, "fc.bias"));
  });
}

/**
 * Mean softmax cross-entropy of `logits` against integer class `labels` (§5).
 *
 * @param logits Raw scores (B, classes).
 * @param labels Class indices, B entries in 0 .. classes - 1.
 * @returns The scalar loss.
 * @throws {RangeError} when the label count differs from the batch or a label is out of range.
 * @example Uniform logits cost ln(classes)
 * ```ts
 * import { ok } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { selectBackend } from "./backend.ts";
 * import { resandiLoss } from "./resandi.ts";
 * await selectBackend({ prefer: "cpu" });
 * const loss = resandiLoss(tf.zeros([2, 8]), [3, 7]).dataSync()[0];
 * ok(Math.abs(loss - Math.log(8)) < 1e-6);
 * ```
 */
export function resandiLoss(logits: tf.Tensor2D, labels: ArrayLike<number>): tf.Scalar {
  const [batch, classes] = logits.shape;
  if (labels.length !== batch) {
    throw new RangeError(
      `Cannot compute the cross-entropy: ${labels.length} labels for a batch of ${batch} logits; ` +
        `give one label per row`,
    );
  }
  const indices = Int32Array.from(labels);
  for (let i = 0; i < batch; i++) {
    if (!(indices[i] === labels[i] && indices[i] >= 0 && indices[i] < classes)) {
      throw new RangeError(
        `Cannot compute the cross-entropy: label ${i} must be an integer in [0, ${classes}), ` +
          `got ${labels[i]}`,
      );
    }
  }
  return tf.tidy(() => {
    const targets = tf.oneHot(tf.tensor1d(indices, "int32"), classes);
    return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  });
}

function checkModel(model: Model): ResandiConfig {
  if (model.config.kind !== "resandi") {
    throw new TypeError(
      `Cannot run the ResAnDi network: the model is of kind "${model.config.kind}"; build it ` +
        `with createResandi()`,
    );
  }
  return model.config as ResandiConfig;
}

function variableOf(model: Model, name: string): tf.Variable {
  const variable = model.variables.get(name);
  if (!variable) {
    throw new TypeError(`Cannot run the ResAnDi network: the model has no variable "${name}"`);
  }
  return variable;
}

/** Convolution with `pad` zeros on both ends of the position axis only. */
function convolve(
  model: Model,
  name: string,
  x: tf.Tensor3D,
  stride: number,
  pad: number,
): tf.Tensor3D {
  const kernel = variableOf(model, `${name}.kernel`) as tf.Tensor3D;
  return tf.conv1d(x, kernel, stride, [[0, 0], [0, 0], [pad, pad], [0, 0]]);
}

function normalize(
  model: Model,
  name: string,
  x: tf.Tensor3D,
  training: boolean,
  options: { relu?: boolean; residual?: tf.Tensor3D },
): tf.Tensor3D {
  const layer: BatchNormVariables = {
    gamma: variableOf(model, `${name}.gamma`),
    beta: variableOf(model, `${name}.beta`),
    runningMean: variableOf(model, `${name}.runningMean`),
    runningVar: variableOf(model, `${name}.runningVar`),
  };
  const y = training ? batchNormTraining(x, layer, options) : batchNormInference(x, layer, options);
  return y as tf.Tensor3D;
}
