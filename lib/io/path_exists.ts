/**
 * Whether a path exists, without following a final symbolic link; other errors (permissions)
 * are thrown rather than read as "missing".
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { pathExists } from "./path_exists.ts";
 * equal(await pathExists("/definitely/not/here"), false);
 * ```
 *
 * @module
 */

/** True when something exists at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
