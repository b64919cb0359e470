/**
 * The Adam optimiser as PyTorch's `torch.optim.Adam` computes it (Kingma & Ba 2015, with
 * PyTorch's defaults beta1 0.9, beta2 0.999, eps 1e-8), keyed by our variable names.
 *
 * Why not `tf.train.adam`: its `setWeights` rebuilds beta^t with `pow` while training
 * accumulates it by repeated float32 products, so a run resumed from a checkpoint drifts from
 * the uninterrupted one in the last bits. Here the bias corrections are computed in float64
 * from the integer step count, and the state is the moments plus that count, so a restored
 * optimiser continues bit for bit. Its epsilon default (1e-7 on cpu) also differs from
 * PyTorch's, which the specs assume.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/** Options of {@linkcode Adam}. */
export interface AdamOptions {
  /** Step size. @default {1e-3} */
  learningRate?: number;
  /** Decay of the first-moment (mean gradient) average. @default {0.9} */
  beta1?: number;
  /** Decay of the second-moment (squared gradient) average. @default {0.999} */
  beta2?: number;
  /** Added to the denominator for stability. @default {1e-8} */
  epsilon?: number;
  /** Decoupled weight decay (AdamW: p = p (1 - lr weightDecay) before each step). @default {0} */
  weightDecay?: number;
}

/** An optimiser state that can be written to disk and read back: step count and moments. */
export interface AdamState {
  /** Updates applied so far (PyTorch's `state["step"]`). */
  step: number;
  /** `<name>/m` and `<name>/v` for every variable, in name order. */
  tensors: { name: string; tensor: tf.Tensor }[];
}

/**
 * Adam over a fixed set of named variables. For each variable with a gradient g at step t:
 * m = m + (1 - beta1) (g - m), v = beta2 v + (1 - beta2) g^2,
 * p = p - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps); with `weightDecay`,
 * p is first scaled by 1 - lr weightDecay (AdamW). `learningRate` may be changed between
 * steps (schedules).
 *
 * @example One step moves a weight against its gradient by about the learning rate
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { ok } from "node:assert/strict";
 * import { Adam } from "./adam.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const w = tf.variable(tf.tensor1d([1]));
 * const adam = new Adam(new Map([["w", w]]), { learningRate: 0.1 });
 * adam.applyGradients(new Map([["w", tf.tensor1d([3])]]));
 * ok(Math.abs(w.dataSync()[0] - 0.9) < 1e-6);
 * adam.dispose();
 * ```
 */
export class Adam {
  /** Step size of the next update. */
  learningRate: number;
  /** First-moment decay. */
  readonly beta1: number;
  /** Second-moment decay. */
  readonly beta2: number;
  /** Denominator stabiliser. */
  readonly epsilon: number;
  /** Decoupled weight decay (0: plain Adam). */
  readonly weightDecay: number;
  readonly #variables: Map<string, tf.Variable>;
  readonly #moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();
  #step = 0;

  /**
   * @param variables the variables to optimise, by name (usually the trainable ones of a model)
   * @throws {RangeError} when an option is out of range
   */
  constructor(variables: Map<string, tf.Variable>, options: AdamOptions = {}) {
    const { learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 } =
      options;
    if (!(learningRate >= 0 && Number.isFinite(learningRate))) {
      throw new RangeError(
        `Cannot create Adam: learningRate must be a finite number >= 0, got ${learningRate}`,
      );
    }
    for (const [name, beta] of [["beta1", beta1], ["beta2", beta2]] as const) {
      if (!(beta >= 0 && beta < 1)) {
        throw new RangeError(`Cannot create Adam: ${name} must be in [0, 1), got ${beta}`);
      }
    }
    if (!(epsilon > 0 && Number.isFinite(epsilon))) {
      throw new RangeError(
        `Cannot create Adam: epsilon must be a finite number > 0, got ${epsilon}`,
      );
    }
    if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) {
      throw new RangeError(
        `Cannot create Adam: weightDecay must be a finite number >= 0, got ${weightDecay}`,
      );
    }
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
    this.#variables = new Map([...variables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    // tidy frees the zero tensors tf.variable() copies from; variables outlive it.
    tf.tidy(() => {
      for (const [name, variable] of this.#variables) {
        this.#moments.set(name, {
          m: tf.variable(tf.zerosLike(variable), false),
          v: tf.variable(tf.zerosLike(variable), false),
        });
      }
    });
  }

  /** Updates applied so far. */
  get step(): number {
    return this.#step;
  }

  /**
   * Applies one update. Variables without an entry in `gradients` are left alone (their moments
   * too), as PyTorch does for parameters whose `grad` is None. The caller keeps ownership of
   * the gradient tensors.
   *
   * @throws {RangeError} when a gradient names an unknown variable or has the wrong shape
   */
  applyGradients(gradients: Map<string, tf.Tensor>): void {
    for (const [name, gradient] of gradients) {
      const variable = this.#variables.get(name);
      if (variable === undefined) {
        throw new RangeError(
          `Cannot apply gradients: "${name}" is not one of the optimiser's ${this.#variables.size} variables`,
        );
      }
      if (!tf.util.arraysEqual(gradient.shape, variable.shape)) {
        throw new RangeError(
          `Cannot apply gradients: "${name}" has shape [${variable.shape}], its gradient [${gradient.shape}]`,
        );
      }
    }
    this.#step += 1;
    const t = this.#step;
    // Float64 on the host from the integer step, so a resumed run gets the same bits.
    const stepSize = this.learningRate / (1 - this.beta1 ** t);
    const correction2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    const decay = 1 - this.learningRate * this.weightDecay;
    tf.tidy(() => {
      for (const [name, gradient] of gradients) {
        const variable = this.#variables.get(name)!;
        const { m, v } = this.#moments.get(name)!;
        const newM = tf.add(m, tf.mul(tf.sub(gradient, m), 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
        const denominator = tf.add(tf.div(tf.sqrt(newV), correction2Sqrt), this.epsilon);
        m.assign(newM);
        v.assign(newV);
        const decayed = this.weightDecay === 0 ? variable : tf.mul(variable, decay);
        variable.assign(tf.sub(decayed, tf.mul(tf.div(newM, denominator), stepSize)));
      }
    });
  }

  /** The step count and the moment tensors (views of the live state: encode, do not dispose). */
  state(): AdamState {
    const tensors: { name: string; tensor: tf.Tensor }[] = [];
    for (const [name, { m }] of this.#moments) tensors.push({ name: `${name}/m`, tensor: m });
    for (const [name, { v }] of this.#moments) tensors.push({ name: `${name}/v`, tensor: v });
    return { step: this.#step, tensors };
  }

  /**
   * Replaces the state with a saved one (copies the values; the caller keeps `tensors`).
   *
   * @throws {RangeError} when `step` is not a whole number >= 0, or a moment is missing, extra
   *   or of the wrong shape
   */
  setState(step: number, tensors: tf.NamedTensorMap): void {
    if (!(Number.isInteger(step) && step >= 0)) {
      throw new RangeError(`Cannot restore Adam: step must be an integer >= 0, got ${step}`);
    }
    const expected = new Set<string>();
    for (const [name, variable] of this.#variables) {
      for (const key of [`${name}/m`, `${name}/v`]) {
        expected.add(key);
        const tensor = tensors[key];
        if (tensor === undefined) {
          throw new RangeError(`Cannot restore Adam: moment "${key}" is missing from the state`);
        }
        if (!tf.util.arraysEqual(tensor.shape, variable.shape)) {
          throw new RangeError(
            `Cannot restore Adam: moment "${key}" has shape [${tensor.shape}], its variable [${variable.shape}]`,
          );
        }
      }
    }
    const extra = Object.keys(tensors).filter((key) => !expected.has(key));
    if (extra.length > 0) {
      throw new RangeError(
        `Cannot restore Adam: the state has moments for unknown variables (${extra.join(", ")})`,
      );
    }
    for (const [name, { m, v }] of this.#moments) {
      m.assign(tensors[`${name}/m`]);
      v.assign(tensors[`${name}/v`]);
    }
    this.#step = step;
  }

  /** Frees the moment variables; the optimised variables are untouched. */
  dispose(): void {
    for (const { m, v } of this.#moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.#moments.clear();
  }
}
