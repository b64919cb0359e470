/**
 * Executing one step: build its context, run its task, and commit its outputs into the cache;
 * and publishing report folders once a run is done.
 *
 * @module
 */

import { join } from "node:path";
import { createRng } from "../rng.ts";
import { pathExists } from "../io/path_exists.ts";
import { recordMetrics } from "../store/runs.ts";
import {
  type ArtefactRecord,
  cachePaths,
  commitArtefact,
  type MetricRecord,
  objectPath,
  type StepIdentity,
  type StepRecord,
  writeStepRecord,
} from "./cache.ts";
import type { ResolvedPipeline, ResolvedStep } from "./load.ts";
import { ProgressBar } from "./progress.ts";
import type { Logger, TaskContext } from "./task.ts";
import type { RunOptions } from "./run.ts";

/**
 * Runs a step's task in staging and commits its outputs; returns the step record written.
 *
 * @param outputs artefacts of the steps already done, by step name
 * @throws whatever the task throws, or an Error when it wrote nothing to a declared output
 */
export async function executeStep(
  step: ResolvedStep,
  identity: StepIdentity,
  key: string,
  outputs: Map<string, Record<string, ArtefactRecord>>,
  options: RunOptions,
): Promise<StepRecord> {
  const { state, db, log } = options;
  const paths = cachePaths(state);
  const staging = join(paths.tmp, `${key.slice(0, 16)}-${crypto.randomUUID().slice(0, 8)}`);
  const checkpointDir = join(paths.work, key);
  await Deno.mkdir(checkpointDir, { recursive: true });
  for (const output of Object.keys(step.task.outputs)) {
    await Deno.mkdir(join(staging, output), { recursive: true });
  }
  const metrics: MetricRecord[] = [];
  let unflushed: MetricRecord[] = [];
  let lastFlush = performance.now();
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = unflushed;
    unflushed = [];
    lastFlush = performance.now();
    flushing = flushing.then(() => recordMetrics(db, key, batch));
    return flushing;
  };
  const prefix = (message: string) => `${step.name}: ${message}`;
  const stepLog: Logger = {
    info: (message) => log.info(prefix(message)),
    warn: (message) => log.warn(prefix(message)),
    debug: (message) => log.debug(prefix(message)),
  };
  const ctx: TaskContext = {
    params: step.params,
    stepName: step.name,
    input(name) {
      const ref = step.inputs[name];
      if (!ref) {
        throw new RangeError(
          `Cannot read input "${name}": task ${step.task.name} declares inputs ${
            Object.keys(step.task.inputs).join(", ") || "(none)"
          }`,
        );
      }
      return objectPath(state, outputs.get(ref.step)![ref.output].hash);
    },
    output(name) {
      if (!(name in step.task.outputs)) {
        throw new RangeError(
          `Cannot write output "${name}": task ${step.task.name} declares outputs ${
            Object.keys(step.task.outputs).join(", ") || "(none)"
          }`,
        );
      }
      return join(staging, name);
    },
    checkpointDir,
    metric(name, value, metricOptions = {}) {
      if (typeof value !== "number") {
        throw new TypeError(
          `Cannot record metric "${name}": value must be a number, got ${typeof value}`,
        );
      }
      const record = { name, step: metricOptions.step ?? 0, value };
      metrics.push(record);
      unflushed.push(record);
      // Flushing now and then lets `query` follow a long step; each flush is one short write.
      if (performance.now() - lastFlush > 2000) flush();
    },
    progress(total, progressOptions = {}) {
      return new ProgressBar(total, options.progress, {
        label: progressOptions.label ?? step.name,
        unit: progressOptions.unit,
      });
    },
    log: stepLog,
    rng: createRng(identity.seed ?? 0).stream(step.name),
    runtime: identity.runtime,
  };

  const startedAt = new Date().toISOString();
  const started = performance.now();
  try {
    await step.task.run(ctx);
  } finally {
    await flush();
  }
  const durationS = (performance.now() - started) / 1000;
  const artefacts: Record<string, ArtefactRecord> = {};
  for (const [output, spec] of Object.entries(step.task.outputs)) {
    const directory = join(staging, output);
    if (!(await hasEntries(directory))) {
      throw new Error(
        `task wrote nothing to output "${output}" (expected files in ctx.output("${output}"))`,
      );
    }
    artefacts[output] = await commitArtefact(state, directory, spec.kind);
  }
  const record: StepRecord = {
    ...identity,
    key,
    outputs: artefacts,
    metrics,
    startedAt,
    durationS,
  };
  await writeStepRecord(state, record);
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  await Deno.remove(checkpointDir, { recursive: true }).catch(() => {});
  return record;
}

async function hasEntries(directory: string): Promise<boolean> {
  for await (const _ of Deno.readDir(directory)) return true;
  return false;
}

/** Adds each artefact's object path, for the run store. */
export function withPaths(
  state: string,
  outputs: Record<string, ArtefactRecord>,
): Record<string, ArtefactRecord & { path: string }> {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, artefact]) => [
      name,
      { ...artefact, path: objectPath(state, artefact.hash) },
    ]),
  );
}

/** Copies each published artefact into its report folder; returns the folders written. */
export async function publish(
  pipeline: ResolvedPipeline,
  outputs: Map<string, Record<string, ArtefactRecord>>,
  options: RunOptions,
): Promise<string[]> {
  const written: string[] = [];
  for (const [folder, ref] of Object.entries(pipeline.publish)) {
    const source = objectPath(options.state, outputs.get(ref.step)![ref.output].hash);
    const target = join(options.reports ?? join(options.root, "reports"), folder);
    await Deno.mkdir(target, { recursive: true });
    await copyTree(source, target);
    written.push(target);
  }
  return written;
}

async function copyTree(source: string, target: string): Promise<void> {
  for await (const entry of Deno.readDir(source)) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isDirectory) {
      await Deno.mkdir(to, { recursive: true });
      await copyTree(from, to);
    } else {
      if (await pathExists(to)) await Deno.remove(to);
      await Deno.copyFile(from, to);
      if (Deno.build.os !== "windows") await Deno.chmod(to, 0o644);
    }
  }
}
