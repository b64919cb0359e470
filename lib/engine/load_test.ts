import { deepEqual, equal, rejects } from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadPipeline, PipelineError } from "./load.ts";
import { makeToyProject, writeToyFile } from "../../tests/_toy.ts";

const PIPELINE = pathToFileURL(join(import.meta.dirname!, "pipeline.ts")).href;

async function expectError(
  body: string,
  message: string,
  options: { preset?: string; overrides?: string[] } = {},
): Promise<PipelineError> {
  const root = await makeToyProject();
  await writeToyFile(
    root,
    "pipelines/bad.ts",
    `import { pipeline, step } from "${PIPELINE}";\nexport const bad = ${body};\n`,
  );
  let caught: PipelineError | undefined;
  await rejects(loadPipeline(root, "bad", options), (error: unknown) => {
    caught = error as PipelineError;
    return error instanceof PipelineError && error.message === message;
  }, `expected: ${message}`);
  return caught!;
}

Deno.test("loadPipeline() resolves defaults, the step's values, the preset and --set in that order", async () => {
  const root = await makeToyProject();
  const pipeline = await loadPipeline(root, "toy", {
    preset: "smoke",
    overrides: ["source.scale=2.5"],
  });
  deepEqual(pipeline.steps.map((step) => step.name), ["source", "square", "sum"]);
  deepEqual(pipeline.steps[0].params, { count: 2, scale: 2.5 });
  deepEqual(pipeline.steps[2].inputs, { squares: { step: "square", output: "squares" } });
  equal(pipeline.preset, "smoke");
});

Deno.test("loadPipeline() orders steps so that each comes after its inputs", async () => {
  const root = await makeToyProject();
  await writeToyFile(
    root,
    "pipelines/reversed.ts",
    `import { pipeline, step } from "${PIPELINE}";
export const reversed = pipeline("reversed", {
  sum: step("toy_sum", {}, { squares: "square.squares" }),
  square: step("toy_square", {}, { values: "source.values" }),
  source: step("toy_source"),
});\n`,
  );
  const pipeline = await loadPipeline(root, "reversed");
  deepEqual(pipeline.steps.map((step) => step.name), ["source", "square", "sum"]);
});

Deno.test("loadPipeline() throws when a step names an unknown task", async () => {
  const error = await expectError(
    `pipeline("bad", { a: step("toy_sorce") })`,
    'Cannot load pipeline "pipelines/bad.ts": step "a" names unknown task "toy_sorce"; known tasks: toy_source, toy_square, toy_sum; did you mean "toy_source"?',
  );
  deepEqual([error.file, error.step, error.field], ["pipelines/bad.ts", "a", "task"]);
});

Deno.test("loadPipeline() throws when a step sets an unknown parameter", async () => {
  await expectError(
    `pipeline("bad", { a: step("toy_source", { cont: 3 }) })`,
    'Cannot load pipeline "pipelines/bad.ts": step "a" sets unknown parameter "cont"; did you mean "count"?',
  );
  await expectError(
    `pipeline("bad", { a: step("toy_source", { zzzzzz: 3 }) })`,
    'Cannot load pipeline "pipelines/bad.ts": step "a" sets unknown parameter "zzzzzz"; parameters of task "toy_source": count, scale',
  );
});

Deno.test("loadPipeline() throws when a parameter has the wrong type or range", async () => {
  const error = await expectError(
    `pipeline("bad", { a: step("toy_source", { count: "3" }) })`,
    'Cannot load pipeline "pipelines/bad.ts": step "a" parameter "count" expects an integer, got string "3"',
  );
  equal(error.field, "count");
  await expectError(
    `pipeline("bad", { a: step("toy_source", { count: 0 }) })`,
    'Cannot load pipeline "pipelines/bad.ts": step "a" parameter "count" must be >= 1, got 0',
  );
});

Deno.test("loadPipeline() throws when an input refers to a missing step or output", async () => {
  await expectError(
    `pipeline("bad", { source: step("toy_source"), b: step("toy_square", {}, { values: "sourc.values" }) })`,
    'Cannot load pipeline "pipelines/bad.ts": step "b" input "values" refers to missing step "sourc"; did you mean "source"?',
  );
  await expectError(
    `pipeline("bad", { source: step("toy_source"), b: step("toy_square", {}, { values: "source.value" }) })`,
    'Cannot load pipeline "pipelines/bad.ts": step "b" input "values" refers to missing output "source.value"; step "source" has outputs: values',
  );
  await expectError(
    `pipeline("bad", { source: step("toy_source"), b: step("toy_square", {}, { values: "source" }) })`,
    'Cannot load pipeline "pipelines/bad.ts": step "b" input "values" must look like "step.output", got "source"',
  );
  await expectError(
    `pipeline("bad", { b: step("toy_square") })`,
    'Cannot load pipeline "pipelines/bad.ts": step "b" lacks input "values" that task "toy_square" requires; add inputs: { values: "<step>.<output>" }',
  );
});

Deno.test("loadPipeline() throws when steps form a cycle", async () => {
  await expectError(
    `pipeline("bad", {
      a: step("toy_square", {}, { values: "b.squares" }),
      b: step("toy_square", {}, { values: "a.squares" }),
    })`,
    'Cannot load pipeline "pipelines/bad.ts": steps form a cycle: a -> b -> a',
  );
});

Deno.test("loadPipeline() throws when a preset names a missing step, an unknown preset is asked for, or --set is wrong", async () => {
  await expectError(
    `pipeline("bad", { source: step("toy_source") }, { presets: { smoke: { "sorce.count": 1 } } })`,
    'Cannot load pipeline "pipelines/bad.ts": preset "smoke" names missing step "sorce"; did you mean "source"?',
    { preset: "smoke" },
  );
  await expectError(
    `pipeline("bad", { source: step("toy_source") }, { presets: { smoke: {} } })`,
    'Cannot load pipeline "pipelines/bad.ts": unknown preset "fast"; presets: smoke',
    { preset: "fast" },
  );
  await expectError(
    `pipeline("bad", { source: step("toy_source") })`,
    'Cannot apply --set "source.count=many": parameter "count" expects an integer, got "many"',
    { overrides: ["source.count=many"] },
  );
  await expectError(
    `pipeline("bad", { source: step("toy_source") })`,
    'Cannot apply --set "source.cout=3": step "source" has no parameter "cout"; did you mean "count"?',
    { overrides: ["source.cout=3"] },
  );
});

Deno.test("loadPipeline() throws when the pipeline file does not exist", async () => {
  const root = await makeToyProject();
  await rejects(
    loadPipeline(root, "ty"),
    new PipelineError(
      'Cannot load pipeline "ty": no file pipelines/ty.ts; pipelines: toy; did you mean "toy"?',
      { file: "pipelines/ty.ts" },
    ),
  );
});
