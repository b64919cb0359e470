/**
 * Bi-Mamba networks (bimamba.md §5): the bidirectional block of the deep model (§5.2), the
 * three-block AnDi-2 network `all_at_the_same_time` (§5.3: segmentation, then alpha and K
 * heads that see the predicted segmentation), a plain block stack with a per-frame head (the
 * benchmark's anchor shape), and the training losses of §6.
 *
 * Variable names follow the PyTorch state dict of the reference code
 * (`segmentation.Bi_blocks.0.forward_mamba.in_proj.weight`, `model_alpha.dense.bias`, ...),
 * with matrices stored (in, out): a shipped state dict loads by name after transposing the
 * Linear weights and reshaping the convolution kernels (see `mamba.ts`).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.ts";
import { dense } from "./dense.ts";
import { gelu } from "./gelu.ts";
import { constantVariable, uniformVariable } from "./init.ts";
import { layerNorm } from "./layer_norm.ts";
import { addMambaVariables, mamba, type MambaOptions } from "./mamba.ts";
import type { Model, ModelConfig } from "./model.ts";

export {
  alphaMae,
  biMambaLoss,
  type BiMambaLossTerms,
  type BiMambaPrediction,
  type BiMambaTargets,
  kMsle,
  weightedCrossEntropy,
} from "./bimamba_loss.ts";

// Residual sums, the flatten, the heads' activations and the losses differentiate through
// core kernels whose gradients tfjs-core does not register under Deno.

/** Mamba hyper-parameters shared by every block of a network. */
export interface BiMambaBlockOptions {
  /** State size N. @default {16} */
  dState?: number;
  /** Convolution width. @default {2} */
  dConv?: number;
  /** Inner channels per model channel. @default {1} */
  expand?: number;
}

/** Architecture of the §5.3 network; every field defaults to the shipped model's value. */
export interface BiMambaOptions extends BiMambaBlockOptions {
  /** Input features per displacement (the segmentation width d). @default {6} */
  features?: number;
  /** Displacements per trajectory; the heads' flatten fixes it. @default {199} */
  length?: number;
  /** Segmentation classes (0 = padding, 1 = first regime, 2 = second). @default {3} */
  classes?: number;
  /** Bi-Mamba blocks of the segmentation stack. @default {5} */
  segmentationBlocks?: number;
  /** Bi-Mamba blocks of the alpha head. @default {2} */
  alphaBlocks?: number;
  /** Bi-Mamba blocks of the K head. @default {2} */
  kBlocks?: number;
}

/** The stored config of a §5.3 network (`kind: "bimamba"`), all fields resolved. */
export interface BiMambaConfig extends ModelConfig, Required<BiMambaOptions> {
  kind: "bimamba";
}

function mambaOptions(options: BiMambaBlockOptions): MambaOptions {
  const { dState = 16, dConv = 2, expand = 1 } = options;
  return { dState, dConv, expand };
}

function addDense(
  variables: Map<string, tf.Variable>,
  prefix: string,
  inputs: number,
  outputs: number,
  rng: Rng,
): number {
  const bound = 1 / Math.sqrt(inputs);
  variables.set(
    `${prefix}.weight`,
    uniformVariable(rng.stream(`${prefix}.weight`), [inputs, outputs], bound),
  );
  variables.set(`${prefix}.bias`, uniformVariable(rng.stream(`${prefix}.bias`), [outputs], bound));
  return inputs * outputs + outputs;
}

function addLayerNorm(variables: Map<string, tf.Variable>, prefix: string, d: number): number {
  variables.set(`${prefix}.weight`, constantVariable([d], 1));
  variables.set(`${prefix}.bias`, constantVariable([d], 0));
  return 2 * d;
}

/**
 * Creates the variables of one Bi-Mamba block of width `d` under `prefix` (§5.2): `norm1`,
 * `forward_mamba`, `backward_mamba`, `norm2`, `feed_forward.0` (d -> 4d), `feed_forward.2`
 * (4d -> d).
 *
 * @returns The number of trainable scalars added (1,218 for d = 6 with the defaults).
 * @throws {RangeError} as {@linkcode addMambaVariables} does.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { addBiMambaBlockVariables } from "./bimamba.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * equal(addBiMambaBlockVariables(new Map<string, tf.Variable>(), "b", 6, createRng(0)), 1218);
 * ```
 */
export function addBiMambaBlockVariables(
  variables: Map<string, tf.Variable>,
  prefix: string,
  d: number,
  rng: Rng,
  options: BiMambaBlockOptions = {},
): number {
  const mambaConfig = mambaOptions(options);
  return addLayerNorm(variables, `${prefix}.norm1`, d) +
    addMambaVariables(variables, `${prefix}.forward_mamba`, d, rng, mambaConfig) +
    addMambaVariables(variables, `${prefix}.backward_mamba`, d, rng, mambaConfig) +
    addLayerNorm(variables, `${prefix}.norm2`, d) +
    addDense(variables, `${prefix}.feed_forward.0`, d, 4 * d, rng) +
    addDense(variables, `${prefix}.feed_forward.2`, 4 * d, d, rng);
}

function variable(variables: Map<string, tf.Variable>, name: string): tf.Variable {
  const found = variables.get(name);
  if (!found) {
    throw new RangeError(
      `Cannot apply the Bi-Mamba network: no variable "${name}" in the model; build it with ` +
        `createBiMamba(), createBiMambaStack() or addBiMambaBlockVariables()`,
    );
  }
  return found;
}

/**
 * One Bi-Mamba block (§5.2): out = x + FF(LN2(Mamba_fwd(LN1 x) + flip(Mamba_bwd(flip(LN1 x))))),
 * FF = Linear(d, 4d) -> exact GELU -> Linear(4d, d). The two directions are summed, not
 * concatenated; the backward branch runs reversed in place (no flips).
 *
 * @param variables The model's variables holding the block under `prefix`.
 * @param prefix The block's name prefix.
 * @param x Inputs, float32, shape (B, L, d).
 * @returns Outputs, shape (B, L, d).
 * @throws {RangeError} when a variable is missing.
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { addBiMambaBlockVariables, biMambaBlock } from "./bimamba.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const variables = new Map<string, tf.Variable>();
 * addBiMambaBlockVariables(variables, "b", 6, createRng(0));
 * deepEqual(biMambaBlock(variables, "b", tf.ones([2, 9, 6])).shape, [2, 9, 6]);
 * ```
 */
export function biMambaBlock(
  variables: Map<string, tf.Variable>,
  prefix: string,
  x: tf.Tensor,
): tf.Tensor {
  const v = (name: string) => variable(variables, `${prefix}.${name}`);
  v("norm1.weight"); // a clear message before the Mamba layers look for theirs
  return tf.tidy(() => {
    const normed = layerNorm(x, v("norm1.weight"), v("norm1.bias"));
    const both = tf.add(
      mamba(variables, `${prefix}.forward_mamba`, normed),
      mamba(variables, `${prefix}.backward_mamba`, normed, { reverse: true }),
    );
    const mixed = layerNorm(both, v("norm2.weight"), v("norm2.bias"));
    const hidden = gelu(dense(mixed, v("feed_forward.0.weight"), v("feed_forward.0.bias")));
    return tf.add(x, dense(hidden, v("feed_forward.2.weight"), v("feed_forward.2.bias")));
  });
}

function biMambaBlocks(
  variables: Map<string, tf.Variable>,
  prefix: string,
  blocks: number,
  x: tf.Tensor,
): tf.Tensor {
  return tf.tidy(() => {
    let out = x;
    for (let i = 0; i < blocks; i++) out = biMambaBlock(variables, `${prefix}.Bi_blocks.${i}`, out);
    return out;
  });
}

function checkCount(action: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Cannot ${action}: ${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Builds the three-block network of §5.3 (`all_at_the_same_time`): a segmentation stack of
 * Bi-Mamba blocks of width `features` with a per-step Linear(features -> classes), and alpha
 * and K heads, each a stack of blocks of width features + 1 on [class, features], flattened
 * time-major into Linear(length (features + 1) -> 2). With the defaults: 6,111 segmentation
 * parameters, 5,826 per head, 17,763 in all.
 *
 * @param options Architecture; defaults are the shipped model's.
 * @param rng Source of the initial weights (each variable its own stream, by name).
 * @returns The model, `config.kind === "bimamba"`.
 * @throws {RangeError} when a count or size is not a positive integer.
 * @example The shipped model's parameter count
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { parameterCount } from "./model.ts";
 * import { createBiMamba } from "./bimamba.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * equal(parameterCount(createBiMamba({}, createRng(0))), 17763);
 * ```
 */
export function createBiMamba(options: BiMambaOptions, rng: Rng): Model {
  const config: BiMambaConfig = {
    kind: "bimamba",
    features: 6,
    length: 199,
    classes: 3,
    dState: 16,
    dConv: 2,
    expand: 1,
    segmentationBlocks: 5,
    alphaBlocks: 2,
    kBlocks: 2,
    ...options,
  };
  for (const name of ["features", "length", "classes", "segmentationBlocks"] as const) {
    checkCount("create the Bi-Mamba network", name, config[name]);
  }
  for (const name of ["alphaBlocks", "kBlocks"] as const) {
    checkCount("create the Bi-Mamba network", name, config[name]);
  }
  const variables = new Map<string, tf.Variable>();
  const d = config.features;
  const stacks: [string, number, number][] = [
    ["segmentation", config.segmentationBlocks, d],
    ["model_alpha", config.alphaBlocks, d + 1],
    ["model_K", config.kBlocks, d + 1],
  ];
  for (const [name, blocks, width] of stacks) {
    for (let i = 0; i < blocks; i++) {
      addBiMambaBlockVariables(variables, `${name}.Bi_blocks.${i}`, width, rng, config);
    }
  }
  addDense(variables, "segmentation.dense", d, config.classes, rng);
  addDense(variables, "model_alpha.dense", config.length * (d + 1), 2, rng);
  addDense(variables, "model_K.dense", config.length * (d + 1), 2, rng);
  return { config, variables };
}

/** Outputs of {@linkcode biMambaForward}. */
export interface BiMambaOutputs {
  /** Segmentation logits (no softmax), shape (B, L, classes). */
  logits: tf.Tensor3D;
  /** Anomalous exponents of the two regimes, in (0, 2), shape (B, 2). */
  alpha: tf.Tensor2D;
  /** Diffusion coefficients of the two regimes, in {0} U [1e-7, 1e12], shape (B, 2). */
  k: tf.Tensor2D;
}

/**
 * Runs the §5.3 network. The class fed to the heads is argmax of the logits (ties to the
 * lower class, as torch.argmax), read as plain values so that no gradient flows through it,
 * and set to 0 where `mask` is 0. The reference code finds padding by dx == 0 exactly; here
 * the caller passes the mask it built when padding (1 = real displacement, 0 = padding),
 * which also keeps a real zero displacement from being taken for padding.
 *
 * @param model A model from {@linkcode createBiMamba}.
 * @param features Features, float32, shape (B, length, features).
 * @param mask Padding mask, shape (B, length), 1 for valid steps and 0 for padding.
 * @returns Logits, alpha and K.
 * @throws {TypeError} when the model is not a Bi-Mamba network or a shape does not match.
 * @example Output shapes and ranges of an untrained network
 * ```ts
 * import { deepEqual, ok } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { biMambaForward, createBiMamba } from "./bimamba.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = createBiMamba({ length: 20 }, createRng(0));
 * const { logits, alpha, k } = biMambaForward(model, tf.ones([2, 20, 6]), tf.ones([2, 20]));
 * deepEqual(logits.shape, [2, 20, 3]);
 * ok(alpha.dataSync().every((a) => a > 0 && a < 2) && k.dataSync().every((v) => v >= 0));
 * ```
 */
export function biMambaForward(
  model: Model,
  features: tf.Tensor,
  mask: tf.Tensor,
): BiMambaOutputs {
  const config = model.config as BiMambaConfig;
  if (config.kind !== "bimamba") {
    throw new TypeError(
      `Cannot run the Bi-Mamba network: the model is a "${config.kind}" network; ` +
        `build it with createBiMamba()`,
    );
  }
  const { features: d, length, classes } = config;
  const [batch] = features.shape as number[];
  if (features.rank !== 3 || features.shape[1] !== length || features.shape[2] !== d) {
    throw new TypeError(
      `Cannot run the Bi-Mamba network: features must have shape (B, ${length}, ${d}), ` +
        `got [${features.shape}]`,
    );
  }
  if (!tf.util.arraysEqual(mask.shape, [batch, length])) {
    throw new TypeError(
      `Cannot run the Bi-Mamba network: mask must have shape [${batch},${length}], ` +
        `got [${mask.shape}]`,
    );
  }
  const v = (name: string) => variable(model.variables, name);
  return tf.tidy(() => {
    const trunk = biMambaBlocks(
      model.variables,
      "segmentation",
      config.segmentationBlocks,
      features,
    );
    const logits = dense(trunk, v("segmentation.dense.weight"), v("segmentation.dense.bias"));
    const z = tf.concat([maskedClasses(logits, mask, classes), features], 2);
    const flat = (name: string, blocks: number) =>
      tf.reshape(biMambaBlocks(model.variables, name, blocks, z), [batch, length * (d + 1)]);
    const alphaLogits = dense(
      flat("model_alpha", config.alphaBlocks),
      v("model_alpha.dense.weight"),
      v("model_alpha.dense.bias"),
    );
    const alpha = tf.mul(tf.sigmoid(alphaLogits), 2);
    const kLinear = dense(
      flat("model_K", config.kBlocks),
      v("model_K.dense.weight"),
      v("model_K.dense.bias"),
    );
    const kClamped = tf.clipByValue(tf.relu(kLinear), 0, 1e12);
    // Values below 1e-7 become exactly 0 (and get no gradient), as `out[out < 1e-7] = 0`.
    // (The condition is read as values: it is a constant for the gradient, like the mask.)
    const small = tf.tensor(
      Uint8Array.from(kClamped.dataSync(), (v) => (v < 1e-7 ? 1 : 0)),
      kClamped.shape,
      "bool",
    );
    const k = tf.where(small, tf.zerosLike(kClamped), kClamped);
    return {
      logits: logits as tf.Tensor3D,
      alpha: alpha as tf.Tensor2D,
      k: k as tf.Tensor2D,
    };
  });
}

/** argmax over the last axis of the logits, times the mask, as a (B, L, 1) float constant. */
function maskedClasses(logits: tf.Tensor, mask: tf.Tensor, classes: number): tf.Tensor {
  const scores = logits.dataSync();
  const valid = mask.dataSync();
  const out = new Float32Array(valid.length);
  for (let i = 0; i < valid.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (scores[i * classes + c] > scores[i * classes + best]) best = c;
    }
    out[i] = valid[i] === 0 ? 0 : best;
  }
  return tf.tensor3d(out, [...logits.shape.slice(0, 2), 1] as [number, number, number]);
}

/** Options of {@linkcode createBiMambaStack}. */
export interface BiMambaStackOptions extends BiMambaBlockOptions {
  /** Block width d (features per time step in and out of the stack). */
  dModel: number;
  /** Number of Bi-Mamba blocks. */
  layers: number;
  /** Outputs of the per-frame Linear head (e.g. classes). */
  outputs: number;
}

/** The stored config of a block stack (`kind: "bimamba_stack"`). */
export interface BiMambaStackConfig extends ModelConfig, Required<BiMambaStackOptions> {
  kind: "bimamba_stack";
}

/**
 * A plain stack of `layers` Bi-Mamba blocks of width dModel with a per-frame
 * Linear(dModel -> outputs) head (variables `Bi_blocks.<i>.*`, `dense.*`); the benchmark's
 * anchor shape is dModel 64, dState 16, expand 2, 2 layers.
 *
 * @throws {RangeError} when a size is not a positive integer.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { createBiMambaStack } from "./bimamba.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = createBiMambaStack({ dModel: 8, layers: 1, outputs: 3 }, createRng(0));
 * equal(model.config.kind, "bimamba_stack");
 * ```
 */
export function createBiMambaStack(options: BiMambaStackOptions, rng: Rng): Model {
  const config: BiMambaStackConfig = {
    kind: "bimamba_stack",
    dState: 16,
    dConv: 2,
    expand: 1,
    ...options,
  };
  for (const name of ["dModel", "layers", "outputs"] as const) {
    checkCount("create the Bi-Mamba stack", name, config[name]);
  }
  const variables = new Map<string, tf.Variable>();
  for (let i = 0; i < config.layers; i++) {
    addBiMambaBlockVariables(variables, `Bi_blocks.${i}`, config.dModel, rng, config);
  }
  addDense(variables, "dense", config.dModel, config.outputs, rng);
  return { config, variables };
}

/**
 * Runs a {@linkcode createBiMambaStack} model: per-frame outputs (B, T, outputs) for
 * inputs x (B, T, dModel).
 *
 * @throws {TypeError} when the model is not a stack or x is not (B, T, dModel).
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { biMambaStackForward, createBiMambaStack } from "./bimamba.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = createBiMambaStack({ dModel: 8, layers: 1, outputs: 3 }, createRng(0));
 * deepEqual(biMambaStackForward(model, tf.ones([2, 5, 8])).shape, [2, 5, 3]);
 * ```
 */
export function biMambaStackForward(model: Model, x: tf.Tensor): tf.Tensor3D {
  const config = model.config as BiMambaStackConfig;
  if (config.kind !== "bimamba_stack") {
    throw new TypeError(
      `Cannot run the Bi-Mamba stack: the model is a "${config.kind}" network; ` +
        `build it with createBiMambaStack()`,
    );
  }
  if (x.rank !== 3 || x.shape[2] !== config.dModel) {
    throw new TypeError(
      `Cannot run the Bi-Mamba stack: x must have shape (B, T, ${config.dModel}), ` +
        `got [${x.shape}]`,
    );
  }
  return tf.tidy(() => {
    let out = x;
    for (let i = 0; i < config.layers; i++) {
      out = biMambaBlock(model.variables, `Bi_blocks.${i}`, out);
    }
    return dense(
      out,
      variable(model.variables, "dense.weight"),
      variable(model.variables, "dense.bias"),
    ) as tf.Tensor3D;
  });
}
