/**
 * The run store: DuckDB tables of runs, steps, parameters, metrics and artefacts, written in short
 * transactions so that readers can query during a run; plus text output formats and run
 * comparison.
 *
 * @module
 */

export { type QueryResult, type StoreSession, withStore } from "./store.ts";
export * from "./runs.ts";
export { compareRuns, diffRuns, type RunComparison } from "./compare.ts";
export { formatCsv, formatJson, formatTable } from "./format.ts";
