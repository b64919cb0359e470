/**
 * Simulator throughput: trajectories per second of each model, next to the reference package's
 * figures measured on this kind of machine (shared anchors, andi_datasets 2.1.13 with numpy) as a
 * ratio. Each model runs for a fixed time budget after a warm-up.
 *
 * @module
 */

import { createRng, type Rng } from "../lib/rng.ts";
import { annealedTransientTimeModel } from "../lib/sim/attm.ts";
import { continuousTimeRandomWalk } from "../lib/sim/ctrw.ts";
import { fractionalBrownianMotion } from "../lib/sim/fbm.ts";
import { levyWalk } from "../lib/sim/levy_walk.ts";
import { scaledBrownianMotion } from "../lib/sim/sbm.ts";
import {
  confinement,
  dimerization,
  immobileTraps,
  multiState,
  singleState,
} from "../lib/sim/phenom/mod.ts";

/** One benchmark row. */
export interface SimulatorRow {
  model: string;
  length: number;
  trajPerSecond: number;
  reference: number;
  goal: number;
}

interface Case {
  model: string;
  length: number;
  reference: number;
  goal: number;
  /** Trajectories one call makes. @default {1} */
  particles?: number;
  run(rng: Rng): void;
}

const T = 1000;
const THEORY: Case[] = [
  {
    model: "ATTM",
    length: T,
    reference: 971,
    goal: 1,
    run: (rng) => void annealedTransientTimeModel(T, 0.5, rng, { dim: 2 }),
  },
  {
    model: "CTRW",
    length: T,
    reference: 12_651,
    goal: 1,
    run: (rng) => void continuousTimeRandomWalk(T, 0.5, rng, { dim: 2 }),
  },
  {
    model: "FBM",
    length: T,
    reference: 4_696,
    goal: 3,
    run: (rng) => void fractionalBrownianMotion(T, 0.7, rng, { dim: 2 }),
  },
  {
    model: "LW",
    length: T,
    reference: 183,
    goal: 1,
    run: (rng) => void levyWalk(T, 1.5, rng, { dim: 2 }),
  },
  {
    model: "SBM",
    length: T,
    reference: 11_970,
    goal: 1,
    run: (rng) => void scaledBrownianMotion(T, 0.5, rng, { dim: 2 }),
  },
];

// AnDi-2 models with challenge-default settings (andi-models.md §5.1-5.2), 50 particles per
// call as in one experiment; the reference figures count particles (model only, no FOV cut).
const N = 50;
const L = 230.4;
const FAST_SLOW = {
  alphas: [[1, 0.01], [0.6, 0.01]],
  ks: [[1, 0.01], [0.05, 0.0005]],
} as const;
const PHENOM: Case[] = [
  {
    model: "single_state",
    length: 200,
    reference: 612,
    goal: 1,
    particles: N,
    run: (rng) => void singleState(N, 200, rng, { alphas: [1, 0.01], ks: [1, 0.01], boxSize: L }),
  },
  {
    model: "multi_state",
    length: 200,
    reference: 229,
    goal: 1,
    particles: N,
    run: (rng) =>
      void multiState(N, 200, rng, {
        ...structuredClone(FAST_SLOW),
        transitionMatrix: [[0.99, 0.01], [0.01, 0.99]],
        boxSize: L,
      }),
  },
  {
    model: "immobile_traps",
    length: 200,
    reference: 75,
    goal: 1,
    particles: N,
    run: (rng) =>
      void immobileTraps(N, 200, rng, {
        boxSize: L,
        trapCount: 300,
        trapRadius: 0.4,
        unbindingProbability: 0.01,
        bindingProbability: 1,
        alphas: [1, 0.01],
        ks: [1, 0.01],
      }),
  },
  {
    model: "dimerization",
    length: 200,
    reference: 496,
    goal: 1,
    particles: N,
    run: (rng) =>
      void dimerization(N, 200, rng, {
        ...structuredClone(FAST_SLOW),
        boxSize: L,
        particleRadius: 0.6,
        unbindingProbability: 0.01,
        bindingProbability: 1,
      }),
  },
  {
    model: "confinement",
    length: 200,
    reference: 250,
    goal: 1,
    particles: N,
    run: (rng) =>
      void confinement(N, 200, rng, {
        ...structuredClone(FAST_SLOW),
        boxSize: L,
        compartmentRadius: 5,
        compartmentCount: 30,
        transmittance: 0.1,
      }),
  },
];

function throughput(item: Case, seconds: number): number {
  const rng = createRng(1).stream(item.model);
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) item.run(rng);
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 10; i++) item.run(rng);
    count += 10;
  }
  return count * (item.particles ?? 1) / ((performance.now() - start) / 1000);
}

/** Measures every simulator; `seconds` is the time budget per model. */
export function benchSimulators(seconds = 1): SimulatorRow[] {
  return [...THEORY, ...PHENOM].map((item) => ({
    model: item.model,
    length: item.length,
    trajPerSecond: throughput(item, seconds),
    reference: item.reference,
    goal: item.goal,
  }));
}
