/**
 * Picks the TF.js backend at start-up: `tensorflow` when `@tensorflow/tfjs-node-gpu` or
 * `@tensorflow/tfjs-node` is in the import map and loads; else `blas`, TF.js's cpu backend with
 * matrix products and convolutions on a native BLAS found through Deno FFI; else plain `cpu`
 * with a warning that says how to get the fast path. `ANDIFLOW_BACKEND` (or the `prefer`
 * option) forces a choice.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
// The umbrella package's node bundle registers TF.js's gradient functions in the shared
// registry; tfjs-core ships them only as ESM files with extensionless imports Deno cannot load.
import "@tensorflow/tfjs";
import { findBlas } from "./blas.ts";
import { blasKernels } from "./kernels/mod.ts";

/** The backends this project can train on. */
export type BackendName = "tensorflow" | "blas" | "cpu";

/** What {@linkcode selectBackend} picked. */
export interface BackendChoice {
  /** The active TF.js backend. */
  name: BackendName;
  /** The native library behind it: the BLAS description, or the tfjs-node package. */
  library: string;
  /** One line for the user when the fast path is missing; absent otherwise. */
  warning?: string;
}

const BACKEND_NAMES: readonly string[] = ["auto", "tensorflow", "blas", "cpu"];
const TENSORFLOW_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];
const HOW_TO_GET_BLAS =
  "install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0-pthread; macOS ships " +
  "Accelerate) or set ANDIFLOW_BLAS to a library exporting cblas_sgemm";

let active: BackendChoice | undefined;

// PROD silences TF.js's console advice to install tfjs-node on first use of a cpu backend.
tf.env().set("PROD", true);

/**
 * Registers the `blas` backend (a second instance of TF.js's cpu backend whose matrix-product
 * and convolution kernels call the native BLAS) if a BLAS library is found. Returns the BLAS
 * description, or `null` when none was found. Idempotent.
 */
export function registerBlasBackend(): string | null {
  const { blas } = findBlas();
  if (!blas) return null;
  if (tf.findBackendFactory("blas") === null) {
    tf.registerBackend("blas", () => new MathBackendCPU(), 1);
    tf.copyRegisteredKernels("cpu", "blas");
    for (const config of blasKernels(blas)) {
      tf.unregisterKernel(config.kernelName, "blas");
      tf.registerKernel({ ...config, backendName: "blas" });
    }
  }
  return blas.description;
}

/**
 * Chooses and activates the backend once per process; later calls return the same choice
 * unless `prefer` names a different one.
 *
 * @param options.prefer `auto` (default, or `ANDIFLOW_BACKEND`), `tensorflow`, `blas` or `cpu`.
 * @throws {RangeError} when the preference is unknown, or a forced backend is unavailable.
 * @example
 * ```ts
 * import { selectBackend } from "./backend.ts";
 * const choice = await selectBackend({ prefer: "cpu" });
 * if (choice.name !== "cpu") throw new Error("expected cpu");
 * ```
 */
export async function selectBackend(
  options: { prefer?: string } = {},
): Promise<BackendChoice> {
  const prefer = options.prefer ?? Deno.env.get("ANDIFLOW_BACKEND") ?? "auto";
  if (!BACKEND_NAMES.includes(prefer)) {
    throw new RangeError(
      `Cannot select the compute backend: unknown backend, got "${prefer}"; ` +
        `use one of ${BACKEND_NAMES.join(", ")} (option --backend or ANDIFLOW_BACKEND)`,
    );
  }
  if (active && (prefer === "auto" || (prefer === active.name && !active.warning))) {
    if (tf.getBackend() !== active.name) await tf.setBackend(active.name);
    return active;
  }
  active = await activate(prefer as BackendName | "auto");
  return active;
}

async function activate(prefer: BackendName | "auto"): Promise<BackendChoice> {
  if (prefer === "auto" || prefer === "tensorflow") {
    const loaded = await loadTensorflow();
    if (loaded) {
      await tf.setBackend("tensorflow");
      return { name: "tensorflow", library: loaded };
    }
    if (prefer === "tensorflow") {
      throw new RangeError(
        `Cannot select the compute backend: "tensorflow" was asked for but neither ` +
          `${TENSORFLOW_PACKAGES.join(" nor ")} loads; add one with ` +
          `"deno add --allow-scripts npm:@tensorflow/tfjs-node-gpu", or use --backend blas`,
      );
    }
  }
  if (prefer === "auto" || prefer === "blas") {
    const description = registerBlasBackend();
    if (description !== null) {
      await tf.setBackend("blas");
      return { name: "blas", library: description };
    }
    if (prefer === "blas") {
      throw new RangeError(
        `Cannot select the compute backend: "blas" was asked for but no BLAS library loads ` +
          `(${findBlas().problems.join("; ")}); ${HOW_TO_GET_BLAS}`,
      );
    }
  }
  await tf.setBackend("cpu");
  return {
    name: "cpu",
    library: "none",
    warning: prefer === "cpu" ? undefined : `Training runs on TF.js's plain JavaScript cpu ` +
      `backend, about 150x slower than a native BLAS; ${HOW_TO_GET_BLAS}.`,
  };
}

/** Imports tfjs-node(-gpu) only when the user has put it in the import map. */
async function loadTensorflow(): Promise<string | null> {
  for (const name of TENSORFLOW_PACKAGES) {
    try {
      import.meta.resolve(name);
    } catch {
      continue;
    }
    try {
      await import(name);
      if (tf.findBackendFactory("tensorflow") !== null) return name;
    } catch {
      // The package is declared but its native library did not load; fall through to BLAS.
    }
  }
  return null;
}

/**
 * The facts about the active backend that change training results, for run records and cache
 * keys (`Task.runtime`). Selects the backend first if none is active.
 */
export async function backendRuntime(): Promise<Record<string, string>> {
  const choice = await selectBackend();
  return { backend: choice.name, backend_library: choice.library };
}
