import { equal, throws } from "node:assert/strict";
import { ALPHA_MAE_CAP, alphaMae, K_MSLE_CAP, kMsle, stateF1 } from "./segment_metrics.ts";
import { close } from "./_testing.ts";

Deno.test("alphaMae() is the mean absolute error, capped at 1.999", () => {
  equal(alphaMae([0.5, 1], [0.75, 1.5]), 0.375);
  equal(ALPHA_MAE_CAP, 1.999);
  equal(alphaMae([0, 0], [2, 2]), 1.999);
  equal(alphaMae([0], [3], { maxError: 5 }), 3);
});

Deno.test("kMsle() reproduces the measured example of andi-models.md §6.4 and its cap", () => {
  // ((ln 2 - ln 3)^2 + (ln 1.01 - ln(1 + 1e-12))^2) / 2 = 0.08225048148861656 (numpy); the
  // spec rounds it to 0.08225.
  close(kMsle([1, 0.01], [2, 0]), 0.08225048148861656, 1e-15, "MSLE");
  close(kMsle([1, 0.01], [2, 0]), 0.08225, 5e-6, "MSLE as printed in the spec");
  close(K_MSLE_CAP, 190.86835960820298, 1e-12, "cap");
  close(kMsle([1e6], [0]), K_MSLE_CAP, 1e-12, "full range");
  equal(kMsle([1e9], [-5]), K_MSLE_CAP);
  // Values at or below the floor are all the same.
  equal(kMsle([0, -1, 1e-15], [1e-12, 1e-12, 0]), 0);
});

Deno.test("stateF1() is the fraction of agreeing codes, truncating to integers; NaN never agrees", () => {
  equal(stateF1([2, 2, 0, 1], [2, 1, 0, 1]), 0.75);
  equal(stateF1([2, 3], [2.7, 3.2]), 1);
  equal(stateF1([0, 1], [NaN, 1]), 0.5);
});

Deno.test("alphaMae(), kMsle() and stateF1() throw when the lists differ in length, are empty, or hold NaN", () => {
  throws(() => alphaMae([1, 2], [1]), {
    name: "RangeError",
    message:
      "Cannot compute alpha MAE: need equally many truth and predicted values (>= 1), got 2 and 1; pass one value per paired segment",
  });
  throws(() => stateF1([], []), { name: "RangeError", message: /got 0 and 0/ });
  throws(() => kMsle([1], [NaN]), {
    name: "RangeError",
    message:
      "Cannot compute K MSLE: value 0 is NaN (truth 1, predicted NaN); repair invalid predictions first, as scoreSingleTrajectories() does",
  });
});
