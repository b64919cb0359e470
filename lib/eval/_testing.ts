/**
 * Helpers shared by the tests of segment pairing, segment metrics and single-trajectory scoring
 * (not part of the API).
 *
 * @module
 */

import { ok } from "node:assert/strict";
import type { SegmentedTrack } from "./segments.ts";

/** Asserts |actual - expected| <= tolerance, naming the quantity in the message. */
export function close(actual: number, expected: number, tolerance: number, what: string): void {
  ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );
}

/** A track whose segment k has alpha 0.1 (k + 1), K 0.5 (k + 1) and state 2. */
export function track(changepoints: number[], length = 200): SegmentedTrack {
  const segments = changepoints.length + 1;
  return {
    changepoints,
    alphas: Array.from({ length: segments }, (_, k) => 0.1 * (k + 1)),
    ks: Array.from({ length: segments }, (_, k) => 0.5 * (k + 1)),
    states: new Array<number>(segments).fill(2),
    length,
  };
}
