/**
 * Test helpers for the nn library: run one test body per backend (plain JavaScript cpu, and the
 * BLAS-backed cpu when a BLAS library is present), and finite-difference gradient checks.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.ts";
import { registerBlasBackend, selectBackend } from "./backend.ts";

/** The backends tests should cover on this machine: `cpu` always, `blas` when it loads. */
export function testBackends(): string[] {
  return registerBlasBackend() === null ? ["cpu"] : ["cpu", "blas"];
}

/** Activates backend `name` (`cpu` or `blas`) for a test body. */
export async function useBackend(name: string): Promise<void> {
  await selectBackend({ prefer: name });
}

/**
 * Central finite difference of the scalar `f` with respect to every entry of `x` (float64
 * arithmetic on a copy), for checking gradients of float32 code: step `h` around 1e-2 keeps the
 * float32 rounding error (~1e-7 / h) and the truncation error (~h^2) both near 1e-4.
 */
export function finiteDifference(
  f: (x: Float32Array) => number,
  x: Float32Array,
  h = 1e-2,
): Float64Array {
  const grad = new Float64Array(x.length);
  const probe = Float32Array.from(x);
  for (let i = 0; i < x.length; i++) {
    probe[i] = x[i] + h;
    const up = f(probe);
    probe[i] = x[i] - h;
    const down = f(probe);
    probe[i] = x[i];
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** Largest |a - b| / (|b| + floor) over the entries, the relative error tests bound. */
export function maxRelativeError(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  floor = 1e-3,
): number {
  if (a.length !== b.length) {
    throw new RangeError(`Cannot compare arrays: lengths differ, got ${a.length} and ${b.length}`);
  }
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + floor));
  }
  return worst;
}

/** `size` draws uniform in (-1, 1), as float32. */
export function uniforms(rng: Rng, size: number): Float32Array {
  return Float32Array.from(rng.fillUniform(new Float64Array(size)), (u) => 2 * u - 1);
}

/** Relative error of `actual` against `reference`, floored at 1 % of the reference's RMS:
 * float32 sums of n terms of size s carry ~sqrt(n) eps s rounding, ~1e-6 of that floor. */
export function agreement(actual: Float32Array, reference: Float32Array): number {
  let squares = 0;
  for (const v of reference) squares += v * v;
  const rms = Math.sqrt(squares / Math.max(1, reference.length));
  return maxRelativeError(actual, reference, 1e-2 * rms + 1e-30);
}

/** Reads a tensor's values as float32 without keeping the tensor. */
export function valuesOf(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}
