/**
 * What a task is: a named, versioned unit of work with declared parameters, inputs and outputs,
 * and a `run(ctx)` function. Task modules import only this file (and `params.ts`) from the engine,
 * so editing the runner does not invalidate every cached step.
 *
 * @module
 */

import type { ParamSpecs, ParamValues } from "./params.ts";
import type { Rng } from "../rng.ts";

/** An output a task writes: a directory in the artefact store. */
export interface OutputSpec {
  /** What the artefact is: `dataset`, `model`, `figure`, `table`, `report`, ... */
  kind: string;
  /** One line for `help`. */
  doc: string;
}

/** Where long work reports how far it is. */
export interface Progress {
  /** Adds `n` finished units. */
  tick(n?: number): void;
  /** Sets the number of finished units. */
  update(done: number): void;
  /** Marks the work finished. */
  done(): void;
}

/** A logger with a step prefix; the CLI decides where the lines go. */
export interface Logger {
  /** A line of normal output. */
  info(message: string): void;
  /** Something the user should look at; the step goes on. */
  warn(message: string): void;
  /** Shown only with `--debug`. */
  debug(message: string): void;
}

/** Options of {@linkcode TaskContext.metric}. */
export interface MetricOptions {
  /** Index in the series (epoch, decile, noise level, ...). @default {0} */
  step?: number;
}

/** What `run(ctx)` receives. */
export interface TaskContext<P extends ParamSpecs = ParamSpecs> {
  /** Resolved, checked parameters. */
  params: ParamValues<P>;
  /** The step's name in its pipeline. */
  stepName: string;
  /** Path of the directory holding input `name` (read-only). */
  input(name: string): string;
  /** Path of the empty directory the task writes output `name` into. */
  output(name: string): string;
  /**
   * A directory that survives a killed run of this exact step (same cache key), for checkpoints;
   * it is deleted once the step completes.
   */
  checkpointDir: string;
  /** Records one value of a metric series. */
  metric(name: string, value: number, options?: MetricOptions): void;
  /** Starts a progress bar for `total` units (0 when unknown). */
  progress(total: number, options?: { label?: string; unit?: string }): Progress;
  /** The step's logger. */
  log: Logger;
  /** A random stream derived from the run seed and the step's name. */
  rng: Rng;
  /** Facts about the machine and runtime that are part of the cache key. */
  runtime: Record<string, string>;
}

/** A task declaration. */
export interface Task<P extends ParamSpecs = ParamSpecs> {
  /** Unique name; pipelines refer to it (the file is `tasks/<name>.ts`). */
  name: string;
  /** Bump when the task's meaning changes in a way its code fingerprint does not show. */
  version: number;
  /** One line for `help`. */
  doc: string;
  /** Declared parameters. */
  params: P;
  /** Required inputs: name -> doc line. */
  inputs: Record<string, string>;
  /** Outputs: name -> kind and doc. */
  outputs: Record<string, OutputSpec>;
  /** False for deterministic tasks: the run seed then stays out of their cache key. @default {true} */
  seeded?: boolean;
  /** Extra runtime facts that change results (for example the compute backend). */
  runtime?(): Record<string, string> | Promise<Record<string, string>>;
  /** Does the work. */
  run(ctx: TaskContext<P>): void | Promise<void>;
}

/**
 * Declares a task. Returns its argument, typed, so that `ctx.params` knows each parameter's type.
 *
 * @example A deterministic task
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { defineTask } from "./task.ts";
 * import { int } from "./params.ts";
 * const count = defineTask({
 *   name: "count", version: 1, doc: "writes numbers", seeded: false,
 *   params: { n: int(3, "how many") }, inputs: {},
 *   outputs: { numbers: { kind: "table", doc: "one number a line" } },
 *   async run(ctx) {
 *     const lines = Array.from({ length: ctx.params.n }, (_, i) => `${i}\n`).join("");
 *     await Deno.writeTextFile(`${ctx.output("numbers")}/numbers.txt`, lines);
 *   },
 * });
 * equal(count.params.n.default, 3);
 * ```
 */
export function defineTask<P extends ParamSpecs>(task: Task<P>): Task<P> {
  return task;
}
