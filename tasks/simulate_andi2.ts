import { defineTask } from "../lib/engine/task.ts";
import { choice, float, int } from "../lib/engine/params.ts";
import { openDatasetWriter } from "../lib/data/dataset.ts";
import {
  ANDI2_MODELS,
  andi2EnsembleLabels,
  type Andi2Track,
  andi2Tracks,
} from "../lib/sim/andi2_dataset.ts";

/** The AnDi-2 challenge dataset (andi-models.md §5.1-5.3, §5.6) as a dataset artefact. */
export const simulateAndi2 = defineTask({
  name: "simulate_andi2",
  version: 1,
  doc: "AnDi-2 challenge tracks: phenomenological experiments cut to a 128 px FOV, smoothed " +
    "per-frame labels, noise",
  params: {
    experiments: int(10, "number of experiments (one model each)", { min: 1 }),
    model: choice(["any", ...ANDI2_MODELS], "any", "model of every experiment; any = random"),
    length: int(200, "frames T per simulated particle", { min: 2 }),
    particles: int(50, "particles N per experiment", { min: 1 }),
    fovs: int(1, "fields of view cut from each experiment", { min: 1 }),
    noise_std: float(0.12, "localisation noise std per coordinate (px), after the cut", {
      min: 0,
    }),
    min_length: int(20, "shortest track kept (frames inside the FOV)", { min: 1 }),
  },
  inputs: {},
  outputs: {
    trajectories: {
      kind: "dataset",
      doc: "positions.npy [tracks, length, 2] (box px), labels.parquet (model, experiment, fov, " +
        "particle, first_frame, fov_x, fov_y), frame_labels.parquet (alpha, k, state, " +
        "changepoint), meta.json (ensemble_labels per experiment and FOV)",
    },
  },
  async run(ctx) {
    const { experiments, model, length, particles, fovs, noise_std, min_length } = ctx.params;
    // The writer needs the track count up front; tracks are small (T <= 200 frames), so they
    // are collected first rather than simulated twice.
    const bar = ctx.progress(experiments, { unit: "exp" });
    const tracks: Andi2Track[] = [];
    for (
      const track of andi2Tracks(ctx.rng, {
        experiments,
        model: model as typeof ANDI2_MODELS[number] | "any",
        length,
        particles,
        fovs,
        noiseStd: noise_std,
        minLength: min_length,
      })
    ) {
      bar.update(track.experiment);
      tracks.push(track);
    }
    bar.done();

    const ensembles = new Map<string, Andi2Track[]>();
    for (const track of tracks) {
      const key = `${track.experiment}/${track.fov}`;
      ensembles.set(key, [...(ensembles.get(key) ?? []), track]);
    }
    await using writer = await openDatasetWriter(
      ctx.output("trajectories"),
      { count: tracks.length, maxLength: length, dim: 2 },
      {
        labelTypes: {
          experiment: "INTEGER",
          fov: "INTEGER",
          particle: "INTEGER",
          first_frame: "INTEGER",
          fov_x: "INTEGER",
          fov_y: "INTEGER",
        },
        meta: {
          generator: "andi2",
          params: ctx.params,
          seedPath: ctx.rng.path,
          ensemble_labels: [...ensembles.values()].map((group) => ({
            experiment: group[0].experiment,
            fov: group[0].fov,
            model: group[0].model,
            matrix: andi2EnsembleLabels(group[0].parameters, group),
          })),
        },
      },
    );
    for (const track of tracks) {
      await writer.append(track.positions, {
        model: track.model,
        experiment: track.experiment,
        fov: track.fov,
        particle: track.particle,
        first_frame: track.firstFrame,
        fov_x: track.fovOrigin[0],
        fov_y: track.fovOrigin[1],
      }, { alpha: track.alphas, k: track.ks, state: track.states });
    }
    await writer.close();

    const frames = tracks.reduce((sum, track) => sum + track.length, 0);
    ctx.metric("tracks", tracks.length);
    ctx.metric("mean_track_length", tracks.length > 0 ? frames / tracks.length : 0);
    ctx.metric(
      "changepoints_per_track",
      tracks.length > 0
        ? tracks.reduce((sum, track) => sum + track.changepoints.length, 0) / tracks.length
        : 0,
    );
  },
});
