import { defineTask } from "../lib/engine/task.ts";
import { bool, choice, float, int } from "../lib/engine/params.ts";
import { openDatasetWriter } from "../lib/data/dataset.ts";
import { addLocalizationNoise } from "../lib/sim/normalize.ts";
import {
  drawNormalized,
  simulateTheoryModel,
  THEORY_ALPHA_RANGES,
  THEORY_MODELS,
} from "../lib/sim/theory_models.ts";

/** Trajectories of one AnDi-1 theory model (andi-models.md §2) as a dataset artefact. */
export const simulateTheory = defineTask({
  name: "simulate_theory",
  version: 1,
  doc: "one theory model (attm, ctrw, fbm, lw, sbm, bm), alpha ~ U(alpha_min, alpha_max)",
  params: {
    model: choice(THEORY_MODELS, "fbm", "model id"),
    count: int(1000, "number of trajectories", { min: 1 }),
    min_length: int(200, "shortest trajectory (frames)", { min: 3 }),
    max_length: int(200, "longest trajectory (frames)", { min: 3 }),
    alpha_min: float(0.5, "smallest anomalous exponent", { min: 0, max: 2 }),
    alpha_max: float(0.5, "largest anomalous exponent", { min: 0, max: 2 }),
    dim: int(2, "spatial dimensions", { min: 1, max: 2 }),
    normalize: bool(false, "rescale each axis to unit-variance displacements (§1.3)"),
    noise_std: float(0, "localisation noise std, added last", { min: 0 }),
  },
  inputs: {},
  outputs: {
    trajectories: {
      kind: "dataset",
      doc: "positions.npy, lengths.npy, labels.parquet (model, alpha), meta.json",
    },
  },
  async run(ctx) {
    const { model, count, min_length, max_length, alpha_min, alpha_max, dim } = ctx.params;
    const [low, high] = THEORY_ALPHA_RANGES[model as keyof typeof THEORY_ALPHA_RANGES];
    if (model !== "bm" && (alpha_min < low || alpha_max > high || alpha_min > alpha_max)) {
      throw new RangeError(
        `Cannot simulate ${model}: alphas must satisfy ${low} <= alpha_min <= alpha_max <= ${high}, got ${alpha_min}..${alpha_max}; set ${ctx.stepName}.alpha_min and alpha_max`,
      );
    }
    if (max_length < min_length) {
      throw new RangeError(
        `Cannot simulate ${model}: max_length ${max_length} is below min_length ${min_length}`,
      );
    }
    await using writer = await openDatasetWriter(
      ctx.output("trajectories"),
      { count, maxLength: max_length, dim },
      { meta: { generator: "theory", params: ctx.params } },
    );
    const bar = ctx.progress(count, { unit: "traj" });
    const theoryModel = model as typeof THEORY_MODELS[number];
    for (let n = 0; n < count; n++) {
      const length = ctx.rng.integer(min_length, max_length + 1);
      const alpha = model === "bm"
        ? 1
        : alpha_min === alpha_max
        ? alpha_min
        : ctx.rng.uniformRange(alpha_min, alpha_max);
      const positions = ctx.params.normalize
        ? drawNormalized(theoryModel, length, alpha, ctx.rng, dim)
        : simulateTheoryModel(theoryModel, length, alpha, ctx.rng, dim);
      addLocalizationNoise(positions, ctx.params.noise_std, ctx.rng);
      await writer.append(positions, { model, alpha });
      bar.tick();
    }
    bar.done();
    await writer.close();
  },
});
