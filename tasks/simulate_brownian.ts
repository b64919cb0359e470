import { defineTask } from "../lib/engine/task.ts";
import { float, int } from "../lib/engine/params.ts";
import { brownianMotion } from "../lib/sim/brownian.ts";
import { openDatasetWriter } from "../lib/data/dataset.ts";

/** Simulates an ensemble of 2-D Brownian trajectories (the demo pipeline's data). */
export const simulateBrownian = defineTask({
  name: "simulate_brownian",
  version: 2,
  doc: "2-D Brownian trajectories from the origin, as a dataset artefact",
  params: {
    count: int(2000, "number of trajectories", { min: 1 }),
    length: int(200, "frames per trajectory", { min: 2 }),
    k: float(1, "diffusion coefficient K (px^2 / frame)", { min: 0 }),
  },
  inputs: {},
  outputs: {
    trajectories: { kind: "dataset", doc: "positions.npy, lengths.npy, labels.parquet, meta.json" },
  },
  async run(ctx) {
    const { count, length, k } = ctx.params;
    await using writer = await openDatasetWriter(
      ctx.output("trajectories"),
      { count, maxLength: length, dim: 2 },
      { meta: { generator: "brownian", alpha: 1, k } },
    );
    const bar = ctx.progress(count, { unit: "traj" });
    for (let n = 0; n < count; n++) {
      await writer.append(brownianMotion(length, ctx.rng, { k }), {
        model: "brownian",
        alpha: 1,
        k,
      });
      bar.tick();
    }
    bar.done();
    await writer.close();
  },
});
