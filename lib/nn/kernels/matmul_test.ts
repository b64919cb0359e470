import { ok } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng, type Rng } from "../../rng.ts";
import {
  agreement,
  finiteDifference,
  testBackends,
  uniforms,
  useBackend,
  valuesOf,
} from "../_testing.ts";

const HAS_BLAS = testBackends().includes("blas");

/** Float32 unit roundoff. */
const EPSILON = 2 ** -24;

/** Agreement asked of the BLAS kernels with the stock ones (relative, see `agreement`). */
const TOLERANCE = 1e-4;

const TRANSPOSES: [boolean, boolean][] = [[false, false], [false, true], [true, false], [
  true,
  true,
]];

/** Batch dimensions of a and b: unbatched, batched, broadcast from 1 either way, mixed ranks. */
const BATCH_LAYOUTS: [number[], number[]][] = [
  [[], []],
  [[3], [3]],
  [[1], [3]],
  [[3], [1]],
  [[3], []],
  [[], [3]],
  [[2, 3], [2, 3]],
  [[2, 3], [1, 1]],
  [[1, 3], [2, 3]],
];

interface Product {
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** m, n, k drawn from 16..28 so every product (>= 4096 multiply-adds) runs on BLAS. */
function drawProduct(rng: Rng, batchA: number[], batchB: number[], transposes: boolean[]) {
  const [m, n, k] = [rng.integer(16, 29), rng.integer(16, 29), rng.integer(16, 29)];
  const [transposeA, transposeB] = transposes;
  return {
    aShape: [...batchA, ...(transposeA ? [k, m] : [m, k])],
    bShape: [...batchB, ...(transposeB ? [n, k] : [k, n])],
    transposeA,
    transposeB,
    n,
  };
}

async function onBothBackends(
  compute: () => Float32Array[],
): Promise<{ cpu: Float32Array[]; blas: Float32Array[] }> {
  await useBackend("cpu");
  const cpu = compute();
  await useBackend("blas");
  const blas = compute();
  return { cpu, blas };
}

function assertAgree(results: { cpu: Float32Array[]; blas: Float32Array[] }, what: string): void {
  results.cpu.forEach((reference, i) => {
    const error = agreement(results.blas[i], reference);
    ok(error <= TOLERANCE, `${what} [${i}]: relative error ${error} > ${TOLERANCE}`);
  });
}

Deno.test({
  name:
    "BatchMatMul on BLAS equals the stock kernel within 1e-4 relative for every transpose pair and batch layout (ranks 2-4, seed 31)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(31).stream("batch-mat-mul");
    for (const [batchA, batchB] of BATCH_LAYOUTS) {
      for (const transposes of TRANSPOSES) {
        const p = drawProduct(rng, batchA, batchB, transposes);
        const as = uniforms(rng, tf.util.sizeFromShape(p.aShape));
        const bs = uniforms(rng, tf.util.sizeFromShape(p.bShape));
        const results = await onBothBackends(() =>
          tf.tidy(() => [
            valuesOf(tf.matMul(
              tf.tensor(as, p.aShape),
              tf.tensor(bs, p.bShape),
              p.transposeA,
              p.transposeB,
            )),
          ])
        );
        assertAgree(results, JSON.stringify(p));
      }
    }
  },
});

Deno.test({
  name:
    "_FusedMatMul on BLAS equals the stock kernel within 1e-4 relative with a bias and each activation (seed 32)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(32).stream("fused-mat-mul");
    const activations = ["linear", "relu", "relu6", "sigmoid", "elu", "leakyrelu", "prelu"];
    const layouts = [BATCH_LAYOUTS[0], BATCH_LAYOUTS[1], BATCH_LAYOUTS[2], BATCH_LAYOUTS[3]];
    let i = 0;
    for (const activation of activations) {
      for (const [batchA, batchB] of layouts) {
        const p = drawProduct(rng, batchA, batchB, TRANSPOSES[i++ % 4]);
        const as = uniforms(rng, tf.util.sizeFromShape(p.aShape));
        const bs = uniforms(rng, tf.util.sizeFromShape(p.bShape));
        const bias = uniforms(rng, p.n);
        const alphas = uniforms(rng, p.n);
        const results = await onBothBackends(() =>
          tf.tidy(() => [
            valuesOf(tf.fused.matMul({
              a: tf.tensor(as, p.aShape),
              b: tf.tensor(bs, p.bShape),
              transposeA: p.transposeA,
              transposeB: p.transposeB,
              bias: tf.tensor1d(bias),
              activation: activation as tf.fused.Activation,
              preluActivationWeights: activation === "prelu" ? tf.tensor1d(alphas) : undefined,
              leakyreluAlpha: 0.15,
            })),
          ])
        );
        assertAgree(results, `${activation} ${JSON.stringify(p)}`);
      }
    }
  },
});

function product(p: Product) {
  return (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, p.transposeA, p.transposeB);
}

function outShapeOf(p: Product): number[] {
  const rankA = p.aShape.length;
  const rankB = p.bShape.length;
  const m = p.transposeA ? p.aShape[rankA - 1] : p.aShape[rankA - 2];
  const n = p.transposeB ? p.bShape[rankB - 2] : p.bShape[rankB - 1];
  return [...p.aShape.slice(0, -2), m, n];
}

Deno.test({
  name:
    "BatchMatMul gradients on BLAS equal the stock ones within 1e-4 relative for every transpose pair (tf.grads, ranks 2 and 3, seed 33)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(33).stream("gradients");
    for (const [batchA, batchB] of [BATCH_LAYOUTS[0], BATCH_LAYOUTS[1]]) {
      for (const transposes of TRANSPOSES) {
        const p = drawProduct(rng, batchA, batchB, transposes);
        const as = uniforms(rng, tf.util.sizeFromShape(p.aShape));
        const bs = uniforms(rng, tf.util.sizeFromShape(p.bShape));
        const outShape = outShapeOf(p);
        const rs = uniforms(rng, tf.util.sizeFromShape(outShape));
        const results = await onBothBackends(() =>
          tf.tidy(() =>
            tf.grads(product(p))(
              [tf.tensor(as, p.aShape), tf.tensor(bs, p.bShape)],
              tf.tensor(rs, outShape),
            ).map(valuesOf)
          )
        );
        assertAgree(results, JSON.stringify(p));
      }
    }
  },
});

/**
 * Checks the gradients of sum(matMul(a, b) * r) (tf.grads with dy = r) against central
 * differences on the active backend.
 * The loss is linear in a and in b, so central differences have no truncation error for any
 * step h; each loss evaluation (a float32 dot product of k terms per entry, a product with r,
 * one rounding of the float64 sum) is off by at most gamma(k + 2) S, gamma(n) = n eps / (1 - n
 * eps), with S = sum(|r| matMul(|a| + h, |b| + h)) the magnitudes of all terms (perturbed
 * inputs included); two evaluations over 2h give the bound gamma(k + 2) S / h.
 */
function checkFiniteDifferences(backend: string, p: Product, seed: number): void {
  const rng = createRng(seed).stream("finite-differences");
  const as = uniforms(rng, tf.util.sizeFromShape(p.aShape));
  const bs = uniforms(rng, tf.util.sizeFromShape(p.bShape));
  const outShape = outShapeOf(p);
  const rs = uniforms(rng, tf.util.sizeFromShape(outShape));
  const h = 0.5;
  const [da, db] = tf.tidy(() =>
    tf.grads(product(p))(
      [tf.tensor(as, p.aShape), tf.tensor(bs, p.bShape)],
      tf.tensor(rs, outShape),
    ).map(valuesOf)
  );
  const lossAt = (a: Float32Array, b: Float32Array) =>
    tf.tidy(() => {
      const y = product(p)(tf.tensor(a, p.aShape), tf.tensor(b, p.bShape));
      return valuesOf(tf.sum(tf.mul(y, tf.tensor(rs, outShape))))[0];
    });
  const magnitude = tf.tidy(() => {
    const terms = tf.matMul(
      tf.add(tf.abs(tf.tensor(as, p.aShape)), h),
      tf.add(tf.abs(tf.tensor(bs, p.bShape)), h),
      p.transposeA,
      p.transposeB,
    );
    return valuesOf(tf.sum(tf.mul(terms, tf.abs(tf.tensor(rs, outShape)))))[0];
  });
  const rank = p.aShape.length;
  const n = (p.transposeA ? p.aShape[rank - 2] : p.aShape[rank - 1]) + 2;
  const tolerance = (n * EPSILON / (1 - n * EPSILON)) * magnitude / h;
  const fdA = finiteDifference((a) => lossAt(a, bs), as, h);
  const fdB = finiteDifference((b) => lossAt(as, b), bs, h);
  for (const [name, analytic, numeric] of [["a", da, fdA], ["b", db, fdB]] as const) {
    let worst = 0;
    for (let i = 0; i < numeric.length; i++) {
      worst = Math.max(worst, Math.abs(analytic[i] - numeric[i]));
    }
    ok(worst <= tolerance, `${backend} d/d${name}: |error| ${worst} > ${tolerance}`);
  }
}

for (const backend of ["cpu", "blas"]) {
  Deno.test({
    name:
      `matMul gradients (16x16 by 16x16, transposeB) match central differences within gamma(k + 2) S / h (${backend})`,
    ignore: !testBackends().includes(backend),
    async fn() {
      await useBackend(backend);
      checkFiniteDifferences(backend, {
        aShape: [16, 16],
        bShape: [16, 16],
        transposeA: false,
        transposeB: true,
      }, 41);
    },
  });
  Deno.test({
    name:
      `batched matMul gradients (2 x 8x16 by 2 x 16x32, transposeA) match central differences within gamma(k + 2) S / h (${backend})`,
    ignore: !testBackends().includes(backend),
    async fn() {
      await useBackend(backend);
      checkFiniteDifferences(backend, {
        aShape: [2, 16, 8],
        bShape: [2, 16, 32],
        transposeA: true,
        transposeB: false,
      }, 42);
    },
  });
}
