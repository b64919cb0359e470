import * as tf from "@tensorflow/tfjs-core";
import { deepEqual, equal, throws } from "node:assert/strict";
import { createRng, type Rng } from "../../rng.ts";
import { testBackends, useBackend } from "../_testing.ts";
import { elementwiseKernels } from "./elementwise.ts";

const HAS_BLAS = testBackends().includes("blas");

type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

const OPS: [string, Binary][] = [["add", tf.add], ["sub", tf.sub], ["mul", tf.mul]];

/** Operand shapes: the fast paths first, then broadcasts that must fall back. */
const SHAPE_PAIRS: [string, number[], number[]][] = [
  ["same shape", [3, 5, 7], [3, 5, 7]],
  ["equal sizes, different ranks", [1, 4, 6], [4, 6]],
  ["a last-axis vector on the right", [6, 5, 8], [8]],
  ["a last-axis vector on the left", [8], [6, 5, 8]],
  ["a [1, 1, C] vector", [6, 5, 8], [1, 1, 8]],
  ["a scalar on the right", [6, 5, 8], []],
  ["a scalar on the left", [], [6, 5, 8]],
  ["a [1] operand", [4, 9], [1]],
  ["empty operands", [0, 3], [3]],
  ["a broadcast on both sides (fallback)", [6, 1, 8], [1, 5, 8]],
  ["a middle-axis vector (fallback)", [6, 5, 8], [5, 1]],
  ["an outer product (fallback)", [4, 1], [1, 4]],
];

/** Normal values with signed zeros, infinities and NaN mixed in, as float32. */
function floatValues(rng: Rng, size: number): Float32Array {
  const special = [0, -0, Infinity, -Infinity, NaN, 1e-45, 3.4e38];
  return Float32Array.from(
    { length: size },
    (_, i) => i % 5 === 4 ? special[i % 7] : rng.normal(0, 3),
  );
}

function intValues(rng: Rng, size: number): Int32Array {
  return Int32Array.from({ length: size }, () => rng.integer(-1000, 1000));
}

/** The result of `op` on fresh copies of the operands under `backend`, as bytes. */
async function resultBytes(
  backend: string,
  op: Binary,
  a: { values: Float32Array | Int32Array; shape: number[] },
  b: { values: Float32Array | Int32Array; shape: number[] },
): Promise<{ dtype: string; shape: number[]; bytes: Uint8Array }> {
  await useBackend(backend);
  return tf.tidy(() => {
    const result = op(tf.tensor(a.values.slice(), a.shape), tf.tensor(b.values.slice(), b.shape));
    const values = result.dataSync() as Float32Array | Int32Array;
    return {
      dtype: result.dtype,
      shape: result.shape,
      bytes: new Uint8Array(values.slice().buffer),
    };
  });
}

Deno.test({
  name:
    "elementwiseKernels() add, sub and mul equal the stock cpu kernels bit for bit on float32 (12 shape pairs, seed 3)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(3).stream("operands");
    for (const [label, shapeA, shapeB] of SHAPE_PAIRS) {
      const a = { values: floatValues(rng, tf.util.sizeFromShape(shapeA)), shape: shapeA };
      const b = { values: floatValues(rng, tf.util.sizeFromShape(shapeB)), shape: shapeB };
      for (const [name, op] of OPS) {
        const expected = await resultBytes("cpu", op, a, b);
        const actual = await resultBytes("blas", op, a, b);
        deepEqual(actual, expected, `${name} with ${label}`);
      }
    }
  },
});

Deno.test({
  name: "elementwiseKernels() fall back to the stock kernels for int32 operands (seed 4)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(4).stream("operands");
    for (const [shapeA, shapeB] of [[[3, 4], [3, 4]], [[5, 6], [6]], [[2, 1, 3], [1, 4, 3]]]) {
      const a = { values: intValues(rng, tf.util.sizeFromShape(shapeA)), shape: shapeA };
      const b = { values: intValues(rng, tf.util.sizeFromShape(shapeB)), shape: shapeB };
      for (const [name, op] of OPS) {
        const expected = await resultBytes("cpu", op, a, b);
        const actual = await resultBytes("blas", op, a, b);
        equal(actual.dtype, "int32", name);
        deepEqual(actual, expected, `${name} of [${shapeA}] and [${shapeB}]`);
      }
    }
  },
});

Deno.test({
  name: "elementwiseKernels() are the Add, Sub and Multiply kernels of the blas backend",
  ignore: !HAS_BLAS,
  async fn() {
    await useBackend("blas");
    for (const config of elementwiseKernels()) {
      equal(tf.getKernel(config.kernelName, "blas").kernelFunc, config.kernelFunc);
    }
  },
});

Deno.test({
  name: "elementwiseKernels() leave no tensors behind on fast paths and fallbacks",
  ignore: !HAS_BLAS,
  async fn() {
    await useBackend("blas");
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.ones([4, 3]);
      for (const [, op] of OPS) {
        op(x, x);
        op(x, tf.ones([3]));
        op(tf.ones([4, 1]), tf.ones([1, 3]));
      }
    });
    equal(tf.memory().numTensors, before);
  },
});

Deno.test({
  name: "elementwiseKernels() throw the stock error when the shapes do not broadcast",
  ignore: !HAS_BLAS,
  async fn() {
    await useBackend("blas");
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([3, 2]);
    for (const [, op] of OPS) {
      throws(
        () => op(a, b),
        new Error("Operands could not be broadcast together with shapes 2,3 and 3,2."),
      );
    }
    tf.dispose([a, b]);
  },
});
