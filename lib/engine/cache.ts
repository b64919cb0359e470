/**
 * The artefact cache: content-addressed objects and step records under the state directory.
 *
 * ```
 * <state>/objects/ab/ab12…/   one artefact directory, named by the hash of its content, read-only
 * <state>/steps/<key>.json    step record: what went into a step (its key) and what came out
 * <state>/work/<key>/         checkpoints of an unfinished step; kept across kills
 * <state>/tmp/                staging; emptied when a run starts
 * <state>/index/<pipeline>.json  the last key of each step, to explain why a step is stale
 * ```
 *
 * A step's outputs are written into staging, hashed and renamed into `objects/` (a rename is
 * atomic), and only then is its record written (also by rename). A kill at any point leaves either
 * no record (the step re-runs) or a complete one; never a half-written artefact under a hash.
 *
 * @module
 */

import { join, relative } from "node:path";
import { canonicalJson, sha256 } from "./_hash.ts";
import { pathExists } from "../io/path_exists.ts";
import type { CodeFingerprint } from "./fingerprint.ts";
import type { ParamValue } from "./params.ts";

/** One stored artefact. */
export interface ArtefactRecord {
  /** SHA-256 over the sorted (path, size, file hash) list of its files. */
  hash: string;
  /** Declared kind (`dataset`, `model`, `figure`, ...). */
  kind: string;
  /** Total bytes. */
  bytes: number;
  /** Number of files. */
  files: number;
}

/** A metric value recorded by a step. */
export interface MetricRecord {
  /** Metric name. */
  name: string;
  /** Index in the series. */
  step: number;
  /** The value (may be NaN). */
  value: number;
}

/** Everything that determines a step's result; its canonical JSON hashes to the step key. */
export interface StepIdentity {
  /** Task name. */
  task: string;
  /** Task version. */
  version: number;
  /** Resolved parameters. */
  params: Record<string, ParamValue>;
  /** Run seed, or null for unseeded tasks. */
  seed: number | null;
  /** The step name, because it names the random stream. */
  stream: string | null;
  /** Code fingerprint of the task module. */
  code: CodeFingerprint;
  /** Input name -> artefact hash. */
  inputs: Record<string, string>;
  /** File parameter -> SHA-256 of the file's content ("missing" when it does not exist). */
  files: Record<string, string>;
  /** Runtime facts that change results. */
  runtime: Record<string, string>;
}

/** A completed step: its identity, its outputs and its metrics. */
export interface StepRecord extends StepIdentity {
  /** The step key. */
  key: string;
  /** Output name -> artefact. */
  outputs: Record<string, ArtefactRecord>;
  /** Metric values recorded while it ran. */
  metrics: MetricRecord[];
  /** ISO time the task started. */
  startedAt: string;
  /** Seconds the task ran. */
  durationS: number;
}

/** Computes the cache key of a step from its identity. */
export function stepKey(identity: StepIdentity): string {
  return sha256(canonicalJson(identity));
}

/** Paths of the cache under one state directory. */
export function cachePaths(state: string): {
  objects: string;
  steps: string;
  work: string;
  tmp: string;
  index: string;
} {
  return {
    objects: join(state, "objects"),
    steps: join(state, "steps"),
    work: join(state, "work"),
    tmp: join(state, "tmp"),
    index: join(state, "index"),
  };
}

/** Where an artefact with this hash lives. */
export function objectPath(state: string, hash: string): string {
  return join(cachePaths(state).objects, hash.slice(0, 2), hash);
}

/**
 * Hashes a directory's content: every file's relative path, size and SHA-256, sorted by path.
 *
 * @throws {TypeError} when it holds a symbolic link (its target would not be captured)
 */
export async function hashDirectory(
  directory: string,
): Promise<{ hash: string; bytes: number; files: number }> {
  const entries: string[] = [];
  let bytes = 0;
  for (const path of await listFiles(directory)) {
    const content = await Deno.readFile(join(directory, path));
    bytes += content.byteLength;
    entries.push(`${path}\0${content.byteLength}\0${sha256(content)}`);
  }
  return { hash: sha256(entries.join("\n")), bytes, files: entries.length };
}

async function listFiles(directory: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  const names: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(join(directory, prefix))) names.push(entry);
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of names) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isSymlink) {
      throw new TypeError(
        `Cannot store artefact: "${path}" is a symbolic link; write the file itself instead`,
      );
    }
    if (entry.isDirectory) files.push(...await listFiles(directory, path));
    else files.push(path);
  }
  return files;
}

/**
 * Moves a finished staging directory into the object store under its content hash. An object with
 * the same hash already there is kept (same bytes) and the staging copy is dropped.
 */
export async function commitArtefact(
  state: string,
  staging: string,
  kind: string,
): Promise<ArtefactRecord> {
  const { hash, bytes, files } = await hashDirectory(staging);
  const target = objectPath(state, hash);
  await Deno.mkdir(join(target, ".."), { recursive: true });
  if (await pathExists(target)) {
    await Deno.remove(staging, { recursive: true });
  } else {
    await makeReadOnly(staging);
    await Deno.rename(staging, target);
  }
  return { hash, kind, bytes, files };
}

// Artefacts are shared by every run that restores them; read-only files stop a task from
// editing an input in place and silently changing another run's results.
async function makeReadOnly(directory: string): Promise<void> {
  if (Deno.build.os === "windows") return;
  for (const path of await listFiles(directory)) await Deno.chmod(join(directory, path), 0o444);
}

/** Writes a file by writing a sibling and renaming it over the target. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  const staging = `${path}.${crypto.randomUUID()}.partial`;
  await Deno.writeTextFile(staging, text);
  await Deno.rename(staging, path);
}

/** Stores a step record. */
export async function writeStepRecord(state: string, record: StepRecord): Promise<void> {
  await writeFileAtomic(
    join(cachePaths(state).steps, `${record.key}.json`),
    JSON.stringify(record, null, 1),
  );
}

/** Result of {@linkcode readStepRecord}. */
export type RecordLookup =
  | { status: "hit"; record: StepRecord }
  | { status: "missing" }
  | { status: "corrupt"; problem: string };

/**
 * Reads a step record and checks that each of its artefacts is still in the object store.
 * A record that cannot be parsed, or whose artefacts are gone, is reported as corrupt so the step
 * re-runs (the caller deletes it).
 */
export async function readStepRecord(state: string, key: string): Promise<RecordLookup> {
  const path = join(cachePaths(state).steps, `${key}.json`);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { status: "missing" };
    throw error;
  }
  let record: StepRecord;
  try {
    record = JSON.parse(text);
  } catch (error) {
    return {
      status: "corrupt",
      problem: `record ${path} is not JSON (${(error as Error).message})`,
    };
  }
  // `record?.` and the null and hash checks: valid JSON of the wrong form (null, outputs null, an
  // output without a hash) is corrupt too, not a TypeError that stops the run.
  if (record?.key !== key || typeof record.outputs !== "object" || record.outputs === null) {
    return { status: "corrupt", problem: `record ${path} does not describe key ${key}` };
  }
  for (const [name, artefact] of Object.entries(record.outputs)) {
    if (
      typeof artefact?.hash !== "string" || !(await pathExists(objectPath(state, artefact.hash)))
    ) {
      return { status: "corrupt", problem: `artefact "${name}" (${artefact?.hash}) is gone` };
    }
  }
  return { status: "hit", record };
}

/** Deletes a step record (a corrupt one, before re-running). */
export async function deleteStepRecord(state: string, key: string): Promise<void> {
  await Deno.remove(join(cachePaths(state).steps, `${key}.json`)).catch(() => {});
}

/** The last key of each step of a pipeline. */
export async function readIndex(state: string, pipeline: string): Promise<Record<string, string>> {
  try {
    return JSON.parse(
      await Deno.readTextFile(join(cachePaths(state).index, `${pipeline}.json`)),
    );
  } catch {
    return {};
  }
}

/** Records that `step` of `pipeline` last ran (or was restored) with `key`. */
export async function updateIndex(
  state: string,
  pipeline: string,
  step: string,
  key: string,
): Promise<void> {
  const index = await readIndex(state, pipeline);
  index[step] = key;
  await writeFileAtomic(join(cachePaths(state).index, `${pipeline}.json`), canonicalJson(index));
}

/** What {@linkcode collectGarbage} removed or would remove. */
export interface GarbageReport {
  /** Artefact directories. */
  objects: string[];
  /** Step records. */
  records: string[];
  /** Checkpoint directories. */
  work: string[];
  /** Bytes freed. */
  bytes: number;
}

/**
 * Deletes every step record whose key is not in `keepKeys`, every artefact no kept record
 * references, and every checkpoint directory of an unkept key.
 */
export async function collectGarbage(
  state: string,
  keepKeys: Set<string>,
  options: { dryRun?: boolean } = {},
): Promise<GarbageReport> {
  const paths = cachePaths(state);
  const report: GarbageReport = { objects: [], records: [], work: [], bytes: 0 };
  const keepHashes = new Set<string>();
  for (const entry of await readDirSafe(paths.steps)) {
    const key = entry.replace(/\.json$/, "");
    const path = join(paths.steps, entry);
    if (keepKeys.has(key)) {
      const lookup = await readStepRecord(state, key);
      if (lookup.status === "hit") {
        for (const artefact of Object.values(lookup.record.outputs)) keepHashes.add(artefact.hash);
        continue;
      }
    }
    report.records.push(relative(state, path));
    if (!options.dryRun) await Deno.remove(path);
  }
  for (const prefix of await readDirSafe(paths.objects)) {
    for (const hash of await readDirSafe(join(paths.objects, prefix))) {
      if (keepHashes.has(hash)) continue;
      const path = join(paths.objects, prefix, hash);
      report.bytes += (await hashDirectory(path).catch(() => ({ bytes: 0 }))).bytes;
      report.objects.push(relative(state, path));
      if (!options.dryRun) await removeTree(path);
    }
  }
  for (const key of await readDirSafe(paths.work)) {
    if (keepKeys.has(key)) continue;
    report.work.push(relative(state, join(paths.work, key)));
    if (!options.dryRun) await removeTree(join(paths.work, key));
  }
  return report;
}

async function removeTree(path: string): Promise<void> {
  if (Deno.build.os !== "windows") {
    // Read-only files need write permission back before some filesystems allow removal.
    for (const file of await listFiles(path).catch(() => [])) {
      await Deno.chmod(join(path, file), 0o644).catch(() => {});
    }
  }
  await Deno.remove(path, { recursive: true });
}

async function readDirSafe(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}
