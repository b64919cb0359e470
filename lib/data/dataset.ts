/**
 * Dataset artefacts: trajectories and their labels as plain files that NumPy, pandas and DuckDB
 * open without this project.
 *
 * ## Layout
 *
 * A dataset is a directory holding:
 *
 * | file | contents |
 * | --- | --- |
 * | `positions.npy` | float32 `[count, maxLength, dim]`, C order; track `n` fills frames `0 .. lengths[n] - 1` of row `n`, the frames after its end are 0 |
 * | `lengths.npy` | int32 `[count]`, frames of each track (1 .. maxLength) |
 * | `labels.parquet` | one row per trajectory: `traj_id` INTEGER (the row in `positions.npy`), `length` INTEGER, then the label columns (`model` VARCHAR, `class` INTEGER, `alpha` DOUBLE, `k` DOUBLE, `snr` DOUBLE, ... as the producer set them) |
 * | `frame_labels.parquet` | optional, one row per frame: `traj_id` INTEGER, `t` INTEGER (frame within the track, 0-based), any of `alpha` DOUBLE, `k` DOUBLE, `state` INTEGER, and `changepoint` BOOLEAN (true at `t` >= 1 where any of them differs from frame `t - 1`, the rule of andi-models.md §5.3) |
 * | `meta.json` | `format` ("andiflow-dataset"), `schemaVersion` (1), `count`, `maxLength`, `dim`, `labelColumns` and `frameLabelColumns` (name -> DuckDB type; the latter null without frame labels), then provenance fields from the producer (`generator`, parameters, seed, source file) |
 *
 * ```python
 * import numpy as np, pandas as pd
 * positions = np.load("positions.npy", mmap_mode="r")  # [count, maxLength, dim]
 * lengths = np.load("lengths.npy")
 * labels = pd.read_parquet("labels.parquet")          # or duckdb: SELECT * FROM 'labels.parquet'
 * first = positions[0, :lengths[0]]                    # [length, dim]
 * ```
 *
 * ## Writing
 *
 * {@linkcode openDatasetWriter} is the primary writer, chosen over a write-everything-at-once
 * call so that simulators and importers never hold a dataset in memory: it is opened with the
 * shape (the `.npy` header needs it up front), takes one trajectory at a time, and streams
 * float32 rows into `positions.npy` right after the header through a buffer of about 1 MiB.
 * Labels go into in-memory DuckDB tables (one row per trajectory, and one per frame when there
 * are frame labels, about 30 bytes each; DuckDB moves them to its temporary directory under
 * memory pressure) and are copied to Parquet on close. {@linkcode writeDataset} wraps the
 * writer for producers that already hold every trajectory in one array.
 *
 * ## Crash safety
 *
 * Files are written under `<name>.partial` and renamed when the writer closes, `meta.json`
 * last: a directory holds a dataset exactly when it holds `meta.json`, and the loader refuses
 * one without it. A failed producer calls `abort()` (or lets `await using` do it), which deletes
 * the partial files. Under the engine a task's output directory is staging anyway, so a killed
 * step never shows a half-written dataset.
 *
 * @module
 */

import { pathExists } from "../io/path_exists.ts";
import { join } from "node:path";
import { encodeNpy } from "../io/npy.ts";
import { npyHeader } from "./_npy_header.ts";
import { type FrameLabels, type Labels, LabelTables, type LabelType } from "./_label_tables.ts";

/** The version of the layout above that this module writes and the loader reads. */
export const DATASET_SCHEMA_VERSION = 1;

/** File names inside a dataset directory. */
export const DATASET_FILES = {
  positions: "positions.npy",
  lengths: "lengths.npy",
  labels: "labels.parquet",
  frameLabels: "frame_labels.parquet",
  meta: "meta.json",
} as const;

export {
  type FrameLabels,
  type Labels,
  type LabelType,
  type LabelValue,
  STANDARD_LABEL_TYPES,
} from "./_label_tables.ts";

/** The size of a dataset. */
export interface DatasetShape {
  /** Number of trajectories. */
  count: number;
  /** Frames of the longest trajectory (the second axis of `positions.npy`). */
  maxLength: number;
  /** Spatial dimensions (1, 2 or 3). */
  dim: number;
}

/** What `meta.json` holds: the shape, the column types, and the producer's provenance. */
export interface DatasetMeta extends DatasetShape {
  /** Always "andiflow-dataset". */
  format: string;
  /** {@linkcode DATASET_SCHEMA_VERSION} at writing time. */
  schemaVersion: number;
  /** Columns of `labels.parquet` and their types, `traj_id` and `length` first. */
  labelColumns: Record<string, LabelType>;
  /** Columns of `frame_labels.parquet`, or null when the dataset has none. */
  frameLabelColumns: Record<string, LabelType> | null;
  /** Provenance fields (generator, parameters, seed, source). */
  [field: string]: unknown;
}

/** Options of {@linkcode openDatasetWriter} and {@linkcode writeDataset}. */
export interface DatasetWriterOptions {
  /**
   * Types of label columns; a column named neither here nor in
   * {@linkcode STANDARD_LABEL_TYPES} takes its type from its first non-null value (string:
   * VARCHAR, boolean: BOOLEAN, bigint: BIGINT, number: DOUBLE).
   * @default {{}}
   */
  labelTypes?: Record<string, LabelType>;
  /** Provenance written into `meta.json` (generator, parameters, seed, source). @default {{}} */
  meta?: Record<string, unknown>;
}

/** Writes one dataset, a trajectory at a time; made by {@linkcode openDatasetWriter}. */
export interface DatasetWriter extends AsyncDisposable {
  /** The dataset directory. */
  readonly directory: string;
  /** Trajectories appended so far. */
  readonly appended: number;
  /**
   * Adds the next trajectory (its `traj_id` is the number appended before it).
   *
   * @param trajectory positions `[length, dim]` frame-major, 1 <= length <= maxLength, finite
   * @param labels its label columns; every trajectory must set the same columns
   * @param frameLabels its per-frame labels; all trajectories have them or none does
   * @throws {RangeError} when the count is reached, the length does not fit or a value is
   *   not finite; {@linkcode TypeError} when a label has the wrong type or columns differ
   */
  append(
    trajectory: Float32Array | Float64Array,
    labels?: Labels,
    frameLabels?: FrameLabels,
  ): Promise<void>;
  /**
   * Writes the label files and `meta.json` and renames everything into place.
   *
   * @throws {RangeError} when fewer than `count` trajectories were appended
   */
  close(): Promise<DatasetMeta>;
  /** Deletes the partial files; does nothing after `close()`. */
  abort(): Promise<void>;
}

const WRITE_BUFFER_BYTES = 1 << 20;
const RESERVED_META = [
  "format",
  "schemaVersion",
  "count",
  "maxLength",
  "dim",
  "labelColumns",
  "frameLabelColumns",
];

/**
 * Opens a writer for a dataset of the given shape in `directory` (created when missing; it must
 * not already hold a dataset).
 *
 * @param directory where the dataset goes
 * @param shape count, maxLength and dim of the dataset
 * @param options label types and provenance
 * @throws {RangeError} when the shape is not positive integers (count may be 0) or dim is not
 *   1-3; {@linkcode Error} when the directory already holds a dataset
 *
 * @example Two tracks of different lengths
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { openDatasetWriter } from "./dataset.ts";
 * const directory = await Deno.makeTempDir();
 * await using writer = await openDatasetWriter(directory, { count: 2, maxLength: 3, dim: 2 }, {
 *   meta: { generator: "example" },
 * });
 * await writer.append(new Float64Array([0, 0, 1, 1, 2, 2]), { model: "fbm", alpha: 0.7 });
 * await writer.append(new Float64Array([0, 0, -1, 0.5]), { model: "sbm", alpha: 1.3 });
 * const meta = await writer.close();
 * equal(meta.count, 2);
 * deepEqual(Object.keys(meta.labelColumns), ["traj_id", "length", "model", "alpha"]);
 * await Deno.remove(directory, { recursive: true });
 * ```
 */
export async function openDatasetWriter(
  directory: string,
  shape: DatasetShape,
  options: DatasetWriterOptions = {},
): Promise<DatasetWriter> {
  const { labelTypes = {}, meta = {} } = options;
  const { count, maxLength, dim } = shape;
  const where = `dataset "${directory}"`;
  if (!Number.isInteger(count) || count < 0 || count > 2 ** 31 - 1) {
    throw new RangeError(`Cannot open ${where}: count must be an integer >= 0, got ${count}`);
  }
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(
      `Cannot open ${where}: maxLength must be an integer >= 1, got ${maxLength}`,
    );
  }
  if (!Number.isInteger(dim) || dim < 1 || dim > 3) {
    throw new RangeError(`Cannot open ${where}: dim must be 1, 2 or 3, got ${dim}`);
  }
  const reserved = Object.keys(meta).filter((key) => RESERVED_META.includes(key));
  if (reserved.length > 0) {
    throw new TypeError(
      `Cannot open ${where}: meta field "${
        reserved[0]
      }" is set by the writer; rename it (for example "source_${reserved[0]}")`,
    );
  }
  const created = !(await pathExists(directory));
  await Deno.mkdir(directory, { recursive: true });
  for (const name of Object.values(DATASET_FILES)) {
    if (await pathExists(join(directory, name))) {
      throw new Error(
        `Cannot open ${where}: it already holds ${name}; write into an empty directory or delete the old dataset`,
      );
    }
  }
  const positionsFile = await Deno.open(partial(directory, DATASET_FILES.positions), {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    await writeAll(positionsFile, npyHeader("<f4", [count, maxLength, dim]));
    const tables = await LabelTables.open(labelTypes);
    return new StreamingDatasetWriter({
      directory,
      created,
      shape,
      meta,
      file: positionsFile,
      tables,
    });
  } catch (error) {
    positionsFile.close();
    await removePartials(directory, created);
    throw error;
  }
}

/** The arrays {@linkcode writeDataset} takes. */
export interface DatasetArrays {
  /** Positions `[count, maxLength, dim]`, C order; values after each track's end are ignored. */
  positions: Float32Array | Float64Array;
  /** Count, maxLength and dim. */
  shape: DatasetShape;
  /** Frames of each track; every track is maxLength long when left out. */
  lengths?: ArrayLike<number>;
  /** Labels of each trajectory (`count` entries). */
  labels?: Labels[];
  /** Per-frame labels of each trajectory (`count` entries). */
  frameLabels?: FrameLabels[];
}

/**
 * Writes a dataset whose trajectories are already in one array, through
 * {@linkcode openDatasetWriter}; nothing is left in `directory` when it throws.
 *
 * @throws {RangeError} when the arrays disagree with the shape, and whatever the writer throws
 *
 * @example Three fixed-length tracks with per-frame labels
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { writeDataset } from "./dataset.ts";
 * const directory = await Deno.makeTempDir();
 * const meta = await writeDataset(directory, {
 *   positions: new Float32Array(3 * 4 * 2).fill(1),
 *   shape: { count: 3, maxLength: 4, dim: 2 },
 *   labels: [{ class: 0 }, { class: 1 }, { class: 2 }],
 *   frameLabels: [0, 1, 2].map(() => ({ state: [2, 2, 1, 1] })),
 * });
 * equal(meta.frameLabelColumns?.changepoint, "BOOLEAN");
 * await Deno.remove(directory, { recursive: true });
 * ```
 */
export async function writeDataset(
  directory: string,
  dataset: DatasetArrays,
  options: DatasetWriterOptions = {},
): Promise<DatasetMeta> {
  const { positions, shape, lengths, labels, frameLabels } = dataset;
  const { count, maxLength, dim } = shape;
  const where = `dataset "${directory}"`;
  if (positions.length !== count * maxLength * dim) {
    throw new RangeError(
      `Cannot write ${where}: positions hold ${positions.length} values, shape [${count}, ${maxLength}, ${dim}] needs ${
        count * maxLength * dim
      }; pass the positions of every track, zero-padded to maxLength`,
    );
  }
  for (
    const [name, list] of [["lengths", lengths], ["labels", labels], [
      "frameLabels",
      frameLabels,
    ]] as const
  ) {
    if (list !== undefined && list.length !== count) {
      throw new RangeError(
        `Cannot write ${where}: ${name} has ${list.length} entries, count is ${count}`,
      );
    }
  }
  await using writer = await openDatasetWriter(directory, shape, options);
  const row = maxLength * dim;
  for (let n = 0; n < count; n++) {
    const length = lengths?.[n] ?? maxLength;
    await writer.append(
      positions.subarray(n * row, n * row + length * dim),
      labels?.[n] ?? {},
      frameLabels?.[n],
    );
  }
  return await writer.close();
}

/** What {@linkcode openDatasetWriter} hands the writer it makes. */
interface WriterParts {
  directory: string;
  /** Whether the writer made the directory (and so removes it on abort). */
  created: boolean;
  shape: DatasetShape;
  meta: Record<string, unknown>;
  file: Deno.FsFile;
  tables: LabelTables;
}

class StreamingDatasetWriter implements DatasetWriter {
  readonly directory: string;
  #created: boolean;
  #shape: DatasetShape;
  #meta: Record<string, unknown>;
  #file: Deno.FsFile;
  #tables: LabelTables;
  #buffer: Uint8Array;
  #rows: Float32Array;
  #buffered = 0;
  #lengths: Int32Array;
  #appended = 0;
  #state: "open" | "closed" | "aborted" = "open";

  constructor(parts: WriterParts) {
    const { directory, created, shape, meta, file, tables } = parts;
    this.directory = directory;
    this.#created = created;
    this.#shape = shape;
    this.#meta = meta;
    this.#file = file;
    this.#tables = tables;
    const rowBytes = shape.maxLength * shape.dim * 4;
    const rows = Math.max(1, Math.min(shape.count, Math.floor(WRITE_BUFFER_BYTES / rowBytes)));
    this.#buffer = new Uint8Array(rows * rowBytes);
    this.#rows = new Float32Array(this.#buffer.buffer);
    this.#lengths = new Int32Array(shape.count);
  }

  get appended(): number {
    return this.#appended;
  }

  async append(
    trajectory: Float32Array | Float64Array,
    labels: Labels = {},
    frameLabels?: FrameLabels,
  ): Promise<void> {
    const { count, maxLength, dim } = this.#shape;
    const n = this.#appended;
    const where = `Cannot append trajectory ${n} to dataset "${this.directory}"`;
    if (this.#state !== "open") throw new Error(`${where}: the writer is ${this.#state}`);
    if (n >= count) {
      throw new RangeError(
        `${where}: the writer was opened for count ${count}; open it with a larger count`,
      );
    }
    if (!(trajectory instanceof Float32Array || trajectory instanceof Float64Array)) {
      throw new TypeError(
        `${where}: trajectory must be a Float32Array or Float64Array [length, dim]`,
      );
    }
    const length = trajectory.length / dim;
    if (!Number.isInteger(length) || length < 1 || length > maxLength) {
      throw new RangeError(
        `${where}: ${trajectory.length} values is not [length, ${dim}] with 1 <= length <= maxLength ${maxLength}`,
      );
    }
    for (let i = 0; i < trajectory.length; i++) {
      if (!Number.isFinite(trajectory[i])) {
        throw new RangeError(
          `${where}: frame ${Math.floor(i / dim)} axis ${i % dim} is ${
            trajectory[i]
          }; positions must be finite`,
        );
      }
    }
    const checked = this.#tables.check(where, length, labels, frameLabels);
    // Everything is checked: from here on nothing throws for bad input, so a failed append
    // never leaves half a row in a table or the file.
    await this.#tables.append(n, length, checked);
    const row = maxLength * dim;
    const at = this.#buffered * row;
    this.#rows.set(trajectory, at);
    this.#rows.fill(0, at + trajectory.length, at + row);
    this.#buffered++;
    this.#lengths[n] = length;
    this.#appended++;
    if ((this.#buffered + 1) * row > this.#rows.length) await this.#flush();
  }

  async close(): Promise<DatasetMeta> {
    const { count, maxLength, dim } = this.#shape;
    if (this.#state !== "open") {
      throw new Error(`Cannot close dataset "${this.directory}": the writer is ${this.#state}`);
    }
    if (this.#appended !== count) {
      throw new RangeError(
        `Cannot close dataset "${this.directory}": appended ${this.#appended} of count ${count} trajectories; append the rest or open the writer with count ${this.#appended}`,
      );
    }
    await this.#flush();
    this.#file.close();
    this.#state = "closed";
    const renamed: string[] = [];
    try {
      await Deno.writeFile(
        partial(this.directory, DATASET_FILES.lengths),
        encodeNpy(this.#lengths, [count]),
      );
      const { labelColumns, frameLabelColumns } = await this.#tables.write(
        partial(this.directory, DATASET_FILES.labels),
        partial(this.directory, DATASET_FILES.frameLabels),
      );
      const meta: DatasetMeta = {
        format: "andiflow-dataset",
        schemaVersion: DATASET_SCHEMA_VERSION,
        count,
        maxLength,
        dim,
        labelColumns,
        frameLabelColumns,
        ...this.#meta,
      };
      await Deno.writeTextFile(
        partial(this.directory, DATASET_FILES.meta),
        JSON.stringify(meta, null, 2) + "\n",
      );
      for (const name of Object.values(DATASET_FILES)) {
        if (name === DATASET_FILES.frameLabels && !frameLabelColumns) continue;
        await Deno.rename(partial(this.directory, name), join(this.directory, name));
        renamed.push(name);
      }
      return meta;
    } catch (error) {
      for (const name of renamed) await Deno.remove(join(this.directory, name)).catch(() => {});
      await removePartials(this.directory, this.#created);
      throw error;
    } finally {
      this.#tables.close();
    }
  }

  async abort(): Promise<void> {
    if (this.#state !== "open") return;
    this.#state = "aborted";
    this.#file.close();
    this.#tables.close();
    await removePartials(this.directory, this.#created);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.abort();
  }

  async #flush(): Promise<void> {
    const rowBytes = this.#shape.maxLength * this.#shape.dim * 4;
    await writeAll(this.#file, this.#buffer.subarray(0, this.#buffered * rowBytes));
    this.#buffered = 0;
  }
}

function partial(directory: string, name: string): string {
  return join(directory, `${name}.partial`);
}

/** Deletes the partial files, and the directory too when the writer made it. */
async function removePartials(directory: string, created: boolean): Promise<void> {
  for (const name of Object.values(DATASET_FILES)) {
    await Deno.remove(partial(directory, name)).catch(() => {});
  }
  // Not recursive: a directory that somehow holds other files stays.
  if (created) await Deno.remove(directory).catch(() => {});
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}
