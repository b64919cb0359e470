import { ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { gelu } from "./gelu.ts";
import { valuesOf } from "./_testing.ts";

/** Phi(x) in float64: Maclaurin series of erf for |x| <= 4, asymptotic erfc beyond. */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  let tail: number; // erfc(z) / 2 = Phi(-|x|)
  if (z <= 2.9) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 80; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    tail = 0.5 * (1 - (2 / Math.sqrt(Math.PI)) * sum);
  } else {
    // erfc(z) ~ e^{-z^2} / (z sqrt(pi)) (1 - 1/(2z^2) + 3/(2z^2)^2 - 15/(2z^2)^3 + 105/...):
    // relative error < 1e-3 for z > 2.9, i.e. < 2e-8 absolute in Phi.
    const w = 1 / (2 * z * z);
    const series = 1 - w + 3 * w * w - 15 * w ** 3 + 105 * w ** 4;
    tail = (0.5 * Math.exp(-z * z) * series) / (z * Math.sqrt(Math.PI));
  }
  return x < 0 ? tail : 1 - tail;
}

const POINTS = Array.from({ length: 61 }, (_, i) => -6 + i * 0.2);

function exact(x: number): number {
  return x * normalCdf(x);
}

Deno.test("gelu() equals x Phi(x) within 2e-7 |x| + 1e-7 on [-6, 6]", () => {
  const y = valuesOf(gelu(tf.tensor1d(POINTS)));
  // erf to 1.5e-7 (A&S 7.1.26) times |x| / 2, plus float32 rounding of the result.
  POINTS.forEach((x, i) => {
    ok(Math.abs(y[i] - exact(x)) < 2e-7 * Math.abs(x) + 1e-7, `x ${x}: ${y[i]} vs ${exact(x)}`);
  });
});

Deno.test("gelu() gradient matches central differences of the exact GELU within 1e-5", () => {
  const [dx] = tf.grads((x: tf.Tensor) => gelu(x))([tf.tensor1d(POINTS)], tf.ones([61]));
  const g = valuesOf(dx);
  const h = 1e-4;
  // float64 differences of the reference: truncation h^2/6 |f'''| < 1e-9 (no grid point lies
  // within h of its switch at |x| = 4.1). The kernel's derivative Phi + x phi carries erf's
  // 1.5e-7 error and float32 rounding, far below 1e-5.
  POINTS.forEach((x, i) => {
    const numeric = (exact(x + h) - exact(x - h)) / (2 * h);
    ok(Math.abs(g[i] - numeric) < 1e-5, `x ${x}: ${g[i]} vs ${numeric}`);
  });
});

Deno.test("gelu() throws when x is not float32", () => {
  throws(() => gelu(tf.tensor1d([1], "int32")), {
    name: "TypeError",
    message: "Cannot apply GELU: x must be float32, got int32",
  });
});
