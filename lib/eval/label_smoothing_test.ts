import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { enforceMinSegmentLength, labelFilter, majorityFilter } from "./label_smoothing.ts";

function digits(text: string): number[] {
  return [...text].map(Number);
}

function repeat(value: number, count: number): number[] {
  return new Array<number>(count).fill(value);
}

/** Lengths of the runs of equal values. */
function runLengths(labels: ArrayLike<number>): number[] {
  const runs: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (i > 0 && labels[i] === labels[i - 1]) runs[runs.length - 1]++;
    else runs.push(1);
  }
  return runs;
}

Deno.test("labelFilter() reproduces the measured examples of andi-models.md §5.4", () => {
  // isolated frames removed
  deepEqual([...labelFilter(digits("0001000111101111"))], digits("0000000111111111"));
  // ten 5s, two 7s, eight 5s -> all 5
  deepEqual([...labelFilter([...repeat(5, 10), 7, 7, ...repeat(5, 8)])], repeat(5, 20));
  // ten 5s, three 7s, eight 5s -> unchanged
  const kept = [...repeat(5, 10), 7, 7, 7, ...repeat(5, 8)];
  deepEqual([...labelFilter(kept)], kept);
  // two 1s then ten 3s -> all 3
  deepEqual([...labelFilter([1, 1, ...repeat(3, 10)])], repeat(3, 12));
});

Deno.test("labelFilter() leaves no run shorter than 3 frames (500 random label columns, seed 5)", () => {
  const rng = createRng(5).stream("labels");
  for (let trial = 0; trial < 500; trial++) {
    const length = rng.integer(3, 60);
    // Runs of random length 1..6 drawn from 3 alpha-like values: many short runs to remove.
    const labels: number[] = [];
    while (labels.length < length) {
      labels.push(...repeat([0.3, 1.1, 0.75][rng.integer(0, 3)], rng.integer(1, 7)));
    }
    labels.length = length;
    const smoothed = labelFilter(labels);
    equal(smoothed.length, length);
    const runs = runLengths(smoothed);
    ok(Math.min(...runs) >= 3, `trial ${trial}: runs ${runs} from ${labels}`);
    for (const value of smoothed) ok(labels.includes(value), `value ${value} comes from the input`);
  }
});

Deno.test("labelFilter() returns a constant column unchanged, as a copy, even when shorter than 3 frames", () => {
  const labels = new Float64Array([2, 2]);
  const smoothed = labelFilter(labels);
  deepEqual([...smoothed], [2, 2]);
  smoothed[0] = 9;
  equal(labels[0], 2);
  deepEqual([...labelFilter([])], []);
  deepEqual([...labelFilter([0.01])], [0.01]);
});

Deno.test("majorityFilter() breaks ties toward the label that appears first in the track, not the smaller value", () => {
  // Frame 1 sees 5, 5, 1, 1 (a tie): 5 came first. Frame 2 sees 5, 5, 1, 1, 1: 1 wins.
  deepEqual([...majorityFilter([5, 5, 1, 1, 1, 1])], [5, 5, 1, 1, 1, 1]);
  deepEqual([...majorityFilter([1, 1, 5, 5, 5, 5])], [1, 1, 5, 5, 5, 5]);
});

Deno.test("majorityFilter() reads the unfiltered labels and clips the window at the track ends", () => {
  // Frame 2 sees 1, 0, 1, 0, 0 in the input; had frame 1 already become 1, it would see three 1s.
  deepEqual([...majorityFilter([1, 0, 1, 0, 0, 0])], [1, 1, 0, 0, 0, 0]);
  deepEqual([...majorityFilter([0, 0, 1, 1, 1, 0])], [0, 0, 1, 1, 1, 1]);
  // Width 1 is the identity; width 3 uses frames i-1..i+1.
  deepEqual([...majorityFilter([1, 2, 1, 2], { width: 1 })], [1, 2, 1, 2]);
  deepEqual([...majorityFilter([1, 2, 1, 2, 2], { width: 3 })], [1, 1, 2, 2, 2]);
});

Deno.test("enforceMinSegmentLength() absorbs short runs into the previous run, the first run into the next", () => {
  deepEqual([...enforceMinSegmentLength([1, 1, 1, 2, 2, 3, 3, 3])], [1, 1, 1, 1, 1, 3, 3, 3]);
  deepEqual([...enforceMinSegmentLength([1, 1, 1, 2, 3, 3, 3, 3])], [1, 1, 1, 1, 3, 3, 3, 3]);
  // The first run joins the next, and the merged run (2 frames) is checked again.
  deepEqual([...enforceMinSegmentLength([2, 1, 3, 3, 3])], [3, 3, 3, 3, 3]);
  // Two short runs in a row both go to the run before them.
  deepEqual([...enforceMinSegmentLength([4, 4, 4, 1, 2, 4, 4, 4])], repeat(4, 8));
  // A short last run goes to the previous one.
  deepEqual([...enforceMinSegmentLength([4, 4, 4, 1, 1])], repeat(4, 5));
  deepEqual([...enforceMinSegmentLength([1, 2], { minSegmentLength: 3 })], [2, 2]);
  deepEqual([...enforceMinSegmentLength([1, 2, 2, 3], { minSegmentLength: 1 })], [1, 2, 2, 3]);
});

Deno.test("majorityFilter() throws when the width is not an odd whole number >= 1", () => {
  for (const width of [0, 4, 2.5, -3]) {
    throws(() => majorityFilter([1, 2, 3], { width }), {
      name: "RangeError",
      message:
        `Cannot apply majority filter: width must be an odd whole number >= 1, got ${width}; the AnDi-2 value is 5`,
    });
  }
});

Deno.test("enforceMinSegmentLength() throws when the minimum is not a whole number >= 1", () => {
  throws(() => enforceMinSegmentLength([1, 2], { minSegmentLength: 0 }), {
    name: "RangeError",
    message:
      "Cannot enforce minimum segment length: minSegmentLength must be a whole number of frames >= 1, got 0; the AnDi-2 value is 3",
  });
});

Deno.test("labelFilter() throws when a label is NaN or infinite", () => {
  throws(() => labelFilter([1, NaN, 1]), {
    name: "RangeError",
    message:
      "Cannot filter labels: label at frame 1 is not finite, got NaN; labels must be finite numbers (replace missing values before smoothing)",
  });
  throws(() => majorityFilter([Infinity]), { name: "RangeError", message: /got Infinity/ });
});
