import { ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../rng.ts";
import { dense } from "./dense.ts";
import { maxRelativeError, testBackends, useBackend, valuesOf } from "./_testing.ts";

function normal(seed: number, shape: number[]): tf.Tensor {
  const draws = createRng(seed).fillNormal(new Float64Array(tf.util.sizeFromShape(shape)));
  return tf.tensor(Float32Array.from(draws), shape);
}

for (const backend of testBackends()) {
  Deno.test(`dense() equals x W + b and its gradients the closed forms (${backend})`, async () => {
    await useBackend(backend);
    const x = normal(1, [2, 5, 3]);
    const w = normal(2, [3, 4]);
    const b = normal(3, [4]);
    const dy = normal(4, [2, 5, 4]);
    const y = valuesOf(dense(x, w, b));
    const xs = valuesOf(x);
    const ws = valuesOf(w);
    const bs = valuesOf(b);
    const expected = new Float32Array(40);
    for (let r = 0; r < 10; r++) {
      for (let o = 0; o < 4; o++) {
        let sum = bs[o];
        for (let i = 0; i < 3; i++) sum += xs[r * 3 + i] * ws[i * 4 + o];
        expected[r * 4 + o] = sum;
      }
    }
    // Sums of three float32 products: absolute error ~1e-7.
    ok(maxRelativeError(y, expected) < 1e-5);
    const [dx, dw, db] = tf.grads((a: tf.Tensor, k: tf.Tensor, c: tf.Tensor) => dense(a, k, c))(
      [x, w, b],
      dy,
    ).map(valuesOf);
    const dys = valuesOf(dy);
    const dxExpected = new Float32Array(30);
    const dwExpected = new Float32Array(12);
    const dbExpected = new Float32Array(4);
    for (let r = 0; r < 10; r++) {
      for (let o = 0; o < 4; o++) {
        dbExpected[o] += dys[r * 4 + o];
        for (let i = 0; i < 3; i++) {
          dxExpected[r * 3 + i] += dys[r * 4 + o] * ws[i * 4 + o];
          dwExpected[i * 4 + o] += xs[r * 3 + i] * dys[r * 4 + o];
        }
      }
    }
    ok(maxRelativeError(dx, dxExpected) < 1e-5, "dx");
    ok(maxRelativeError(dw, dwExpected) < 1e-5, "dW");
    ok(maxRelativeError(db, dbExpected) < 1e-5, "db");
  });
}

Deno.test("dense() without a bias is a plain matrix product", () => {
  const y = dense(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
  ok(valuesOf(y)[0] === 11);
});

Deno.test("dense() throws when the kernel or bias does not fit x", () => {
  throws(() => dense(tf.zeros([2, 3]), tf.zeros([4, 2])), {
    name: "TypeError",
    message: "Cannot apply a dense layer: the kernel must have shape [3, out] for x [2,3], " +
      "got [4,2]",
  });
  throws(() => dense(tf.zeros([2, 3]), tf.zeros([3, 2]), tf.zeros([3])), {
    name: "TypeError",
    message: "Cannot apply a dense layer: the bias must have shape [2] for a kernel [3,2], " +
      "got [3]",
  });
});
