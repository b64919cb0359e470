import { join } from "node:path";
import { defineTask } from "../lib/engine/task.ts";
import { fitPowerLawLeastSquares } from "../lib/eval/power_law.ts";
import { readMsdCsv } from "./_msd_csv.ts";

/** Scores a fitted power law against the simulation's true alpha and K. */
export const evaluatePowerLaw = defineTask({
  name: "evaluate_power_law",
  version: 1,
  doc: "compares the fit with the truth and the closed-form fit; writes summary.json and msd.csv",
  seeded: false,
  params: {},
  inputs: {
    model: "fit.json from fit_power_law",
    msd: "msd.csv the model was fitted on",
    trajectories: "the dataset, for its true alpha and K (meta.json)",
  },
  outputs: { report: { kind: "report", doc: "summary.json and msd.csv" } },
  async run(ctx) {
    const fit = JSON.parse(await Deno.readTextFile(join(ctx.input("model"), "fit.json")));
    const truth = JSON.parse(await Deno.readTextFile(join(ctx.input("trajectories"), "meta.json")));
    const { lags, msd } = await readMsdCsv(join(ctx.input("msd"), "msd.csv"));
    const closedForm = fitPowerLawLeastSquares(lags, msd, 2);
    const summary = {
      true_alpha: truth.alpha,
      true_k: truth.k,
      fitted_alpha: fit.alpha,
      fitted_k: fit.k,
      alpha_error: fit.alpha - truth.alpha,
      k_relative_error: fit.k / truth.k - 1,
      closed_form_alpha: closedForm.alpha,
      closed_form_k: closedForm.k,
    };
    ctx.metric("alpha_error", summary.alpha_error);
    ctx.metric("k_relative_error", summary.k_relative_error);
    ctx.log.info(
      `alpha ${fit.alpha.toFixed(3)} (true ${truth.alpha}), K ${
        fit.k.toFixed(3)
      } (true ${truth.k})`,
    );
    const out = ctx.output("report");
    await Deno.writeTextFile(join(out, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
    await Deno.copyFile(join(ctx.input("msd"), "msd.csv"), join(out, "msd.csv"));
  },
});
