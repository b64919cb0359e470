/**
 * Tables and views of the run store. Metrics and artefacts belong to a step *key*, not a run: a
 * step restored from the cache in a later run shares the metrics it recorded when it ran, and
 * the views join them back to every run that used that key.
 *
 * @module
 */

import type { StoreSession } from "./store.ts";

/** Statements that create the tables and fixed views; safe to run on every open. */
export const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    pipeline VARCHAR NOT NULL,
    preset VARCHAR,
    overrides VARCHAR[],
    seed BIGINT,
    status VARCHAR NOT NULL,      -- running, done, failed, interrupted
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ,
    git_commit VARCHAR,
    git_dirty BOOLEAN,
    host VARCHAR,
    pid INTEGER,
    command VARCHAR,
    versions JSON,                -- deno, v8, typescript, os, arch, backend, ...
    error VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS steps (
    run_id VARCHAR NOT NULL,
    step VARCHAR NOT NULL,
    task VARCHAR NOT NULL,
    task_version INTEGER,
    key VARCHAR,
    status VARCHAR NOT NULL,      -- pending, running, done, failed, skipped, interrupted
    cached BOOLEAN,
    reason VARCHAR,               -- why it ran (or "cached")
    started_at TIMESTAMPTZ,
    ended_at TIMESTAMPTZ,
    duration_s DOUBLE,            -- task time; 0 when restored from the cache
    error VARCHAR,
    PRIMARY KEY (run_id, step)
  )`,
  `CREATE TABLE IF NOT EXISTS params (
    run_id VARCHAR NOT NULL,
    step VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    value JSON,
    PRIMARY KEY (run_id, step, name)
  )`,
  `CREATE TABLE IF NOT EXISTS metrics (
    key VARCHAR NOT NULL,         -- step key
    name VARCHAR NOT NULL,
    step_index INTEGER NOT NULL,  -- epoch, decile, noise level, ...
    value DOUBLE,
    recorded_at TIMESTAMPTZ,
    PRIMARY KEY (key, name, step_index)
  )`,
  `CREATE TABLE IF NOT EXISTS artefacts (
    key VARCHAR NOT NULL,         -- step key
    output VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,    -- content hash; also the object's directory name
    kind VARCHAR,
    path VARCHAR,
    bytes BIGINT,
    files INTEGER,
    PRIMARY KEY (key, output)
  )`,
  `CREATE VIEW IF NOT EXISTS run_metrics AS
    SELECT s.run_id, s.step, m.name AS metric, m.step_index, m.value, s.cached, m.recorded_at
    FROM steps s JOIN metrics m ON m.key = s.key`,
  `CREATE VIEW IF NOT EXISTS last_metrics AS
    SELECT run_id, step, metric, arg_max(value, step_index) AS value,
           max(step_index) AS last_index, count(*) AS points
    FROM run_metrics GROUP BY run_id, step, metric`,
  `CREATE VIEW IF NOT EXISTS run_summary AS
    SELECT r.run_id, r.pipeline, r.preset, r.status, r.started_at,
           round(epoch(coalesce(r.ended_at, now()) - r.started_at), 2) AS duration_s,
           count(s.step) AS steps,
           count(s.step) FILTER (WHERE s.cached) AS cached,
           count(s.step) FILTER (WHERE s.status = 'done' AND NOT s.cached) AS executed,
           count(s.step) FILTER (WHERE s.status = 'failed') AS failed,
           r.git_commit, r.host
    FROM runs r LEFT JOIN steps s USING (run_id)
    GROUP BY ALL`,
  `CREATE VIEW IF NOT EXISTS run_artefacts AS
    SELECT s.run_id, s.step, a.output, a.kind, a.checksum, a.path, a.bytes, a.files
    FROM steps s JOIN artefacts a ON a.key = s.key`,
];

/**
 * Rebuilds `params_wide` (one row per run, one column per `step.param`). DuckDB cannot keep a
 * PIVOT over data-dependent columns in a view, so the column list is written in from the data.
 */
export async function refreshParamsWide(session: StoreSession): Promise<void> {
  const names = await session.objects<{ column: string }>(
    "SELECT DISTINCT step || '.' || name AS column FROM params ORDER BY 1",
  );
  if (names.length === 0) {
    await session.exec(
      "CREATE OR REPLACE VIEW params_wide AS SELECT run_id, pipeline FROM runs WHERE false",
    );
    return;
  }
  // Names come from our own parameter declarations, but quote them anyway as SQL literals and
  // identifiers, so no value can change the statement's meaning.
  const columns = names.map(({ column }) =>
    `any_value(value) FILTER (WHERE step || '.' || name = ${quoteLiteral(column)}) AS ${
      quoteIdentifier(column)
    }`
  );
  await session.exec(
    `CREATE OR REPLACE VIEW params_wide AS
      SELECT run_id, any_value(r.pipeline) AS pipeline, ${columns.join(", ")}
      FROM params JOIN runs r USING (run_id) GROUP BY run_id`,
  );
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function quoteIdentifier(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}
