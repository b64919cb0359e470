// End-to-end: the toy pipeline (source -> square -> sum) through the CLI in subprocesses.

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { cli, finish, makeToyProject, spawnCli, waitForFile, writeToyFile } from "./_toy.ts";
import { registerBlasBackend } from "../lib/nn/backend.ts";

Deno.test("run executes every step once, then restores all of them from the cache", async () => {
  const root = await makeToyProject();
  const first = await cli(root, "run", "toy");
  equal(first.code, 0, first.stderr);
  deepEqual(first.steps, { source: "ran", square: "ran", sum: "ran" });
  const second = await cli(root, "run", "toy");
  equal(second.code, 0, second.stderr);
  deepEqual(second.steps, { source: "cached", square: "cached", sum: "cached" });
  match(second.stdout, /nothing ran: every step was restored from the cache/);
  const published = JSON.parse(await Deno.readTextFile(join(root, "reports/toy/total.json")));
  ok(published.total > 0);
});

Deno.test("run re-runs only the steps a changed parameter affects, and says why", async () => {
  const root = await makeToyProject();
  equal((await cli(root, "run", "toy")).code, 0);
  const plan = await cli(root, "run", "toy", "--set", "source.count=7", "--dry-run");
  equal(plan.code, 0, plan.stderr);
  match(plan.stdout, /source\s+will run\s+parameter `count` 5 -> 7/);
  match(plan.stdout, /square\s+will run\s+upstream `source` will run/);
  const changed = await cli(root, "run", "toy", "--set", "source.count=7");
  deepEqual(changed.steps, { source: "ran", square: "ran", sum: "ran" });
  // Back to the first value: everything is still in the cache.
  const back = await cli(root, "run", "toy");
  deepEqual(back.steps, { source: "cached", square: "cached", sum: "cached" });
  // A parameter of the last step touches nothing upstream.
  const last = await cli(root, "run", "toy", "--set", "sum.wait_for=", "--force", "sum");
  deepEqual(last.steps, { source: "cached", square: "cached", sum: "ran" });
  match(last.stdout, /sum\s+ran\s+[\d.]+s\s+forced \(--force\)/);
});

Deno.test("run re-runs a task whose imported module changed, and only that task", async () => {
  const root = await makeToyProject();
  equal((await cli(root, "run", "toy")).code, 0);
  // A comment changes the module's hash: square re-runs, produces the same bytes, and sum is
  // restored because its input artefact is unchanged.
  await writeToyFile(
    root,
    "lib/toy_math.ts",
    "// squares, reworded\nexport function square(x: number): number {\n  return x * x;\n}\n",
  );
  const plan = await cli(root, "run", "toy", "--dry-run");
  match(plan.stdout, /square\s+will run\s+code `lib\/toy_math.ts` changed/);
  const edited = await cli(root, "run", "toy");
  deepEqual(edited.steps, { source: "cached", square: "ran", sum: "cached" });
  // A change of meaning changes the output, so the step downstream runs too.
  await writeToyFile(
    root,
    "lib/toy_math.ts",
    "export function square(x: number): number {\n  return x * x + 1;\n}\n",
  );
  const meaning = await cli(root, "run", "toy");
  deepEqual(meaning.steps, { source: "cached", square: "ran", sum: "ran" });
});

Deno.test("a run killed with SIGKILL mid-step is marked interrupted and the same command resumes it", async () => {
  const root = await makeToyProject();
  const gate = join(root, "gate");
  const child = spawnCli(root, "run", "toy", "--set", `sum.wait_for=${gate}`);
  await waitForFile(`${gate}.started`);
  child.kill("SIGKILL");
  await child.output();

  // No half-written artefact: every stored object belongs to a complete step record.
  const referenced = new Set<string>();
  for await (const entry of Deno.readDir(join(root, ".state/steps"))) {
    const record = JSON.parse(await Deno.readTextFile(join(root, ".state/steps", entry.name)));
    for (const artefact of Object.values(record.outputs) as { hash: string }[]) {
      referenced.add(artefact.hash);
    }
  }
  const stored: string[] = [];
  for await (const prefix of Deno.readDir(join(root, ".state/objects"))) {
    for await (const object of Deno.readDir(join(root, ".state/objects", prefix.name))) {
      stored.push(object.name);
    }
  }
  deepEqual(stored.sort(), [...referenced].sort());
  equal(referenced.size, 2, "source and square completed before the kill");

  const status = await cli(root, "status");
  equal(status.code, 0, status.stderr);
  match(status.stdout, /toy\s+\S*\s+interrupted/);

  await Deno.writeTextFile(gate, "go");
  const resumed = await cli(root, "run", "toy", "--set", `sum.wait_for=${gate}`);
  equal(resumed.code, 0, resumed.stderr);
  deepEqual(resumed.steps, { source: "cached", square: "cached", sum: "ran" });
  const runs = await cli(root, "query", "SELECT status FROM runs ORDER BY started_at", "--csv");
  equal(runs.stdout, "status\ninterrupted\ndone\n");
});

Deno.test("a second run waits for the writer lock (or fails with --no-wait) while queries still answer", async () => {
  const root = await makeToyProject();
  const gate = join(root, "gate");
  const first = spawnCli(root, "run", "toy", "--set", `sum.wait_for=${gate}`);
  await waitForFile(`${gate}.started`);

  const refused = await cli(root, "run", "toy", "--no-wait");
  equal(refused.code, 1);
  match(
    refused.stderr,
    /Cannot take the writer lock of .*: held by pid \d+ on .* \(andiflow run toy/,
  );

  const queued = spawnCli(root, "run", "toy", "--set", "source.count=3");
  const during = await cli(
    root,
    "query",
    "SELECT step, status FROM steps ORDER BY step",
    "--csv",
  );
  equal(during.code, 0, during.stderr);
  equal(during.stdout, "step,status\nsource,done\nsquare,done\nsum,running\n");

  // Open the gate only once the queued run says it waits, or a slow start would miss the lock.
  const queuedStdout = new Response(queued.stdout).text();
  const stderr = queued.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let queuedStderr = "";
  while (!/waiting for the writer lock, held by pid \d+/.test(queuedStderr)) {
    const chunk = await stderr.read();
    if (chunk.done) break;
    queuedStderr += chunk.value;
  }
  match(queuedStderr, /waiting for the writer lock, held by pid \d+/);
  await Deno.writeTextFile(gate, "go");
  const firstResult = await finish(first);
  equal(firstResult.code, 0, firstResult.stderr);
  for (let chunk = await stderr.read(); !chunk.done; chunk = await stderr.read()) {
    queuedStderr += chunk.value;
  }
  equal((await queued.status).code, 0, queuedStderr);
  const queuedSteps = await queuedStdout;
  for (const step of ["source", "square", "sum"]) {
    match(queuedSteps, new RegExp(`^ {2}${step}\\s+ran\\b`, "m"));
  }
});

Deno.test("a failing step fails the run, skips what follows, and keeps what completed", async () => {
  const root = await makeToyProject();
  const failed = await cli(root, "run", "toy", "--set", "sum.fail=true");
  equal(failed.code, 1);
  deepEqual(failed.steps, { source: "ran", square: "ran", sum: "FAILED" });
  match(failed.stderr, /error: Step "sum" failed: toy failure on purpose/);
  const fixed = await cli(root, "run", "toy");
  deepEqual(fixed.steps, { source: "cached", square: "cached", sum: "ran" });
  const steps = await cli(
    root,
    "query",
    `SELECT s.step, s.status, s.error FROM steps s JOIN runs r USING (run_id)
     WHERE r.status = 'failed' ORDER BY s.step`,
    "--csv",
  );
  equal(
    steps.stdout,
    "step,status,error\nsource,done,\nsquare,done,\nsum,failed,toy failure on purpose\n",
  );
});

Deno.test("query prints an aligned table, CSV and JSON", async () => {
  const root = await makeToyProject();
  equal((await cli(root, "run", "toy")).code, 0);
  const sql = "SELECT step, cached, 1.5 AS x FROM steps ORDER BY step";
  const table = await cli(root, "query", sql);
  equal(
    table.stdout,
    [
      "step    cached    x",
      "──────  ──────  ───",
      "source  false   1.5",
      "square  false   1.5",
      "sum     false   1.5",
      "(3 rows)",
      "",
    ].join("\n"),
  );
  const csv = await cli(root, "query", sql, "--csv");
  equal(csv.stdout, "step,cached,x\nsource,false,1.5\nsquare,false,1.5\nsum,false,1.5\n");
  const json = await cli(root, "query", sql, "--json");
  deepEqual(JSON.parse(json.stdout), [
    { step: "source", cached: false, x: 1.5 },
    { step: "square", cached: false, x: 1.5 },
    { step: "sum", cached: false, x: 1.5 },
  ]);
  const bad = await cli(root, "query", "SELEC 1");
  equal(bad.code, 1);
  match(bad.stderr, /^error: Parser Error: syntax error at or near "SELEC"\n$/);
});

Deno.test("metrics recorded by a step are shared with every run that restores it", async () => {
  const root = await makeToyProject();
  equal((await cli(root, "run", "toy")).code, 0);
  equal((await cli(root, "run", "toy")).code, 0);
  const rows = await cli(
    root,
    "query",
    "SELECT count(DISTINCT run_id) AS runs, count(*) AS points FROM run_metrics WHERE metric = 'partial_sum'",
    "--csv",
  );
  equal(rows.stdout, "runs,points\n2,10\n");
  const compare = await cli(root, "compare", "latest", "latest~1");
  equal(compare.code, 0, compare.stderr);
  match(compare.stdout, /parameters that differ:\n {2}\(none\)/);
});

Deno.test("gc deletes artefacts that no recorded run references", async () => {
  const root = await makeToyProject();
  equal((await cli(root, "run", "toy")).code, 0);
  // Artefacts of a run whose store was deleted are referenced by no recorded run.
  await Deno.remove(join(root, ".state/runs.duckdb"));
  equal((await cli(root, "run", "toy", "--set", "source.count=2")).code, 0);
  const dry = await cli(root, "gc", "--dry-run");
  match(dry.stdout, /would delete 3 artefact\(s\) .*, 3 step record\(s\)/);
  const done = await cli(root, "gc");
  match(done.stdout, /deleted 3 artefact\(s\)/);
  const again = await cli(root, "run", "toy", "--set", "source.count=2");
  deepEqual(again.steps, { source: "cached", square: "cached", sum: "cached" });
});

Deno.test("the same seed gives the same bytes and another seed other bytes", async () => {
  const root = await makeToyProject();
  equal((await cli(root, "run", "toy", "--seed", "3")).code, 0);
  const a = await Deno.readTextFile(join(root, "reports/toy/total.json"));
  const other = await makeToyProject();
  equal((await cli(other, "run", "toy", "--seed", "3")).code, 0);
  equal(await Deno.readTextFile(join(other, "reports/toy/total.json")), a);
  const changed = await cli(root, "run", "toy", "--seed", "4", "--dry-run");
  match(changed.stdout, /source\s+will run\s+seed 3 -> 4/);
  match(changed.stdout, /square\s+will run\s+upstream `source` will run/);
});

Deno.test("the compute backend is recorded with the run and a change of backend re-runs the steps that declare it", async () => {
  const root = await makeToyProject();
  const first = await cli(root, "run", "toy", "--backend", "cpu");
  equal(first.code, 0, first.stderr);
  const versions = await cli(
    root,
    "query",
    "SELECT versions->>'backend' AS backend, versions->>'backend_library' AS library FROM runs",
    "--csv",
  );
  equal(versions.stdout.trim(), "backend,library\ncpu,none");
  const again = await cli(root, "run", "toy", "--backend", "cpu");
  deepEqual(again.steps, { source: "cached", square: "cached", sum: "cached" });
  if (registerBlasBackend() === null) return;
  const plan = await cli(root, "run", "toy", "--backend", "blas", "--dry-run");
  equal(plan.code, 0, plan.stderr);
  match(plan.stdout, /square\s+will run\s+runtime `backend` cpu -> blas/);
  match(plan.stdout, /source\s+cached/);
});
