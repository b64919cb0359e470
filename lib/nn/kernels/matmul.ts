/**
 * `BatchMatMul` and `_FusedMatMul` on a native sgemm. Batches broadcast as in TF.js (each
 * batch size equal or 1); a batched left operand against one right matrix becomes a single
 * sgemm over the stacked rows. Products too small to amortise the FFI call, non-float32
 * operands and broadcasts sgemm cannot express go to the stock JavaScript kernel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { Blas } from "../blas.ts";
import { applyBiasAndActivation } from "./_fused.ts";

/** Below this many multiply-adds per product the JavaScript kernel is as fast as a call out. */
const MIN_BLAS_WORK = 4096;

interface Product {
  batch: number;
  batchA: number;
  batchB: number;
  m: number;
  n: number;
  k: number;
  shape: number[];
}

function describeProduct(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): Product | null {
  const rankA = a.shape.length;
  const rankB = b.shape.length;
  const k = transposeA ? a.shape[rankA - 2] : a.shape[rankA - 1];
  const kB = transposeB ? b.shape[rankB - 1] : b.shape[rankB - 2];
  const m = transposeA ? a.shape[rankA - 1] : a.shape[rankA - 2];
  const n = transposeB ? b.shape[rankB - 2] : b.shape[rankB - 1];
  if (k !== kB) return null;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const batch = tf.util.sizeFromShape(outer);
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  return { batch, batchA, batchB, m, n, k, shape: [...outer, m, n] };
}

function blasProduct(
  blas: Blas,
  backend: MathBackendCPU,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  p: Product,
): tf.TensorInfo {
  const valuesA = backend.data.get(a.dataId).values as Float32Array;
  const valuesB = backend.data.get(b.dataId).values as Float32Array;
  const out = new Float32Array(p.batch * p.m * p.n);
  if (p.batchB === 1 && !transposeA) {
    // Stacking every batch of A into one tall matrix is one large sgemm instead of many.
    blas.sgemm(false, transposeB, p.batch * p.m, p.n, p.k, valuesA, valuesB, out);
  } else {
    const sizeA = p.m * p.k;
    const sizeB = p.k * p.n;
    const sizeC = p.m * p.n;
    for (let i = 0; i < p.batch; i++) {
      const offsetA = p.batchA === 1 ? 0 : i * sizeA;
      const offsetB = p.batchB === 1 ? 0 : i * sizeB;
      blas.sgemm(
        transposeA,
        transposeB,
        p.m,
        p.n,
        p.k,
        valuesA.subarray(offsetA, offsetA + sizeA),
        valuesB.subarray(offsetB, offsetB + sizeB),
        out.subarray(i * sizeC, (i + 1) * sizeC),
      );
    }
  }
  return backend.makeTensorInfo(p.shape, "float32", out);
}

function usable(a: tf.TensorInfo, b: tf.TensorInfo, p: Product | null): p is Product {
  return p !== null && a.dtype === "float32" && b.dtype === "float32" &&
    p.m * p.n * p.k >= MIN_BLAS_WORK;
}

/**
 * The BLAS-backed matrix-product kernels, to register on a cpu-type backend.
 *
 * @example
 * ```ts
 * import { findBlas } from "../blas.ts";
 * import { matMulKernels } from "./matmul.ts";
 * const { blas } = findBlas();
 * if (blas) {
 *   const names = matMulKernels(blas).map((k) => k.kernelName);
 *   if (!names.includes("BatchMatMul")) throw new Error("missing kernel");
 * }
 * ```
 */
export function matMulKernels(blas: Blas): tf.KernelConfig[] {
  const batchMatMul: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const product = describeProduct(a, b, transposeA, transposeB);
    if (!usable(a, b, product)) {
      return tf.getKernel(tf.BatchMatMul, "cpu").kernelFunc({ inputs, backend, attrs });
    }
    return blasProduct(blas, backend as MathBackendCPU, a, b, transposeA, transposeB, product);
  };
  const fusedMatMul: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo>;
    const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as {
      transposeA: boolean;
      transposeB: boolean;
      activation?: string;
      leakyreluAlpha?: number;
    };
    const product = describeProduct(a, b, transposeA, transposeB);
    if (!usable(a, b, product)) {
      return tf.getKernel(tf._FusedMatMul, "cpu").kernelFunc({ inputs, backend, attrs });
    }
    const cpu = backend as MathBackendCPU;
    const out = blasProduct(blas, cpu, a, b, transposeA, transposeB, product);
    return applyBiasAndActivation(
      cpu,
      out,
      bias,
      activation,
      preluActivationWeights,
      leakyreluAlpha,
    );
  };
  return [
    { kernelName: tf.BatchMatMul, backendName: "blas", kernelFunc: batchMatMul },
    { kernelName: tf._FusedMatMul, backendName: "blas", kernelFunc: fusedMatMul },
  ];
}
