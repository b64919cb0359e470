/**
 * Why a step is stale: the first difference between the identity it last ran with and the one it
 * would run with now, said in the user's terms (a parameter, a file, an upstream step).
 *
 * @module
 */

import { canonicalJson } from "./_hash.ts";
import type { StepIdentity } from "./cache.ts";

/**
 * Names the first difference between two step identities, in the order a user would look:
 * task, parameters, seed, code, packages, inputs, runtime.
 *
 * @param previous the identity the step last ran with (undefined when it never ran)
 * @param current the identity it would run with now
 * @param upstreamOf input name -> upstream step name, to say which step changed
 * @returns a short reason, e.g. ``parameter `epochs` 5 -> 10``
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { explainChange } from "./explain.ts";
 * const base = { task: "fit", version: 1, params: { epochs: 5 }, seed: 0, stream: "fit",
 *   code: { files: {}, packages: [] }, inputs: {}, files: {}, runtime: {} };
 * equal(explainChange(base, { ...base, params: { epochs: 10 } }, {}), "parameter `epochs` 5 -> 10");
 * ```
 */
export function explainChange(
  previous: StepIdentity | undefined,
  current: StepIdentity,
  upstreamOf: Record<string, string>,
): string {
  if (!previous) return "never run";
  if (previous.task !== current.task) return `task \`${previous.task}\` -> \`${current.task}\``;
  if (previous.version !== current.version) {
    return `task version ${previous.version} -> ${current.version}`;
  }
  const params = new Set([...Object.keys(previous.params), ...Object.keys(current.params)]);
  for (const name of [...params].sort()) {
    const before = previous.params[name];
    const after = current.params[name];
    if (canonicalJson(before) !== canonicalJson(after)) {
      return `parameter \`${name}\` ${show(before)} -> ${show(after)}`;
    }
  }
  for (const param of Object.keys(current.files ?? {}).sort()) {
    if (previous.files?.[param] !== current.files[param]) {
      return `input file \`${current.params[param]}\` changed`;
    }
  }
  if (previous.seed !== current.seed) return `seed ${previous.seed} -> ${current.seed}`;
  if (previous.stream !== current.stream) {
    return `step renamed \`${previous.stream}\` -> \`${current.stream}\``;
  }
  const files = new Set([...Object.keys(previous.code.files), ...Object.keys(current.code.files)]);
  for (const file of [...files].sort()) {
    const before = previous.code.files[file];
    const after = current.code.files[file];
    if (before === after) continue;
    if (before === undefined) return `code \`${file}\` now imported`;
    if (after === undefined) return `code \`${file}\` no longer imported`;
    return `code \`${file}\` changed`;
  }
  if (canonicalJson(previous.code.packages) !== canonicalJson(current.code.packages)) {
    const added = current.code.packages.find((name) => !previous.code.packages.includes(name));
    return added ? `package \`${added}\` changed` : "packages changed";
  }
  const inputs = new Set([...Object.keys(previous.inputs), ...Object.keys(current.inputs)]);
  for (const input of [...inputs].sort()) {
    if (previous.inputs[input] !== current.inputs[input]) {
      return upstreamOf[input]
        ? `upstream \`${upstreamOf[input]}\` changed`
        : `input \`${input}\` changed`;
    }
  }
  const facts = new Set([...Object.keys(previous.runtime), ...Object.keys(current.runtime)]);
  for (const fact of [...facts].sort()) {
    if (previous.runtime[fact] !== current.runtime[fact]) {
      return `runtime \`${fact}\` ${previous.runtime[fact] ?? "unset"} -> ${
        current.runtime[fact] ?? "unset"
      }`;
    }
  }
  return "cached result missing";
}

function show(value: unknown): string {
  return value === undefined
    ? "unset"
    : typeof value === "string"
    ? `"${value}"`
    : canonicalJson(value);
}
