/**
 * Text renderings of query results (aligned table, CSV, JSON) for the CLI's `query` verb.
 *
 * Cells are whatever DuckDB hands back through `@duckdb/node-api`, so every formatter accepts:
 * `null`/`undefined` (SQL NULL), numbers (including NaN and ±Infinity), bigints, strings,
 * booleans, `Date`s, `Uint8Array`s (blobs), DuckDB value objects whose `toString()` yields
 * DuckDB's own text form (timestamps, decimals, lists, structs, ...), and plain arrays/objects.
 *
 * Every formatter returns text ending in a newline, ready to be written out as is.
 *
 * @module
 */

/** Options for {@link formatTable}. */
export interface FormatTableOptions {
  /** Maximum display width of a column; longer cells are cut and end in "…". Default 60. */
  maxWidth?: number;
  /** Text shown for SQL NULL. Default `"NULL"`. */
  nullText?: string;
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const DEFAULT_MAX_WIDTH = 60;
const DEFAULT_NULL_TEXT = "NULL";
const COLUMN_GAP = "  ";
const ELLIPSIS = "…";

/**
 * Renders rows as an aligned text table: a header, a `─` rule, one line per row and a final
 * `(N rows)` line.
 *
 * Columns whose non-NULL cells are all numeric (numbers, bigints, DuckDB decimals) are
 * right-aligned, everything else is left-aligned. Integers and bigints are printed exactly.
 * Other numbers are rounded to 6 significant digits, except that digits before the decimal
 * point are never dropped (1234567.89 shows as `1234568`); the shortest form is used, so
 * scientific notation only appears below 1e-6 and from 1e21, as with `String(number)`.
 * Control characters in text are shown escaped (`\n`, `\t`, `\x1B`) because a raw newline
 * would break the alignment and a raw escape sequence could reconfigure the terminal.
 * Display width counts East Asian wide characters and most emoji as two columns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTable } from "./format.ts";
 *
 * const text = formatTable(["model", "alpha_mae"], [["lstm", 0.123456789], ["cnn", null]]);
 * assert.equal(
 *   text,
 *   [
 *     "model  alpha_mae",
 *     "─────  ─────────",
 *     "lstm    0.123457",
 *     "cnn         NULL",
 *     "(2 rows)",
 *     "",
 *   ].join("\n"),
 * );
 * ```
 *
 * @throws {RangeError} when `maxWidth` is not an integer >= 1 or a row does not have one
 *   cell per column.
 */
export function formatTable(
  columns: string[],
  rows: unknown[][],
  options: FormatTableOptions = {},
): string {
  const maxWidth = options.maxWidth ?? DEFAULT_MAX_WIDTH;
  if (!Number.isInteger(maxWidth) || maxWidth < 1) {
    throw new RangeError(`Cannot format table: maxWidth must be an integer >= 1, got ${maxWidth}`);
  }
  const nullText = options.nullText ?? DEFAULT_NULL_TEXT;
  checkRows("format table", columns, rows);

  const footer = `(${rows.length} ${rows.length === 1 ? "row" : "rows"})\n`;
  if (columns.length === 0) return footer;

  const header = columns.map((name) => truncate(escapeControls(name), maxWidth));
  const numeric = columns.map(() => ({ seen: false, all: true }));
  const body = rows.map((row) =>
    row.map((value, c) => {
      if (value === null || value === undefined) return truncate(nullText, maxWidth);
      const cell = tableCell(value);
      numeric[c].seen = true;
      numeric[c].all &&= cell.numeric;
      return truncate(cell.text, maxWidth);
    })
  );
  const rightAligned = numeric.map((n) => n.seen && n.all);
  const widths = header.map((name, c) =>
    body.reduce((max, row) => Math.max(max, displayWidth(row[c])), displayWidth(name))
  );

  const last = columns.length - 1;
  function line(cells: string[]): string {
    return cells.map((text, c) => {
      const padding = " ".repeat(widths[c] - displayWidth(text));
      if (rightAligned[c]) return padding + text;
      // No padding after the last column: trailing spaces only make copied output messy.
      return c === last ? text : text + padding;
    }).join(COLUMN_GAP);
  }

  const lines = [
    line(header),
    widths.map((w) => "─".repeat(w)).join(COLUMN_GAP),
    ...body.map(line),
  ];
  return `${lines.join("\n")}\n${footer}`;
}

/**
 * Renders rows as CSV (RFC 4180) with a header record, `,` separators and `\n` line ends.
 *
 * Fields containing a comma, double quote, CR or LF are quoted, with embedded quotes
 * doubled. NULL is an empty field and the empty string is written as `""` so the two stay
 * distinguishable, as in DuckDB's own CSV writer. Numbers use full precision (`String(x)`,
 * so NaN and Infinity appear as `NaN`/`Infinity`), bigints are exact, `Date`s are ISO 8601,
 * blobs use DuckDB's `\xHH` escapes, DuckDB value objects their `toString()`, and other
 * arrays/objects compact JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCsv } from "./format.ts";
 *
 * const csv = formatCsv(["id", "note"], [[1n, 'says "hi", twice'], [2n, null]]);
 * assert.equal(csv, 'id,note\n1,"says ""hi"", twice"\n2,\n');
 * ```
 *
 * @throws {RangeError} when a row does not have one cell per column.
 */
export function formatCsv(columns: string[], rows: unknown[][]): string {
  checkRows("format CSV", columns, rows);
  const records = [columns.map(csvField), ...rows.map((row) => row.map(csvField))];
  return records.map((fields) => `${fields.join(",")}\n`).join("");
}

/**
 * Renders rows as a pretty-printed (2-space) JSON array with one object per row whose keys
 * are the column names in column order.
 *
 * JSON has no NaN or Infinity, so those become `null`. Bigints become numbers when they are
 * safe integers and decimal strings otherwise, so that no digits are silently lost. `Date`s
 * become ISO 8601 strings, blobs DuckDB's `\xHH`-escaped text, and DuckDB value objects
 * (timestamps, decimals, ...) their `toString()` text, which keeps decimals exact. Plain
 * arrays and objects are converted recursively.
 *
 * Duplicate column names (e.g. from a join) would collide as keys, so the second occurrence
 * becomes `name_2`, the third `name_3`, and so on, skipping suffixes that are themselves
 * column names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatJson } from "./format.ts";
 *
 * const json = formatJson(["id", "id", "score"], [[2n ** 60n, 7, NaN]]);
 * assert.deepEqual(JSON.parse(json), [{ id: "1152921504606846976", id_2: 7, score: null }]);
 * ```
 *
 * @throws {RangeError} when a row does not have one cell per column.
 * @throws {TypeError} when a cell contains a cyclic array or object.
 */
export function formatJson(columns: string[], rows: unknown[][]): string {
  checkRows("format JSON", columns, rows);
  if (rows.length === 0) return "[]\n";
  const keys = uniqueKeys(columns).map((key) => JSON.stringify(key));
  const objects = rows.map((row) => {
    if (keys.length === 0) return "  {}";
    const members = row.map((value, c) => {
      // Built by hand rather than with one JSON.stringify call because JavaScript objects
      // would move integer-like keys ("1", "2") ahead of the others and lose column order.
      const text = JSON.stringify(toJsonValue(value, []), null, 2).replaceAll("\n", "\n    ");
      return `    ${keys[c]}: ${text}`;
    });
    return `  {\n${members.join(",\n")}\n  }`;
  });
  return `[\n${objects.join(",\n")}\n]\n`;
}

function checkRows(action: string, columns: string[], rows: unknown[][]): void {
  for (let r = 0; r < rows.length; r++) {
    const length = rows[r].length;
    if (length !== columns.length) {
      throw new RangeError(
        `Cannot ${action}: row ${r} must have ${columns.length} cells (one per column), ` +
          `got ${length}`,
      );
    }
  }
}

function uniqueKeys(columns: string[]): string[] {
  // Every original name is reserved up front so that a real column called "a_2" keeps its
  // name even when a duplicate "a" appears before it.
  const taken = new Set(columns);
  const used = new Set<string>();
  return columns.map((name) => {
    let key = name;
    if (used.has(key)) {
      let suffix = 2;
      while (taken.has(`${name}_${suffix}`) || used.has(`${name}_${suffix}`)) suffix++;
      key = `${name}_${suffix}`;
    }
    used.add(key);
    return key;
  });
}

interface TableCell {
  text: string;
  numeric: boolean;
}

const NUMERIC_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function tableCell(value: unknown): TableCell {
  if (typeof value === "number") return { text: formatTableNumber(value), numeric: true };
  if (typeof value === "bigint") return { text: String(value), numeric: true };
  if (typeof value === "string") return { text: escapeControls(value), numeric: false };
  if (isDuckDBValue(value)) {
    // Decimals and huge integers arrive as objects; they are still numbers to the reader.
    const text = String(value);
    return { text: escapeControls(text), numeric: NUMERIC_TEXT.test(text) };
  }
  return { text: escapeControls(scalarText(value)), numeric: false };
}

function formatTableNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 1e6) return String(Math.round(value));
  return String(Number(value.toPrecision(6)));
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value === "") return '""';
  const text = scalarText(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Text form shared by the table and CSV output for everything but NULL. */
function scalarText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
    case "symbol":
      return String(value);
    case "undefined":
      return "";
    case "function":
      return `[function ${value.name}]`;
  }
  if (value === null) return "";
  if (value instanceof Date) return dateText(value);
  if (value instanceof Uint8Array) return blobText(value);
  if (isDuckDBValue(value)) return String(value);
  return JSON.stringify(toJsonValue(value, []));
}

function dateText(value: Date): string {
  return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
}

/** Same escaping as DuckDB's BLOB-to-VARCHAR cast (and `DuckDBBlobValue.toString()`). */
function blobText(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) {
    const escaped = byte <= 0x1f || byte === 0x22 || byte === 0x27 || byte >= 0x7f;
    text += escaped
      ? `\\x${byte.toString(16).toUpperCase().padStart(2, "0")}`
      : String.fromCharCode(byte);
  }
  return text;
}

/**
 * DuckDB value classes (timestamps, decimals, lists, ...) define their own `toString()`
 * giving DuckDB's text form; plain objects and arrays only inherit the useless default.
 */
function isDuckDBValue(value: unknown): value is object {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  if (value instanceof Date || ArrayBuffer.isView(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return false;
  const toString = (value as { toString?: unknown }).toString;
  return typeof toString === "function" && toString !== Object.prototype.toString;
}

function primitiveJsonValue(value: unknown): JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : String(value);
    case "symbol":
      return String(value);
  }
  return null;
}

function toJsonValue(value: unknown, ancestors: object[]): JsonValue {
  if (typeof value !== "object" || value === null) return primitiveJsonValue(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return blobText(value);
  if (ancestors.includes(value)) {
    throw new TypeError(
      `Cannot format value: it must not contain cycles, got a reference back to an enclosing ${
        Array.isArray(value) ? "array" : "object"
      }`,
    );
  }
  const inner = [...ancestors, value];
  if (Array.isArray(value) || value instanceof Set) {
    return Array.from(value, (item: unknown) => toJsonValue(item, inner));
  }
  if (isNumericTypedArray(value)) {
    // Numeric typed arrays (e.g. Float32Array embeddings) read best as plain number arrays.
    return Array.from(value, primitiveJsonValue);
  }
  if (value instanceof Map) {
    const object: { [key: string]: JsonValue } = Object.create(null);
    for (const [key, item] of value) {
      object[typeof key === "string" ? key : scalarText(key)] = toJsonValue(item, inner);
    }
    return object;
  }
  if (isDuckDBValue(value)) return String(value);
  const object: { [key: string]: JsonValue } = Object.create(null);
  for (const [key, item] of Object.entries(value)) object[key] = toJsonValue(item, inner);
  return object;
}

function isNumericTypedArray(value: object): value is ArrayLike<number | bigint> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

function escapeControls(text: string): string {
  // \p{Cc} is exactly C0, DEL and C1 (U+0000-U+001F, U+007F-U+009F).
  return text.replace(/\p{Cc}/gu, escapeControl);
}

function escapeControl(char: string): string {
  switch (char) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  return `\\x${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}

function truncate(text: string, maxWidth: number): string {
  if (displayWidth(text) <= maxWidth) return text;
  let out = "";
  let width = 0;
  for (const char of text) {
    const w = charWidth(char.codePointAt(0)!);
    if (width + w > maxWidth - 1) break;
    out += char;
    width += w;
  }
  return out + ELLIPSIS;
}

function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char.codePointAt(0)!);
  return width;
}

/** Wide (two-column) ranges: CJK, Hangul, fullwidth forms and the common emoji blocks. */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\ufe00-\ufe0f]$/u;

function charWidth(codePoint: number): number {
  if (ZERO_WIDTH.test(String.fromCodePoint(codePoint))) return 0;
  for (const [low, high] of WIDE_RANGES) {
    if (codePoint >= low && codePoint <= high) return 2;
  }
  return 1;
}
