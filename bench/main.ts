/**
 * `deno task bench`: speed figures as ratios to reference numbers (never timed tests).
 *
 * @module
 */

import { benchSimulators } from "./simulators.ts";

const seconds = Number(Deno.env.get("BENCH_SECONDS") ?? 1);
console.log(
  "Simulators, 2-D, trajectories per second; reference: andi_datasets 2.1.13 on this machine kind\n(theory models T = 1000; AnDi-2 models T = 200, 50 particles per call, model only)",
);
console.log("model           T      traj/s    reference  ratio  goal   met");
for (const row of benchSimulators(seconds)) {
  const ratio = row.trajPerSecond / row.reference;
  console.log(
    [
      row.model.padEnd(14),
      String(row.length).padEnd(5),
      row.trajPerSecond.toFixed(0).padStart(9),
      String(row.reference).padStart(10),
      `${ratio.toFixed(2)}x`.padStart(6),
      `>=${row.goal}x`.padStart(5),
      ratio >= row.goal ? "yes" : "NO",
    ].join("  "),
  );
}
