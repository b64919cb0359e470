// The andi2 pipeline's dataset through the CLI, read back with the dataset loader.

import { deepEqual, equal, ok } from "node:assert/strict";
import { cliInScratch } from "./_toy.ts";
import { loadDataset, readFrameLabels } from "../lib/data/loader.ts";
import { ANDI2_MODELS } from "../lib/sim/andi2_dataset.ts";

Deno.test("run andi2 --preset smoke writes AnDi-2 tracks with frame labels the loader reads", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "andiflow-andi2-" });
  try {
    const result = await cliInScratch(scratch, "run", "andi2", "--preset", "smoke");
    equal(result.code, 0, result.stderr);
    const paths = await cliInScratch(
      scratch,
      "query",
      "SELECT step, path FROM run_artefacts WHERE output = 'trajectories'",
      "--json",
    );
    const artefacts: { step: string; path: string }[] = JSON.parse(paths.stdout);
    deepEqual(artefacts.map((a) => a.step), ["tracks"]);
    const dataset = await loadDataset(artefacts[0].path);
    const { count, maxLength, dim } = dataset.meta;
    ok(count > 0, "no tracks");
    deepEqual([maxLength, dim], [200, 2]);
    deepEqual(Object.keys(dataset.meta.labelColumns), [
      "traj_id",
      "length",
      "model",
      "experiment",
      "fov",
      "particle",
      "first_frame",
      "fov_x",
      "fov_y",
    ]);
    ok(dataset.lengths.every((length) => length >= 20 && length <= 200));
    for (const label of dataset.labels) {
      ok((ANDI2_MODELS as readonly unknown[]).includes(label.model), `model ${label.model}`);
      ok(label.experiment === 0 || label.experiment === 1, `experiment ${label.experiment}`);
      equal(label.fov, 0);
      ok(Number(label.particle) >= 0 && Number(label.particle) < 10);
      ok(Number(label.first_frame) + Number(label.length) <= 200);
    }
    const frames = await readFrameLabels(artefacts[0].path);
    ok(frames?.alpha && frames.k && frames.state, "frame labels alpha, k, state");
    for (let n = 0; n < count; n++) {
      for (let t = 0; t < maxLength; t++) {
        const at = n * maxLength + t;
        const inTrack = t < dataset.lengths[n];
        equal(frames.state[at] >= 0 && frames.state[at] <= 3, inTrack, `track ${n} frame ${t}`);
        if (!inTrack) continue;
        // Noisy positions stay near the 128 px FOV they were cut from.
        const x = dataset.positions[2 * at] - Number(dataset.labels[n].fov_x);
        const y = dataset.positions[2 * at + 1] - Number(dataset.labels[n].fov_y);
        ok(x > -1 && x < 129 && y > -1 && y < 129, `track ${n} frame ${t} at (${x}, ${y})`);
      }
    }
    const ensembles = dataset.meta.ensemble_labels as { matrix: number[][] }[];
    ok(ensembles.length >= 1 && ensembles.every((ensemble) => ensemble.matrix.length === 5));
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});
