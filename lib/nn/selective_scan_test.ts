import { ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng, type Rng } from "../rng.ts";
import { selectiveScan, type SelectiveScanOptions } from "./selective_scan.ts";
import { scanBackward, scanForward, type ScanProblem } from "./_selective_scan_kernels.ts";
import { scanBackwardWasm, scanForwardWasm } from "./_simd.ts";
import {
  finiteDifference,
  maxRelativeError,
  testBackends,
  useBackend,
  valuesOf,
} from "./_testing.ts";

const [B, L, E, N] = [2, 7, 3, 4];

interface ScanInputs {
  x: tf.Tensor;
  delta: tf.Tensor;
  A: tf.Tensor;
  Bm: tf.Tensor;
  Cm: tf.Tensor;
  D: tf.Tensor;
  z: tf.Tensor;
  deltaBias: tf.Tensor;
  weights: tf.Tensor; // dL/dy, so that the loss sum(y * weights) exercises every output
}

function uniformTensor(rng: Rng, shape: number[], lo: number, hi: number): tf.Tensor {
  const values = rng.fillUniform(new Float64Array(tf.util.sizeFromShape(shape)));
  return tf.tensor(Float32Array.from(values, (u) => lo + (hi - lo) * u), shape);
}

function makeInputs(seed: number): ScanInputs {
  const rng = createRng(seed);
  return {
    x: uniformTensor(rng, [B, L, E], -1, 1),
    delta: uniformTensor(rng, [B, L, E], 0.1, 1),
    A: uniformTensor(rng, [E, N], -2, -0.5),
    Bm: uniformTensor(rng, [B, L, N], -1, 1),
    Cm: uniformTensor(rng, [B, L, N], -1, 1),
    D: uniformTensor(rng, [E], 0.5, 1.5),
    z: uniformTensor(rng, [B, L, E], -2, 2),
    deltaBias: uniformTensor(rng, [E], -1, 1),
    weights: uniformTensor(rng, [B, L, E], -1, 1),
  };
}

/** The scan written step by step with TF.js ops, the reference for values and gradients. */
function naiveScan(
  x: tf.Tensor,
  delta: tf.Tensor,
  A: tf.Tensor,
  Bm: tf.Tensor,
  Cm: tf.Tensor,
  D: tf.Tensor,
  options: SelectiveScanOptions = {},
): tf.Tensor {
  const [b, l, e] = x.shape as number[];
  const n = (A.shape as number[])[1];
  let dt = options.deltaBias ? tf.add(delta, options.deltaBias) : delta;
  if (options.deltaSoftplus) dt = tf.softplus(dt);
  let h: tf.Tensor = tf.zeros([b, e, n]);
  const ys: tf.Tensor[] = new Array(l);
  for (let s = 0; s < l; s++) {
    const t = options.reverse ? l - 1 - s : s;
    const dtT = tf.reshape(tf.slice(dt, [0, t, 0], [b, 1, e]), [b, e, 1]);
    const xT = tf.reshape(tf.slice(x, [0, t, 0], [b, 1, e]), [b, e, 1]);
    const bT = tf.reshape(tf.slice(Bm, [0, t, 0], [b, 1, n]), [b, 1, n]);
    const cT = tf.reshape(tf.slice(Cm, [0, t, 0], [b, 1, n]), [b, 1, n]);
    h = tf.add(tf.mul(tf.exp(tf.mul(dtT, A)), h), tf.mul(tf.mul(dtT, xT), bT));
    ys[t] = tf.add(tf.sum(tf.mul(h, cT), 2), tf.mul(tf.reshape(xT, [b, e]), D));
  }
  let y = tf.stack(ys, 1);
  if (options.z) y = tf.mul(y, tf.mul(options.z, tf.sigmoid(options.z)));
  return y;
}

type ScanFunction = (
  x: tf.Tensor,
  delta: tf.Tensor,
  A: tf.Tensor,
  Bm: tf.Tensor,
  Cm: tf.Tensor,
  D: tf.Tensor,
  options: SelectiveScanOptions,
) => tf.Tensor;

function lossGrads(
  scan: ScanFunction,
  inputs: ScanInputs,
  options: SelectiveScanOptions,
  withExtras: boolean,
): Float32Array[] {
  return tf.tidy(() => {
    const list = [inputs.x, inputs.delta, inputs.A, inputs.Bm, inputs.Cm, inputs.D];
    if (withExtras) list.push(inputs.z, inputs.deltaBias);
    const grads = tf.grads((...args: tf.Tensor[]) => {
      const extra = withExtras ? { z: args[6], deltaBias: args[7] } : {};
      const y = scan(args[0], args[1], args[2], args[3], args[4], args[5], {
        ...options,
        ...extra,
      });
      return tf.sum(tf.mul(y, inputs.weights));
    })(list);
    return grads.map((g) => Float32Array.from(valuesOf(g)));
  });
}

const VARIANTS: [string, SelectiveScanOptions, boolean][] = [
  ["plain", {}, false],
  ["reverse", { reverse: true }, false],
  ["gate, delta bias and softplus", { deltaSoftplus: true }, true],
  ["gate, delta bias, softplus, reverse", { deltaSoftplus: true, reverse: true }, true],
];

for (const backend of testBackends()) {
  for (const [label, options, withExtras] of VARIANTS) {
    Deno.test(
      `selectiveScan() equals the step-by-step TF.js scan within 1e-5 relative (${label}, ${backend})`,
      async () => {
        await useBackend(backend);
        const inputs = makeInputs(1);
        const extra = withExtras ? { z: inputs.z, deltaBias: inputs.deltaBias } : {};
        const { x, delta, A, Bm, Cm, D } = inputs;
        const fast = valuesOf(selectiveScan(x, delta, A, Bm, Cm, D, { ...options, ...extra }));
        const slow = valuesOf(naiveScan(x, delta, A, Bm, Cm, D, { ...options, ...extra }));
        // The reference rounds h and y to float32 at every one of the L = 7 steps, so each
        // output, a sum of N + 1 = 5 terms of order 1, carries an absolute error of a few 1e-7
        // whatever its size; relative to |y| + 0.1 that is ~1e-6, under the 1e-5 bound.
        const error = maxRelativeError(fast, slow, 0.1);
        ok(error < 1e-5, `error ${error}`);
      },
    );

    Deno.test(
      `selectiveScan() gradients equal tf.grads of the step-by-step scan within 1e-4 (${label}, ${backend})`,
      async () => {
        await useBackend(backend);
        const inputs = makeInputs(2);
        const fast = lossGrads(selectiveScan, inputs, options, withExtras);
        const slow = lossGrads(naiveScan, inputs, options, withExtras);
        const names = ["x", "delta", "A", "Bm", "Cm", "D", "z", "deltaBias"];
        fast.forEach((g, i) => {
          // float32 reference with sums over up to B L = 14 terms: ~1e-6 relative.
          const error = maxRelativeError(g, slow[i]);
          ok(error < 1e-4, `${names[i]}: error ${error}`);
        });
      },
    );
  }
}

Deno.test("selectiveScan() gradients match central finite differences for all inputs", async () => {
  await useBackend("cpu");
  const inputs = makeInputs(3);
  const options: SelectiveScanOptions = { deltaSoftplus: true };
  const list = [
    inputs.x,
    inputs.delta,
    inputs.A,
    inputs.Bm,
    inputs.Cm,
    inputs.D,
    inputs.z,
    inputs.deltaBias,
  ];
  const analytic = lossGrads(selectiveScan, inputs, options, true);
  const weights = valuesOf(inputs.weights);
  list.forEach((tensor, which) => {
    const numeric = finiteDifference((probe) =>
      tf.tidy(() => {
        const args = list.map((t, i) => (i === which ? tf.tensor(probe, t.shape) : t));
        const y = valuesOf(
          selectiveScan(args[0], args[1], args[2], args[3], args[4], args[5], {
            ...options,
            z: args[6],
            deltaBias: args[7],
          }),
        );
        let loss = 0;
        for (let i = 0; i < y.length; i++) loss += y[i] * weights[i];
        return loss;
      }), valuesOf(tensor));
    // h = 1e-2: truncation h^2/6 |f'''| with |f'''| up to ~|A|^3 ~ 8 gives ~1e-4; the float32
    // rounding of the 42 outputs (~4e-7 in the loss) over 2h adds ~2e-5. Relative to
    // |g| + 1e-2, 2e-3 leaves a 10x margin.
    const error = maxRelativeError(analytic[which], numeric, 1e-2);
    ok(error < 2e-3, `input ${which}: error ${error}`);
  });
});

Deno.test("selectiveScan() trains under optimizer.minimize without leaking tensors", async () => {
  await useBackend("cpu");
  const inputs = makeInputs(4);
  const A = tf.variable(inputs.A);
  const D = tf.variable(inputs.D);
  const optimizer = tf.train.adam(1e-2);
  const loss = () =>
    tf.sum(
      tf.square(selectiveScan(inputs.x, inputs.delta, A, inputs.Bm, inputs.Cm, D)),
    ) as tf.Scalar;
  optimizer.minimize(loss); // creates the optimizer's slots once
  const before = tf.memory().numTensors;
  const first = tf.tidy(() => loss().dataSync()[0]);
  for (let i = 0; i < 20; i++) optimizer.minimize(loss);
  const after = tf.tidy(() => loss().dataSync()[0]);
  ok(after < first, `loss did not decrease: ${first} -> ${after}`);
  ok(tf.memory().numTensors === before, `${tf.memory().numTensors - before} tensors leaked`);
  optimizer.dispose();
  A.dispose();
  D.dispose();
});

Deno.test("selectiveScan() throws when a shape disagrees with x and A", () => {
  const { x, delta, A, Bm, Cm, D } = makeInputs(5);
  throws(
    () => selectiveScan(x, delta, A, tf.zeros([B, L, N + 1]), Cm, D),
    {
      name: "TypeError",
      message: `Cannot run the selective scan: Bm must have shape [2,7,4] for x [2,7,3] and ` +
        `A [3,4], got [2,7,5]`,
    },
  );
  throws(
    () => selectiveScan(x, delta, A, Bm, Cm, D, { z: tf.zeros([B, L]) }),
    {
      name: "TypeError",
      message: `Cannot run the selective scan: z must have shape [2,7,3] for x [2,7,3] and ` +
        `A [3,4], got [2,7]`,
    },
  );
});

Deno.test("selectiveScan() throws when x is not rank 3 or an input is not float32", () => {
  const { delta, A, Bm, Cm, D } = makeInputs(6);
  throws(
    () => selectiveScan(tf.zeros([B * L, E]), delta, A, Bm, Cm, D),
    {
      name: "TypeError",
      message: "Cannot run the selective scan: x must be (B, L, E) and A (E, N), got x [14,3] " +
        "and A [3,4]",
    },
  );
  throws(
    () => selectiveScan(tf.zeros([B, L, E], "int32"), delta, A, Bm, Cm, D),
    {
      name: "TypeError",
      message: `Cannot run the selective scan: x must be float32, got int32; ` +
        `cast it with tf.cast(x, "float32")`,
    },
  );
});

Deno.test("scanForwardWasm() and scanBackwardWasm() equal the JavaScript reference within 1e-5 (N = 8)", () => {
  const rng = createRng(7);
  const [b, l, e, n] = [3, 23, 5, 8];
  const draw = (count: number, lo: number, hi: number) =>
    Float32Array.from(rng.fillUniform(new Float64Array(count)), (u) => lo + (hi - lo) * u);
  for (const [gated, reverse] of [[false, false], [true, false], [true, true]]) {
    const problem: ScanProblem = {
      batch: b,
      length: l,
      channels: e,
      states: n,
      x: draw(b * l * e, -1, 1),
      delta: gated ? draw(b * l * e, -3, 1) : draw(b * l * e, 0.05, 1),
      A: draw(e * n, -4, -0.5),
      Bm: draw(b * l * n, -1, 1),
      Cm: draw(b * l * n, -1, 1),
      D: draw(e, -1, 1),
      z: gated ? draw(b * l * e, -3, 3) : null,
      deltaBias: gated ? draw(e, -1, 1) : null,
      deltaSoftplus: gated,
      reverse,
    };
    const dy = draw(b * l * e, -1, 1);
    // float32 sums over at most B L = 69 terms and an exp to 2e-7: ~1e-6 relative.
    const forward = maxRelativeError(scanForwardWasm(problem), scanForward(problem), 0.1);
    ok(forward < 1e-5, `y: error ${forward}`);
    const simd = scanBackwardWasm(problem, dy);
    const reference = scanBackward(problem, dy);
    for (const key of ["x", "delta", "A", "Bm", "Cm", "D", "z", "deltaBias"] as const) {
      if (reference[key] === null) continue;
      const error = maxRelativeError(simd[key]!, reference[key]!, 0.1);
      ok(error < 1e-5, `${key}: error ${error}`);
    }
  }
});
