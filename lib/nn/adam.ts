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

/** The per-step constants of one update, shared by every variable. */
interface StepCoefficients {
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
  /** sqrt(1 - beta2^t). */
  correction2Sqrt: number;
  epsilon: number;
  /** 1 - lr weightDecay (exactly 1 for plain Adam, so p * decay = p). */
  decay: number;
}

/**
 * One Adam step over a variable's values in a single pass: updates the moments `m` and `v` in
 * place and writes the new parameter values to `updated`. The moments are rounded to float32
 * before they enter the parameter update, as PyTorch's float32 state would be.
 */
function adamUpdate(
  parameters: Float32Array,
  gradient: Float32Array,
  m: Float32Array,
  v: Float32Array,
  updated: Float32Array,
  c: StepCoefficients,
): void {
  const { oneMinusBeta1, beta2, oneMinusBeta2, stepSize, correction2Sqrt, epsilon, decay } = c;
  for (let i = 0; i < updated.length; i++) {
    const g = gradient[i];
    const mi = Math.fround(m[i] + (g - m[i]) * oneMinusBeta1);
    const vi = Math.fround(beta2 * v[i] + oneMinusBeta2 * g * g);
    m[i] = mi;
    v[i] = vi;
    const denominator = Math.sqrt(vi) / correction2Sqrt + epsilon;
    updated[i] = parameters[i] * decay - stepSize * (mi / denominator);
  }
}

/**
 * Adam over a fixed set of named float32 variables. For each variable with a gradient g at
 * step t: m = m + (1 - beta1) (g - m), v = beta2 v + (1 - beta2) g^2,
 * p = p - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps); with `weightDecay`,
 * p is first scaled by 1 - lr weightDecay (AdamW). `learningRate` may be changed between
 * steps (schedules).
 *
 * The moments are plain Float32Arrays owned by the optimiser and each variable is updated in
 * one loop (float64 arithmetic, moments and parameters stored as float32): composing the
 * formula from TF.js ops allocated and looped about ten times per variable, which cost more
 * than a whole forward and backward pass of ResAnDi.
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
  readonly #moments = new Map<string, { m: Float32Array; v: Float32Array }>();
  /** Tensors last handed out by `state()`, freed once the moments change. */
  #stateTensors: tf.Tensor[] | undefined;
  #step = 0;
  #disposed = false;

  /**
   * @param variables the variables to optimise, by name (usually the trainable ones of a model)
   * @throws {RangeError} when an option is out of range
   * @throws {TypeError} when a variable is not float32
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
    for (const [name, variable] of variables) {
      if (variable.dtype !== "float32") {
        throw new TypeError(
          `Cannot create Adam: variable "${name}" has dtype ${variable.dtype}; Adam updates float32 variables only`,
        );
      }
    }
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
    this.#variables = new Map([...variables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const [name, variable] of this.#variables) {
      this.#moments.set(name, {
        m: new Float32Array(variable.size),
        v: new Float32Array(variable.size),
      });
    }
  }

  /** Updates applied so far. */
  get step(): number {
    return this.#step;
  }

  /**
   * Applies one update. Variables without an entry in `gradients` are left alone (their moments
   * too), as PyTorch does for parameters whose `grad` is None. The caller keeps ownership of
   * the gradient tensors. Each updated variable gets a new tensor (its old values are freed).
   *
   * @throws {RangeError} when a gradient names an unknown variable or has the wrong shape
   * @throws {TypeError} when the optimiser was disposed
   */
  applyGradients(gradients: Map<string, tf.Tensor>): void {
    this.#assertLive("apply gradients");
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
    this.#releaseStateTensors();
    this.#step += 1;
    const t = this.#step;
    // Float64 on the host from the integer step, so a resumed run gets the same bits.
    const coefficients: StepCoefficients = {
      oneMinusBeta1: 1 - this.beta1,
      beta2: this.beta2,
      oneMinusBeta2: 1 - this.beta2,
      stepSize: this.learningRate / (1 - this.beta1 ** t),
      correction2Sqrt: Math.sqrt(1 - this.beta2 ** t),
      epsilon: this.epsilon,
      decay: 1 - this.learningRate * this.weightDecay,
    };
    for (const [name, gradient] of gradients) {
      const variable = this.#variables.get(name)!;
      const { m, v } = this.#moments.get(name)!;
      const updated = new Float32Array(variable.size);
      adamUpdate(
        float32Values(variable),
        float32Values(gradient),
        m,
        v,
        updated,
        coefficients,
      );
      // A fresh tensor rather than writing into the variable's backing store, which other
      // tensors may share and which another backend may hold elsewhere.
      tf.tidy(() => variable.assign(tf.tensor(updated, variable.shape, "float32")));
    }
  }

  /**
   * The step count and the moments as tensors, `<name>/m` for every variable in name order,
   * then `<name>/v`. The tensors belong to the optimiser and stay valid until the next
   * `applyGradients`, `setState` or `dispose`: encode them, do not dispose them.
   *
   * @throws {TypeError} when the optimiser was disposed
   */
  state(): AdamState {
    this.#assertLive("read the Adam state");
    if (this.#stateTensors === undefined) {
      const ms: tf.Tensor[] = [];
      const vs: tf.Tensor[] = [];
      for (const [name, { m, v }] of this.#moments) {
        const shape = this.#variables.get(name)!.shape;
        // Copies: the tensors must not change under the caller when the next step runs.
        ms.push(tf.tensor(m.slice(), shape, "float32"));
        vs.push(tf.tensor(v.slice(), shape, "float32"));
      }
      this.#stateTensors = [...ms, ...vs];
    }
    const names = [...this.#moments.keys()];
    const tensors = this.#stateTensors.map((tensor, i) => ({
      name: i < names.length ? `${names[i]}/m` : `${names[i - names.length]}/v`,
      tensor,
    }));
    return { step: this.#step, tensors };
  }

  /**
   * Replaces the state with a saved one (copies the values; the caller keeps `tensors`).
   *
   * @throws {RangeError} when `step` is not a whole number >= 0, or a moment is missing, extra
   *   or of the wrong shape
   * @throws {TypeError} when the optimiser was disposed
   */
  setState(step: number, tensors: tf.NamedTensorMap): void {
    this.#assertLive("restore Adam");
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
    this.#releaseStateTensors();
    for (const [name, { m, v }] of this.#moments) {
      m.set(tensors[`${name}/m`].dataSync());
      v.set(tensors[`${name}/v`].dataSync());
    }
    this.#step = step;
  }

  /** Frees the moments and any state tensors; the optimised variables are untouched. */
  dispose(): void {
    this.#releaseStateTensors();
    this.#moments.clear();
    this.#disposed = true;
  }

  #releaseStateTensors(): void {
    if (this.#stateTensors !== undefined) tf.dispose(this.#stateTensors);
    this.#stateTensors = undefined;
  }

  #assertLive(action: string): void {
    if (this.#disposed) {
      throw new TypeError(
        `Cannot ${action}: this Adam was disposed; create a new one (and setState() to resume)`,
      );
    }
  }
}

/** A tensor's values as float32, without a copy when they already are (read only). */
function float32Values(tensor: tf.Tensor): Float32Array {
  const values = tensor.dataSync();
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}
