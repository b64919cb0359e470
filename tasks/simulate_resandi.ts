import { defineTask } from "../lib/engine/task.ts";
import { float, int } from "../lib/engine/params.ts";
import { openDatasetWriter } from "../lib/data/dataset.ts";
import { RESANDI_CLASSES, resandiTrajectories } from "../lib/sim/resandi_dataset.ts";

/** The 8-class ResAnDi dataset (resandi.md §2) as a dataset artefact. */
export const simulateResandi = defineTask({
  name: "simulate_resandi",
  version: 1,
  doc: "8-class ResAnDi trajectories (SubATTM ... BM), 2-D, normalised, optional noise 1/SNR",
  params: {
    per_class: int(1000, "trajectories per class", { min: 1 }),
    min_length: int(10, "shortest trajectory (frames)", { min: 3 }),
    max_length: int(1000, "longest trajectory (frames); = min_length for a fixed-length set", {
      min: 3,
    }),
    noise_std: float(0, "localisation noise std after normalisation (1/SNR)", { min: 0 }),
  },
  inputs: {},
  outputs: {
    trajectories: {
      kind: "dataset",
      doc: "positions.npy [n, max_length, 2], lengths.npy, labels.parquet (class, model, alpha)",
    },
  },
  async run(ctx) {
    const { per_class: perClass, min_length: minLength, max_length: maxLength, noise_std } =
      ctx.params;
    const count = perClass * RESANDI_CLASSES.length;
    await using writer = await openDatasetWriter(
      ctx.output("trajectories"),
      { count, maxLength, dim: 2 },
      {
        meta: {
          generator: "resandi",
          classes: [...RESANDI_CLASSES],
          params: ctx.params,
          seedPath: ctx.rng.path,
        },
      },
    );
    const bar = ctx.progress(count, { unit: "traj" });
    const trajectories = resandiTrajectories(ctx.rng, {
      perClass,
      minLength,
      maxLength,
      noiseStd: noise_std,
    });
    for (const trajectory of trajectories) {
      await writer.append(trajectory.positions, {
        class: trajectory.label,
        model: trajectory.className,
        alpha: trajectory.alpha,
        snr: noise_std > 0 ? 1 / noise_std : null,
      });
      bar.tick();
    }
    bar.done();
    await writer.close();
  },
});
