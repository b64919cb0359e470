/**
 * Loading a pipeline: import its declaration and its tasks, check every step, parameter, input
 * reference and preset, apply the preset and `--set` overrides, and order the steps. Every problem
 * is a {@linkcode PipelineError} naming the file, the step and the field.
 *
 * @module
 */

import { basename, join, relative } from "node:path";
import { existsSync, readdirSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { Task } from "./task.ts";
import type { PipelineDeclaration, StepDeclaration } from "./pipeline.ts";
import { checkParamValue, closest, type ParamValue, parseParamText } from "./params.ts";

/** A problem in a pipeline declaration, preset or override, located by file, step and field. */
export class PipelineError extends Error {
  /** The pipeline file (relative to the project root), or `--set` for command-line overrides. */
  file: string;
  /** The step at fault, when there is one. */
  step?: string;
  /** The field at fault (parameter, input or preset key), when there is one. */
  field?: string;
  constructor(message: string, where: { file: string; step?: string; field?: string }) {
    super(message);
    this.name = "PipelineError";
    this.file = where.file;
    this.step = where.step;
    this.field = where.field;
  }
}

/** A step ready to run: task loaded, parameters resolved, inputs wired. */
export interface ResolvedStep {
  /** Step name. */
  name: string;
  /** The task. */
  task: Task;
  /** Absolute path of the task module. */
  taskFile: string;
  /** Every declared parameter with its resolved value. */
  params: Record<string, ParamValue>;
  /** Input name -> upstream step and output. */
  inputs: Record<string, { step: string; output: string }>;
}

/** A checked pipeline with its steps in execution order. */
export interface ResolvedPipeline {
  /** Pipeline name. */
  name: string;
  /** Pipeline file relative to the project root. */
  file: string;
  /** The doc line. */
  doc: string;
  /** The preset applied, or `null`. */
  preset: string | null;
  /** The `--set` overrides as given. */
  overrides: string[];
  /** Steps in a topological order (declaration order among independent steps). */
  steps: ResolvedStep[];
  /** Report folder -> `{ step, output }`. */
  publish: Record<string, { step: string; output: string }>;
}

/** Options of {@linkcode loadPipeline}. */
export interface LoadOptions {
  /** Preset name; `undefined` means the pipeline's default preset. */
  preset?: string;
  /** `step.param=value` overrides, applied after the preset. */
  overrides?: string[];
}

/**
 * Loads, checks and resolves a pipeline from `pipelines/<name>.ts` under `root` (or a path).
 *
 * @throws {PipelineError} for any problem in the declaration, preset or overrides.
 */
export async function loadPipeline(
  root: string,
  nameOrPath: string,
  options: LoadOptions = {},
): Promise<ResolvedPipeline> {
  const { overrides = [] } = options;
  const path = pipelinePath(root, nameOrPath);
  const file = relative(root, path);
  const declaration = await importPipeline(path, file);
  const fail = (message: string, step?: string, field?: string): never => {
    throw new PipelineError(`Cannot load pipeline "${file}": ${message}`, { file, step, field });
  };

  const stepNames = Object.keys(declaration.steps);
  if (stepNames.length === 0) fail("it declares no steps");
  const tasks = new Map<string, { task: Task; taskFile: string }>();
  for (const [name, step] of Object.entries(declaration.steps)) {
    if (!/^[A-Za-z][\w-]*$/.test(name)) {
      fail(
        `step name "${name}" must start with a letter and hold only letters, digits, _ and -`,
        name,
      );
    }
    if (!step || typeof step.task !== "string") {
      fail(`step "${name}" must be declared with step("<task>", params, inputs)`, name, "task");
    }
    const loaded = await loadTask(root, step.task).catch((error: Error) =>
      fail(`step "${name}" ${error.message}`, name, "task")
    );
    tasks.set(name, loaded);
  }

  const params = new Map<string, Record<string, ParamValue>>();
  for (const [name, step] of Object.entries(declaration.steps)) {
    const { task } = tasks.get(name)!;
    const values: Record<string, ParamValue> = {};
    for (const [param, spec] of Object.entries(task.params)) values[param] = spec.default;
    for (const [param, value] of Object.entries(step.params ?? {})) {
      const problem = paramProblem(task, param, value);
      if (problem) fail(`step "${name}" ${problem}`, name, param);
      values[param] = value;
    }
    params.set(name, values);
    checkInputs(name, step, task, declaration, tasks, fail);
  }

  const preset = options.preset !== undefined
    ? options.preset
    : declaration.defaultPreset ?? (declaration.presets?.cpu ? "cpu" : null);
  if (preset !== null) {
    const presets = declaration.presets ?? {};
    if (!(preset in presets)) {
      const known = Object.keys(presets);
      fail(
        `unknown preset "${preset}"; ${
          known.length ? `presets: ${known.join(", ")}` : "it declares no presets"
        }`,
        undefined,
        "preset",
      );
    }
    for (const [key, value] of Object.entries(presets[preset])) {
      const [stepName, param] = splitKey(key);
      if (!param) {
        fail(`preset "${preset}" key "${key}" must look like "step.param"`, undefined, key);
      }
      if (!tasks.has(stepName)) {
        fail(
          `preset "${preset}" names missing step "${stepName}"${hint(stepName, stepNames)}`,
          stepName,
          key,
        );
      }
      const problem = paramProblem(tasks.get(stepName)!.task, param, value);
      if (problem) fail(`preset "${preset}" sets step "${stepName}" ${problem}`, stepName, param);
      params.get(stepName)![param] = value;
    }
  }

  for (const override of overrides) {
    const where = { file: "--set" };
    const failSet = (message: string, step?: string, field?: string): never => {
      throw new PipelineError(`Cannot apply --set "${override}": ${message}`, {
        ...where,
        step,
        field,
      });
    };
    const eq = override.indexOf("=");
    if (eq < 0) failSet(`expected "step.param=value"`);
    const [stepName, param] = splitKey(override.slice(0, eq).trim());
    if (!param) failSet(`expected "step.param=value"`);
    if (!tasks.has(stepName)) {
      failSet(
        `pipeline "${declaration.name}" has no step "${stepName}"${hint(stepName, stepNames)}`,
      );
    }
    const task = tasks.get(stepName)!.task;
    const spec = task.params[param];
    if (!spec) {
      failSet(
        `step "${stepName}" has no parameter "${param}"${hint(param, Object.keys(task.params))}`,
        stepName,
        param,
      );
    }
    let value: ParamValue;
    try {
      value = parseParamText(spec, override.slice(eq + 1));
    } catch (error) {
      return failSet(`parameter "${param}" ${(error as Error).message}`, stepName, param);
    }
    const problem = checkParamValue(spec, value);
    if (problem) failSet(`parameter "${param}" ${problem}`, stepName, param);
    params.get(stepName)![param] = value;
  }

  const publish: ResolvedPipeline["publish"] = {};
  for (const [folder, reference] of Object.entries(declaration.publish ?? {})) {
    publish[folder] = resolveReference(
      reference,
      declaration,
      tasks,
      (message) => fail(`publish "${folder}" ${message}`, undefined, folder),
    );
  }

  const order = topologicalOrder(declaration, fail);
  return {
    name: declaration.name,
    file,
    doc: declaration.doc ?? "",
    preset,
    overrides,
    publish,
    steps: order.map((name) => {
      const step = declaration.steps[name];
      const inputs: ResolvedStep["inputs"] = {};
      for (const [input, reference] of Object.entries(step.inputs ?? {})) {
        const [upstream, output] = splitKey(reference);
        inputs[input] = { step: upstream, output };
      }
      return { name, ...tasks.get(name)!, params: params.get(name)!, inputs };
    }),
  };
}

/** Lists the task names found in `tasks/` (one task per file, file = task name). */
export function listTasks(root: string): string[] {
  const folder = join(root, "tasks");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ts") && !file.endsWith("_test.ts") && !file.startsWith("_"))
    .filter((file) => file !== "mod.ts")
    .map((file) => basename(file, ".ts"))
    .sort();
}

/** Lists the pipeline names found in `pipelines/`. */
export function listPipelines(root: string): string[] {
  const folder = join(root, "pipelines");
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ts") && !file.endsWith("_test.ts") && !file.startsWith("_"))
    .map((file) => basename(file, ".ts"))
    .sort();
}

/**
 * Imports `tasks/<name>.ts` and returns the task it exports.
 *
 * @throws {Error} naming the unknown task and the known ones.
 */
export async function loadTask(
  root: string,
  name: string,
): Promise<{ task: Task; taskFile: string }> {
  const taskFile = join(root, "tasks", `${name}.ts`);
  if (!/^[\w-]+$/.test(name) || !existsSync(taskFile)) {
    const known = listTasks(root);
    throw new Error(
      `names unknown task "${name}"; known tasks: ${known.join(", ") || "none"}${
        hint(name, known)
      }`,
    );
  }
  const module = await import(pathToFileURL(taskFile).href);
  const task = Object.values(module).find((value): value is Task =>
    isTask(value) && value.name === name
  );
  if (!task) {
    throw new Error(
      `names task "${name}" but tasks/${name}.ts exports no defineTask({ name: "${name}", ... })`,
    );
  }
  return { task, taskFile };
}

function isTask(value: unknown): value is Task {
  const task = value as Task;
  return typeof value === "object" && value !== null && typeof task.name === "string" &&
    typeof task.run === "function" && typeof task.params === "object";
}

function pipelinePath(root: string, nameOrPath: string): string {
  if (nameOrPath.endsWith(".ts")) return join(root, relative(root, nameOrPath));
  const path = join(root, "pipelines", `${nameOrPath}.ts`);
  if (!existsSync(path)) {
    const known = listPipelines(root);
    throw new PipelineError(
      `Cannot load pipeline "${nameOrPath}": no file pipelines/${nameOrPath}.ts; pipelines: ${
        known.join(", ") || "none"
      }${hint(nameOrPath, known)}`,
      { file: `pipelines/${nameOrPath}.ts` },
    );
  }
  return path;
}

async function importPipeline(
  path: string,
  file: string,
): Promise<PipelineDeclaration> {
  if (!existsSync(path)) {
    throw new PipelineError(`Cannot load pipeline "${file}": no such file`, { file });
  }
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new PipelineError(
      `Cannot load pipeline "${file}": ${(error as Error).message.split("\n")[0]}`,
      { file },
    );
  }
  const declarations = Object.values(module).filter((value): value is PipelineDeclaration =>
    typeof value === "object" && value !== null && "steps" in value && "name" in value
  );
  if (declarations.length !== 1) {
    throw new PipelineError(
      `Cannot load pipeline "${file}": expected exactly one export made with pipeline(...), found ${declarations.length}`,
      { file },
    );
  }
  return declarations[0];
}

function paramProblem(task: Task, param: string, value: unknown): string | undefined {
  const spec = task.params[param];
  if (!spec) {
    const known = Object.keys(task.params);
    const suggestion = closest(param, known);
    return `sets unknown parameter "${param}"; ${
      suggestion
        ? `did you mean "${suggestion}"?`
        : `parameters of task "${task.name}": ${known.join(", ") || "none"}`
    }`;
  }
  const problem = checkParamValue(spec, value);
  return problem ? `parameter "${param}" ${problem}` : undefined;
}

function checkInputs(
  name: string,
  step: StepDeclaration,
  task: Task,
  declaration: PipelineDeclaration,
  tasks: Map<string, { task: Task }>,
  fail: (message: string, step?: string, field?: string) => never,
): void {
  const given = step.inputs ?? {};
  for (const input of Object.keys(given)) {
    if (!(input in task.inputs)) {
      const known = Object.keys(task.inputs);
      fail(
        `step "${name}" sets unknown input "${input}"; task "${task.name}" takes ${
          known.length ? known.map((k) => `"${k}"`).join(", ") : "no inputs"
        }`,
        name,
        input,
      );
    }
    resolveReference(
      given[input],
      declaration,
      tasks,
      (message) => fail(`step "${name}" input "${input}" ${message}`, name, input),
    );
  }
  for (const input of Object.keys(task.inputs)) {
    if (!(input in given)) {
      fail(
        `step "${name}" lacks input "${input}" that task "${task.name}" requires; add inputs: { ${input}: "<step>.<output>" }`,
        name,
        input,
      );
    }
  }
}

function resolveReference(
  reference: string,
  declaration: PipelineDeclaration,
  tasks: Map<string, { task: Task }>,
  fail: (message: string) => never,
): { step: string; output: string } {
  const [upstream, output] = splitKey(String(reference));
  if (!output) return fail(`must look like "step.output", got "${reference}"`);
  if (!(upstream in declaration.steps)) {
    return fail(
      `refers to missing step "${upstream}"${hint(upstream, Object.keys(declaration.steps))}`,
    );
  }
  const outputs = Object.keys(tasks.get(upstream)!.task.outputs);
  if (!outputs.includes(output)) {
    return fail(
      `refers to missing output "${reference}"; step "${upstream}" has outputs: ${
        outputs.join(", ") || "none"
      }`,
    );
  }
  return { step: upstream, output };
}

function topologicalOrder(
  declaration: PipelineDeclaration,
  fail: (message: string, step?: string, field?: string) => never,
): string[] {
  const names = Object.keys(declaration.steps);
  const upstreamOf = (name: string) =>
    Object.values(declaration.steps[name].inputs ?? {}).map((ref) => splitKey(ref)[0]);
  const state = new Map<string, "visiting" | "done">();
  const order: string[] = [];
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      const cycle = [...path.slice(path.indexOf(name)), name];
      fail(`steps form a cycle: ${cycle.join(" -> ")}`, name, "inputs");
    }
    state.set(name, "visiting");
    for (const upstream of upstreamOf(name)) visit(upstream, [...path, name]);
    state.set(name, "done");
    order.push(name);
  };
  for (const name of names) visit(name, []);
  return order;
}

function splitKey(key: string): [string, string] {
  const dot = key.indexOf(".");
  return dot < 0 ? [key, ""] : [key.slice(0, dot), key.slice(dot + 1)];
}

function hint(name: string, known: string[]): string {
  const suggestion = closest(name, known);
  return suggestion ? `; did you mean "${suggestion}"?` : "";
}
