/**
 * Checks of segmented tracks shared by segment pairing and scoring (not part of the API); each
 * error names the caller's action and the side (truth or predicted, and the track when scoring).
 *
 * @module
 */

import type { SegmentedTrack } from "./segments.ts";

/** Throws a RangeError for a bad length or changepoint, a value list without one value per
 * segment, or (for the truth) a non-finite value. */
export function checkTrack(
  action: string,
  side: string,
  track: SegmentedTrack,
  isTruth: boolean,
): void {
  checkChangepointsInTrack(action, side, track.changepoints, track.length);
  const segments = track.changepoints.length + 1;
  for (
    const [name, values] of [["alphas", track.alphas], ["ks", track.ks], [
      "states",
      track.states,
    ]] as const
  ) {
    if (values.length !== segments) {
      throw new RangeError(
        `Cannot ${action}: ${side} has ${track.changepoints.length} changepoints, so ${segments} segments, but ${values.length} ${name}; give one value per segment`,
      );
    }
    if (!isTruth) continue;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new RangeError(
          `Cannot ${action}: ${side} ${name}[${i}] is not finite, got ${
            values[i]
          }; ground-truth values must be finite`,
        );
      }
    }
  }
}

/** Throws a RangeError for a length that is not a whole number >= 1, or changepoints that are
 * not whole frames in 0..length-1 or not strictly increasing. */
export function checkChangepointsInTrack(
  action: string,
  side: string,
  changepoints: ArrayLike<number>,
  length: number,
): void {
  if (!(Number.isInteger(length) && length >= 1)) {
    throw new RangeError(
      `Cannot ${action}: ${side} length must be a whole number of frames >= 1, got ${length}; pass the track length T`,
    );
  }
  for (let i = 0; i < changepoints.length; i++) {
    const frame = changepoints[i];
    if (!Number.isInteger(frame) || frame < 0 || frame >= length) {
      throw new RangeError(
        `Cannot ${action}: ${side} changepoint ${i} must be a whole frame in 0..${
          length - 1
        }, got ${frame}; round to frames, drop negative ones and those at or past the track length`,
      );
    }
    if (i > 0 && frame <= changepoints[i - 1]) {
      throw new RangeError(
        `Cannot ${action}: ${side} changepoints must be strictly increasing, got ${frame} after ${
          changepoints[i - 1]
        } at index ${i}; sort them and drop duplicates`,
      );
    }
  }
}
