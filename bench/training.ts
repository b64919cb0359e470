/**
 * Time per training step (forward + backward + Adam) of the networks both papers train, each
 * in its own process so that its peak memory is its own, next to the PyTorch-CPU anchors of
 * `shared/anchors/perf.md` measured on this kind of machine.
 *
 * Run one case directly: `deno run -A bench/training.ts resandi_quarter_200 5`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../lib/nn/backend.ts";
import { Adam } from "../lib/nn/adam.ts";
import { type Model, parameterCount, trainableVariables } from "../lib/nn/model.ts";
import { createResandi, resandiForward, resandiLoss } from "../lib/nn/resandi.ts";
import {
  biMambaForward,
  biMambaStackForward,
  createBiMamba,
  createBiMambaStack,
} from "../lib/nn/bimamba.ts";
import { biMambaLoss } from "../lib/nn/bimamba_loss.ts";
import { biLstmForward, createBiLstm } from "../lib/nn/bilstm.ts";
import { createRng, type Rng } from "../lib/rng.ts";

/** One training-step case. */
interface StepCase {
  /** What the row says. */
  label: string;
  /** PyTorch CPU ms per step (perf.md), or null when the anchor has no such row. */
  anchorMs: number | null;
  /** Largest ratio to the anchor the issue asks for, or null. */
  goal: number | null;
  /** Largest peak resident memory allowed, MiB, or null. */
  memoryGoalMiB?: number;
  build(rng: Rng): { model: Model; loss: () => tf.Scalar; inputs: tf.Tensor[] };
}

function normals(rng: Rng, shape: number[], std = 1): tf.Tensor {
  const values = rng.fillNormal(new Float64Array(tf.util.sizeFromShape(shape)), 0, std);
  return tf.tensor(Float32Array.from(values), shape);
}

function labels(rng: Rng, count: number, classes: number): number[] {
  return Array.from({ length: count }, () => rng.integer(0, classes));
}

function resandiCase(width: number, length: number, anchorMs: number): StepCase {
  return {
    label: `ResAnDi width ${width}, B 64, L ${length}`,
    anchorMs,
    goal: 1.2,
    build(rng) {
      const model = createResandi({ width }, rng);
      const x = normals(rng, [64, length, 2]) as tf.Tensor3D;
      const y = labels(rng, 64, 8);
      const loss = () => resandiLoss(resandiForward(model, x, { training: true }).logits, y);
      return { model, loss, inputs: [x] };
    },
  };
}

function frameCrossEntropy(logits: tf.Tensor, classes: number[], count: number): tf.Scalar {
  const oneHot = tf.oneHot(tf.tensor1d(classes, "int32"), count);
  return tf.losses.softmaxCrossEntropy(oneHot, tf.reshape(logits, [-1, count])) as tf.Scalar;
}

/** Every case `deno task bench` runs, in print order. */
export const STEP_CASES: Record<string, StepCase> = {
  resandi_paper_1000: { ...resandiCase(64, 1000, 2217), memoryGoalMiB: 4096 },
  resandi_paper_200: { ...resandiCase(64, 200, 634), goal: null },
  resandi_quarter_200: resandiCase(16, 200, 49),
  bimamba_spec: {
    label: "Bi-Mamba bimamba.md §5.3, B 64, L 199",
    anchorMs: null,
    goal: null,
    build(rng) {
      const model = createBiMamba({}, rng);
      const features = normals(rng, [64, 199, 6]);
      const mask = tf.ones([64, 199]);
      const targets = {
        segmentation: tf.tensor2d(labels(rng, 64 * 199, 2).map((c) => c + 1), [64, 199]),
        alpha: tf.tensor2d(
          Float32Array.from(rng.fillUniform(new Float64Array(128)), (u) => 2 * u),
          [64, 2],
        ),
        k: tf.tensor2d(Float32Array.from(rng.fillUniform(new Float64Array(128))), [64, 2]),
      };
      const loss = () => biMambaLoss(biMambaForward(model, features, mask), targets).total;
      return { model, loss, inputs: [features, mask, ...Object.values(targets)] };
    },
  },
  bimamba_anchor: {
    label: "Bi-Mamba d 64, N 16, expand 2, 2 blocks, B 64, T 200",
    anchorMs: 2380,
    goal: 0.5,
    build(rng) {
      // mamba_ssm's default d_conv (4): the anchor built Mamba(d_model, d_state, expand).
      const model = createBiMambaStack(
        { dModel: 64, dState: 16, dConv: 4, expand: 2, layers: 2, outputs: 3 },
        rng,
      );
      const x = normals(rng, [64, 200, 64]);
      const y = labels(rng, 64 * 200, 3);
      const loss = () => frameCrossEntropy(biMambaStackForward(model, x), y, 3);
      return { model, loss, inputs: [x] };
    },
  },
  bilstm: {
    label: "BiLSTM 2 layers, hidden 64, 7 features, B 64, T 200",
    anchorMs: 647,
    goal: 1,
    build(rng) {
      const model = createBiLstm({ features: 7, hidden: 64, layers: 2, outputs: 3 }, rng);
      const x = normals(rng, [64, 200, 7]) as tf.Tensor3D;
      const y = labels(rng, 64 * 200, 3);
      const loss = () => frameCrossEntropy(biLstmForward(model, x), y, 3);
      return { model, loss, inputs: [x] };
    },
  },
};

/** The result of one case. */
export interface StepRow {
  name: string;
  label: string;
  parameters: number;
  ms: number;
  anchorMs: number | null;
  goal: number | null;
  peakRssMiB: number;
  memoryGoalMiB: number | null;
  /** Kernel time of one step by TF.js kernel (custom ops count as "unnamed scope"), if asked. */
  profile?: { kernel: string; ms: number; calls: number }[];
}

/** Where one step's kernel time goes, largest first (`tf.profile`; Adam runs outside kernels). */
async function kernelProfile(
  step: () => void,
): Promise<{ kernel: string; ms: number; calls: number }[]> {
  const info = await tf.profile(step);
  const totals = new Map<string, { kernel: string; ms: number; calls: number }>();
  for (const kernel of info.kernels) {
    const entry = totals.get(kernel.name) ?? { kernel: kernel.name, ms: 0, calls: 0 };
    entry.ms += Number(kernel.kernelTimeMs);
    entry.calls += 1;
    totals.set(kernel.name, entry);
  }
  return [...totals.values()].sort((a, b) => b.ms - a.ms);
}

/** The process's peak resident set (Linux VmHWM), else the current RSS, in MiB. */
function peakRssMiB(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = status.match(/VmHWM:\s+(\d+) kB/);
    if (match) return Number(match[1]) / 1024;
  } catch {
    // Not Linux: fall through to the current figure.
  }
  return Deno.memoryUsage().rss / 2 ** 20;
}

/** Runs `repeats` timed steps of case `name` (after one warm-up step) in this process. */
export async function runStepCase(
  name: string,
  repeats: number,
  options: { profile?: boolean } = {},
): Promise<StepRow> {
  const stepCase = STEP_CASES[name];
  if (!stepCase) {
    throw new RangeError(
      `Cannot bench training case "${name}": unknown; use one of ${Object.keys(STEP_CASES)}`,
    );
  }
  await selectBackend();
  const { model, loss } = stepCase.build(createRng(7));
  const variables = trainableVariables(model);
  const names = [...model.variables.entries()]
    .filter(([, variable]) => variable.trainable)
    .map(([key]) => key);
  const adam = new Adam(
    new Map(names.map((key) => [key, model.variables.get(key)!])),
    { learningRate: 1e-4 },
  );
  const step = () => {
    const { value, grads } = tf.variableGrads(loss, variables);
    value.dataSync();
    const gradients = new Map<string, tf.Tensor>();
    for (const key of names) gradients.set(key, grads[model.variables.get(key)!.name]);
    adam.applyGradients(gradients);
    tf.dispose([value, ...Object.values(grads)]);
  };
  const times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const start = performance.now();
    step();
    if (i > 0) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const profile = options.profile ? await kernelProfile(step) : undefined;
  return {
    name,
    label: stepCase.label,
    parameters: parameterCount(model),
    ms: times[Math.floor(times.length / 2)],
    anchorMs: stepCase.anchorMs,
    goal: stepCase.goal,
    peakRssMiB: peakRssMiB(),
    memoryGoalMiB: stepCase.memoryGoalMiB ?? null,
    profile,
  };
}

/** Runs every case in its own Deno process and returns the rows. */
export async function benchTraining(repeats: number, only?: string[]): Promise<StepRow[]> {
  const rows: StepRow[] = [];
  for (const name of only ?? Object.keys(STEP_CASES)) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", import.meta.filename!, name, String(repeats), "--profile"],
      stderr: "inherit",
    }).output();
    if (!output.success) throw new Error(`Cannot bench training case "${name}": it failed`);
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    rows.push(JSON.parse(lines[lines.length - 1]));
  }
  return rows;
}

if (import.meta.main) {
  const [name, repeats = "3", flag] = Deno.args;
  const row = await runStepCase(name, Number(repeats), { profile: flag === "--profile" });
  console.log(JSON.stringify(row));
}
