/**
 * Kernel throughput on the `blas` backend: sgemm through FFI (the limit), then TF.js's conv1d
 * forward, input gradient and filter gradient at the shapes of the paper-width ResAnDi, each as a
 * fraction of the sgemm figure measured in the same run.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { findBlas } from "../lib/nn/blas.ts";
import { selectBackend } from "../lib/nn/backend.ts";
import { createRng } from "../lib/rng.ts";

/** One kernel row: achieved GFLOP/s and its ratio to sgemm. */
export interface KernelRow {
  kernel: string;
  shape: string;
  gflops: number;
  /** Achieved / sgemm limit of the same run; 1 for the sgemm row itself. */
  ofLimit: number;
}

/**
 * Fastest of `repeats` timings (ms) of `work` after one warm-up call: on a shared machine the
 * fastest run is the one least disturbed, for the sgemm limit and the kernels alike.
 */
export function fastestMs(work: () => void, repeats: number): number {
  work();
  let fastest = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    work();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest;
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = createRng(seed);
  const values = rng.fillNormal(new Float64Array(tf.util.sizeFromShape(shape)));
  return tf.tensor(Float32Array.from(values), shape);
}

/** Conv layers of the paper-width ResAnDi at B = 64, L = 1000 (resandi.md §4). */
const CONV_SHAPES = [
  { name: "layer1 64->64 k15", batch: 64, width: 250, cin: 64, cout: 64, kernel: 15, stride: 1 },
  { name: "layer3 256->256 k15", batch: 64, width: 63, cin: 256, cout: 256, kernel: 15, stride: 1 },
  {
    name: "layer4 256->512 k15 s2",
    batch: 64,
    width: 63,
    cin: 256,
    cout: 512,
    kernel: 15,
    stride: 2,
  },
];

/**
 * Measures the kernel rows. Requires a BLAS library.
 *
 * @throws {Error} when no BLAS library loads.
 */
export async function benchKernels(repeats = 5): Promise<KernelRow[]> {
  const { blas, problems } = findBlas();
  if (!blas) throw new Error(`Cannot bench the BLAS kernels: no BLAS loads (${problems[0]})`);
  await selectBackend({ prefer: "blas" });
  const n = 512;
  const a = new Float32Array(n * n).fill(0.5);
  const b = new Float32Array(n * n).fill(0.25);
  const c = new Float32Array(n * n);
  const sgemmMs = fastestMs(() => {
    for (let i = 0; i < 10; i++) blas.sgemm(false, false, n, n, n, a, b, c);
  }, repeats) / 10;
  const limit = 2 * n ** 3 / sgemmMs / 1e6;
  const rows: KernelRow[] = [{ kernel: "sgemm (FFI)", shape: "512^3", gflops: limit, ofLimit: 1 }];
  for (const shape of CONV_SHAPES) {
    // conv1d is Conv2D on (B, 1, W, C) with a (1, k, Cin, Cout) filter; time the three kernels
    // themselves, as the ResNet's forward and backward passes call them.
    const x = randomTensor([shape.batch, 1, shape.width, shape.cin], 1);
    const filter = randomTensor([1, shape.kernel, shape.cin, shape.cout], 2);
    const pad = (shape.kernel - 1) / 2;
    const outWidth = Math.floor((shape.width + 2 * pad - shape.kernel) / shape.stride) + 1;
    const dy = randomTensor([shape.batch, 1, outWidth, shape.cout], 3);
    const flops = 2 * shape.batch * outWidth * shape.kernel * shape.cin * shape.cout;
    const attrs = {
      strides: [1, shape.stride],
      pad: [[0, 0], [0, 0], [pad, pad], [0, 0]],
      dataFormat: "NHWC",
      dilations: [1, 1],
    } as unknown as tf.NamedAttrMap;
    const time = (kernel: string, inputs: tf.NamedTensorMap, extra: tf.NamedAttrMap) =>
      fastestMs(() => {
        const out = tf.engine().runKernel(kernel, inputs, { ...attrs, ...extra }) as tf.Tensor;
        out.dataSync();
        out.dispose();
      }, repeats);
    const forwardMs = time("Conv2D", { x, filter }, {});
    const inputGradMs = time("Conv2DBackpropInput", { dy, filter }, { inputShape: x.shape });
    const filterGradMs = time("Conv2DBackpropFilter", { x, dy }, { filterShape: filter.shape });
    const label = `B${shape.batch} W${shape.width}`;
    for (
      const [kernel, ms] of [
        [`conv1d forward ${shape.name}`, forwardMs],
        [`conv1d d/dinput ${shape.name}`, inputGradMs],
        [`conv1d d/dfilter ${shape.name}`, filterGradMs],
      ] as const
    ) {
      const gflops = flops / ms / 1e6;
      rows.push({ kernel, shape: label, gflops, ofLimit: gflops / limit });
    }
    tf.dispose([x, filter, dy]);
  }
  return rows;
}
