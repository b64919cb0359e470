import { deepEqual, ok, throws } from "node:assert/strict";
import { regularize } from "./regularize.ts";

Deno.test("regularize() holds each position until its event time and leaves frames after the last event at 0", () => {
  // [0, 1.5) -> 0, [1.5, 2.2) -> 1, [2.2, 4.7) -> 3: frames 0 | 1 | 2, 3 | 4, 5 untouched
  deepEqual([...regularize([0, 1, 3], [1.5, 2.2, 4.7], 6)], [0, 1, 3, 3, 0, 0]);
});

Deno.test("regularize() subtracts the frame-0 value from every frame, including those past the last event", () => {
  deepEqual([...regularize([2, 5], [2, 10], 4)], [0, 0, 3, 3]);
  // frames 2 and 3 are past the last event (t = 2): 0 before the shift, -2 after (reference quirk)
  deepEqual([...regularize([2, 5], [1, 2], 4)], [0, 3, -2, -2]);
});

Deno.test("regularize() keeps only the last of several events inside one frame", () => {
  // events at 1.2, 1.5 and 1.9 all fall in frame 1: positions 1 and 2 are never seen
  deepEqual([...regularize([0, 1, 2, 3], [1.2, 1.5, 1.9, 3], 4)], [0, 3, 3, 0]);
});

Deno.test("regularize() skips a first position whose interval ends before frame 1", () => {
  // position 4 is left at t = 0.5, so frame 0 already shows 7, which then becomes the origin
  deepEqual([...regularize([4, 7, 9], [0.5, 2, 3], 4)], [0, 0, 2, -7]);
});

Deno.test("regularize() treats integer event times as the first frame of the next position", () => {
  deepEqual([...regularize([0, 1, 2], [1, 2, 3], 3)], [0, 1, 2]);
});

Deno.test("regularize() ignores events past the last frame and accepts Infinity as a time", () => {
  deepEqual([...regularize([0, 1, 5], [2, 50, 60], 3)], [0, 0, 1]);
  deepEqual([...regularize([0, 1], [1, Infinity], 3)], [0, 1, 1]);
});

Deno.test("regularize() returns zeros for no events", () => {
  deepEqual([...regularize([], [], 3)], [0, 0, 0]);
  deepEqual([...regularize([], [], 2, { dim: 2 })], [0, 0, 0, 0]);
});

Deno.test("regularize() moves all axes of a dim-2 walk together, frame-major", () => {
  // event-major positions (x, y): (1, -1) until t = 1.5, then (2, 3) until t = 3
  const walk = regularize([1, -1, 2, 3], [1.5, 3], 4, { dim: 2 });
  deepEqual([...walk], [0, 0, 1, 4, 1, 4, -1, 1]);
});

Deno.test("regularize() returns a Float64Array of length * dim values", () => {
  const walk = regularize([0, 0, 0, 1, 1, 1], [2, 9], 5, { dim: 3 });
  ok(walk instanceof Float64Array);
  deepEqual([...walk], [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
});

Deno.test("regularize() throws when length is not an integer >= 1", () => {
  for (const length of [0, -1, 2.5, NaN, Infinity]) {
    throws(() => regularize([0], [1], length), {
      name: "RangeError",
      message: `Cannot regularize trajectory: length must be an integer >= 1, got ${length}`,
    });
  }
});

Deno.test("regularize() throws when dim is not an integer >= 1", () => {
  for (const dim of [0, 1.5, NaN]) {
    throws(() => regularize([0], [1], 3, { dim }), {
      name: "RangeError",
      message: `Cannot regularize trajectory: dim must be an integer >= 1, got ${dim}`,
    });
  }
});

Deno.test("regularize() throws when positions do not hold one dim-vector per time", () => {
  throws(() => regularize([0, 1, 2], [1, 2], 3, { dim: 2 }), {
    name: "RangeError",
    message: "Cannot regularize trajectory: positions must hold times.length * dim = 4 values, " +
      "got 3; pass one 2-vector per event time",
  });
});

Deno.test("regularize() throws when times are negative, NaN or decreasing", () => {
  throws(() => regularize([0, 1], [-1, 2], 3), {
    name: "RangeError",
    message:
      "Cannot regularize trajectory: times must be non-negative and non-decreasing, got -1 at index 0 after 0",
  });
  throws(() => regularize([0, 1], [1, NaN], 3), {
    name: "RangeError",
    message:
      "Cannot regularize trajectory: times must be non-negative and non-decreasing, got NaN at index 1 after 1",
  });
  throws(() => regularize([0, 1, 2], [2, 1.5, 3], 3), {
    name: "RangeError",
    message:
      "Cannot regularize trajectory: times must be non-negative and non-decreasing, got 1.5 at index 1 after 2",
  });
});
