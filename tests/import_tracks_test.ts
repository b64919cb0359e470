// The import_tracks task through the CLI: the user's file is part of the step's cache key.

import { equal, match } from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cliInScratch as run } from "./_toy.ts";

const PIPELINE = pathToFileURL(join(import.meta.dirname!, "..", "lib/engine/pipeline.ts")).href;

function tracks(shift: number): string {
  const rows = ["traj_id,t,x,y"];
  for (const id of [1, 2]) {
    for (let t = 0; t < 12; t++) rows.push(`${id},${t},${t * 0.5 + shift},${id - t * 0.25}`);
  }
  return rows.join("\n") + "\n";
}

Deno.test("run re-imports a user's tracks when the file's content changes, and says so", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "andiflow-import-" });
  const csv = join(scratch, "tracks.csv");
  await Deno.writeTextFile(csv, tracks(0));
  const pipeline = join(scratch, "tracks.ts");
  await Deno.writeTextFile(
    pipeline,
    `import { pipeline, step } from "${PIPELINE}";
export const tracks = pipeline("tracks", {
  load: step("import_tracks", { path: ${JSON.stringify(csv)}, min_length: 5 }),
});\n`,
  );
  const first = await run(scratch, "run", pipeline);
  equal(first.code, 0, first.stderr);
  match(first.stdout, /load\s+ran/);
  match((await run(scratch, "run", pipeline)).stdout, /load\s+cached/);

  await Deno.writeTextFile(csv, tracks(1));
  const plan = await run(scratch, "run", pipeline, "--dry-run");
  match(
    plan.stdout,
    new RegExp(`load\\s+will run\\s+input file \`${csv.replaceAll("/", "\\/")}\` changed`),
  );
  match((await run(scratch, "run", pipeline)).stdout, /load\s+ran/);

  await Deno.writeTextFile(csv, "traj_id,t,x\n1,0,0\n");
  const bad = await run(scratch, "run", pipeline);
  equal(bad.code, 1);
  match(bad.stderr, /error: Step "load" failed: Cannot import tracks .*missing column/i);
});
