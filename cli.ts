/**
 * The command line: maps each verb's flags onto one library function and prints the result.
 * Errors print as one line (the stack only with `--debug`) and set a non-zero exit code.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join, relative, resolve } from "node:path";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import {
  listPipelines,
  listTasks,
  loadPipeline,
  loadTask,
  PipelineError,
} from "./lib/engine/load.ts";
import { planPipeline, runPipeline, type StepOutcome, TaskError } from "./lib/engine/run.ts";
import {
  acquireWriterLock,
  describeHolder,
  LockBusyError,
  readLockHolder,
} from "./lib/engine/lock.ts";
import { collectGarbage } from "./lib/engine/cache.ts";
import { pipelineMermaid } from "./lib/engine/dag.ts";
import { referencedKeys, resolveRunId } from "./lib/store/runs.ts";
import { withStore } from "./lib/store/store.ts";
import { formatCsv, formatJson, formatTable } from "./lib/store/format.ts";
import { compareRuns } from "./lib/store/compare.ts";
import type { Logger } from "./lib/engine/task.ts";

/**
 * Environment variables the CLI reads: machine facts only. The compute library reads two more:
 * ANDIFLOW_BACKEND (`--backend`) and ANDIFLOW_BLAS (path of a library exporting cblas_sgemm).
 */
const ENVIRONMENT = {
  state: "ANDIFLOW_STATE",
  db: "ANDIFLOW_DB",
  backend: "ANDIFLOW_BACKEND",
} as const;

interface Verb {
  usage: string;
  summary: string;
  options: Record<string, { type: "string" | "boolean"; multiple?: boolean; doc: string }>;
  run(args: string[], flags: Flags, context: Context): Promise<number>;
}

type Flags = Record<string, string | boolean | string[] | undefined>;

interface Context {
  root: string;
  state: string;
  db: string;
  debug: boolean;
  log: Logger;
  command: string;
}

const COMMON: Verb["options"] = {
  root: { type: "string", doc: "project root (default: the folder of cli.ts)" },
  state: {
    type: "string",
    doc: `state directory (default: <root>/.andiflow, or $${ENVIRONMENT.state})`,
  },
  db: { type: "string", doc: `run store (default: <state>/runs.duckdb, or $${ENVIRONMENT.db})` },
  reports: { type: "string", doc: "folder for published reports (default: <root>/reports)" },
  debug: { type: "boolean", doc: "print stack traces and debug lines" },
  help: { type: "boolean", doc: "show help for the verb" },
};

const RUN_OPTIONS: Verb["options"] = {
  preset: { type: "string", doc: "preset to apply (smoke, cpu, paper; default: the pipeline's)" },
  set: { type: "string", multiple: true, doc: "override one parameter: --set step.param=value" },
  seed: { type: "string", doc: "run seed (default 0)" },
  force: { type: "string", multiple: true, doc: "re-run this step even if cached" },
  "dry-run": { type: "boolean", doc: "say what is cached and why the rest would run; run nothing" },
  "no-wait": { type: "boolean", doc: "fail instead of waiting when another run holds the lock" },
  backend: {
    type: "string",
    doc: `train on auto, tensorflow, blas or cpu (default auto, or $${ENVIRONMENT.backend})`,
  },
};

const VERBS: Record<string, Verb> = {
  run: {
    usage:
      "run PIPELINE [--preset P] [--set step.param=value]... [--seed N] [--force STEP]... [--dry-run]",
    summary: "run a pipeline, restoring cached steps",
    options: RUN_OPTIONS,
    async run(args, flags, context) {
      if (args.length !== 1) throw new UsageError("run takes one pipeline name");
      return await runOne(args[0], flags, context);
    },
  },
  reproduce: {
    usage: "reproduce [--preset P] [--seed N] [--dry-run]",
    summary: "run every pipeline behind the papers' figures (pipelines/_reproduce.ts)",
    options: RUN_OPTIONS,
    async run(args, flags, context) {
      if (args.length > 0) throw new UsageError("reproduce takes no arguments");
      const module = await import(
        pathToFileURL(join(context.root, "pipelines", "_reproduce.ts")).href
      );
      let code = 0;
      for (const name of module.reproduce as string[]) {
        code = Math.max(code, await runOne(name, flags, context));
        if (code !== 0) break;
      }
      return code;
    },
  },
  status: {
    usage: "status [RUN] [--limit N]",
    summary: "list recent runs, or the steps of one run",
    options: { limit: { type: "string", doc: "how many runs to list (default 20)" } },
    async run(args, flags, context) {
      const holder = await readLockHolder(context.state);
      const alive = holder !== null && processAlive(holder.pid);
      await withStore(context.db, async (session) => {
        if (args.length === 0) {
          const result = await session.rows(
            `SELECT run_id, pipeline, preset,
               CASE WHEN status = 'running' AND run_id <> ? THEN 'interrupted' ELSE status END AS status,
               strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started, duration_s, steps, executed,
               cached, failed
             FROM run_summary ORDER BY started_at DESC, run_id DESC LIMIT ?`,
            [alive ? holder!.runId ?? "" : "", Number(flags.limit ?? 20)],
          );
          console.log(formatTable(result.columns, result.rows));
        } else {
          const runId = await resolveRunId(session, args[0]);
          const result = await session.rows(
            `SELECT step, task, status, cached, round(duration_s, 2) AS duration_s, reason,
               left(key, 12) AS key, error
             FROM steps WHERE run_id = ? ORDER BY coalesce(started_at, TIMESTAMPTZ '9999-01-01'), step`,
            [runId],
          );
          console.log(`run ${runId}`);
          console.log(formatTable(result.columns, result.rows));
        }
      }, { readOnly: true });
      if (alive) console.log(`in progress: ${describeHolder(holder)}`);
      return 0;
    },
  },
  query: {
    usage: 'query "SQL" [--csv | --json]',
    summary: "run SQL on the run store (works while a run is in progress)",
    options: {
      csv: { type: "boolean", doc: "print CSV" },
      json: { type: "boolean", doc: "print a JSON array of objects" },
    },
    async run(args, flags, context) {
      if (args.length !== 1) throw new UsageError('query takes one SQL string: query "SELECT ..."');
      const result = await withStore(context.db, (session) => session.rows(args[0]), {
        readOnly: true,
      });
      const text = flags.csv
        ? formatCsv(result.columns, result.rows)
        : flags.json
        ? formatJson(result.columns, result.rows)
        : formatTable(result.columns, result.rows);
      console.log(text.replace(/\n$/, ""));
      return 0;
    },
  },
  compare: {
    usage: "compare RUN_A RUN_B",
    summary: "show parameters and final metrics that differ between two runs",
    options: {},
    async run(args, _flags, context) {
      if (args.length !== 2) {
        throw new UsageError("compare takes two run ids (or latest, latest~1)");
      }
      const text = await withStore(
        context.db,
        (session) => compareRuns(session, args[0], args[1]),
        { readOnly: true },
      );
      console.log(text);
      return 0;
    },
  },
  dag: {
    usage: "dag PIPELINE [--preset P]",
    summary: "print the pipeline's steps and links as a Mermaid flowchart",
    options: { preset: { type: "string", doc: "preset to apply" } },
    async run(args, flags, context) {
      if (args.length !== 1) throw new UsageError("dag takes one pipeline name");
      const pipeline = await loadPipeline(context.root, args[0], {
        preset: flags.preset as string | undefined,
      });
      console.log(pipelineMermaid(pipeline));
      return 0;
    },
  },
  gc: {
    usage: "gc [--dry-run] [--no-wait]",
    summary: "delete cached artefacts that no recorded run references",
    options: {
      "dry-run": { type: "boolean", doc: "list what would be deleted" },
      "no-wait": { type: "boolean", doc: "fail instead of waiting for a running pipeline" },
    },
    async run(_args, flags, context) {
      const lock = await acquireWriterLock(context.state, {
        noWait: Boolean(flags["no-wait"]),
        onWait: (holder) =>
          context.log.info(`waiting for the writer lock, ${describeHolder(holder)}`),
        command: context.command,
      });
      try {
        const keep = existsSync(context.db) ? await referencedKeys(context.db) : new Set<string>();
        const report = await collectGarbage(context.state, keep, {
          dryRun: Boolean(flags["dry-run"]),
        });
        const verb = flags["dry-run"] ? "would delete" : "deleted";
        console.log(
          `${verb} ${report.objects.length} artefact(s) (${(report.bytes / 1e6).toFixed(1)} MB), ` +
            `${report.records.length} step record(s), ${report.work.length} checkpoint folder(s)`,
        );
      } finally {
        lock.release();
      }
      return 0;
    },
  },
  tasks: {
    usage: "tasks [TASK]",
    summary: "list tasks, or one task's parameters, inputs and outputs",
    options: {},
    async run(args, _flags, context) {
      if (args.length === 0) {
        for (const name of listTasks(context.root)) {
          const { task } = await loadTask(context.root, name);
          console.log(`${name.padEnd(24)} ${task.doc}`);
        }
        console.log(`\npipelines: ${listPipelines(context.root).join(", ")}`);
        return 0;
      }
      const { task } = await loadTask(context.root, args[0]).catch((error: Error) => {
        throw new UsageError(`Task "${args[0]}" ${error.message.replace(/^names /, "is ")}`);
      });
      console.log(`${task.name} (version ${task.version}): ${task.doc}\n\nparameters:`);
      for (const [name, spec] of Object.entries(task.params)) {
        console.log(
          `  ${name.padEnd(20)} ${spec.kind.padEnd(7)} ${
            JSON.stringify(spec.default).padEnd(10)
          } ${spec.doc}`,
        );
      }
      console.log("inputs:");
      for (const [name, doc] of Object.entries(task.inputs)) {
        console.log(`  ${name.padEnd(20)} ${doc}`);
      }
      console.log("outputs:");
      for (const [name, spec] of Object.entries(task.outputs)) {
        console.log(`  ${name.padEnd(20)} ${spec.kind.padEnd(8)} ${spec.doc}`);
      }
      return 0;
    },
  },
  help: {
    usage: "help [VERB]",
    summary: "show this help, or one verb's",
    options: {},
    run(args) {
      console.log(args.length ? verbHelp(args[0]) : overview());
      return Promise.resolve(0);
    },
  },
};

class UsageError extends Error {}

async function runOne(name: string, flags: Flags, context: Context): Promise<number> {
  const seed = flags.seed === undefined ? 0 : Number(flags.seed);
  if (!Number.isSafeInteger(seed)) {
    throw new UsageError(`Cannot use --seed "${flags.seed}": expected an integer`);
  }
  if (flags.backend !== undefined) {
    // Training steps read the choice when they start; it is also part of their cache key.
    Deno.env.set(ENVIRONMENT.backend, flags.backend as string);
    // Loaded on demand: TF.js adds start-up time every other verb does not need.
    const { selectBackend } = await import("./lib/nn/backend.ts");
    await selectBackend();
  }
  const pipeline = await loadPipeline(context.root, name, {
    preset: flags.preset as string | undefined,
    overrides: (flags.set as string[] | undefined) ?? [],
  });
  const force = (flags.force as string[] | undefined) ?? [];
  for (const step of force) {
    if (!pipeline.steps.some((s) => s.name === step)) {
      throw new UsageError(
        `Cannot force step "${step}": pipeline ${pipeline.name} has steps ${
          pipeline.steps.map((s) => s.name).join(", ")
        }`,
      );
    }
  }
  const preset = pipeline.preset ? ` (preset ${pipeline.preset})` : "";
  if (flags["dry-run"]) {
    const plan = await planPipeline(pipeline, {
      root: context.root,
      state: context.state,
      seed,
      force,
    });
    console.log(`pipeline ${pipeline.name}${preset}: dry run`);
    printOutcomes(plan);
    const toRun = plan.filter((step) => step.status === "run").length;
    console.log(
      toRun === 0 ? "nothing to run: every step is cached" : `${toRun} step(s) would run`,
    );
    return 0;
  }
  context.log.info(`pipeline ${pipeline.name}${preset}, seed ${seed}`);
  // No SIGINT handler: a synchronous task would delay it until the task yields, and the default
  // (die at once) is safe: the next run marks this one interrupted and resumes after it.
  const result = await runPipeline(pipeline, {
    root: context.root,
    state: context.state,
    db: context.db,
    reports: flags.reports ? resolve(flags.reports as string) : undefined,
    seed,
    force,
    noWait: Boolean(flags["no-wait"]),
    onLockWait: (holder) =>
      context.log.info(
        `waiting for the writer lock, ${describeHolder(holder)} (--no-wait to fail instead)`,
      ),
    log: context.log,
    progress: progressSink(),
    command: context.command,
  });
  console.log(`run ${result.runId}: ${result.status}`);
  printOutcomes(result.steps);
  const ran = result.steps.filter((step) => step.status === "ran").length;
  if (result.status === "done" && ran === 0) {
    console.log("nothing ran: every step was restored from the cache");
  }
  for (const folder of result.published) {
    console.log(`wrote ${relative(Deno.cwd(), folder) || "."}/`);
  }
  const failed = result.steps.find((step) => step.status === "failed");
  if (failed) {
    console.error(`error: Step "${failed.step}" failed: ${failed.error}`);
    console.error(`fix it and run the same command again; completed steps are kept`);
    return 1;
  }
  return 0;
}

function printOutcomes(outcomes: StepOutcome[]): void {
  const width = Math.max(4, ...outcomes.map((o) => o.step.length));
  for (const outcome of outcomes) {
    const status = {
      cached: "cached",
      ran: "ran",
      failed: "FAILED",
      skipped: "skipped",
      run: "will run",
    }[outcome.status];
    const detail = outcome.status === "cached" || outcome.status === "skipped"
      ? ""
      : `  ${outcome.reason}`;
    const time = outcome.status === "ran" || outcome.status === "failed"
      ? `  ${outcome.durationS.toFixed(1)}s`
      : "";
    console.log(`  ${outcome.step.padEnd(width)}  ${status.padEnd(8)}${time}${detail}`);
  }
}

function progressSink() {
  const isTerminal = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  return {
    isTerminal,
    columns: isTerminal ? Deno.consoleSize().columns : 80,
    write(text: string) {
      Deno.stderr.writeSync(encoder.encode(text));
    },
  };
}

function makeLogger(debug: boolean): Logger {
  return {
    info: (message) => console.error(message),
    warn: (message) => console.error(`warning: ${message}`),
    debug: (message) => {
      if (debug) console.error(`debug: ${message}`);
    },
  };
}

function processAlive(pid: number): boolean {
  if (Deno.build.os !== "linux") return true;
  return existsSync(`/proc/${pid}`);
}

function overview(): string {
  const verbs = Object.entries(VERBS).map(([name, verb]) => `  ${name.padEnd(10)} ${verb.summary}`);
  return [
    "andiflow: pipelines, cache and run store for anomalous-diffusion deep learning",
    "",
    "usage: deno task <verb> [arguments] [options]   (or: deno run -A cli.ts <verb> ...)",
    "",
    "verbs:",
    ...verbs,
    "",
    "common options:",
    ...Object.entries(COMMON).map(([name, option]) => `  --${name.padEnd(12)} ${option.doc}`),
    "",
    'run "help VERB" or "VERB --help" for a verb\'s options',
  ].join("\n");
}

function verbHelp(name: string): string {
  const verb = VERBS[name];
  if (!verb) {
    throw new UsageError(`Unknown verb "${name}"; verbs: ${Object.keys(VERBS).join(", ")}`);
  }
  const options = Object.entries({ ...verb.options, ...COMMON }).map(([flag, option]) =>
    `  --${flag.padEnd(12)} ${option.doc}`
  );
  return [`usage: ${verb.usage}`, "", verb.summary, "", "options:", ...options].join("\n");
}

/** Runs the CLI on `argv` and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [verbName = "help", ...rest] = argv;
  const debug = rest.includes("--debug");
  try {
    const verb = VERBS[verbName === "--help" ? "help" : verbName];
    if (!verb) {
      throw new UsageError(`Unknown verb "${verbName}"; verbs: ${Object.keys(VERBS).join(", ")}`);
    }
    const options = { ...COMMON, ...verb.options };
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: Object.fromEntries(
          Object.entries(options).map(([flag, option]) => [
            flag,
            option.multiple ? { type: option.type, multiple: true } : { type: option.type },
          ]),
        ),
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError(`${(error as Error).message}; see "help ${verbName}"`);
    }
    const flags = parsed.values as Flags;
    if (flags.help) {
      console.log(verbHelp(verbName));
      return 0;
    }
    const root = resolve((flags.root as string | undefined) ?? import.meta.dirname!);
    const state = resolve(
      (flags.state as string | undefined) ?? Deno.env.get(ENVIRONMENT.state) ??
        join(root, ".andiflow"),
    );
    const db = resolve(
      (flags.db as string | undefined) ?? Deno.env.get(ENVIRONMENT.db) ??
        join(state, "runs.duckdb"),
    );
    return await verb.run(parsed.positionals, flags, {
      root,
      state,
      db,
      debug,
      log: makeLogger(debug),
      command: ["andiflow", ...argv].join(" "),
    });
  } catch (error) {
    if (debug) console.error(error);
    else console.error(`error: ${oneLine(error)}`);
    return error instanceof UsageError || error instanceof PipelineError ? 2 : 1;
  }
}

function oneLine(error: unknown): string {
  if (
    error instanceof LockBusyError || error instanceof PipelineError || error instanceof TaskError
  ) {
    return error.message;
  }
  return ((error as Error)?.message ?? String(error)).split("\n")[0];
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
