/**
 * Mean squared displacements. The ensemble MSD averages |x(t) - x(0)|^2 over trajectories; the
 * time-averaged MSD (TAMSD) of one trajectory averages |x(s + lag) - x(s)|^2 over s.
 *
 * @module
 */

/**
 * Ensemble-averaged MSD at lags 1..maxLag, summed over axes.
 *
 * @param positions trajectories of shape [count, length, dim], flattened
 * @param shape `[count, length, dim]`
 * @param maxLag largest lag (frames), < length
 * @returns Float64Array of length maxLag; entry i is the MSD at lag i + 1
 * @throws {RangeError} when the shape does not match or maxLag is out of range
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { ensembleMsd } from "./msd.ts";
 * // one 1-D trajectory 0, 1, 3: displacements from the start are 1 and 3
 * deepEqual([...ensembleMsd(new Float64Array([0, 1, 3]), [1, 3, 1], 2)], [1, 9]);
 * ```
 */
export function ensembleMsd(
  positions: ArrayLike<number>,
  shape: [number, number, number],
  maxLag: number,
): Float64Array {
  const [count, length, dim] = shape;
  checkShape("ensemble MSD", positions, shape, maxLag);
  const msd = new Float64Array(maxLag);
  for (let n = 0; n < count; n++) {
    const base = n * length * dim;
    for (let lag = 1; lag <= maxLag; lag++) {
      let sum = 0;
      for (let axis = 0; axis < dim; axis++) {
        const d = positions[base + lag * dim + axis] - positions[base + axis];
        sum += d * d;
      }
      msd[lag - 1] += sum / count;
    }
  }
  return msd;
}

/**
 * Time-averaged MSD of each trajectory at lags 1..maxLag, summed over axes.
 *
 * @param positions trajectories of shape [count, length, dim], flattened
 * @param shape `[count, length, dim]`
 * @param maxLag largest lag (frames), < length
 * @returns Float64Array of shape [count, maxLag]
 * @throws {RangeError} when the shape does not match or maxLag is out of range
 */
export function timeAveragedMsd(
  positions: ArrayLike<number>,
  shape: [number, number, number],
  maxLag: number,
): Float64Array {
  const [count, length, dim] = shape;
  checkShape("time-averaged MSD", positions, shape, maxLag);
  const tamsd = new Float64Array(count * maxLag);
  for (let n = 0; n < count; n++) {
    const base = n * length * dim;
    for (let lag = 1; lag <= maxLag; lag++) {
      let sum = 0;
      for (let s = 0; s + lag < length; s++) {
        for (let axis = 0; axis < dim; axis++) {
          const d = positions[base + (s + lag) * dim + axis] - positions[base + s * dim + axis];
          sum += d * d;
        }
      }
      tamsd[n * maxLag + lag - 1] = sum / (length - lag);
    }
  }
  return tamsd;
}

function checkShape(
  what: string,
  positions: ArrayLike<number>,
  shape: [number, number, number],
  maxLag: number,
): void {
  const [count, length, dim] = shape;
  if (positions.length !== count * length * dim) {
    throw new RangeError(
      `Cannot compute ${what}: positions hold ${positions.length} values, shape [${shape}] needs ${
        count * length * dim
      }`,
    );
  }
  if (!Number.isInteger(maxLag) || maxLag < 1 || maxLag >= length) {
    throw new RangeError(
      `Cannot compute ${what}: maxLag must be an integer in [1, ${length - 1}], got ${maxLag}`,
    );
  }
}
