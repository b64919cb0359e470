import { pipeline, step } from "../lib/engine/pipeline.ts";

/**
 * The AnDi-2 challenge dataset (andi-models.md §5): experiments of the five phenomenological
 * models with the challenge's parameters, cut to a 128 px field of view, with smoothed per-frame
 * labels and 0.12 px localisation noise. Training data for the Bi-Mamba segmentation model.
 */
export const andi2 = pipeline("andi2", {
  tracks: step("simulate_andi2", {
    experiments: 10,
    model: "any",
    length: 200,
    particles: 50,
    noise_std: 0.12,
    min_length: 20,
  }),
}, {
  doc: "AnDi-2: challenge-default tracks of random models (T = 200, N = 50, FOV 128 px)",
  presets: {
    smoke: { "tracks.experiments": 2, "tracks.particles": 10 },
    cpu: {},
    paper: { "tracks.experiments": 100 },
  },
});
