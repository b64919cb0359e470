// The theory pipeline: one dataset per AnDi-1 model, through the CLI.

import { deepEqual, equal, ok } from "node:assert/strict";
import { cliInScratch } from "./_toy.ts";
import { loadDataset } from "../lib/data/loader.ts";

Deno.test("run theory --preset smoke writes one dataset per model with alphas in the declared ranges", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "andiflow-theory-" });
  const result = await cliInScratch(scratch, "run", "theory", "--preset", "smoke");
  equal(result.code, 0, result.stderr);
  const artefacts: { step: string; path: string }[] = JSON.parse(
    (await cliInScratch(
      scratch,
      "query",
      "SELECT step, path FROM run_artefacts ORDER BY step",
      "--json",
    )).stdout,
  );
  deepEqual(artefacts.map((a) => a.step), ["attm", "bm", "ctrw", "fbm", "lw", "sbm"]);
  const ranges: Record<string, [number, number]> = {
    attm: [0.1, 0.9],
    bm: [1, 1],
    ctrw: [0.1, 0.9],
    fbm: [0.1, 1.9],
    lw: [1.1, 1.9],
    sbm: [0.1, 1.9],
  };
  for (const { step, path } of artefacts) {
    const dataset = await loadDataset(path);
    equal(dataset.meta.count, 20);
    ok(dataset.labels.every((label) => label.model === step));
    const [low, high] = ranges[step];
    ok(
      dataset.labels.every((label) =>
        (label.alpha as number) >= low && (label.alpha as number) <= high
      ),
      step,
    );
    ok(dataset.positions.every(Number.isFinite));
  }
  const bad = await cliInScratch(
    scratch,
    "run",
    "theory",
    "--set",
    "lw.alpha_min=0.5",
    "--preset",
    "smoke",
  );
  equal(bad.code, 1);
  ok(
    bad.stderr.includes(
      "Cannot simulate lw: alphas must satisfy 1.05 <= alpha_min <= alpha_max <= 2, got 0.5..1.9",
    ),
    bad.stderr,
  );
});
