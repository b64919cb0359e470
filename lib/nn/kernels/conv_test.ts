import { equal, ok } from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createRng, type Rng } from "../../rng.ts";
import {
  agreement,
  finiteDifference,
  testBackends,
  uniforms,
  useBackend,
  valuesOf,
} from "../_testing.ts";

const HAS_BLAS = testBackends().includes("blas");

/** Float32 unit roundoff. */
const EPSILON = 2 ** -24;

/** Agreement asked of the BLAS kernels with the stock ones (relative, see `agreement`). */
const TOLERANCE = 1e-4;

type Padding = "same" | "valid" | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

interface ConvCase {
  xShape: Shape4;
  filterShape: Shape4;
  strides: [number, number];
  dilations: [number, number];
  pad: Padding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

function outShapeOf(c: ConvCase): number[] {
  const { xShape, filterShape, strides, dilations, pad, dimRoundingMode } = c;
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
  ).outShape;
}

/**
 * A random convolution: batch 1..3, H = 1 (a 1-D convolution) or 2..6, kernel 1..3 x 1..7,
 * strides 1..3, dilation 1..2 when both strides are 1 (TF.js forbids both above 1), 'same',
 * 'valid', a number (with a rounding mode) or explicit padding, 1..9 channels each way; drawn
 * again until it is large enough (>= 4096 multiply-adds) to run on BLAS rather than fall back.
 */
function drawCase(rng: Rng, dilated: boolean): ConvCase {
  for (;;) {
    const height = rng.uniform() < 0.5 ? 1 : rng.integer(2, 7);
    const filterHeight = height === 1 ? 1 : rng.integer(1, Math.min(height, 3) + 1);
    const filterWidth = rng.integer(1, 8);
    const strides: [number, number] = [height === 1 ? 1 : rng.integer(1, 4), rng.integer(1, 4)];
    const canDilate = dilated && strides[0] === 1 && strides[1] === 1;
    const dilationH = canDilate && 2 * filterHeight - 1 <= height ? rng.integer(1, 3) : 1;
    const dilations: [number, number] = [dilationH, canDilate ? rng.integer(1, 3) : 1];
    const span = (filterWidth - 1) * dilations[1] + 1;
    const kind = rng.integer(0, 4);
    const explicit: Padding = [[0, 0], [rng.integer(0, 3), rng.integer(0, 3)], [
      rng.integer(0, 4),
      rng.integer(0, 4),
    ], [0, 0]];
    const pads: Padding[] = ["same", "valid", rng.integer(0, 3), explicit];
    const modes = [undefined, "floor", "round", "ceil"] as const;
    const cin = rng.integer(1, 10);
    const c: ConvCase = {
      xShape: [rng.integer(1, 4), height, rng.integer(span, span + 24), cin],
      filterShape: [filterHeight, filterWidth, cin, rng.integer(1, 10)],
      strides,
      dilations,
      pad: pads[kind],
      dimRoundingMode: kind === 2 ? modes[rng.integer(0, 4)] : undefined,
    };
    const [, outHeight, outWidth] = outShapeOf(c);
    const work = tf.util.sizeFromShape(outShapeOf(c)) * filterHeight * filterWidth * cin;
    if (outHeight > 0 && outWidth > 0 && work >= 4096) return c;
  }
}

/** Runs `compute` on the stock `cpu` backend and on `blas`; asserts the results agree. */
async function assertBackendsAgree(
  compute: () => Float32Array[],
  what: string,
  tolerance = TOLERANCE,
): Promise<void> {
  await useBackend("cpu");
  const reference = compute();
  await useBackend("blas");
  const actual = compute();
  reference.forEach((expected, i) => {
    const error = agreement(actual[i], expected);
    ok(error <= tolerance, `${what} [${i}]: relative error ${error} > ${tolerance}`);
  });
}

function conv(c: ConvCase) {
  return (x: tf.Tensor, w: tf.Tensor) =>
    tf.conv2d(
      x as tf.Tensor4D,
      w as tf.Tensor4D,
      c.strides,
      c.pad,
      "NHWC",
      c.dilations,
      c.dimRoundingMode,
    );
}

/** Values of conv(x, w), and its gradients with respect to x and w for dy = r. */
function convAndGradients(c: ConvCase, xs: Float32Array, ws: Float32Array, rs?: Float32Array) {
  return () =>
    tf.tidy(() => {
      const args = [tf.tensor4d(xs, c.xShape), tf.tensor4d(ws, c.filterShape)];
      const y = conv(c)(args[0], args[1]);
      if (!rs) return [valuesOf(y)];
      return [y, ...tf.grads(conv(c))(args, tf.tensor(rs, y.shape))].map(valuesOf);
    });
}

Deno.test({
  name: "Conv2D on BLAS equals the stock kernel within 1e-4 relative (40 random shapes, seed 11)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(11).stream("conv2d");
    for (let n = 0; n < 40; n++) {
      const c = drawCase(rng, true);
      const xs = uniforms(rng, tf.util.sizeFromShape(c.xShape));
      const ws = uniforms(rng, tf.util.sizeFromShape(c.filterShape));
      await assertBackendsAgree(convAndGradients(c, xs, ws), JSON.stringify(c));
    }
  },
});

Deno.test({
  name: "Conv2DBackpropInput and Conv2DBackpropFilter on BLAS equal the stock kernels within " +
    "1e-4 relative (tf.grads, 30 random shapes, seed 12)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(12).stream("conv2d-gradients");
    for (let n = 0; n < 30; n++) {
      const c = drawCase(rng, false);
      const xs = uniforms(rng, tf.util.sizeFromShape(c.xShape));
      const ws = uniforms(rng, tf.util.sizeFromShape(c.filterShape));
      const rs = uniforms(rng, tf.util.sizeFromShape(outShapeOf(c)));
      await assertBackendsAgree(convAndGradients(c, xs, ws, rs), JSON.stringify(c));
    }
  },
});

Deno.test({
  name: "Conv2D and its gradients on BLAS equal the stock kernels within 1e-4 relative across " +
    "patch-buffer chunks (over 1024 output rows; 1-D stride 1 and 2, 2-D 3x3; seed 17)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(17).stream("chunks");
    const cases: ConvCase[] = [
      { xShape: [2, 1, 1100, 3], filterShape: [1, 7, 3, 4], strides: [1, 1], pad: "same" },
      { xShape: [2, 1, 1100, 3], filterShape: [1, 7, 3, 4], strides: [1, 2], pad: "same" },
      { xShape: [1, 11, 150, 2], filterShape: [3, 3, 2, 3], strides: [1, 1], pad: "valid" },
    ].map((c) => ({ ...c, dilations: [1, 1] } as ConvCase));
    for (const c of cases) {
      const xs = uniforms(rng, tf.util.sizeFromShape(c.xShape));
      const ws = uniforms(rng, tf.util.sizeFromShape(c.filterShape));
      const rs = uniforms(rng, tf.util.sizeFromShape(outShapeOf(c)));
      await assertBackendsAgree(convAndGradients(c, xs, ws, rs), JSON.stringify(c));
    }
  },
});

Deno.test({
  name: "Conv2D and its gradients on BLAS equal the stock kernels within 100 sqrt(K) eps " +
    "relative on products large enough for the library's threads (k 15, 64 -> 64 channels, " +
    "288 rows: 17.7 M multiply-adds; seed 18)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(18).stream("threads");
    const c: ConvCase = {
      xShape: [4, 1, 72, 64],
      filterShape: [1, 15, 64, 64],
      strides: [1, 1],
      dilations: [1, 1],
      pad: "same",
    };
    // Sums of K = 960 terms: both sides round each partial sum (~rms in size) by eps, a random
    // walk of sqrt(K) eps rms; the floor is 1 % of rms, hence 100 sqrt(K) eps (3 sigma: x 3).
    const tolerance = 3 * 100 * Math.sqrt(15 * 64) * EPSILON;
    const xs = uniforms(rng, tf.util.sizeFromShape(c.xShape));
    const ws = uniforms(rng, tf.util.sizeFromShape(c.filterShape));
    const rs = uniforms(rng, tf.util.sizeFromShape(outShapeOf(c)));
    await assertBackendsAgree(convAndGradients(c, xs, ws, rs), JSON.stringify(c), tolerance);
  },
});

Deno.test({
  name: "conv1d on BLAS equals the stock kernels forward and backward within 1e-4 relative " +
    "(12 ResNet-like shapes: kernel 1-15, stride 1-2, seed 13)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(13).stream("conv1d");
    for (let n = 0; n < 12; n++) {
      const kernel = [1, 3, 7, 15][rng.integer(0, 4)];
      const stride = rng.integer(1, 3);
      const half = (kernel - 1) / 2;
      const pad = (["same", "valid", [[0, 0], [0, 0], [half, half], [0, 0]]] as Padding[])[n % 3];
      const shape = [rng.integer(1, 4), rng.integer(kernel + 8, kernel + 40), rng.integer(2, 10)];
      const filterShape = [kernel, shape[2], rng.integer(2, 10)];
      const xs = uniforms(rng, tf.util.sizeFromShape(shape));
      const ws = uniforms(rng, tf.util.sizeFromShape(filterShape));
      const f = (x: tf.Tensor, w: tf.Tensor) =>
        tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, stride, pad);
      const outShape = tf.tidy(() => f(tf.zeros(shape), tf.zeros(filterShape)).shape);
      const rs = uniforms(rng, tf.util.sizeFromShape(outShape));
      await assertBackendsAgree(
        () =>
          tf.tidy(() => {
            const args = [tf.tensor(xs, shape), tf.tensor(ws, filterShape)];
            return [f(args[0], args[1]), ...tf.grads(f)(args, tf.tensor(rs, outShape))].map(
              valuesOf,
            );
          }),
        JSON.stringify({ shape, filterShape, stride, pad }),
      );
    }
  },
});

Deno.test({
  name: "FusedConv2D on BLAS equals the stock kernel within 1e-4 relative for each bias form " +
    "and activation (14 random shapes, seed 14)",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(14).stream("fused-conv2d");
    const activations = ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"];
    for (let n = 0; n < 14; n++) {
      const c = drawCase(rng, true);
      const activation = activations[n % activations.length] as tf.fused.Activation;
      const cout = c.filterShape[3];
      // Per-channel bias (folded into the product), a scalar one, or one that varies along W.
      const biasShape = [[cout], [1], [outShapeOf(c)[2], cout]][n % 3];
      const xs = uniforms(rng, tf.util.sizeFromShape(c.xShape));
      const ws = uniforms(rng, tf.util.sizeFromShape(c.filterShape));
      const bs = uniforms(rng, tf.util.sizeFromShape(biasShape));
      const alphas = uniforms(rng, cout);
      await assertBackendsAgree(
        () =>
          tf.tidy(() => [
            valuesOf(tf.fused.conv2d({
              x: tf.tensor4d(xs, c.xShape),
              filter: tf.tensor4d(ws, c.filterShape),
              strides: c.strides,
              pad: c.pad,
              dilations: c.dilations,
              dimRoundingMode: c.dimRoundingMode,
              bias: n % 4 === 3 ? undefined : tf.tensor(bs, biasShape),
              activation,
              preluActivationWeights: activation === "prelu" ? tf.tensor1d(alphas) : undefined,
              leakyreluAlpha: 0.15,
            })),
          ]),
        `${activation} ${JSON.stringify(biasShape)} ${JSON.stringify(c)}`,
      );
    }
  },
});

Deno.test({
  name: "Conv2D on BLAS falls back to the stock kernel for NCHW input and tiny problems",
  ignore: !HAS_BLAS,
  async fn() {
    const rng = createRng(15).stream("fallback");
    const xs = uniforms(rng, 2 * 5 * 3 * 20);
    const ws = uniforms(rng, 3 * 3 * 5 * 6);
    await assertBackendsAgree(
      () =>
        tf.tidy(() =>
          [
            tf.conv2d(
              tf.tensor4d(xs, [2, 5, 3, 20]),
              tf.tensor4d(ws, [3, 3, 5, 6]),
              1,
              "same",
              "NCHW",
            ),
            tf.conv2d(
              tf.tensor4d(xs.subarray(0, 8), [1, 2, 4, 1]),
              tf.ones([1, 2, 1, 2]),
              1,
              "valid",
            ),
          ].map(valuesOf)
        ),
      "fallback",
    );
  },
});

Deno.test({
  name: "convKernels() leave no backend buffers behind (conv, fused conv with both bias paths, " +
    "gradients)",
  ignore: !HAS_BLAS,
  async fn() {
    await useBackend("blas");
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const rng = createRng(16).stream("leaks");
    const x = tf.tensor4d(uniforms(rng, 2 * 1 * 30 * 4), [2, 1, 30, 4]);
    const w = tf.tensor4d(uniforms(rng, 1 * 5 * 4 * 6), [1, 5, 4, 6]);
    const before = backend.numDataIds();
    tf.tidy(() => {
      const base = { x, filter: w, strides: 1, pad: "same" } as const;
      tf.fused.conv2d({ ...base, bias: tf.ones([6]), activation: "relu" });
      tf.fused.conv2d({ ...base, bias: tf.ones([30, 6]), activation: "elu" });
      const strided = conv({
        xShape: x.shape,
        filterShape: w.shape,
        strides: [1, 2],
        dilations: [1, 1],
        pad: "same",
      });
      tf.grads(strided)([x, w], tf.ones([2, 1, 15, 6]));
    });
    equal(backend.numDataIds(), before);
    tf.dispose([x, w]);
  },
});

/**
 * Checks tf.grads of the loss sum(conv2d(x, w) * r) against central differences on `backend`.
 * The loss is linear in x and in w, so central differences have no truncation error for any
 * step h; what remains is float32 rounding. Each evaluation is a float32 dot product of
 * K = kh * kw * Cin terms per output, a product with r and one rounding of the (float64) sum,
 * so its error is at most gamma(K + 2) S, with gamma(n) = n eps / (1 - n eps) and S the sum of
 * the magnitudes of all terms, S = sum(|r| conv2d(|x| + h, |w| + h)) (perturbed inputs
 * included). Two evaluations over 2h give the bound gamma(K + 2) S / h. The analytic
 * gradient's own rounding, gamma(n) times sums of |r w| of size ~1, is ~1e-6: negligible.
 */
function checkFiniteDifferences(backend: string, c: ConvCase, seed: number): void {
  const rng = createRng(seed).stream("finite-differences");
  const xs = uniforms(rng, tf.util.sizeFromShape(c.xShape));
  const ws = uniforms(rng, tf.util.sizeFromShape(c.filterShape));
  const outShape = outShapeOf(c);
  const rs = uniforms(rng, tf.util.sizeFromShape(outShape));
  const h = 0.5;
  const [, dx, dw] = convAndGradients(c, xs, ws, rs)();
  const lossOf = (x: tf.Tensor, w: tf.Tensor) =>
    valuesOf(tf.sum(tf.mul(conv(c)(x, w), tf.tensor(rs, outShape))))[0];
  const lossAt = (x: Float32Array, w: Float32Array) =>
    tf.tidy(() => lossOf(tf.tensor4d(x, c.xShape), tf.tensor4d(w, c.filterShape)));
  const magnitude = tf.tidy(() => {
    const absPlus = (v: Float32Array, shape: Shape4) => tf.add(tf.abs(tf.tensor(v, shape)), h);
    const terms = conv(c)(absPlus(xs, c.xShape), absPlus(ws, c.filterShape));
    return valuesOf(tf.sum(tf.mul(terms, tf.abs(tf.tensor(rs, outShape)))))[0];
  });
  const n = c.filterShape[0] * c.filterShape[1] * c.filterShape[2] + 2;
  const tolerance = (n * EPSILON / (1 - n * EPSILON)) * magnitude / h;
  const fdX = finiteDifference((x) => lossAt(x, ws), xs, h);
  const fdW = finiteDifference((w) => lossAt(xs, w), ws, h);
  for (const [name, analytic, numeric] of [["x", dx, fdX], ["filter", dw, fdW]] as const) {
    let worst = 0;
    for (let i = 0; i < numeric.length; i++) {
      worst = Math.max(worst, Math.abs(analytic[i] - numeric[i]));
    }
    ok(worst <= tolerance, `${backend} d/d${name}: |error| ${worst} > ${tolerance}`);
  }
}

const FINITE_DIFFERENCE_CASES: [string, ConvCase][] = [
  ["conv2d gradients (3x3 kernel, strides [1, 2], 'same')", {
    xShape: [2, 4, 12, 3],
    filterShape: [3, 3, 3, 4],
    strides: [1, 2],
    dilations: [1, 1],
    pad: "same",
  }],
  ["1-D convolution gradients (kernel 5, stride 2, padding 2 | 3)", {
    xShape: [3, 1, 40, 4],
    filterShape: [1, 5, 4, 6],
    strides: [1, 2],
    dilations: [1, 1],
    pad: [[0, 0], [0, 0], [2, 3], [0, 0]],
  }],
];

for (const backend of ["cpu", "blas"]) {
  FINITE_DIFFERENCE_CASES.forEach(([what, c], i) => {
    Deno.test({
      name: `${what} match central differences within gamma(K + 2) S / h (seed ${21 + i}, ` +
        `${backend})`,
      ignore: !testBackends().includes(backend),
      async fn() {
        await useBackend(backend);
        checkFiniteDifferences(backend, c, 21 + i);
      },
    });
  });
}
