import { equal, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { brownianMotion } from "./brownian.ts";
import { addLocalizationNoise, normalizeDisplacements } from "./normalize.ts";

function stepStd(positions: Float64Array, dim: number, axis: number): number {
  const length = positions.length / dim;
  const steps = Array.from(
    { length: length - 1 },
    (_, t) => positions[(t + 1) * dim + axis] - positions[t * dim + axis],
  );
  const mean = steps.reduce((a, b) => a + b, 0) / steps.length;
  return Math.sqrt(steps.reduce((a, b) => a + (b - mean) ** 2, 0) / steps.length);
}

Deno.test("normalizeDisplacements() gives every axis step std 1 and x[0] = 0 (andi-models.md §7.3)", () => {
  const rng = createRng(5);
  for (const dim of [1, 2, 3]) {
    const positions = brownianMotion(300, rng, { k: 3.7, dim });
    for (let i = 0; i < positions.length; i++) positions[i] += 11; // an offset start
    equal(normalizeDisplacements(positions, dim), true);
    for (let axis = 0; axis < dim; axis++) {
      equal(positions[axis], 0);
      ok(Math.abs(stepStd(positions, dim, axis) - 1) < 1e-12);
    }
  }
});

Deno.test("normalizeDisplacements() keeps the shape of a trajectory (steps scaled by one factor per axis)", () => {
  const positions = new Float64Array([0, 0, 1, 10, 3, 30]); // x steps 1, 2; y steps 10, 20
  normalizeDisplacements(positions, 2);
  // both axes have steps in ratio 1:2 and std 0.5 resp. 5, so both become 2 and 4
  ok([0, 0, 2, 2, 6, 6].every((value, i) => Math.abs(positions[i] - value) < 1e-12));
});

Deno.test("normalizeDisplacements() reports a degenerate axis instead of blowing it up (single Lévy flight)", () => {
  const positions = new Float64Array(200);
  for (let t = 0; t < 100; t++) {
    positions[2 * t] = 0.1 * t; // constant steps: std is round-off, not 0
    positions[2 * t + 1] = 0.3 * t;
  }
  equal(normalizeDisplacements(positions, 2), false);
  ok(Math.max(...positions.map(Math.abs)) < 100);
});

Deno.test("normalizeDisplacements() throws when the values do not form frames", () => {
  throws(
    () => normalizeDisplacements(new Float64Array(5), 2),
    /^RangeError: Cannot normalise trajectory: 5 values do not form frames of dim 2$/,
  );
});

Deno.test("addLocalizationNoise() adds noise of the given std (n = 40000, 5 standard errors)", () => {
  const positions = new Float64Array(40_000);
  addLocalizationNoise(positions, 0.5, createRng(2));
  const variance = positions.reduce((a, b) => a + b * b, 0) / positions.length;
  // Var of the sample variance of N(0, s^2): 2 s^4 / n
  ok(Math.abs(variance - 0.25) < 5 * Math.sqrt(2 * 0.25 ** 2 / positions.length));
  throws(
    () => addLocalizationNoise(positions, -1, createRng(2)),
    /Cannot add localisation noise: std must be a finite number >= 0, got -1/,
  );
});
