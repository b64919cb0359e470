import { equal, ok, throws } from "node:assert/strict";
import { createRng } from "../../rng.ts";
import { distributeCompartments, reflectIntoCompartment } from "./compartments.ts";

Deno.test("distributeCompartments() places non-overlapping circles inside [r, L - r]^2 (30 layouts, seed 31)", () => {
  const rng = createRng(31);
  for (let layout = 0; layout < 30; layout++) {
    const centers = distributeCompartments(30, 5, 230.4, rng);
    equal(centers.length, 60, "30 circles of radius 5 fit easily in 230.4 px");
    for (let i = 0; i < 30; i++) {
      for (const c of [centers[2 * i], centers[2 * i + 1]]) ok(c >= 5 && c <= 225.4, `centre ${c}`);
      for (let j = 0; j < i; j++) {
        const distance = Math.hypot(
          centers[2 * i] - centers[2 * j],
          centers[2 * i + 1] - centers[2 * j + 1],
        );
        ok(distance > 10, `centres ${i} and ${j} are ${distance} apart`);
      }
    }
  }
});

Deno.test("distributeCompartments() returns fewer centres when the box is too crowded", () => {
  // At most 4 circles of radius 1 fit a 4 px box with centres more than 2 apart.
  const centers = distributeCompartments(50, 1, 4, createRng(32));
  ok(centers.length >= 2 && centers.length <= 8, `${centers.length / 2} centres`);
});

Deno.test("reflectIntoCompartment() mirrors the overshoot about the tangent (worked example)", () => {
  // Unit circle, horizontal step from (0, 0.5) to (2, 0.5): crosses at p = (sqrt(3)/2, 0.5)
  // with normal n = p; overshoot v = (2 - sqrt(3)/2, 0), reflected v - 2 (v . n) n.
  const px = Math.sqrt(3) / 2;
  const vx = 2 - px;
  const dot = vx * px;
  const expected = [px + vx - 2 * dot * px, 0.5 - 2 * dot * 0.5];
  const [x, y] = reflectIntoCompartment(0, 0, 1, 0, 0.5, 2, 0.5);
  ok(Math.abs(x - expected[0]) < 1e-12 && Math.abs(y - expected[1]) < 1e-12, `${x}, ${y}`);
  ok(Math.hypot(x, y) <= 1);
  // The reflected overshoot keeps its length.
  ok(Math.abs(Math.hypot(x - px, y - 0.5) - vx) < 1e-12);
});

Deno.test("reflectIntoCompartment() ends within r of the centre, even after many bounces (n = 20000, seed 33)", () => {
  const rng = createRng(33);
  for (let i = 0; i < 20_000; i++) {
    const [cx, cy, r] = [
      rng.uniformRange(-10, 10),
      rng.uniformRange(-10, 10),
      rng.uniformRange(0.2, 5),
    ];
    const angle = rng.uniformRange(0, 2 * Math.PI);
    const radius = r * Math.sqrt(rng.uniform());
    const from = [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)];
    const to = [from[0] + rng.normal(0, 4 * r), from[1] + rng.normal(0, 4 * r)];
    const [x, y] = reflectIntoCompartment(cx, cy, r, from[0], from[1], to[0], to[1]);
    ok(
      Math.hypot(x - cx, y - cy) <= r * (1 + 1e-12),
      `case ${i}: ${Math.hypot(x - cx, y - cy)} > ${r}`,
    );
  }
});

Deno.test("reflectIntoCompartment() leaves an end point inside the circle where it is", () => {
  const [x, y] = reflectIntoCompartment(1, 1, 2, 1, 1, 2, 2);
  equal(x, 2);
  equal(y, 2);
});

Deno.test("distributeCompartments() throws when count, radius or box is out of range", () => {
  const rng = createRng(1);
  throws(() => distributeCompartments(0, 1, 10, rng), {
    name: "RangeError",
    message: "Cannot distribute compartments: count must be an integer >= 1, got 0",
  });
  throws(() => distributeCompartments(3, -1, 10, rng), {
    name: "RangeError",
    message: "Cannot distribute compartments: radius must be a finite number > 0, got -1",
  });
  throws(() => distributeCompartments(3, 5, 10, rng), {
    name: "RangeError",
    message:
      "Cannot distribute compartments: boxSize must exceed the compartment diameter 10, got 10",
  });
});
