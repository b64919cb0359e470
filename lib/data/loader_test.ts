import { deepEqual, equal, notDeepEqual, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { createRng } from "../rng.ts";
import { writeDataset } from "./dataset.ts";
import { type Batch, batches, loadDataset, readDatasetMeta, readLabels } from "./loader.ts";

const COUNT = 23;
const MAX_LENGTH = 6;
const DIM = 2;

/** 23 tracks of lengths 1..6 whose every value encodes (track, frame, axis), so rows can be told apart. */
async function withDataset(work: (directory: string) => Promise<void>): Promise<void> {
  const directory = await Deno.makeTempDir({ prefix: "loader_test_" });
  try {
    const positions = new Float32Array(COUNT * MAX_LENGTH * DIM);
    const lengths = Array.from({ length: COUNT }, (_, n) => 1 + (n % MAX_LENGTH));
    for (let n = 0; n < COUNT; n++) {
      for (let t = 0; t < lengths[n]; t++) {
        for (let axis = 0; axis < DIM; axis++) {
          positions[(n * MAX_LENGTH + t) * DIM + axis] = n * 100 + t * 10 + axis + 1;
        }
      }
    }
    await writeDataset(directory, {
      positions,
      shape: { count: COUNT, maxLength: MAX_LENGTH, dim: DIM },
      lengths,
      labels: lengths.map((_, n) => ({ class: n % 5 })),
    });
    await work(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

async function collect(
  source: Parameters<typeof batches>[0],
  options: Parameters<typeof batches>[1],
) {
  const seen: Batch[] = [];
  for await (const batch of batches(source, options)) seen.push(batch);
  return seen;
}

/** Checks that each batch row is the dataset row its index names. */
function checkRows(batch: Batch, dataset: Awaited<ReturnType<typeof loadDataset>>): void {
  const row = MAX_LENGTH * DIM;
  batch.indices.forEach((n, b) => {
    deepEqual(
      batch.positions.subarray(b * row, (b + 1) * row),
      dataset.positions.subarray(n * row, (n + 1) * row),
    );
    equal(batch.lengths[b], dataset.lengths[n]);
    equal(batch.labels[b].traj_id, n);
  });
}

Deno.test("batches() covers every index exactly once per epoch, in stored order without shuffle (23 tracks, batch 5)", async () => {
  await withDataset(async (directory) => {
    const dataset = await loadDataset(directory);
    const seen = await collect(dataset, { batchSize: 5 });
    deepEqual(seen.map((batch) => batch.indices.length), [5, 5, 5, 5, 3]);
    deepEqual(
      seen.flatMap((batch) => [...batch.indices]),
      Array.from({ length: COUNT }, (_, n) => n),
    );
    for (const batch of seen) checkRows(batch, dataset);
  });
});

Deno.test("batches() with shuffle covers every index exactly once per epoch and serves the rows it names", async () => {
  await withDataset(async (directory) => {
    const dataset = await loadDataset(directory);
    const rng = createRng(11).stream("batches");
    for (let epoch = 0; epoch < 3; epoch++) {
      const seen = await collect(dataset, { batchSize: 4, shuffle: rng });
      const indices = seen.flatMap((batch) => [...batch.indices]);
      deepEqual([...indices].sort((a, b) => a - b), Array.from({ length: COUNT }, (_, n) => n));
      for (const batch of seen) checkRows(batch, dataset);
    }
  });
});

Deno.test("batches() shuffles reproducibly: the same seed gives the same batches, the next epoch a new order", async () => {
  await withDataset(async (directory) => {
    const dataset = await loadDataset(directory);
    const order = async (rng: ReturnType<typeof createRng>) =>
      (await collect(dataset, { batchSize: 5, shuffle: rng })).flatMap((
        batch,
      ) => [...batch.indices]);
    const first = createRng(3).stream("epochs");
    const again = createRng(3).stream("epochs");
    const epoch0 = await order(first);
    deepEqual(await order(again), epoch0);
    const epoch1 = await order(first);
    deepEqual(await order(again), epoch1);
    // Two permutations of 23 items agree with probability 1/23!, so they must differ.
    notDeepEqual(epoch1, epoch0);
    notDeepEqual(await order(createRng(4).stream("epochs")), epoch0);
  });
});

Deno.test("batches() with dropLast leaves out the short last batch, and with an exact fit drops nothing", async () => {
  await withDataset(async (directory) => {
    const dataset = await loadDataset(directory);
    const dropped = await collect(dataset, { batchSize: 5, dropLast: true, shuffle: createRng(1) });
    deepEqual(dropped.map((batch) => batch.indices.length), [5, 5, 5, 5]);
    equal(new Set(dropped.flatMap((batch) => [...batch.indices])).size, 20);
    const exact = await collect(dataset, { batchSize: 23, dropLast: true });
    deepEqual(exact.map((batch) => batch.indices.length), [23]);
  });
});

Deno.test("batches() reads a directory itself when given a path", async () => {
  await withDataset(async (directory) => {
    const seen = await collect(directory, { batchSize: 10 });
    deepEqual(seen.map((batch) => batch.indices.length), [10, 10, 3]);
  });
});

Deno.test("loadDataset() holds the positions once: one buffer of exactly the data, and batches own only their rows", async () => {
  await withDataset(async (directory) => {
    const dataset = await loadDataset(directory);
    const bytes = COUNT * MAX_LENGTH * DIM * 4;
    // Exactly the data bytes and offset 0: not a view into a file-sized buffer (header included)
    // and not a slice beside one.
    equal(dataset.positions.buffer.byteLength, bytes);
    equal(dataset.positions.byteOffset, 0);
    for (const shuffle of [null, createRng(2)]) {
      for (const batch of await collect(dataset, { batchSize: 4, shuffle })) {
        equal(batch.positions.buffer.byteLength, batch.indices.length * MAX_LENGTH * DIM * 4);
        ok(batch.positions.buffer !== dataset.positions.buffer);
      }
    }
  });
});

Deno.test("batches() gives copies: changing a batch leaves the dataset as it was", async () => {
  await withDataset(async (directory) => {
    const dataset = await loadDataset(directory);
    const before = dataset.positions.slice();
    for await (const batch of batches(dataset, { batchSize: 7 })) batch.positions.fill(-1);
    deepEqual(dataset.positions, before);
  });
});

Deno.test("readLabels() returns one object per trajectory in traj_id order", async () => {
  await withDataset(async (directory) => {
    const labels = await readLabels(directory);
    deepEqual(labels.slice(0, 3), [
      { traj_id: 0, length: 1, class: 0 },
      { traj_id: 1, length: 2, class: 1 },
      { traj_id: 2, length: 3, class: 2 },
    ]);
    equal(labels.length, COUNT);
  });
});

Deno.test("batches() throws when batchSize is not an integer >= 1", async () => {
  await withDataset(async (directory) => {
    await rejects(collect(directory, { batchSize: 0 }), {
      name: "RangeError",
      message: "Cannot make batches: batchSize must be an integer >= 1, got 0",
    });
  });
});

Deno.test("readDatasetMeta() throws when the directory has no meta.json (not a complete dataset)", async () => {
  const directory = await Deno.makeTempDir();
  try {
    await Deno.writeFile(join(directory, "positions.npy.partial"), new Uint8Array(4));
    await rejects(readDatasetMeta(directory), {
      name: "NotFound",
      message:
        `Cannot read dataset "${directory}": no meta.json, so it is not a complete dataset; write it with openDatasetWriter() or the import_tracks task`,
    });
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("readDatasetMeta() throws when meta.json is not a dataset's or is from a newer schema", async () => {
  await withDataset(async (directory) => {
    const path = join(directory, "meta.json");
    const meta = JSON.parse(await Deno.readTextFile(path));
    await Deno.writeTextFile(path, JSON.stringify({ ...meta, schemaVersion: 2 }));
    await rejects(readDatasetMeta(directory), {
      name: "RangeError",
      message:
        `Cannot read dataset "${directory}": schemaVersion 2 is newer than this reader's 1; update andiflow`,
    });
    await Deno.writeTextFile(path, JSON.stringify({ model: "brownian", count: 3 }));
    await rejects(readDatasetMeta(directory), {
      name: "SyntaxError",
      message:
        `Cannot read dataset "${directory}": ${path} has no format "andiflow-dataset" and schemaVersion; it was not written by lib/data/dataset.ts`,
    });
  });
});

Deno.test("loadDataset() throws when positions.npy is truncated", async () => {
  await withDataset(async (directory) => {
    const path = join(directory, "positions.npy");
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 4));
    await rejects(loadDataset(directory), {
      name: "SyntaxError",
      message: `Cannot load dataset "${directory}": ${path} has ${
        COUNT * MAX_LENGTH * DIM * 4 - 4
      } data bytes, shape [${COUNT},${MAX_LENGTH},${DIM}] needs ${
        COUNT * MAX_LENGTH * DIM * 4
      }; the file is truncated or padded, rewrite the dataset`,
    });
  });
});

Deno.test("loadDataset() throws when positions.npy disagrees with meta.json", async () => {
  await withDataset(async (directory) => {
    const path = join(directory, "positions.npy");
    const meta = JSON.parse(await Deno.readTextFile(join(directory, "meta.json")));
    await Deno.writeTextFile(
      join(directory, "meta.json"),
      JSON.stringify({ ...meta, maxLength: 7 }),
    );
    await rejects(loadDataset(directory), {
      name: "SyntaxError",
      message:
        `Cannot load dataset "${directory}": ${path} holds <f4 [${COUNT},${MAX_LENGTH},${DIM}], meta.json says <f4 [${COUNT},7,${DIM}]; rewrite the dataset`,
    });
  });
});
