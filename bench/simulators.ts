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
  return count / ((performance.now() - start) / 1000);
}

/** Measures every simulator; `seconds` is the time budget per model. */
export function benchSimulators(seconds = 1): SimulatorRow[] {
  return THEORY.map((item) => ({
    model: item.model,
    length: item.length,
    trajPerSecond: throughput(item, seconds),
    reference: item.reference,
    goal: item.goal,
  }));
}
