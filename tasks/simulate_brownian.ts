import { join } from "node:path";
import { defineTask } from "../lib/engine/task.ts";
import { float, int } from "../lib/engine/params.ts";
import { brownianMotion } from "../lib/sim/brownian.ts";
import { encodeNpy } from "../lib/io/npy.ts";

/** Simulates an ensemble of 2-D Brownian trajectories (the demo pipeline's data). */
export const simulateBrownian = defineTask({
  name: "simulate_brownian",
  version: 1,
  doc: "2-D Brownian trajectories from the origin, saved as positions.npy [count, length, 2]",
  params: {
    count: int(2000, "number of trajectories", { min: 1 }),
    length: int(200, "frames per trajectory", { min: 2 }),
    k: float(1, "diffusion coefficient K (px^2 / frame)", { min: 0 }),
  },
  inputs: {},
  outputs: { trajectories: { kind: "dataset", doc: "positions.npy (float32) and meta.json" } },
  async run(ctx) {
    const { count, length, k } = ctx.params;
    const positions = new Float32Array(count * length * 2);
    const bar = ctx.progress(count, { unit: "traj" });
    for (let n = 0; n < count; n++) {
      positions.set(brownianMotion(length, ctx.rng, { k }), n * length * 2);
      bar.tick();
    }
    bar.done();
    const out = ctx.output("trajectories");
    await Deno.writeFile(join(out, "positions.npy"), encodeNpy(positions, [count, length, 2]));
    await Deno.writeTextFile(
      join(out, "meta.json"),
      JSON.stringify({ model: "brownian", alpha: 1, k, count, length, dim: 2 }, null, 2),
    );
  },
});
