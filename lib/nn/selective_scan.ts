/**
 * The Mamba selective scan (bimamba.md §5.1 step 6) as one TF.js op with a hand-written
 * gradient: forward and backward are each a single pass over Float32Arrays instead of L small
 * TF.js ops per step, which is what makes a 199-step recurrence trainable on a CPU. The loops
 * run as WebAssembly SIMD kernels (four states per instruction) when N is a multiple of 4, and
 * as plain JavaScript (`_selective_scan_kernels.ts`, the readable reference) otherwise.
 *
 * Per batch b, channel c and state n, from h = 0:
 *
 *     h_t[c, n] = exp(delta_t[c] A[c, n]) h_{t-1}[c, n] + delta_t[c] Bm_t[n] x_t[c]
 *     y_t[c]    = sum_n Cm_t[n] h_t[c, n] + D[c] x_t[c]
 *
 * Like mamba_ssm's `selective_scan_fn`, the op can also add a bias to delta and apply softplus
 * to it, and gate the output with SiLU(z), so that a Mamba layer needs no further elementwise
 * passes; `reverse` runs the recursion from the last step to the first, which is the
 * time-reversed branch of a Bi-Mamba block without flipping any tensor.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { ScanProblem } from "./_selective_scan_kernels.ts";
import { scanBackwardFast, scanForwardFast } from "./_simd.ts";

/** Options for {@linkcode selectiveScan}. */
export interface SelectiveScanOptions {
  /** Gate, shape (B, L, E): the output becomes y * SiLU(z) (Mamba §5.1 step 7). */
  z?: tf.Tensor;
  /** Added to delta before the softplus, shape (E) (Mamba's dt_proj bias). */
  deltaBias?: tf.Tensor;
  /** Replace delta (+ bias) by softplus(delta + bias) inside the op. @default {false} */
  deltaSoftplus?: boolean;
  /** Scan from t = L - 1 down to 0 (the time-reversed direction). @default {false} */
  reverse?: boolean;
}

/**
 * The selective scan y = SSM(x; delta, A, Bm, Cm, D) of bimamba.md §5.1 step 6,
 * differentiable with respect to all of its tensor inputs (gradients by the reverse recursion
 * of §5.1, computed in one backward pass). Backend-independent: values are read with
 * `dataSync`, so it runs on `cpu`, `blas` and any other backend.
 *
 * @param x Inputs, float32, shape (B, L, E).
 * @param delta Step sizes, shape (B, L, E) (already positive unless `deltaSoftplus`).
 * @param A State matrix, shape (E, N); Mamba passes A = -exp(A_log) (negative entries).
 * @param Bm Input projections, shape (B, L, N).
 * @param Cm Output projections, shape (B, L, N).
 * @param D Skip weights, shape (E).
 * @param options Gate, delta bias and softplus, direction.
 * @returns y, shape (B, L, E).
 * @throws {TypeError} when a tensor is not float32 or a shape disagrees with x and A.
 * @example A one-channel, one-state scan by hand
 * ```ts
 * import { ok } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { selectiveScan } from "./selective_scan.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * // delta = 1, A = -ln 2: h_t = h_{t-1} / 2 + x_t; Cm = 1, D = 0 so y_t = h_t.
 * const y = selectiveScan(
 *   tf.tensor3d([1, 1, 1], [1, 3, 1]),
 *   tf.ones([1, 3, 1]),
 *   tf.tensor2d([[-Math.LN2]]),
 *   tf.ones([1, 3, 1]),
 *   tf.ones([1, 3, 1]),
 *   tf.zeros([1]),
 * );
 * const expected = [1, 1.5, 1.75];
 * y.dataSync().forEach((v, i) => ok(Math.abs(v - expected[i]) < 1e-6));
 * ```
 */
export function selectiveScan(
  x: tf.Tensor,
  delta: tf.Tensor,
  A: tf.Tensor,
  Bm: tf.Tensor,
  Cm: tf.Tensor,
  D: tf.Tensor,
  options: SelectiveScanOptions = {},
): tf.Tensor3D {
  const { z, deltaBias, deltaSoftplus = false, reverse = false } = options;
  const sizes = checkShapes(x, delta, A, Bm, Cm, D, z, deltaBias);
  const inputs: tf.Tensor[] = [x, delta, A, Bm, Cm, D];
  if (z) inputs.push(z);
  if (deltaBias) inputs.push(deltaBias);
  const op = tf.customGrad((...args) => {
    const save = args[inputs.length] as tf.GradSaveFunc;
    save(inputs);
    const problem = readProblem(args.slice(0, inputs.length) as tf.Tensor[]);
    const value = tf.tensor3d(scanForwardFast(problem), x.shape as [number, number, number]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const grads = scanBackwardFast(readProblem(saved), dy.dataSync() as Float32Array);
      const result: tf.Tensor[] = [
        tf.tensor(grads.x, x.shape),
        tf.tensor(grads.delta, delta.shape),
        tf.tensor(grads.A, A.shape),
        tf.tensor(grads.Bm, Bm.shape),
        tf.tensor(grads.Cm, Cm.shape),
        tf.tensor(grads.D, D.shape),
      ];
      if (z) result.push(tf.tensor(grads.z!, z.shape));
      if (deltaBias) result.push(tf.tensor(grads.deltaBias!, deltaBias.shape));
      return result;
    };
    return { value, gradFunc };
  });

  function readProblem(tensors: tf.Tensor[]): ScanProblem {
    const values = tensors.map((t) => t.dataSync() as Float32Array);
    return {
      ...sizes,
      x: values[0],
      delta: values[1],
      A: values[2],
      Bm: values[3],
      Cm: values[4],
      D: values[5],
      z: z ? values[6] : null,
      deltaBias: deltaBias ? values[z ? 7 : 6] : null,
      deltaSoftplus,
      reverse,
    };
  }

  return op(...inputs) as tf.Tensor3D;
}

function checkShapes(
  x: tf.Tensor,
  delta: tf.Tensor,
  A: tf.Tensor,
  Bm: tf.Tensor,
  Cm: tf.Tensor,
  D: tf.Tensor,
  z: tf.Tensor | undefined,
  deltaBias: tf.Tensor | undefined,
): { batch: number; length: number; channels: number; states: number } {
  const named: [string, tf.Tensor | undefined][] = [
    ["x", x],
    ["delta", delta],
    ["A", A],
    ["Bm", Bm],
    ["Cm", Cm],
    ["D", D],
    ["z", z],
    ["deltaBias", deltaBias],
  ];
  for (const [name, t] of named) {
    if (t && t.dtype !== "float32") {
      throw new TypeError(
        `Cannot run the selective scan: ${name} must be float32, got ${t.dtype}; ` +
          `cast it with tf.cast(${name}, "float32")`,
      );
    }
  }
  if (x.rank !== 3 || A.rank !== 2) {
    throw new TypeError(
      `Cannot run the selective scan: x must be (B, L, E) and A (E, N), got x [${x.shape}] ` +
        `and A [${A.shape}]`,
    );
  }
  const [batch, length, channels] = x.shape as number[];
  const states = (A.shape as number[])[1];
  const expected: [string, tf.Tensor | undefined, number[]][] = [
    ["delta", delta, [batch, length, channels]],
    ["A", A, [channels, states]],
    ["Bm", Bm, [batch, length, states]],
    ["Cm", Cm, [batch, length, states]],
    ["D", D, [channels]],
    ["z", z, [batch, length, channels]],
    ["deltaBias", deltaBias, [channels]],
  ];
  for (const [name, t, shape] of expected) {
    if (t && !tf.util.arraysEqual(t.shape, shape)) {
      throw new TypeError(
        `Cannot run the selective scan: ${name} must have shape [${shape}] for x [${x.shape}] ` +
          `and A [${A.shape}], got [${t.shape}]`,
      );
    }
  }
  return { batch, length, channels, states };
}
