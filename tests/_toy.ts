/**
 * A toy project for end-to-end tests: three small tasks (source -> square -> sum) and their own
 * `lib/` modules, written into a fresh temporary directory so tests can edit code and kill runs
 * without touching the real project. Task modules import the real engine by absolute URL.
 *
 * @module
 */

import { join } from "node:path";
import { pathToFileURL } from "node:url";

const LIB = pathToFileURL(join(import.meta.dirname!, "..", "lib")).href;
const ENGINE = `${LIB}/engine`;
export const CLI = join(import.meta.dirname!, "..", "cli.ts");

const FILES: Record<string, string> = {
  "lib/toy_math.ts": `// squares of values
export function square(x: number): number {
  return x * x;
}
`,
  "lib/toy_noise.ts": `import type { Rng } from "${LIB}/rng.ts";
export function draw(rng: Rng, count: number, scale: number): number[] {
  return Array.from({ length: count }, () => Math.round(rng.uniform() * 100) * scale);
}
`,
  "tasks/toy_source.ts": `import { join } from "node:path";
import { defineTask } from "${ENGINE}/task.ts";
import { float, int } from "${ENGINE}/params.ts";
import { draw } from "../lib/toy_noise.ts";
export const toySource = defineTask({
  name: "toy_source", version: 1, doc: "random values",
  params: { count: int(5, "how many", { min: 1 }), scale: float(1, "multiplier") },
  inputs: {},
  outputs: { values: { kind: "table", doc: "values.json" } },
  async run(ctx) {
    await Deno.writeTextFile(join(ctx.output("values"), "values.json"),
      JSON.stringify(draw(ctx.rng, ctx.params.count, ctx.params.scale)));
  },
});
`,
  "tasks/toy_square.ts": `import { join } from "node:path";
import { defineTask } from "${ENGINE}/task.ts";
import { backendRuntime } from "${LIB}/nn/backend.ts";
import { square } from "../lib/toy_math.ts";
export const toySquare = defineTask({
  name: "toy_square", version: 1, doc: "squares", seeded: false, params: {},
  runtime: backendRuntime,
  inputs: { values: "values.json" },
  outputs: { squares: { kind: "table", doc: "squares.json" } },
  async run(ctx) {
    const values: number[] = JSON.parse(await Deno.readTextFile(join(ctx.input("values"), "values.json")));
    await Deno.writeTextFile(join(ctx.output("squares"), "squares.json"), JSON.stringify(values.map(square)));
  },
});
`,
  "tasks/toy_sum.ts": `import { join } from "node:path";
import { defineTask } from "${ENGINE}/task.ts";
import { bool, str } from "${ENGINE}/params.ts";
export const toySum = defineTask({
  name: "toy_sum", version: 1, doc: "sum, with hooks for tests", seeded: false,
  params: {
    wait_for: str("", "if set, write <wait_for>.started and wait until <wait_for> exists"),
    fail: bool(false, "throw instead of summing"),
  },
  inputs: { squares: "squares.json" },
  outputs: { total: { kind: "table", doc: "total.json" } },
  async run(ctx) {
    const squares: number[] = JSON.parse(await Deno.readTextFile(join(ctx.input("squares"), "squares.json")));
    let total = 0;
    for (const [i, value] of squares.entries()) {
      total += value;
      ctx.metric("partial_sum", total, { step: i });
    }
    await Deno.writeTextFile(join(ctx.output("total"), "part.json"), JSON.stringify({ partial: total }));
    if (ctx.params.wait_for) {
      await Deno.writeTextFile(ctx.params.wait_for + ".started", String(Deno.pid));
      while (true) {
        try { await Deno.stat(ctx.params.wait_for); break; } catch { /* not yet */ }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    if (ctx.params.fail) throw new Error("toy failure on purpose");
    await Deno.writeTextFile(join(ctx.output("total"), "total.json"), JSON.stringify({ total }));
  },
});
`,
  "pipelines/toy.ts": `import { pipeline, step } from "${ENGINE}/pipeline.ts";
export const toy = pipeline("toy", {
  source: step("toy_source", { count: 5 }),
  square: step("toy_square", {}, { values: "source.values" }),
  sum: step("toy_sum", {}, { squares: "square.squares" }),
}, { presets: { smoke: { "source.count": 2 } }, publish: { toy: "sum.total" } });
`,
};

/** Writes a fresh toy project into a temporary directory and returns its root. */
export async function makeToyProject(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "andiflow-toy-" });
  for (const [path, text] of Object.entries(FILES)) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

/** Writes (or replaces) one file of a toy project. */
export async function writeToyFile(root: string, path: string, text: string): Promise<void> {
  await Deno.mkdir(join(root, path, ".."), { recursive: true });
  await Deno.writeTextFile(join(root, path), text);
}

/** The result of one CLI call. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Step name -> status word from the run summary (ran, cached, FAILED, skipped, will run). */
  steps: Record<string, string>;
}

/** Arguments that point the CLI at a toy project. */
export function toyArgs(root: string): string[] {
  return ["--root", root, "--state", join(root, ".state")];
}

/** Runs the CLI in a subprocess on a toy project. */
export async function cli(root: string, ...args: string[]): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", CLI, ...args, ...toyArgs(root)],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return parseResult(output.code, output.stdout, output.stderr);
}

/**
 * Runs the CLI in a subprocess on the real project, with its state and reports in `scratch` so
 * that tests leave the checkout untouched.
 */
export async function cliInScratch(scratch: string, ...args: string[]): Promise<CliResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      CLI,
      ...args,
      "--state",
      join(scratch, "state"),
      "--reports",
      join(scratch, "reports"),
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return parseResult(output.code, output.stdout, output.stderr);
}

/** Starts the CLI in a subprocess without waiting for it. */
export function spawnCli(root: string, ...args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", CLI, ...args, ...toyArgs(root)],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** Collects a spawned CLI's output. */
export async function finish(child: Deno.ChildProcess): Promise<CliResult> {
  const output = await child.output();
  return parseResult(output.code, output.stdout, output.stderr);
}

function parseResult(code: number, out: Uint8Array, err: Uint8Array): CliResult {
  const stdout = new TextDecoder().decode(out);
  const stderr = new TextDecoder().decode(err);
  const steps: Record<string, string> = {};
  for (const match of stdout.matchAll(/^ {2}(\w+)\s+(ran|cached|FAILED|skipped|will run)\b/gm)) {
    steps[match[1]] = match[2];
  }
  return { code, stdout, stderr, steps };
}

/** Waits until a file exists (a toy task's marker), failing after `timeoutMs`. */
export async function waitForFile(path: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`timed out waiting for ${path}`);
}
