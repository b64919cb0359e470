import { deepEqual, throws } from "node:assert/strict";
import { findBlas, javascriptSgemm, openBlas } from "./blas.ts";
import { createRng } from "../rng.ts";
import { maxRelativeError } from "./_testing.ts";

const { blas } = findBlas();

function randomMatrix(rng: ReturnType<typeof createRng>, size: number): Float32Array {
  return Float32Array.from(rng.fillNormal(new Float64Array(size)));
}

/** Row-major reference product in float64 with the same transpose conventions. */
function naiveGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      }
      c[i * n + j] = sum;
    }
  }
  return c;
}

Deno.test({
  name: "Blas.sgemm() equals a float64 product within 1e-4 relative for every transpose pair",
  ignore: blas === null,
  fn() {
    const rng = createRng(11);
    for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [17, 9, 33], [64, 48, 20]]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const a = randomMatrix(rng, m * k);
          const b = randomMatrix(rng, k * n);
          const c = new Float32Array(m * n);
          blas!.sgemm(transA, transB, m, n, k, a, b, c);
          // float32 accumulation of k products of unit normals: error ~ sqrt(k) * 6e-8 * |terms|.
          const error = maxRelativeError(c, naiveGemm(transA, transB, m, n, k, a, b), 1e-1);
          if (error > 1e-4) throw new Error(`${m}x${n}x${k} ${transA} ${transB}: ${error}`);
        }
      }
    }
  },
});

Deno.test({
  name: "Blas.sgemm() reads and writes subarrays at their offsets and accumulates with beta",
  ignore: blas === null,
  fn() {
    const a = new Float32Array([9, 9, 1, 2, 3, 4]);
    const b = new Float32Array([1, 0, 0, 1]);
    const c = new Float32Array([7, 10, 20, 30, 40, 7]);
    blas!.sgemm(false, false, 2, 2, 2, a.subarray(2), b, c.subarray(1, 5), { beta: 1 });
    deepEqual([...c], [7, 11, 22, 33, 44, 7]);
  },
});

Deno.test({
  name: "Blas.sgemm() on one thread equals a float64 product within 1e-4 relative (128^3, " +
    "a size OpenBLAS splits between threads by default), before and after a default call",
  ignore: blas === null,
  fn() {
    const rng = createRng(12);
    const n = 128;
    const a = randomMatrix(rng, n * n);
    const b = randomMatrix(rng, n * n);
    const reference = naiveGemm(false, true, n, n, n, a, b);
    for (const threads of [1, undefined, 1]) {
      const c = new Float32Array(n * n);
      blas!.sgemm(false, true, n, n, n, a, b, c, { threads });
      // Same bound as above: sqrt(128) * 6e-8 per unit term is far below 1e-4.
      const error = maxRelativeError(c, reference, 1e-1);
      if (error > 1e-4) throw new Error(`threads ${threads}: ${error}`);
    }
  },
});

Deno.test({
  name: "Blas.sgemm() throws when threads is not a positive integer",
  ignore: blas === null,
  fn() {
    const one = new Float32Array(1);
    for (const threads of [0, 1.5, -2]) {
      throws(
        () => blas!.sgemm(false, false, 1, 1, 1, one, one, one, { threads }),
        { name: "RangeError", message: /Cannot run sgemm: threads must be a positive integer/ },
      );
    }
  },
});

Deno.test("openBlas() throws when the library cannot be opened", () => {
  throws(() => openBlas("/nonexistent/libopenblas.so.0"), Error);
});

Deno.test("javascriptSgemm() equals a float64 product within 1e-4 relative for every transpose pair, alpha and beta", () => {
  const rng = createRng(12);
  for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [17, 9, 33]]) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = randomMatrix(rng, m * k);
        const b = randomMatrix(rng, k * n);
        const start = randomMatrix(rng, m * n);
        const c = Float32Array.from(start);
        javascriptSgemm(transA, transB, m, n, k, a, b, c, { alpha: 2, beta: 0.5 });
        const expected = naiveGemm(transA, transB, m, n, k, a, b).map((v, i) =>
          2 * v + 0.5 * start[i]
        );
        // Same float32 accumulation bound as for the native sgemm above.
        const error = maxRelativeError(c, expected, 1e-1);
        if (error > 1e-4) throw new Error(`${m}x${n}x${k} ${transA} ${transB}: ${error}`);
      }
    }
  }
});
