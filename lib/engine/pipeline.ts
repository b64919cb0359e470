/**
 * Pipeline declarations: a pipeline names its steps; each step names a task, sets some of its
 * parameters and wires its inputs to upstream outputs (`"simulate.trajectories"`). Presets
 * override parameters by `"step.param"`. These are plain data; `load.ts` checks them.
 *
 * @module
 */

import type { ParamValue } from "./params.ts";

/** One step of a pipeline. */
export interface StepDeclaration {
  /** Task name (file `tasks/<task>.ts`). */
  task: string;
  /** Parameter values that differ from the task's defaults. */
  params: Record<string, ParamValue>;
  /** Input name -> `"upstreamStep.output"`. */
  inputs: Record<string, string>;
}

/** Options of {@linkcode pipeline}. */
export interface PipelineOptions {
  /** One line for `help` and `status`. */
  doc?: string;
  /** Named sets of `"step.param": value` overrides (`smoke`, `cpu`, `paper`). */
  presets?: Record<string, Record<string, ParamValue>>;
  /** The preset used when none is named. @default {"cpu" when declared, else none} */
  defaultPreset?: string;
  /** Report folder (under `reports/`) -> `"step.output"` whose files are copied there after a run. */
  publish?: Record<string, string>;
}

/** A pipeline declaration. */
export interface PipelineDeclaration extends PipelineOptions {
  /** Pipeline name (file `pipelines/<name>.ts`). */
  name: string;
  /** Steps by name, in reading order. */
  steps: Record<string, StepDeclaration>;
}

/**
 * Declares a step.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { step } from "./pipeline.ts";
 * deepEqual(step("fit", { epochs: 3 }, { data: "simulate.trajectories" }).inputs, {
 *   data: "simulate.trajectories",
 * });
 * ```
 */
export function step(
  task: string,
  params: Record<string, ParamValue> = {},
  inputs: Record<string, string> = {},
): StepDeclaration {
  return { task, params, inputs };
}

/**
 * Declares a pipeline.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { pipeline, step } from "./pipeline.ts";
 * const demo = pipeline("demo", { a: step("count") }, { presets: { smoke: { "a.n": 1 } } });
 * equal(demo.name, "demo");
 * ```
 */
export function pipeline(
  name: string,
  steps: Record<string, StepDeclaration>,
  options: PipelineOptions = {},
): PipelineDeclaration {
  return { name, steps, ...options };
}
