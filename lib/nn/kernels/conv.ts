/**
 * `Conv2D`, `FusedConv2D`, `Conv2DBackpropInput` and `Conv2DBackpropFilter` on a native sgemm
 * (NHWC, float32; 1-D convolutions reach them as conv2d with H = 1). Each is a patch gather
 * (`_im2col.ts`) and a matrix product, over chunks of output rows so the patch buffer stays
 * bounded and is reused between calls:
 *
 * - forward: patches of x (rows, kh*kw*Cin) x filter (kh*kw*Cin, Cout) = y (rows, Cout);
 * - filter gradient: sum over chunks of patches^T x dy (sgemm with beta = 1);
 * - input gradient: for each stride phase (dx pixels whose taps share a residue modulo the
 *   stride), patches of dy x the phase's flipped filter, so no scatter-add (col2im) is needed
 *   and no product touches the zeros a strided transposed convolution would insert.
 *
 * Products under SINGLE_THREAD_WORK multiply-adds (the narrow layers of a small network) run
 * on one OpenBLAS thread, larger ones on the library's count.
 *
 * 1x1 stride-1 unpadded convolutions skip the gather: x is already the patch matrix. Other
 * layouts (NCHW), dtypes and problems too small to amortise a call out go to the stock
 * JavaScript kernels.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { Blas } from "../blas.ts";
import { applyBiasAndActivation } from "./_fused.ts";
import {
  copyRun,
  im2col,
  isSourceLayout,
  type PatchGeometry,
  patchLength,
  patchRows,
} from "./_im2col.ts";

/** Below this many multiply-adds the JavaScript kernel is as fast as a call out. */
const MIN_BLAS_WORK = 4096;

/**
 * Output rows per sgemm call: about 1024 rows reach full sgemm speed on the ResNet layer shapes
 * measured, and an 8 MiB patch buffer (or 512 rows when a patch row is longer) stays in cache
 * between being gathered and being used; rows are split evenly so no call gets a short tail.
 */
const CHUNK_ROWS = 1024;
const CHUNK_FLOATS = 1 << 21;
const MIN_CHUNK_ROWS = 512;

/**
 * Products of fewer multiply-adds than this run on one thread: on the 2-core machines of
 * perf.md one OpenBLAS thread ran the ResNet chunk products up to ~12 M multiply-adds at
 * 90-112 GFLOP/s against 45-100 on two (the threads' synchronisation outweighs the split),
 * and two threads pulled ahead from ~25 M (160-210 GFLOP/s at 50-110 M).
 */
const SINGLE_THREAD_WORK = 16e6;

type ConvInfo = tf.backend_util.Conv2DInfo;

/** One thread for small products, else the library's own count (undefined). */
function threadsFor(m: number, n: number, k: number): number | undefined {
  return m * n * k < SINGLE_THREAD_WORK ? 1 : undefined;
}

/** Reusable work buffers, grown on demand and kept for the next call. */
interface Scratch {
  get(slot: "cols" | "filter" | "rows", length: number): Float32Array;
}

function createScratch(): Scratch {
  const buffers = new Map<string, Float32Array>();
  return {
    get(slot, length) {
      let buffer = buffers.get(slot);
      if (!buffer || buffer.length < length) {
        buffer = new Float32Array(length);
        buffers.set(slot, buffer);
      }
      return buffer;
    },
  };
}

/** Rows per chunk, and the patch buffer for them (none when the source is the patch matrix). */
function chunking(
  scratch: Scratch,
  geometry: PatchGeometry,
): { chunk: number; cols: Float32Array } {
  const rows = patchRows(geometry);
  if (isSourceLayout(geometry)) return { chunk: rows, cols: new Float32Array(0) };
  const k = patchLength(geometry);
  const most = Math.max(MIN_CHUNK_ROWS, Math.min(CHUNK_ROWS, Math.floor(CHUNK_FLOATS / k)));
  const chunk = Math.ceil(rows / Math.ceil(rows / most));
  return { chunk, cols: scratch.get("cols", chunk * k) };
}

/** Sizes and padding exactly as the stock kernels compute them (the backward kernels always
 * use dilation 1: TF.js has no gradient for dilated convolutions). */
function describe(
  xShape: number[],
  filterShape: number[],
  attrs: Pick<tf.Conv2DAttrs, "strides" | "pad" | "dataFormat" | "dimRoundingMode">,
  dilations: [number, number] | number,
): ConvInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

/** NHWC float32 problems of at least MIN_BLAS_WORK multiply-adds go to BLAS. */
function usable(info: ConvInfo, tensors: tf.TensorInfo[]): boolean {
  const work = tf.util.sizeFromShape(info.outShape) * info.filterHeight * info.filterWidth *
    info.inChannels;
  return info.dataFormat === "channelsLast" && tensors.every((t) => t.dtype === "float32") &&
    work >= MIN_BLAS_WORK;
}

/** Patches of the input x: one row per output position. */
function inputPatches(info: ConvInfo): PatchGeometry {
  return {
    batch: info.batchSize,
    height: info.inHeight,
    width: info.inWidth,
    channels: info.inChannels,
    rowsH: info.outHeight,
    rowsW: info.outWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    offsetH: -info.padInfo.top,
    offsetW: -info.padInfo.left,
    tapsH: info.filterHeight,
    tapsW: info.filterWidth,
    dilationH: info.dilationHeight,
    dilationW: info.dilationWidth,
  };
}

/** A float32 tensor's values; sgemm needs them as a Float32Array, which the cpu backend keeps. */
function values(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array {
  const stored = backend.data.get(t.dataId).values;
  return stored instanceof Float32Array ? stored : Float32Array.from(stored as ArrayLike<number>);
}

/**
 * y = conv(x, filter), written into `out` (rows x Cout), which the caller may pre-fill (with a
 * bias) and ask to accumulate into with `beta` = 1.
 */
function forward(
  blas: Blas,
  scratch: Scratch,
  x: Float32Array,
  filter: Float32Array,
  info: ConvInfo,
  out: Float32Array,
  beta: number,
): void {
  const cout = info.outChannels;
  const geometry = inputPatches(info);
  const k = patchLength(geometry);
  const rows = patchRows(geometry);
  const { chunk, cols } = chunking(scratch, geometry);
  for (let first = 0; first < rows; first += chunk) {
    const m = Math.min(chunk, rows - first);
    const patches = im2col(x, geometry, first, m, cols);
    blas.sgemm(false, false, m, cout, k, patches, filter, out.subarray(first * cout), {
      beta,
      threads: threadsFor(m, cout, k),
    });
  }
}

/** dW = sum over output positions of patch(x)^T dy, as (kh*kw*Cin, Cout). */
function filterGradient(
  blas: Blas,
  scratch: Scratch,
  x: Float32Array,
  dy: Float32Array,
  info: ConvInfo,
): Float32Array {
  const cout = info.outChannels;
  const geometry = inputPatches(info);
  const k = patchLength(geometry);
  const rows = patchRows(geometry);
  const dw = new Float32Array(k * cout);
  const { chunk, cols } = chunking(scratch, geometry);
  for (let first = 0; first < rows; first += chunk) {
    const m = Math.min(chunk, rows - first);
    const patches = im2col(x, geometry, first, m, cols);
    blas.sgemm(true, false, k, cout, m, patches, dy.subarray(first * cout), dw, {
      beta: first === 0 ? 0 : 1,
      threads: threadsFor(k, cout, m),
    });
  }
  return dw;
}

/**
 * dx for the pixels of one stride phase (ph, pw): those whose filter taps i, j satisfy
 * i = ph, j = pw modulo the strides. Such a pixel (xh0 + u * sh, xw0 + v * sw) receives
 * dy(ho, wo) W(i, j)^T for taps i = ph + t * sh, with ho = c0h + u - t (likewise along W), so
 * its dy pixels form a stride-1 window over dy and the phase is an ordinary correlation of dy
 * with the taps of that phase, reversed. Nothing is done when no dx pixel or no tap is in
 * the phase (such dx pixels get no gradient and stay zero).
 */
function inputGradientPhase(
  blas: Blas,
  scratch: Scratch,
  dy: Float32Array,
  filter: Float32Array,
  info: ConvInfo,
  ph: number,
  pw: number,
  dx: Float32Array,
): void {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { inChannels: cin, outChannels: cout, inHeight, inWidth } = info;
  const { top, left } = info.padInfo;
  const tapsH = Math.ceil((kh - ph) / sh);
  const tapsW = Math.ceil((kw - pw) / sw);
  const xh0 = (((ph - top) % sh) + sh) % sh;
  const xw0 = (((pw - left) % sw) + sw) % sw;
  const rowsH = Math.ceil((inHeight - xh0) / sh);
  const rowsW = Math.ceil((inWidth - xw0) / sw);
  if (tapsH <= 0 || tapsW <= 0 || rowsH <= 0 || rowsW <= 0) return;
  const geometry: PatchGeometry = {
    batch: info.batchSize,
    height: info.outHeight,
    width: info.outWidth,
    channels: cout,
    rowsH,
    rowsW,
    strideH: 1,
    strideW: 1,
    offsetH: (xh0 + top - ph) / sh - (tapsH - 1),
    offsetW: (xw0 + left - pw) / sw - (tapsW - 1),
    tapsH,
    tapsW,
    dilationH: 1,
    dilationW: 1,
  };
  const k = patchLength(geometry);
  // The phase filter, transposed: row ci holds, for each patch tap (qh, qw), W(i, j, ci, :)
  // with i = ph + (tapsH - 1 - qh) * sh, j = pw + (tapsW - 1 - qw) * sw.
  const phaseFilter = scratch.get("filter", cin * k);
  for (let qh = 0; qh < tapsH; qh++) {
    const i = ph + (tapsH - 1 - qh) * sh;
    for (let qw = 0; qw < tapsW; qw++) {
      const j = pw + (tapsW - 1 - qw) * sw;
      const from = (i * kw + j) * cin * cout;
      const to = (qh * tapsW + qw) * cout;
      for (let ci = 0; ci < cin; ci++) {
        copyRun(filter, from + ci * cout, cout, phaseFilter, ci * k + to);
      }
    }
  }
  // With stride 1 the phase's rows are all of dx, in order: the product writes dx directly.
  const direct = sh === 1 && sw === 1;
  const rows = patchRows(geometry);
  const { chunk, cols } = chunking(scratch, geometry);
  const gathered = direct ? dx : scratch.get("rows", chunk * cin);
  for (let first = 0; first < rows; first += chunk) {
    const m = Math.min(chunk, rows - first);
    const patches = im2col(dy, geometry, first, m, cols);
    const target = direct ? dx.subarray(first * cin) : gathered;
    blas.sgemm(false, true, m, cin, k, patches, phaseFilter, target, {
      ldb: k,
      threads: threadsFor(m, cin, k),
    });
    if (!direct) scatterPhaseRows(gathered, geometry, first, m, info, xh0, xw0, dx);
  }
}

/** Copies phase rows first .. first + m - 1 to their dx pixels, walking (b, u, v) along with
 * the rows rather than dividing out each row's position. */
function scatterPhaseRows(
  gathered: Float32Array,
  geometry: PatchGeometry,
  first: number,
  m: number,
  info: ConvInfo,
  xh0: number,
  xw0: number,
  dx: Float32Array,
): void {
  const { rowsH, rowsW } = geometry;
  const { inChannels: cin, inHeight, inWidth, strideHeight: sh, strideWidth: sw } = info;
  const perImage = rowsH * rowsW;
  let b = Math.floor(first / perImage);
  let u = Math.floor((first - b * perImage) / rowsW);
  let v = first - b * perImage - u * rowsW;
  let to = ((b * inHeight + xh0 + u * sh) * inWidth + xw0 + v * sw) * cin;
  const step = sw * cin;
  let from = 0;
  for (let r = 0; r < m; r++) {
    copyRun(gathered, from, cin, dx, to);
    from += cin;
    if (++v === rowsW) {
      v = 0;
      if (++u === rowsH) {
        u = 0;
        b++;
      }
      to = ((b * inHeight + xh0 + u * sh) * inWidth + xw0) * cin;
    } else {
      to += step;
    }
  }
}

function inputGradient(
  blas: Blas,
  scratch: Scratch,
  dy: Float32Array,
  filter: Float32Array,
  info: ConvInfo,
): Float32Array {
  const dx = new Float32Array(info.batchSize * info.inHeight * info.inWidth * info.inChannels);
  for (let ph = 0; ph < info.strideHeight; ph++) {
    for (let pw = 0; pw < info.strideWidth; pw++) {
      inputGradientPhase(blas, scratch, dy, filter, info, ph, pw, dx);
    }
  }
  return dx;
}

/** Fills every row of `out` with a per-channel bias, by doubling copies. */
function fillRows(out: Float32Array, bias: Float32Array, channels: number): void {
  if (bias.length === 1) {
    out.fill(bias[0]);
    return;
  }
  out.set(bias.subarray(0, channels));
  for (let filled = channels; filled < out.length; filled *= 2) {
    out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  }
}

/** A bias that broadcasts along channels only ([Cout], [1], [1, 1, 1, Cout], ...). */
function isChannelBias(bias: tf.TensorInfo, channels: number): boolean {
  const size = tf.util.sizeFromShape(bias.shape);
  const last = bias.shape[bias.shape.length - 1] ?? 1;
  return bias.dtype === "float32" && bias.shape.length <= 4 &&
    (size === 1 || (size === channels && last === channels));
}

function stock(name: string, args: Parameters<tf.KernelFunc>[0]): ReturnType<tf.KernelFunc> {
  return tf.getKernel(name, "cpu").kernelFunc(args);
}

/**
 * The BLAS-backed 2-D convolution kernels (forward, fused forward, both gradients), to
 * register on a cpu-type backend. The kernels share work buffers kept between calls: the
 * patch buffer (8 MiB, or 512 patch rows when rows are longer: 15.7 MiB for 15 x 512
 * channels), the flipped filter of the input gradient (one filter's size) and, for strided
 * input gradients, up to 1024 rows of dx.
 *
 * @param blas the native library running the matrix products.
 * @returns kernel configs named `Conv2D`, `FusedConv2D`, `Conv2DBackpropInput` and
 * `Conv2DBackpropFilter` for the backend `blas`.
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { findBlas } from "../blas.ts";
 * import { convKernels } from "./conv.ts";
 * const { blas } = findBlas();
 * if (blas) {
 *   deepEqual(convKernels(blas).map((k) => k.kernelName), [
 *     "Conv2D", "FusedConv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter",
 *   ]);
 * }
 * ```
 */
export function convKernels(blas: Blas): tf.KernelConfig[] {
  const scratch = createScratch();
  const conv2d: tf.KernelFunc = (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DAttrs;
    const info = describe(x.shape, filter.shape, attrs, attrs.dilations);
    if (!usable(info, [x, filter])) return stock(tf.Conv2D, args);
    const backend = args.backend as MathBackendCPU;
    const out = new Float32Array(tf.util.sizeFromShape(info.outShape));
    forward(blas, scratch, values(backend, x), values(backend, filter), info, out, 0);
    return backend.makeTensorInfo(info.outShape, "float32", out);
  };
  const fusedConv2d: tf.KernelFunc = (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo
    >;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const info = describe(x.shape, filter.shape, attrs, attrs.dilations);
    if (!usable(info, [x, filter])) return stock(tf.FusedConv2D, args);
    const backend = args.backend as MathBackendCPU;
    const out = new Float32Array(tf.util.sizeFromShape(info.outShape));
    // A per-channel bias goes in as the starting value of the product (beta = 1).
    const biasInProduct = bias !== undefined && isChannelBias(bias, info.outChannels);
    if (biasInProduct) fillRows(out, values(backend, bias), info.outChannels);
    const xs = values(backend, x);
    forward(blas, scratch, xs, values(backend, filter), info, out, biasInProduct ? 1 : 0);
    return applyBiasAndActivation(
      backend,
      backend.makeTensorInfo(info.outShape, "float32", out),
      biasInProduct ? undefined : bias,
      attrs.activation,
      preluActivationWeights,
      attrs.leakyreluAlpha,
    );
  };
  const conv2dBackpropInput: tf.KernelFunc = (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const info = describe(attrs.inputShape, filter.shape, attrs, 1);
    if (!usable(info, [dy, filter])) return stock(tf.Conv2DBackpropInput, args);
    const backend = args.backend as MathBackendCPU;
    const dx = inputGradient(blas, scratch, values(backend, dy), values(backend, filter), info);
    return backend.makeTensorInfo(info.inShape, "float32", dx);
  };
  const conv2dBackpropFilter: tf.KernelFunc = (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const info = describe(x.shape, attrs.filterShape, attrs, 1);
    if (!usable(info, [x, dy])) return stock(tf.Conv2DBackpropFilter, args);
    const backend = args.backend as MathBackendCPU;
    const dw = filterGradient(blas, scratch, values(backend, x), values(backend, dy), info);
    return backend.makeTensorInfo(attrs.filterShape, "float32", dw);
  };
  return [
    { kernelName: tf.Conv2D, backendName: "blas", kernelFunc: conv2d },
    { kernelName: tf.FusedConv2D, backendName: "blas", kernelFunc: fusedConv2d },
    { kernelName: tf.Conv2DBackpropInput, backendName: "blas", kernelFunc: conv2dBackpropInput },
    { kernelName: tf.Conv2DBackpropFilter, backendName: "blas", kernelFunc: conv2dBackpropFilter },
  ];
}
