import { deepEqual, ok } from "node:assert/strict";
import { createRng } from "../rng.ts";
import type { ScanProblem } from "./_selective_scan_kernels.ts";
import { scanBackwardWasm, scanForwardWasm, setParallelScanThreshold } from "./_simd.ts";
import { disposeSimdHelper, simdHelperRunning } from "./_simd_pool.ts";

function problem(batch: number, seed: number): [ScanProblem, Float32Array] {
  const rng = createRng(seed);
  const [l, e, n] = [9, 8, 4];
  const draw = (count: number, lo: number, hi: number) =>
    Float32Array.from(rng.fillUniform(new Float64Array(count)), (u) => lo + (hi - lo) * u);
  const count = batch * l * e;
  return [{
    batch,
    length: l,
    channels: e,
    states: n,
    x: draw(count, -1, 1),
    delta: draw(count, -3, 1),
    A: draw(e * n, -4, -0.5),
    Bm: draw(batch * l * n, -1, 1),
    Cm: draw(batch * l * n, -1, 1),
    D: draw(e, -1, 1),
    z: draw(count, -3, 3),
    deltaBias: draw(e, -1, 1),
    deltaSoftplus: true,
    reverse: seed % 2 === 1,
  }, draw(count, -1, 1)];
}

function run(p: ScanProblem, dy: Float32Array, threshold: number) {
  const previous = setParallelScanThreshold(threshold);
  try {
    return { y: scanForwardWasm(p), grads: scanBackwardWasm(p, dy) };
  } finally {
    setParallelScanThreshold(previous);
  }
}

Deno.test("scanForwardWasm() and scanBackwardWasm() give the same bytes on two threads as on one (B 1, 2, 5)", () => {
  try {
    for (const [batch, seed] of [[1, 1], [2, 2], [5, 3]]) {
      const [p, dy] = problem(batch, seed);
      // Splitting over the batch keeps every sequence's arithmetic, and the halves' sums of
      // A, D and bias gradients are added in the same order either way: exact equality.
      deepEqual(run(p, dy, 0), run(p, dy, Infinity));
    }
    ok(simdHelperRunning(), "the two-thread path ran");
  } finally {
    disposeSimdHelper();
  }
});
