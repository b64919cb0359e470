/**
 * The reflecting square box [0, L]^dim of the AnDi-2 models (andi-models.md §4): after each
 * step, a coordinate above L is mapped to 2L - x and one below 0 to -x, repeatedly, until it
 * lies in [0, L].
 *
 * @module
 */

/**
 * Reflects one coordinate into [0, L] at the walls 0 and L.
 *
 * The reference repeats x > L -> 2L - x and x < 0 -> -x until the value is inside; that
 * composition is the triangle wave of period 2L, computed here in one step so that a step
 * many boxes long (large K) costs the same as a short one.
 *
 * @param coordinate position along one axis (px)
 * @param boxSize side L of the box (px), > 0
 * @returns the reflected coordinate, in [0, L]
 *
 * @example Reflection at both walls
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { reflectIntoBox } from "./box.ts";
 * equal(reflectIntoBox(-0.5, 10), 0.5);
 * equal(reflectIntoBox(12, 10), 8);
 * equal(reflectIntoBox(23, 10), 3); // 23 -> -3 -> 3
 * equal(reflectIntoBox(4, 10), 4);
 * ```
 */
export function reflectIntoBox(coordinate: number, boxSize: number): number {
  if (coordinate >= 0 && coordinate <= boxSize) return coordinate;
  const folded = Math.abs(coordinate) % (2 * boxSize);
  return folded > boxSize ? 2 * boxSize - folded : folded;
}

/**
 * Checks a box side before any simulation work.
 *
 * @param action what the caller was doing, e.g. `"simulate dimerization"`
 * @param boxSize side L (px)
 * @throws {RangeError} when L is not a finite number > 0
 *
 * @example
 * ```ts
 * import { throws } from "node:assert/strict";
 * import { checkBoxSize } from "./box.ts";
 * checkBoxSize("simulate", 100);
 * throws(() => checkBoxSize("simulate", 0), RangeError);
 * ```
 */
export function checkBoxSize(action: string, boxSize: number): void {
  if (typeof boxSize !== "number" || !(boxSize > 0 && Number.isFinite(boxSize))) {
    throw new RangeError(
      `Cannot ${action}: boxSize must be a finite number > 0, got ${boxSize}`,
    );
  }
}
