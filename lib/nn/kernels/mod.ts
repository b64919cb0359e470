/**
 * TF.js cpu kernels for the `blas` backend: matrix products and 2-D convolutions (1-D
 * convolutions lower to these), forward and backward, on a native BLAS; and float32 Add, Sub and
 * Multiply loops without the stock kernels' per-element broadcast indexing.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs-core";
import type { Blas } from "../blas.ts";
import { convKernels } from "./conv.ts";
import { elementwiseKernels } from "./elementwise.ts";
import { matMulKernels } from "./matmul.ts";

/** Every BLAS-backed kernel, to register on the `blas` backend. */
export function blasKernels(blas: Blas): tf.KernelConfig[] {
  return [...matMulKernels(blas), ...convKernels(blas), ...elementwiseKernels()];
}
