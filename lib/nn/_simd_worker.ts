/**
 * The helper thread of `_simd_pool.ts`: instantiates the SIMD kernels' module on the shared
 * memory it is sent, then runs one kernel call per request written to the control words,
 * blocking in `Atomics.wait` between requests (no event loop, no messages back).
 *
 * Control words (Int32Array over a SharedArrayBuffer): 0 request number (negative: stop),
 * 1 number of the last request finished, 2 failure flag, 3 function index, 4... arguments.
 *
 * @module
 */

import { parentPort } from "node:worker_threads";

/** What the pool sends once, at start. */
interface Start {
  bytes: Uint8Array<ArrayBuffer>;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  names: string[];
}

parentPort?.once("message", (start: Start) => {
  const control = new Int32Array(start.control);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(start.bytes), {
    env: { memory: start.memory },
  });
  const functions = start.names.map((name) =>
    instance.exports[name] as (...args: number[]) => void
  );
  Atomics.store(control, 1, 0);
  Atomics.notify(control, 1);
  let last = 0;
  while (true) {
    Atomics.wait(control, 0, last);
    const request = Atomics.load(control, 0);
    if (request < 0) break;
    try {
      const count = control[4];
      const args = Array.from(control.subarray(5, 5 + count));
      functions[control[3]](...args);
    } catch {
      Atomics.store(control, 2, 1);
    }
    last = request;
    Atomics.store(control, 1, request);
    Atomics.notify(control, 1);
  }
});
