/**
 * What the orchestrator writes about runs and steps, and what readers look up. Every function is
 * one short transaction (see `store.ts` for why).
 *
 * @module
 */

import type { DuckDBValue } from "@duckdb/node-api";
import type { ArtefactRecord, MetricRecord } from "../engine/cache.ts";
import { refreshParamsWide } from "./schema.ts";
import { type StoreSession, withStore } from "./store.ts";

/** A run as it starts. */
export interface RunStart {
  /** Run id. */
  runId: string;
  /** Pipeline name. */
  pipeline: string;
  /** Preset applied, or null. */
  preset: string | null;
  /** `--set` overrides. */
  overrides: string[];
  /** Run seed. */
  seed: number;
  /** Git commit of the project, when it is a git checkout. */
  gitCommit: string | null;
  /** Whether the checkout has uncommitted changes. */
  gitDirty: boolean | null;
  /** Host name. */
  host: string;
  /** Command line. */
  command: string;
  /** Versions and runtime facts. */
  versions: Record<string, string>;
  /** Resolved parameters: step -> name -> value. */
  params: Record<string, Record<string, unknown>>;
}

/** Inserts a run and its parameters. */
export function beginRun(path: string, run: RunStart): Promise<void> {
  return withStore(path, async (session) => {
    await session.exec(
      `INSERT INTO runs (run_id, pipeline, preset, overrides, seed, status, started_at, git_commit,
         git_dirty, host, pid, command, versions)
       VALUES (?, ?, ?, ?::VARCHAR[], ?, 'running', now(), ?, ?, ?, ?, ?, ?::JSON)`,
      [
        run.runId,
        run.pipeline,
        run.preset,
        JSON.stringify(run.overrides),
        run.seed,
        run.gitCommit,
        run.gitDirty,
        run.host,
        Deno.pid,
        run.command,
        JSON.stringify(run.versions),
      ],
    );
    const rows: DuckDBValue[][] = [];
    for (const [step, values] of Object.entries(run.params)) {
      for (const [name, value] of Object.entries(values)) {
        rows.push([run.runId, step, name, JSON.stringify(value)]);
      }
    }
    await session.insertMany("params", ["run_id", "step", "name", "value"], rows);
    await refreshParamsWide(session);
  });
}

/**
 * Marks runs and steps left `running` by a process that died as `interrupted`. Only call it while
 * holding the writer lock: then no other process can be running them.
 */
export function markInterrupted(path: string): Promise<number> {
  return withStore(path, async (session) => {
    const [{ n }] = await session.objects<{ n: bigint }>(
      "SELECT count(*) AS n FROM runs WHERE status = 'running'",
    );
    await session.exec(
      `UPDATE steps SET status = 'interrupted', ended_at = now()
       WHERE status = 'running' OR (status = 'pending' AND run_id IN
         (SELECT run_id FROM runs WHERE status = 'running'))`,
    );
    await session.exec(
      "UPDATE runs SET status = 'interrupted', ended_at = now() WHERE status = 'running'",
    );
    return Number(n);
  });
}

/** A step's row as the run goes. */
export interface StepRow {
  /** Step name. */
  step: string;
  /** Task name. */
  task: string;
  /** Task version. */
  taskVersion: number;
  /** Step key, once known. */
  key: string | null;
  /** pending, running, done, failed, skipped. */
  status: string;
  /** Restored from the cache. */
  cached: boolean | null;
  /** Why it ran, or "cached". */
  reason: string | null;
  /** Error message, for failed steps. */
  error?: string | null;
  /** Task seconds. */
  durationS?: number | null;
}

/** Inserts or updates step rows of a run. */
export function recordSteps(path: string, runId: string, rows: StepRow[]): Promise<void> {
  return withStore(path, (session) => upsertSteps(session, runId, rows));
}

async function upsertSteps(session: StoreSession, runId: string, rows: StepRow[]): Promise<void> {
  for (const row of rows) {
    await session.exec(
      `INSERT INTO steps (run_id, step, task, task_version, key, status, cached, reason, started_at,
         ended_at, duration_s, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?,
         CASE WHEN ? = 'running' OR ? THEN now() END,
         CASE WHEN ? IN ('done', 'failed', 'interrupted') THEN now() END, ?, ?)
       ON CONFLICT (run_id, step) DO UPDATE SET
         key = excluded.key, status = excluded.status, cached = excluded.cached,
         reason = excluded.reason, started_at = coalesce(steps.started_at, excluded.started_at),
         ended_at = excluded.ended_at, duration_s = excluded.duration_s, error = excluded.error`,
      [
        runId,
        row.step,
        row.task,
        row.taskVersion,
        row.key,
        row.status,
        row.cached,
        row.reason,
        row.status,
        row.cached === true,
        row.status,
        row.durationS ?? null,
        row.error ?? null,
      ],
    );
  }
}

/** Appends metric values of a step key (replacing equal indices). */
export function recordMetrics(path: string, key: string, metrics: MetricRecord[]): Promise<void> {
  if (metrics.length === 0) return Promise.resolve();
  return withStore(path, (session) => insertMetrics(session, key, metrics));
}

function insertMetrics(session: StoreSession, key: string, metrics: MetricRecord[]) {
  const now = new Date().toISOString();
  return session.insertMany(
    "metrics",
    ["key", "name", "step_index", "value", "recorded_at"],
    metrics.map((metric) => [key, metric.name, metric.step, metric.value, now]),
  );
}

/**
 * Records a finished step (run or restored): its row, and its metrics and artefacts under its key
 * when the store does not have them yet (a restored step may come from a store since deleted).
 */
export function recordStepResult(
  path: string,
  runId: string,
  row: StepRow,
  result: { metrics: MetricRecord[]; outputs: Record<string, ArtefactRecord & { path: string }> },
): Promise<void> {
  return withStore(path, async (session) => {
    await upsertSteps(session, runId, [row]);
    const [{ n }] = await session.objects<{ n: bigint }>(
      "SELECT count(*) AS n FROM metrics WHERE key = ?",
      [row.key],
    );
    if (Number(n) === 0 || !row.cached) await insertMetrics(session, row.key!, result.metrics);
    await session.insertMany(
      "artefacts",
      ["key", "output", "checksum", "kind", "path", "bytes", "files"],
      Object.entries(result.outputs).map(([output, artefact]) => [
        row.key,
        output,
        artefact.hash,
        artefact.kind,
        artefact.path,
        artefact.bytes,
        artefact.files,
      ]),
    );
  });
}

/** Marks a run finished. */
export function finishRun(
  path: string,
  runId: string,
  status: "done" | "failed" | "interrupted",
  error: string | null = null,
): Promise<void> {
  return withStore(
    path,
    (session) =>
      session.exec("UPDATE runs SET status = ?, ended_at = now(), error = ? WHERE run_id = ?", [
        status,
        error,
        runId,
      ]),
  );
}

/** Every step key some recorded run references (what `gc` keeps). */
export function referencedKeys(path: string): Promise<Set<string>> {
  return withStore(path, async (session) => {
    const rows = await session.objects<{ key: string }>(
      "SELECT DISTINCT key FROM steps WHERE key IS NOT NULL",
    );
    return new Set(rows.map((row) => row.key));
  }, { readOnly: true });
}

/**
 * Resolves a run reference: a full id, a unique prefix, `latest` or `latest~N` (N runs back).
 *
 * @throws {Error} naming the reference when no run or several runs match
 */
export async function resolveRunId(session: StoreSession, reference: string): Promise<string> {
  const back = /^latest(?:~(\d+))?$/.exec(reference);
  if (back) {
    const rows = await session.objects<{ run_id: string }>(
      "SELECT run_id FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1 OFFSET ?",
      [Number(back[1] ?? 0)],
    );
    if (rows.length === 0) throw new Error(`Cannot find run "${reference}": too few runs recorded`);
    return rows[0].run_id;
  }
  const rows = await session.objects<{ run_id: string }>(
    "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id",
    [reference],
  );
  if (rows.length === 1) return rows[0].run_id;
  if (rows.length === 0) {
    throw new Error(
      `Cannot find run "${reference}": no run id starts with it; list runs with "status"`,
    );
  }
  throw new Error(
    `Cannot find run "${reference}": it matches ${rows.length} runs (${
      rows.slice(0, 3).map((row) => row.run_id).join(", ")
    }, ...); give more characters`,
  );
}
