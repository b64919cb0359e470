import { deepEqual, equal, rejects } from "node:assert/strict";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { TaskContext } from "../engine/task.ts";
import { createRng } from "../rng.ts";
import { importTracksTask } from "../../tasks/import_tracks.ts";
import { importTracks } from "./import_tracks.ts";
import { loadDataset, readFrameLabels, readLabels } from "./loader.ts";

const HEADER = "traj_id,t,x,y,model,alpha,state,intensity";

/**
 * Two interleaved tracks: id 7 (t 0..11, alpha and state switch at t 6) and id 3 (t 5..16,
 * constant labels); `intensity` changes every frame. Coordinates are exact in float32.
 */
function sampleRows(): string[] {
  const rows: string[] = [];
  for (let i = 0; i < 12; i++) {
    rows.push(`7,${i},${7 + i * 0.25},${-i * 0.5},fbm,${i < 6 ? 0.5 : 1.5},${i < 6 ? 2 : 3},${i}`);
    rows.push(`3,${5 + i},${3 + i * 0.25},${i * 0.5},sbm,0.8,2,${i}`);
  }
  return rows;
}

async function withFolder(work: (folder: string) => Promise<void>): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "import_tracks_test_" });
  try {
    await work(folder);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

async function writeCsv(folder: string, lines: string[], name = "tracks.csv"): Promise<string> {
  const path = join(folder, name);
  await Deno.writeTextFile(path, lines.join("\n") + (lines.length > 0 ? "\n" : ""));
  return path;
}

/** Runs statements in a scratch DuckDB (to write Parquet inputs). */
async function duckdb(...statements: [string, string[]][]): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const [sql, values] of statements) await connection.run(sql, values);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

Deno.test("importTracks() writes tracks in order of first appearance with their positions, lengths and per-track labels", async () => {
  await withFolder(async (folder) => {
    const path = await writeCsv(folder, [HEADER, ...sampleRows()]);
    const directory = join(folder, "dataset");
    const { meta, skippedColumns } = await importTracks(path, directory);
    deepEqual([meta.count, meta.maxLength, meta.dim], [2, 12, 2]);
    deepEqual(skippedColumns, ["intensity"]);
    const dataset = await loadDataset(directory);
    const expected = new Float32Array(2 * 12 * 2);
    for (let i = 0; i < 12; i++) {
      expected.set([7 + i * 0.25, -i * 0.5], i * 2);
      expected.set([3 + i * 0.25, i * 0.5], 24 + i * 2);
    }
    deepEqual(dataset.positions, expected);
    deepEqual([...dataset.lengths], [12, 12]);
    // alpha and state vary within track 7, so they are frame labels only.
    deepEqual(await readLabels(directory), [
      { traj_id: 0, length: 12, source_traj_id: 7n, source_first_t: 0n, model: "fbm" },
      { traj_id: 1, length: 12, source_traj_id: 3n, source_first_t: 5n, model: "sbm" },
    ]);
  });
});

Deno.test("importTracks() writes alpha and state as frame labels with the changepoint where they switch", async () => {
  await withFolder(async (folder) => {
    const path = await writeCsv(folder, [HEADER, ...sampleRows()]);
    const directory = join(folder, "dataset");
    await importTracks(path, directory);
    const frames = (await readFrameLabels(directory))!;
    deepEqual([...frames.alpha!], [
      ...Array(6).fill(0.5),
      ...Array(6).fill(1.5),
      ...Array(12).fill(0.8),
    ]);
    deepEqual([...frames.state!], [...Array(6).fill(2), ...Array(6).fill(3), ...Array(12).fill(2)]);
    deepEqual([...frames.changepoint].flatMap((flag, i) => (flag ? [i] : [])), [6]);
  });
});

Deno.test("importTracks() keeps alpha as a per-track label when it is constant within every track", async () => {
  await withFolder(async (folder) => {
    const rows = Array.from({ length: 10 }, (_, t) => `a,${t},${t},0,${t % 2 === 0 ? 1 : 1.0},1`);
    const path = await writeCsv(folder, ["traj_id,t,x,y,alpha,class", ...rows]);
    const directory = join(folder, "dataset");
    const { meta } = await importTracks(path, directory);
    deepEqual(meta.labelColumns, {
      traj_id: "INTEGER",
      length: "INTEGER",
      source_traj_id: "VARCHAR",
      source_first_t: "BIGINT",
      alpha: "DOUBLE",
      class: "INTEGER",
    });
    deepEqual(await readLabels(directory), [
      { traj_id: 0, length: 10, source_traj_id: "a", source_first_t: 0n, alpha: 1, class: 1 },
    ]);
  });
});

Deno.test("importTracks() reads Parquet into the same dataset as the CSV it came from", async () => {
  await withFolder(async (folder) => {
    const csv = await writeCsv(folder, [HEADER, ...sampleRows()]);
    const parquet = join(folder, "tracks.parquet");
    // One parameter per statement: DuckDB binds COPY's target before a subquery's parameters.
    await duckdb(
      ["CREATE TABLE tracks AS SELECT * FROM read_csv(?)", [csv]],
      ["COPY tracks TO ? (FORMAT parquet)", [parquet]],
    );
    await importTracks(csv, join(folder, "from_csv"));
    await importTracks(parquet, join(folder, "from_parquet"));
    const [a, b] = [
      await loadDataset(join(folder, "from_csv")),
      await loadDataset(join(folder, "from_parquet")),
    ];
    deepEqual(b.positions, a.positions);
    deepEqual(b.lengths, a.lengths);
    deepEqual(b.labels, a.labels);
    deepEqual(
      await readFrameLabels(join(folder, "from_parquet")),
      await readFrameLabels(join(folder, "from_csv")),
    );
  });
});

Deno.test("importTracks() reads x, y, z with dim 3, skips z with dim 2, and skips columns named source_*", async () => {
  await withFolder(async (folder) => {
    const rows = Array.from({ length: 10 }, (_, t) => `1;${t};${t};${2 * t};${3 * t};s`);
    const path = await writeCsv(folder, ["traj_id;t;x;y;z;source_file", ...rows]);
    const three = await importTracks(path, join(folder, "three"), { dim: 3 });
    equal(three.meta.dim, 3);
    deepEqual([...(await loadDataset(join(folder, "three"))).positions.subarray(0, 6)], [
      0,
      0,
      0,
      1,
      2,
      3,
    ]);
    const two = await importTracks(path, join(folder, "two"));
    deepEqual(two.skippedColumns, ["z", "source_file"]);
    deepEqual([...(await loadDataset(join(folder, "two"))).positions.subarray(0, 4)], [0, 0, 1, 2]);
  });
});

Deno.test("importTracks() records its source in meta.json", async () => {
  await withFolder(async (folder) => {
    const path = await writeCsv(folder, [HEADER, ...sampleRows()]);
    const { meta } = await importTracks(path, join(folder, "dataset"), { minLength: 12 });
    deepEqual(
      [meta.generator, meta.source, meta.sourceFormat, meta.minLength],
      ["import_tracks", path, "csv", 12],
    );
    deepEqual(meta.sourceColumns, HEADER.split(","));
  });
});

/**
 * Imports `lines` (CSV) into a new directory and checks the error's class and exact message
 * (`where` stands for `Cannot import tracks "<path>"`), and that no directory was left behind.
 */
async function rejectsCsv(
  lines: string[],
  name: string,
  message: string,
  options: { minLength?: number; dim?: number } = {},
): Promise<void> {
  await withFolder(async (folder) => {
    const path = await writeCsv(folder, lines);
    const directory = join(folder, "dataset");
    await rejects(importTracks(path, directory, options), {
      name,
      message: `Cannot import tracks "${path}": ${message}`,
    });
    await rejects(Deno.stat(directory), Deno.errors.NotFound);
  });
}

function track(id: number | string, length: number, first = 0): string[] {
  return Array.from({ length }, (_, i) => `${id},${first + i},${i},${-i}`);
}

Deno.test("importTracks() throws when required columns are missing, listing what the file has", async () => {
  await rejectsCsv(
    ["traj_id,t,x,intensity", ...Array.from({ length: 10 }, (_, t) => `1,${t},${t},1`)],
    "TypeError",
    'missing column "y"; the file has columns traj_id, t, x, intensity, and dim 2 needs traj_id, t, x, y; rename the columns or set dim',
  );
  await rejectsCsv(
    ["id,frame,x,y", ...track(1, 10)],
    "TypeError",
    'missing columns "traj_id", "t"; the file has columns id, frame, x, y, and dim 2 needs traj_id, t, x, y; rename the columns or set dim',
  );
});

Deno.test("importTracks() throws when a coordinate is not a number", async () => {
  const rows = track(1, 10);
  rows[3] = "1,3,abc,-3";
  await rejectsCsv(
    ["traj_id,t,x,y", ...rows],
    "SyntaxError",
    'data row 4 column "x" is not a number, got "abc"; fix the value or remove the row',
  );
});

Deno.test("importTracks() throws when a value is empty", async () => {
  const rows = track(1, 10);
  rows[8] = "1,8,8,";
  await rejectsCsv(
    ["traj_id,t,x,y", ...rows],
    "SyntaxError",
    'data row 9 column "y" is empty; fill in the value or remove the row',
  );
  const ids = track(1, 10);
  ids[2] = ",2,2,-2";
  await rejectsCsv(
    ["traj_id,t,x,y", ...ids],
    "SyntaxError",
    `data row 3 column "traj_id" is empty; give every row its track's id`,
  );
});

Deno.test("importTracks() throws when a value is NaN or infinite", async () => {
  const rows = track(1, 10);
  rows[1] = "1,1,NaN,-1";
  await rejectsCsv(
    ["traj_id,t,x,y", ...rows],
    "RangeError",
    'data row 2 column "x" is not finite, got "NaN"; fix the value or remove the row',
  );
  const labelled = track(1, 10).map((row) => row + ",0.5");
  labelled[4] = "1,4,4,-4,inf";
  await rejectsCsv(
    ["traj_id,t,x,y,alpha", ...labelled],
    "RangeError",
    'data row 5 column "alpha" is not finite, got "inf"; fix the value or remove the row',
  );
});

Deno.test("importTracks() throws when a Parquet value is NaN", async () => {
  await withFolder(async (folder) => {
    const path = join(folder, "tracks.parquet");
    await duckdb([
      `COPY (SELECT 1 AS traj_id, range AS t, CASE WHEN range = 3 THEN 'NaN'::DOUBLE ELSE range END AS x,
         0.0 AS y FROM range(12)) TO ? (FORMAT parquet)`,
      [path],
    ]);
    await rejects(importTracks(path, join(folder, "dataset")), {
      name: "RangeError",
      message:
        `Cannot import tracks "${path}": data row 4 column "x" is not finite, got "nan"; fix the value or remove the row`,
    });
  });
});

Deno.test("importTracks() throws when t is not a whole frame number", async () => {
  const rows = track(1, 10);
  rows[5] = "1,0.05,5,-5";
  await rejectsCsv(
    ["traj_id,t,x,y", ...rows],
    "RangeError",
    'data row 6 column "t" is 0.05, not a whole frame number; t counts frames (0, 1, 2, ...), so divide times by the frame interval',
  );
});

Deno.test("importTracks() throws when a track's frames are unsorted", async () => {
  const rows = track(4, 10);
  [rows[6], rows[7]] = [rows[7], rows[6]];
  await rejectsCsv(
    ["traj_id,t,x,y", ...track(9, 10), ...rows],
    "RangeError",
    "traj_id 4 goes back from t = 7 to t = 6 (data rows 17 and 18); sort the rows of each track by t",
  );
  await rejectsCsv(
    ["traj_id,t,x,y", ...track(4, 10).reverse()],
    "RangeError",
    "traj_id 4 goes back from t = 9 to t = 8 (data rows 1 and 2); sort the rows of each track by t",
  );
});

Deno.test("importTracks() throws when a track misses a frame", async () => {
  const rows = track(4, 12);
  rows.splice(6, 1);
  await rejectsCsv(
    ["traj_id,t,x,y", ...rows],
    "RangeError",
    "traj_id 4 skips from t = 5 to t = 7 (data rows 6 and 7); positions are stored one per frame, so fill in the missing frames or split the track",
  );
});

Deno.test("importTracks() throws when a track has a frame twice", async () => {
  const rows = track(2, 10);
  rows.splice(5, 0, rows[4]);
  await rejectsCsv(
    ["traj_id,t,x,y", ...track(1, 10), ...rows],
    "RangeError",
    "traj_id 2 has frame t = 4 twice (data rows 15 and 16); remove the duplicate row",
  );
  const later = track(2, 10);
  later.push(later[1]);
  await rejectsCsv(
    ["traj_id,t,x,y", ...later],
    "RangeError",
    "traj_id 2 has frame t = 1 twice (data rows 2 and 11); remove the duplicate row",
  );
});

Deno.test("importTracks() throws when a track is shorter than minLength, counting the short ones", async () => {
  await rejectsCsv(
    ["traj_id,t,x,y", ...track(1, 10), ...track(2, 3, 40), ...track(3, 12), ...track(4, 1)],
    "RangeError",
    "traj_id 2 (from data row 11) has 3 frames, fewer than min_length 10 (2 of 4 tracks are that short); drop short tracks from the file or lower min_length",
  );
  await rejectsCsv(
    ["traj_id,t,x,y", ...track(1, 1)],
    "RangeError",
    "traj_id 1 (from data row 1) has 1 frame, fewer than min_length 2 (1 of 1 tracks are that short); drop short tracks from the file or lower min_length",
    { minLength: 2 },
  );
});

Deno.test("importTracks() throws when the file is empty or has only a header", async () => {
  await rejectsCsv(
    [],
    "SyntaxError",
    "the file is empty; write a header line (traj_id,t,x,y) and one row per frame",
  );
  await rejectsCsv(
    ["traj_id,t,x,y"],
    "SyntaxError",
    "the file has columns traj_id, t, x, y but no data rows; export the tracks with one row per frame",
  );
});

Deno.test("importTracks() throws when a CSV line has the wrong number of fields", async () => {
  const rows = track(1, 10);
  rows[2] = "1,2,2";
  await rejectsCsv(
    ["traj_id,t,x,y", ...rows],
    "SyntaxError",
    "line 4 has 3 fields, the header has 4; fix that line (quote values that contain the delimiter)",
  );
});

Deno.test("importTracks() throws when the header names a column twice", async () => {
  await rejectsCsv(
    ["traj_id,t,x,y,x", ...track(1, 10).map((row) => row + ",0")],
    "SyntaxError",
    'column "x" appears twice in the header; rename one of them',
  );
});

Deno.test("importTracks() throws when the file does not exist or has an unknown type", async () => {
  await rejects(importTracks("no/such/tracks.csv", "unused"), {
    name: "NotFound",
    message:
      `Cannot import tracks "no/such/tracks.csv": no such file; check the path (a relative path starts at ${Deno.cwd()})`,
  });
  await rejects(importTracks("tracks.json", "unused"), {
    name: "TypeError",
    message:
      'Cannot import tracks "tracks.json": unknown file type ".json"; use a .csv or .parquet file',
  });
});

Deno.test("importTracks() throws when dim or minLength is out of range", async () => {
  await rejects(importTracks("tracks.csv", "unused", { dim: 4 }), {
    name: "RangeError",
    message: 'Cannot import tracks "tracks.csv": dim must be 1, 2 or 3, got 4',
  });
  await rejects(importTracks("tracks.csv", "unused", { minLength: 0 }), {
    name: "RangeError",
    message: 'Cannot import tracks "tracks.csv": minLength must be an integer >= 1, got 0',
  });
});

Deno.test("importTracks() leaves an existing output directory empty when a check fails", async () => {
  await withFolder(async (folder) => {
    const path = await writeCsv(folder, ["traj_id,t,x,y", ...track(1, 4)]);
    const directory = join(folder, "staging");
    await Deno.mkdir(directory);
    await rejects(importTracks(path, directory), RangeError);
    deepEqual(await Array.fromAsync(Deno.readDir(directory)), []);
  });
});

/** A TaskContext for calling a task's run() outside the engine. */
function context(params: TaskContext<typeof importTracksTask.params>["params"], output: string) {
  const metrics: [string, number][] = [];
  const lines: string[] = [];
  const ctx: TaskContext<typeof importTracksTask.params> = {
    params,
    stepName: "import",
    input: () => {
      throw new Error("import_tracks has no inputs");
    },
    output: () => output,
    checkpointDir: output,
    metric: (name, value) => void metrics.push([name, value]),
    progress: () => ({ tick() {}, update() {}, done() {} }),
    log: {
      info: (line) => void lines.push(line),
      warn: (line) => void lines.push(`warn: ${line}`),
      debug() {},
    },
    rng: createRng(0),
    runtime: {},
  };
  return { ctx, metrics, lines };
}

Deno.test("import_tracks task writes the dataset, records tracks and max_length, and warns about skipped columns", async () => {
  await withFolder(async (folder) => {
    const path = await writeCsv(folder, [HEADER, ...sampleRows()]);
    const output = join(folder, "out");
    await Deno.mkdir(output);
    const { ctx, metrics, lines } = context({ path, min_length: 10, dim: 2 }, output);
    await importTracksTask.run(ctx);
    equal((await loadDataset(output)).meta.count, 2);
    deepEqual(metrics, [["tracks", 2], ["max_length", 12]]);
    deepEqual(lines, [
      "warn: skipped column(s) intensity: they vary within a track and are not alpha, k or state",
      `imported 2 tracks of up to 12 frames from ${path}`,
    ]);
  });
});

Deno.test("import_tracks task throws when path is not set", async () => {
  const { ctx } = context({ path: "", min_length: 10, dim: 2 }, "unused");
  await rejects(Promise.resolve(importTracksTask.run(ctx)), {
    name: "TypeError",
    message:
      'Cannot import tracks: parameter "path" is empty; set it, e.g. --set import.path=tracks.csv',
  });
});
