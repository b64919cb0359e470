/**
 * Code fingerprints: which local modules a task runs, found with `deno info --json`, and a hash of
 * each. A step's cache key includes the hashes of its task module and every local module that
 * module imports, transitively (type-only imports excluded: they cannot change a result), plus the
 * pinned npm packages it reaches. Editing `lib/sim/fbm.ts` thus re-runs exactly the steps whose
 * tasks import it.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sha256 } from "./_hash.ts";
import { pathExists } from "../io/path_exists.ts";

/** The code a task runs: local files with their hashes, and external packages. */
export interface CodeFingerprint {
  /** Path (relative to the project root when inside it) -> SHA-256 of the file. */
  files: Record<string, string>;
  /** External modules reached (pinned `npm:` specifiers, remote URLs), sorted. */
  packages: string[];
}

interface InfoModule {
  specifier: string;
  error?: string;
  dependencies?: { specifier: string; code?: { specifier?: string } }[];
}

/**
 * Computes the code fingerprint of each task module in one `deno info` call.
 *
 * @param root project root, for relative paths and the `deno.json` import map
 * @param taskFiles absolute paths of task modules
 * @returns task file -> fingerprint
 * @throws {Error} when `deno info` fails or a module cannot be resolved
 */
export async function fingerprintModules(
  root: string,
  taskFiles: string[],
): Promise<Map<string, CodeFingerprint>> {
  const unique = [...new Set(taskFiles)];
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      entry,
      unique.map((file) => `import ${JSON.stringify(pathToFileURL(file).href)};\n`).join(""),
    );
    const args = ["info", "--json"];
    const config = `${root}/deno.json`;
    if (await pathExists(config)) args.push("--config", config);
    args.push(entry);
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) {
      throw new Error(
        `Cannot fingerprint task code: deno info failed: ${
          new TextDecoder().decode(stderr).trim()
        }`,
      );
    }
    const graph = JSON.parse(new TextDecoder().decode(stdout)) as { modules: InfoModule[] };
    const modules = new Map(graph.modules.map((module) => [module.specifier, module]));
    const hashes = new Map<string, string>();
    const result = new Map<string, CodeFingerprint>();
    for (const file of unique) {
      result.set(file, closure(root, pathToFileURL(file).href, modules, hashes));
    }
    return result;
  } finally {
    await Deno.remove(entry).catch(() => {});
  }
}

function closure(
  root: string,
  start: string,
  modules: Map<string, InfoModule>,
  hashes: Map<string, string>,
): CodeFingerprint {
  const files: Record<string, string> = {};
  const packages = new Set<string>();
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const specifier = stack.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    if (!specifier.startsWith("file:")) {
      if (!specifier.startsWith("node:")) packages.add(specifier);
      continue;
    }
    const module = modules.get(specifier);
    if (!module || module.error) {
      throw new Error(
        `Cannot fingerprint task code: module ${specifier} ${module?.error ?? "was not found"}`,
      );
    }
    const path = fileURLToPath(specifier);
    if (!hashes.has(path)) hashes.set(path, sha256(readFileSync(path)));
    files[displayPath(root, path)] = hashes.get(path)!;
    for (const dependency of module.dependencies ?? []) {
      if (dependency.code?.specifier) stack.push(dependency.code.specifier);
    }
  }
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(files).sort()) sorted[key] = files[key];
  return { files: sorted, packages: [...packages].sort() };
}

function displayPath(root: string, path: string): string {
  const inside = relative(root, path);
  return inside.startsWith("..") ? path : inside;
}
