import { equal, ok, throws } from "node:assert/strict";
import { createRng } from "../../rng.ts";
import { mean } from "../_testing.ts";
import {
  dimerization,
  type DimerizationOptions,
  type DimerizationTrajectories,
} from "./dimerization.ts";
import {
  assertFrequency,
  assertInBox,
  assertLabelsFollowStates,
  assertSeedDeterminism,
  completeDwells,
} from "./_testing.ts";

/** Crowded particles (200 in a 40 px box, reach 2r = 2 px) that bind and split often. */
const crowded: DimerizationOptions = {
  boxSize: 40,
  particleRadius: 1,
  unbindingProbability: 0.1,
  bindingProbability: 0.5,
  alphas: [[1, 0.01], [0.7, 0.01]],
  ks: [[1, 0.01], [0.05, 0.0001]],
};

function distance(out: DimerizationTrajectories, a: number, b: number, t: number): number {
  const i = 2 * (a * out.length + t);
  const j = 2 * (b * out.length + t);
  return Math.hypot(
    out.positions[i] - out.positions[j],
    out.positions[i + 1] - out.positions[j + 1],
  );
}

const simulated = dimerization(200, 200, createRng(1), crowded);

Deno.test("dimerization() pairs are symmetric, state number 1 exactly when paired, and form only at distance in (0, 2r) at t-1 (n = 200, seed 1)", () => {
  const out = simulated;
  let bonds = 0;
  for (let n = 0; n < out.count; n++) {
    for (let t = 0; t < out.length; t++) {
      const frame = n * out.length + t;
      const m = out.partners[frame];
      equal(out.stateNumbers[frame], m >= 0 ? 1 : 0);
      if (m < 0) continue;
      equal(out.partners[m * out.length + t], n, `frame ${t}: ${n} <-> ${m}`);
      if (t > 0 && out.partners[frame - 1] !== m && n < m) {
        bonds++;
        const d = distance(out, n, m, t - 1);
        ok(d > 0 && d < 2, `bond ${n}-${m} at frame ${t} from distance ${d}`);
      }
    }
  }
  ok(bonds > 100, `${bonds} bonds formed`);
});

Deno.test("dimerization() moves bound partners by identical steps wherever no wall is within 10 step deviations (n = 200, seed 1)", () => {
  const out = simulated;
  // Dimer steps have standard deviation sqrt(2 K) <= sqrt(2 * 0.06); a particle farther than
  // 10 of those from every wall cannot be reflected, so its step is the shared one.
  const margin = 10 * Math.sqrt(2 * 0.06);
  const box = crowded.boxSize!;
  let boundSteps = 0;
  let checked = 0;
  for (let n = 0; n < out.count; n++) {
    for (let t = 1; t < out.length; t++) {
      const m = out.partners[n * out.length + t];
      if (m <= n) continue;
      boundSteps++;
      const i = 2 * (n * out.length + t);
      const j = 2 * (m * out.length + t);
      const previous = [
        out.positions[i - 2],
        out.positions[i - 1],
        out.positions[j - 2],
        out.positions[j - 1],
      ];
      if (previous.some((x) => x < margin || x > box - margin)) continue;
      checked++;
      for (let axis = 0; axis < 2; axis++) {
        const stepN = out.positions[i + axis] - out.positions[i - 2 + axis];
        const stepM = out.positions[j + axis] - out.positions[j - 2 + axis];
        // Same displacement added to different positions: equal up to rounding of x + d - x.
        ok(
          Math.abs(stepN - stepM) < 1e-12 * box,
          `pair ${n}-${m} frame ${t}: ${stepN} vs ${stepM}`,
        );
      }
    }
  }
  ok(checked > boundSteps / 2, `${checked} of ${boundSteps} bound steps away from the walls`);
});

Deno.test("dimerization() splits dimers with frequency Pu per frame, within 5 binomial standard errors (n = 200, seed 1)", () => {
  const out = simulated;
  let boundFrames = 0;
  let splits = 0;
  for (let n = 0; n < out.count; n++) {
    for (let t = 1; t < out.length; t++) {
      const m = out.partners[n * out.length + t - 1];
      if (m <= n) continue;
      boundFrames++;
      if (out.partners[n * out.length + t] !== m) splits++;
    }
  }
  assertFrequency(splits, boundFrames, 0.1, "splitting per dimer frame");
});

Deno.test("dimerization() binds an isolated free pair with probability 1 - (1 - Pb)^2 (each member tries once), within 5 binomial standard errors (n = 200, seed 1)", () => {
  const out = simulated;
  const pb = crowded.bindingProbability!;
  let pairs = 0;
  let bound = 0;
  const free = (particle: number, t: number) => out.partners[particle * out.length + t] < 0;
  for (let t = 1; t < out.length; t++) {
    for (let n = 0; n < out.count; n++) {
      if (!free(n, t - 1)) continue;
      const close: number[] = [];
      for (let m = 0; m < out.count; m++) {
        if (m === n || !free(m, t - 1)) continue;
        const d = distance(out, n, m, t - 1);
        if (d > 0 && d < 2) close.push(m);
      }
      if (close.length !== 1 || close[0] < n) continue;
      const m = close[0];
      // Isolated: m has no other free neighbour either, so only n and m can bind each other.
      let isolated = true;
      for (let o = 0; o < out.count && isolated; o++) {
        if (o === n || o === m || !free(o, t - 1)) continue;
        const d = distance(out, m, o, t - 1);
        isolated = !(d > 0 && d < 2);
      }
      if (!isolated) continue;
      pairs++;
      if (out.partners[n * out.length + t] === m) bound++;
    }
  }
  assertFrequency(bound, pairs, 1 - (1 - pb) ** 2, "isolated pair binding");
});

Deno.test("dimerization() has geometric dimer lifetimes with mean 1 / Pu, within 5 standard errors (T = 1000, n = 60, seed 2)", () => {
  const count = 60;
  const length = 1000;
  const out = dimerization(count, length, createRng(2), {
    ...crowded,
    boxSize: 20,
    alphas: [1, 1],
    ks: [1, 0.05],
  });
  const lifetimes: number[] = [];
  for (let n = 0; n < count; n++) {
    for (const lifetime of completeDwells(out.stateNumbers, n, length, 1)) lifetimes.push(lifetime);
  }
  // Each dimer is counted once per member; the 2 copies are identical, so the effective
  // sample is half. Geometric with p = 0.1: mean 10, variance 90; the window bias (about
  // 90 / 1000 frames) is far below the tolerance.
  const tolerance = 5 * Math.sqrt(90 / (lifetimes.length / 2));
  ok(
    Math.abs(mean(lifetimes) - 10) < tolerance,
    `mean lifetime ${mean(lifetimes)} of ${lifetimes.length / 2}`,
  );
});

Deno.test("dimerization() labels each particle with its own monomer or dimer alpha and K, changing exactly at binding and splitting", () => {
  assertLabelsFollowStates(simulated);
  ok(simulated.states.every((code) => code === 2));
  const directed = dimerization(40, 50, createRng(3), { ...crowded, alphas: [1.95, 1] });
  for (let i = 0; i < directed.states.length; i++) {
    equal(directed.states[i], directed.stateNumbers[i] === 0 ? 3 : 2);
  }
});

Deno.test("dimerization() with stokes gives both members K = 1 / (1 / K_a + 1 / K_b) of their monomer K", () => {
  const out = dimerization(100, 100, createRng(4), { ...crowded, stokes: true });
  let checked = 0;
  for (let n = 0; n < out.count; n++) {
    for (let t = 1; t < out.length; t++) {
      const m = out.partners[n * out.length + t];
      if (m < 0) continue;
      const monomerN = out.ks[n * out.length];
      const monomerM = out.ks[m * out.length];
      const expected = 1 / (1 / monomerN + 1 / monomerM);
      ok(Math.abs(out.ks[n * out.length + t] - expected) < 1e-12, `pair ${n}-${m} frame ${t}`);
      checked++;
    }
  }
  ok(checked > 0);
});

Deno.test("dimerization() never binds with Pb = 0 and never splits with Pu = 0", () => {
  const never = dimerization(100, 100, createRng(5), { ...crowded, bindingProbability: 0 });
  ok(never.partners.every((partner) => partner === -1));
  const forever = dimerization(100, 100, createRng(5), { ...crowded, unbindingProbability: 0 });
  for (let n = 0; n < 100; n++) {
    for (let t = 1; t < 100; t++) {
      const previous = forever.partners[n * 100 + t - 1];
      if (previous >= 0) equal(forever.partners[n * 100 + t], previous);
    }
  }
});

Deno.test("dimerization() keeps every position in the box", () => {
  assertInBox(simulated.positions, crowded.boxSize!);
});

Deno.test("dimerization() gives the same bytes for the same seed", () => {
  assertSeedDeterminism((seed) =>
    dimerization(30, 80, createRng(seed), { ...crowded, boxSize: 15 })
  );
});

Deno.test("dimerization() throws when a probability, the radius, a distribution or a size is invalid", () => {
  const run = (options: DimerizationOptions) => () => dimerization(2, 10, createRng(1), options);
  const prefix = "Cannot simulate dimerization: ";
  throws(run({ unbindingProbability: 2 }), {
    name: "RangeError",
    message: `${prefix}unbindingProbability must be a probability in [0, 1], got 2`,
  });
  throws(run({ particleRadius: -1 }), {
    name: "RangeError",
    message: `${prefix}particleRadius must be a finite number > 0, got -1`,
  });
  throws(run({ alphas: [1] }), {
    name: "RangeError",
    message: `${prefix}alphas must hold one distribution per state (2), got 1`,
  });
  throws(run({ ks: [1, "fast" as unknown as number] }), {
    name: "TypeError",
    message: `${prefix}ks[1] must be a number or [mean, variance], got "fast"`,
  });
  throws(() => dimerization(2.5, 10, createRng(1)), {
    name: "RangeError",
    message: `${prefix}count must be an integer >= 1, got 2.5`,
  });
});
