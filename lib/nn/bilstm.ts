/**
 * The bidirectional-LSTM network used as the RNN baseline against Bi-Mamba (bimamba.md §8):
 * stacked bidirectional LSTM layers on per-frame features, then a dense head, either per frame
 * (segmentation logits, (batch, time, outputs)) or on the time-major flattened sequence
 * (trajectory-level regression, (batch, outputs)).
 *
 * The repository's segmentation RNN, `LSTM(6, 128, num_layers=4, bidirectional=True)` ->
 * dropout 0.1 -> `Linear(256, 3)`, is `{features: 6, hidden: 128, layers: 4, outputs: 3,
 * headDropout: 0.1}`; the suggested CPU preset is hidden 32 x 2 layers. The regression heads of
 * the three-block baseline are `head: "flatten"` with `length` 199; their output activations
 * (2 sigmoid for alpha, ReLU and clamp for K) belong to the code that composes the blocks.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.ts";
import { dense } from "./dense.ts";
import { uniformVariable } from "./init.ts";
import { bidirectionalLstmLayer, type LstmWeights } from "./lstm.ts";
import type { Model, ModelConfig } from "./model.ts";

/** Where the dense head reads the last LSTM layer. */
export type BiLstmHead = "frame" | "flatten";

/** Options for {@linkcode createBiLstm}: the architecture. */
export interface BiLstmOptions {
  /** Input features per frame. */
  features: number;
  /** Hidden units per direction (each layer outputs 2 * hidden). */
  hidden: number;
  /** Stacked bidirectional layers. */
  layers: number;
  /** Outputs of the dense head (per frame for `frame`, per sequence for `flatten`). */
  outputs: number;
  /**
   * Dropout rate on the input of every LSTM layer after the first (PyTorch's `nn.LSTM`
   * `dropout`), applied only when {@linkcode biLstmForward} gets a `dropoutRng`.
   * @default {0}
   */
  dropout?: number;
  /** Dropout rate on the last LSTM layer's output, before the head. @default {0} */
  headDropout?: number;
  /**
   * `frame`: the same Linear(2 * hidden -> outputs) at every step; `flatten`: one
   * Linear(length * 2 * hidden -> outputs) on the sequence flattened time-major
   * (index t * 2 * hidden + unit).
   * @default {"frame"}
   */
  head?: BiLstmHead;
  /** Sequence length the `flatten` head is built for; required for it, unused otherwise. */
  length?: number;
}

/** The JSON config of a BiLSTM network (every option resolved). */
export interface BiLstmConfig extends ModelConfig {
  kind: "bilstm";
  features: number;
  hidden: number;
  layers: number;
  outputs: number;
  dropout: number;
  headDropout: number;
  head: BiLstmHead;
  /** The `flatten` head's sequence length; null for `frame`. */
  length: number | null;
}

/** Options for {@linkcode biLstmForward}. */
export interface BiLstmForwardOptions {
  /**
   * Draws the dropout masks (training); without it dropout is off (evaluation). Each call
   * draws fresh masks, so the same generator state gives the same masks.
   */
  dropoutRng?: Rng;
}

const DIRECTIONS = ["forward", "backward"] as const;

const SIZE_EXAMPLE = "e.g. {features: 6, hidden: 32, layers: 2, outputs: 3}";

function checkCount(name: string, value: unknown, fix = SIZE_EXAMPLE): void {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new RangeError(
      `Cannot create BiLSTM: ${name} must be an integer >= 1, got ${value}; ${fix}`,
    );
  }
}

function checkRate(name: string, value: number): void {
  if (!(value >= 0 && value < 1)) {
    throw new RangeError(
      `Cannot create BiLSTM: ${name} must be in [0, 1), got ${value}; use 0 to switch it off`,
    );
  }
}

/**
 * Resolves and checks a BiLSTM architecture: the config {@linkcode createBiLstm} stores.
 *
 * @throws {RangeError} when a size is not a positive integer, a dropout rate is outside
 * [0, 1), the head is unknown, or the `flatten` head has no `length`.
 * @example The repository's segmentation RNN
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { biLstmConfig } from "./bilstm.ts";
 * const options = { features: 6, hidden: 128, layers: 4, outputs: 3, headDropout: 0.1 };
 * equal(biLstmConfig(options).head, "frame");
 * ```
 */
export function biLstmConfig(options: BiLstmOptions): BiLstmConfig {
  const {
    features,
    hidden,
    layers,
    outputs,
    dropout = 0,
    headDropout = 0,
    head = "frame",
    length,
  } = options;
  checkCount("features", features);
  checkCount("hidden", hidden);
  checkCount("layers", layers);
  checkCount("outputs", outputs);
  checkRate("dropout", dropout);
  checkRate("headDropout", headDropout);
  if (head !== "frame" && head !== "flatten") {
    throw new RangeError(
      `Cannot create BiLSTM: head must be "frame" or "flatten", got "${head}"; ` +
        `use "frame" for per-frame outputs`,
    );
  }
  if (head === "flatten") {
    checkCount("length", length, "the flatten head needs the sequence length it reads");
  }
  return {
    kind: "bilstm",
    features,
    hidden,
    layers,
    outputs,
    dropout,
    headDropout,
    head,
    length: head === "flatten" ? length as number : null,
  };
}

/**
 * The number of trainable scalars of a BiLSTM:
 * sum over layers l of 2 (F_l 4H + H 4H + 4H), F_0 = features, F_l = 2H after, plus the head,
 * (2H or length 2H) outputs + outputs. PyTorch counts 8H more per layer (two biases per
 * direction).
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { biLstmConfig, biLstmParameterCount } from "./bilstm.ts";
 * // PyTorch's 1,325,827 for LSTM(6, 128, 4, bidirectional) + Linear(256, 3), less 4 x 8 x 128.
 * const config = biLstmConfig({ features: 6, hidden: 128, layers: 4, outputs: 3 });
 * equal(biLstmParameterCount(config), 1_321_731);
 * ```
 */
export function biLstmParameterCount(config: BiLstmConfig): number {
  const { features, hidden: h, layers, outputs, head, length } = config;
  let count = 0;
  for (let l = 0; l < layers; l++) {
    const inputs = l === 0 ? features : 2 * h;
    count += 2 * (inputs * 4 * h + h * 4 * h + 4 * h);
  }
  const headInputs = head === "flatten" ? (length as number) * 2 * h : 2 * h;
  return count + headInputs * outputs + outputs;
}

/**
 * Builds a BiLSTM network with PyTorch's initialisation: every LSTM weight uniform in
 * ±1/sqrt(hidden); each gate bias the sum of two such draws (PyTorch's b_ih + b_hh, so the
 * same distribution); the head's weight and bias uniform in ±1/sqrt(fan_in) (`nn.Linear`).
 *
 * Variables (each drawn from `rng.stream(name)`, so adding a layer leaves the others'
 * weights unchanged): `lstm.{l}.{forward|backward}.{kernel|recurrent_kernel|bias}` with
 * shapes (in, 4H), (H, 4H), (4H), gates i, f, g, o (PyTorch's weights transposed); then
 * `head.kernel` (in, outputs) and `head.bias` (outputs).
 *
 * @param options The architecture ({@linkcode BiLstmOptions}).
 * @param rng The generator the weights are drawn from.
 * @throws {RangeError} as {@linkcode biLstmConfig}.
 * @example The benchmark shape: 7 features, 2 layers of 64, per-frame 3-class head
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { selectBackend } from "./backend.ts";
 * import { createBiLstm } from "./bilstm.ts";
 * import { disposeModel, parameterCount } from "./model.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = createBiLstm({ features: 7, hidden: 64, layers: 2, outputs: 3 }, createRng(0));
 * equal(parameterCount(model), 136_067);
 * disposeModel(model);
 * ```
 */
export function createBiLstm(options: BiLstmOptions, rng: Rng): Model {
  const config = biLstmConfig(options);
  const { features, hidden, layers, outputs, head, length } = config;
  const variables = new Map<string, tf.Variable>();
  const bound = 1 / Math.sqrt(hidden);
  for (let l = 0; l < layers; l++) {
    const inputs = l === 0 ? features : 2 * hidden;
    for (const direction of DIRECTIONS) {
      const prefix = `lstm.${l}.${direction}`;
      const weights: [string, number[]][] = [
        ["kernel", [inputs, 4 * hidden]],
        ["recurrent_kernel", [hidden, 4 * hidden]],
      ];
      for (const [name, shape] of weights) {
        variables.set(
          `${prefix}.${name}`,
          uniformVariable(rng.stream(`${prefix}.${name}`), shape, bound),
        );
      }
      variables.set(`${prefix}.bias`, summedBias(rng.stream(`${prefix}.bias`), 4 * hidden, bound));
    }
  }
  const headInputs = head === "flatten" ? (length as number) * 2 * hidden : 2 * hidden;
  const headBound = 1 / Math.sqrt(headInputs);
  variables.set(
    "head.kernel",
    uniformVariable(rng.stream("head.kernel"), [headInputs, outputs], headBound),
  );
  variables.set("head.bias", uniformVariable(rng.stream("head.bias"), [outputs], headBound));
  return { config, variables };
}

/** PyTorch's b_ih + b_hh: two independent uniform draws, added. */
function summedBias(rng: Rng, size: number, bound: number): tf.Variable {
  const first = uniformVariable(rng, [size], bound);
  const second = uniformVariable(rng, [size], bound);
  // The tidy frees the sum's tensor handle; the variable keeps its data.
  const sum = tf.tidy(() => tf.variable(tf.add(first, second)));
  tf.dispose([first, second]);
  return sum;
}

/**
 * The network's output for the per-frame inputs `x`.
 *
 * @param model A model from {@linkcode createBiLstm} (or loaded with the same config).
 * @param x Features, (batch, time, features), float32; for the `flatten` head time must equal
 * the config's `length`.
 * @param options `dropoutRng` to train with dropout.
 * @returns Logits (batch, time, outputs) for the `frame` head; (batch, outputs) for `flatten`.
 * @throws {TypeError} when the model is not a BiLSTM or x does not fit it.
 * @example Per-frame logits
 * ```ts
 * import { equal } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { selectBackend } from "./backend.ts";
 * import { biLstmForward, createBiLstm } from "./bilstm.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = createBiLstm({ features: 7, hidden: 8, layers: 2, outputs: 3 }, createRng(1));
 * const logits = biLstmForward(model, tf.zeros([4, 20, 7]));
 * equal(logits.shape.join(), "4,20,3");
 * ```
 */
export function biLstmForward(
  model: Model,
  x: tf.Tensor3D,
  options: BiLstmForwardOptions = {},
): tf.Tensor {
  const { dropoutRng } = options;
  const config = model.config as BiLstmConfig;
  if (config.kind !== "bilstm") {
    throw new TypeError(
      `Cannot run BiLSTM: the model's kind is "${config.kind}", not "bilstm"; ` +
        `use the forward function of that kind`,
    );
  }
  const { features, hidden, layers, dropout, headDropout, head, length } = config;
  if (x.rank !== 3 || x.shape[2] !== features) {
    throw new TypeError(
      `Cannot run BiLSTM: x must have shape [batch, time, ${features}], got ` +
        `[${x.shape.join(", ")}]; the model was built for ${features} features per frame`,
    );
  }
  const [batch, steps] = x.shape;
  if (head === "flatten" && steps !== length) {
    throw new TypeError(
      `Cannot run BiLSTM: the flatten head needs ${length} time steps, got ${steps}; ` +
        `pad or cut sequences to ${length} frames`,
    );
  }
  return tf.tidy(() => {
    let h: tf.Tensor3D = x;
    for (let l = 0; l < layers; l++) {
      if (l > 0 && dropoutRng && dropout > 0) h = applyDropout(h, dropout, dropoutRng);
      const [forward, backward] = DIRECTIONS.map((direction) =>
        layerWeights(model, `lstm.${l}.${direction}`)
      );
      h = bidirectionalLstmLayer(h, forward, backward);
    }
    if (dropoutRng && headDropout > 0) h = applyDropout(h, headDropout, dropoutRng);
    const kernel = model.variables.get("head.kernel") as tf.Variable;
    const bias = model.variables.get("head.bias") as tf.Variable;
    if (head === "flatten") return dense(tf.reshape(h, [batch, steps * 2 * hidden]), kernel, bias);
    return dense(h, kernel, bias);
  });
}

function layerWeights(model: Model, prefix: string): LstmWeights {
  function get(name: string): tf.Variable {
    const variable = model.variables.get(`${prefix}.${name}`);
    if (!variable) {
      throw new TypeError(
        `Cannot run BiLSTM: variable "${prefix}.${name}" is missing; ` +
          `build the model with createBiLstm or load it with its config`,
      );
    }
    return variable;
  }
  return {
    kernel: get("kernel") as tf.Tensor as tf.Tensor2D,
    recurrentKernel: get("recurrent_kernel") as tf.Tensor as tf.Tensor2D,
    bias: get("bias") as tf.Tensor as tf.Tensor1D,
  };
}

/** Inverted dropout: zero each entry with probability `rate`, scale the rest by 1/(1-rate). */
function applyDropout(h: tf.Tensor3D, rate: number, rng: Rng): tf.Tensor3D {
  const draws = rng.fillUniform(new Float64Array(h.size));
  const keep = 1 / (1 - rate);
  const mask = Float32Array.from(draws, (u) => (u < rate ? 0 : keep));
  return tf.mul(h, tf.tensor3d(mask, h.shape));
}
