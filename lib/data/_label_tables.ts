/**
 * The label tables of a dataset being written: per-trajectory labels and per-frame labels, kept
 * in an in-memory DuckDB (which spills to disk when they grow) and copied to Parquet at the end.
 * Column names and types are fixed by the first trajectory; every later one is checked against
 * them before anything is appended, so a rejected trajectory leaves no half row.
 *
 * @module
 */

import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBType,
  INTEGER,
  VARCHAR,
} from "@duckdb/node-api";

/** DuckDB (and Parquet) types a label column can have. */
export type LabelType = "INTEGER" | "BIGINT" | "DOUBLE" | "VARCHAR" | "BOOLEAN";

/** One label value; `null` is a missing value (NULL in Parquet, NaN/None in pandas). */
export type LabelValue = number | bigint | string | boolean | null;

/** The labels of one trajectory, by column name. */
export type Labels = Record<string, LabelValue>;

/** Types of the label columns every producer spells the same way (names from the spec). */
export const STANDARD_LABEL_TYPES: Readonly<Record<string, LabelType>> = {
  model: "VARCHAR",
  class: "INTEGER",
  alpha: "DOUBLE",
  k: "DOUBLE",
  snr: "DOUBLE",
  state: "INTEGER",
};

/**
 * Per-frame labels of one trajectory: each array has one value per frame of the track.
 * `state` holds integer codes (andi-models.md §4: 0 immobile, 1 confined, 2 free, 3 directed).
 */
export interface FrameLabels {
  /** Anomalous exponent at each frame. */
  alpha?: ArrayLike<number>;
  /** Generalised diffusion coefficient K at each frame (length^2 / frame^alpha). */
  k?: ArrayLike<number>;
  /** Diffusive state code at each frame. */
  state?: ArrayLike<number>;
}

const FRAME_LABEL_TYPES: Record<keyof FrameLabels, LabelType> = {
  alpha: "DOUBLE",
  k: "DOUBLE",
  state: "INTEGER",
};

/** One trajectory's labels after {@linkcode LabelTables.check}: typed, in column order. */
export interface CheckedLabels {
  /** Label columns with their types and values, in the table's order. */
  row: [string, LabelType, LabelValue][];
  /** Frame label columns given, or null. */
  frameColumns: (keyof FrameLabels)[] | null;
  /** The per-frame values. */
  frameLabels: FrameLabels | undefined;
}

/** Column names and types of the two Parquet files, as meta.json lists them. */
export interface LabelColumns {
  /** Columns of labels.parquet. */
  labelColumns: Record<string, LabelType>;
  /** Columns of frame_labels.parquet, or null when there are no frame labels. */
  frameLabelColumns: Record<string, LabelType> | null;
}

/**
 * Both label tables of one dataset being written.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { LabelTables } from "./_label_tables.ts";
 * const tables = await LabelTables.open({});
 * try {
 *   await tables.append(0, 2, tables.check("example", 2, { model: "fbm" }, { state: [2, 1] }));
 *   const path = await Deno.makeTempFile({ suffix: ".parquet" });
 *   const frames = await Deno.makeTempFile({ suffix: ".parquet" });
 *   const columns = await tables.write(path, frames);
 *   deepEqual(Object.keys(columns.labelColumns), ["traj_id", "length", "model"]);
 *   await Deno.remove(path);
 *   await Deno.remove(frames);
 * } finally {
 *   tables.close();
 * }
 * ```
 */
export class LabelTables {
  #instance: DuckDBInstance;
  #connection: DuckDBConnection;
  #labelTypes: Record<string, LabelType>;
  #labelColumns: [string, LabelType][] | undefined;
  #labelAppender: DuckDBAppender | undefined;
  #frameColumns: (keyof FrameLabels)[] | null | undefined;
  #frameAppender: DuckDBAppender | undefined;
  #frameRows: FrameRows | undefined;

  private constructor(
    instance: DuckDBInstance,
    connection: DuckDBConnection,
    labelTypes: Record<string, LabelType>,
  ) {
    this.#instance = instance;
    this.#connection = connection;
    this.#labelTypes = labelTypes;
  }

  /**
   * Starts the tables in a new in-memory DuckDB.
   *
   * @param labelTypes types of label columns beyond {@linkcode STANDARD_LABEL_TYPES}
   */
  static async open(labelTypes: Record<string, LabelType>): Promise<LabelTables> {
    const instance = await DuckDBInstance.create(":memory:");
    try {
      return new LabelTables(instance, await instance.connect(), labelTypes);
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  /**
   * Checks one trajectory's labels against the columns fixed so far; changes nothing.
   *
   * @param where the start of error messages ("Cannot append trajectory 3 to dataset ...")
   * @param length the trajectory's frames
   * @throws {TypeError} when a label has the wrong type or the columns differ from the first
   *   trajectory's; {@linkcode RangeError} when frame labels have the wrong length or values
   */
  check(
    where: string,
    length: number,
    labels: Labels,
    frameLabels: FrameLabels | undefined,
  ): CheckedLabels {
    return {
      row: this.#checkLabels(where, labels),
      frameColumns: this.#checkFrameLabels(where, length, frameLabels),
      frameLabels,
    };
  }

  /** Appends checked labels as trajectory `n` of `length` frames. */
  async append(n: number, length: number, checked: CheckedLabels): Promise<void> {
    await this.#ensureTables(checked.row, checked.frameColumns);
    this.#appendLabels(n, length, checked.row);
    if (checked.frameColumns) {
      this.#appendFrameLabels(n, length, checked.frameColumns, checked.frameLabels!);
    }
  }

  /**
   * Writes labels.parquet to `labelsPath`, and frame_labels.parquet to `frameLabelsPath` when
   * there are frame labels; rows stay in append order.
   */
  async write(labelsPath: string, frameLabelsPath: string): Promise<LabelColumns> {
    await this.#ensureTables([], null);
    this.#labelAppender!.closeSync();
    await this.#connection.run("COPY labels TO ? (FORMAT parquet)", [labelsPath]);
    let frameLabelColumns: Record<string, LabelType> | null = null;
    if (this.#frameColumns) {
      this.#flushFrameRows();
      this.#frameAppender!.closeSync();
      await this.#connection.run("COPY frame_labels TO ? (FORMAT parquet)", [frameLabelsPath]);
      frameLabelColumns = Object.fromEntries(frameTableColumns(this.#frameColumns));
    }
    return { labelColumns: Object.fromEntries(this.#labelColumns!), frameLabelColumns };
  }

  /** Frees the DuckDB instance. */
  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }

  /** Checks one trajectory's labels and returns them as typed columns, in the fixed order. */
  #checkLabels(where: string, labels: Labels): [string, LabelType, LabelValue][] {
    const names = Object.keys(labels);
    for (const name of names) {
      if (name === "traj_id" || name === "length") {
        throw new TypeError(
          `${where}: label "${name}" is set by the writer; remove it from the labels`,
        );
      }
    }
    if (this.#labelColumns) {
      const known = this.#labelColumns.slice(2).map(([name]) => name);
      const missing = known.filter((name) => !(name in labels));
      const extra = names.filter((name) => !known.includes(name));
      if (missing.length > 0 || extra.length > 0) {
        throw new TypeError(
          `${where}: label columns differ from trajectory 0's (${known.join(", ") || "none"}): ${
            [
              ...missing.map((name) => `missing "${name}"`),
              ...extra.map((name) => `extra "${name}"`),
            ].join(", ")
          }; set the same columns for every trajectory (null for a missing value)`,
        );
      }
      return this.#labelColumns.slice(2).map((
        [name, type],
      ) => [name, type, checkValue(where, name, type, labels[name])]);
    }
    return names.map((name) => {
      const value = labels[name];
      const type = this.#labelTypes[name] ?? STANDARD_LABEL_TYPES[name] ?? inferType(value);
      if (type === undefined) {
        throw new TypeError(
          `${where}: label "${name}" is null in the first trajectory, so its type is unknown; declare it in labelTypes`,
        );
      }
      return [name, type, checkValue(where, name, type, value)];
    });
  }

  #checkFrameLabels(
    where: string,
    length: number,
    frameLabels: FrameLabels | undefined,
  ): (keyof FrameLabels)[] | null {
    const given = frameLabels === undefined ? null : Object.keys(frameLabels);
    if (given) {
      const unknown = given.filter((name) => !(name in FRAME_LABEL_TYPES));
      if (unknown.length > 0 || given.length === 0) {
        throw new TypeError(
          `${where}: frame labels must set some of alpha, k, state, got ${
            given.length === 0 ? "none" : `"${unknown[0]}"`
          }`,
        );
      }
    }
    const columns = given &&
      (Object.keys(FRAME_LABEL_TYPES) as (keyof FrameLabels)[]).filter((name) =>
        given.includes(name)
      );
    if (this.#frameColumns !== undefined && this.#frameColumns?.join() !== columns?.join()) {
      throw new TypeError(
        `${where}: frame labels (${columns?.join(", ") ?? "none"}) differ from trajectory 0's (${
          this.#frameColumns?.join(", ") ?? "none"
        }); give every trajectory the same frame labels, or none`,
      );
    }
    for (const name of columns ?? []) {
      const values = frameLabels![name]!;
      if (values.length !== length) {
        throw new RangeError(
          `${where}: frame label "${name}" has ${values.length} values, the track has ${length} frames`,
        );
      }
      for (let t = 0; t < length; t++) {
        const value = values[t];
        if (!Number.isFinite(value) || (name === "state" && !Number.isInteger(value))) {
          throw new RangeError(
            `${where}: frame label "${name}" at t = ${t} is ${value}; it must be a finite ${
              name === "state" ? "integer" : "number"
            }`,
          );
        }
      }
    }
    return columns;
  }

  async #ensureTables(
    labelRow: [string, LabelType, LabelValue][],
    frameColumns: (keyof FrameLabels)[] | null,
  ): Promise<void> {
    if (this.#labelColumns === undefined) {
      this.#labelColumns = [
        ["traj_id", "INTEGER"],
        ["length", "INTEGER"],
        ...labelRow.map(([name, type]): [string, LabelType] => [name, type]),
      ];
      await this.#connection.run(`CREATE TABLE labels (${columnList(this.#labelColumns)})`);
      this.#labelAppender = await this.#connection.createAppender("labels");
    }
    if (this.#frameColumns === undefined) {
      this.#frameColumns = frameColumns;
      if (frameColumns) {
        const columns = frameTableColumns(frameColumns);
        await this.#connection.run(`CREATE TABLE frame_labels (${columnList(columns)})`);
        this.#frameAppender = await this.#connection.createAppender("frame_labels");
        this.#frameRows = {
          types: columns.map(([, type]) => DUCKDB_TYPES[type]),
          columns: columns.map(() => new Array<number | boolean>(CHUNK_ROWS)),
          size: 0,
        };
      }
    }
  }

  #appendLabels(n: number, length: number, labelRow: [string, LabelType, LabelValue][]): void {
    const appender = this.#labelAppender!;
    appender.appendInteger(n);
    appender.appendInteger(length);
    for (const [, type, value] of labelRow) appendValue(appender, type, value);
    appender.endRow();
  }

  #appendFrameLabels(
    n: number,
    length: number,
    columns: (keyof FrameLabels)[],
    frameLabels: FrameLabels,
  ): void {
    const series = columns.map((name) => frameLabels[name]!);
    const rows = this.#frameRows!;
    for (let t = 0; t < length; t++) {
      const at = rows.size++;
      rows.columns[0][at] = n;
      rows.columns[1][at] = t;
      let changed = false;
      for (let c = 0; c < columns.length; c++) {
        const value = series[c][t];
        rows.columns[2 + c][at] = value;
        if (t > 0 && value !== series[c][t - 1]) changed = true;
      }
      rows.columns[2 + columns.length][at] = changed;
      if (rows.size === CHUNK_ROWS) this.#flushFrameRows();
    }
  }

  /** Appends the buffered frame rows as one data chunk. */
  #flushFrameRows(): void {
    const rows = this.#frameRows!;
    if (rows.size === 0) return;
    const chunk = DuckDBDataChunk.create(rows.types, rows.size);
    chunk.setColumns(rows.columns.map((column) => column.slice(0, rows.size)));
    this.#frameAppender!.appendDataChunk(chunk);
    rows.size = 0;
  }
}

/**
 * Frame rows waiting to be appended: one data chunk's worth, column by column. Appending a
 * chunk costs about a third of appending the same rows value by value.
 */
interface FrameRows {
  types: DuckDBType[];
  columns: (number | boolean)[][];
  size: number;
}

/** Rows per appended chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

const DUCKDB_TYPES: Record<LabelType, DuckDBType> = { INTEGER, BIGINT, DOUBLE, VARCHAR, BOOLEAN };

/** Columns of frame_labels.parquet for the given label columns. */
function frameTableColumns(frameColumns: (keyof FrameLabels)[]): [string, LabelType][] {
  return [
    ["traj_id", "INTEGER"],
    ["t", "INTEGER"],
    ...frameColumns.map((name): [string, LabelType] => [name, FRAME_LABEL_TYPES[name]]),
    ["changepoint", "BOOLEAN"],
  ];
}

/** Checks a label value against its column type; returns it unchanged. */
function checkValue(where: string, name: string, type: LabelType, value: LabelValue): LabelValue {
  if (value === null) return value;
  const fits = type === "VARCHAR"
    ? typeof value === "string"
    : type === "BOOLEAN"
    ? typeof value === "boolean"
    : type === "DOUBLE"
    ? typeof value === "number" && Number.isFinite(value)
    : type === "INTEGER"
    ? typeof value === "number" && Number.isInteger(value) && Math.abs(value) <= 2 ** 31 - 1
    : typeof value === "bigint" || (typeof value === "number" && Number.isSafeInteger(value));
  if (!fits) {
    const shown = typeof value === "string"
      ? `"${value}"`
      : typeof value === "bigint"
      ? `${value}n`
      : String(value);
    throw new TypeError(
      `${where}: label "${name}" must be ${
        DESCRIBE_TYPE[type]
      } (${type} column), got ${shown}; use null for a missing value`,
    );
  }
  return value;
}

const DESCRIBE_TYPE: Record<LabelType, string> = {
  INTEGER: "a 32-bit integer",
  BIGINT: "an integer",
  DOUBLE: "a finite number",
  VARCHAR: "a string",
  BOOLEAN: "true or false",
};

function inferType(value: LabelValue): LabelType | undefined {
  switch (typeof value) {
    case "string":
      return "VARCHAR";
    case "boolean":
      return "BOOLEAN";
    case "bigint":
      return "BIGINT";
    case "number":
      return "DOUBLE";
    default:
      return undefined;
  }
}

function appendValue(appender: DuckDBAppender, type: LabelType, value: LabelValue): void {
  if (value === null) return appender.appendNull();
  switch (type) {
    case "INTEGER":
      return appender.appendInteger(value as number);
    case "BIGINT":
      return appender.appendBigInt(BigInt(value as number | bigint));
    case "DOUBLE":
      return appender.appendDouble(value as number);
    case "VARCHAR":
      return appender.appendVarchar(value as string);
    case "BOOLEAN":
      return appender.appendBoolean(value as boolean);
  }
}

/** `"name" TYPE, ...`; names are quoted identifiers because SQL cannot bind them. */
function columnList(columns: [string, LabelType][]): string {
  return columns.map(([name, type]) => `"${name.replaceAll('"', '""')}" ${type}`).join(", ");
}
