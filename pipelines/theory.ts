import { pipeline, step } from "../lib/engine/pipeline.ts";

/** One dataset per AnDi-1 theory model (andi-models.md §2), raw (un-normalised), 2-D. */
export const theory = pipeline("theory", {
  attm: step("simulate_theory", { model: "attm", alpha_min: 0.1, alpha_max: 0.9 }),
  ctrw: step("simulate_theory", { model: "ctrw", alpha_min: 0.1, alpha_max: 0.9 }),
  fbm: step("simulate_theory", { model: "fbm", alpha_min: 0.1, alpha_max: 1.9 }),
  lw: step("simulate_theory", { model: "lw", alpha_min: 1.1, alpha_max: 1.9 }),
  sbm: step("simulate_theory", { model: "sbm", alpha_min: 0.1, alpha_max: 1.9 }),
  bm: step("simulate_theory", { model: "bm" }),
}, {
  doc: "AnDi-1 theory models, one dataset each (T = 200, 1000 trajectories)",
  presets: {
    smoke: {
      "attm.count": 20,
      "ctrw.count": 20,
      "fbm.count": 20,
      "lw.count": 20,
      "sbm.count": 20,
      "bm.count": 20,
    },
    cpu: {},
    paper: {
      "attm.count": 10_000,
      "ctrw.count": 10_000,
      "fbm.count": 10_000,
      "lw.count": 10_000,
      "sbm.count": 10_000,
      "bm.count": 10_000,
    },
  },
});
