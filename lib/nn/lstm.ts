/**
 * A fused (bidirectional) LSTM layer: the whole recurrence, forward and backward through time,
 * runs as one TF.js op over Float32Arrays instead of ~15 tiny TF.js ops per time step.
 *
 * Per direction and time step (PyTorch's `nn.LSTM`, gates in PyTorch order i, f, g, o):
 *
 *     z = x_t W + h_{t-1} U + b          W: (features, 4H), U: (H, 4H), b: (4H)
 *     i = sigmoid(z_i), f = sigmoid(z_f), g = tanh(z_g), o = sigmoid(z_o)
 *     c_t = f * c_{t-1} + i * g,         h_t = o * tanh(c_t),        h_0 = c_0 = 0
 *
 * The input projection of all steps (both directions) is one matrix product, each step adds
 * one (batch, H) x (H, 4H) product and fused gate arithmetic; the backward pass walks time in
 * reverse with one (batch, 4H) x (4H, H) product per step, then gets every other gradient from
 * products over all steps at once: dW = x^T dz, dU = h_{t-1}^T dz, db = 1^T dz, dx = dz W^T.
 * Products go to the native BLAS (`findBlas()`) unless the active backend is the plain
 * JavaScript `cpu` one (or no BLAS loads): then a JavaScript loop, about 30x slower.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { type Blas, findBlas, javascriptSgemm } from "./blas.ts";

/**
 * One direction's LSTM weights. Relation to PyTorch's `nn.LSTM`: `kernel` is `weight_ih_l{k}`
 * transposed, `recurrentKernel` is `weight_hh_l{k}` transposed, and `bias` is the sum
 * `bias_ih_l{k} + bias_hh_l{k}` (the two only ever appear added).
 */
export interface LstmWeights {
  /** Input weights, shape (features, 4 * hidden), gate blocks i, f, g, o along axis 1. */
  kernel: tf.Tensor2D;
  /** Recurrent weights, shape (hidden, 4 * hidden), gate blocks i, f, g, o along axis 1. */
  recurrentKernel: tf.Tensor2D;
  /** Gate bias, shape (4 * hidden): PyTorch's `b_ih + b_hh`. */
  bias: tf.Tensor1D;
}

/** Options for {@linkcode lstm}. */
export interface LstmOptions {
  /**
   * Read the sequence from the last step to the first (the backward half of a bidirectional
   * layer); outputs stay at their original time index.
   * @default {false}
   */
  reverse?: boolean;
}

type Sgemm = Blas["sgemm"];

interface Shapes {
  batch: number;
  steps: number;
  features: number;
  hidden: number;
}

/** One direction's weights as arrays, for the fused loops. */
interface DirectionArrays {
  kernel: Float32Array;
  recurrent: Float32Array;
  bias: Float32Array;
  reverse: boolean;
}

/** What the forward pass keeps for the backward pass, laid out (batch, time, ...). */
interface LstmCache {
  /**
   * Gate activations i, f, g, o, (B, T, D * 4H); the backward pass overwrites them with dL/dz,
   * which is safe because TF.js runs each recorded op's gradient once per tape.
   */
  gates: Float32Array;
  /** Cell states c_t, (B, T, D * H). */
  cells: Float32Array;
  /** tanh(c_t), (B, T, D * H). */
  tanhCells: Float32Array;
  /** The state h_{t-1} each step read (zero at a direction's first step), (B, T, D * H). */
  previous: Float32Array;
  /** Both directions' input kernels side by side, (features, D * 4H). */
  packedKernel: Float32Array;
}

/**
 * Runs a one-directional LSTM over `x` with zero initial state.
 *
 * @param x Inputs, (batch, time, features), float32.
 * @param weights The direction's weights ({@linkcode LstmWeights}).
 * @returns Hidden states h_t, (batch, time, hidden), at their original time index.
 * @throws {TypeError} when a shape or dtype does not fit.
 * @throws {RangeError} when x has no batch entry or no time step.
 * @example Three steps of a 2-unit LSTM
 * ```ts
 * import { equal } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { selectBackend } from "./backend.ts";
 * import { lstm } from "./lstm.ts";
 * await selectBackend({ prefer: "cpu" });
 * const h = lstm(tf.ones([1, 3, 1]), {
 *   kernel: tf.fill([1, 8], 0.5) as tf.Tensor2D,
 *   recurrentKernel: tf.zeros([2, 8]) as tf.Tensor2D,
 *   bias: tf.zeros([8]) as tf.Tensor1D,
 * });
 * equal(h.shape.join(), "1,3,2");
 * ```
 */
export function lstm(x: tf.Tensor3D, weights: LstmWeights, options: LstmOptions = {}): tf.Tensor3D {
  const { reverse = false } = options;
  const shapes = checkShapes("run LSTM", x, [weights]);
  return fusedLstm(x, [weights], [reverse], shapes);
}

/**
 * A bidirectional LSTM layer: the forward direction reads t = 0..T-1, the backward direction
 * reads T-1..0 and its outputs are put back at their original time index; the two are
 * concatenated on features (PyTorch's `bidirectional=True` layout: forward units first).
 *
 * @param x Inputs, (batch, time, features), float32.
 * @param forward Weights of the forward direction.
 * @param backward Weights of the backward (time-reversed) direction; same hidden size.
 * @returns (batch, time, 2 * hidden): [h_forward, h_backward] at each step.
 * @throws {TypeError} when a shape or dtype does not fit, or the directions' sizes differ.
 * @throws {RangeError} when x has no batch entry or no time step.
 * @example Both directions see a whole sequence
 * ```ts
 * import { equal } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { selectBackend } from "./backend.ts";
 * import { bidirectionalLstmLayer } from "./lstm.ts";
 * await selectBackend({ prefer: "cpu" });
 * const weights = {
 *   kernel: tf.fill([3, 16], 0.1) as tf.Tensor2D,
 *   recurrentKernel: tf.fill([4, 16], 0.1) as tf.Tensor2D,
 *   bias: tf.zeros([16]) as tf.Tensor1D,
 * };
 * const y = bidirectionalLstmLayer(tf.ones([2, 5, 3]), weights, weights);
 * equal(y.shape.join(), "2,5,8");
 * ```
 */
export function bidirectionalLstmLayer(
  x: tf.Tensor3D,
  forward: LstmWeights,
  backward: LstmWeights,
): tf.Tensor3D {
  const shapes = checkShapes("run bidirectional LSTM", x, [forward, backward]);
  return fusedLstm(x, [forward, backward], [false, true], shapes);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function checkShapes(action: string, x: tf.Tensor, directions: LstmWeights[]): Shapes {
  if (x.rank !== 3) {
    throw new TypeError(
      `Cannot ${action}: x must be rank 3 (batch, time, features), got shape ` +
        `${shapeText(x.shape)}; reshape single sequences to [1, time, features]`,
    );
  }
  if (x.dtype !== "float32") {
    throw new TypeError(
      `Cannot ${action}: x must be float32, got ${x.dtype}; cast it with tf.cast(x, "float32")`,
    );
  }
  const [batch, steps, features] = x.shape;
  if (batch === 0 || steps === 0) {
    throw new RangeError(
      `Cannot ${action}: x must hold at least one sequence of at least one step, got shape ` +
        `${shapeText(x.shape)}; skip empty batches before calling`,
    );
  }
  const hidden = directions[0].recurrentKernel.shape[0];
  directions.forEach((weights, d) => {
    const name = directions.length === 1 ? "" : d === 0 ? "forward " : "backward ";
    const expected: [string, tf.Tensor, number[]][] = [
      ["kernel", weights.kernel, [features, 4 * hidden]],
      ["recurrentKernel", weights.recurrentKernel, [hidden, 4 * hidden]],
      ["bias", weights.bias, [4 * hidden]],
    ];
    for (const [field, tensor, shape] of expected) {
      if (tensor.shape.length !== shape.length || tensor.shape.some((n, i) => n !== shape[i])) {
        throw new TypeError(
          `Cannot ${action}: ${name}${field} must have shape ${shapeText(shape)} for ` +
            `${features} input features and hidden size ${hidden}, got ` +
            `${shapeText(tensor.shape)}; weights are (in, 4 * hidden) with gates i, f, g, o ` +
            `(PyTorch's weight_ih and weight_hh transposed)`,
        );
      }
      if (tensor.dtype !== "float32") {
        throw new TypeError(
          `Cannot ${action}: ${name}${field} must be float32, got ${tensor.dtype}; ` +
            `cast it with tf.cast(${field}, "float32")`,
        );
      }
    }
  });
  return { batch, steps, features, hidden };
}

/** The product to use: BLAS unless the user picked the plain JavaScript backend. */
function chooseSgemm(): Sgemm {
  if (tf.getBackend() === "cpu") return javascriptSgemm;
  return findBlas().blas?.sgemm ?? javascriptSgemm;
}

function fusedLstm(
  x: tf.Tensor3D,
  weights: LstmWeights[],
  reverse: boolean[],
  shapes: Shapes,
): tf.Tensor3D {
  const { batch, steps, features, hidden } = shapes;
  const sgemm = chooseSgemm();
  const op = tf.customGrad((...args) => {
    const tensors = args.slice(0, 1 + 3 * weights.length) as tf.Tensor[];
    const xValues = tensors[0].dataSync() as Float32Array;
    const directions: DirectionArrays[] = reverse.map((rev, d) => ({
      kernel: tensors[1 + 3 * d].dataSync() as Float32Array,
      recurrent: tensors[2 + 3 * d].dataSync() as Float32Array,
      bias: tensors[3 + 3 * d].dataSync() as Float32Array,
      reverse: rev,
    }));
    const { output, cache } = lstmForward(sgemm, xValues, directions, shapes);
    const value = tf.tensor3d(output, [batch, steps, directions.length * hidden]);
    const gradFunc = (dy: tf.Tensor) => {
      const gradients = lstmBackward(
        sgemm,
        xValues,
        dy.dataSync() as Float32Array,
        directions,
        cache,
        shapes,
      );
      const result: tf.Tensor[] = [tf.tensor3d(gradients.dx, [batch, steps, features])];
      for (const g of gradients.directions) {
        result.push(
          tf.tensor2d(g.kernel, [features, 4 * hidden]),
          tf.tensor2d(g.recurrent, [hidden, 4 * hidden]),
          tf.tensor1d(g.bias),
        );
      }
      return result;
    };
    return { value, gradFunc };
  });
  const inputs: tf.Tensor[] = [x];
  for (const w of weights) inputs.push(w.kernel, w.recurrentKernel, w.bias);
  return op(...inputs) as tf.Tensor3D;
}

function lstmForward(
  sgemm: Sgemm,
  x: Float32Array,
  directions: DirectionArrays[],
  shapes: Shapes,
): { output: Float32Array; cache: LstmCache } {
  const { batch: B, steps: T, features: F, hidden: H } = shapes;
  const D = directions.length;
  const G = D * 4 * H; // gate values per (batch, time) row
  const S = D * H; // state values per (batch, time) row
  const packedKernel = new Float32Array(F * G);
  for (let d = 0; d < D; d++) {
    const kernel = directions[d].kernel;
    for (let f = 0; f < F; f++) {
      packedKernel.set(kernel.subarray(f * 4 * H, (f + 1) * 4 * H), f * G + d * 4 * H);
    }
  }
  const gates = new Float32Array(B * T * G);
  const cells = new Float32Array(B * T * S);
  const tanhCells = new Float32Array(B * T * S);
  const previous = new Float32Array(B * T * S);
  const output = new Float32Array(B * T * S);
  const cache: LstmCache = { gates, cells, tanhCells, previous, packedKernel };
  // Input projection of every step of both directions at once.
  sgemm(false, false, B * T, G, F, x, packedKernel, gates);
  for (let d = 0; d < D; d++) {
    const { recurrent, bias, reverse } = directions[d];
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const tPrevious = reverse ? t + 1 : t - 1;
      const tNext = reverse ? t - 1 : t + 1;
      if (s > 0) {
        // Rows b of step t sit T rows apart in both buffers: no copies, only leading dimensions.
        sgemm(
          false,
          false,
          B,
          4 * H,
          H,
          previous.subarray(t * S + d * H),
          recurrent,
          gates.subarray(t * G + d * 4 * H),
          { beta: 1, lda: T * S, ldc: T * G },
        );
      }
      forwardStep(
        cache,
        output,
        bias,
        shapes,
        D,
        d,
        t,
        s > 0 ? tPrevious : -1,
        s < T - 1 ? tNext : -1,
      );
    }
  }
  return { output, cache };
}

/**
 * The gate arithmetic of one direction `d` at step `t` for every sequence: z (already in
 * `gates`) to i, f, g, o, c_t, tanh(c_t) and h_t. `tPrevious` / `tNext` are the neighbouring
 * steps in reading order, -1 at the ends. A function of its own so that V8 optimises it as a
 * whole rather than as an on-stack-replaced loop inside a rarely called one (2x slower).
 */
function forwardStep(
  cache: LstmCache,
  output: Float32Array,
  bias: Float32Array,
  shapes: Shapes,
  D: number,
  d: number,
  t: number,
  tPrevious: number,
  tNext: number,
): void {
  const { gates, cells, tanhCells, previous } = cache;
  const { batch: B, steps: T, hidden: H } = shapes;
  const G = D * 4 * H;
  const S = D * H;
  for (let b = 0; b < B; b++) {
    const g0 = (b * T + t) * G + d * 4 * H;
    const c0 = (b * T + t) * S + d * H;
    const cp0 = tPrevious < 0 ? -1 : (b * T + tPrevious) * S + d * H;
    const hn0 = tNext < 0 ? -1 : (b * T + tNext) * S + d * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gates[g0 + j] + bias[j]);
      const f = sigmoid(gates[g0 + H + j] + bias[H + j]);
      const g = 2 * sigmoid(2 * (gates[g0 + 2 * H + j] + bias[2 * H + j])) - 1;
      const o = sigmoid(gates[g0 + 3 * H + j] + bias[3 * H + j]);
      const c = (cp0 >= 0 ? f * cells[cp0 + j] : 0) + i * g;
      const tc = 2 * sigmoid(2 * c) - 1;
      const h = o * tc;
      gates[g0 + j] = i;
      gates[g0 + H + j] = f;
      gates[g0 + 2 * H + j] = g;
      gates[g0 + 3 * H + j] = o;
      cells[c0 + j] = c;
      tanhCells[c0 + j] = tc;
      output[c0 + j] = h;
      if (hn0 >= 0) previous[hn0 + j] = h;
    }
  }
}

/**
 * Backpropagation through the gate arithmetic of direction `d` at step `t`: dL/dh_t (from the
 * output and the later step) and dL/dc_t to dL/dz, written over the gates, and dL/dc_{t-1}.
 */
function backwardStep(
  cache: LstmCache,
  dy: Float32Array,
  recurrentGrad: Float32Array,
  cellGrad: Float32Array,
  shapes: Shapes,
  D: number,
  d: number,
  t: number,
  tPrevious: number,
): void {
  const { gates, cells, tanhCells } = cache;
  const { batch: B, steps: T, hidden: H } = shapes;
  const G = D * 4 * H;
  const S = D * H;
  for (let b = 0; b < B; b++) {
    const g0 = (b * T + t) * G + d * 4 * H;
    const c0 = (b * T + t) * S + d * H;
    const cp0 = tPrevious < 0 ? -1 : (b * T + tPrevious) * S + d * H;
    const r0 = b * H;
    for (let j = 0; j < H; j++) {
      const i = gates[g0 + j];
      const f = gates[g0 + H + j];
      const g = gates[g0 + 2 * H + j];
      const o = gates[g0 + 3 * H + j];
      const tc = tanhCells[c0 + j];
      const cPrevious = cp0 >= 0 ? cells[cp0 + j] : 0;
      const dh = dy[c0 + j] + recurrentGrad[r0 + j];
      const dc = dh * o * (1 - tc * tc) + cellGrad[r0 + j];
      gates[g0 + j] = dc * g * i * (1 - i);
      gates[g0 + H + j] = dc * cPrevious * f * (1 - f);
      gates[g0 + 2 * H + j] = dc * i * (1 - g * g);
      gates[g0 + 3 * H + j] = dh * tc * o * (1 - o);
      cellGrad[r0 + j] = dc * f;
    }
  }
}

interface LstmGradients {
  dx: Float32Array;
  directions: { kernel: Float32Array; recurrent: Float32Array; bias: Float32Array }[];
}

function lstmBackward(
  sgemm: Sgemm,
  x: Float32Array,
  dy: Float32Array,
  directions: DirectionArrays[],
  cache: LstmCache,
  shapes: Shapes,
): LstmGradients {
  const { batch: B, steps: T, features: F, hidden: H } = shapes;
  const D = directions.length;
  const G = D * 4 * H;
  const S = D * H;
  const { gates, previous, packedKernel } = cache;
  const recurrentGrad = new Float32Array(B * H); // dL/dh_{t-1} through the recurrence
  const cellGrad = new Float32Array(B * H); // dL/dc_{t-1} through the cell
  for (let d = 0; d < D; d++) {
    const { recurrent, reverse } = directions[d];
    recurrentGrad.fill(0);
    cellGrad.fill(0);
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const tPrevious = reverse ? t + 1 : t - 1;
      backwardStep(cache, dy, recurrentGrad, cellGrad, shapes, D, d, t, s > 0 ? tPrevious : -1);
      if (s > 0) {
        sgemm(
          false,
          true,
          B,
          H,
          4 * H,
          gates.subarray(t * G + d * 4 * H),
          recurrent,
          recurrentGrad,
          { lda: T * G, ldb: 4 * H },
        );
      }
    }
  }
  // `gates` now holds dL/dz for every step: the weight and input gradients are sums over all
  // steps, each one product.
  const rows = B * T;
  const ones = new Float32Array(rows).fill(1);
  const gradients: LstmGradients["directions"] = [];
  for (let d = 0; d < D; d++) {
    const dz = gates.subarray(d * 4 * H);
    const kernel = new Float32Array(F * 4 * H);
    const recurrent = new Float32Array(H * 4 * H);
    const bias = new Float32Array(4 * H);
    sgemm(true, false, F, 4 * H, rows, x, dz, kernel, { lda: F, ldb: G });
    sgemm(true, false, H, 4 * H, rows, previous.subarray(d * H), dz, recurrent, {
      lda: S,
      ldb: G,
    });
    sgemm(false, false, 1, 4 * H, rows, ones, dz, bias, { lda: rows, ldb: G });
    gradients.push({ kernel, recurrent, bias });
  }
  const dx = new Float32Array(rows * F);
  sgemm(false, true, rows, F, G, gates, packedKernel, dx, { lda: G, ldb: G });
  return { dx, directions: gradients };
}

/** 2^k for k = -128..127, indexed by k + 128. */
const POWERS_OF_TWO = Float64Array.from({ length: 256 }, (_, k) => Math.pow(2, k - 128));
/** Adding and subtracting 1.5 * 2^52 rounds a double to the nearest integer. */
const ROUNDING = 6755399441055744;

/**
 * 1 / (1 + exp(-z)) with exp from a range reduction to |r| <= ln(2) / 2 and a degree-7 Taylor
 * polynomial: relative error below 1e-8 for |z| <= 87 (remainder r^8 e^|r| / 8!; 7e-9
 * measured), far inside float32 rounding, at about half the cost of Math.exp, which otherwise
 * dominates the fused forward pass. tanh(z) = 2 sigmoid(2z) - 1 then has absolute error below
 * 1e-8.
 */
function sigmoid(z: number): number {
  // exp(87) is near the float32 limit; beyond it the result is 0 or 1 in float32 anyway.
  const x = z > 87 ? -87 : z < -87 ? 87 : -z;
  const k = x * Math.LOG2E + ROUNDING - ROUNDING;
  const r = x - k * Math.LN2;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 +
                        r * (1 / 720 + r * (1 / 5040)))))));
  return 1 / (1 + p * POWERS_OF_TWO[(k | 0) + 128]);
}
