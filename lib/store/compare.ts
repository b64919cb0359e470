/**
 * Comparing two runs: which parameters differ, and how their final metric values differ.
 *
 * @module
 */

import { formatTable } from "./format.ts";
import { resolveRunId } from "./runs.ts";
import type { QueryResult, StoreSession } from "./store.ts";

/** The two runs' differences as tables. */
export interface RunComparison {
  /** Resolved run ids. */
  runs: [string, string];
  /** step, param, a, b for every parameter whose value differs (or exists on one side). */
  params: QueryResult;
  /** step, metric, a, b, delta (b - a) of every metric's last value. */
  metrics: QueryResult;
}

/**
 * Finds the parameter and final-metric differences of two runs.
 *
 * @param reference runs as ids, unique prefixes, `latest` or `latest~N`
 * @throws {Error} when a reference matches no run or several
 */
export async function diffRuns(
  session: StoreSession,
  referenceA: string,
  referenceB: string,
): Promise<RunComparison> {
  const a = await resolveRunId(session, referenceA);
  const b = await resolveRunId(session, referenceB);
  const params = await session.rows(
    `WITH pa AS (SELECT step, name, value FROM params WHERE run_id = ?),
          pb AS (SELECT step, name, value FROM params WHERE run_id = ?)
     SELECT coalesce(pa.step, pb.step) AS step, coalesce(pa.name, pb.name) AS param,
            pa.value::VARCHAR AS a, pb.value::VARCHAR AS b
     FROM pa FULL OUTER JOIN pb ON pa.step = pb.step AND pa.name = pb.name
     WHERE pa.value IS DISTINCT FROM pb.value
     ORDER BY 1, 2`,
    [a, b],
  );
  const metrics = await session.rows(
    `WITH ma AS (SELECT step, metric, value FROM last_metrics WHERE run_id = ?),
          mb AS (SELECT step, metric, value FROM last_metrics WHERE run_id = ?)
     SELECT coalesce(ma.step, mb.step) AS step, coalesce(ma.metric, mb.metric) AS metric,
            ma.value AS a, mb.value AS b, mb.value - ma.value AS delta
     FROM ma FULL OUTER JOIN mb ON ma.step = mb.step AND ma.metric = mb.metric
     ORDER BY 1, 2`,
    [a, b],
  );
  return { runs: [a, b], params, metrics };
}

/** {@linkcode diffRuns} as text: two aligned tables under a header naming the runs. */
export async function compareRuns(
  session: StoreSession,
  referenceA: string,
  referenceB: string,
): Promise<string> {
  const { runs, params, metrics } = await diffRuns(session, referenceA, referenceB);
  const lines = [`a = ${runs[0]}`, `b = ${runs[1]}`, "", "parameters that differ:"];
  lines.push(params.rows.length ? formatTable(params.columns, params.rows) : "  (none)");
  lines.push("", "final metric values:");
  lines.push(metrics.rows.length ? formatTable(metrics.columns, metrics.rows) : "  (none)");
  return lines.join("\n");
}
