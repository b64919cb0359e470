/**
 * Saving and loading a {@linkcode Model} in TensorFlow.js's file format: `model.json` (the
 * ModelArtifacts JSON, with our `config` as `modelTopology` and one weights group) beside
 * `weights.bin` (the weights' bytes, concatenated in the manifest's order). TF.js's own
 * `tf.io.decodeWeights` reads the files; the trainable flag of each weight lives in
 * `userDefinedMetadata.trainable`, since the manifest has no field for it.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { join } from "node:path";
import type { Model, ModelConfig } from "./model.ts";

/** The `format` field of our `model.json`: a config plus named variables, not a Layers model. */
export const MODEL_FORMAT = "andiflow-model";

const MODEL_FILE = "model.json";
const WEIGHTS_FILE = "weights.bin";

/**
 * A TF.js IO handler reading and writing `model.json` + `weights.bin` in directory `dir`, for
 * `tf.io`-style code; {@linkcode saveModel} and {@linkcode loadModel} are built on it.
 *
 * `save` writes each file under a temporary name and renames it, weights first, so that a
 * killed process leaves either the old `model.json` or the new one, never half a file.
 * `load` reads every weights group of the manifest (paths relative to `dir`).
 *
 * @param dir an existing directory
 * @throws {Error} from `load` when a file is missing; {SyntaxError} when `model.json` is not
 *   JSON or has no `modelTopology`/`weightsManifest`
 *
 * @example Round trip of raw artifacts
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { denoFileHandler } from "./model_file.ts";
 * const dir = await Deno.makeTempDir();
 * const handler = denoFileHandler(dir);
 * await handler.save!({
 *   modelTopology: { kind: "toy" },
 *   weightSpecs: [{ name: "w", shape: [2], dtype: "float32" }],
 *   weightData: new Float32Array([1, 2]).buffer,
 * });
 * const artifacts = await handler.load!();
 * deepEqual(artifacts.modelTopology, { kind: "toy" });
 * deepEqual([...new Float32Array(artifacts.weightData as ArrayBuffer)], [1, 2]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function denoFileHandler(dir: string): tf.io.IOHandler {
  const modelPath = join(dir, MODEL_FILE);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new TypeError(
          `Cannot save model "${modelPath}": modelTopology must be JSON, got an ArrayBuffer`,
        );
      }
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []);
      const modelJson: tf.io.ModelJSON = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.userDefinedMetadata !== undefined) {
        modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      }
      await writeFileReplacing(join(dir, WEIGHTS_FILE), new Uint8Array(weightData));
      await writeFileReplacing(
        modelPath,
        new TextEncoder().encode(`${JSON.stringify(modelJson, null, 2)}\n`),
      );
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const text = await readOrExplain(modelPath, modelPath, "file not found");
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder().decode(text));
      } catch (error) {
        throw new SyntaxError(
          `Cannot load model "${modelPath}": the file is not valid JSON (${
            (error as Error).message
          }); save the model again with saveModel()`,
          { cause: error },
        );
      }
      const modelJson = checkModelJson(parsed, modelPath);
      return await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const path of group.paths) {
            if (path.includes("/") || path.includes("\\") || path === "..") {
              throw new SyntaxError(
                `Cannot load model "${modelPath}": weights path "${path}" leaves the model's directory; keep weights files beside model.json`,
              );
            }
            const bytes = await readOrExplain(join(dir, path), modelPath, "weights file");
            buffers.push(Uint8Array.from(bytes).buffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/**
 * Writes `model` to directory `dir` (created if missing) as `model.json` + `weights.bin`.
 * Weights are stored in name order with their trainable flags, so the same model gives the
 * same bytes.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { equal } from "node:assert/strict";
 * import { loadModel, saveModel } from "./model_file.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const model = { config: { kind: "toy" }, variables: new Map([["w", tf.variable(tf.ones([3]))]]) };
 * const dir = await Deno.makeTempDir();
 * await saveModel(model, dir);
 * const copy = await loadModel(dir, (config) => ({
 *   config, variables: new Map([["w", tf.variable(tf.zeros([3]))]]),
 * }));
 * equal(copy.variables.get("w")!.dataSync()[2], 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveModel(model: Model, dir: string): Promise<void> {
  const names = [...model.variables.keys()].sort(compareNames);
  const tensors = names.map((name) => ({ name, tensor: model.variables.get(name)! }));
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const trainable: Record<string, boolean> = {};
  for (const name of names) trainable[name] = model.variables.get(name)!.trainable;
  await Deno.mkdir(dir, { recursive: true });
  await denoFileHandler(dir).save!({
    format: MODEL_FORMAT,
    generatedBy: `andiflow (TensorFlow.js tfjs-core v${tf.version_core})`,
    convertedBy: null,
    modelTopology: model.config,
    weightSpecs: specs,
    weightData: data,
    userDefinedMetadata: { trainable },
  });
}

/**
 * Reads the model in `dir`: builds the network from the stored config with `build` and assigns
 * the stored weights to it. Every mismatch between file and network (names, shapes, dtypes,
 * trainable flags) is listed in one error.
 *
 * @param build makes a model with freshly initialised variables from a config
 * @throws {Error} when a file is missing; {SyntaxError} on bad JSON or an unknown format;
 *   {TypeError} when the weights do not fit the network built from the config
 *
 * @example
 * ```ts
 * import { rejects } from "node:assert/strict";
 * import { loadModel } from "./model_file.ts";
 * await rejects(
 *   loadModel("/nonexistent", (config) => ({ config, variables: new Map() })),
 *   /Cannot load model "\/nonexistent\/model.json": file not found/,
 * );
 * ```
 */
export async function loadModel(
  dir: string,
  build: (config: ModelConfig) => Model,
): Promise<Model> {
  const modelPath = join(dir, MODEL_FILE);
  const artifacts = await readArtifacts(dir);
  const config = artifacts.modelTopology as ModelConfig;
  const model = build(config);
  try {
    assignArtifacts(model, artifacts, modelPath);
  } catch (error) {
    for (const variable of model.variables.values()) variable.dispose();
    throw error;
  }
  return model;
}

/**
 * Assigns the weights stored in `dir` to the variables of an existing `model`, whose config
 * must equal the stored one (training uses this to restore checkpoints in place).
 *
 * @throws {TypeError} when the configs differ or the weights do not fit; see
 *   {@linkcode loadModel} for file errors
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { equal } from "node:assert/strict";
 * import { restoreWeights, saveModel } from "./model_file.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const w = tf.variable(tf.ones([2]));
 * const model = { config: { kind: "toy" }, variables: new Map([["w", w]]) };
 * const dir = await Deno.makeTempDir();
 * await saveModel(model, dir);
 * w.assign(tf.zeros([2]));
 * await restoreWeights(model, dir);
 * equal(w.dataSync()[0], 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function restoreWeights(model: Model, dir: string): Promise<void> {
  const modelPath = join(dir, MODEL_FILE);
  const artifacts = await readArtifacts(dir);
  const stored = canonicalJson(artifacts.modelTopology);
  const current = canonicalJson(model.config);
  if (stored !== current) {
    throw new TypeError(
      `Cannot restore weights from "${modelPath}": the file's config ${stored} differs from the model's ${current}; load it with loadModel() or remove the file`,
    );
  }
  assignArtifacts(model, artifacts, modelPath);
}

/** JSON text with object keys sorted, so that equal configs compare equal as strings. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    const entries = Object.entries(inner as Record<string, unknown>);
    return Object.fromEntries(entries.sort(([a], [b]) => compareNames(a, b)));
  });
}

/** Code-unit order, the same on every machine (unlike `localeCompare`). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const modelPath = join(dir, MODEL_FILE);
  const artifacts = await denoFileHandler(dir).load!();
  if (artifacts.format !== MODEL_FORMAT) {
    throw new SyntaxError(
      `Cannot load model "${modelPath}": format is ${
        JSON.stringify(artifacts.format ?? null)
      }, expected "${MODEL_FORMAT}"; this file was not written by saveModel()`,
    );
  }
  const config = artifacts.modelTopology as Record<string, unknown>;
  if (typeof config !== "object" || config === null || typeof config.kind !== "string") {
    throw new SyntaxError(
      `Cannot load model "${modelPath}": modelTopology must be a config object with a string "kind", got ${
        JSON.stringify(config)
      }`,
    );
  }
  return artifacts;
}

function assignArtifacts(model: Model, artifacts: tf.io.ModelArtifacts, modelPath: string): void {
  const specs = artifacts.weightSpecs ?? [];
  const weightData = artifacts.weightData ?? new ArrayBuffer(0);
  const expectedBytes = specs.reduce(
    (sum, spec) => sum + tf.util.sizeFromShape(spec.shape) * bytesPerValue(spec, modelPath),
    0,
  );
  const actualBytes = new tf.io.CompositeArrayBuffer(weightData).byteLength;
  if (specs.every((spec) => spec.quantization === undefined) && expectedBytes !== actualBytes) {
    throw new TypeError(
      `Cannot load model "${modelPath}": the weights files hold ${actualBytes} bytes but the manifest describes ${expectedBytes}; the files are truncated or from different saves`,
    );
  }
  const trainable = readTrainableFlags(artifacts, modelPath);
  const problems: string[] = [];
  const bySpec = new Map(specs.map((spec) => [spec.name, spec]));
  for (const [name, variable] of [...model.variables].sort(([a], [b]) => compareNames(a, b))) {
    const spec = bySpec.get(name);
    if (spec === undefined) {
      problems.push(`weight "${name}" of the network is missing from the file`);
      continue;
    }
    if (!tf.util.arraysEqual(spec.shape, variable.shape)) {
      problems.push(
        `weight "${name}" has shape [${spec.shape}] in the file but [${variable.shape}] in the network built from its config`,
      );
    }
    if (spec.dtype !== variable.dtype) {
      problems.push(
        `weight "${name}" has dtype ${spec.dtype} in the file but ${variable.dtype} in the network`,
      );
    }
    if (name in trainable && trainable[name] !== variable.trainable) {
      problems.push(
        `weight "${name}" is ${trainable[name] ? "trainable" : "not trainable"} in the file but ${
          variable.trainable ? "trainable" : "not trainable"
        } in the network`,
      );
    }
  }
  for (const spec of specs) {
    if (!model.variables.has(spec.name)) {
      problems.push(`weight "${spec.name}" in the file has no variable in the network`);
    }
  }
  if (problems.length > 0) {
    throw new TypeError(
      `Cannot load model "${modelPath}": ${
        problems.join("; ")
      }; the file does not match the network its config builds (saved by another version of the builder?)`,
    );
  }
  const decoded = tf.io.decodeWeights(weightData, specs);
  try {
    for (const [name, variable] of model.variables) variable.assign(decoded[name]);
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

function readTrainableFlags(
  artifacts: tf.io.ModelArtifacts,
  modelPath: string,
): Record<string, boolean> {
  const flags = artifacts.userDefinedMetadata?.trainable;
  if (flags === undefined) return {};
  if (typeof flags !== "object" || flags === null || Array.isArray(flags)) {
    throw new SyntaxError(
      `Cannot load model "${modelPath}": userDefinedMetadata.trainable must map weight names to booleans, got ${
        JSON.stringify(flags)
      }`,
    );
  }
  return flags as Record<string, boolean>;
}

function bytesPerValue(spec: tf.io.WeightsManifestEntry, modelPath: string): number {
  if (spec.quantization !== undefined) return spec.quantization.dtype === "uint8" ? 1 : 2;
  if (spec.dtype === "float32" || spec.dtype === "int32") return 4;
  if (spec.dtype === "bool") return 1;
  throw new TypeError(
    `Cannot load model "${modelPath}": weight "${spec.name}" has dtype ${spec.dtype}; only float32, int32 and bool weights are supported`,
  );
}

function checkModelJson(parsed: unknown, modelPath: string): tf.io.ModelJSON {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SyntaxError(
      `Cannot load model "${modelPath}": expected a JSON object, got ${JSON.stringify(parsed)}`,
    );
  }
  const record = parsed as Record<string, unknown>;
  for (const field of ["modelTopology", "weightsManifest"]) {
    if (!(field in record)) {
      throw new SyntaxError(
        `Cannot load model "${modelPath}": field "${field}" is missing; save the model again with saveModel()`,
      );
    }
  }
  const manifest = record.weightsManifest;
  const groupsOk = Array.isArray(manifest) &&
    manifest.every((group) =>
      typeof group === "object" && group !== null && Array.isArray(group.paths) &&
      Array.isArray(group.weights)
    );
  if (!groupsOk) {
    throw new SyntaxError(
      `Cannot load model "${modelPath}": weightsManifest must be a list of {paths, weights} groups, got ${
        JSON.stringify(manifest)
      }`,
    );
  }
  return record as unknown as tf.io.ModelJSON;
}

async function readOrExplain(path: string, modelPath: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      const problem = path === modelPath ? what : `${what} "${path}" not found`;
      throw new Error(
        `Cannot load model "${modelPath}": ${problem}; save a model there with saveModel() or check the path`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Writes `path` through a temporary sibling and a rename, so readers never see half a file. */
async function writeFileReplacing(path: string, bytes: Uint8Array): Promise<void> {
  const partial = `${path}.partial`;
  await Deno.writeFile(partial, bytes);
  await Deno.rename(partial, path);
}
