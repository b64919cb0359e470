/**
 * One Mamba layer (bimamba.md §5.1 steps 1-7) as a single TF.js op with a hand-written
 * backward pass, like mamba_ssm's `mamba_inner_fn`: the four projections are matrix products
 * on the active backend (one sgemm each on `blas`), the causal convolution with SiLU and the
 * selective scan are loops over Float32Arrays (SIMD kernels of `_simd.ts` when the channel
 * and state counts are multiples of 4), and no slice, split or flip ever becomes a tensor.
 * Private to `mamba.ts`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { ScanProblem } from "./_selective_scan_kernels.ts";
import {
  convSilu,
  convSiluBackward,
  scanBackwardFast,
  scanForwardFast,
  siluWithSlope,
} from "./_simd.ts";

/** Sizes of one call: M = B L rows of d_model features, E inner channels. */
export interface MambaSizes {
  batch: number;
  length: number;
  dModel: number;
  inner: number;
  states: number;
  convWidth: number;
  dtRank: number;
  reverse: boolean;
}

/** a (rows x inner) times b (inner x cols), with either operand stored transposed. */
function product(
  a: Float32Array,
  b: Float32Array,
  rows: number,
  inner: number,
  cols: number,
  transposeA = false,
  transposeB = false,
): Float32Array {
  // Explicit disposal, not tf.tidy: tidy walks a returned typed array element by element.
  const left = tf.tensor2d(a, transposeA ? [inner, rows] : [rows, inner]);
  const right = tf.tensor2d(b, transposeB ? [cols, inner] : [inner, cols]);
  const result = tf.matMul(left, right, transposeA, transposeB);
  const values = result.dataSync() as Float32Array;
  tf.dispose([left, right, result]);
  return values;
}

/**
 * Depthwise convolution over time of the x half of xz (row stride 2E), kernel (K, E), then
 * the convolution's pre-activation goes to `pre`. Causal (taps reach back K - 1 steps, zero
 * padded) or, when reversed, anti-causal, which equals flip(conv(flip(x))).
 */
function convolve(
  xz: Float32Array,
  kernel: Float32Array,
  bias: Float32Array,
  s: MambaSizes,
  pre: Float32Array,
): void {
  const { batch: B, length: L, inner: E, convWidth: K } = s;
  const direction = s.reverse ? 1 : -1;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const out = (b * L + t) * E;
      pre.set(bias, out);
      for (let j = 0; j < K; j++) {
        const source = t + direction * (K - 1 - j);
        if (source < 0 || source >= L) continue;
        const from = (b * L + source) * 2 * E;
        const tap = j * E;
        for (let c = 0; c < E; c++) pre[out + c] += kernel[tap + c] * xz[from + c];
      }
    }
  }
}

/** SiLU(conv(x) + bias) and the SiLU slope, SIMD over channels when E % 4 === 0. */
function convForward(
  xz: Float32Array,
  kernel: Float32Array,
  bias: Float32Array,
  s: MambaSizes,
): [Float32Array, Float32Array] {
  if (s.inner % 4 === 0) return convSilu(xz, kernel, bias, s);
  const pre = new Float32Array(s.batch * s.length * s.inner);
  convolve(xz, kernel, bias, s, pre);
  return siluWithSlope(pre);
}

/** dL/dxz (z half zero), dL/dkernel and dL/dbias of {@linkcode convForward}. */
function convBackward(
  xz: Float32Array,
  kernel: Float32Array,
  gXc: Float32Array,
  slope: Float32Array,
  s: MambaSizes,
): [Float32Array, Float32Array, Float32Array] {
  if (s.inner % 4 === 0) return convSiluBackward(xz, kernel, gXc, slope, s);
  const { batch: B, length: L, inner: E, convWidth: K } = s;
  const gXz = new Float32Array(B * L * 2 * E);
  const gKernel = new Float64Array(K * E);
  const gBias = new Float64Array(E);
  const gPre = new Float32Array(E);
  const direction = s.reverse ? 1 : -1;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const row = (b * L + t) * E;
      for (let c = 0; c < E; c++) {
        gPre[c] = gXc[row + c] * slope[row + c];
        gBias[c] += gPre[c];
      }
      for (let j = 0; j < K; j++) {
        const source = t + direction * (K - 1 - j);
        if (source < 0 || source >= L) continue;
        const at = (b * L + source) * 2 * E;
        const tap = j * E;
        for (let c = 0; c < E; c++) {
          gXz[at + c] += kernel[tap + c] * gPre[c];
          gKernel[tap + c] += gPre[c] * xz[at + c];
        }
      }
    }
  }
  return [gXz, Float32Array.from(gKernel), Float32Array.from(gBias)];
}

/**
 * Copies `width` columns starting at `fromColumn` of each of `rows` rows (row length
 * `fromStride`) to column `toColumn` of rows of length `toStride`: the splits and joins of the
 * projections' feature blocks, without a subarray per row.
 */
function copyColumns(
  from: Float32Array,
  fromStride: number,
  fromColumn: number,
  to: Float32Array,
  toStride: number,
  toColumn: number,
  rows: number,
  width: number,
): void {
  for (let row = 0; row < rows; row++) {
    const a = row * fromStride + fromColumn;
    const b = row * toStride + toColumn;
    for (let j = 0; j < width; j++) to[b + j] = from[a + j];
  }
}

/** Arrays kept from the forward pass for the backward pass. */
interface Activations {
  u: Float32Array;
  xz: Float32Array;
  xc: Float32Array;
  siluSlope: Float32Array;
  dtIn: Float32Array;
  scan: ScanProblem;
  y: Float32Array;
}

/** Weight values in the order of {@linkcode MAMBA_WEIGHTS}. */
type Weights = Float32Array[];

/** Variable suffixes, in the op's input order after u. */
export const MAMBA_WEIGHTS = [
  "in_proj.weight",
  "conv1d.weight",
  "conv1d.bias",
  "x_proj.weight",
  "dt_proj.weight",
  "dt_proj.bias",
  "A_log",
  "D",
  "out_proj.weight",
] as const;

function forward(u: Float32Array, w: Weights, s: MambaSizes): [Float32Array, Activations] {
  const { batch: B, length: L, dModel: d, inner: E, states: N, dtRank: R } = s;
  const [inProj, convKernel, convBias, xProj, dtProj, dtBias, aLog, D, outProj] = w;
  const M = B * L;
  const P = R + 2 * N;
  const xz = product(u, inProj, M, d, 2 * E);
  const [xc, siluSlope] = convForward(xz, convKernel, convBias, s);
  const z = new Float32Array(M * E);
  copyColumns(xz, 2 * E, E, z, E, 0, M, E);
  const xDbl = product(xc, xProj, M, E, P);
  const dtIn = new Float32Array(M * R);
  const Bm = new Float32Array(M * N);
  const Cm = new Float32Array(M * N);
  copyColumns(xDbl, P, 0, dtIn, R, 0, M, R);
  copyColumns(xDbl, P, R, Bm, N, 0, M, N);
  copyColumns(xDbl, P, R + N, Cm, N, 0, M, N);
  const A = Float32Array.from(aLog, (v) => -Math.exp(v));
  const scan: ScanProblem = {
    batch: B,
    length: L,
    channels: E,
    states: N,
    x: xc,
    delta: product(dtIn, dtProj, M, R, E),
    A,
    Bm,
    Cm,
    D,
    z,
    deltaBias: dtBias,
    deltaSoftplus: true,
    reverse: s.reverse,
  };
  const y = scanForwardFast(scan);
  return [product(y, outProj, M, E, d), { u, xz, xc, siluSlope, dtIn, scan, y }];
}

function backward(gOut: Float32Array, w: Weights, act: Activations, s: MambaSizes): Weights {
  const { batch: B, length: L, dModel: d, inner: E, states: N, dtRank: R } = s;
  const [inProj, convKernel, , xProj, dtProj, , , , outProj] = w;
  const M = B * L;
  const P = R + 2 * N;
  const gOutProj = product(act.y, gOut, E, M, d, true);
  const g = scanBackwardFast(act.scan, product(gOut, outProj, M, d, E, false, true));
  const gALog = Float32Array.from(g.A, (v, i) => v * act.scan.A[i]);
  const gDtProj = product(act.dtIn, g.delta, R, M, E, true);
  const gDtIn = product(g.delta, dtProj, M, E, R, false, true);
  const gXDbl = new Float32Array(M * P);
  copyColumns(gDtIn, R, 0, gXDbl, P, 0, M, R);
  copyColumns(g.Bm, N, 0, gXDbl, P, R, M, N);
  copyColumns(g.Cm, N, 0, gXDbl, P, R + N, M, N);
  const gXProj = product(act.xc, gXDbl, E, M, P, true);
  const gXc = product(gXDbl, xProj, M, P, E, false, true);
  for (let i = 0; i < gXc.length; i++) gXc[i] += g.x[i];
  // Back through SiLU and the convolution into the x half of dL/dxz; the z half comes from
  // the scan's gate gradient.
  const [gXz, gKernel, gBias] = convBackward(act.xz, convKernel, gXc, act.siluSlope, s);
  copyColumns(g.z!, E, 0, gXz, 2 * E, E, M, E);
  const gInProj = product(act.u, gXz, d, M, 2 * E, true);
  const gU = product(gXz, inProj, M, 2 * E, d, false, true);
  return [
    gU,
    gInProj,
    gKernel,
    gBias,
    gXProj,
    gDtProj,
    g.deltaBias!,
    gALog,
    g.D,
    gOutProj,
  ];
}

/**
 * Runs the fused layer on u (B, L, d) with the nine weight tensors in
 * {@linkcode MAMBA_WEIGHTS} order; returns (B, L, d), differentiable in all ten inputs.
 */
export function mambaOp(u: tf.Tensor, weights: tf.Tensor[], sizes: MambaSizes): tf.Tensor {
  const inputs = [u, ...weights];
  const op = tf.customGrad((...args) => {
    const tensors = args.slice(0, inputs.length) as tf.Tensor[];
    const values = tensors.map((t) => t.dataSync() as Float32Array);
    const [out, activations] = forward(values[0], values.slice(1), sizes);
    const gradFunc = (dy: tf.Tensor) => {
      const grads = backward(
        dy.dataSync() as Float32Array,
        values.slice(1),
        activations,
        sizes,
      );
      return grads.map((v, i) => tf.tensor(v, inputs[i].shape));
    };
    return { value: tf.tensor(out, u.shape), gradFunc };
  });
  return op(...inputs);
}
