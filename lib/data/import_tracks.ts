/**
 * Imports a user's tracks (CSV or Parquet, one row per frame) into a dataset artefact (layout:
 * `dataset.ts`), checking every row first.
 *
 * ## Input
 *
 * Columns `traj_id`, `t`, `x`, `y` (plus `z` for dim 3, only `x` for dim 1), in any order,
 * one row per frame; a track's rows need not be contiguous, but within a track `t` must count
 * frames up by one in file order (0, 1, 2, ... or from any first frame). Optional label columns:
 *
 * - `alpha`, `k`, `state` are per-frame labels: written to `frame_labels.parquet`, and also to
 *   `labels.parquet` when constant within every track;
 * - any other column that is constant within every track (`model`, `class`, `snr`, ...) becomes
 *   a column of `labels.parquet`; one that varies within a track is skipped and reported.
 *
 * Tracks keep the order of their first row. Each track's `t` is renumbered from 0; its id and
 * first frame in the file are kept as labels `source_traj_id` (BIGINT when every id is an
 * integer, else VARCHAR) and `source_first_t` (BIGINT), so results map back to the user's
 * frames (columns of the file named `source_...` are skipped). CSV files need a header line; the
 * delimiter (`,`, tab, `;` or `|`) is the one the header uses most. Every value is read as text
 * and converted here, so a bad value anywhere in the file is found, not only in the first rows
 * a type sniffer looks at.
 *
 * ## Checks
 *
 * Before anything is written: the file exists and is not empty, the required columns exist,
 * `traj_id` is never empty, `t`, coordinates and frame labels are numbers, finite, `t` and
 * `state` whole numbers, frames within a track are sorted, unique and without gaps, and no track
 * is shorter than `minLength`. Each error names the file, the data row (1-based, header not
 * counted) or the track and frame, the column, and the fix. Nothing is left in the output
 * directory when any check or the writing fails.
 *
 * @module
 */

import { type DuckDBConnection, DuckDBInstance, structValue } from "@duckdb/node-api";
import { extname } from "node:path";
import {
  type DatasetMeta,
  type FrameLabels,
  type Labels,
  type LabelType,
  openDatasetWriter,
  STANDARD_LABEL_TYPES,
} from "./dataset.ts";
import { checkFrames, checkValues, quote } from "./_track_checks.ts";

/** Options of {@linkcode importTracks}. */
export interface ImportTracksOptions {
  /** Spatial dimensions: coordinates x (1), x, y (2) or x, y, z (3). @default {2} */
  dim?: number;
  /** Fewest frames a track may have. @default {10} */
  minLength?: number;
  /** Provenance added to meta.json. @default {{}} */
  meta?: Record<string, unknown>;
}

/** What {@linkcode importTracks} wrote. */
export interface ImportSummary {
  /** The dataset's meta.json. */
  meta: DatasetMeta;
  /** Columns of the file that went into neither labels nor frame labels. */
  skippedColumns: string[];
}

const COORDINATES = ["x", "y", "z"];
const FRAME_COLUMNS = ["alpha", "k", "state"] as const;
const DELIMITERS = [",", "\t", ";", "|"];

/**
 * Reads tracks from a CSV or Parquet file, checks them, and writes them as a dataset into
 * `directory`.
 *
 * @param path the `.csv` (`.tsv`, `.txt`) or `.parquet` file
 * @param directory where the dataset goes (created when missing, must hold no dataset)
 * @throws {Deno.errors.NotFound} when the file does not exist; {@linkcode TypeError} for an
 *   unknown file type or missing columns; {@linkcode SyntaxError} for an empty or unreadable
 *   file or a value that is not a number; {@linkcode RangeError} for NaN/Inf, fractional
 *   frames, unsorted, duplicate or missing frames, and tracks shorter than minLength
 *
 * @example Two tracks with a per-track model label
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { join } from "node:path";
 * import { importTracks } from "./import_tracks.ts";
 * import { readLabels } from "./loader.ts";
 * const folder = await Deno.makeTempDir();
 * const rows = ["traj_id,t,x,y,model"];
 * for (const id of [7, 3]) for (let t = 0; t < 3; t++) rows.push(`${id},${t},${t},${-t},fbm`);
 * await Deno.writeTextFile(join(folder, "tracks.csv"), rows.join("\n") + "\n");
 * const { meta } = await importTracks(join(folder, "tracks.csv"), join(folder, "dataset"), { minLength: 3 });
 * equal(meta.count, 2);
 * deepEqual((await readLabels(join(folder, "dataset")))[0], {
 *   traj_id: 0, length: 3, source_traj_id: 7n, source_first_t: 0n, model: "fbm",
 * });
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export async function importTracks(
  path: string,
  directory: string,
  options: ImportTracksOptions = {},
): Promise<ImportSummary> {
  const { dim = 2, minLength = 10, meta = {} } = options;
  const where = `Cannot import tracks "${path}"`;
  if (!Number.isInteger(dim) || dim < 1 || dim > 3) {
    throw new RangeError(`${where}: dim must be 1, 2 or 3, got ${dim}`);
  }
  if (!Number.isInteger(minLength) || minLength < 1) {
    throw new RangeError(`${where}: minLength must be an integer >= 1, got ${minLength}`);
  }
  const extension = extname(path).toLowerCase();
  const format = [".csv", ".tsv", ".txt"].includes(extension)
    ? "csv"
    : [".parquet", ".pq"].includes(extension)
    ? "parquet"
    : null;
  if (!format) {
    throw new TypeError(
      `${where}: unknown file type "${extension || "(none)"}"; use a .csv or .parquet file`,
    );
  }
  let size: number;
  try {
    size = (await Deno.stat(path)).size;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Deno.errors.NotFound(
      `${where}: no such file; check the path (a relative path starts at ${Deno.cwd()})`,
    );
  }
  if (size === 0) {
    throw new SyntaxError(
      `${where}: the file is empty; write a header line (traj_id,t,x,y) and one row per frame`,
    );
  }
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const source: Source = { path, where, format, dim };
    const columns = await loadRaw(connection, source);
    const plan = await planColumns(connection, source, columns);
    await checkValues(connection, where, ["t", ...plan.coordinates, ...plan.frameColumns]);
    await buildFrames(connection, plan);
    await checkFrames(connection, where, minLength);
    const provenance = {
      generator: "import_tracks",
      source: path,
      sourceFormat: format,
      sourceColumns: columns.map(([name]) => name),
      minLength,
      ...meta,
    };
    const written = await writeTracks(connection, directory, plan, dim, provenance);
    return { meta: written, skippedColumns: plan.skipped };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

interface Source {
  path: string;
  where: string;
  format: "csv" | "parquet";
  dim: number;
}

/** Which column goes where, with the types they get. */
interface ColumnPlan {
  coordinates: string[];
  frameColumns: (typeof FRAME_COLUMNS)[number][];
  /** Track-level label columns (constant within every track) and their types. */
  labels: [string, LabelType][];
  sourceIdType: LabelType;
  skipped: string[];
}

/** Loads the file into table `raw` (CSV as text) and returns its columns and types. */
async function loadRaw(connection: DuckDBConnection, source: Source): Promise<[string, string][]> {
  const { path, where, format } = source;
  try {
    if (format === "parquet") {
      await connection.run("CREATE TABLE raw AS SELECT * FROM read_parquet(?)", [path]);
    } else {
      // The dialect and columns are given, not sniffed: the sniffer falls back to one column
      // on a ragged row, where a strict read names the line.
      const { delimiter, names } = await readHeader(path);
      const duplicate = names.find((name, i) => names.indexOf(name) !== i);
      if (duplicate !== undefined) {
        throw new SyntaxError(
          `${where}: column "${duplicate}" appears twice in the header; rename one of them`,
        );
      }
      const types = Object.fromEntries(names.map((name) => [name, "VARCHAR"]));
      await connection.run(
        `CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, auto_detect = false,
           delim = ?, quote = '"', escape = '"', columns = ?)`,
        [path, delimiter, structValue(types)],
      );
    }
  } catch (error) {
    if (error instanceof SyntaxError) throw error;
    const message = (error as Error).message;
    const ragged = /CSV Error on Line: (\d+)[\s\S]*?Expected Number of Columns: (\d+) Found: (\d+)/
      .exec(message);
    if (ragged) {
      throw new SyntaxError(
        `${where}: line ${ragged[1]} has ${ragged[3]} fields, the header has ${
          ragged[2]
        }; fix that line (quote values that contain the delimiter)`,
        { cause: error },
      );
    }
    throw new SyntaxError(
      `${where}: DuckDB cannot read it as ${format}: ${
        message.split("\n")[0]
      }; check that the file is ${format === "csv" ? "text with a header line" : "Parquet"}`,
      { cause: error },
    );
  }
  const described = await connection.runAndReadAll("DESCRIBE raw");
  const columns = described.getRowObjectsJS().map((row): [string, string] => [
    String(row.column_name),
    String(row.column_type),
  ]);
  const rows = await scalar(connection, "SELECT count(*) FROM raw");
  if (rows === 0) {
    throw new SyntaxError(
      `${where}: the file has columns ${
        columns.map(([name]) => name).join(", ")
      } but no data rows; export the tracks with one row per frame`,
    );
  }
  return columns;
}

/** Reads the CSV header line: its delimiter and column names. */
async function readHeader(path: string): Promise<{ delimiter: string; names: string[] }> {
  using file = await Deno.open(path);
  const bytes = new Uint8Array(64 * 1024);
  const read = (await file.read(bytes)) ?? 0;
  const text = new TextDecoder().decode(bytes.subarray(0, read)).replace(/^\uFEFF/, "");
  const line = text.split(/\r?\n/, 1)[0];
  const counts = DELIMITERS.map((delimiter) => line.split(delimiter).length);
  const delimiter = DELIMITERS[counts.indexOf(Math.max(...counts))];
  const names = line.split(delimiter).map((field, i) => {
    const name = field.trim().replace(/^"(.*)"$/, "$1").replaceAll('""', '"');
    return name === "" ? `column${i}` : name;
  });
  return { delimiter, names };
}

async function planColumns(
  connection: DuckDBConnection,
  source: Source,
  columns: [string, string][],
): Promise<ColumnPlan> {
  const { where, dim } = source;
  const names = columns.map(([name]) => name);
  const coordinates = COORDINATES.slice(0, dim);
  const required = ["traj_id", "t", ...coordinates];
  const missing = required.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw new TypeError(
      `${where}: missing column${missing.length > 1 ? "s" : ""} ${
        missing.map((name) => `"${name}"`).join(", ")
      }; the file has columns ${names.join(", ")}, and dim ${dim} needs ${
        required.join(", ")
      }; rename the columns or set dim`,
    );
  }
  const frameColumns = FRAME_COLUMNS.filter((name) => names.includes(name));
  // Coordinates beyond dim, and names the importer itself gives to labels.
  const skipped = names.filter((name) =>
    COORDINATES.slice(dim).includes(name) || name.startsWith("source_")
  );
  const candidates = names.filter((name) => !required.includes(name) && !skipped.includes(name));
  const labels: [string, LabelType][] = [];
  for (const name of candidates) {
    const type = FRAME_COLUMNS.includes(name as (typeof FRAME_COLUMNS)[number])
      ? STANDARD_LABEL_TYPES[name]
      : await inferType(connection, name, columns.find(([column]) => column === name)![1]);
    labels.push([name, type]);
  }
  const sourceIdType = await inferType(connection, "traj_id", columns[names.indexOf("traj_id")][1]);
  return {
    coordinates,
    frameColumns,
    labels,
    sourceIdType: sourceIdType === "INTEGER" || sourceIdType === "BIGINT" ? "BIGINT" : "VARCHAR",
    skipped,
  };
}

/** The label type of a column: from its Parquet type, or from its values when it is text. */
async function inferType(
  connection: DuckDBConnection,
  name: string,
  nativeType: string,
): Promise<LabelType> {
  const standard = STANDARD_LABEL_TYPES[name];
  let type: LabelType;
  if (nativeType === "BOOLEAN") type = "BOOLEAN";
  else if (/^U?(TINYINT|SMALLINT)$|^INTEGER$/.test(nativeType)) type = "INTEGER";
  else if (/INT/.test(nativeType)) type = "BIGINT";
  else if (/^(FLOAT|DOUBLE|DECIMAL)/.test(nativeType)) type = "DOUBLE";
  else {
    const column = quote(name);
    const reader = await connection.runAndReadAll(
      `SELECT count(${column}) AS present,
         count(TRY_CAST(${column} AS DOUBLE)) AS numbers,
         count(*) FILTER (WHERE TRY_CAST(${column} AS DOUBLE) = round(TRY_CAST(${column} AS DOUBLE))) AS whole,
         coalesce(max(abs(TRY_CAST(${column} AS DOUBLE))), 0) AS largest,
         count(*) FILTER (WHERE lower(trim(${column}::VARCHAR)) IN ('true', 'false')) AS booleans
       FROM raw`,
    );
    const counts = reader.getRowObjectsJS()[0] as Record<string, bigint | number>;
    const present = Number(counts.present);
    if (present === 0) type = "VARCHAR";
    else if (Number(counts.booleans) === present) type = "BOOLEAN";
    else if (Number(counts.numbers) < present) type = "VARCHAR";
    else if (Number(counts.whole) < present) type = "DOUBLE";
    else if (Number(counts.largest) <= 2 ** 31 - 1) type = "INTEGER";
    else type = Number(counts.largest) <= Number.MAX_SAFE_INTEGER ? "BIGINT" : "DOUBLE";
  }
  // A standard numeric column keeps its standard type when its values allow it (alpha "1" is
  // still a DOUBLE label).
  if (standard === "DOUBLE" && (type === "INTEGER" || type === "BIGINT")) return "DOUBLE";
  return type;
}

/** Builds table `frames` (typed values) and `tracks` (one row per track, in file order). */
async function buildFrames(connection: DuckDBConnection, plan: ColumnPlan): Promise<void> {
  const values = [
    plan.sourceIdType === "BIGINT"
      ? "CAST(TRY_CAST(traj_id AS DOUBLE) AS BIGINT) AS traj_key"
      : "CAST(traj_id AS VARCHAR) AS traj_key",
    "CAST(TRY_CAST(t AS DOUBLE) AS BIGINT) AS t",
    ...plan.coordinates.map((name) => `TRY_CAST(${quote(name)} AS DOUBLE) AS ${quote(name)}`),
    ...plan.labels.map(([name, type]) =>
      type === "BOOLEAN"
        ? `CAST(lower(trim(CAST(${quote(name)} AS VARCHAR))) = 'true' AS BOOLEAN) AS ${quote(name)}`
        : `CAST(${
          type === "VARCHAR" ? quote(name) : `TRY_CAST(${quote(name)} AS DOUBLE)`
        } AS ${type}) AS ${quote(name)}`
    ),
  ];
  await connection.run(
    `CREATE TABLE frames AS SELECT rowid + 1 AS row, ${values.join(", ")} FROM raw`,
  );
  await connection.run("DROP TABLE raw");
  await connection.run(
    `CREATE TABLE tracks AS
     SELECT traj_key, count(*) AS length, min(row) AS first_row,
            CAST(row_number() OVER (ORDER BY min(row)) - 1 AS INTEGER) AS traj_id
     FROM frames GROUP BY traj_key`,
  );
}

/** Streams the checked frames into a dataset writer, one track at a time. */
async function writeTracks(
  connection: DuckDBConnection,
  directory: string,
  plan: ColumnPlan,
  dim: number,
  provenance: Record<string, unknown>,
): Promise<DatasetMeta> {
  const count = await scalar(connection, "SELECT count(*) FROM tracks");
  const maxLength = await scalar(connection, "SELECT max(length) FROM tracks");
  // Frame-only columns vary within some track; they stay out of the per-track labels, and so
  // does any other varying column (reported as skipped).
  const labelColumns: [string, LabelType][] = [];
  for (const [name, type] of plan.labels) {
    const column = quote(name);
    const varying = await scalar(
      connection,
      `SELECT count(*) FROM (SELECT traj_key FROM frames GROUP BY traj_key
       HAVING count(DISTINCT ${column}) > 1 OR (count(${column}) > 0 AND count(${column}) < count(*)))`,
    );
    if (varying === 0) labelColumns.push([name, type]);
    else if (!plan.frameColumns.includes(name as (typeof FRAME_COLUMNS)[number])) {
      plan.skipped.push(name);
    }
  }
  const labelReader = await connection.runAndReadAll(
    `SELECT tracks.traj_key AS source_traj_id, min(frames.t) AS source_first_t${
      labelColumns.map(([name]) => `, any_value(frames.${quote(name)}) AS ${quote(name)}`).join("")
    } FROM tracks JOIN frames USING (traj_key) GROUP BY tracks.traj_id, tracks.traj_key
     ORDER BY tracks.traj_id`,
  );
  const labels = labelReader.getRowObjectsJS() as Labels[];
  const labelTypes: Record<string, LabelType> = Object.fromEntries([
    ["source_traj_id", plan.sourceIdType],
    ["source_first_t", "BIGINT"],
    ...labelColumns,
  ]);
  await using writer = await openDatasetWriter(directory, { count, maxLength, dim }, {
    labelTypes,
    meta: provenance,
  });
  const selected = [...plan.coordinates, ...plan.frameColumns].map((name) =>
    `frames.${quote(name)}`
  );
  const result = await connection.stream(
    `SELECT tracks.traj_id, ${selected.join(", ")} FROM frames JOIN tracks USING (traj_key)
     ORDER BY tracks.traj_id, frames.t`,
  );
  const trajectory = new Float64Array(maxLength * dim);
  const frameValues = plan.frameColumns.map(() => new Float64Array(maxLength));
  let current = 0;
  let length = 0;
  async function appendCurrent(): Promise<void> {
    let frameLabels: FrameLabels | undefined;
    if (plan.frameColumns.length > 0) {
      frameLabels = Object.fromEntries(
        plan.frameColumns.map((name, c) => [name, frameValues[c].subarray(0, length)]),
      );
    }
    await writer.append(trajectory.subarray(0, length * dim), labels[current], frameLabels);
  }
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0;) {
    const columns = chunk.getColumns() as number[][];
    for (let r = 0; r < chunk.rowCount; r++) {
      if (columns[0][r] !== current) {
        await appendCurrent();
        current = columns[0][r];
        length = 0;
      }
      for (let axis = 0; axis < dim; axis++) trajectory[length * dim + axis] = columns[1 + axis][r];
      for (let c = 0; c < frameValues.length; c++) frameValues[c][length] = columns[1 + dim + c][r];
      length++;
    }
    chunk = await result.fetchChunk();
  }
  await appendCurrent();
  return await writer.close();
}

async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  const reader = await connection.runAndReadAll(sql);
  return Number(reader.getRows()[0][0]);
}
