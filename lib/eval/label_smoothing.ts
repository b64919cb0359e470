/**
 * AnDi-2 label smoothing (andi-models.md §5.4; `label_filter`, `majority_filter`,
 * `enforce_min_segment_length` of andi_datasets 2.1.13). The challenge builder smooths each
 * per-frame label column of a track (alpha, K, state) on its own before it reads changepoints off
 * the labels, so that no segment is shorter than 3 frames: a width-5 majority filter removes
 * isolated frames, then every run still shorter than 3 frames is merged into a neighbour.
 *
 * Values are compared exactly; a column is a sequence of a few distinct values (one per segment),
 * not a noisy signal.
 *
 * @module
 */

/** Options of {@linkcode majorityFilter}. */
export interface MajorityFilterOptions {
  /** Window length in frames, odd; frame i looks at i - width/2 .. i + width/2. @default {5} */
  width?: number;
}

/** Options of {@linkcode enforceMinSegmentLength}. */
export interface MinSegmentLengthOptions {
  /** Shortest run, in frames, that is kept as it is. @default {3} */
  minSegmentLength?: number;
}

/** Options of {@linkcode labelFilter}. */
export interface LabelFilterOptions extends MajorityFilterOptions, MinSegmentLengthOptions {}

/**
 * Replaces each frame's label by the most frequent label in the window around it, the window
 * clipped to the track (3 or 4 frames at the ends for width 5). A tie goes to the label that
 * appears first in the track. Every frame reads the unfiltered labels.
 *
 * @param labels per-frame labels of one track (finite numbers)
 * @param options window width
 * @returns the filtered labels, a new array of the same length
 * @throws {RangeError} when the width is not an odd whole number >= 1 or a label is not finite
 *
 * @example An isolated frame disappears
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { majorityFilter } from "./label_smoothing.ts";
 * deepEqual([...majorityFilter([2, 2, 2, 0.5, 2, 2, 2])], [2, 2, 2, 2, 2, 2, 2]);
 * ```
 */
export function majorityFilter(
  labels: ArrayLike<number>,
  options: MajorityFilterOptions = {},
): Float64Array {
  const { width = 5 } = options;
  if (!(Number.isInteger(width) && width >= 1 && width % 2 === 1)) {
    throw new RangeError(
      `Cannot apply majority filter: width must be an odd whole number >= 1, got ${width}; the AnDi-2 value is 5`,
    );
  }
  const { codes, values } = encode("apply majority filter", labels);
  const n = codes.length;
  const half = (width - 1) / 2;
  const counts = new Int32Array(values.length);
  const filtered = new Float64Array(n);
  // Slide the window: add frame i + half, drop frame i - half - 1.
  for (let j = 0; j < Math.min(half, n); j++) counts[codes[j]]++;
  for (let i = 0; i < n; i++) {
    if (i + half < n) counts[codes[i + half]]++;
    if (i - half - 1 >= 0) counts[codes[i - half - 1]]--;
    let best = 0;
    for (let code = 1; code < values.length; code++) {
      if (counts[code] > counts[best]) best = code;
    }
    filtered[i] = values[best];
  }
  return filtered;
}

/**
 * Merges runs shorter than the minimum into a neighbour, scanning left to right: a short run
 * takes the value of the run before it; the first run, having none, takes the value of the run
 * after it, and the merged run is checked again.
 *
 * @param labels per-frame labels of one track (finite numbers)
 * @param options minimum run length
 * @returns the labels with every run at least `minSegmentLength` frames long (unless the whole
 *   track is shorter), a new array
 * @throws {RangeError} when the minimum is not a whole number >= 1 or a label is not finite
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { enforceMinSegmentLength } from "./label_smoothing.ts";
 * deepEqual([...enforceMinSegmentLength([1, 1, 1, 2, 2, 3, 3, 3])], [1, 1, 1, 1, 1, 3, 3, 3]);
 * deepEqual([...enforceMinSegmentLength([2, 2, 1, 1, 1])], [1, 1, 1, 1, 1]);
 * ```
 */
export function enforceMinSegmentLength(
  labels: ArrayLike<number>,
  options: MinSegmentLengthOptions = {},
): Float64Array {
  const { minSegmentLength = 3 } = options;
  const action = "enforce minimum segment length";
  if (!(Number.isInteger(minSegmentLength) && minSegmentLength >= 1)) {
    throw new RangeError(
      `Cannot ${action}: minSegmentLength must be a whole number of frames >= 1, got ${minSegmentLength}; the AnDi-2 value is 3`,
    );
  }
  checkFinite(action, labels);
  const out = Float64Array.from(labels);
  const n = out.length;
  let previousStart = -1;
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && out[end] === out[start]) end++;
    if (end - start >= minSegmentLength) {
      previousStart = start;
      start = end;
    } else if (previousStart >= 0) {
      out.fill(out[start - 1], start, end);
      start = previousStart; // the extended previous run is scanned again as one run
    } else if (end < n) {
      out.fill(out[end], start, end); // first run: joins the next one, then re-checked
    } else {
      break; // the whole track is one run shorter than the minimum
    }
  }
  return out;
}

/**
 * Smooths one per-frame label column as the AnDi-2 builder does: unchanged if it is constant,
 * otherwise {@linkcode majorityFilter} then {@linkcode enforceMinSegmentLength}.
 *
 * @param labels per-frame labels of one track (alpha, K or state; finite numbers)
 * @param options window width (default 5) and minimum run length (default 3)
 * @returns the smoothed labels, a new array of the same length
 * @throws {RangeError} as {@linkcode majorityFilter} and {@linkcode enforceMinSegmentLength}
 *
 * @example Two frames of a second label at the start are absorbed
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { labelFilter } from "./label_smoothing.ts";
 * const labels = [1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3];
 * deepEqual([...labelFilter(labels)], new Array(12).fill(3));
 * ```
 */
export function labelFilter(
  labels: ArrayLike<number>,
  options: LabelFilterOptions = {},
): Float64Array {
  const { width = 5, minSegmentLength = 3 } = options;
  checkFinite("filter labels", labels);
  let constant = true;
  for (let i = 1; i < labels.length && constant; i++) constant = labels[i] === labels[0];
  if (constant) return Float64Array.from(labels);
  return enforceMinSegmentLength(majorityFilter(labels, { width }), { minSegmentLength });
}

/** Integer codes in order of first appearance, so that the smaller code is the earlier label. */
function encode(
  action: string,
  labels: ArrayLike<number>,
): { codes: Int32Array; values: number[] } {
  checkFinite(action, labels);
  const codeOf = new Map<number, number>();
  const values: number[] = [];
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let code = codeOf.get(labels[i]);
    if (code === undefined) {
      code = values.length;
      codeOf.set(labels[i], code);
      values.push(labels[i]);
    }
    codes[i] = code;
  }
  return { codes, values };
}

function checkFinite(action: string, labels: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isFinite(labels[i])) {
      throw new RangeError(
        `Cannot ${action}: label at frame ${i} is not finite, got ${
          labels[i]
        }; labels must be finite numbers (replace missing values before smoothing)`,
      );
    }
  }
}
