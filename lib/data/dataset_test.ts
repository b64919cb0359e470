import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { encodeNpy } from "../io/npy.ts";
import { createRng } from "../rng.ts";
import { brownianMotion } from "../sim/brownian.ts";
import {
  type DatasetShape,
  type FrameLabels,
  type Labels,
  openDatasetWriter,
  writeDataset,
} from "./dataset.ts";
import { loadDataset, readDatasetMeta, readFrameLabels } from "./loader.ts";

/** Whether `python3` imports these modules here; the interop tests skip otherwise. */
function pythonHas(modules: string): boolean {
  try {
    return new Deno.Command("python3", {
      args: ["-c", `import ${modules}`],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false; // no python3 (or no permission to run it)
  }
}

const hasNumpy = pythonHas("numpy");
const hasPandasParquet = pythonHas("numpy, pandas, pyarrow") ||
  pythonHas("numpy, pandas, fastparquet");

/** A small ragged dataset: Brownian tracks of lengths 3 .. maxLength with labels of each type. */
function sample(count: number, maxLength: number, dim: number, seed: number) {
  const rng = createRng(seed).stream("dataset_test");
  const trajectories: Float64Array[] = [];
  const labels: Labels[] = [];
  const frameLabels: FrameLabels[] = [];
  for (let n = 0; n < count; n++) {
    const length = n === 0 ? maxLength : rng.integer(3, maxLength + 1);
    trajectories.push(brownianMotion(length, rng, { dim, k: 0.5 + n }));
    labels.push({
      model: ["attm", "ctrw", "fbm", "lw", "sbm"][n % 5],
      class: n % 5,
      alpha: 0.05 + n / 10,
      snr: n % 2 === 0 ? null : 10,
      source_traj_id: BigInt(1000 + n),
    });
    const switchAt = Math.floor(length / 2);
    frameLabels.push({
      alpha: Float64Array.from({ length }, (_, t) => (t < switchAt ? 0.5 : 1.2)),
      state: Int32Array.from({ length }, (_, t) => (t < switchAt ? 2 : 1)),
    });
  }
  return { trajectories, labels, frameLabels };
}

/** The trajectories as one zero-padded float32 array [count, maxLength, dim]. */
function padded(trajectories: Float64Array[], shape: DatasetShape): Float32Array {
  const row = shape.maxLength * shape.dim;
  const positions = new Float32Array(shape.count * row);
  trajectories.forEach((trajectory, n) => positions.set(trajectory, n * row));
  return positions;
}

async function withTempDir(work: (directory: string) => Promise<void>): Promise<void> {
  const directory = await Deno.makeTempDir({ prefix: "dataset_test_" });
  try {
    await work(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

async function writeSample(directory: string, shape: DatasetShape, seed = 7) {
  const { trajectories, labels, frameLabels } = sample(
    shape.count,
    shape.maxLength,
    shape.dim,
    seed,
  );
  await using writer = await openDatasetWriter(directory, shape, {
    meta: { generator: "test", seed },
  });
  for (let n = 0; n < shape.count; n++) {
    await writer.append(trajectories[n], labels[n], frameLabels[n]);
  }
  const meta = await writer.close();
  return { trajectories, labels, frameLabels, meta };
}

async function query(sql: string, values: string[]): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql, values)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

Deno.test("openDatasetWriter() streams positions.npy byte for byte as encodeNpy() writes the zero-padded array (300 x 1000 x 2, several buffer flushes)", async () => {
  await withTempDir(async (directory) => {
    const shape = { count: 300, maxLength: 1000, dim: 2 };
    const { trajectories } = await writeSample(directory, shape);
    const written = await Deno.readFile(join(directory, "positions.npy"));
    const expected = encodeNpy(padded(trajectories, shape), [300, 1000, 2]);
    equal(written.length, expected.length);
    ok(written.every((byte, i) => byte === expected[i]), "positions.npy differs from encodeNpy()");
  });
});

Deno.test("openDatasetWriter() then loadDataset() gives back identical positions, lengths and labels (float32 rounding only)", async () => {
  await withTempDir(async (directory) => {
    const shape = { count: 17, maxLength: 40, dim: 3 };
    const { trajectories, labels } = await writeSample(directory, shape);
    const dataset = await loadDataset(directory);
    deepEqual(dataset.positions, padded(trajectories, shape));
    deepEqual([...dataset.lengths], trajectories.map((trajectory) => trajectory.length / 3));
    deepEqual(
      dataset.labels,
      labels.map((row, n) => ({ traj_id: n, length: trajectories[n].length / 3, ...row })),
    );
  });
});

Deno.test("openDatasetWriter() writes meta.json with the shape, column types and provenance", async () => {
  await withTempDir(async (directory) => {
    await writeSample(directory, { count: 4, maxLength: 12, dim: 2 }, 3);
    deepEqual(await readDatasetMeta(directory), {
      format: "andiflow-dataset",
      schemaVersion: 1,
      count: 4,
      maxLength: 12,
      dim: 2,
      labelColumns: {
        traj_id: "INTEGER",
        length: "INTEGER",
        model: "VARCHAR",
        class: "INTEGER",
        alpha: "DOUBLE",
        snr: "DOUBLE",
        source_traj_id: "BIGINT",
      },
      frameLabelColumns: {
        traj_id: "INTEGER",
        t: "INTEGER",
        alpha: "DOUBLE",
        state: "INTEGER",
        changepoint: "BOOLEAN",
      },
      generator: "test",
      seed: 3,
    });
  });
});

Deno.test("labels.parquet reads back in DuckDB with the declared types and values", async () => {
  await withTempDir(async (directory) => {
    const { labels } = await writeSample(directory, { count: 6, maxLength: 10, dim: 2 });
    const path = join(directory, "labels.parquet");
    const types = await query("DESCRIBE SELECT * FROM read_parquet(?)", [path]);
    deepEqual(
      types.map((row) => `${row.column_name} ${row.column_type}`),
      [
        "traj_id INTEGER",
        "length INTEGER",
        "model VARCHAR",
        "class INTEGER",
        "alpha DOUBLE",
        "snr DOUBLE",
        "source_traj_id BIGINT",
      ],
    );
    const rows = await query(
      "SELECT model, class, alpha, snr, source_traj_id FROM read_parquet(?) ORDER BY traj_id",
      [path],
    );
    deepEqual(rows, labels);
  });
});

Deno.test("frame_labels.parquet has one row per frame and marks a changepoint only where alpha or state changes", async () => {
  await withTempDir(async (directory) => {
    const { trajectories } = await writeSample(directory, { count: 5, maxLength: 20, dim: 2 });
    const path = join(directory, "frame_labels.parquet");
    const rows = await query(
      "SELECT traj_id, count(*) AS frames, list(t ORDER BY t) FILTER (WHERE changepoint) AS changepoints FROM read_parquet(?) GROUP BY traj_id ORDER BY traj_id",
      [path],
    );
    deepEqual(
      rows.map((row) => [row.traj_id, Number(row.frames), row.changepoints]),
      trajectories.map((trajectory, n) => {
        const length = trajectory.length / 2;
        return [n, length, [Math.floor(length / 2)]];
      }),
    );
  });
});

Deno.test("readFrameLabels() lays the frame labels out like the positions, padded with NaN and -1", async () => {
  await withTempDir(async (directory) => {
    const { frameLabels, trajectories } = await writeSample(directory, {
      count: 3,
      maxLength: 9,
      dim: 2,
    });
    const frames = (await readFrameLabels(directory))!;
    equal(frames.k, undefined);
    for (let n = 0; n < 3; n++) {
      const length = trajectories[n].length / 2;
      const alpha = [...frames.alpha!.subarray(n * 9, n * 9 + 9)];
      deepEqual(alpha.slice(0, length), Array.from(frameLabels[n].alpha!));
      ok(alpha.slice(length).every(Number.isNaN));
      deepEqual([...frames.state!.subarray(n * 9 + length, n * 9 + 9)], Array(9 - length).fill(-1));
    }
  });
});

Deno.test("writeDataset() writes what the streaming writer writes, and no frame_labels.parquet without frame labels", async () => {
  await withTempDir(async (directory) => {
    const shape = { count: 3, maxLength: 4, dim: 1 };
    const meta = await writeDataset(directory, {
      positions: new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
      shape,
      lengths: [4, 2, 1],
      labels: [{ k: 1 }, { k: 2 }, { k: 3 }],
    });
    equal(meta.frameLabelColumns, null);
    const dataset = await loadDataset(directory);
    deepEqual([...dataset.positions], [1, 2, 3, 4, 5, 6, 0, 0, 9, 0, 0, 0]);
    deepEqual([...dataset.lengths], [4, 2, 1]);
    deepEqual(dataset.labels.map((row) => row.k), [1, 2, 3]);
    deepEqual((await Array.fromAsync(Deno.readDir(directory))).map((entry) => entry.name).sort(), [
      "labels.parquet",
      "lengths.npy",
      "meta.json",
      "positions.npy",
    ]);
  });
});

Deno.test("openDatasetWriter() writes an empty dataset (count 0) that loads", async () => {
  await withTempDir(async (directory) => {
    await using writer = await openDatasetWriter(directory, { count: 0, maxLength: 5, dim: 2 });
    await writer.close();
    const dataset = await loadDataset(directory);
    equal(dataset.positions.length, 0);
    deepEqual(dataset.labels, []);
  });
});

Deno.test(
  {
    name: "positions.npy and lengths.npy load in NumPy with the same shape and values",
    ignore: !hasNumpy,
  },
  async () => {
    await withTempDir(async (directory) => {
      const shape = { count: 5, maxLength: 8, dim: 2 };
      const { trajectories } = await writeSample(directory, shape);
      const script = [
        "import json, sys, numpy",
        "p = numpy.load(sys.argv[1] + '/positions.npy')",
        "l = numpy.load(sys.argv[1] + '/lengths.npy')",
        "print(json.dumps({'shape': list(p.shape), 'dtype': str(p.dtype), 'values': p.ravel().tolist(),",
        "  'lengths': l.tolist(), 'lengthsDtype': str(l.dtype)}))",
      ].join("\n");
      const output = await new Deno.Command("python3", { args: ["-c", script, directory] })
        .output();
      equal(output.success, true, new TextDecoder().decode(output.stderr));
      const seen = JSON.parse(new TextDecoder().decode(output.stdout));
      deepEqual(seen, {
        shape: [5, 8, 2],
        dtype: "float32",
        values: [...padded(trajectories, shape)],
        lengths: trajectories.map((trajectory) => trajectory.length / 2),
        lengthsDtype: "int32",
      });
    });
  },
);

Deno.test(
  {
    name: "labels.parquet and frame_labels.parquet load in pandas with the same columns and values",
    ignore: !hasPandasParquet,
  },
  async () => {
    await withTempDir(async (directory) => {
      const { labels, trajectories } = await writeSample(directory, {
        count: 5,
        maxLength: 8,
        dim: 2,
      });
      const script = [
        "import json, sys, math, pandas",
        "d = pandas.read_parquet(sys.argv[1] + '/labels.parquet')",
        "f = pandas.read_parquet(sys.argv[1] + '/frame_labels.parquet')",
        "clean = lambda v: None if isinstance(v, float) and math.isnan(v) else v",
        "print(json.dumps({'columns': list(d.columns), 'rows': [{c: clean(d[c].tolist()[i]) for c in d.columns} for i in range(len(d))],",
        "  'frames': len(f), 'frameColumns': list(f.columns)}))",
      ].join("\n");
      const output = await new Deno.Command("python3", { args: ["-c", script, directory] })
        .output();
      equal(output.success, true, new TextDecoder().decode(output.stderr));
      const seen = JSON.parse(new TextDecoder().decode(output.stdout));
      deepEqual(seen.columns, [
        "traj_id",
        "length",
        "model",
        "class",
        "alpha",
        "snr",
        "source_traj_id",
      ]);
      deepEqual(
        seen.rows,
        labels.map((row, n) => ({
          traj_id: n,
          length: trajectories[n].length / 2,
          ...row,
          source_traj_id: Number(row.source_traj_id),
        })),
      );
      equal(seen.frames, trajectories.reduce((sum, trajectory) => sum + trajectory.length / 2, 0));
      deepEqual(seen.frameColumns, ["traj_id", "t", "alpha", "state", "changepoint"]);
    });
  },
);

Deno.test("abort() deletes the partial files and the directory the writer made", async () => {
  await withTempDir(async (parent) => {
    const directory = join(parent, "new");
    const writer = await openDatasetWriter(directory, { count: 2, maxLength: 3, dim: 2 });
    await writer.append(new Float64Array(6), { alpha: 1 }, { state: [0, 0, 0] });
    await writer.abort();
    await rejects(Deno.stat(directory), Deno.errors.NotFound);
    const kept = join(parent, "kept");
    await Deno.mkdir(kept);
    const second = await openDatasetWriter(kept, { count: 1, maxLength: 3, dim: 2 });
    await second.abort();
    deepEqual(await Array.fromAsync(Deno.readDir(kept)), []);
  });
});

Deno.test("writeDataset() leaves nothing behind when a trajectory fails its checks", async () => {
  await withTempDir(async (parent) => {
    const directory = join(parent, "dataset");
    await rejects(
      writeDataset(directory, {
        positions: new Float32Array([0, 1, NaN, 3]),
        shape: { count: 2, maxLength: 2, dim: 1 },
      }),
      {
        message:
          `Cannot append trajectory 1 to dataset "${directory}": frame 0 axis 0 is NaN; positions must be finite`,
      },
    );
    await rejects(Deno.stat(directory), Deno.errors.NotFound);
  });
});

/** Opens a writer for count 2, maxLength 3, dim 2 in a fresh directory and runs `work`. */
async function withWriter(
  work: (writer: Awaited<ReturnType<typeof openDatasetWriter>>, directory: string) => Promise<void>,
): Promise<void> {
  await withTempDir(async (directory) => {
    await using writer = await openDatasetWriter(directory, { count: 2, maxLength: 3, dim: 2 });
    await work(writer, directory);
  });
}

Deno.test("openDatasetWriter() throws when the shape is not positive integers or dim is not 1-3", async () => {
  await withTempDir(async (directory) => {
    await rejects(openDatasetWriter(directory, { count: 2, maxLength: 0, dim: 2 }), {
      name: "RangeError",
      message: `Cannot open dataset "${directory}": maxLength must be an integer >= 1, got 0`,
    });
    await rejects(openDatasetWriter(directory, { count: 2, maxLength: 3, dim: 4 }), {
      name: "RangeError",
      message: `Cannot open dataset "${directory}": dim must be 1, 2 or 3, got 4`,
    });
    await rejects(openDatasetWriter(directory, { count: -1, maxLength: 3, dim: 2 }), {
      name: "RangeError",
      message: `Cannot open dataset "${directory}": count must be an integer >= 0, got -1`,
    });
  });
});

Deno.test("openDatasetWriter() throws when meta sets a field the writer owns", async () => {
  await withTempDir(async (directory) => {
    await rejects(
      openDatasetWriter(directory, { count: 1, maxLength: 3, dim: 2 }, { meta: { count: 5 } }),
      {
        name: "TypeError",
        message:
          `Cannot open dataset "${directory}": meta field "count" is set by the writer; rename it (for example "source_count")`,
      },
    );
  });
});

Deno.test("openDatasetWriter() throws when the directory already holds a dataset", async () => {
  await withTempDir(async (directory) => {
    await writeDataset(directory, {
      positions: new Float32Array(2),
      shape: { count: 1, maxLength: 2, dim: 1 },
    });
    await rejects(openDatasetWriter(directory, { count: 1, maxLength: 2, dim: 1 }), {
      message:
        `Cannot open dataset "${directory}": it already holds positions.npy; write into an empty directory or delete the old dataset`,
    });
  });
});

Deno.test("append() throws when the track is longer than maxLength or not [length, dim]", async () => {
  await withWriter(async (writer, directory) => {
    const where = `Cannot append trajectory 0 to dataset "${directory}"`;
    await rejects(writer.append(new Float64Array(8)), {
      name: "RangeError",
      message: `${where}: 8 values is not [length, 2] with 1 <= length <= maxLength 3`,
    });
    await rejects(writer.append(new Float64Array(5)), {
      name: "RangeError",
      message: `${where}: 5 values is not [length, 2] with 1 <= length <= maxLength 3`,
    });
  });
});

Deno.test("append() throws when a position is not finite", async () => {
  await withWriter(async (writer, directory) => {
    await rejects(writer.append(new Float64Array([0, 0, 1, Infinity])), {
      name: "RangeError",
      message:
        `Cannot append trajectory 0 to dataset "${directory}": frame 1 axis 1 is Infinity; positions must be finite`,
    });
  });
});

Deno.test("append() throws when more than count trajectories are appended", async () => {
  await withWriter(async (writer, directory) => {
    await writer.append(new Float64Array(2));
    await writer.append(new Float64Array(2));
    await rejects(writer.append(new Float64Array(2)), {
      name: "RangeError",
      message:
        `Cannot append trajectory 2 to dataset "${directory}": the writer was opened for count 2; open it with a larger count`,
    });
  });
});

Deno.test("append() throws when a label has the wrong type for its column", async () => {
  await withWriter(async (writer, directory) => {
    const where = `Cannot append trajectory 0 to dataset "${directory}"`;
    await rejects(writer.append(new Float64Array(2), { class: 1.5 }), {
      name: "TypeError",
      message:
        `${where}: label "class" must be a 32-bit integer (INTEGER column), got 1.5; use null for a missing value`,
    });
    await rejects(writer.append(new Float64Array(2), { model: 3 }), {
      name: "TypeError",
      message:
        `${where}: label "model" must be a string (VARCHAR column), got 3; use null for a missing value`,
    });
    await rejects(writer.append(new Float64Array(2), { alpha: NaN }), {
      name: "TypeError",
      message:
        `${where}: label "alpha" must be a finite number (DOUBLE column), got NaN; use null for a missing value`,
    });
  });
});

Deno.test("append() throws when a label's type is unknown or a label is reserved", async () => {
  await withWriter(async (writer, directory) => {
    const where = `Cannot append trajectory 0 to dataset "${directory}"`;
    await rejects(writer.append(new Float64Array(2), { cell: null }), {
      name: "TypeError",
      message:
        `${where}: label "cell" is null in the first trajectory, so its type is unknown; declare it in labelTypes`,
    });
    await rejects(writer.append(new Float64Array(2), { length: 1 }), {
      name: "TypeError",
      message: `${where}: label "length" is set by the writer; remove it from the labels`,
    });
  });
});

Deno.test("append() throws when a trajectory's label columns differ from the first one's", async () => {
  await withWriter(async (writer, directory) => {
    await writer.append(new Float64Array(2), { alpha: 1, model: "fbm" });
    await rejects(writer.append(new Float64Array(2), { alpha: 1, snr: 2 }), {
      name: "TypeError",
      message:
        `Cannot append trajectory 1 to dataset "${directory}": label columns differ from trajectory 0's (alpha, model): missing "model", extra "snr"; set the same columns for every trajectory (null for a missing value)`,
    });
  });
});

Deno.test("append() throws when frame labels are missing, mismatched or not finite", async () => {
  await withWriter(async (writer, directory) => {
    const where = (n: number) => `Cannot append trajectory ${n} to dataset "${directory}"`;
    await rejects(writer.append(new Float64Array(4), {}, { alpha: [1] }), {
      name: "RangeError",
      message: `${where(0)}: frame label "alpha" has 1 values, the track has 2 frames`,
    });
    await rejects(writer.append(new Float64Array(4), {}, { state: [1, 0.5] }), {
      name: "RangeError",
      message: `${where(0)}: frame label "state" at t = 1 is 0.5; it must be a finite integer`,
    });
    await writer.append(new Float64Array(4), {}, { alpha: [1, 1] });
    await rejects(writer.append(new Float64Array(4)), {
      name: "TypeError",
      message: `${
        where(1)
      }: frame labels (none) differ from trajectory 0's (alpha); give every trajectory the same frame labels, or none`,
    });
  });
});

Deno.test("close() throws when fewer than count trajectories were appended", async () => {
  await withWriter(async (writer, directory) => {
    await writer.append(new Float64Array(2));
    await rejects(writer.close(), {
      name: "RangeError",
      message:
        `Cannot close dataset "${directory}": appended 1 of count 2 trajectories; append the rest or open the writer with count 1`,
    });
  });
});
