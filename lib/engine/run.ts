/**
 * Running a resolved pipeline: plan (which steps are cached and why the others must run), then
 * execute in order under one failure policy: the first failure stops the run and the steps
 * after it are marked skipped. Every completed step is kept, so running the same command again
 * resumes after the last completed step.
 *
 * @module
 */

import { join } from "node:path";
import { hostname } from "node:os";
import { createRng } from "../rng.ts";
import {
  beginRun,
  finishRun,
  markInterrupted,
  recordMetrics,
  recordStepResult,
  recordSteps,
  type StepRow,
} from "../store/runs.ts";
import {
  type ArtefactRecord,
  cachePaths,
  commitArtefact,
  deleteStepRecord,
  exists,
  type MetricRecord,
  objectPath,
  readIndex,
  readStepRecord,
  type StepIdentity,
  stepKey,
  type StepRecord,
  updateIndex,
  writeStepRecord,
} from "./cache.ts";
import { explainChange } from "./explain.ts";
import { type CodeFingerprint, fingerprintModules } from "./fingerprint.ts";
import type { ResolvedPipeline, ResolvedStep } from "./load.ts";
import { acquireWriterLock, type LockHolder } from "./lock.ts";
import { ProgressBar, type ProgressSink } from "./progress.ts";
import type { Logger, TaskContext } from "./task.ts";

/** Where and how a pipeline runs. */
export interface RunOptions {
  /** Project root (tasks/, pipelines/, reports/). */
  root: string;
  /** State directory (cache, locks). */
  state: string;
  /** Run store (DuckDB file). */
  db: string;
  /** Where published report folders go. @default {"<root>/reports"} */
  reports?: string;
  /** Run seed. @default {0} */
  seed?: number;
  /** Steps to re-run even when cached. */
  force?: string[];
  /** Fail instead of waiting for another writer. */
  noWait?: boolean;
  /** Called when another process holds the writer lock. */
  onLockWait?: (holder: LockHolder | null) => void;
  /** Where log lines go. */
  log: Logger;
  /** Where progress bars draw. */
  progress: ProgressSink;
  /** The command line, for the run record. */
  command?: string;
  /** Called with the run id as soon as it exists. */
  onRunId?: (runId: string) => void;
}

/** What happened, or would happen, to one step. */
export interface StepOutcome {
  /** Step name. */
  step: string;
  /** cached, ran, failed, skipped, or (plans) run. */
  status: "cached" | "ran" | "failed" | "skipped" | "run";
  /** Why it ran or will run; "cached" otherwise. */
  reason: string;
  /** Step key, when known. */
  key: string | null;
  /** Task seconds. */
  durationS: number;
  /** Error message for failed steps. */
  error?: string;
}

/** The result of a run. */
export interface RunResult {
  /** Run id. */
  runId: string;
  /** Final status. */
  status: "done" | "failed";
  /** Per-step outcomes in execution order. */
  steps: StepOutcome[];
  /** Report folders written. */
  published: string[];
}

/** A failed step, for the CLI to print in one line. */
export class TaskError extends Error {
  /** Step name. */
  step: string;
  constructor(message: string, step: string, cause: unknown) {
    super(message, { cause });
    this.name = "TaskError";
    this.step = step;
  }
}

/** Runtime facts that go into every step's cache key. */
export function baseRuntime(): Record<string, string> {
  return { deno: Deno.version.deno, os: Deno.build.os, arch: Deno.build.arch };
}

interface Prepared {
  code: Map<string, CodeFingerprint>;
  runtime: Map<string, Record<string, string>>;
  index: Record<string, string>;
}

async function prepare(pipeline: ResolvedPipeline, options: RunOptions): Promise<Prepared> {
  const code = await fingerprintModules(options.root, pipeline.steps.map((s) => s.taskFile));
  const runtime = new Map<string, Record<string, string>>();
  for (const step of pipeline.steps) {
    runtime.set(step.name, { ...baseRuntime(), ...(await step.task.runtime?.() ?? {}) });
  }
  return { code, runtime, index: await readIndex(options.state, pipeline.name) };
}

function identityOf(
  step: ResolvedStep,
  prepared: Prepared,
  seed: number,
  inputs: Record<string, string>,
): StepIdentity {
  const seeded = step.task.seeded !== false;
  return {
    task: step.task.name,
    version: step.task.version,
    params: step.params,
    seed: seeded ? seed : null,
    stream: seeded ? step.name : null,
    code: prepared.code.get(step.taskFile)!,
    inputs,
    runtime: prepared.runtime.get(step.name)!,
  };
}

async function previousIdentity(
  state: string,
  key: string | undefined,
): Promise<StepIdentity | undefined> {
  if (!key) return undefined;
  const lookup = await readStepRecord(state, key);
  return lookup.status === "hit" ? lookup.record : undefined;
}

function upstreamNames(step: ResolvedStep): Record<string, string> {
  return Object.fromEntries(Object.entries(step.inputs).map(([name, ref]) => [name, ref.step]));
}

/**
 * Says, without running anything or taking the writer lock, which steps are cached and why the
 * others would run. A step downstream of one that must run is reported as `run` with the reason
 * "upstream `x` will run" (its key depends on bytes not produced yet).
 */
export async function planPipeline(
  pipeline: ResolvedPipeline,
  options: Pick<RunOptions, "root" | "state" | "seed" | "force">,
): Promise<StepOutcome[]> {
  const { seed = 0, force = [] } = options;
  const prepared = await prepare(pipeline, options as RunOptions);
  const outputs = new Map<string, Record<string, ArtefactRecord>>();
  const plan: StepOutcome[] = [];
  for (const step of pipeline.steps) {
    const pending = Object.values(step.inputs).find((ref) => !outputs.has(ref.step));
    if (pending) {
      plan.push({
        step: step.name,
        status: "run",
        reason: `upstream \`${pending.step}\` will run`,
        key: null,
        durationS: 0,
      });
      continue;
    }
    const inputs = inputHashes(step, outputs);
    const identity = identityOf(step, prepared, seed, inputs);
    const key = stepKey(identity);
    const lookup = await readStepRecord(options.state, key);
    if (lookup.status === "hit" && !force.includes(step.name)) {
      outputs.set(step.name, lookup.record.outputs);
      plan.push({ step: step.name, status: "cached", reason: "cached", key, durationS: 0 });
      continue;
    }
    const reason = force.includes(step.name)
      ? "forced (--force)"
      : lookup.status === "corrupt"
      ? `cache entry unusable: ${lookup.problem}`
      : explainChange(
        await previousIdentity(options.state, prepared.index[step.name]),
        identity,
        upstreamNames(step),
      );
    plan.push({ step: step.name, status: "run", reason, key, durationS: 0 });
  }
  return plan;
}

function inputHashes(
  step: ResolvedStep,
  outputs: Map<string, Record<string, ArtefactRecord>>,
): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const [name, ref] of Object.entries(step.inputs)) {
    hashes[name] = outputs.get(ref.step)![ref.output].hash;
  }
  return hashes;
}

/**
 * Runs a pipeline: takes the writer lock, records the run, restores cached steps, runs the rest,
 * publishes reports. A failed step ends the run with status `failed` (the result says which step
 * and why); completed steps stay cached.
 *
 * @throws {LockBusyError} with `noWait` when another process holds the writer lock
 */
export async function runPipeline(
  pipeline: ResolvedPipeline,
  options: RunOptions,
): Promise<RunResult> {
  const { seed = 0, force = [], log, state, db } = options;
  const lock = await acquireWriterLock(state, {
    noWait: options.noWait,
    onWait: options.onLockWait,
    command: options.command,
  });
  try {
    await Deno.remove(cachePaths(state).tmp, { recursive: true }).catch(() => {});
    const interrupted = await markInterrupted(db);
    if (interrupted > 0) log.info(`marked ${interrupted} earlier run(s) as interrupted`);

    const prepared = await prepare(pipeline, options);
    const runId = newRunId();
    await lock.setRun(runId);
    options.onRunId?.(runId);
    const git = await gitState(options.root);
    await beginRun(db, {
      runId,
      pipeline: pipeline.name,
      preset: pipeline.preset,
      overrides: pipeline.overrides,
      seed,
      gitCommit: git.commit,
      gitDirty: git.dirty,
      host: hostname(),
      command: options.command ?? "",
      versions: { ...baseRuntime(), v8: Deno.version.v8, typescript: Deno.version.typescript },
      params: Object.fromEntries(pipeline.steps.map((step) => [step.name, step.params])),
    });
    await recordSteps(
      db,
      runId,
      pipeline.steps.map((step) => ({
        step: step.name,
        task: step.task.name,
        taskVersion: step.task.version,
        key: null,
        status: "pending",
        cached: null,
        reason: null,
      })),
    );

    const outputs = new Map<string, Record<string, ArtefactRecord>>();
    const outcomes: StepOutcome[] = [];
    let failure: TaskError | undefined;
    for (const step of pipeline.steps) {
      const row = (fields: Partial<StepRow>): StepRow => ({
        step: step.name,
        task: step.task.name,
        taskVersion: step.task.version,
        key: null,
        status: "pending",
        cached: null,
        reason: null,
        ...fields,
      });
      if (failure) {
        outcomes.push({
          step: step.name,
          status: "skipped",
          reason: "an earlier step failed",
          key: null,
          durationS: 0,
        });
        await recordSteps(db, runId, [
          row({ status: "skipped", reason: "an earlier step failed" }),
        ]);
        continue;
      }
      const inputs = inputHashes(step, outputs);
      const identity = identityOf(step, prepared, seed, inputs);
      const key = stepKey(identity);
      const lookup = await readStepRecord(state, key);
      if (lookup.status === "corrupt") {
        log.warn(`step ${step.name}: cache entry unusable (${lookup.problem}); running it again`);
        await deleteStepRecord(state, key);
      }
      if (lookup.status === "hit" && !force.includes(step.name)) {
        const record = lookup.record;
        outputs.set(step.name, record.outputs);
        log.info(`${step.name}: cached (${key.slice(0, 12)})`);
        await recordStepResult(
          db,
          runId,
          row({ key, status: "done", cached: true, reason: "cached", durationS: 0 }),
          { metrics: record.metrics, outputs: withPaths(state, record.outputs) },
        );
        await updateIndex(state, pipeline.name, step.name, key);
        outcomes.push({ step: step.name, status: "cached", reason: "cached", key, durationS: 0 });
        continue;
      }
      const reason = force.includes(step.name)
        ? "forced (--force)"
        : lookup.status === "corrupt"
        ? "cache entry unusable"
        : explainChange(
          await previousIdentity(state, prepared.index[step.name]),
          identity,
          upstreamNames(step),
        );
      log.info(`${step.name}: running task ${step.task.name} (${reason})`);
      await recordSteps(db, runId, [row({ key, status: "running", cached: false, reason })]);
      const started = performance.now();
      try {
        const record = await executeStep(step, identity, key, outputs, options);
        outputs.set(step.name, record.outputs);
        await recordStepResult(
          db,
          runId,
          row({ key, status: "done", cached: false, reason, durationS: record.durationS }),
          { metrics: record.metrics, outputs: withPaths(state, record.outputs) },
        );
        await updateIndex(state, pipeline.name, step.name, key);
        log.info(`${step.name}: done in ${record.durationS.toFixed(1)}s`);
        outcomes.push({ step: step.name, status: "ran", reason, key, durationS: record.durationS });
      } catch (error) {
        const durationS = (performance.now() - started) / 1000;
        const message = (error as Error)?.message ?? String(error);
        failure = new TaskError(
          `Step "${step.name}" (task ${step.task.name}) failed: ${message}`,
          step.name,
          error,
        );
        await recordSteps(db, runId, [
          row({ key, status: "failed", cached: false, reason, durationS, error: message }),
        ]);
        outcomes.push({
          step: step.name,
          status: "failed",
          reason,
          key,
          durationS,
          error: message,
        });
      }
    }

    const published = failure ? [] : await publish(pipeline, outputs, options);
    await finishRun(db, runId, failure ? "failed" : "done", failure?.message ?? null);
    return { runId, status: failure ? "failed" : "done", steps: outcomes, published };
  } finally {
    lock.release();
  }
}

async function executeStep(
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

function withPaths(
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

async function publish(
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
      if (await exists(to)) await Deno.remove(to);
      await Deno.copyFile(from, to);
      if (Deno.build.os !== "windows") await Deno.chmod(to, 0o644);
    }
  }
}

function newRunId(): string {
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const suffix = Array.from(crypto.getRandomValues(new Uint8Array(2)))
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${stamp}-${suffix}`;
}

async function gitState(root: string): Promise<{ commit: string | null; dirty: boolean | null }> {
  const git = async (...args: string[]) => {
    try {
      const { success, stdout } = await new Deno.Command("git", {
        args,
        cwd: root,
        stdout: "piped",
        stderr: "null",
      }).output();
      return success ? new TextDecoder().decode(stdout).trim() : null;
    } catch {
      return null;
    }
  };
  const commit = await git("rev-parse", "HEAD");
  if (commit === null) return { commit: null, dirty: null };
  const status = await git("status", "--porcelain", "--untracked-files=no");
  return { commit, dirty: status === null ? null : status.length > 0 };
}
