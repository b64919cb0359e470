/**
 * Seeded weight initialisers (PyTorch's defaults, which the specs assume), drawing from
 * `lib/rng.ts` so that the same seed gives the same weights byte for byte.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.ts";

/**
 * A trainable variable of `shape` with entries uniform in (-bound, bound); PyTorch's default
 * for Linear and Conv weights and biases is bound = 1 / sqrt(fan_in).
 *
 * @example
 * ```ts
 * import { createRng } from "../rng.ts";
 * import { selectBackend } from "./backend.ts";
 * import { uniformVariable } from "./init.ts";
 * await selectBackend({ prefer: "cpu" });
 * const w = uniformVariable(createRng(1), [3, 4], 0.5);
 * if (Math.max(...w.dataSync().map(Math.abs)) >= 0.5) throw new Error("bound");
 * ```
 */
export function uniformVariable(rng: Rng, shape: number[], bound: number): tf.Variable {
  const draws = rng.fillUniform(new Float64Array(tf.util.sizeFromShape(shape)));
  const values = Float32Array.from(draws, (u) => (2 * u - 1) * bound);
  return variableOf(values, shape, true);
}

/** A variable holding `values`; the tidy frees the staging tensor the variable copied from. */
function variableOf(values: Float32Array, shape: number[], trainable: boolean): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, "float32"), trainable));
}

/** A trainable variable of `shape` with independent normal entries of standard deviation `std`. */
export function normalVariable(rng: Rng, shape: number[], std: number): tf.Variable {
  const draws = rng.fillNormal(new Float64Array(tf.util.sizeFromShape(shape)), 0, std);
  return variableOf(Float32Array.from(draws), shape, true);
}

/** A variable of `shape` filled with `value`; `trainable` false for running statistics. */
export function constantVariable(shape: number[], value: number, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(tf.fill(shape, value, "float32"), trainable));
}
