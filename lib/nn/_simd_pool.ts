/**
 * One helper thread for the SIMD kernels, so that a large selective scan runs on two cores:
 * the caller runs half of the batch while the helper runs the other half on the same shared
 * WebAssembly memory. Created lazily on the first large call; it never keeps the process
 * alive (unref'd) and {@linkcode disposeSimdHelper} stops it (tests that start it must call
 * it). Requests and completion go through `Atomics` on shared control words, so a call blocks
 * for microseconds, not for an event-loop turn. When the helper cannot start (no workers, no
 * shared memory), callers run both halves themselves; the arithmetic is the same either way.
 *
 * @module
 */

import { Worker } from "node:worker_threads";

/** Words before the arguments: request, done, failed, function, argument count. */
const HEADER = 5;
const MAX_ARGS = 32;
/** How long a start may take before the helper is given up (ms). */
const START_TIMEOUT = 10_000;

interface Helper {
  worker: Worker;
  control: Int32Array;
  names: string[];
  request: number;
}

let helper: Helper | null = null;
/** Set once starting failed: later calls stay on one thread. */
let unavailable = false;

/**
 * The running helper for the module `bytes` on `memory` with exports `names`, started on the
 * first call; null when one cannot be started.
 */
export function simdHelper(
  bytes: Uint8Array,
  memory: WebAssembly.Memory,
  names: string[],
): Helper | null {
  if (helper !== null || unavailable) return helper;
  try {
    const control = new Int32Array(new SharedArrayBuffer(4 * (HEADER + MAX_ARGS)));
    control[1] = -1;
    const worker = new Worker(new URL("./_simd_worker.ts", import.meta.url));
    worker.unref();
    worker.postMessage({ bytes, memory, control: control.buffer, names });
    if (Atomics.wait(control, 1, -1, START_TIMEOUT) === "timed-out") {
      void worker.terminate();
      unavailable = true;
      return null;
    }
    helper = { worker, control, names, request: 0 };
  } catch {
    unavailable = true;
  }
  return helper;
}

/** Starts `name(...args)` on the helper; {@linkcode finishOnHelper} waits for it. */
export function startOnHelper(h: Helper, name: string, args: number[]): void {
  const { control } = h;
  control[3] = h.names.indexOf(name);
  control[4] = args.length;
  control.set(args, HEADER);
  h.request++;
  Atomics.store(control, 0, h.request);
  Atomics.notify(control, 0);
}

/** Waits for the helper's current call. @throws {Error} when the kernel call failed there. */
export function finishOnHelper(h: Helper): void {
  const { control } = h;
  let done = Atomics.load(control, 1);
  while (done !== h.request) {
    Atomics.wait(control, 1, done);
    done = Atomics.load(control, 1);
  }
  if (Atomics.exchange(control, 2, 0) !== 0) {
    throw new Error("Cannot run a SIMD kernel on the helper thread: the call failed there");
  }
}

/** Whether a helper thread runs now. */
export function simdHelperRunning(): boolean {
  return helper !== null;
}

/**
 * Stops the helper thread, if one runs; the next large call starts a new one. Tests that make
 * a large enough call (or lower the threshold) call this at their end.
 */
export function disposeSimdHelper(): void {
  if (helper === null) return;
  Atomics.store(helper.control, 0, -1);
  Atomics.notify(helper.control, 0);
  void helper.worker.terminate();
  helper = null;
}
