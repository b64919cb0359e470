import { deepEqual, notDeepEqual, ok } from "node:assert/strict";
import { createRng } from "./rng.ts";
import { fillStandardNormals, fillWeightedNormals } from "./ziggurat.ts";
import { kolmogorovDistance, normalCdf } from "./sim/_testing.ts";

Deno.test("fillStandardNormals() passes a KS test against N(0, 1) and has normal tail masses (n = 400000, seed 3)", () => {
  const out = new Float64Array(400_000);
  fillStandardNormals(out, createRng(3));
  // D < 1.95 / sqrt(n) is the 0.1 % critical value of the KS statistic.
  ok(kolmogorovDistance(out, normalCdf) < 1.95 / Math.sqrt(out.length));
  // The tail beyond R = 3.44 and the wedges come from the slow path: 5 binomial SEs.
  for (const [cut, mass] of [[2, 0.0455002639], [3, 0.0026997961], [3.5, 0.0004652582]]) {
    let beyond = 0;
    for (const value of out) if (Math.abs(value) > cut) beyond++;
    const tolerance = 5 * Math.sqrt(mass * (1 - mass) / out.length);
    ok(
      Math.abs(beyond / out.length - mass) < tolerance,
      `P(|z| > ${cut}) = ${beyond / out.length}`,
    );
  }
});

Deno.test("fillStandardNormals() gives the same bytes for the same seed and others for another", () => {
  const draw = (seed: number) => {
    const out = new Float64Array(1000);
    fillStandardNormals(out, createRng(seed));
    return out;
  };
  deepEqual(draw(5), draw(5));
  notDeepEqual(draw(5), draw(6));
});

Deno.test("fillWeightedNormals() equals the weights times the normals fillStandardNormals() draws", () => {
  const weights = Float64Array.from({ length: 500 }, (_, i) => i / 100);
  const weighted = new Float64Array(500);
  fillWeightedNormals(weighted, weights, createRng(7));
  const plain = new Float64Array(500);
  fillStandardNormals(plain, createRng(7));
  deepEqual(weighted, plain.map((value, i) => value * weights[i]));
});
