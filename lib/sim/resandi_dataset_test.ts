import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { timeAveragedMsd } from "../features/msd.ts";
import { fitPowerLawLeastSquares } from "../eval/power_law.ts";
import { RESANDI_CLASSES, resandiTrajectories } from "./resandi_dataset.ts";

function stepStd(positions: Float64Array, axis: number): number {
  const length = positions.length / 2;
  let sum = 0;
  let squares = 0;
  for (let t = 1; t < length; t++) {
    const step = positions[2 * t + axis] - positions[2 * (t - 1) + axis];
    sum += step;
    squares += step * step;
  }
  const mean = sum / (length - 1);
  return Math.sqrt(squares / (length - 1) - mean * mean);
}

Deno.test("resandiTrajectories() yields the 8 classes in contiguous blocks with paired lengths and alphas", () => {
  const items = [
    ...resandiTrajectories(createRng(3), { perClass: 20, minLength: 10, maxLength: 60 }),
  ];
  equal(items.length, 160);
  deepEqual([...new Set(items.map((item) => item.className))], [...RESANDI_CLASSES]);
  for (const [label, className] of RESANDI_CLASSES.entries()) {
    const block = items.slice(label * 20, label * 20 + 20);
    ok(block.every((item) => item.label === label && item.className === className));
  }
  // Item i of every class shares its length; Sub- classes share alphas, Sup- classes too.
  for (let i = 0; i < 20; i++) {
    const column = RESANDI_CLASSES.map((_, label) => items[label * 20 + i]);
    equal(new Set(column.map((item) => item.length)).size, 1);
    equal(new Set(column.slice(0, 4).map((item) => item.alpha)).size, 1);
    equal(new Set(column.slice(4, 7).map((item) => item.alpha)).size, 1);
    equal(column[7].alpha, 1);
  }
  ok(items.every((item) => item.positions.length === item.length * 2));
  ok(items.every((item) => item.length >= 10 && item.length <= 60));
  ok(items.slice(0, 80).every((item) => item.alpha >= 0.1 && item.alpha <= 0.9));
  ok(items.slice(80, 140).every((item) => item.alpha >= 1.1 && item.alpha <= 1.9));
});

Deno.test("resandiTrajectories() normalises every axis to unit step std from the origin", () => {
  for (
    const item of resandiTrajectories(createRng(4), { perClass: 10, minLength: 50, maxLength: 50 })
  ) {
    equal(item.positions[0], 0);
    equal(item.positions[1], 0);
    ok(Math.abs(stepStd(item.positions, 0) - 1) < 1e-9, `${item.className} x`);
    ok(Math.abs(stepStd(item.positions, 1) - 1) < 1e-9, `${item.className} y`);
  }
});

Deno.test("resandiTrajectories() adds noise of std 1/SNR: step variance 1 + 2 std^2 (n = 8 x 200 x 99 steps)", () => {
  const noiseStd = 0.5;
  let sum = 0;
  let count = 0;
  for (
    const item of resandiTrajectories(createRng(5), {
      perClass: 200,
      minLength: 100,
      maxLength: 100,
      noiseStd,
    })
  ) {
    sum += stepStd(item.positions, 0) ** 2;
    count++;
  }
  // Mean of per-trajectory step variances: 1 + 2 * 0.25 = 1.5; noise steps are MA(1), so the
  // per-trajectory variance has std about 1.5 * sqrt(3 / 99); 5 standard errors over n = 1600.
  const tolerance = 5 * 1.5 * Math.sqrt(3 / 99) / Math.sqrt(count);
  ok(Math.abs(sum / count - 1.5) < tolerance, `${sum / count}`);
});

Deno.test("resandiTrajectories() with the same seed gives the same bytes", () => {
  const bytes = (seed: number) =>
    [...resandiTrajectories(createRng(seed), { perClass: 3, minLength: 20, maxLength: 40 })]
      .flatMap((item) => [...item.positions]);
  deepEqual(bytes(9), bytes(9));
  ok(bytes(9).some((value, i) => value !== bytes(10)[i]));
});

Deno.test("resandiTrajectories() per-class median TAMSD exponents match the reference (andi-models.md §7.18, 250 per class, T = 200)", () => {
  // Reference medians of the per-trajectory log-log TAMSD slope over lags 1..20.
  const reference: Record<string, number> = {
    SubATTM: 0.93,
    SubCTRW: 0.91,
    SubFBM: 0.49,
    SubSBM: 0.94,
    SupFBM: 1.46,
    SupLW: 1.56,
    SupSBM: 0.99,
    BM: 1.0,
  };
  const lags = Array.from({ length: 20 }, (_, i) => i + 1);
  const slopes: Record<string, number[]> = {};
  for (
    const item of resandiTrajectories(createRng(11), {
      perClass: 250,
      minLength: 200,
      maxLength: 200,
    })
  ) {
    const tamsd = timeAveragedMsd(item.positions, [1, 200, 2], 20);
    (slopes[item.className] ??= []).push(fitPowerLawLeastSquares(lags, tamsd, 2).alpha);
  }
  for (const [className, values] of Object.entries(slopes)) {
    values.sort((a, b) => a - b);
    const median = (values[124] + values[125]) / 2;
    // Standard error of a median: 1.2533 sd / sqrt(n); both medians are samples of 250, so the
    // difference has sqrt(2) times that; allow 4 of those plus 0.005 for the reference's rounding.
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    const tolerance = 4 * Math.SQRT2 * 1.2533 * sd / Math.sqrt(values.length) + 0.005;
    ok(
      Math.abs(median - reference[className]) < tolerance,
      `${className}: median ${median.toFixed(3)} vs ${reference[className]} (tolerance ${
        tolerance.toFixed(3)
      })`,
    );
  }
});

Deno.test("resandiTrajectories() throws when sizes, lengths, alpha ranges or noise are invalid", () => {
  const take = (options: Parameters<typeof resandiTrajectories>[1]) => () =>
    resandiTrajectories(createRng(1), options).next();
  throws(take({ perClass: 0 }), /perClass must be an integer >= 1, got 0/);
  throws(take({ minLength: 50, maxLength: 20 }), /3 <= minLength <= maxLength, got 50..20/);
  throws(
    take({ subAlpha: [0.5, 1.2] }),
    /subAlpha must satisfy 0 < low < high < 1, got \[0.5, 1.2\]/,
  );
  throws(take({ supAlpha: [1.5, 2] }), /supAlpha must satisfy 1 < low < high < 2, got \[1.5, 2\]/);
  throws(take({ noiseStd: -1 }), /noiseStd must be a finite number >= 0, got -1/);
});
