/**
 * The pipeline engine: tasks and their parameters, pipeline declarations and loading, the
 * content-addressed cache, code fingerprints, the writer lock, progress bars, and the runner.
 *
 * @example Declaring and loading a pipeline
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { pipeline, step } from "./mod.ts";
 * const demo = pipeline("demo", { simulate: step("simulate_brownian", { count: 10 }) });
 * equal(demo.steps.simulate.task, "simulate_brownian");
 * ```
 *
 * @module
 */

export * from "./task.ts";
export * from "./params.ts";
export * from "./pipeline.ts";
export { listPipelines, listTasks, loadPipeline, loadTask, PipelineError } from "./load.ts";
export type { LoadOptions, ResolvedPipeline, ResolvedStep } from "./load.ts";
export { planPipeline, runPipeline, TaskError } from "./run.ts";
export type { RunOptions, RunResult, StepOutcome } from "./run.ts";
export { collectGarbage } from "./cache.ts";
export { acquireWriterLock, describeHolder, LockBusyError } from "./lock.ts";
export { ProgressBar } from "./progress.ts";
export type { ProgressSink } from "./progress.ts";
export { pipelineMermaid } from "./dag.ts";
