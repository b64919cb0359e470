import { equal, ok, throws } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "../rng.ts";
import {
  finiteDifference,
  maxRelativeError,
  testBackends,
  useBackend,
  valuesOf,
} from "./_testing.ts";
import { bidirectionalLstmLayer, lstm, type LstmWeights } from "./lstm.ts";

const B = 2;
const T = 5;
const F = 3;
const H = 4;

function seededTensor(seed: number, shape: number[], scale: number): tf.Tensor {
  const draws = createRng(seed).fillNormal(new Float64Array(tf.util.sizeFromShape(shape)));
  return tf.tensor(Float32Array.from(draws, (v) => v * scale), shape, "float32");
}

/** Weights of the size PyTorch initialises (|w| ~ 1/sqrt(H)), scaled up to reach saturation. */
function seededWeights(seed: number, features = F, hidden = H): LstmWeights {
  return {
    kernel: seededTensor(seed, [features, 4 * hidden], 0.8) as tf.Tensor2D,
    recurrentKernel: seededTensor(seed + 1, [hidden, 4 * hidden], 0.8) as tf.Tensor2D,
    bias: seededTensor(seed + 2, [4 * hidden], 0.5) as tf.Tensor1D,
  };
}

/** One direction's weights split per gate (i, f, g, o), so the reference needs no slicing. */
interface GateWeights {
  kernels: tf.Tensor2D[];
  recurrentKernels: tf.Tensor2D[];
  biases: tf.Tensor1D[];
}

function perGate(w: LstmWeights): GateWeights {
  return {
    kernels: tf.split(w.kernel, 4, 1),
    recurrentKernels: tf.split(w.recurrentKernel, 4, 1),
    biases: tf.split(w.bias, 4, 0),
  };
}

/**
 * The reference: one TF.js op per gate per step (what tf.layers.lstm does), on the steps x_t
 * (batch, features) given as a list. Returns h_t in time order.
 */
function naiveLstm(steps: tf.Tensor2D[], w: GateWeights, reverse: boolean): tf.Tensor2D[] {
  const batch = steps[0].shape[0];
  const hidden = w.recurrentKernels[0].shape[0];
  let h: tf.Tensor2D = tf.zeros([batch, hidden]);
  let c: tf.Tensor2D = tf.zeros([batch, hidden]);
  const outputs: tf.Tensor2D[] = new Array(steps.length);
  for (let s = 0; s < steps.length; s++) {
    const t = reverse ? steps.length - 1 - s : s;
    const [zi, zf, zg, zo] = [0, 1, 2, 3].map((k) =>
      tf.add(
        tf.add(tf.matMul(steps[t], w.kernels[k]), tf.matMul(h, w.recurrentKernels[k])),
        w.biases[k],
      )
    );
    c = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
    h = tf.mul(tf.sigmoid(zo), tf.tanh(c));
    outputs[t] = h;
  }
  return outputs;
}

function naiveBidirectional(x: tf.Tensor3D, fw: LstmWeights, bw: LstmWeights): tf.Tensor3D {
  const steps = tf.unstack(x, 1) as tf.Tensor2D[];
  const forward = tf.stack(naiveLstm(steps, perGate(fw), false), 1);
  const backward = tf.stack(naiveLstm(steps, perGate(bw), true), 1);
  return tf.concat([forward, backward], 2) as tf.Tensor3D;
}

function inputsOf(x: tf.Tensor, fw: LstmWeights, bw: LstmWeights): tf.Tensor[] {
  return [x, fw.kernel, fw.recurrentKernel, fw.bias, bw.kernel, bw.recurrentKernel, bw.bias];
}

function weightsFrom(inputs: tf.Tensor[], offset: number): LstmWeights {
  return {
    kernel: inputs[offset] as tf.Tensor2D,
    recurrentKernel: inputs[offset + 1] as tf.Tensor2D,
    bias: inputs[offset + 2] as tf.Tensor1D,
  };
}

const INPUT_NAMES = [
  "x",
  "forward kernel",
  "forward recurrentKernel",
  "forward bias",
  "backward kernel",
  "backward recurrentKernel",
  "backward bias",
];

/**
 * Gradients of sum(y * probe) through the reference, for x and the six weights in the fused
 * op's layout: the reference differentiates with respect to the per-step and per-gate pieces,
 * which are then stacked and concatenated back.
 */
function naiveGradients(
  x: tf.Tensor3D,
  fw: LstmWeights,
  bw: LstmWeights,
  probe: tf.Tensor3D,
): tf.Tensor[] {
  const steps = tf.unstack(x, 1) as tf.Tensor2D[];
  const T = steps.length;
  const hidden = fw.recurrentKernel.shape[0];
  const probes = tf.unstack(probe, 1).map((p) => tf.split(p, [hidden, hidden], 1));
  const pieces = [perGate(fw), perGate(bw)].flatMap((g) => [
    ...g.kernels,
    ...g.recurrentKernels,
    ...g.biases,
  ]);
  const unpack = (args: tf.Tensor[], d: number): GateWeights => ({
    kernels: args.slice(T + 12 * d, T + 12 * d + 4) as tf.Tensor2D[],
    recurrentKernels: args.slice(T + 12 * d + 4, T + 12 * d + 8) as tf.Tensor2D[],
    biases: args.slice(T + 12 * d + 8, T + 12 * d + 12) as tf.Tensor1D[],
  });
  const grads = tf.grads((...args: tf.Tensor[]) => {
    const xs = args.slice(0, T) as tf.Tensor2D[];
    const forward = naiveLstm(xs, unpack(args, 0), false);
    const backward = naiveLstm(xs, unpack(args, 1), true);
    let loss = tf.scalar(0);
    for (let t = 0; t < T; t++) {
      loss = tf.add(loss, tf.sum(tf.mul(forward[t], probes[t][0])));
      loss = tf.add(loss, tf.sum(tf.mul(backward[t], probes[t][1])));
    }
    return loss;
  })([...steps, ...pieces]);
  const result: tf.Tensor[] = [tf.stack(grads.slice(0, T), 1)];
  for (let d = 0; d < 2; d++) {
    const o = T + 12 * d;
    result.push(
      tf.concat(grads.slice(o, o + 4), 1),
      tf.concat(grads.slice(o + 4, o + 8), 1),
      tf.concat(grads.slice(o + 8, o + 12), 0),
    );
  }
  return result;
}

for (const backend of testBackends()) {
  Deno.test(`bidirectionalLstmLayer() equals a per-step TF.js composition within 1e-5 relative (B 2, T 5, F 3, H 4, ${backend})`, async () => {
    await useBackend(backend);
    // Tolerance: both sides round every product and gate to float32 (eps 6e-8); five steps of
    // four-term sums stay far below 1e-5, while a wrong gate order or time index is O(0.1).
    tf.tidy(() => {
      const x = seededTensor(1, [B, T, F], 1) as tf.Tensor3D;
      const fw = seededWeights(10);
      const bw = seededWeights(20);
      const fused = valuesOf(bidirectionalLstmLayer(x, fw, bw));
      const naive = valuesOf(naiveBidirectional(x, fw, bw));
      ok(maxRelativeError(fused, naive, 1e-3) < 1e-5);
    });
  });

  Deno.test(`lstm() with reverse equals the backward half of bidirectionalLstmLayer() (${backend})`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const x = seededTensor(2, [B, T, F], 1) as tf.Tensor3D;
      const fw = seededWeights(30);
      const bw = seededWeights(40);
      const both = bidirectionalLstmLayer(x, fw, bw);
      const forward = valuesOf(lstm(x, fw));
      const backward = valuesOf(lstm(x, bw, { reverse: true }));
      equal(maxRelativeError(forward, valuesOf(tf.slice(both, [0, 0, 0], [-1, -1, H])), 1), 0);
      equal(maxRelativeError(backward, valuesOf(tf.slice(both, [0, 0, H], [-1, -1, H])), 1), 0);
    });
  });

  Deno.test(`bidirectionalLstmLayer() gradients for x and all weights equal tf.grads of the per-step composition within 1e-4 relative (${backend})`, async () => {
    await useBackend(backend);
    // Tolerance: as for the forward pass, float32 rounding of a few dozen terms (< 1e-6
    // relative); 1e-4 leaves room and still catches any missing term (O(1e-2) or more).
    tf.tidy(() => {
      const x = seededTensor(3, [B, T, F], 1) as tf.Tensor3D;
      const inputs = inputsOf(x, seededWeights(50), seededWeights(60));
      const probe = seededTensor(4, [B, T, 2 * H], 1) as tf.Tensor3D;
      const fused = tf.grads((...args: tf.Tensor[]) =>
        tf.sum(tf.mul(
          bidirectionalLstmLayer(
            args[0] as tf.Tensor3D,
            weightsFrom(args, 1),
            weightsFrom(args, 4),
          ),
          probe,
        ))
      )(inputs);
      const naive = naiveGradients(x, weightsFrom(inputs, 1), weightsFrom(inputs, 4), probe);
      fused.forEach((g, n) => {
        const error = maxRelativeError(valuesOf(g), valuesOf(naive[n]), 1e-3);
        ok(error < 1e-4, `${INPUT_NAMES[n]}: relative error ${error}`);
      });
    });
  });

  Deno.test(`bidirectionalLstmLayer() gradients match central finite differences within 1e-3 absolute (h = 1e-2, ${backend})`, async () => {
    await useBackend(backend);
    // Tolerance: truncation error h^2/6 |f'''| with sigmoid/tanh third derivatives <= 2 and
    // weights ~1 gives ~1e-4 at h = 1e-2; float32 rounding of the loss (|loss| < 10, eps 6e-8)
    // adds ~6e-7 / (2h) = 3e-5. 1e-3 is a few times that sum; a wrong term is O(1e-1).
    const inputs = tf.tidy(() =>
      inputsOf(seededTensor(5, [B, T, F], 1), seededWeights(70), seededWeights(80))
    );
    const probe = seededTensor(6, [B, T, 2 * H], 1);
    function lossAt(n: number, values: Float32Array): number {
      return tf.tidy(() => {
        const args = inputs.slice();
        args[n] = tf.tensor(values, inputs[n].shape, "float32");
        const y = bidirectionalLstmLayer(
          args[0] as tf.Tensor3D,
          weightsFrom(args, 1),
          weightsFrom(args, 4),
        );
        return tf.sum(tf.mul(y, probe)).dataSync()[0];
      });
    }
    const analytic = tf.grads((...args: tf.Tensor[]) =>
      tf.sum(tf.mul(
        bidirectionalLstmLayer(
          args[0] as tf.Tensor3D,
          weightsFrom(args, 1),
          weightsFrom(args, 4),
        ),
        probe,
      ))
    )(inputs);
    inputs.forEach((input, n) => {
      const numeric = finiteDifference((v) => lossAt(n, v), valuesOf(input));
      const exact = valuesOf(analytic[n]);
      let worst = 0;
      for (let i = 0; i < exact.length; i++) {
        worst = Math.max(worst, Math.abs(exact[i] - numeric[i]));
      }
      ok(worst < 1e-3, `${INPUT_NAMES[n]}: absolute error ${worst}`);
    });
    tf.dispose([...inputs, ...analytic, probe]);
  });

  Deno.test(`bidirectionalLstmLayer() forward outputs at t depend only on x[0..t] and backward outputs only on x[t..T-1] (${backend})`, async () => {
    await useBackend(backend);
    tf.tidy(() => {
      const x = seededTensor(7, [B, T, F], 1) as tf.Tensor3D;
      const fw = seededWeights(90);
      const bw = seededWeights(100);
      const changed = 2;
      const bump = tf.tensor3d(
        Float32Array.from(
          { length: B * T * F },
          (_, i) => (Math.floor(i / F) % T === changed ? 1 : 0),
        ),
        [B, T, F],
      );
      const before = valuesOf(bidirectionalLstmLayer(x, fw, bw));
      const after = valuesOf(bidirectionalLstmLayer(tf.add(x, bump) as tf.Tensor3D, fw, bw));
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < 2 * H; j++) {
            const i = (b * T + t) * 2 * H + j;
            const forwardUnit = j < H;
            const reached = forwardUnit ? t >= changed : t <= changed;
            if (!reached) equal(after[i], before[i], `b ${b} t ${t} unit ${j}`);
          }
        }
        // The perturbation reaches both directions at its own step.
        const at = (b * T + changed) * 2 * H;
        ok(after[at] !== before[at] && after[at + H] !== before[at + H]);
      }
    });
  });

  Deno.test(`bidirectionalLstmLayer() leaves no tensors behind after a forward and backward pass (${backend})`, async () => {
    await useBackend(backend);
    const x = seededTensor(8, [B, T, F], 1) as tf.Tensor3D;
    const fw = seededWeights(110);
    const bw = seededWeights(120);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor) =>
        tf.sum(bidirectionalLstmLayer(a as tf.Tensor3D, fw, bw))
      )([x]);
      ok(g[0].shape.join() === x.shape.join());
    });
    equal(tf.memory().numTensors, before);
    tf.dispose([x, ...inputsOf(x, fw, bw).slice(1)]);
  });
}

Deno.test("bidirectionalLstmLayer() throws when x is not rank 3", () => {
  const w = seededWeights(1);
  throws(
    () => bidirectionalLstmLayer(tf.zeros([5, 3]) as unknown as tf.Tensor3D, w, w),
    new TypeError(
      "Cannot run bidirectional LSTM: x must be rank 3 (batch, time, features), got shape " +
        "[5, 3]; reshape single sequences to [1, time, features]",
    ),
  );
});

Deno.test("bidirectionalLstmLayer() throws when x has no time step", () => {
  const w = seededWeights(1);
  throws(
    () => bidirectionalLstmLayer(tf.zeros([2, 0, 3]), w, w),
    new RangeError(
      "Cannot run bidirectional LSTM: x must hold at least one sequence of at least one " +
        "step, got shape [2, 0, 3]; skip empty batches before calling",
    ),
  );
});

Deno.test("bidirectionalLstmLayer() throws when x is not float32", () => {
  const w = seededWeights(1);
  throws(
    () => bidirectionalLstmLayer(tf.zeros([2, 5, 3], "int32"), w, w),
    new TypeError(
      'Cannot run bidirectional LSTM: x must be float32, got int32; cast it with tf.cast(x, "float32")',
    ),
  );
});

Deno.test("bidirectionalLstmLayer() throws when the kernel does not match the input features", () => {
  const w = seededWeights(1);
  throws(
    () => bidirectionalLstmLayer(tf.zeros([2, 5, 6]), w, w),
    new TypeError(
      "Cannot run bidirectional LSTM: forward kernel must have shape [6, 16] for 6 input " +
        "features and hidden size 4, got [3, 16]; weights are (in, 4 * hidden) with gates i, " +
        "f, g, o (PyTorch's weight_ih and weight_hh transposed)",
    ),
  );
});

Deno.test("bidirectionalLstmLayer() throws when the backward direction has another hidden size", () => {
  throws(
    () => bidirectionalLstmLayer(tf.zeros([2, 5, 3]), seededWeights(1), seededWeights(2, 3, 5)),
    new TypeError(
      "Cannot run bidirectional LSTM: backward kernel must have shape [3, 16] for 3 input " +
        "features and hidden size 4, got [3, 20]; weights are (in, 4 * hidden) with gates i, " +
        "f, g, o (PyTorch's weight_ih and weight_hh transposed)",
    ),
  );
});

Deno.test("lstm() throws when the bias does not have 4 * hidden entries", () => {
  const w = seededWeights(1);
  throws(
    () => lstm(tf.zeros([2, 5, 3]), { ...w, bias: tf.zeros([4]) as tf.Tensor1D }),
    new TypeError(
      "Cannot run LSTM: bias must have shape [16] for 3 input features and hidden size 4, got " +
        "[4]; weights are (in, 4 * hidden) with gates i, f, g, o (PyTorch's weight_ih and " +
        "weight_hh transposed)",
    ),
  );
});

Deno.test("lstm() throws when the recurrent kernel is not square in hidden units", () => {
  const w = seededWeights(1);
  throws(
    () => lstm(tf.zeros([2, 5, 3]), { ...w, recurrentKernel: tf.zeros([4, 12]) as tf.Tensor2D }),
    new TypeError(
      "Cannot run LSTM: recurrentKernel must have shape [4, 16] for 3 input features and " +
        "hidden size 4, got [4, 12]; weights are (in, 4 * hidden) with gates i, f, g, o " +
        "(PyTorch's weight_ih and weight_hh transposed)",
    ),
  );
});
