import { join } from "node:path";
import { defineTask } from "../lib/engine/task.ts";
import { float, int } from "../lib/engine/params.ts";
import { fitPowerLawAdam } from "../lib/eval/power_law.ts";
import { readMsdCsv } from "./_msd_csv.ts";

/** Fits MSD = 4 K t^alpha by Adam, one metric point per epoch (the demo's training step). */
export const fitPowerLaw = defineTask({
  name: "fit_power_law",
  version: 1,
  doc: "fits alpha and K to an MSD curve by Adam on log-log residuals; records loss per epoch",
  seeded: false,
  params: {
    epochs: int(300, "Adam epochs", { min: 1 }),
    lr: float(0.05, "Adam step size", { min: 0 }),
  },
  inputs: { msd: "msd.csv with columns lag, msd" },
  outputs: { model: { kind: "model", doc: "fit.json with alpha and k" } },
  async run(ctx) {
    const { lags, msd } = await readMsdCsv(join(ctx.input("msd"), "msd.csv"));
    const bar = ctx.progress(ctx.params.epochs, { unit: "epoch" });
    const fit = fitPowerLawAdam(lags, msd, 2, {
      epochs: ctx.params.epochs,
      learningRate: ctx.params.lr,
      onEpoch(epoch, loss, current) {
        ctx.metric("loss", loss, { step: epoch });
        ctx.metric("alpha", current.alpha, { step: epoch });
        bar.tick();
      },
    });
    bar.done();
    await Deno.writeTextFile(join(ctx.output("model"), "fit.json"), JSON.stringify(fit, null, 2));
  },
});
