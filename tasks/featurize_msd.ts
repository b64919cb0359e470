import { join } from "node:path";
import { defineTask } from "../lib/engine/task.ts";
import { int } from "../lib/engine/params.ts";
import { ensembleMsd } from "../lib/features/msd.ts";
import { decodeNpy } from "../lib/io/npy.ts";

/** Ensemble MSD of a trajectory set. */
export const featurizeMsd = defineTask({
  name: "featurize_msd",
  version: 1,
  doc: "ensemble-averaged MSD at lags 1..max_lag, written as msd.csv (lag,msd)",
  seeded: false,
  params: { max_lag: int(50, "largest lag in frames", { min: 1 }) },
  inputs: { trajectories: "a dataset with positions.npy [count, length, dim]" },
  outputs: { msd: { kind: "table", doc: "msd.csv with columns lag, msd" } },
  async run(ctx) {
    const { array, shape } = decodeNpy(
      await Deno.readFile(join(ctx.input("trajectories"), "positions.npy")),
    );
    const [count, length, dim] = shape;
    if (ctx.params.max_lag >= length) {
      throw new RangeError(
        `Cannot compute MSD: max_lag ${ctx.params.max_lag} must be below the trajectory length ${length}; lower featurize.max_lag`,
      );
    }
    const msd = ensembleMsd(array, [count, length, dim], ctx.params.max_lag);
    const lines = ["lag,msd", ...Array.from(msd, (value, i) => `${i + 1},${value}`)];
    await Deno.writeTextFile(join(ctx.output("msd"), "msd.csv"), lines.join("\n") + "\n");
  },
});
