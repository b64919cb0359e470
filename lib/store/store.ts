/**
 * The run store: one DuckDB file with every run, step, parameter, metric and artefact.
 *
 * DuckDB lets one process hold a database file for writing and then blocks every other process,
 * read-only ones included. So no process holds it for long: each write opens the file, commits
 * one short transaction and closes it again, and readers (`query`, `status`) open it read-only
 * between those writes, retrying while a write is in flight. A long run therefore never blocks a
 * query for more than a few milliseconds.
 *
 * @module
 */

import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { SCHEMA } from "./schema.ts";

/** Rows of a query with their column names. */
export interface QueryResult {
  /** Column names in order. */
  columns: string[];
  /** Row values, as the DuckDB client gives them. */
  rows: DuckDBValue[][];
}

/** A connection held for one short transaction or one read. */
export interface StoreSession {
  /** Runs a statement with bound values. */
  exec(sql: string, values?: DuckDBValue[]): Promise<void>;
  /** Runs a query and returns rows as plain JS objects. */
  objects<T = Record<string, unknown>>(sql: string, values?: DuckDBValue[]): Promise<T[]>;
  /** Runs a query and returns its columns and raw rows. */
  rows(sql: string, values?: DuckDBValue[]): Promise<QueryResult>;
  /** Inserts many rows into a table with one statement per chunk. */
  insertMany(table: string, columns: string[], rows: DuckDBValue[][]): Promise<void>;
}

/** Options of {@linkcode withStore}. */
export interface StoreOptions {
  /** Open read-only (readers). @default {false} */
  readOnly?: boolean;
  /** Give up after this long waiting for another process's transaction. @default {60000} */
  timeoutMs?: number;
}

/**
 * Opens the store, runs `work` (in one transaction when writing), and closes the file again.
 *
 * @throws {Error} when the database file does not exist (read-only), or stays locked by another
 *   process for longer than `timeoutMs`
 */
export async function withStore<T>(
  path: string,
  work: (session: StoreSession) => Promise<T>,
  options: StoreOptions = {},
): Promise<T> {
  const { readOnly = false, timeoutMs = 60_000 } = options;
  if (readOnly && !existsSync(path)) {
    throw new Error(
      `Cannot open run store ${path}: no such file; run a pipeline first (deno task run <pipeline>)`,
    );
  }
  if (!readOnly) await Deno.mkdir(dirname(path), { recursive: true });
  const instance = await openWithRetry(path, readOnly, timeoutMs);
  const connection = await instance.connect();
  try {
    const session = sessionOf(connection);
    if (readOnly) return await work(session);
    await migrate(session);
    await connection.run("BEGIN TRANSACTION");
    try {
      const result = await work(session);
      await connection.run("COMMIT");
      return result;
    } catch (error) {
      await connection.run("ROLLBACK").catch(() => {});
      throw error;
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function openWithRetry(
  path: string,
  readOnly: boolean,
  timeoutMs: number,
): Promise<DuckDBInstance> {
  const deadline = performance.now() + timeoutMs;
  let wait = 5;
  while (true) {
    try {
      return await DuckDBInstance.create(path, readOnly ? { access_mode: "READ_ONLY" } : {});
    } catch (error) {
      const message = (error as Error).message;
      const locked = /Could not set lock|Conflicting lock/i.test(message);
      if (!locked || performance.now() > deadline) {
        throw new Error(`Cannot open run store ${path}: ${message.split("\n")[0]}`, {
          cause: error,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 100);
    }
  }
}

function sessionOf(connection: DuckDBConnection): StoreSession {
  return {
    async exec(sql, values) {
      await connection.run(sql, values);
    },
    async objects<T>(sql: string, values?: DuckDBValue[]) {
      const reader = await connection.runAndReadAll(sql, values);
      return reader.getRowObjectsJS() as T[];
    },
    async rows(sql, values) {
      const reader = await connection.runAndReadAll(sql, values);
      return { columns: reader.columnNames(), rows: reader.getRows() };
    },
    async insertMany(table, columns, rows) {
      const chunk = Math.max(1, Math.floor(1000 / columns.length));
      const tuple = `(${columns.map(() => "?").join(", ")})`;
      for (let start = 0; start < rows.length; start += chunk) {
        const part = rows.slice(start, start + chunk);
        await connection.run(
          `INSERT OR REPLACE INTO ${table} (${columns.join(", ")}) VALUES ${
            part.map(() => tuple).join(", ")
          }`,
          part.flat(),
        );
      }
    },
  };
}

async function migrate(session: StoreSession): Promise<void> {
  for (const statement of SCHEMA) await session.exec(statement);
}
