import type * as tf from "@tensorflow/tfjs-core";
import type { Blas } from "../blas.ts";

export function convKernels(_blas: Blas): tf.KernelConfig[] {
  return [];
}
