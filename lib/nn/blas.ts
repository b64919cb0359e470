/**
 * A native single-precision GEMM found through Deno FFI: OpenBLAS on Linux (Debian's
 * `libopenblas0-pthread` included), Accelerate on macOS, or any library exporting `cblas_sgemm`
 * named by the `ANDIFLOW_BLAS` environment variable.
 *
 * @module
 */

/** Row-major CBLAS constants. */
const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
} as const;

const OPENBLAS_SYMBOLS = {
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
  openblas_get_num_threads: { parameters: [], result: "i32", optional: true },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
} as const;

/** Where the library was looked for, in order, when `ANDIFLOW_BLAS` is unset. */
export const BLAS_CANDIDATES: readonly string[] = [
  "libopenblas.so.0",
  "libopenblas.so",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "/usr/lib64/libopenblas.so.0",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/usr/local/opt/openblas/lib/libopenblas.dylib",
  "/System/Library/Frameworks/Accelerate.framework/Accelerate",
];

/** A loaded BLAS library. All matrices are row-major Float32Arrays. */
export interface Blas {
  /** The file the library was loaded from. */
  readonly path: string;
  /** A one-line description for run records, e.g. `OpenBLAS 0.3.21 ... (2 threads)`. */
  readonly description: string;
  /**
   * C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C, row-major. `lda`, `ldb` and
   * `ldc` default to the packed row lengths. Subarrays are passed at their byte offset.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    options?: SgemmOptions,
  ): void;
}

/** Scalars, leading dimensions and threading of one {@linkcode Blas.sgemm} call. */
export interface SgemmOptions {
  /** Scale of op(A) op(B). @default {1} */
  alpha?: number;
  /** Scale of the old C added to the product (0: C is only written). @default {0} */
  beta?: number;
  /** Row length of A as stored. @default {packed} */
  lda?: number;
  /** Row length of B as stored. @default {packed} */
  ldb?: number;
  /** Row length of C as stored. @default {packed} */
  ldc?: number;
  /**
   * Threads for this call only (a positive integer), where the library can set them
   * (OpenBLAS; elsewhere ignored); the library's own count is restored after. Small products
   * run faster on one thread: splitting them costs more in synchronisation than it saves.
   * @default {the library's count}
   */
  threads?: number;
}

let cached: { blas: Blas | null; problems: string[] } | undefined;

/**
 * Opens the native BLAS once per process and returns it, or `null` with the reasons each
 * candidate failed. `ANDIFLOW_BLAS` names the library file; when set, only that file is tried.
 *
 * @example
 * ```ts
 * import { findBlas } from "./blas.ts";
 * const { blas } = findBlas();
 * if (blas) {
 *   const c = new Float32Array(1);
 *   blas.sgemm(false, false, 1, 1, 2, new Float32Array([1, 2]), new Float32Array([3, 4]), c);
 *   if (c[0] !== 11) throw new Error("sgemm");
 * }
 * ```
 */
export function findBlas(): { blas: Blas | null; problems: string[] } {
  if (cached) return cached;
  const named = Deno.env.get("ANDIFLOW_BLAS");
  const candidates = named ? [named] : BLAS_CANDIDATES;
  const problems: string[] = [];
  for (const path of candidates) {
    try {
      cached = { blas: openBlas(path), problems };
      return cached;
    } catch (error) {
      problems.push(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  cached = { blas: null, problems };
  return cached;
}

/**
 * Opens the BLAS library at `path` (a file name the dynamic loader resolves, or a full path).
 *
 * @throws {Error} when the library cannot be opened or lacks `cblas_sgemm`.
 */
export function openBlas(path: string): Blas {
  const library = Deno.dlopen(path, SYMBOLS);
  let extras: Deno.DynamicLibrary<typeof OPENBLAS_SYMBOLS>["symbols"] | undefined;
  try {
    extras = Deno.dlopen(path, OPENBLAS_SYMBOLS).symbols;
  } catch {
    extras = undefined;
  }
  const gemm = library.symbols.cblas_sgemm;
  let description = path.includes("Accelerate") ? "Accelerate" : path;
  if (extras?.openblas_get_config) {
    const pointer = extras.openblas_get_config();
    if (pointer) description = new Deno.UnsafePointerView(pointer).getCString();
    const threads = extras.openblas_get_num_threads?.();
    if (threads) description += ` (${threads} threads)`;
  }
  const setThreads = extras?.openblas_set_num_threads ?? null;
  const ownThreads = extras?.openblas_get_num_threads?.() ?? 0;
  return {
    path,
    description,
    sgemm(transA, transB, m, n, k, a, b, c, options = {}) {
      const lda = options.lda ?? (transA ? m : k);
      const ldb = options.ldb ?? (transB ? k : n);
      const ldc = options.ldc ?? n;
      if (m === 0 || n === 0) return;
      const threads = options.threads;
      if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
        throw new RangeError(
          `Cannot run sgemm: threads must be a positive integer, got ${threads}; leave it out ` +
            `for the library's own count`,
        );
      }
      const switched = setThreads !== null && threads !== undefined && ownThreads > 0 &&
        threads !== ownThreads;
      if (switched) setThreads(threads);
      gemm(
        CBLAS_ROW_MAJOR,
        transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
        transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
        m,
        n,
        k,
        options.alpha ?? 1,
        a,
        lda,
        b,
        ldb,
        options.beta ?? 0,
        c,
        ldc,
      );
      if (switched) setThreads(ownThreads);
    },
  };
}

/**
 * The BLAS `sgemm` contract in JavaScript (row-major, leading dimensions, alpha and beta), for
 * machines without a native BLAS and for the plain `cpu` backend.
 *
 * @example
 * ```ts
 * import { javascriptSgemm } from "./blas.ts";
 * const c = new Float32Array(1);
 * javascriptSgemm(false, false, 1, 1, 2, new Float32Array([1, 2]), new Float32Array([3, 4]), c);
 * if (c[0] !== 11) throw new Error("sgemm");
 * ```
 */
export function javascriptSgemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  options: SgemmOptions = {},
): void {
  const {
    alpha = 1,
    beta = 0,
    lda = transA ? m : k,
    ldb = transB ? k : n,
    ldc = n,
  } = options;
  for (let i = 0; i < m; i++) {
    const row = i * ldc;
    for (let j = 0; j < n; j++) c[row + j] = beta === 0 ? 0 : beta * c[row + j];
    for (let p = 0; p < k; p++) {
      const scale = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
      if (scale === 0) continue;
      if (transB) {
        for (let j = 0; j < n; j++) c[row + j] += scale * b[j * ldb + p];
      } else {
        const offset = p * ldb;
        for (let j = 0; j < n; j++) c[row + j] += scale * b[offset + j];
      }
    }
  }
}
