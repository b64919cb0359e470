/**
 * Checks shared by the tests of the phenomenological simulators (not part of the API); the
 * statistics shared with the other simulator tests are in `../_testing.ts`.
 *
 * @module
 */

import { deepEqual, equal, notDeepEqual, ok } from "node:assert/strict";
import { asBytes } from "../_testing.ts";
import type { PhenomTrajectories } from "./labels.ts";

/** Frames t >= 1 of trajectory n where alpha, K or the state code differ from frame t-1. */
export function labelChangepoints(out: PhenomTrajectories, n: number): number[] {
  const changes: number[] = [];
  for (let t = 1; t < out.length; t++) {
    const i = n * out.length + t;
    if (
      out.alphas[i] !== out.alphas[i - 1] || out.ks[i] !== out.ks[i - 1] ||
      out.states[i] !== out.states[i - 1]
    ) {
      changes.push(t);
    }
  }
  return changes;
}

/** Frames t >= 1 of trajectory n where the model's state number differs from frame t-1. */
export function stateNumberChanges(out: PhenomTrajectories, n: number): number[] {
  const changes: number[] = [];
  for (let t = 1; t < out.length; t++) {
    const i = n * out.length + t;
    if (out.stateNumbers[i] !== out.stateNumbers[i - 1]) changes.push(t);
  }
  return changes;
}

/**
 * Asserts that, within each trajectory, the labels (alpha, K, state code) are a function of
 * the model's state number and differ between state numbers, so labels are constant within
 * segments and change exactly where the state number changes.
 */
export function assertLabelsFollowStates(out: PhenomTrajectories): void {
  for (let n = 0; n < out.count; n++) {
    const seen = new Map<number, string>();
    for (let t = 0; t < out.length; t++) {
      const i = n * out.length + t;
      const triple = `${out.alphas[i]}|${out.ks[i]}|${out.states[i]}`;
      const previous = seen.get(out.stateNumbers[i]);
      if (previous === undefined) seen.set(out.stateNumbers[i], triple);
      else {equal(
          triple,
          previous,
          `trajectory ${n} frame ${t}: labels of state ${out.stateNumbers[i]}`,
        );}
    }
    equal(new Set(seen.values()).size, seen.size, `trajectory ${n}: states have distinct labels`);
    deepEqual(labelChangepoints(out, n), stateNumberChanges(out, n), `trajectory ${n}`);
  }
}

/** Asserts every position lies in [0, boxSize]. */
export function assertInBox(positions: Float64Array, boxSize: number): void {
  for (let i = 0; i < positions.length; i++) {
    const x = positions[i];
    if (!(x >= 0 && x <= boxSize)) ok(false, `position value ${i} = ${x} outside [0, ${boxSize}]`);
  }
}

/** Every output array as bytes, for same-seed comparisons. */
function bytesOf(out: PhenomTrajectories): Uint8Array[] {
  return [out.positions, out.alphas, out.ks, out.states, out.stateNumbers].map(asBytes);
}

/** Asserts that `simulate(seed)` gives identical bytes for one seed and different for another. */
export function assertSeedDeterminism(simulate: (seed: number) => PhenomTrajectories): void {
  deepEqual(bytesOf(simulate(1)), bytesOf(simulate(1)));
  notDeepEqual(bytesOf(simulate(1))[0], bytesOf(simulate(2))[0]);
}

/**
 * Asserts an observed binomial frequency `hits / trials` is within `z` standard errors
 * sqrt(p (1 - p) / trials) of p.
 */
export function assertFrequency(
  hits: number,
  trials: number,
  p: number,
  what: string,
  z = 5,
): void {
  ok(trials > 0, `${what}: no trials`);
  const frequency = hits / trials;
  const tolerance = z * Math.sqrt(p * (1 - p) / trials);
  ok(
    Math.abs(frequency - p) <= tolerance,
    `${what}: ${hits} / ${trials} = ${frequency}, expected ${p} ± ${tolerance}`,
  );
}

/** Lengths of the runs of `value` in frames of trajectory n that start after frame 0 and end before the last frame. */
export function completeDwells(
  stateNumbers: Uint8Array,
  n: number,
  length: number,
  value: number,
): number[] {
  const dwells: number[] = [];
  // start is the first frame of the current run of `value`, or -1 when not in a run or in a
  // run that began at frame 0 (its true start is unknown).
  let start = -1;
  for (let t = 1; t < length; t++) {
    const previous = stateNumbers[n * length + t - 1];
    const current = stateNumbers[n * length + t];
    if (current === value && previous !== value) start = t;
    if (current !== value && previous === value) {
      if (start > 0) dwells.push(t - start);
      start = -1;
    }
  }
  return dwells;
}
