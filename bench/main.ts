/**
 * `deno task bench [simulators] [kernels] [training]`: speed figures as ratios to reference
 * numbers measured in the same run or on this kind of machine (never timed tests). With no
 * argument every section runs. `BENCH_SECONDS` sets the simulators' time budget per model,
 * `BENCH_REPEATS` the timed training steps per case.
 *
 * @module
 */

import { benchSimulators } from "./simulators.ts";
import { benchKernels } from "./kernels.ts";
import { benchTraining } from "./training.ts";

const SECTIONS = ["simulators", "kernels", "training"];
const chosen = Deno.args.length > 0 ? Deno.args : SECTIONS;
for (const section of chosen) {
  if (!SECTIONS.includes(section)) {
    console.error(`error: unknown bench section "${section}"; use ${SECTIONS.join(", ")}`);
    Deno.exit(2);
  }
}

function row(cells: [string, number][]): string {
  return cells.map(([text, width]) => width < 0 ? text.padEnd(-width) : text.padStart(width))
    .join("  ");
}

if (chosen.includes("simulators")) {
  const seconds = Number(Deno.env.get("BENCH_SECONDS") ?? 1);
  console.log(
    "Simulators, 2-D, trajectories per second; reference: andi_datasets 2.1.13 on this machine kind\n(theory models T = 1000; AnDi-2 models T = 200, 50 particles per call, model only)",
  );
  console.log("model           T      traj/s    reference  ratio  goal   met");
  for (const r of benchSimulators(seconds)) {
    const ratio = r.trajPerSecond / r.reference;
    console.log(row([
      [r.model, -14],
      [String(r.length), -5],
      [r.trajPerSecond.toFixed(0), 9],
      [String(r.reference), 10],
      [`${ratio.toFixed(2)}x`, 6],
      [`>=${r.goal}x`, 5],
      [ratio >= r.goal ? "yes" : "NO", 0],
    ]));
  }
  console.log();
}

if (chosen.includes("kernels")) {
  console.log("Kernels on the blas backend, GFLOP/s; goal: conv1d at >= 60 % of sgemm in this run");
  console.log(row([["kernel", -40], ["shape", -10], ["GFLOP/s", 8], ["of sgemm", 8], ["met", 0]]));
  for (const r of await benchKernels()) {
    const isConv = r.kernel.startsWith("conv");
    console.log(row([
      [r.kernel, -40],
      [r.shape, -10],
      [r.gflops.toFixed(1), 8],
      [`${(100 * r.ofLimit).toFixed(0)} %`, 8],
      [isConv ? (r.ofLimit >= 0.6 ? "yes" : "NO") : "", 0],
    ]));
  }
  console.log();
}

if (chosen.includes("training")) {
  const repeats = Number(Deno.env.get("BENCH_REPEATS") ?? 3);
  console.log(
    "Training step (forward + backward + Adam), ms, median of " + repeats +
      " after a warm-up; anchor: PyTorch 1.13 CPU, 2 threads (shared/anchors/perf.md)",
  );
  console.log(
    row([
      ["network", -52],
      ["params", 10],
      ["ms", 8],
      ["anchor", 7],
      ["ratio", 7],
      ["goal", 6],
      ["peak MiB", 8],
      ["met", 0],
    ]),
  );
  for (const r of await benchTraining(repeats)) {
    const ratio = r.anchorMs === null ? null : r.ms / r.anchorMs;
    const speedMet = ratio === null || r.goal === null ? null : ratio <= r.goal;
    const memoryMet = r.memoryGoalMiB === null ? null : r.peakRssMiB < r.memoryGoalMiB;
    const verdicts = [
      speedMet === null ? "" : speedMet ? "yes" : "NO",
      memoryMet === null ? "" : `memory < ${r.memoryGoalMiB} MiB: ${memoryMet ? "yes" : "NO"}`,
    ];
    console.log(row([
      [r.label, -52],
      [r.parameters.toLocaleString("en-US"), 10],
      [r.ms.toFixed(0), 8],
      [r.anchorMs === null ? "-" : String(r.anchorMs), 7],
      [ratio === null ? "-" : `${ratio.toFixed(2)}x`, 7],
      [r.goal === null ? "-" : `<=${r.goal}x`, 6],
      [r.peakRssMiB.toFixed(0), 8],
      [verdicts.filter(Boolean).join(", "), 0],
    ]));
    if (speedMet === false && r.profile) {
      // A missed goal comes with where the time goes.
      const total = r.profile.reduce((sum, k) => sum + k.ms, 0);
      const top = r.profile.slice(0, 6).map((k) =>
        `${k.kernel} ${k.ms.toFixed(1)} ms (${k.calls} calls)`
      );
      console.log(`    kernel time of one step ${total.toFixed(0)} ms: ${top.join(", ")}`);
    }
  }
}
