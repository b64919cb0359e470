import { equal, ok, throws } from "node:assert/strict";
import { createRng } from "../../rng.ts";
import { ensembleMsd } from "../../features/msd.ts";
import { singleState, type SingleStateOptions } from "./single_state.ts";
import { assertEnsembleMsdPowerLaw, mean } from "../_testing.ts";
import { assertInBox, assertSeedDeterminism } from "./_testing.ts";

/** Checks the ensemble MSD 2 dim K t^alpha at lags 1..32 of `count` trajectories. */
function checkMsd(alpha: number, k: number, dim: number, count: number, seed: number): void {
  const length = 33;
  const out = singleState(count, length, createRng(seed), { alphas: alpha, ks: k, dim });
  const msd = ensembleMsd(out.positions, [count, length, dim], length - 1);
  assertEnsembleMsdPowerLaw(msd, count, { dim, k, alpha });
}

Deno.test("singleState() has ensemble MSD 4 K t^alpha at lags 1..32 within 5 standard errors (alpha 0.6, K 0.5, n = 4000, seed 1)", () => {
  checkMsd(0.6, 0.5, 2, 4000, 1);
});

Deno.test("singleState() has ensemble MSD 4 K t^alpha at lags 1..32 within 5 standard errors (alpha 1.5, K 2, n = 4000, seed 2)", () => {
  checkMsd(1.5, 2, 2, 4000, 2);
});

Deno.test("singleState() has ensemble MSD 6 K t^alpha at lags 1..32 within 5 standard errors (dim 3, alpha 1, K 1, n = 3000, seed 3)", () => {
  checkMsd(1, 1, 3, 3000, 3);
});

Deno.test("singleState() draws alpha and K per trajectory with the requested mean, within 5 standard errors (n = 3000, seed 4)", () => {
  const count = 3000;
  const out = singleState(count, 5, createRng(4), { alphas: [0.8, 0.01], ks: [2, 0.04] });
  const alphas = Array.from({ length: count }, (_, n) => out.alphas[5 * n]);
  const ks = Array.from({ length: count }, (_, n) => out.ks[5 * n]);
  // Both distributions sit 8 and 10 standard deviations inside their bounds, so the
  // truncation is invisible: means 0.8 and 2, standard errors 0.1 / sqrt(n), 0.2 / sqrt(n).
  ok(Math.abs(mean(alphas) - 0.8) < 5 * 0.1 / Math.sqrt(count), `mean alpha ${mean(alphas)}`);
  ok(Math.abs(mean(ks) - 2) < 5 * 0.2 / Math.sqrt(count), `mean K ${mean(ks)}`);
});

Deno.test("singleState() labels every frame of a trajectory alike, state 3 exactly when alpha >= 1.9", () => {
  const count = 400;
  const length = 20;
  const out = singleState(count, length, createRng(5), { alphas: [1.88, 0.0025] });
  let directed = 0;
  for (let n = 0; n < count; n++) {
    const i = n * length;
    const code = out.alphas[i] >= 1.9 ? 3 : 2;
    if (code === 3) directed++;
    for (let t = 0; t < length; t++) {
      equal(out.alphas[i + t], out.alphas[i]);
      equal(out.ks[i + t], out.ks[i]);
      equal(out.states[i + t], code, `trajectory ${n} frame ${t}`);
      equal(out.stateNumbers[i + t], 0);
    }
  }
  ok(directed > 0 && directed < count, `${directed} directed of ${count}: both codes occur`);
});

Deno.test("singleState() without a box starts every trajectory at the origin", () => {
  const out = singleState(50, 10, createRng(6), { alphas: 0.5 });
  for (let n = 0; n < 50; n++) {
    equal(out.positions[20 * n], 0);
    equal(out.positions[20 * n + 1], 0);
  }
});

Deno.test("singleState() in a box keeps every position in [0, L] and starts uniformly (mean L/2 within 5 standard errors, n = 4000, seed 7)", () => {
  const count = 4000;
  const boxSize = 5;
  const out = singleState(count, 50, createRng(7), { boxSize, ks: 2, alphas: 1.2 });
  assertInBox(out.positions, boxSize);
  const starts = Array.from({ length: count }, (_, n) => out.positions[100 * n]);
  // A uniform start on [0, L] has standard deviation L / sqrt(12).
  const tolerance = 5 * boxSize / Math.sqrt(12 * count);
  ok(Math.abs(mean(starts) - boxSize / 2) < tolerance, `mean start ${mean(starts)}`);
});

Deno.test("singleState() with length 1 returns only the start", () => {
  const out = singleState(3, 1, createRng(8), { boxSize: 10 });
  equal(out.positions.length, 6);
  assertInBox(out.positions, 10);
});

Deno.test("singleState() gives the same bytes for the same seed", () => {
  assertSeedDeterminism((seed) =>
    singleState(20, 50, createRng(seed), { alphas: [1, 0.1], ks: [1, 0.1], boxSize: 30 })
  );
});

Deno.test("singleState() throws when a size, the dimension, the box or a distribution is invalid", () => {
  const run = (count: number, length: number, options: SingleStateOptions) => () =>
    singleState(count, length, createRng(1), options);
  const prefix = "Cannot simulate single_state: ";
  throws(run(0, 10, {}), {
    name: "RangeError",
    message: `${prefix}count must be an integer >= 1, got 0`,
  });
  throws(run(2, 2.5, {}), {
    name: "RangeError",
    message: `${prefix}length must be an integer >= 1, got 2.5`,
  });
  throws(run(2, 10, { dim: 1 }), {
    name: "RangeError",
    message: `${prefix}dim must be 2 or 3, got 1`,
  });
  throws(run(2, 10, { alphas: 2 }), {
    name: "RangeError",
    message:
      `${prefix}alphas must be in (0, 2), got 2; FBM needs Hurst exponent alpha / 2 in (0, 1)`,
  });
  throws(run(2, 10, { ks: [1, -1] }), {
    name: "RangeError",
    message: `${prefix}ks variance must be a finite number >= 0, got -1`,
  });
  throws(run(2, 10, { boxSize: -5 }), {
    name: "RangeError",
    message: `${prefix}boxSize must be a finite number > 0, got -5`,
  });
});
