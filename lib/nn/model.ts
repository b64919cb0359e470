/**
 * What every network in this project is: a JSON-serialisable architecture (`config`) and its
 * named variables. Forward passes are plain functions of a model (`resandiLogits(model, x)`),
 * so saving, loading, optimisers and the training loop treat every network alike.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/** The architecture: enough, with the weights, to rebuild the network. JSON only. */
export interface ModelConfig {
  /** Which builder understands this config, e.g. `resandi`, `bimamba`, `bilstm`. */
  kind: string;
  [field: string]: unknown;
}

/**
 * A network's architecture and variables. Names are stable paths (`layer1.0.conv1.kernel`);
 * trainable weights have `trainable` set, running statistics (batch-norm means) do not.
 */
export interface Model {
  readonly config: ModelConfig;
  readonly variables: Map<string, tf.Variable>;
}

/**
 * The trainable variables of `model`, in name order.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { selectBackend } from "./backend.ts";
 * import { trainableVariables } from "./model.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = {
 *   config: { kind: "toy" },
 *   variables: new Map([
 *     ["w", tf.variable(tf.zeros([2]))],
 *     ["mean", tf.variable(tf.zeros([2]), false)],
 *   ]),
 * };
 * if (trainableVariables(model).length !== 1) throw new Error("expected one");
 * ```
 */
export function trainableVariables(model: Model): tf.Variable[] {
  return [...model.variables.entries()]
    .filter(([, variable]) => variable.trainable)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, variable]) => variable);
}

/** The number of trainable scalars in `model`. */
export function parameterCount(model: Model): number {
  return trainableVariables(model).reduce((sum, variable) => sum + variable.size, 0);
}

/** Frees every variable of `model`. */
export function disposeModel(model: Model): void {
  for (const variable of model.variables.values()) variable.dispose();
}
