/**
 * The pipeline graph as Mermaid text, for READMEs and notebooks.
 *
 * @module
 */

import type { ResolvedPipeline } from "./load.ts";

/**
 * Renders a resolved pipeline as a Mermaid flowchart: one node per step (name and task), one edge
 * per input, labelled `output -> input`.
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { pipelineMermaid } from "./dag.ts";
 * const text = pipelineMermaid({ name: "p", file: "p.ts", doc: "", preset: null, overrides: [],
 *   publish: {}, steps: [] });
 * ok(text.startsWith("flowchart LR"));
 * ```
 */
export function pipelineMermaid(pipeline: ResolvedPipeline): string {
  const id = (name: string) => `s_${name.replace(/[^\w]/g, "_")}`;
  const lines = ["flowchart LR"];
  for (const step of pipeline.steps) {
    lines.push(`  ${id(step.name)}["${step.name}<br/><small>${step.task.name}</small>"]`);
  }
  for (const step of pipeline.steps) {
    for (const [input, ref] of Object.entries(step.inputs)) {
      const label = ref.output === input ? input : `${ref.output} -> ${input}`;
      lines.push(`  ${id(ref.step)} -->|${label}| ${id(step.name)}`);
    }
  }
  for (const [folder, ref] of Object.entries(pipeline.publish)) {
    const node = `r_${folder.replace(/[^\w]/g, "_")}`;
    lines.push(`  ${node}[/"reports/${folder}"/]`);
    lines.push(`  ${id(ref.step)} -.->|${ref.output}| ${node}`);
  }
  return lines.join("\n");
}
