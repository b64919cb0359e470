/**
 * Reads dataset artefacts (layout: `dataset.ts`) and serves them in batches for training.
 *
 * ## Memory
 *
 * {@linkcode loadDataset} holds the positions once: it reads the `.npy` header from a file
 * handle, allocates one Float32Array of exactly `count * maxLength * dim` values and reads the
 * file's data bytes straight into that array's buffer. The file is never read whole into a byte
 * array first (as `Deno.readFile` plus `decodeNpy` would do, which also slices a second copy),
 * so the peak is the dataset once. {@linkcode batches} then copies only the B rows of each
 * batch out of that one array; a batch is the caller's to change (add noise, normalise) without
 * touching the dataset.
 *
 * @module
 */

import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { join } from "node:path";
import { decodeNpy } from "../io/npy.ts";
import type { Rng } from "../rng.ts";
import { readInto, readNpyHeader } from "./_npy_header.ts";
import {
  DATASET_FILES,
  DATASET_SCHEMA_VERSION,
  type DatasetMeta,
  type Labels,
  type LabelValue,
} from "./dataset.ts";

/**
 * Reads and checks `meta.json` of a dataset.
 *
 * @throws {Deno.errors.NotFound} when the directory holds no `meta.json` (not a complete
 *   dataset); {@linkcode SyntaxError} when it is not a dataset's meta.json;
 *   {@linkcode RangeError} when its schema version is newer than this reader
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { writeDataset } from "./dataset.ts";
 * import { readDatasetMeta } from "./loader.ts";
 * const directory = await Deno.makeTempDir();
 * await writeDataset(directory, { positions: new Float32Array(6), shape: { count: 1, maxLength: 3, dim: 2 } });
 * equal((await readDatasetMeta(directory)).maxLength, 3);
 * await Deno.remove(directory, { recursive: true });
 * ```
 */
export async function readDatasetMeta(directory: string): Promise<DatasetMeta> {
  const path = join(directory, DATASET_FILES.meta);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Deno.errors.NotFound(
      `Cannot read dataset "${directory}": no ${DATASET_FILES.meta}, so it is not a complete dataset; write it with openDatasetWriter() or the import_tracks task`,
    );
  }
  let meta: DatasetMeta;
  try {
    meta = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`Cannot read dataset "${directory}": ${path} is not JSON`, {
      cause: error,
    });
  }
  if (meta?.format !== "andiflow-dataset" || !Number.isInteger(meta.schemaVersion)) {
    throw new SyntaxError(
      `Cannot read dataset "${directory}": ${path} has no format "andiflow-dataset" and schemaVersion; it was not written by lib/data/dataset.ts`,
    );
  }
  if (meta.schemaVersion > DATASET_SCHEMA_VERSION) {
    throw new RangeError(
      `Cannot read dataset "${directory}": schemaVersion ${meta.schemaVersion} is newer than this reader's ${DATASET_SCHEMA_VERSION}; update andiflow`,
    );
  }
  for (const field of ["count", "maxLength", "dim"] as const) {
    if (!Number.isInteger(meta[field]) || meta[field] < 0) {
      throw new SyntaxError(
        `Cannot read dataset "${directory}": ${path} field "${field}" must be an integer >= 0, got ${
          JSON.stringify(meta[field])
        }`,
      );
    }
  }
  return meta;
}

/**
 * Reads `labels.parquet`: one object per trajectory, ordered by `traj_id` (so entry `n` belongs
 * to row `n` of the positions), with `traj_id`, `length` and the label columns. INTEGER and
 * DOUBLE columns come back as numbers, BIGINT as bigints, NULL as null.
 *
 * @throws {RangeError} when the rows do not number the trajectories 0 .. count - 1
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { writeDataset } from "./dataset.ts";
 * import { readLabels } from "./loader.ts";
 * const directory = await Deno.makeTempDir();
 * await writeDataset(directory, {
 *   positions: new Float32Array(4),
 *   shape: { count: 2, maxLength: 2, dim: 1 },
 *   labels: [{ model: "fbm" }, { model: null }],
 * });
 * deepEqual(await readLabels(directory), [
 *   { traj_id: 0, length: 2, model: "fbm" },
 *   { traj_id: 1, length: 2, model: null },
 * ]);
 * await Deno.remove(directory, { recursive: true });
 * ```
 */
export async function readLabels(directory: string): Promise<Labels[]> {
  const meta = await readDatasetMeta(directory);
  const path = join(directory, DATASET_FILES.labels);
  const rows = await withDuckDB(async (connection) => {
    const reader = await connection.runAndReadAll(
      "SELECT * FROM read_parquet(?) ORDER BY traj_id",
      [path],
    );
    return reader.getRowObjectsJS() as Labels[];
  });
  const misplaced = rows.findIndex((row, n) => row.traj_id !== n);
  if (rows.length !== meta.count || misplaced >= 0) {
    throw new RangeError(
      `Cannot read labels of dataset "${directory}": ${path} has ${rows.length} rows${
        misplaced >= 0 ? ` and row ${misplaced} has traj_id ${rows[misplaced].traj_id}` : ""
      }, meta.json says count ${meta.count} numbered 0 .. ${meta.count - 1}; rewrite the dataset`,
    );
  }
  return rows;
}

/** Per-frame labels laid out like the positions: each array is `[count, maxLength]`. */
export interface FrameLabelArrays {
  /** Alpha at each frame; NaN after a track's end. */
  alpha?: Float64Array;
  /** K at each frame; NaN after a track's end. */
  k?: Float64Array;
  /** State code at each frame; -1 after a track's end. */
  state?: Int32Array;
  /** 1 at changepoint frames, else 0 (also after a track's end). */
  changepoint: Uint8Array;
}

/**
 * Reads `frame_labels.parquet` into dense arrays aligned with the positions.
 *
 * @returns the arrays, or null when the dataset has no frame labels
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { writeDataset } from "./dataset.ts";
 * import { readFrameLabels } from "./loader.ts";
 * const directory = await Deno.makeTempDir();
 * await writeDataset(directory, {
 *   positions: new Float32Array(3),
 *   shape: { count: 1, maxLength: 3, dim: 1 },
 *   lengths: [2],
 *   frameLabels: [{ state: [2, 1] }],
 * });
 * const frames = await readFrameLabels(directory);
 * deepEqual([...frames!.state!], [2, 1, -1]);
 * deepEqual([...frames!.changepoint], [0, 1, 0]);
 * await Deno.remove(directory, { recursive: true });
 * ```
 */
export async function readFrameLabels(directory: string): Promise<FrameLabelArrays | null> {
  const meta = await readDatasetMeta(directory);
  if (!meta.frameLabelColumns) return null;
  const size = meta.count * meta.maxLength;
  const columns = Object.keys(meta.frameLabelColumns);
  const frames: FrameLabelArrays = { changepoint: new Uint8Array(size) };
  if (columns.includes("alpha")) frames.alpha = new Float64Array(size).fill(NaN);
  if (columns.includes("k")) frames.k = new Float64Array(size).fill(NaN);
  if (columns.includes("state")) frames.state = new Int32Array(size).fill(-1);
  const path = join(directory, DATASET_FILES.frameLabels);
  await withDuckDB(async (connection) => {
    // Streamed chunk by chunk: a dataset can have tens of millions of frames.
    const result = await connection.stream("SELECT * FROM read_parquet(?)", [path]);
    const names = result.columnNames();
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0;) {
      const values = chunk.getColumns() as LabelValue[][];
      const column = (name: string) => values[names.indexOf(name)];
      const trajIds = column("traj_id") as number[];
      const times = column("t") as number[];
      for (let r = 0; r < chunk.rowCount; r++) {
        const n = trajIds[r];
        const t = times[r];
        if (!(n >= 0 && n < meta.count && t >= 0 && t < meta.maxLength)) {
          throw new RangeError(
            `Cannot read frame labels of dataset "${directory}": ${path} has a row with traj_id ${n}, t ${t}, outside count ${meta.count} and maxLength ${meta.maxLength}; rewrite the dataset`,
          );
        }
        const at = n * meta.maxLength + t;
        if (frames.alpha) frames.alpha[at] = column("alpha")[r] as number;
        if (frames.k) frames.k[at] = column("k")[r] as number;
        if (frames.state) frames.state[at] = column("state")[r] as number;
        frames.changepoint[at] = column("changepoint")[r] ? 1 : 0;
      }
      chunk = await result.fetchChunk();
    }
  });
  return frames;
}

/** A dataset in memory: {@linkcode loadDataset}'s result. */
export interface LoadedDataset {
  /** Where it was read from. */
  directory: string;
  /** Its meta.json. */
  meta: DatasetMeta;
  /** Positions `[count, maxLength, dim]`, zero after each track's end; the only copy. */
  positions: Float32Array;
  /** Frames of each track `[count]`. */
  lengths: Int32Array;
  /** Labels of each trajectory, entry `n` for row `n`. */
  labels: Labels[];
}

/**
 * Loads a dataset's positions, lengths and labels, holding the positions once (see the module
 * doc).
 *
 * @throws {SyntaxError} when `positions.npy` is not float32 of the shape in meta.json, or is
 *   truncated; {@linkcode RangeError} when lengths fall outside 1 .. maxLength
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { writeDataset } from "./dataset.ts";
 * import { loadDataset } from "./loader.ts";
 * const directory = await Deno.makeTempDir();
 * await writeDataset(directory, {
 *   positions: new Float32Array([1, 2, 3, 4, 5, 6]),
 *   shape: { count: 2, maxLength: 3, dim: 1 },
 *   lengths: [3, 2],
 * });
 * const dataset = await loadDataset(directory);
 * equal(dataset.positions[4], 5);
 * equal(dataset.positions[5], 0); // padding after the second track's end
 * await Deno.remove(directory, { recursive: true });
 * ```
 */
export async function loadDataset(directory: string): Promise<LoadedDataset> {
  const meta = await readDatasetMeta(directory);
  const { count, maxLength, dim } = meta;
  const path = join(directory, DATASET_FILES.positions);
  const positions = new Float32Array(count * maxLength * dim);
  {
    using file = await Deno.open(path);
    const header = await readNpyHeader(file, path);
    const expected = [count, maxLength, dim];
    if (header.descr !== "<f4" || header.shape.join() !== expected.join()) {
      throw new SyntaxError(
        `Cannot load dataset "${directory}": ${path} holds ${header.descr} [${header.shape}], meta.json says <f4 [${expected}]; rewrite the dataset`,
      );
    }
    const { size } = await file.stat();
    await file.seek(header.dataOffset, Deno.SeekMode.Start);
    const complete = await readInto(file, new Uint8Array(positions.buffer));
    if (!complete || size !== header.dataOffset + positions.byteLength) {
      throw new SyntaxError(
        `Cannot load dataset "${directory}": ${path} has ${
          size - header.dataOffset
        } data bytes, shape [${expected}] needs ${positions.byteLength}; the file is truncated or padded, rewrite the dataset`,
      );
    }
  }
  const lengthsPath = join(directory, DATASET_FILES.lengths);
  const decoded = decodeNpy(await Deno.readFile(lengthsPath));
  const lengths = decoded.array;
  if (!(lengths instanceof Int32Array) || decoded.shape.join() !== `${count}`) {
    throw new SyntaxError(
      `Cannot load dataset "${directory}": ${lengthsPath} must be int32 [${count}], got ${lengths.constructor.name} [${decoded.shape}]`,
    );
  }
  const bad = lengths.findIndex((length) => length < 1 || length > maxLength);
  if (bad >= 0) {
    throw new RangeError(
      `Cannot load dataset "${directory}": track ${bad} has length ${
        lengths[bad]
      }, outside 1 .. maxLength ${maxLength}; rewrite the dataset`,
    );
  }
  return { directory, meta, positions, lengths, labels: await readLabels(directory) };
}

/** Options of {@linkcode batches}. */
export interface BatchOptions {
  /** Trajectories per batch. @default {32} */
  batchSize?: number;
  /** Stream that permutes the order each epoch; null keeps the stored order. @default {null} */
  shuffle?: Rng | null;
  /** Leave out the last batch when it has fewer than batchSize trajectories. @default {false} */
  dropLast?: boolean;
}

/** One batch: copies of B rows of the dataset, and which rows they were. */
export interface Batch {
  /** Positions `[B, maxLength, dim]`, zero after each track's end. */
  positions: Float32Array;
  /** Frames of each track `[B]`. */
  lengths: Int32Array;
  /** Labels of each track. */
  labels: Labels[];
  /** Rows of the dataset (`traj_id`s) in this batch `[B]`. */
  indices: Int32Array;
}

/**
 * Yields one epoch of batches. Every trajectory appears exactly once (or, with `dropLast`, all
 * but the last `count % batchSize`); with `shuffle` the order is a permutation drawn from that
 * stream when the first batch is requested, so the same seed gives the same batches and each
 * new epoch from the same stream a new order.
 *
 * @param source a dataset directory (loaded first) or a dataset from {@linkcode loadDataset};
 *   pass the loaded one when running several epochs, so the file is read once
 * @throws {RangeError} when batchSize is not an integer >= 1
 *
 * @example Two shuffled epochs over five trajectories
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { createRng } from "../rng.ts";
 * import { writeDataset } from "./dataset.ts";
 * import { batches, loadDataset } from "./loader.ts";
 * const directory = await Deno.makeTempDir();
 * await writeDataset(directory, {
 *   positions: new Float32Array(10),
 *   shape: { count: 5, maxLength: 2, dim: 1 },
 * });
 * const dataset = await loadDataset(directory);
 * const rng = createRng(1).stream("batches");
 * for (let epoch = 0; epoch < 2; epoch++) {
 *   const seen: number[] = [];
 *   for await (const batch of batches(dataset, { batchSize: 2, shuffle: rng })) {
 *     equal(batch.positions.length, batch.indices.length * 2);
 *     seen.push(...batch.indices);
 *   }
 *   deepEqual(seen.sort(), [0, 1, 2, 3, 4]);
 * }
 * await Deno.remove(directory, { recursive: true });
 * ```
 */
export async function* batches(
  source: string | LoadedDataset,
  options: BatchOptions = {},
): AsyncGenerator<Batch> {
  const { batchSize = 32, shuffle = null, dropLast = false } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(
      `Cannot make batches: batchSize must be an integer >= 1, got ${batchSize}`,
    );
  }
  const dataset = typeof source === "string" ? await loadDataset(source) : source;
  const { count, maxLength, dim } = dataset.meta;
  const row = maxLength * dim;
  const order = new Int32Array(count);
  for (let n = 0; n < count; n++) order[n] = n;
  if (shuffle) shuffle.shuffle(order);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    if (dropLast && end - start < batchSize) return;
    const indices = order.slice(start, end);
    let positions: Float32Array;
    if (shuffle) {
      positions = new Float32Array(indices.length * row);
      for (let b = 0; b < indices.length; b++) {
        const n = indices[b];
        positions.set(dataset.positions.subarray(n * row, (n + 1) * row), b * row);
      }
    } else {
      positions = dataset.positions.slice(start * row, end * row);
    }
    yield {
      positions,
      lengths: Int32Array.from(indices, (n) => dataset.lengths[n]),
      labels: Array.from(indices, (n) => dataset.labels[n]),
      indices,
    };
  }
}

async function withDuckDB<T>(
  work: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
