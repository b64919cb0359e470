import { equal } from "node:assert/strict";
import type { StepIdentity } from "./cache.ts";
import { explainChange } from "./explain.ts";

/** A fresh identity, so that tests can change one field without touching another test's. */
function identity(): StepIdentity {
  return {
    task: "fit_model",
    version: 1,
    params: { epochs: 5, model: "cnn", lags: [1, 2, 4] },
    seed: 0,
    stream: "fit",
    code: {
      files: { "tasks/fit_model.ts": "aaa", "lib/sim/brownian.ts": "bbb" },
      packages: ["npm:@duckdb/node-api@1.5.5-r.5"],
    },
    inputs: { trajectories: "hash-1", labels: "hash-2" },
    files: {},
    runtime: { deno: "2.9.6", device: "cpu" },
  };
}

/** `identity()` with some fields replaced. */
function changed(patch: (id: StepIdentity) => void): StepIdentity {
  const id = identity();
  patch(id);
  return id;
}

const UPSTREAM = { trajectories: "simulate" };

Deno.test("explainChange() says never run when there is no previous identity", () => {
  equal(explainChange(undefined, identity(), UPSTREAM), "never run");
});

Deno.test("explainChange() says cached result missing when nothing differs", () => {
  equal(explainChange(identity(), identity(), UPSTREAM), "cached result missing");
});

Deno.test("explainChange() ignores the key order of parameters and of the identity", () => {
  const reordered = changed((id) => {
    id.params = { model: "cnn", lags: [1, 2, 4], epochs: 5 };
    id.code.files = { "lib/sim/brownian.ts": "bbb", "tasks/fit_model.ts": "aaa" };
  });
  equal(explainChange(identity(), reordered, UPSTREAM), "cached result missing");
});

Deno.test("explainChange() reports a changed task name", () => {
  const current = changed((id) => (id.task = "fit_model_v2"));
  equal(explainChange(identity(), current, UPSTREAM), "task `fit_model` -> `fit_model_v2`");
});

Deno.test("explainChange() reports a changed task version", () => {
  const current = changed((id) => (id.version = 2));
  equal(explainChange(identity(), current, UPSTREAM), "task version 1 -> 2");
});

Deno.test("explainChange() reports a changed number parameter", () => {
  const current = changed((id) => (id.params.epochs = 10));
  equal(explainChange(identity(), current, UPSTREAM), "parameter `epochs` 5 -> 10");
});

Deno.test("explainChange() reports a changed string parameter with quotes", () => {
  const current = changed((id) => (id.params.model = "lstm"));
  equal(explainChange(identity(), current, UPSTREAM), 'parameter `model` "cnn" -> "lstm"');
});

Deno.test("explainChange() reports a changed list parameter as JSON", () => {
  const current = changed((id) => (id.params.lags = [1, 2, 4, 8]));
  equal(explainChange(identity(), current, UPSTREAM), "parameter `lags` [1,2,4] -> [1,2,4,8]");
});

Deno.test("explainChange() reports boolean parameters and parameters added or removed as unset", () => {
  const withFlag = changed((id) => (id.params.shuffle = true));
  equal(explainChange(identity(), withFlag, UPSTREAM), "parameter `shuffle` unset -> true");
  equal(explainChange(withFlag, identity(), UPSTREAM), "parameter `shuffle` true -> unset");
  const flipped = changed((id) => (id.params.shuffle = false));
  equal(explainChange(withFlag, flipped, UPSTREAM), "parameter `shuffle` true -> false");
});

Deno.test("explainChange() reports the alphabetically first changed parameter", () => {
  const current = changed((id) => {
    id.params.model = "lstm";
    id.params.epochs = 10;
    id.params.lags = [1];
  });
  equal(explainChange(identity(), current, UPSTREAM), "parameter `epochs` 5 -> 10");
});

Deno.test("explainChange() reports a changed seed, including to and from null", () => {
  equal(explainChange(identity(), changed((id) => (id.seed = 1)), UPSTREAM), "seed 0 -> 1");
  equal(
    explainChange(changed((id) => (id.seed = null)), identity(), UPSTREAM),
    "seed null -> 0",
  );
});

Deno.test("explainChange() reports a renamed step (its random stream)", () => {
  const current = changed((id) => (id.stream = "fit_long"));
  equal(explainChange(identity(), current, UPSTREAM), "step renamed `fit` -> `fit_long`");
});

Deno.test("explainChange() reports a changed code file", () => {
  const current = changed((id) => (id.code.files["lib/sim/brownian.ts"] = "ccc"));
  equal(explainChange(identity(), current, UPSTREAM), "code `lib/sim/brownian.ts` changed");
});

Deno.test("explainChange() reports a code file now imported", () => {
  const current = changed((id) => (id.code.files["lib/features/msd.ts"] = "ddd"));
  equal(explainChange(identity(), current, UPSTREAM), "code `lib/features/msd.ts` now imported");
});

Deno.test("explainChange() reports a code file no longer imported", () => {
  const current = changed((id) => delete id.code.files["lib/sim/brownian.ts"]);
  equal(
    explainChange(identity(), current, UPSTREAM),
    "code `lib/sim/brownian.ts` no longer imported",
  );
});

Deno.test("explainChange() reports the alphabetically first changed code file", () => {
  const current = changed((id) => {
    id.code.files["tasks/fit_model.ts"] = "zzz";
    id.code.files["lib/sim/brownian.ts"] = "yyy";
  });
  equal(explainChange(identity(), current, UPSTREAM), "code `lib/sim/brownian.ts` changed");
});

Deno.test("explainChange() reports a new or upgraded package by name", () => {
  const upgraded = changed((id) => (id.code.packages = ["npm:@duckdb/node-api@1.6.0"]));
  equal(
    explainChange(identity(), upgraded, UPSTREAM),
    "package `npm:@duckdb/node-api@1.6.0` changed",
  );
  const added = changed((id) => id.code.packages.push("npm:zod@3.0.0"));
  equal(explainChange(identity(), added, UPSTREAM), "package `npm:zod@3.0.0` changed");
});

Deno.test("explainChange() says packages changed when one is only removed", () => {
  const removed = changed((id) => (id.code.packages = []));
  equal(explainChange(identity(), removed, UPSTREAM), "packages changed");
});

Deno.test("explainChange() names the upstream step of a changed input", () => {
  const current = changed((id) => (id.inputs.trajectories = "hash-9"));
  equal(explainChange(identity(), current, UPSTREAM), "upstream `simulate` changed");
});

Deno.test("explainChange() names the input itself when it has no upstream step", () => {
  const current = changed((id) => (id.inputs.labels = "hash-9"));
  equal(explainChange(identity(), current, UPSTREAM), "input `labels` changed");
  const added = changed((id) => (id.inputs.extra = "hash-3"));
  equal(explainChange(identity(), added, UPSTREAM), "input `extra` changed");
});

Deno.test("explainChange() reports a changed runtime fact, with unset for a missing one", () => {
  const gpu = changed((id) => (id.runtime.device = "cuda"));
  equal(explainChange(identity(), gpu, UPSTREAM), "runtime `device` cpu -> cuda");
  const added = changed((id) => (id.runtime.cudnn = "9"));
  equal(explainChange(identity(), added, UPSTREAM), "runtime `cudnn` unset -> 9");
  const removed = changed((id) => delete id.runtime.device);
  equal(explainChange(identity(), removed, UPSTREAM), "runtime `device` cpu -> unset");
});

Deno.test("explainChange() reports a parameter before code when both differ", () => {
  const current = changed((id) => {
    id.code.files["tasks/fit_model.ts"] = "new";
    id.params.epochs = 6;
  });
  equal(explainChange(identity(), current, UPSTREAM), "parameter `epochs` 5 -> 6");
});

Deno.test("explainChange() follows the order task, version, parameter, seed, step, code, package, input, runtime", () => {
  // Each entry changes one field; applying entries i..end together must report entry i, so every
  // reason is shown to outrank all the ones after it.
  const changes: [string, (id: StepIdentity) => void][] = [
    ["task `fit_model` -> `other`", (id) => (id.task = "other")],
    ["task version 1 -> 3", (id) => (id.version = 3)],
    ["parameter `epochs` 5 -> 50", (id) => (id.params.epochs = 50)],
    ["seed 0 -> 7", (id) => (id.seed = 7)],
    ["step renamed `fit` -> `refit`", (id) => (id.stream = "refit")],
    ["code `tasks/fit_model.ts` changed", (id) => (id.code.files["tasks/fit_model.ts"] = "x")],
    ["package `npm:new@1.0.0` changed", (id) => id.code.packages.push("npm:new@1.0.0")],
    ["upstream `simulate` changed", (id) => (id.inputs.trajectories = "hash-x")],
    ["runtime `device` cpu -> cuda", (id) => (id.runtime.device = "cuda")],
  ];
  for (let i = 0; i < changes.length; i++) {
    const current = changed((id) => changes.slice(i).forEach(([, patch]) => patch(id)));
    equal(explainChange(identity(), current, UPSTREAM), changes[i][0], `from change ${i}`);
  }
});

Deno.test("explainChange() names an input file whose content changed, after parameters", () => {
  const before = { ...identity(), params: { ...identity().params, path: "tracks.csv" } };
  before.files = { path: "content-1" };
  const after = { ...before, files: { path: "content-2" } };
  equal(explainChange(before, after, {}), "input file `tracks.csv` changed");
  equal(
    explainChange(before, { ...after, params: { ...after.params, epochs: 6 } }, {}),
    "parameter `epochs` 5 -> 6",
  );
});
