import { join } from "node:path";
import { defineTask } from "../lib/engine/task.ts";
import { float, floatList, int } from "../lib/engine/params.ts";
import { fractionalBrownianMotion } from "../lib/sim/fbm.ts";
import { timeAveragedMsd } from "../lib/features/msd.ts";
import {
  meanTamsdSlope,
  trajectoriesMsdCsv,
  trajectoriesMsdRows,
  trajectoriesMsdSpec,
  type TrajectoryMsdCurve,
} from "../lib/report/fig_trajectories_msd.ts";
import { renderVegaLite } from "../lib/report/vega.ts";

/** Largest lag of the slope check (figures.md §A.1: lags 1..20). */
const CHECK_MAX_LAG = 20;
/** Allowed distance of the check slope from alpha (figures.md §A.1 CPU expectation). */
const CHECK_TOLERANCE = 0.25;

/**
 * Bi-Mamba Fig. 1 (figures.md §A.1): one 2-D FBM trajectory per alpha and its TAMSD at lags
 * 1..length/4 with 4 K t^alpha, rendered to SVG and PNG; and, per alpha, the slope of the TAMSD
 * averaged over `check_count` further trajectories, recorded as a metric.
 */
export const figureTrajectoriesMsd = defineTask({
  name: "figure_trajectories_msd",
  version: 1,
  doc: "Bi-Mamba Fig. 1: FBM trajectories and their TAMSD (fig1.svg, fig1.png, fig1.vl.json, " +
    "fig1_data.csv); metrics tamsd_slope_alpha_<alpha>",
  params: {
    alphas: floatList([1, 0.2, 1.98], "anomalous exponents, one particle each, in (0, 2)", {
      min: 0,
      max: 2,
    }),
    length: int(200, "frames per trajectory", { min: 8 }),
    k: float(1, "generalised diffusion coefficient K (px^2 / frame^alpha)", { min: 0 }),
    check_count: int(100, "trajectories per alpha for the TAMSD slope check", { min: 1 }),
  },
  inputs: {},
  outputs: {
    figure: { kind: "figure", doc: "fig1.svg, fig1.png, fig1.vl.json (spec) and fig1_data.csv" },
  },
  async run(ctx) {
    const { alphas, length, k, check_count: checkCount } = ctx.params;
    const checkLag = Math.min(CHECK_MAX_LAG, length - 1);
    const curves: TrajectoryMsdCurve[] = [];
    const bar = ctx.progress(alphas.length * (checkCount + 1), { unit: "traj" });
    for (const alpha of alphas) {
      // One stream per particle and purpose: the picture does not change with check_count.
      const trajectory = fractionalBrownianMotion(length, alpha, ctx.rng.stream(`fig1 ${alpha}`), {
        dim: 2,
        k,
      });
      const tamsd = timeAveragedMsd(trajectory, [1, length, 2], Math.floor(length / 4));
      curves.push({ alpha, trajectory, tamsd });
      bar.tick();

      const checkRng = ctx.rng.stream(`check ${alpha}`);
      const ensemble = new Float64Array(checkCount * length * 2);
      for (let n = 0; n < checkCount; n++) {
        ensemble.set(
          fractionalBrownianMotion(length, alpha, checkRng, { dim: 2, k }),
          n * length * 2,
        );
        bar.tick();
      }
      const slope = meanTamsdSlope(ensemble, [checkCount, length, 2], checkLag);
      ctx.metric(`tamsd_slope_alpha_${alpha}`, slope);
      const summary = `alpha ${alpha}: TAMSD slope ${slope.toFixed(3)} (lags 1..${checkLag}, ` +
        `${checkCount} trajectories)`;
      if (Math.abs(slope - alpha) > CHECK_TOLERANCE) {
        ctx.log.warn(
          `${summary} is more than ${CHECK_TOLERANCE} from alpha; figures.md §A.1 expects it within`,
        );
      } else {
        ctx.log.info(summary);
      }
    }
    bar.done();

    const spec = trajectoriesMsdSpec(curves, { k });
    const { svg, png } = await renderVegaLite(spec, {
      scale: 2,
      onWarning: (message) => ctx.log.warn(`Vega: ${message}`),
    });
    const out = ctx.output("figure");
    await Deno.writeTextFile(join(out, "fig1.svg"), svg);
    await Deno.writeFile(join(out, "fig1.png"), png);
    await Deno.writeTextFile(join(out, "fig1.vl.json"), JSON.stringify(spec, null, 2) + "\n");
    await Deno.writeTextFile(
      join(out, "fig1_data.csv"),
      trajectoriesMsdCsv(trajectoriesMsdRows(curves, { k })),
    );
  },
});
