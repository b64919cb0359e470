// The resandi pipeline's datasets through the CLI, read back with the dataset loader.

import { deepEqual, equal, ok } from "node:assert/strict";
import { cliInScratch as run } from "./_toy.ts";
import { loadDataset } from "../lib/data/loader.ts";
import { RESANDI_CLASSES } from "../lib/sim/resandi_dataset.ts";

Deno.test("run resandi --preset smoke writes two different 8-class datasets the loader reads", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "andiflow-resandi-" });
  const result = await run(scratch, "run", "resandi", "--preset", "smoke");
  equal(result.code, 0, result.stderr);
  const paths = await run(
    scratch,
    "query",
    "SELECT step, path FROM run_artefacts WHERE output = 'trajectories' ORDER BY step",
    "--json",
  );
  const artefacts: { step: string; path: string }[] = JSON.parse(paths.stdout);
  deepEqual(artefacts.map((a) => a.step), ["test_set", "train_set"]);
  const train = await loadDataset(artefacts[1].path);
  const test = await loadDataset(artefacts[0].path);
  equal(train.meta.count, 8 * 20);
  equal(test.meta.count, 8 * 10);
  deepEqual([train.meta.maxLength, train.meta.dim], [100, 2]);
  deepEqual(
    [...new Set(train.labels.map((label) => label.model))],
    [...RESANDI_CLASSES],
  );
  ok(train.lengths.every((length) => length >= 10 && length <= 100));
  // Each step draws from its own random stream: the two sets differ.
  ok(train.positions.subarray(0, 200).some((value, i) => value !== test.positions[i]));
});
