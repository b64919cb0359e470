import { deepEqual, equal, ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../rng.ts";
import { addMambaVariables, mamba, type MambaOptions } from "./mamba.ts";
import { selectiveScan } from "./selective_scan.ts";
import { maxRelativeError, testBackends, useBackend, valuesOf } from "./_testing.ts";

// Tiny but general: expand 2, a 3-tap convolution, dt rank 2. Two shapes cover both code
// paths: E = 8 channels and N = 4 states run the SIMD convolution and scan, E = 6 and N = 3
// the JavaScript ones.
const [B, L] = [2, 6];
const SHAPES = [{ dModel: 4, dState: 4 }, { dModel: 3, dState: 3 }];
const OPTIONS: MambaOptions = { dConv: 3, expand: 2, dtRank: 2 };

function makeLayer(seed: number, shape = SHAPES[0]): Map<string, tf.Variable> {
  const variables = new Map<string, tf.Variable>();
  addMambaVariables(variables, "m", shape.dModel, createRng(seed), {
    ...OPTIONS,
    dState: shape.dState,
  });
  return variables;
}

function input(seed: number, shape: number[]): tf.Tensor {
  const draws = createRng(seed).fillNormal(new Float64Array(tf.util.sizeFromShape(shape)));
  return tf.tensor(Float32Array.from(draws), shape);
}

/** §5.1 written with TF.js ops (conv by shifted slices, the scan op without its fusions). */
function referenceMamba(variables: Map<string, tf.Variable>, u: tf.Tensor): tf.Tensor {
  const v = (name: string) => variables.get(`m.${name}`)!;
  const [b, l, d] = u.shape as number[];
  const inner = (v("in_proj.weight").shape as number[])[1] / 2;
  const k = v("conv1d.weight").shape[0] as number;
  const rank = v("dt_proj.weight").shape[0] as number;
  const n = (v("A_log").shape as number[])[1];
  const xz = tf.reshape(tf.matMul(tf.reshape(u, [b * l, d]), v("in_proj.weight")), [b, l, -1]);
  const x = tf.slice(xz, [0, 0, 0], [b, l, inner]);
  const z = tf.slice(xz, [0, 0, inner], [b, l, inner]);
  const padded = tf.pad(x, [[0, 0], [k - 1, 0], [0, 0]]);
  let pre: tf.Tensor = v("conv1d.bias");
  for (let j = 0; j < k; j++) {
    const tap = tf.reshape(tf.slice(v("conv1d.weight"), [j, 0], [1, inner]), [inner]);
    pre = tf.add(pre, tf.mul(tf.slice(padded, [0, j, 0], [b, l, inner]), tap));
  }
  const xc = tf.mul(pre, tf.sigmoid(pre));
  const xDbl = tf.reshape(tf.matMul(tf.reshape(xc, [b * l, inner]), v("x_proj.weight")), [
    b,
    l,
    -1,
  ]);
  const dtIn = tf.slice(xDbl, [0, 0, 0], [b, l, rank]);
  const Bm = tf.slice(xDbl, [0, 0, rank], [b, l, n]);
  const Cm = tf.slice(xDbl, [0, 0, rank + n], [b, l, n]);
  const delta = tf.softplus(
    tf.add(
      tf.reshape(tf.matMul(tf.reshape(dtIn, [b * l, rank]), v("dt_proj.weight")), [b, l, inner]),
      v("dt_proj.bias"),
    ),
  );
  const A = tf.neg(tf.exp(v("A_log")));
  const y = tf.mul(selectiveScan(xc, delta, A, Bm, Cm, v("D")), tf.mul(z, tf.sigmoid(z)));
  return tf.reshape(tf.matMul(tf.reshape(y, [b * l, inner]), v("out_proj.weight")), [b, l, d]);
}

for (const backend of testBackends()) {
  for (const shape of SHAPES) {
    const label = `E = ${2 * shape.dModel}, N = ${shape.dState}, ${backend}`;
    Deno.test(`mamba() equals the op-by-op §5.1 layer within 1e-5 (${label})`, async () => {
      await useBackend(backend);
      const variables = makeLayer(1, shape);
      const u = input(2, [B, L, shape.dModel]);
      const fused = valuesOf(mamba(variables, "m", u));
      const reference = valuesOf(referenceMamba(variables, u));
      // float32 matrix products of <= 8 terms and a 6-step scan: absolute errors of a few
      // 1e-7 on outputs of order 0.1-1, so relative to |y| + 0.1 well under 1e-5.
      const error = maxRelativeError(fused, reference, 0.1);
      ok(error < 1e-5, `error ${error}`);
    });

    Deno.test(
      `mamba() with reverse equals flip(layer(flip(u))) within 1e-5 (${label})`,
      async () => {
        await useBackend(backend);
        const variables = makeLayer(3, shape);
        const u = input(4, [B, L, shape.dModel]);
        const reversed = valuesOf(mamba(variables, "m", u, { reverse: true }));
        const flipped = valuesOf(tf.reverse(mamba(variables, "m", tf.reverse(u, 1)), 1));
        const error = maxRelativeError(reversed, flipped, 0.1);
        ok(error < 1e-5, `error ${error}`);
      },
    );

    Deno.test(
      `mamba() gradients match central finite differences for u and every weight (${label})`,
      async () => {
        await useBackend(backend);
        const variables = makeLayer(5, shape);
        const u = tf.variable(input(6, [B, L, shape.dModel]));
        const weights = input(7, [B, L, shape.dModel]);
        const weightValues = valuesOf(weights);
        for (const reverse of [false, true]) {
          const loss = () => tf.sum(tf.mul(mamba(variables, "m", u, { reverse }), weights));
          const checked = new Map([["u", u], ...variables]);
          const { grads } = tf.variableGrads(loss as () => tf.Scalar, [...checked.values()]);
          const names = [...checked.keys()];
          names.forEach((name, which) => {
            const variable = checked.get(name)!;
            const analytic = valuesOf(grads[variable.name]);
            const original = Float32Array.from(valuesOf(variable));
            // Four entries per tensor, spread over it, keep the check fast.
            const indices = [0, 1, 2, 3].map((i) => Math.floor((i * original.length) / 4));
            const numeric: number[] = [];
            const h = 1e-2;
            for (const index of indices) {
              const values: number[] = [];
              for (const sign of [1, -1]) {
                const probe = Float32Array.from(original);
                probe[index] += sign * h;
                variable.assign(tf.tensor(probe, variable.shape));
                const y = valuesOf(mamba(variables, "m", u, { reverse }));
                let sum = 0;
                for (let i = 0; i < y.length; i++) sum += y[i] * weightValues[i];
                values.push(sum);
              }
              variable.assign(tf.tensor(original, variable.shape));
              numeric.push((values[0] - values[1]) / (2 * h));
            }
            // h = 1e-2: truncation h^2/6 |f'''| (smooth SiLU/softplus/exp chains, |f'''| of
            // order 1-10) ~1e-4 relative; the float32 forward leaves ~2e-6 of rounding in the
            // loss (48 outputs), ~1e-4 absolute over 2h. Relative to |g| + 0.1 both are <= 1e-3;
            // the bound is twice that.
            const error = maxRelativeError(indices.map((i) => analytic[i]), numeric, 0.1);
            ok(error < 2e-3, `${name} (reverse ${reverse}, #${which}): error ${error}`);
          });
          tf.dispose(Object.values(grads));
        }
      },
    );
  }
}

Deno.test("addMambaVariables() initialises A_log, D, dt_proj and the bounds as in §5.1", () => {
  const variables = makeLayer(8);
  const aLog = valuesOf(variables.get("m.A_log")!);
  deepEqual(variables.get("m.A_log")!.shape, [8, 4]);
  aLog.forEach((v, i) => ok(Math.abs(v - Math.log((i % 4) + 1)) < 1e-7));
  ok(valuesOf(variables.get("m.D")!).every((v) => v === 1));
  // softplus(dt_proj.bias) recovers dt in [1e-3, 1e-1].
  for (const bias of valuesOf(variables.get("m.dt_proj.bias")!)) {
    const dt = Math.log1p(Math.exp(bias));
    ok(dt > 1e-3 * (1 - 1e-5) && dt < 1e-1 * (1 + 1e-5), `dt ${dt}`);
  }
  const bounds: [string, number][] = [
    ["in_proj.weight", 1 / Math.sqrt(4)],
    ["conv1d.weight", 1 / Math.sqrt(3)],
    ["conv1d.bias", 1 / Math.sqrt(3)],
    ["x_proj.weight", 1 / Math.sqrt(8)],
    ["dt_proj.weight", 1 / Math.sqrt(2)],
    ["out_proj.weight", 1 / Math.sqrt(8)],
  ];
  for (const [name, bound] of bounds) {
    const values = valuesOf(variables.get(`m.${name}`)!);
    ok(values.every((v) => Math.abs(v) < bound), name);
  }
});

Deno.test("addMambaVariables() gives the same weights for the same seed", () => {
  const first = makeLayer(9);
  const second = makeLayer(9);
  const other = makeLayer(10);
  for (const [name, variable] of first) {
    deepEqual(valuesOf(variable), valuesOf(second.get(name)!), name);
  }
  ok(
    !tf.util.arraysEqual(
      Array.from(valuesOf(first.get("m.in_proj.weight")!)),
      Array.from(valuesOf(other.get("m.in_proj.weight")!)),
    ),
  );
});

Deno.test("addMambaVariables() counts 2Ed + E K + E + (R + 2N) E + R E + E + E N + E + d E", () => {
  const variables = new Map<string, tf.Variable>();
  const [d, e, k, n, r] = [64, 128, 4, 16, 4];
  const count = addMambaVariables(variables, "m", d, createRng(0), {
    dState: n,
    dConv: k,
    expand: 2,
  });
  equal(count, 2 * e * d + e * k + e + (r + 2 * n) * e + r * e + e + e * n + e + d * e);
});

Deno.test("addMambaVariables() throws when a size is invalid or the prefix is taken", () => {
  const variables = new Map<string, tf.Variable>();
  throws(() => addMambaVariables(variables, "m", 4, createRng(0), { dState: 0 }), {
    name: "RangeError",
    message: "Cannot create a Mamba layer: dState must be a positive integer, got 0",
  });
  throws(() => addMambaVariables(variables, "m", 4, createRng(0), { dtMin: 0.2 }), {
    name: "RangeError",
    message: "Cannot create a Mamba layer: need 0 < dtMin <= dtMax, got dtMin 0.2 and dtMax 0.1",
  });
  addMambaVariables(variables, "m", 4, createRng(0));
  throws(() => addMambaVariables(variables, "m", 4, createRng(0)), {
    name: "RangeError",
    message: `Cannot create a Mamba layer: variable "m.in_proj.weight" already exists; ` +
      `use another prefix`,
  });
});

Deno.test("mamba() throws when a variable is missing or u has the wrong shape", () => {
  const variables = makeLayer(11);
  throws(() => mamba(variables, "other", tf.zeros([B, L, 4])), {
    name: "RangeError",
    message: `Cannot apply the Mamba layer: no variable "other.in_proj.weight" in the model; ` +
      `create the layer with addMambaVariables()`,
  });
  throws(() => mamba(variables, "m", tf.zeros([B, L, 5])), {
    name: "TypeError",
    message: `Cannot apply the Mamba layer "m": u must be float32 of shape (B, L, 4), ` +
      `got float32 [2,6,5]`,
  });
});
