import { equal, ok, throws } from "node:assert/strict";
import { createRng } from "../../rng.ts";
import { checkBoxSize, reflectIntoBox } from "./box.ts";

/** The reference's loop: x > L -> 2L - x, x < 0 -> -x, until inside. */
function reflectByLoop(x: number, boxSize: number): number {
  while (x > boxSize || x < 0) {
    if (x > boxSize) x = 2 * boxSize - x;
    if (x < 0) x = -x;
  }
  return x;
}

Deno.test("reflectIntoBox() matches the reference's repeated reflection within 1e-9 L for steps up to 50 boxes (n = 20000, seed 21)", () => {
  const rng = createRng(21);
  for (let i = 0; i < 20_000; i++) {
    const boxSize = rng.uniformRange(0.5, 300);
    const x = rng.uniformRange(-50, 51) * boxSize;
    const folded = reflectIntoBox(x, boxSize);
    ok(folded >= 0 && folded <= boxSize, `${x} in box ${boxSize} -> ${folded}`);
    // The loop accumulates one rounding per bounce; the fold rounds once.
    ok(Math.abs(folded - reflectByLoop(x, boxSize)) <= 1e-9 * boxSize, `${x} in box ${boxSize}`);
  }
});

Deno.test("reflectIntoBox() leaves points inside the box, walls included, untouched", () => {
  for (const x of [0, 1e-300, 3.25, 10]) equal(reflectIntoBox(x, 10), x);
  equal(reflectIntoBox(20, 10), 0);
  equal(reflectIntoBox(-10, 10), 10);
});

Deno.test("checkBoxSize() throws when the side is not a finite number > 0", () => {
  for (const boxSize of [0, -1, NaN, Infinity]) {
    throws(() => checkBoxSize("simulate confinement", boxSize), {
      name: "RangeError",
      message: `Cannot simulate confinement: boxSize must be a finite number > 0, got ${boxSize}`,
    });
  }
});
