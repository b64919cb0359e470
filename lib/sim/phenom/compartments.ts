/**
 * Circular compartments of the AnDi-2 confinement model (andi-models.md §4.5): their layout
 * in the box and the specular reflection that keeps a confined particle inside its circle.
 *
 * @module
 */

import type { Rng } from "../../rng.ts";
import { checkBoxSize } from "./box.ts";
import { checkPositive, checkPositiveInteger } from "./_checks.ts";

/** Reflections after which a grazing path is pulled straight back inside (see below). */
const MAX_REFLECTIONS = 1000;

/**
 * Places up to `count` non-overlapping circles of radius r in the box [0, L]^2 (the
 * reference's `_distribute_circular_compartments`): the first centre is uniform in
 * [r, L - r]^2; each further candidate, uniform in the same square, is kept when it is
 * farther than 2r from every kept centre. Placement stops at `count` centres or after
 * 100 count candidates, so fewer centres come back when the box is crowded; check the
 * length of the result.
 *
 * @param count number of compartments wanted Nc, integer >= 1
 * @param radius compartment radius r (px), > 0
 * @param boxSize side L of the box (px), > 2r
 * @param rng random stream
 * @returns centres, shape [n, 2] flattened, 1 <= n <= count
 * @throws {RangeError} when count, radius or the box is out of range, or L <= 2r
 *
 * @example Thirty compartments of radius 5 in the AnDi-2 box
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createRng } from "../../rng.ts";
 * import { distributeCompartments } from "./compartments.ts";
 * const centers = distributeCompartments(30, 5, 230.4, createRng(5));
 * equal(centers.length, 60);
 * ```
 */
export function distributeCompartments(
  count: number,
  radius: number,
  boxSize: number,
  rng: Rng,
): Float64Array {
  const action = "distribute compartments";
  checkPositiveInteger(action, "count", count);
  checkPositive(action, "radius", radius);
  checkBoxSize(action, boxSize);
  if (!(boxSize > 2 * radius)) {
    throw new RangeError(
      `Cannot ${action}: boxSize must exceed the compartment diameter ${
        2 * radius
      }, got ${boxSize}`,
    );
  }
  const span = boxSize - 2 * radius;
  const centers = new Float64Array(2 * count);
  centers[0] = radius + span * rng.uniform();
  centers[1] = radius + span * rng.uniform();
  let placed = 1;
  const minimumSquared = 4 * radius * radius;
  for (let candidates = 0; placed < count && candidates < 100 * count; candidates++) {
    const x = radius + span * rng.uniform();
    const y = radius + span * rng.uniform();
    let apart = true;
    for (let i = 0; i < placed && apart; i++) {
      const dx = x - centers[2 * i];
      const dy = y - centers[2 * i + 1];
      apart = dx * dx + dy * dy > minimumSquared;
    }
    if (apart) {
      centers[2 * placed] = x;
      centers[2 * placed + 1] = y;
      placed++;
    }
  }
  return placed === count ? centers : centers.slice(0, 2 * placed);
}

/**
 * Moves a particle that tried to leave a circle from `from` (inside) to `to` (outside) back
 * inside by specular reflection: the path is followed to where it crosses the circle, the
 * remaining part is mirrored about the tangent there, and this repeats until the end point
 * is inside. Path length is preserved.
 *
 * A path that hits the circle at a grazing angle bounces along the rim with tiny chords;
 * after 1000 reflections the remaining end point is pulled radially just inside instead, so
 * the loop always ends. A `from` point outside the circle (possible only through round-off
 * or a compartment cut by the box wall) is first moved radially onto the circle.
 *
 * @param centerX x of the circle centre (px)
 * @param centerY y of the circle centre (px)
 * @param radius circle radius (px), > 0
 * @param fromX x where the step started
 * @param fromY y where the step started
 * @param toX x where the unconstrained step ended
 * @param toY y where the unconstrained step ended
 * @returns the reflected end point [x, y], at distance <= radius from the centre
 *
 * @example A radial step bounces straight back
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { reflectIntoCompartment } from "./compartments.ts";
 * // From the centre 1.5 to the right in a unit circle: 0.5 beyond the rim, back to x = 0.5.
 * const [x, y] = reflectIntoCompartment(0, 0, 1, 0, 0, 1.5, 0);
 * ok(Math.abs(x - 0.5) < 1e-12 && Math.abs(y) < 1e-12);
 * ```
 */
export function reflectIntoCompartment(
  centerX: number,
  centerY: number,
  radius: number,
  fromX: number,
  fromY: number,
  toX: number,
  toY: number,
): [number, number] {
  const radiusSquared = radius * radius;
  // Work relative to the centre.
  let bx = fromX - centerX;
  let by = fromY - centerY;
  let ex = toX - centerX;
  let ey = toY - centerY;
  const startSquared = bx * bx + by * by;
  if (startSquared > radiusSquared) {
    const scale = radius / Math.sqrt(startSquared);
    bx *= scale;
    by *= scale;
  }
  for (let reflections = 0; ex * ex + ey * ey > radiusSquared; reflections++) {
    if (reflections === MAX_REFLECTIONS) {
      const scale = radius * (1 - 1e-12) / Math.sqrt(ex * ex + ey * ey);
      ex *= scale;
      ey *= scale;
      break;
    }
    // Crossing: the larger root s of |b + s (e - b)| = r; s in [0, 1] since b is inside
    // (or on) the circle and e outside.
    const dx = ex - bx;
    const dy = ey - by;
    const a = dx * dx + dy * dy;
    const half = bx * dx + by * dy;
    const c = bx * bx + by * by - radiusSquared;
    const s = Math.min(1, Math.max(0, (-half + Math.sqrt(Math.max(0, half * half - a * c))) / a));
    const px = bx + s * dx;
    const py = by + s * dy;
    const norm = Math.sqrt(px * px + py * py);
    const nx = px / norm;
    const ny = py / norm;
    // Mirror the overshoot e - p about the tangent: flip its normal component.
    const overshootNormal = (ex - px) * nx + (ey - py) * ny;
    ex -= 2 * overshootNormal * nx;
    ey -= 2 * overshootNormal * ny;
    bx = px;
    by = py;
  }
  return [centerX + ex, centerY + ey];
}
