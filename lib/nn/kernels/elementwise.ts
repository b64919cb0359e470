/**
 * Float32 `Add`, `Sub` and `Multiply` as plain loops, for the cpu-type backends. TF.js's stock
 * cpu kernels share one generic binary template: same-shape operands are indexed with
 * `i % length` per element through an op closure shared by every binary kernel (so V8 cannot
 * inline it), and any broadcast other than "b's whole shape repeats" walks index arrays per
 * element. The backward pass of a residual network sums gradients with `Add`, and batch
 * normalisation scales and shifts with per-channel vectors, so these loops run on every
 * activation-sized tensor of a training step.
 *
 * Fast paths (both operands float32): operands of the output's size (same shape, or shapes
 * that differ only by leading or interior 1s), and one operand of the output's size with the
 * other a scalar or a vector along the last axis (`[C]`, `[1, 1, C]`). Everything else (other
 * broadcasts, int32, complex) goes to the stock cpu kernel. Results are bitwise those of the
 * stock kernels: each element is one float64 operation on two float32 values, rounded to
 * float32 on store, exactly as there.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";

/** The loops of one binary operation; each is monomorphic so V8 compiles the operator inline. */
interface BinaryLoops {
  /** out[i] = a[i] op b[i]. */
  same(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out[i] = a[i] op b[i mod b.length] (b a scalar or a last-axis vector). */
  vectorRight(a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** out[i] = a[i mod a.length] op b[i] (a a scalar or a last-axis vector). */
  vectorLeft(a: Float32Array, b: Float32Array, out: Float32Array): void;
}

function addSame(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
}

function addVector(x: Float32Array, vector: Float32Array, out: Float32Array): void {
  const channels = vector.length;
  if (channels === 1) {
    const s = vector[0];
    for (let i = 0; i < out.length; i++) out[i] = x[i] + s;
    return;
  }
  for (let row = 0; row < out.length; row += channels) {
    for (let c = 0; c < channels; c++) out[row + c] = x[row + c] + vector[c];
  }
}

function subSame(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
}

function subVectorRight(a: Float32Array, b: Float32Array, out: Float32Array): void {
  const channels = b.length;
  if (channels === 1) {
    const s = b[0];
    for (let i = 0; i < out.length; i++) out[i] = a[i] - s;
    return;
  }
  for (let row = 0; row < out.length; row += channels) {
    for (let c = 0; c < channels; c++) out[row + c] = a[row + c] - b[c];
  }
}

function subVectorLeft(a: Float32Array, b: Float32Array, out: Float32Array): void {
  const channels = a.length;
  if (channels === 1) {
    const s = a[0];
    for (let i = 0; i < out.length; i++) out[i] = s - b[i];
    return;
  }
  for (let row = 0; row < out.length; row += channels) {
    for (let c = 0; c < channels; c++) out[row + c] = a[c] - b[row + c];
  }
}

function mulSame(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
}

function mulVector(x: Float32Array, vector: Float32Array, out: Float32Array): void {
  const channels = vector.length;
  if (channels === 1) {
    const s = vector[0];
    for (let i = 0; i < out.length; i++) out[i] = x[i] * s;
    return;
  }
  for (let row = 0; row < out.length; row += channels) {
    for (let c = 0; c < channels; c++) out[row + c] = x[row + c] * vector[c];
  }
}

// Float addition and multiplication commute exactly, so their vector can sit on either side.
function addVectorLeft(a: Float32Array, b: Float32Array, out: Float32Array): void {
  addVector(b, a, out);
}

function mulVectorLeft(a: Float32Array, b: Float32Array, out: Float32Array): void {
  mulVector(b, a, out);
}

const ADD: BinaryLoops = { same: addSame, vectorRight: addVector, vectorLeft: addVectorLeft };
const SUB: BinaryLoops = { same: subSame, vectorRight: subVectorRight, vectorLeft: subVectorLeft };
const MUL: BinaryLoops = { same: mulSame, vectorRight: mulVector, vectorLeft: mulVectorLeft };

/** A scalar, or a vector along the output's last axis with 1s for every other axis. */
function isLastAxisVector(shape: number[], size: number, outShape: number[]): boolean {
  if (size === 1) return true;
  const channels = outShape[outShape.length - 1];
  return shape.length > 0 && shape[shape.length - 1] === channels && size === channels;
}

/** The stock JavaScript kernel, for what the loops do not cover. */
function stock(name: string, args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
  return tf.getKernel(name, "cpu").kernelFunc(args);
}

function binaryKernel(name: string, loops: BinaryLoops): tf.KernelFunc {
  return function binary(args) {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== "float32" || b.dtype !== "float32") return stock(name, args);
    // Also the stock kernel's check: it throws the same error for shapes that do not broadcast.
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const size = tf.util.sizeFromShape(outShape);
    const sizeA = tf.util.sizeFromShape(a.shape);
    const sizeB = tf.util.sizeFromShape(b.shape);
    const backend = args.backend as MathBackendCPU;
    const valuesA = backend.data.get(a.dataId).values as Float32Array;
    const valuesB = backend.data.get(b.dataId).values as Float32Array;
    const out = new Float32Array(size);
    if (sizeA === size && sizeB === size) {
      loops.same(valuesA, valuesB, out);
    } else if (sizeA === size && isLastAxisVector(b.shape, sizeB, outShape)) {
      loops.vectorRight(valuesA, valuesB, out);
    } else if (sizeB === size && isLastAxisVector(a.shape, sizeA, outShape)) {
      loops.vectorLeft(valuesA, valuesB, out);
    } else {
      return stock(name, args);
    }
    return backend.makeTensorInfo(outShape, "float32", out);
  };
}

const addKernel = binaryKernel(tf.Add, ADD);
const subKernel = binaryKernel(tf.Sub, SUB);
const multiplyKernel = binaryKernel(tf.Multiply, MUL);

/**
 * The float32 elementwise kernels (`Add`, `Sub`, `Multiply`), to register on a cpu-type
 * backend (the `blas` backend registers them through `blasKernels`). Each returns bitwise the
 * stock cpu result and falls back to the stock kernel outside its fast paths.
 *
 * @returns kernel configs for backend `blas`
 * @example The kernels and the backend they are for
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { elementwiseKernels } from "./elementwise.ts";
 * const configs = elementwiseKernels();
 * deepEqual(configs.map((config) => config.kernelName), ["Add", "Sub", "Multiply"]);
 * deepEqual(new Set(configs.map((config) => config.backendName)), new Set(["blas"]));
 * ```
 */
export function elementwiseKernels(): tf.KernelConfig[] {
  return [
    { kernelName: tf.Add, backendName: "blas", kernelFunc: addKernel },
    { kernelName: tf.Sub, backendName: "blas", kernelFunc: subKernel },
    { kernelName: tf.Multiply, backendName: "blas", kernelFunc: multiplyKernel },
  ];
}
