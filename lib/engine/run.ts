/**
 * Running a resolved pipeline: plan (which steps are cached and why the others must run), then
 * execute in order under one failure policy: the first failure stops the run and the steps
 * after it are marked skipped. Every completed step is kept, so running the same command again
 * resumes after the last completed step.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { hostname } from "node:os";
import {
  beginRun,
  finishRun,
  markInterrupted,
  recordStepResult,
  recordSteps,
  type StepRow,
} from "../store/runs.ts";
import {
  type ArtefactRecord,
  cachePaths,
  deleteStepRecord,
  readIndex,
  readStepRecord,
  type RecordLookup,
  type StepIdentity,
  stepKey,
  updateIndex,
} from "./cache.ts";
import { explainChange } from "./explain.ts";
import { type CodeFingerprint, fingerprintModules } from "./fingerprint.ts";
import type { ResolvedPipeline, ResolvedStep } from "./load.ts";
import { acquireWriterLock, type LockHolder } from "./lock.ts";
import type { ProgressSink } from "./progress.ts";
import type { Logger } from "./task.ts";
import { executeStep, publish, withPaths } from "./execute.ts";

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
  files: Map<string, Record<string, string>>;
  runtime: Map<string, Record<string, string>>;
  index: Record<string, string>;
}

async function prepare(pipeline: ResolvedPipeline, options: RunOptions): Promise<Prepared> {
  const code = await fingerprintModules(options.root, pipeline.steps.map((s) => s.taskFile));
  const runtime = new Map<string, Record<string, string>>();
  for (const step of pipeline.steps) {
    runtime.set(step.name, { ...baseRuntime(), ...(await step.task.runtime?.() ?? {}) });
  }
  const files = new Map<string, Record<string, string>>();
  for (const step of pipeline.steps) {
    const hashes: Record<string, string> = {};
    for (const [name, spec] of Object.entries(step.task.params)) {
      const path = step.params[name];
      if (spec.kind === "file" && typeof path === "string" && path !== "") {
        hashes[name] = await hashFile(path);
      }
    }
    files.set(step.name, hashes);
  }
  return { code, files, runtime, index: await readIndex(options.state, pipeline.name) };
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
    files: prepared.files.get(step.name)!,
    runtime: prepared.runtime.get(step.name)!,
  };
}

// Streams the file so that a large input is never held in memory just to hash it.
async function hashFile(path: string): Promise<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
  const hash = createHash("sha256");
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

async function previousIdentity(
  state: string,
  key: string | undefined,
): Promise<StepIdentity | undefined> {
  if (!key) return undefined;
  const lookup = await readStepRecord(state, key);
  return lookup.status === "hit" ? lookup.record : undefined;
}

function stepRow(step: ResolvedStep, fields: Partial<StepRow>): StepRow {
  return {
    step: step.name,
    task: step.task.name,
    taskVersion: step.task.version,
    key: null,
    status: "pending",
    cached: null,
    reason: null,
    ...fields,
  };
}

/** Why a step that is not restored from the cache must run. */
async function staleReason(
  step: ResolvedStep,
  identity: StepIdentity,
  lookup: RecordLookup,
  prepared: Prepared,
  state: string,
  force: string[],
): Promise<string> {
  if (force.includes(step.name)) return "forced (--force)";
  if (lookup.status === "corrupt") return `cache entry unusable: ${lookup.problem}`;
  return explainChange(
    await previousIdentity(state, prepared.index[step.name]),
    identity,
    upstreamNames(step),
  );
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
    const reason = await staleReason(step, identity, lookup, prepared, options.state, force);
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
      // Every step's runtime facts (a training step's compute backend, say) are run facts too.
      versions: Object.assign(
        { ...baseRuntime(), v8: Deno.version.v8, typescript: Deno.version.typescript },
        ...prepared.runtime.values(),
      ),
      params: Object.fromEntries(pipeline.steps.map((step) => [step.name, step.params])),
    });
    await recordSteps(db, runId, pipeline.steps.map((step) => stepRow(step, {})));

    const outputs = new Map<string, Record<string, ArtefactRecord>>();
    const outcomes: StepOutcome[] = [];
    let failure: TaskError | undefined;
    for (const step of pipeline.steps) {
      const row = (fields: Partial<StepRow>) => stepRow(step, fields);
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
      const reason = await staleReason(step, identity, lookup, prepared, state, force);
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
