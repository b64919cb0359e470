/**
 * The checks of `importTracks()` that look at the data, run as SQL on the tables it builds;
 * each names the file, data row (1-based, header not counted) or track and frame, the column,
 * and the fix.
 *
 * @module
 */

import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * Checks table `raw` (the file as read): `traj_id` is never empty, and each of the `numeric`
 * columns holds finite numbers (whole ones for `t` and `state`); throws for the first bad value
 * of the first column that has one, in file order.
 *
 * @param where the start of error messages (`Cannot import tracks "<path>"`)
 * @throws {SyntaxError} for an empty or unparseable value; {@linkcode RangeError} for NaN, Inf
 *   or a fractional frame or state
 */
export async function checkValues(
  connection: DuckDBConnection,
  where: string,
  numeric: string[],
): Promise<void> {
  const empty = await connection.runAndReadAll(
    "SELECT rowid + 1 AS row FROM raw WHERE traj_id IS NULL ORDER BY rowid LIMIT 1",
  );
  if (empty.currentRowCount > 0) {
    throw new SyntaxError(
      `${where}: data row ${
        empty.getRowObjectsJS()[0].row
      } column "traj_id" is empty; give every row its track's id`,
    );
  }
  for (const name of numeric) {
    const column = quote(name);
    const whole = name === "t" || name === "state";
    const reader = await connection.runAndReadAll(
      `SELECT rowid + 1 AS row, CAST(${column} AS VARCHAR) AS text, TRY_CAST(${column} AS DOUBLE) AS value
       FROM raw
       WHERE TRY_CAST(${column} AS DOUBLE) IS NULL OR NOT isfinite(TRY_CAST(${column} AS DOUBLE))
         ${whole ? `OR TRY_CAST(${column} AS DOUBLE) <> round(TRY_CAST(${column} AS DOUBLE))` : ""}
       ORDER BY rowid LIMIT 1`,
    );
    if (reader.currentRowCount === 0) continue;
    const { row, text, value } = reader.getRowObjectsJS()[0] as {
      row: bigint;
      text: string | null;
      value: number | null;
    };
    const at = `${where}: data row ${row} column "${name}"`;
    if (text === null) {
      throw new SyntaxError(`${at} is empty; fill in the value or remove the row`);
    }
    if (value === null) {
      throw new SyntaxError(
        `${at} is not a number, got "${text}"; fix the value or remove the row`,
      );
    }
    if (!Number.isFinite(value)) {
      throw new RangeError(`${at} is not finite, got "${text}"; fix the value or remove the row`);
    }
    throw new RangeError(
      name === "t"
        ? `${at} is ${text}, not a whole frame number; t counts frames (0, 1, 2, ...), so divide times by the frame interval`
        : `${at} is ${text}, not a whole state code; use integer codes (0 immobile, 1 confined, 2 free, 3 directed)`,
    );
  }
}

/** Each frame beside the one before it in its track, in file order. */
const FRAME_PAIRS = `SELECT CAST(traj_key AS VARCHAR) AS id, t, previous_t, row, previous_row FROM (
  SELECT traj_key, t, row, lag(t) OVER track AS previous_t, lag(row) OVER track AS previous_row
  FROM frames WINDOW track AS (PARTITION BY traj_key ORDER BY row))`;

/**
 * Checks tables `frames` (typed rows with `traj_key`, `t`, `row`) and `tracks` (`traj_key`,
 * `length`, `first_row`): no frame twice in a track, frames in increasing order, no gaps, and
 * no track shorter than `minLength`.
 *
 * @throws {RangeError} naming the track, frames and data rows of the first problem
 */
export async function checkFrames(
  connection: DuckDBConnection,
  where: string,
  minLength: number,
): Promise<void> {
  // Duplicates first, then order, then gaps: a swapped pair of rows reads as "goes back", not
  // as a gap, and a repeated frame anywhere in a track as a duplicate.
  const checks: [string, (found: Record<string, unknown>) => string][] = [
    [
      `SELECT CAST(traj_key AS VARCHAR) AS id, t, row, previous_row FROM (
         SELECT traj_key, t, row, lag(row) OVER (PARTITION BY traj_key, t ORDER BY row) AS previous_row
         FROM frames) WHERE previous_row IS NOT NULL ORDER BY row LIMIT 1`,
      ({ id, t, row, previous_row }) =>
        `traj_id ${id} has frame t = ${t} twice (data rows ${previous_row} and ${row}); remove the duplicate row`,
    ],
    [
      `${FRAME_PAIRS} WHERE t < previous_t ORDER BY row LIMIT 1`,
      ({ id, t, previous_t, row, previous_row }) =>
        `traj_id ${id} goes back from t = ${previous_t} to t = ${t} (data rows ${previous_row} and ${row}); sort the rows of each track by t`,
    ],
    [
      `${FRAME_PAIRS} WHERE t > previous_t + 1 ORDER BY row LIMIT 1`,
      ({ id, t, previous_t, row, previous_row }) =>
        `traj_id ${id} skips from t = ${previous_t} to t = ${t} (data rows ${previous_row} and ${row}); positions are stored one per frame, so fill in the missing frames or split the track`,
    ],
  ];
  for (const [sql, describe] of checks) {
    const found = await connection.runAndReadAll(sql);
    if (found.currentRowCount > 0) {
      throw new RangeError(`${where}: ${describe(found.getRowObjectsJS()[0])}`);
    }
  }
  const short = await connection.runAndReadAll(
    `SELECT CAST(traj_key AS VARCHAR) AS id, length, first_row,
            (SELECT count(*) FROM tracks WHERE length < $1) AS short, (SELECT count(*) FROM tracks) AS total
     FROM tracks WHERE length < $1 ORDER BY first_row LIMIT 1`,
    [minLength],
  );
  if (short.currentRowCount > 0) {
    const { id, length, first_row, short: count, total } = short.getRowObjectsJS()[0];
    throw new RangeError(
      `${where}: traj_id ${id} (from data row ${first_row}) has ${length} frame${
        length === 1n ? "" : "s"
      }, fewer than min_length ${minLength} (${count} of ${total} tracks are that short); drop short tracks from the file or lower min_length`,
    );
  }
}

/** A quoted SQL identifier: column names come from the user's file and cannot be bound. */
export function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
