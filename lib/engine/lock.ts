/**
 * The writer lock: one process at a time runs pipelines or collects garbage in a state directory.
 * It is an OS file lock (`flock`), so the kernel releases it when its holder dies, SIGKILL
 * included: a killed run never needs manual unlocking. Who holds it is written beside it, for the
 * message a waiting process prints.
 *
 * @module
 */

import { join } from "node:path";
import { hostname } from "node:os";

/** Who holds the lock. */
export interface LockHolder {
  /** Process id. */
  pid: number;
  /** Host name. */
  host: string;
  /** The command line. */
  command: string;
  /** ISO time it was taken. */
  since: string;
  /** The run it belongs to, once known. */
  runId?: string;
}

/** A held lock; release it when done (also released when the process exits). */
export interface WriterLock {
  /** Records the run id in the holder file. */
  setRun(runId: string): Promise<void>;
  /** Releases the lock. */
  release(): void;
}

/** Options of {@linkcode acquireWriterLock}. */
export interface LockOptions {
  /** Fail at once instead of waiting when another process holds the lock. @default {false} */
  noWait?: boolean;
  /** Called once, when the lock is found held and the caller is about to wait. */
  onWait?: (holder: LockHolder | null) => void;
  /** Command line to record. @default {"andiflow"} */
  command?: string;
}

/** Raised with `noWait` when another process holds the lock. */
export class LockBusyError extends Error {
  /** Who holds it, when that could be read. */
  holder: LockHolder | null;
  constructor(message: string, holder: LockHolder | null) {
    super(message);
    this.name = "LockBusyError";
    this.holder = holder;
  }
}

/**
 * Takes the writer lock of a state directory, waiting for it unless `noWait`.
 *
 * @throws {LockBusyError} with `noWait` when another process holds it
 */
export async function acquireWriterLock(
  state: string,
  options: LockOptions = {},
): Promise<WriterLock> {
  const { noWait = false, onWait, command = "andiflow" } = options;
  await Deno.mkdir(state, { recursive: true });
  const file = await Deno.open(join(state, "writer.lock"), {
    read: true,
    write: true,
    create: true,
  });
  // Deno has no non-blocking flock; racing the blocking call against a short timer tells
  // whether someone else holds it without giving up our place in the queue.
  const locked = file.lock(true).then(() => true);
  const immediate = await Promise.race([locked, delay(150).then(() => false)]);
  if (!immediate) {
    const holder = await readLockHolder(state);
    if (noWait) {
      file.close();
      throw new LockBusyError(
        `Cannot take the writer lock of ${state}: ${describeHolder(holder)}; wait for it to ` +
          `finish or run without --no-wait to queue`,
        holder,
      );
    }
    onWait?.(holder);
    await locked;
  }
  const holder: LockHolder = {
    pid: Deno.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
  };
  const holderPath = join(state, "writer.lock.json");
  await Deno.writeTextFile(holderPath, JSON.stringify(holder));
  return {
    async setRun(runId: string) {
      holder.runId = runId;
      await Deno.writeTextFile(holderPath, JSON.stringify(holder));
    },
    release() {
      try {
        Deno.removeSync(holderPath);
      } catch { /* already gone */ }
      file.close();
    },
  };
}

/** Reads who holds (or last held) the lock. */
export async function readLockHolder(state: string): Promise<LockHolder | null> {
  try {
    return JSON.parse(await Deno.readTextFile(join(state, "writer.lock.json")));
  } catch {
    return null;
  }
}

/** "held by pid 123 on host (andiflow run demo, since ...)". */
export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return "another process holds it";
  return `held by pid ${holder.pid} on ${holder.host} (${holder.command}${
    holder.runId ? `, run ${holder.runId}` : ""
  }, since ${holder.since})`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    Deno.unrefTimer(timer);
  });
}
