import { equal, notEqual, ok, throws } from "node:assert/strict";
import { createRng } from "../../rng.ts";
import { confinement, type ConfinementOptions } from "./confinement.ts";
import { distributeCompartments } from "./compartments.ts";
import { assertInBox, assertLabelsFollowStates, assertSeedDeterminism } from "./_testing.ts";

/** 20 compartments of radius 5 in a 60 px box: particles are confined a good part of the time. */
const caging: ConfinementOptions = {
  boxSize: 60,
  compartmentRadius: 5,
  compartmentCount: 20,
  transmittance: 0.1,
  alphas: [[1, 0.01], [0.8, 0.01]],
  ks: [[1, 0.01], [0.3, 0.01]],
};

const simulated = confinement(200, 200, createRng(1), caging);

Deno.test("confinement() keeps every confined frame within r of its compartment centre and labels it state 1 (n = 200, seed 1)", () => {
  const out = simulated;
  let confined = 0;
  let maxDistance = 0;
  for (let n = 0; n < out.count; n++) {
    const centers = out.compartmentCenters[n];
    for (let t = 0; t < out.length; t++) {
      const frame = n * out.length + t;
      const c = out.compartments[frame];
      equal(out.stateNumbers[frame], c >= 0 ? 1 : 0);
      equal(out.states[frame] === 1, c >= 0);
      if (c < 0) continue;
      confined++;
      const d = Math.hypot(
        out.positions[2 * frame] - centers[2 * c],
        out.positions[2 * frame + 1] - centers[2 * c + 1],
      );
      maxDistance = Math.max(maxDistance, d);
    }
  }
  // Round-off of a reflection about the centre is a few ulps of the coordinates (~1e-14 px).
  ok(maxDistance <= 5 + 1e-9, `max distance ${maxDistance}`);
  ok(confined > 0.2 * out.states.length, `${confined} confined frames`);
});

Deno.test("confinement() leaves free frames outside every compartment except right after a wall bounce (n = 200, seed 1)", () => {
  const out = simulated;
  // A free particle can sit inside a compartment only if the box reflection (applied after
  // the state update) put it there; it is then closer to a wall than the step that crossed
  // it, at most 10 free-step deviations sqrt(2 K) with K <= 1.1.
  const reach = 10 * Math.sqrt(2 * 1.1);
  let inside = 0;
  for (let n = 0; n < out.count; n++) {
    const centers = out.compartmentCenters[n];
    for (let t = 0; t < out.length; t++) {
      const frame = n * out.length + t;
      if (out.stateNumbers[frame] !== 0) continue;
      const [x, y] = [out.positions[2 * frame], out.positions[2 * frame + 1]];
      for (let c = 0; c < centers.length; c += 2) {
        if (Math.hypot(x - centers[c], y - centers[c + 1]) >= 5) continue;
        inside++;
        ok(
          Math.min(x, y, 60 - x, 60 - y) < reach,
          `trajectory ${n} frame ${t} inside, away from walls`,
        );
      }
    }
  }
  ok(inside < 0.001 * out.states.length, `${inside} free frames inside a compartment`);
});

Deno.test("confinement() lets a confined particle out with probability trans per boundary hit, within 5 binomial standard errors (n = 300, seed 2)", () => {
  // Confined steps with K = 100 (deviation 14 px per axis) against circles of radius 1 hit
  // the boundary unless |step| < 2r, probability 1 - exp(-(2r)^2 / (4K)) < 0.01; so the
  // per-frame leaving frequency is trans times a hit probability in [0.99, 1].
  const trans = 0.3;
  const out = confinement(300, 200, createRng(2), {
    boxSize: 30,
    compartmentRadius: 1,
    compartmentCount: 20,
    transmittance: trans,
    alphas: [1, 1],
    ks: [1, 100],
  });
  let confinedFrames = 0;
  let leaves = 0;
  for (let n = 0; n < out.count; n++) {
    for (let t = 1; t < out.length; t++) {
      const frame = n * out.length + t;
      const c = out.compartments[frame - 1];
      if (c < 0) continue;
      confinedFrames++;
      if (out.compartments[frame] !== c) leaves++;
    }
  }
  const missProbability = 1 - Math.exp(-4 / 400);
  const frequency = leaves / confinedFrames;
  const error = Math.sqrt(trans * (1 - trans) / confinedFrames);
  ok(
    frequency > trans * (1 - missProbability) - 5 * error && frequency < trans + 5 * error,
    `leaving frequency ${frequency} (${leaves} / ${confinedFrames}), expected in ` +
      `[${trans * (1 - missProbability)}, ${trans}] ± ${5 * error}`,
  );
});

Deno.test("confinement() with transmittance 0 never lets a confined particle out", () => {
  const out = confinement(100, 200, createRng(3), { ...caging, transmittance: 0 });
  let caught = 0;
  for (let n = 0; n < out.count; n++) {
    const row = out.compartments.subarray(n * out.length, (n + 1) * out.length);
    const first = row.findIndex((c) => c >= 0);
    if (first < 0) continue;
    caught++;
    ok(
      row.subarray(first).every((c) => c === row[first]),
      `trajectory ${n} left compartment ${row[first]}`,
    );
  }
  ok(caught > 10, `${caught} particles caught`);
});

Deno.test("confinement() labels the step t -> t+1 with the state at t: the step after entering has the confined K (n = 300, seed 4)", () => {
  const kFree = 10;
  const kConfined = 0.01;
  const out = confinement(300, 200, createRng(4), {
    ...caging,
    transmittance: 0,
    alphas: [1, 1],
    ks: [kFree, kConfined],
  });
  let after = 0;
  let into = 0;
  let entries = 0;
  for (let n = 0; n < out.count; n++) {
    for (let t = 1; t + 1 < out.length; t++) {
      const frame = n * out.length + t;
      if (!(out.stateNumbers[frame - 1] === 0 && out.stateNumbers[frame] === 1)) continue;
      entries++;
      const p = 2 * frame;
      into += (out.positions[p] - out.positions[p - 2]) ** 2 +
        (out.positions[p + 1] - out.positions[p - 1]) ** 2;
      after += (out.positions[p + 2] - out.positions[p]) ** 2 +
        (out.positions[p + 3] - out.positions[p + 1]) ** 2;
    }
  }
  // |step|^2 / (4 K) has mean 1 and variance 1 per step (reflection only shortens a step).
  const ratioAfter = after / entries / (4 * kConfined);
  ok(
    ratioAfter < 1 + 5 / Math.sqrt(entries),
    `after entry: |d|^2 / 4K_confined = ${ratioAfter} (${entries} entries)`,
  );
  ok(into / entries / (4 * kConfined) > 100, "the step into the entry frame is a free step");
});

Deno.test("confinement() labels follow the state: [alpha_1, K_1, 1] confined, [alpha_0, K_0, 2 or 3] free, changing exactly at entries and escapes", () => {
  assertLabelsFollowStates(simulated);
  const directed = confinement(50, 100, createRng(5), { ...caging, alphas: [1.95, 1] });
  for (let i = 0; i < directed.states.length; i++) {
    equal(directed.states[i], directed.stateNumbers[i] === 1 ? 1 : 3);
  }
});

Deno.test("confinement() uses one given layout for every particle and draws a new one per particle otherwise", () => {
  const centers = distributeCompartments(25, 4, 60, createRng(6));
  const shared = confinement(20, 100, createRng(6), { ...caging, compartmentCenters: centers });
  ok(shared.compartmentCenters.every((layout) => layout === centers));
  notEqual(simulated.compartmentCenters[0][0], simulated.compartmentCenters[1][0]);
  equal(simulated.compartmentCenters[0].length, 40);
});

Deno.test("confinement() starts a particle confined exactly when it starts closer than r to a centre", () => {
  const out = simulated;
  for (let n = 0; n < out.count; n++) {
    const centers = out.compartmentCenters[n];
    const [x, y] = [out.positions[2 * n * out.length], out.positions[2 * n * out.length + 1]];
    let inside = false;
    for (let c = 0; c < centers.length; c += 2) {
      inside ||= Math.hypot(x - centers[c], y - centers[c + 1]) < 5;
    }
    equal(out.stateNumbers[n * out.length], inside ? 1 : 0, `trajectory ${n}`);
  }
});

Deno.test("confinement() keeps every position in the box", () => {
  assertInBox(simulated.positions, 60);
});

Deno.test("confinement() gives the same bytes for the same seed", () => {
  assertSeedDeterminism((seed) => confinement(20, 100, createRng(seed), caging));
});

Deno.test("confinement() throws when the radius, layout, transmittance, a constraint or a size is invalid", () => {
  const run = (options: ConfinementOptions) => () => confinement(2, 10, createRng(1), options);
  const prefix = "Cannot simulate confinement: ";
  throws(run({ transmittance: 1.2 }), {
    name: "RangeError",
    message: `${prefix}transmittance must be a probability in [0, 1], got 1.2`,
  });
  throws(run({ compartmentRadius: 0 }), {
    name: "RangeError",
    message: `${prefix}compartmentRadius must be a finite number > 0, got 0`,
  });
  throws(run({ compartmentRadius: 60 }), {
    name: "RangeError",
    message: `${prefix}boxSize must exceed the compartment diameter 120, got 100`,
  });
  throws(run({ compartmentCount: 0 }), {
    name: "RangeError",
    message: `${prefix}compartmentCount must be an integer >= 1, got 0`,
  });
  throws(run({ compartmentCenters: Float64Array.of(1) }), {
    name: "TypeError",
    message: `${prefix}compartmentCenters must be a Float64Array of shape [Nc, 2], got length 1`,
  });
  throws(run({ epsilonAlpha: [] }), {
    name: "RangeError",
    message: `${prefix}epsilonAlpha must hold one value per pair of consecutive states (1), got 0`,
  });
  throws(run({ ks: [1] }), {
    name: "RangeError",
    message: `${prefix}ks must hold one distribution per state (2), got 1`,
  });
  throws(() => confinement(1, -2, createRng(1)), {
    name: "RangeError",
    message: `${prefix}length must be an integer >= 1, got -2`,
  });
});
