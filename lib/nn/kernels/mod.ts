/**
 * TF.js cpu kernels that run on a native BLAS: matrix products and 2-D convolutions (1-D
 * convolutions lower to these), forward and backward.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs-core";
import type { Blas } from "../blas.ts";
import { convKernels } from "./conv.ts";
import { matMulKernels } from "./matmul.ts";

/** Every BLAS-backed kernel, to register on the `blas` backend. */
export function blasKernels(blas: Blas): tf.KernelConfig[] {
  return [...matMulKernels(blas), ...convKernels(blas)];
}
