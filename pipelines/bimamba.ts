import { pipeline, step } from "../lib/engine/pipeline.ts";

/**
 * The figures of the Bi-Mamba paper (Lavaud et al.; figures.md Part A). Fig. 1: three 2-D FBM
 * particles (Brownian alpha = 1, subdiffusive 0.2, superdiffusive 1.98), their trajectories and
 * time-averaged MSDs against 4 K t^alpha; the TAMSD slope of each, averaged over check_count
 * trajectories, should lie within 0.25 of alpha.
 */
export const bimamba = pipeline("bimamba", {
  fig1: step("figure_trajectories_msd", {
    alphas: [1, 0.2, 1.98],
    length: 200,
    k: 1,
    check_count: 100,
  }),
}, {
  doc: "Bi-Mamba paper figures: Fig. 1 FBM trajectories and their TAMSD",
  presets: {
    smoke: { "fig1.check_count": 20 },
    cpu: {},
    paper: { "fig1.check_count": 1000 },
  },
  publish: { bimamba: "fig1.figure" },
});
