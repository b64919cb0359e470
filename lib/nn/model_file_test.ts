import * as tf from "@tensorflow/tfjs-core";
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { createRng } from "../rng.ts";
import { useBackend } from "./_testing.ts";
import { constantVariable, uniformVariable } from "./init.ts";
import type { Model, ModelConfig } from "./model.ts";
import {
  denoFileHandler,
  loadModel,
  MODEL_FORMAT,
  restoreWeights,
  saveModel,
} from "./model_file.ts";

interface ToyConfig extends ModelConfig {
  inputs: number;
  hidden: number;
  outputs: number;
}

/** Two dense layers after centring by a running mean (a non-trainable variable, as in BN). */
function buildToy(config: ModelConfig, seed = 1): Model {
  const { inputs, hidden, outputs } = config as ToyConfig;
  const rng = createRng(seed).stream("toy");
  const variables = new Map<string, tf.Variable>();
  // tidy frees the initial tensors tf.variable() copies from (variables survive a tidy).
  tf.tidy(() => {
    variables.set("dense1.kernel", uniformVariable(rng, [inputs, hidden], 1 / Math.sqrt(inputs)));
    variables.set("dense1.bias", uniformVariable(rng, [hidden], 1 / Math.sqrt(inputs)));
    variables.set("dense2.kernel", uniformVariable(rng, [hidden, outputs], 1 / Math.sqrt(hidden)));
    variables.set("dense2.bias", uniformVariable(rng, [outputs], 1 / Math.sqrt(hidden)));
    variables.set("input.running_mean", constantVariable([inputs], 0, false));
  });
  return { config, variables };
}

function toyForward(model: Model, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const v = (name: string) => model.variables.get(name)!;
    const centred = tf.sub(x, v("input.running_mean"));
    const hidden = tf.relu(
      tf.add(tf.matMul(centred, v("dense1.kernel") as tf.Tensor2D), v("dense1.bias")),
    );
    return tf.add(
      tf.matMul(hidden, v("dense2.kernel") as tf.Tensor2D),
      v("dense2.bias"),
    ) as tf.Tensor2D;
  });
}

const TOY: ToyConfig = { kind: "toy", inputs: 3, hidden: 5, outputs: 2 };

/** A toy model whose weights differ from a fresh build (seed 2, running mean set). */
function trainedToy(): Model {
  const model = buildToy(TOY, 2);
  model.variables.get("input.running_mean")!.assign(tf.tensor1d([0.5, -0.25, 0.125]));
  return model;
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "model_file_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadModel() gives bitwise-identical predictions and variables after saveModel()", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = trainedToy();
    await saveModel(model, dir);
    const loaded = await loadModel(dir, (config) => buildToy(config));
    deepEqual(loaded.config, TOY);
    for (const [name, variable] of model.variables) {
      const copy = loaded.variables.get(name)!;
      deepEqual(copy.dataSync(), variable.dataSync(), name);
      equal(copy.trainable, variable.trainable, name);
    }
    const x = tf.tensor2d(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), [4, 3]);
    const expected = toyForward(model, x);
    const actual = toyForward(loaded, x);
    deepEqual(actual.dataSync(), expected.dataSync());
    tf.dispose([x, expected, actual]);
  });
});

Deno.test("saveModel() writes the same bytes for the same model, weights in name order", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = trainedToy();
    await saveModel(model, join(dir, "a"));
    await saveModel(model, join(dir, "b"));
    for (const file of ["model.json", "weights.bin"]) {
      deepEqual(
        await Deno.readFile(join(dir, "a", file)),
        await Deno.readFile(join(dir, "b", file)),
      );
    }
    const json = JSON.parse(await Deno.readTextFile(join(dir, "a", "model.json")));
    const names = json.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    deepEqual(names, [...names].sort());
    deepEqual(
      (await Array.fromAsync(Deno.readDir(join(dir, "a")))).map((entry) => entry.name).sort(),
      ["model.json", "weights.bin"],
    );
  });
});

Deno.test("saveModel() files follow TF.js's format and decode with tf.io.decodeWeights()", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = trainedToy();
    await saveModel(model, dir);
    const json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    equal(json.format, MODEL_FORMAT);
    equal(json.convertedBy, null);
    ok(json.generatedBy.includes(tf.version_core));
    deepEqual(json.modelTopology, TOY);
    equal(json.weightsManifest.length, 1);
    deepEqual(json.weightsManifest[0].paths, ["weights.bin"]);
    deepEqual(json.userDefinedMetadata.trainable["input.running_mean"], false);
    deepEqual(json.userDefinedMetadata.trainable["dense1.kernel"], true);
    const bytes = await Deno.readFile(join(dir, "weights.bin"));
    const decoded = tf.io.decodeWeights(bytes.slice().buffer, json.weightsManifest[0].weights);
    for (const [name, variable] of model.variables) {
      deepEqual(decoded[name].shape, variable.shape, name);
      deepEqual(decoded[name].dataSync(), variable.dataSync(), name);
    }
    tf.dispose(Object.values(decoded));
    // TF.js's own loader path reads the handler's artifacts too.
    const artifacts = await denoFileHandler(dir).load!();
    equal(artifacts.weightSpecs!.length, model.variables.size);
  });
});

Deno.test("restoreWeights() assigns stored weights to an existing model in place", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    const model = trainedToy();
    await saveModel(model, dir);
    const target = buildToy(TOY, 3);
    await restoreWeights(target, dir);
    for (const [name, variable] of model.variables) {
      deepEqual(target.variables.get(name)!.dataSync(), variable.dataSync(), name);
    }
  });
});

Deno.test("loadModel() throws when a weight's shape differs, naming the weight and both shapes", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    await saveModel(trainedToy(), dir);
    const before = tf.memory().numTensors;
    await rejects(
      loadModel(dir, (config) => buildToy({ ...config, hidden: 6 })),
      (error: Error) => {
        ok(error instanceof TypeError);
        ok(error.message.startsWith(`Cannot load model "${dir}/model.json": `), error.message);
        ok(
          error.message.includes(
            `weight "dense1.kernel" has shape [3,5] in the file but [3,6] in the network built from its config`,
          ),
          error.message,
        );
        ok(error.message.includes(`weight "dense2.kernel" has shape [5,2]`), error.message);
        return true;
      },
    );
    equal(tf.memory().numTensors, before, "the rejected network is disposed");
  });
});

Deno.test("loadModel() throws when weights are missing or extra", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    await saveModel(trainedToy(), dir);
    function renamed(config: ModelConfig): Model {
      const model = buildToy(config);
      const variable = model.variables.get("dense2.bias")!;
      model.variables.delete("dense2.bias");
      model.variables.set("head.bias", variable);
      return model;
    }
    await rejects(
      loadModel(dir, renamed),
      new TypeError(
        `Cannot load model "${dir}/model.json": weight "head.bias" of the network is missing from the file; weight "dense2.bias" in the file has no variable in the network; the file does not match the network its config builds (saved by another version of the builder?)`,
      ),
    );
  });
});

Deno.test("loadModel() throws when a weight's trainable flag differs", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    await saveModel(trainedToy(), dir);
    function frozen(config: ModelConfig): Model {
      const model = buildToy(config);
      model.variables.set("dense1.bias", tf.variable(tf.zeros([5]), false));
      return model;
    }
    await rejects(
      loadModel(dir, frozen),
      /weight "dense1.bias" is trainable in the file but not trainable in the network/,
    );
  });
});

Deno.test("loadModel() throws when model.json or weights.bin is missing", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    await rejects(
      loadModel(dir, buildToy),
      new Error(
        `Cannot load model "${dir}/model.json": file not found; save a model there with saveModel() or check the path`,
      ),
    );
    await saveModel(trainedToy(), dir);
    await Deno.remove(join(dir, "weights.bin"));
    await rejects(
      loadModel(dir, buildToy),
      new Error(
        `Cannot load model "${dir}/model.json": weights file "${dir}/weights.bin" not found; save a model there with saveModel() or check the path`,
      ),
    );
  });
});

Deno.test("loadModel() throws when model.json is not JSON or has another format", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "model.json"), "{ not json");
    await rejects(loadModel(dir, buildToy), (error: Error) => {
      ok(error instanceof SyntaxError);
      ok(
        error.message.startsWith(
          `Cannot load model "${dir}/model.json": the file is not valid JSON (`,
        ),
      );
      return true;
    });
    await saveModel(trainedToy(), dir);
    const json = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    await Deno.writeTextFile(
      join(dir, "model.json"),
      JSON.stringify({ ...json, format: "layers-model" }),
    );
    await rejects(
      loadModel(dir, buildToy),
      new SyntaxError(
        `Cannot load model "${dir}/model.json": format is "layers-model", expected "${MODEL_FORMAT}"; this file was not written by saveModel()`,
      ),
    );
    delete json.weightsManifest;
    await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(json));
    await rejects(
      loadModel(dir, buildToy),
      new SyntaxError(
        `Cannot load model "${dir}/model.json": field "weightsManifest" is missing; save the model again with saveModel()`,
      ),
    );
  });
});

Deno.test("loadModel() throws when weights.bin is truncated", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    await saveModel(trainedToy(), dir);
    const bytes = await Deno.readFile(join(dir, "weights.bin"));
    await Deno.writeFile(join(dir, "weights.bin"), bytes.subarray(0, bytes.length - 4));
    const total = (3 * 5 + 5 + 5 * 2 + 2 + 3) * 4;
    await rejects(
      loadModel(dir, buildToy),
      new TypeError(
        `Cannot load model "${dir}/model.json": the weights files hold ${
          total - 4
        } bytes but the manifest describes ${total}; the files are truncated or from different saves`,
      ),
    );
  });
});

Deno.test("restoreWeights() throws when the stored config differs from the model's", async () => {
  await useBackend("cpu");
  await withTempDir(async (dir) => {
    await saveModel(trainedToy(), dir);
    const other = buildToy({ ...TOY, kind: "toy2" });
    await rejects(
      restoreWeights(other, dir),
      new TypeError(
        `Cannot restore weights from "${dir}/model.json": the file's config {"hidden":5,"inputs":3,"kind":"toy","outputs":2} differs from the model's {"hidden":5,"inputs":3,"kind":"toy2","outputs":2}; load it with loadModel() or remove the file`,
      ),
    );
  });
});
