/**
 * The Mamba layer of mamba_ssm (`Mamba`, the "simple" module; bimamba.md §5.1): input
 * projection to [x, z], causal depthwise convolution and SiLU on x, the x-dependent projections
 * to (delta, Bm, Cm), the selective scan, the SiLU(z) gate and the output projection.
 *
 * A layer is a set of variables under a name prefix in a {@linkcode Model}'s map, named as in
 * mamba_ssm's state dict (`<prefix>.in_proj.weight`, `conv1d.weight`, `conv1d.bias`,
 * `x_proj.weight`, `dt_proj.weight`, `dt_proj.bias`, `A_log`, `D`, `out_proj.weight`), with
 * matrices stored (in, out), i.e. transposed from PyTorch's Linear, and the convolution kernel
 * as (d_conv, E). The forward pass is one op (see `_mamba_op.ts`); its hyper-parameters are
 * read back from the variable shapes.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../rng.ts";
import { constantVariable, uniformVariable } from "./init.ts";
import { MAMBA_WEIGHTS, mambaOp } from "./_mamba_op.ts";

/** Hyper-parameters of {@linkcode addMambaVariables}; defaults are the deep Bi-Mamba's (§5.1). */
export interface MambaOptions {
  /** State size N per channel. @default {16} */
  dState?: number;
  /** Width of the causal convolution. @default {2} */
  dConv?: number;
  /** Inner channels E = expand * d_model. @default {1} */
  expand?: number;
  /** Rank of the delta projection. @default {Math.ceil(dModel / 16)} */
  dtRank?: number;
  /** Smallest initial step size. @default {1e-3} */
  dtMin?: number;
  /** Largest initial step size. @default {1e-1} */
  dtMax?: number;
  /** Initial step sizes are clamped to at least this. @default {1e-4} */
  dtFloor?: number;
}

/** Options of {@linkcode mamba}. */
export interface MambaForwardOptions {
  /**
   * Run the layer on the time-reversed sequence and reverse its output back (the second
   * branch of a Bi-Mamba block), computed without flipping: the convolution looks ahead and
   * the scan runs from the last step. @default {false}
   */
  reverse?: boolean;
}

function checkSize(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot create a Mamba layer: ${name} must be a positive integer, got ${value}`,
    );
  }
}

/**
 * Creates the variables of one Mamba layer of width `dModel` under `prefix`, initialised as
 * mamba_ssm does (§5.1): A_log[c, n] = log(n + 1), D = 1, dt_proj.weight ~ U(+-dtRank^-1/2),
 * dt_proj.bias = softplus^-1(dt) with dt log-uniform in [dtMin, dtMax] clamped to >= dtFloor,
 * other weights and the convolution bias U(+-1/sqrt(fan_in)) (PyTorch's default). Each
 * variable draws from its own stream `rng.stream(name)`, so creation order does not matter.
 *
 * @param variables The model's variable map; entries are added.
 * @param prefix Name prefix, e.g. `segmentation.Bi_blocks.0.forward_mamba`.
 * @param dModel Features per time step.
 * @param rng Source of the initial weights.
 * @returns The number of trainable scalars added.
 * @throws {RangeError} when a size is not a positive integer, the dt range is invalid, or a
 * name is already taken.
 * @example The parameter count of the deep Bi-Mamba's layer (d = 6)
 * ```ts
 * import { equal } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { addMambaVariables } from "./mamba.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const variables = new Map<string, tf.Variable>();
 * equal(addMambaVariables(variables, "m", 6, createRng(0)), 438);
 * ```
 */
export function addMambaVariables(
  variables: Map<string, tf.Variable>,
  prefix: string,
  dModel: number,
  rng: Rng,
  options: MambaOptions = {},
): number {
  const {
    dState = 16,
    dConv = 2,
    expand = 1,
    dtRank = Math.ceil(dModel / 16),
    dtMin = 1e-3,
    dtMax = 1e-1,
    dtFloor = 1e-4,
  } = options;
  checkSize("dModel", dModel);
  checkSize("dState", dState);
  checkSize("dConv", dConv);
  checkSize("dtRank", dtRank);
  checkSize("expand * dModel", expand * dModel);
  if (!(dtMin > 0 && dtMax >= dtMin)) {
    throw new RangeError(
      `Cannot create a Mamba layer: need 0 < dtMin <= dtMax, got dtMin ${dtMin} and ` +
        `dtMax ${dtMax}`,
    );
  }
  const inner = expand * dModel;
  const created: [string, () => tf.Variable][] = [
    ["in_proj.weight", () => uniform("in_proj.weight", [dModel, 2 * inner], dModel ** -0.5)],
    ["conv1d.weight", () => uniform("conv1d.weight", [dConv, inner], dConv ** -0.5)],
    ["conv1d.bias", () => uniform("conv1d.bias", [inner], dConv ** -0.5)],
    ["x_proj.weight", () => uniform("x_proj.weight", [inner, dtRank + 2 * dState], inner ** -0.5)],
    ["dt_proj.weight", () => uniform("dt_proj.weight", [dtRank, inner], dtRank ** -0.5)],
    ["dt_proj.bias", () => {
      const draws = rng.stream(`${prefix}.dt_proj.bias`).fillUniform(new Float64Array(inner));
      const bias = Float32Array.from(draws, (u) => {
        const dt = Math.max(Math.exp(Math.log(dtMin) + u * Math.log(dtMax / dtMin)), dtFloor);
        return dt + Math.log(-Math.expm1(-dt)); // softplus^-1(dt)
      });
      return tf.variable(tf.tensor1d(bias));
    }],
    ["A_log", () => {
      const aLog = new Float32Array(inner * dState);
      for (let i = 0; i < aLog.length; i++) aLog[i] = Math.log((i % dState) + 1);
      return tf.variable(tf.tensor2d(aLog, [inner, dState]));
    }],
    ["D", () => constantVariable([inner], 1)],
    ["out_proj.weight", () => uniform("out_proj.weight", [inner, dModel], inner ** -0.5)],
  ];
  for (const [suffix] of created) {
    if (variables.has(`${prefix}.${suffix}`)) {
      throw new RangeError(
        `Cannot create a Mamba layer: variable "${prefix}.${suffix}" already exists; ` +
          `use another prefix`,
      );
    }
  }
  let count = 0;
  for (const [suffix, make] of created) {
    const variable = make();
    variables.set(`${prefix}.${suffix}`, variable);
    count += variable.size;
  }
  return count;

  function uniform(suffix: string, shape: number[], bound: number): tf.Variable {
    return uniformVariable(rng.stream(`${prefix}.${suffix}`), shape, bound);
  }
}

/**
 * Applies the Mamba layer stored under `prefix` to u (bimamba.md §5.1 steps 1-7).
 *
 * @param variables A map holding the layer's variables ({@linkcode addMambaVariables}).
 * @param prefix The layer's name prefix.
 * @param u Inputs, float32, shape (B, L, d_model).
 * @param options `reverse` for the time-reversed branch.
 * @returns Outputs, shape (B, L, d_model); differentiable in u and all nine variables.
 * @throws {RangeError} when a variable is missing.
 * @throws {TypeError} when u is not (B, L, d_model) float32 or a variable has a wrong shape.
 * @example A layer keeps the shape of its input
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { createRng } from "../rng.ts";
 * import { addMambaVariables, mamba } from "./mamba.ts";
 * import { selectBackend } from "./backend.ts";
 * await selectBackend({ prefer: "cpu" });
 * const variables = new Map<string, tf.Variable>();
 * addMambaVariables(variables, "m", 4, createRng(0));
 * deepEqual(mamba(variables, "m", tf.ones([2, 5, 4])).shape, [2, 5, 4]);
 * ```
 */
export function mamba(
  variables: Map<string, tf.Variable>,
  prefix: string,
  u: tf.Tensor,
  options: MambaForwardOptions = {},
): tf.Tensor3D {
  const { reverse = false } = options;
  const weights = MAMBA_WEIGHTS.map((suffix) => {
    const variable = variables.get(`${prefix}.${suffix}`);
    if (!variable) {
      throw new RangeError(
        `Cannot apply the Mamba layer: no variable "${prefix}.${suffix}" in the model; ` +
          `create the layer with addMambaVariables()`,
      );
    }
    return variable;
  });
  const [inProj, convKernel, , , dtProj, , aLog] = weights;
  const [dModel, twoInner] = inProj.shape as number[];
  const inner = twoInner / 2;
  const dtRank = dtProj.shape[0] as number;
  const states = (aLog.shape as number[])[1];
  const convWidth = convKernel.shape[0] as number;
  if (u.rank !== 3 || u.shape[2] !== dModel || u.dtype !== "float32") {
    throw new TypeError(
      `Cannot apply the Mamba layer "${prefix}": u must be float32 of shape (B, L, ${dModel}), ` +
        `got ${u.dtype} [${u.shape}]`,
    );
  }
  const expected: number[][] = [
    [dModel, 2 * inner],
    [convWidth, inner],
    [inner],
    [inner, dtRank + 2 * states],
    [dtRank, inner],
    [inner],
    [inner, states],
    [inner],
    [inner, dModel],
  ];
  weights.forEach((w, i) => {
    if (!tf.util.arraysEqual(w.shape, expected[i])) {
      throw new TypeError(
        `Cannot apply the Mamba layer: "${prefix}.${MAMBA_WEIGHTS[i]}" must have shape ` +
          `[${expected[i]}], got [${w.shape}]`,
      );
    }
  });
  const [batch, length] = u.shape as number[];
  return mambaOp(u, weights, {
    batch,
    length,
    dModel,
    inner,
    states,
    convWidth,
    dtRank,
    reverse,
  }) as tf.Tensor3D;
}
