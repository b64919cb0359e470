/**
 * Bias and activation epilogue shared by the fused BLAS kernels (`_FusedMatMul`,
 * `FusedConv2D`): it runs the backend's own elementwise kernels, so broadcasting and every
 * activation TF.js knows behave exactly as in the stock kernels.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";

const ACTIVATION_KERNELS: Record<string, string> = {
  relu: "Relu",
  relu6: "Relu6",
  elu: "Elu",
  sigmoid: "Sigmoid",
  leakyrelu: "LeakyRelu",
  prelu: "Prelu",
};

function runKernel(
  name: string,
  backend: MathBackendCPU,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, "cpu");
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/**
 * Adds `bias` (broadcast) to `x`, then applies `activation`; intermediate results are freed.
 * Returns `x` itself when there is nothing to do.
 */
export function applyBiasAndActivation(
  backend: MathBackendCPU,
  x: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  activation: string | undefined,
  preluActivationWeights: tf.TensorInfo | undefined,
  leakyreluAlpha: number | undefined,
): tf.TensorInfo {
  let out = x;
  if (bias) {
    out = runKernel("Add", backend, { a: x, b: bias });
    backend.disposeIntermediateTensorInfo(x);
  }
  if (activation && activation !== "linear") {
    const kernelName = ACTIVATION_KERNELS[activation];
    if (!kernelName) {
      throw new RangeError(
        `Cannot apply a fused activation: unknown activation, got "${activation}"; ` +
          `use one of linear, ${Object.keys(ACTIVATION_KERNELS).join(", ")}`,
      );
    }
    const inputs: tf.NamedTensorInfoMap = activation === "prelu"
      ? { x: out, alpha: preluActivationWeights! }
      : { x: out };
    const activated = runKernel(
      kernelName,
      backend,
      inputs,
      activation === "leakyrelu" ? { alpha: leakyreluAlpha ?? 0.2 } : {},
    );
    backend.disposeIntermediateTensorInfo(out);
    out = activated;
  }
  return out;
}
