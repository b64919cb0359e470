import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import {
  CHANGEPOINT_THRESHOLD,
  changepointJaccard,
  changepointRmse,
  countChangepointMatches,
  pairChangepoints,
} from "./changepoints.ts";

function close(actual: number, expected: number, tolerance: number, what: string): void {
  ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual}, expected ${expected} ± ${tolerance}`,
  );
}

/** Random strictly increasing changepoints in 1..199 (a 200-frame track), 0 to 4 of them. */
function randomChangepoints(rng: ReturnType<typeof createRng>): number[] {
  const frames = new Set<number>();
  const count = rng.integer(0, 5);
  while (frames.size < count) frames.add(rng.integer(1, 200));
  return [...frames].sort((a, b) => a - b);
}

Deno.test("changepointRmse() and changepointJaccard() reproduce the measured examples of andi-models.md §6.2", () => {
  // G = [50, 120], P = [52, 140] -> RMSE 2, JSC 1/3
  equal(changepointRmse([[50, 120]], [[52, 140]]), 2);
  close(changepointJaccard([[50, 120]], [[52, 140]]), 1 / 3, 1e-15, "JSC");
  // tracks {G [50], P [59]} and {G [], P []} -> RMSE 9, JSC 1
  equal(changepointRmse([[50], []], [[59], []]), 9);
  equal(changepointJaccard([[50], []], [[59], []]), 1);
  // G [50], P [60] -> RMSE 0, JSC 0 (distance 10 is not < 10)
  equal(changepointRmse([[50]], [[60]]), 0);
  equal(changepointJaccard([[50]], [[60]]), 0);
  // G [50, 100], P [] -> RMSE 0, JSC 0
  equal(changepointRmse([[50, 100]], [[]]), 0);
  equal(changepointJaccard([[50, 100]], [[]]), 0);
});

Deno.test("changepointRmse() is 0 and changepointJaccard() is 1 for perfect predictions (300 random tracks, seed 3)", () => {
  const rng = createRng(3).stream("perfect");
  const truths = Array.from({ length: 300 }, () => randomChangepoints(rng));
  const copies = truths.map((t) => [...t]);
  equal(changepointRmse(truths, copies), 0);
  equal(changepointJaccard(truths, copies), 1);
  const counts = countChangepointMatches(truths, copies);
  equal(counts.falsePositives + counts.falseNegatives, 0);
  equal(counts.truePositives, counts.truthCount);
});

Deno.test("changepointJaccard() is 0 when nothing pairs within the threshold", () => {
  // Every prediction 10 or more frames away, missing, or spurious.
  const truths = [[30, 90], [50], [], [120]];
  const predictions = [[40, 100], [], [77], [10, 180]];
  equal(changepointJaccard(truths, predictions), 0);
  equal(changepointRmse(truths, predictions), 0);
  deepEqual(countChangepointMatches(truths, predictions), {
    truePositives: 0,
    emptyTruePositives: 0,
    falsePositives: 2 + 0 + 1 + 2,
    falseNegatives: 2 + 1 + 0 + 1,
    squaredErrorSum: 0,
    truthCount: 4,
  });
});

Deno.test("countChangepointMatches() gates at the threshold strictly: distance 10 fails, 9 passes", () => {
  equal(CHANGEPOINT_THRESHOLD, 10);
  deepEqual(countChangepointMatches([[100]], [[110]]), {
    truePositives: 0,
    emptyTruePositives: 0,
    falsePositives: 1,
    falseNegatives: 1,
    squaredErrorSum: 0,
    truthCount: 1,
  });
  deepEqual(countChangepointMatches([[100]], [[91]]), {
    truePositives: 1,
    emptyTruePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    squaredErrorSum: 81,
    truthCount: 1,
  });
  // A custom threshold moves the gate: with 5, distance 5 fails and 4 passes.
  equal(changepointJaccard([[100], [100]], [[105], [96]], { threshold: 5 }), 1 / 3);
  equal(changepointRmse([[100], [100]], [[105], [96]], { threshold: 5 }), 4);
});

Deno.test("countChangepointMatches() counts unpaired predictions as false positives and unpaired truths as false negatives", () => {
  const counts = countChangepointMatches([[50], [20, 80, 140]], [[50, 100, 150], [78]]);
  deepEqual(counts, {
    truePositives: 2,
    emptyTruePositives: 0,
    falsePositives: 2,
    falseNegatives: 2,
    squaredErrorSum: 4,
    truthCount: 4,
  });
  equal(changepointJaccard([[50], [20, 80, 140]], [[50, 100, 150], [78]]), 2 / 6);
  equal(changepointRmse([[50], [20, 80, 140]], [[50, 100, 150], [78]]), Math.sqrt(2));
});

Deno.test("changepointRmse() is 0 and changepointJaccard() is 1 with no tracks or only empty tracks", () => {
  equal(changepointRmse([], []), 0);
  equal(changepointJaccard([], []), 1);
  equal(changepointJaccard([[], [], []], [[], [], []]), 1);
  equal(countChangepointMatches([[], []], [[], []]).emptyTruePositives, 2);
});

Deno.test("pairChangepoints() pairs min(|G|, |P|) changepoints, and none when a side is empty", () => {
  deepEqual(pairChangepoints([], [10, 20]), []);
  deepEqual(pairChangepoints([10, 20], []), []);
  deepEqual(pairChangepoints([30, 100, 160], [98]), [
    { truthIndex: 1, predictedIndex: 0, distance: 2 },
  ]);
  deepEqual(pairChangepoints(new Int32Array([5]), new Float64Array([7, 40])), [
    { truthIndex: 0, predictedIndex: 0, distance: 2 },
  ]);
});

Deno.test("pairChangepoints() keeps the order-preserving pairing when a crossed one costs the same (as SciPy does)", () => {
  // |0-9| + |8-17| = 18 = |0-17| + |8-9|: the reference's solver pairs in order, giving two hits
  // within 10 frames; the crossed pairing would give one hit and one miss.
  deepEqual(pairChangepoints([0, 8], [9, 17]), [
    { truthIndex: 0, predictedIndex: 0, distance: 9 },
    { truthIndex: 1, predictedIndex: 1, distance: 9 },
  ]);
  equal(changepointJaccard([[0, 8]], [[9, 17]]), 1);
});

Deno.test("countChangepointMatches() throws when truth and prediction track counts differ", () => {
  throws(() => changepointRmse([[1], [2]], [[1]]), {
    name: "RangeError",
    message:
      "Cannot score changepoints: got 2 truth tracks but 1 predicted tracks; pass one prediction per truth track, in the same order (an empty list where none is predicted)",
  });
});

Deno.test("pairChangepoints() and countChangepointMatches() throw when a frame is negative or fractional", () => {
  throws(() => pairChangepoints([-3, 10], [10]), {
    name: "RangeError",
    message:
      "Cannot pair changepoints: truth changepoint 0 must be a whole frame >= 0, got -3; round predictions to frames and drop negative ones",
  });
  throws(() => changepointJaccard([[10]], [[4.5]]), {
    name: "RangeError",
    message:
      "Cannot score changepoints: predicted (track 0) changepoint 0 must be a whole frame >= 0, got 4.5; round predictions to frames and drop negative ones",
  });
  throws(() => pairChangepoints([NaN], []), { name: "RangeError", message: /got NaN/ });
});

Deno.test("pairChangepoints() and countChangepointMatches() throw when changepoints are unsorted or repeated", () => {
  throws(() => pairChangepoints([10], [50, 20]), {
    name: "RangeError",
    message:
      "Cannot pair changepoints: predicted changepoints must be strictly increasing, got 20 after 50 at index 1; sort them and drop duplicates",
  });
  throws(() => changepointRmse([[], [30, 30]], [[], []]), {
    name: "RangeError",
    message:
      "Cannot score changepoints: truth (track 1) changepoints must be strictly increasing, got 30 after 30 at index 1; sort them and drop duplicates",
  });
});

Deno.test("countChangepointMatches() throws when the threshold is not a positive number", () => {
  for (const threshold of [0, -1, NaN, Infinity]) {
    throws(() => countChangepointMatches([[1]], [[1]], { threshold }), {
      name: "RangeError",
      message:
        `Cannot score changepoints: threshold must be a positive number of frames, got ${threshold}; the AnDi-2 value is 10`,
    });
  }
});
