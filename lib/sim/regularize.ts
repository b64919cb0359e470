/**
 * Regularisation of an event-driven walk onto integer frames (andi-models.md §1.3,
 * `utils_trajectories.regularize`): the walker holds each position until its next event, and
 * frame `f` records where it is at time `f`.
 *
 * @module
 */

/** Options of {@linkcode regularize}. */
export interface RegularizeOptions {
  /** Spatial dimensions of `positions` (values per event). @default {1} */
  dim?: number;
}

/**
 * Samples a piecewise-constant walk on the integer frames 0..length-1.
 *
 * `positions[i]` (a `dim`-vector) is occupied from the previous event time (0 for i = 0) until
 * `times[i]`, so `times[i]` is the time at which the walker leaves `positions[i]` and the last
 * time only closes the last interval. Frame `f` takes `positions[i]` for the interval with
 * floor(start) <= f < floor(times[i]); an interval that starts and ends in the same frame leaves
 * no trace. Frames at or after floor(last time) are left at 0, as in the reference; finally the
 * frame-0 vector is subtracted from every frame, so the walk starts at the origin (and frames
 * left at 0 become minus the frame-0 vector, a reference quirk kept on purpose). Continuous-time
 * random walks (andi-models.md §2.2) pass event times that run past `length`, which makes the
 * quirk unreachable there.
 *
 * @param positions event positions of shape [times.length, dim], event-major
 * @param times non-decreasing times (frames, >= 0; `Infinity` allowed) at which each position is left
 * @param length number of output frames, an integer >= 1
 * @param options see {@linkcode RegularizeOptions}
 * @returns Float64Array of shape [length, dim], frame-major, with frame 0 at the origin
 * @throws {RangeError} when length or dim is not a positive integer, positions do not hold
 * times.length * dim values, or times are negative, NaN or decreasing
 *
 * @example Holding positions between events
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { regularize } from "./regularize.ts";
 * // at 0 until t = 1.5, at 1 until t = 2.2, at 3 until t = 4.7; frames 4 and 5 are past the end
 * const walk = regularize([0, 1, 3], [1.5, 2.2, 4.7], 6);
 * deepEqual([...walk], [0, 1, 3, 3, 0, 0]);
 * ```
 */
export function regularize(
  positions: ArrayLike<number>,
  times: ArrayLike<number>,
  length: number,
  options: RegularizeOptions = {},
): Float64Array {
  const { dim = 1 } = options;
  if (!Number.isInteger(length) || length < 1) {
    throw new RangeError(
      `Cannot regularize trajectory: length must be an integer >= 1, got ${length}`,
    );
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`Cannot regularize trajectory: dim must be an integer >= 1, got ${dim}`);
  }
  const count = times.length;
  if (positions.length !== count * dim) {
    throw new RangeError(
      `Cannot regularize trajectory: positions must hold times.length * dim = ${
        count * dim
      } values, got ${positions.length}; pass one ${dim}-vector per event time`,
    );
  }
  let previous = 0;
  for (let i = 0; i < count; i++) {
    if (!(times[i] >= previous)) {
      throw new RangeError(
        `Cannot regularize trajectory: times must be non-negative and non-decreasing, got ${
          times[i]
        } at index ${i} after ${previous}`,
      );
    }
    previous = times[i];
  }

  const walk = new Float64Array(length * dim);
  let start = 0;
  for (let i = 0; i < count && start < length; i++) {
    const end = Math.min(Math.floor(times[i]), length);
    for (let frame = start; frame < end; frame++) {
      for (let axis = 0; axis < dim; axis++) walk[frame * dim + axis] = positions[i * dim + axis];
    }
    start = end;
  }
  for (let axis = 0; axis < dim; axis++) {
    const origin = walk[axis];
    if (origin === 0) continue;
    for (let index = axis; index < walk.length; index += dim) walk[index] -= origin;
  }
  return walk;
}
