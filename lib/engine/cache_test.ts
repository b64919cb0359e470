import { deepEqual, equal, match, notEqual, ok, rejects } from "node:assert/strict";
import { pathExists } from "../io/path_exists.ts";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  type ArtefactRecord,
  collectGarbage,
  commitArtefact,
  hashDirectory,
  objectPath,
  readStepRecord,
  type StepIdentity,
  stepKey,
  type StepRecord,
  writeStepRecord,
} from "./cache.ts";

const POSIX = Deno.build.os !== "windows";

/** Runs `fn` with a fresh temporary directory, removed afterwards (read-only files included). */
async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cache_test_" });
  try {
    await fn(dir);
  } finally {
    await makeWritable(dir);
    await Deno.remove(dir, { recursive: true });
  }
}

async function makeWritable(dir: string): Promise<void> {
  if (!POSIX) return;
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) await makeWritable(path);
    else if (entry.isFile) await Deno.chmod(path, 0o644);
  }
}

/** Writes files (relative path -> content) under `dir`, in the given order, making folders. */
async function writeTree(dir: string, files: [string, string | Uint8Array][]): Promise<void> {
  for (const [path, content] of files) {
    const full = join(dir, ...path.split("/"));
    await Deno.mkdir(join(full, ".."), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(full, content);
    else await Deno.writeFile(full, content);
  }
}

async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

function identity(params: StepIdentity["params"] = { epochs: 5 }): StepIdentity {
  return {
    task: "simulate",
    version: 1,
    params,
    seed: 0,
    stream: "simulate",
    code: { files: { "tasks/simulate.ts": "aaa" }, packages: [] },
    inputs: {},
    files: {},
    runtime: {},
  };
}

function stepRecord(key: string, outputs: Record<string, ArtefactRecord>): StepRecord {
  return {
    ...identity(),
    key,
    outputs,
    metrics: [{ name: "loss", step: 0, value: 1 }],
    startedAt: "2024-01-01T00:00:00.000Z",
    durationS: 1,
  };
}

/** Stages the files in `<state>/tmp/<name>` and commits them. */
async function commitFiles(
  state: string,
  name: string,
  files: [string, string][],
): Promise<ArtefactRecord> {
  const staging = join(state, "tmp", name);
  await writeTree(staging, files);
  return await commitArtefact(state, staging, "dataset");
}

const TREE: [string, string][] = [
  ["a.txt", "alpha"],
  ["sub/b.bin", "bravo!"],
  ["sub/deep/c.json", '{"c":3}'],
  ["z.txt", ""],
];

// ---------------------------------------------------------------------------------------------
// hashDirectory
// ---------------------------------------------------------------------------------------------

Deno.test("hashDirectory() is independent of the order the files were created in", async () => {
  await withTempDir(async (dir) => {
    await writeTree(join(dir, "one"), TREE);
    await writeTree(join(dir, "two"), [...TREE].reverse());
    const one = await hashDirectory(join(dir, "one"));
    deepEqual(await hashDirectory(join(dir, "two")), one);
    equal(one.files, 4);
    equal(one.bytes, 5 + 6 + 7 + 0);
    match(one.hash, /^[0-9a-f]{64}$/);
  });
});

Deno.test("hashDirectory() of an empty directory is the SHA-256 of the empty list", async () => {
  await withTempDir(async (dir) => {
    const empty = createHash("sha256").update("").digest("hex");
    deepEqual(await hashDirectory(dir), { hash: empty, bytes: 0, files: 0 });
  });
});

Deno.test("hashDirectory() changes when one byte, a file name or the nesting changes", async () => {
  await withTempDir(async (dir) => {
    const variants: Record<string, [string, string][]> = {
      base: TREE,
      byte: TREE.map(([path, text]): [string, string] => [
        path,
        path === "sub/b.bin" ? "bravo?" : text,
      ]),
      name: TREE.map(([path, text]): [string, string] => [
        path === "a.txt" ? "A.txt" : path,
        text,
      ]),
      nesting: TREE.map(([path, text]): [string, string] => [
        path === "sub/deep/c.json" ? "sub/c.json" : path,
        text,
      ]),
      flattened: TREE.map(([path, text]): [string, string] => [
        path === "sub/b.bin" ? "sub_b.bin" : path,
        text,
      ]),
      extra: [...TREE, ["sub/deep/d.txt", ""]],
    };
    const hashes = new Map<string, string>();
    for (const [name, files] of Object.entries(variants)) {
      await writeTree(join(dir, name), files);
      hashes.set(name, (await hashDirectory(join(dir, name))).hash);
    }
    // Every variant differs from the base and from each other.
    equal(new Set(hashes.values()).size, hashes.size, JSON.stringify([...hashes]));
  });
});

Deno.test(
  "hashDirectory() rejects a symbolic link, naming its path",
  { ignore: !POSIX },
  async () => {
    await withTempDir(async (dir) => {
      await writeTree(join(dir, "art"), TREE);
      await Deno.symlink(join(dir, "art", "a.txt"), join(dir, "art", "sub", "link.txt"));
      await rejects(() => hashDirectory(join(dir, "art")), {
        name: "TypeError",
        message:
          'Cannot store artefact: "sub/link.txt" is a symbolic link; write the file itself instead',
      });
      // A link to a directory is refused too, rather than followed.
      await Deno.remove(join(dir, "art", "sub", "link.txt"));
      await Deno.symlink(join(dir, "art", "sub"), join(dir, "art", "dirlink"));
      await rejects(() => hashDirectory(join(dir, "art")), {
        name: "TypeError",
        message:
          'Cannot store artefact: "dirlink" is a symbolic link; write the file itself instead',
      });
    });
  },
);

// ---------------------------------------------------------------------------------------------
// commitArtefact
// ---------------------------------------------------------------------------------------------

Deno.test("commitArtefact() moves staging into objects/<2 chars>/<hash> and makes files read-only", async () => {
  await withTempDir(async (state) => {
    const staging = join(state, "tmp", "stage");
    await writeTree(staging, TREE);
    const expected = await hashDirectory(staging);
    const artefact = await commitArtefact(state, staging, "dataset");
    deepEqual(artefact, { hash: expected.hash, kind: "dataset", bytes: 18, files: 4 });
    equal(await pathExists(staging), false, "staging is gone");
    const target = objectPath(state, artefact.hash);
    equal(target, join(state, "objects", artefact.hash.slice(0, 2), artefact.hash));
    ok(await pathExists(target), "object exists");
    // The content is intact and still hashes to its name.
    equal(await Deno.readTextFile(join(target, "sub", "deep", "c.json")), '{"c":3}');
    equal((await hashDirectory(target)).hash, artefact.hash);
    if (POSIX) {
      for (const [path] of TREE) {
        const mode = (await Deno.stat(join(target, ...path.split("/")))).mode! & 0o777;
        equal(mode, 0o444, `mode of ${path}: ${mode.toString(8)}`);
      }
    }
  });
});

Deno.test("commitArtefact() of identical content twice keeps one object and removes the second staging directory", async () => {
  await withTempDir(async (state) => {
    const first = await commitFiles(state, "first", TREE);
    const second = await commitFiles(state, "second", [...TREE].reverse());
    deepEqual(second, first);
    equal(await pathExists(join(state, "tmp", "second")), false, "second staging is gone");
    deepEqual(await listNames(join(state, "objects")), [first.hash.slice(0, 2)]);
    deepEqual(await listNames(join(state, "objects", first.hash.slice(0, 2))), [first.hash]);
    deepEqual(await listNames(join(state, "tmp")), []);
  });
});

Deno.test("commitArtefact() of different content makes two objects", async () => {
  await withTempDir(async (state) => {
    const a = await commitFiles(state, "a", [["x.txt", "one"]]);
    const b = await commitFiles(state, "b", [["x.txt", "two"]]);
    notEqual(a.hash, b.hash);
    ok(await pathExists(objectPath(state, a.hash)));
    ok(await pathExists(objectPath(state, b.hash)));
  });
});

// ---------------------------------------------------------------------------------------------
// stepKey
// ---------------------------------------------------------------------------------------------

Deno.test("stepKey() is the same whatever the key order of params and nested objects", () => {
  const a = identity({ epochs: 5, model: "cnn", lags: [1, 2] });
  const b: StepIdentity = {
    runtime: {},
    inputs: {},
    files: {},
    code: { packages: [], files: { "tasks/simulate.ts": "aaa" } },
    stream: "simulate",
    seed: 0,
    params: { lags: [1, 2], model: "cnn", epochs: 5 },
    version: 1,
    task: "simulate",
  };
  equal(stepKey(a), stepKey(b));
  match(stepKey(a), /^[0-9a-f]{64}$/);
});

Deno.test("stepKey() changes when a parameter value or list order changes", () => {
  const base = stepKey(identity({ epochs: 5, lags: [1, 2] }));
  notEqual(stepKey(identity({ epochs: 6, lags: [1, 2] })), base);
  notEqual(stepKey(identity({ epochs: 5, lags: [2, 1] })), base);
  notEqual(stepKey(identity({ epochs: "5", lags: [1, 2] })), base);
  notEqual(stepKey({ ...identity({ epochs: 5, lags: [1, 2] }), seed: 1 }), base);
});

// ---------------------------------------------------------------------------------------------
// readStepRecord
// ---------------------------------------------------------------------------------------------

Deno.test("readStepRecord() returns missing when no record exists", async () => {
  await withTempDir(async (state) => {
    deepEqual(await readStepRecord(state, "0".repeat(64)), { status: "missing" });
  });
});

Deno.test("readStepRecord() returns hit with the record while its artefacts exist", async () => {
  await withTempDir(async (state) => {
    const artefact = await commitFiles(state, "out", TREE);
    const key = stepKey(identity());
    const record = stepRecord(key, { data: artefact });
    await writeStepRecord(state, record);
    deepEqual(await readStepRecord(state, key), { status: "hit", record });
  });
});

Deno.test("readStepRecord() returns corrupt when the record is not JSON", async () => {
  await withTempDir(async (state) => {
    const path = join(state, "steps", "k1.json");
    await writeTree(join(state, "steps"), [["k1.json", '{"key": "k1", "outp']]);
    const lookup = await readStepRecord(state, "k1");
    equal(lookup.status, "corrupt");
    ok(
      lookup.status === "corrupt" && lookup.problem.startsWith(`record ${path} is not JSON (`),
      JSON.stringify(lookup),
    );
  });
});

Deno.test("readStepRecord() returns corrupt when the record describes another key", async () => {
  await withTempDir(async (state) => {
    await writeTree(join(state, "steps"), [
      ["k1.json", JSON.stringify(stepRecord("k2", {}))],
    ]);
    deepEqual(await readStepRecord(state, "k1"), {
      status: "corrupt",
      problem: `record ${join(state, "steps", "k1.json")} does not describe key k1`,
    });
  });
});

Deno.test("readStepRecord() returns corrupt for JSON of the wrong form (null, no outputs, no hash)", async () => {
  await withTempDir(async (state) => {
    const path = join(state, "steps", "k1.json");
    const wrongForm = ["null", "[]", '"k1"', '{"key": "k1"}', '{"key": "k1", "outputs": null}'];
    for (const text of wrongForm) {
      await Deno.mkdir(join(state, "steps"), { recursive: true });
      await Deno.writeTextFile(path, text);
      deepEqual(await readStepRecord(state, "k1"), {
        status: "corrupt",
        problem: `record ${path} does not describe key k1`,
      }, text);
    }
    await Deno.writeTextFile(path, '{"key": "k1", "outputs": {"data": {"kind": "dataset"}}}');
    deepEqual(await readStepRecord(state, "k1"), {
      status: "corrupt",
      problem: 'artefact "data" (undefined) is gone',
    });
  });
});

Deno.test("readStepRecord() returns corrupt when an artefact is gone from the store", async () => {
  await withTempDir(async (state) => {
    const kept = await commitFiles(state, "kept", [["a.txt", "kept"]]);
    const lost = await commitFiles(state, "lost", [["a.txt", "lost"]]);
    const key = stepKey(identity());
    await writeStepRecord(state, stepRecord(key, { kept, model: lost }));
    equal((await readStepRecord(state, key)).status, "hit");
    await makeWritable(objectPath(state, lost.hash));
    await Deno.remove(objectPath(state, lost.hash), { recursive: true });
    deepEqual(await readStepRecord(state, key), {
      status: "corrupt",
      problem: `artefact "model" (${lost.hash}) is gone`,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// collectGarbage
// ---------------------------------------------------------------------------------------------

/**
 * A state with: record `keep` -> objects shared + keptOnly; record `drop` -> shared + dropOnly;
 * an orphan object no record names; and work directories for both keys.
 */
async function gcFixture(state: string) {
  const shared = await commitFiles(state, "shared", [["s.txt", "shared"]]);
  const keptOnly = await commitFiles(state, "keptOnly", [["k.txt", "kept"]]);
  const dropOnly = await commitFiles(state, "dropOnly", [["d.txt", "dropped!"]]);
  const orphan = await commitFiles(state, "orphan", [["o.txt", "orphan"], ["p/q.txt", "pq"]]);
  const keep = stepKey(identity({ epochs: 1 }));
  const drop = stepKey(identity({ epochs: 2 }));
  await writeStepRecord(state, stepRecord(keep, { shared, model: keptOnly }));
  await writeStepRecord(state, stepRecord(drop, { shared, model: dropOnly }));
  await writeTree(join(state, "work", keep), [["checkpoint.bin", "k"]]);
  await writeTree(join(state, "work", drop), [["checkpoint.bin", "d"]]);
  const objectRel = (hash: string) => join("objects", hash.slice(0, 2), hash);
  return {
    keep,
    drop,
    shared,
    keptOnly,
    dropOnly,
    orphan,
    expected: {
      // Objects are listed in directory order: by prefix, then by hash.
      objects: [dropOnly.hash, orphan.hash].sort().map(objectRel),
      records: [join("steps", `${drop}.json`)],
      work: [join("work", drop)],
      bytes: dropOnly.bytes + orphan.bytes,
    },
  };
}

Deno.test("collectGarbage() dry run lists unreferenced records, objects and work dirs but deletes nothing", async () => {
  await withTempDir(async (state) => {
    const f = await gcFixture(state);
    const report = await collectGarbage(state, new Set([f.keep]), { dryRun: true });
    deepEqual(report, f.expected);
    equal(report.bytes, 8 + 6 + 2);
    for (const artefact of [f.shared, f.keptOnly, f.dropOnly, f.orphan]) {
      ok(await pathExists(objectPath(state, artefact.hash)), `object ${artefact.hash} kept`);
    }
    equal((await readStepRecord(state, f.drop)).status, "hit");
    ok(await pathExists(join(state, "work", f.drop)));
  });
});

Deno.test("collectGarbage() deletes unreferenced records, objects and work dirs and keeps referenced ones", async () => {
  await withTempDir(async (state) => {
    const f = await gcFixture(state);
    deepEqual(await collectGarbage(state, new Set([f.keep])), f.expected);
    // Gone.
    deepEqual(await readStepRecord(state, f.drop), { status: "missing" });
    equal(await pathExists(objectPath(state, f.dropOnly.hash)), false);
    equal(await pathExists(objectPath(state, f.orphan.hash)), false);
    equal(await pathExists(join(state, "work", f.drop)), false);
    // Kept, including the object the dropped record shared with the kept one.
    equal((await readStepRecord(state, f.keep)).status, "hit");
    ok(await pathExists(objectPath(state, f.shared.hash)));
    ok(await pathExists(objectPath(state, f.keptOnly.hash)));
    equal(await Deno.readTextFile(join(state, "work", f.keep, "checkpoint.bin")), "k");
    // A second pass finds nothing more.
    deepEqual(await collectGarbage(state, new Set([f.keep])), {
      objects: [],
      records: [],
      work: [],
      bytes: 0,
    });
  });
});

Deno.test("collectGarbage() with no kept keys empties the store", async () => {
  await withTempDir(async (state) => {
    const f = await gcFixture(state);
    const report = await collectGarbage(state, new Set());
    equal(report.records.length, 2);
    equal(report.objects.length, 4);
    deepEqual(report.work, [f.drop, f.keep].sort().map((key) => join("work", key)));
    for (const artefact of [f.shared, f.keptOnly, f.dropOnly, f.orphan]) {
      equal(await pathExists(objectPath(state, artefact.hash)), false);
    }
  });
});

Deno.test("collectGarbage() deletes a kept key's record when its artefacts are gone", async () => {
  await withTempDir(async (state) => {
    const f = await gcFixture(state);
    await makeWritable(objectPath(state, f.keptOnly.hash));
    await Deno.remove(objectPath(state, f.keptOnly.hash), { recursive: true });
    const report = await collectGarbage(state, new Set([f.keep]));
    deepEqual(report.records, [f.drop, f.keep].sort().map((key) => join("steps", `${key}.json`)));
    // Its record no longer protects the shared object.
    ok(report.objects.includes(join("objects", f.shared.hash.slice(0, 2), f.shared.hash)));
    // The work directory of a kept key stays: the key is still wanted.
    ok(await pathExists(join(state, "work", f.keep)));
  });
});

Deno.test("collectGarbage() of a state directory that holds nothing yet reports nothing", async () => {
  await withTempDir(async (state) => {
    deepEqual(await collectGarbage(state, new Set(["k"])), {
      objects: [],
      records: [],
      work: [],
      bytes: 0,
    });
  });
});
