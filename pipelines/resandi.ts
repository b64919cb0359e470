import { pipeline, step } from "../lib/engine/pipeline.ts";

/**
 * ResAnDi + Grad-CAM (Bae, Baek, Jeong): the 8-class trajectory datasets. Training, Grad-CAM,
 * erasure and augmentation steps follow as they are built.
 */
export const resandi = pipeline("resandi", {
  train_set: step("simulate_resandi", { per_class: 1000, min_length: 10, max_length: 1000 }),
  test_set: step("simulate_resandi", { per_class: 1000, min_length: 10, max_length: 1000 }),
}, {
  doc: "ResAnDi: 8-class simulated datasets (varying length 10-1000, normalised, noiseless)",
  presets: {
    smoke: {
      "train_set.per_class": 20,
      "train_set.max_length": 100,
      "test_set.per_class": 10,
      "test_set.max_length": 100,
    },
    cpu: {},
    paper: { "train_set.per_class": 50_000, "test_set.per_class": 10_000 },
  },
});
