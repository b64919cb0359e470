import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng } from "../../rng.ts";
import { ensembleMsd } from "../../features/msd.ts";
import { mean } from "../_testing.ts";
import {
  immobileTraps,
  type ImmobileTrapsOptions,
  type ImmobileTrapsTrajectories,
} from "./immobile_traps.ts";
import {
  assertFrequency,
  assertInBox,
  assertLabelsFollowStates,
  assertSeedDeterminism,
  completeDwells,
} from "./_testing.ts";

/** A crowded setting where particles are trapped often: 40 traps of radius 1 in a 20 px box. */
const crowded: ImmobileTrapsOptions = {
  boxSize: 20,
  trapCount: 40,
  trapRadius: 1,
  unbindingProbability: 0.1,
  bindingProbability: 0.3,
  alphas: [1, 0.01],
  ks: [1, 0.01],
};

function nearTrap(out: ImmobileTrapsTrajectories, frame: number, radius: number): boolean {
  for (let j = 0; j < out.traps.length; j += 2) {
    const dx = out.positions[2 * frame] - out.traps[j];
    const dy = out.positions[2 * frame + 1] - out.traps[j + 1];
    if (dx * dx + dy * dy < radius * radius) return true;
  }
  return false;
}

Deno.test("immobileTraps() unbinds trapped particles with frequency Pu and binds free ones within r of a trap with frequency Pb, within 5 binomial standard errors (n = 200, seed 1)", () => {
  const count = 200;
  const length = 200;
  const out = immobileTraps(count, length, createRng(1), crowded);
  let trappedFrames = 0;
  let escapes = 0;
  let nearFrames = 0;
  let bindings = 0;
  for (let n = 0; n < count; n++) {
    for (let t = 1; t < length; t++) {
      const frame = n * length + t;
      const wasTrapped = out.stateNumbers[frame - 1] === 1;
      const trapped = out.stateNumbers[frame] === 1;
      if (wasTrapped) {
        trappedFrames++;
        if (!trapped) escapes++;
      } else if (nearTrap(out, frame - 1, 1)) {
        nearFrames++;
        if (trapped) bindings++;
      } else {
        ok(!trapped, `trajectory ${n} frame ${t}: bound farther than r from every trap`);
      }
    }
  }
  assertFrequency(escapes, trappedFrames, 0.1, "unbinding per trapped frame");
  assertFrequency(bindings, nearFrames, 0.3, "binding per free frame within r of a trap");
});

Deno.test("immobileTraps() has geometric trapped dwell times with mean 1 / Pu, within 5 standard errors (T = 1000, n = 100, seed 2)", () => {
  const count = 100;
  const length = 1000;
  const out = immobileTraps(count, length, createRng(2), {
    ...crowded,
    bindingProbability: 1,
    alphas: 1,
    ks: 1,
  });
  const dwells: number[] = [];
  for (let n = 0; n < count; n++) dwells.push(...completeDwells(out.stateNumbers, n, length, 1));
  // Geometric with p = 0.1: mean 10, variance (1 - p) / p^2 = 90. Keeping only dwells that end
  // inside the window biases the mean by about 90 / 1000 frames, well inside the tolerance.
  const tolerance = 5 * Math.sqrt(90 / dwells.length);
  ok(Math.abs(mean(dwells) - 10) < tolerance, `mean dwell ${mean(dwells)} of ${dwells.length}`);
});

Deno.test("immobileTraps() never moves a trapped particle and labels its frames [0, 0, 0]", () => {
  const count = 100;
  const length = 200;
  const out = immobileTraps(count, length, createRng(3), crowded);
  let trappedFrames = 0;
  for (let n = 0; n < count; n++) {
    equal(out.stateNumbers[n * length], 0, "frame 0 is free");
    for (let t = 1; t < length; t++) {
      const frame = n * length + t;
      if (out.stateNumbers[frame] !== 1) continue;
      trappedFrames++;
      equal(out.positions[2 * frame], out.positions[2 * frame - 2]);
      equal(out.positions[2 * frame + 1], out.positions[2 * frame - 1]);
      deepEqual([out.alphas[frame], out.ks[frame], out.states[frame]], [0, 0, 0]);
    }
  }
  ok(trappedFrames > 1000, `${trappedFrames} trapped frames`);
  assertLabelsFollowStates(out);
  assertInBox(out.positions, 20);
});

Deno.test("immobileTraps() free frames carry the particle's alpha and K with state 2, or 3 when alpha >= 1.9", () => {
  const out = immobileTraps(50, 100, createRng(4), { ...crowded, alphas: [1.9, 0.0004] });
  let directed = 0;
  for (let i = 0; i < out.states.length; i++) {
    if (out.stateNumbers[i] === 1) continue;
    equal(out.states[i], out.alphas[i] >= 1.9 ? 3 : 2);
    if (out.states[i] === 3) directed++;
  }
  ok(directed > 0, "some particles are directed");
});

Deno.test("immobileTraps() free steps have variance 2 K dt per axis within 5 standard errors (alpha 1, K 0.5, dt 2, n = 200, seed 5)", () => {
  const count = 200;
  const length = 200;
  const boxSize = 1000;
  const out = immobileTraps(count, length, createRng(5), {
    boxSize,
    trapCount: 500,
    trapRadius: 4,
    bindingProbability: 0.5,
    unbindingProbability: 0.2,
    alphas: 1,
    ks: 0.5,
    dt: 2,
  });
  let sum = 0;
  let steps = 0;
  // A step from more than 10 step standard deviations (sqrt(2 K dt) = sqrt 2) from every
  // wall cannot be reflected; white-noise steps do not depend on where the particle is.
  const margin = 10 * Math.SQRT2;
  for (let n = 0; n < count; n++) {
    for (let t = 1; t < length; t++) {
      const frame = n * length + t;
      if (out.stateNumbers[frame] !== 0) continue;
      for (let axis = 0; axis < 2; axis++) {
        const previous = out.positions[2 * frame - 2 + axis];
        if (previous < margin || previous > boxSize - margin) continue;
        sum += (out.positions[2 * frame + axis] - previous) ** 2;
        steps++;
      }
    }
  }
  const ratio = sum / steps / 2;
  const tolerance = 5 * Math.sqrt(2 / steps);
  ok(Math.abs(ratio - 1) < tolerance, `variance / (2 K dt) = ${ratio} ± ${tolerance}`);
});

Deno.test("immobileTraps() without binding is free FBM: ensemble MSD 4 K t^alpha at lags 1..20 within 5 standard errors (alpha 0.7, n = 3000, seed 6)", () => {
  const count = 3000;
  const out = immobileTraps(count, 21, createRng(6), {
    boxSize: 1e5,
    bindingProbability: 0,
    alphas: 0.7,
    ks: 1,
  });
  ok(out.stateNumbers.every((state) => state === 0));
  const msd = ensembleMsd(out.positions, [count, 21, 2], 20);
  // |x_t - x_0|^2 / (4 K t^alpha) has mean 1 and variance 1 (chi-square 2 over 2); a wall
  // reflection needs a start within ~10 px of a wall of a 1e5 px box (probability 4e-4).
  const tolerance = 5 / Math.sqrt(count);
  msd.forEach((value, i) => {
    const ratio = value / (4 * (i + 1) ** 0.7);
    ok(Math.abs(ratio - 1) < tolerance, `lag ${i + 1}: ${ratio}`);
  });
});

Deno.test("immobileTraps() uses given traps and places drawn ones uniformly in the box", () => {
  const traps = Float64Array.of(5, 5, 15, 15);
  const given = immobileTraps(10, 50, createRng(7), { boxSize: 20, traps });
  equal(given.traps, traps);
  const drawn = immobileTraps(1, 2, createRng(7), { boxSize: 50, trapCount: 3000 });
  equal(drawn.traps.length, 6000);
  assertInBox(drawn.traps, 50);
  // Uniform on [0, L]: mean L / 2 with standard error L / sqrt(12 n).
  ok(Math.abs(mean(drawn.traps) - 25) < 5 * 50 / Math.sqrt(12 * 6000));
});

Deno.test("immobileTraps() keeps a particle trapped forever when Pu = 0", () => {
  const out = immobileTraps(100, 100, createRng(8), { ...crowded, unbindingProbability: 0 });
  for (let n = 0; n < 100; n++) {
    const row = out.stateNumbers.subarray(n * 100, (n + 1) * 100);
    const firstTrapped = row.indexOf(1);
    if (firstTrapped >= 0) ok(row.subarray(firstTrapped).every((state) => state === 1));
  }
});

Deno.test("immobileTraps() gives the same bytes for the same seed", () => {
  assertSeedDeterminism((seed) => immobileTraps(20, 100, createRng(seed), crowded));
});

Deno.test("immobileTraps() throws when a probability, radius, trap list or size is invalid", () => {
  const run = (options: ImmobileTrapsOptions) => () => immobileTraps(2, 10, createRng(1), options);
  const prefix = "Cannot simulate immobile_traps: ";
  throws(run({ unbindingProbability: 1.5 }), {
    name: "RangeError",
    message: `${prefix}unbindingProbability must be a probability in [0, 1], got 1.5`,
  });
  throws(run({ bindingProbability: -0.1 }), {
    name: "RangeError",
    message: `${prefix}bindingProbability must be a probability in [0, 1], got -0.1`,
  });
  throws(run({ trapRadius: 0 }), {
    name: "RangeError",
    message: `${prefix}trapRadius must be a finite number > 0, got 0`,
  });
  throws(run({ trapCount: 2.5 }), {
    name: "RangeError",
    message: `${prefix}trapCount must be an integer >= 1, got 2.5`,
  });
  throws(run({ traps: Float64Array.of(1, 2, 3) }), {
    name: "TypeError",
    message: `${prefix}traps must be a Float64Array of shape [Nt, 2], got length 3`,
  });
  throws(run({ dt: 0 }), {
    name: "RangeError",
    message: `${prefix}dt must be a finite number > 0, got 0`,
  });
  throws(run({ boxSize: NaN }), {
    name: "RangeError",
    message: `${prefix}boxSize must be a finite number > 0, got NaN`,
  });
  throws(() => immobileTraps(-1, 10, createRng(1)), {
    name: "RangeError",
    message: `${prefix}count must be an integer >= 1, got -1`,
  });
});
