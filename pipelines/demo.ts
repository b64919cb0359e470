import { pipeline, step } from "../lib/engine/pipeline.ts";

/**
 * Simulate -> featurize -> train -> evaluate on Brownian motion: the fitted exponent should come
 * out near 1 and K near its true value.
 */
export const demo = pipeline("demo", {
  simulate: step("simulate_brownian", { count: 2000, length: 200, k: 0.5 }),
  featurize: step("featurize_msd", { max_lag: 50 }, { trajectories: "simulate.trajectories" }),
  fit: step("fit_power_law", { epochs: 300 }, { msd: "featurize.msd" }),
  evaluate: step("evaluate_power_law", {}, {
    model: "fit.model",
    msd: "featurize.msd",
    trajectories: "simulate.trajectories",
  }),
}, {
  doc: "Brownian motion end to end: the fitted alpha should be near 1",
  presets: {
    smoke: {
      "simulate.count": 50,
      "simulate.length": 40,
      "featurize.max_lag": 10,
      "fit.epochs": 20,
    },
    cpu: {},
    paper: { "simulate.count": 20000, "simulate.length": 1000, "featurize.max_lag": 250 },
  },
  publish: { demo: "evaluate.report" },
});
