/**
 * WebAssembly SIMD kernels of the nn library, four float32 lanes per instruction, and their
 * JavaScript entry points: the selective scan's forward and backward loops (`_simd_scan.ts`),
 * the Mamba convolution with SiLU (`_simd_conv.ts`), and elementwise SiLU, softplus and exact
 * GELU with their derivatives (here). exp is 2^k times a degree-5 polynomial for 2^r (relative
 * error ~2e-7; `_simd_text.ts`). The scan has the contract of `_selective_scan_kernels.ts`,
 * which stays the readable reference and the fallback when N is not a multiple of 4; sums run
 * in float32 here, as in mamba_ssm's CUDA kernel. All kernels share one module and memory;
 * each call copies its inputs in and its outputs out.
 *
 * @module
 */

import { assembleWasm, type WasmFunction } from "./_wasm_assembler.ts";
import { CONV_FUNCTIONS } from "./_simd_conv.ts";
import { SCAN_FUNCTIONS } from "./_simd_scan.ts";
import { finishOnHelper, simdHelper, startOnHelper } from "./_simd_pool.ts";
import { exp4, EXP_LOCALS, EXP_PROLOGUE, i32, repeat, SIGMOID, splat, v128 } from "./_simd_text.ts";
import {
  scanBackward,
  scanForward,
  type ScanGradients,
  type ScanProblem,
} from "./_selective_scan_kernels.ts";

/** Elementwise kernels: value and derivative of SiLU, softplus and GELU. */
const ELEMENTWISE_FUNCTIONS: WasmFunction[] = [
  {
    // silu[i] = z sigmoid(z), dsilu[i] = d silu / dz, over `count` floats (a multiple of 4).
    name: "silu",
    params: i32("$z", "$silu", "$dsilu", "$count"),
    locals: [...i32("$p", "$bytes"), ...v128("$v", "$e", "$sg", "$k", "$r"), ...EXP_LOCALS],
    body: `
      ${EXP_PROLOGUE}
      local.get $count i32.const 2 i32.shl local.set $bytes
      ${
      repeat(
        "$p",
        "$bytes",
        16,
        `
        local.get $z local.get $p i32.add v128.load local.set $v
        ${SIGMOID}
        local.get $silu local.get $p i32.add local.get $v local.get $sg f32x4.mul v128.store
        local.get $dsilu local.get $p i32.add
        local.get $sg ${splat(1)} local.get $v ${splat(1)} local.get $sg f32x4.sub f32x4.mul
        f32x4.add f32x4.mul v128.store`,
      )
    }`,
  },
  {
    // dt[i] = softplus(v) = max(v, 0) + log1p(exp(-|v|)), slope[i] = sigmoid(v).
    name: "softplus",
    params: i32("$raw", "$dt", "$slope", "$count"),
    locals: [
      ...i32("$p", "$bytes"),
      ...v128("$v", "$e", "$sg", "$k", "$r", "$s", "$s2"),
      ...EXP_LOCALS,
    ],
    body: `
      ${EXP_PROLOGUE}
      local.get $count i32.const 2 i32.shl local.set $bytes
      ${
      repeat(
        "$p",
        "$bytes",
        16,
        `
        local.get $raw local.get $p i32.add v128.load local.set $v
        ${SIGMOID}
        local.get $slope local.get $p i32.add local.get $sg v128.store
        ;; log1p(e) = 2 atanh(s), s = e / (2 + e) in (0, 1/3]: odd series to s^11
        local.get $e ${splat(2)} local.get $e f32x4.add f32x4.div local.tee $s
        local.get $s f32x4.mul local.set $s2
        local.get $s2 ${splat(1 / 11)} f32x4.mul ${splat(1 / 9)} f32x4.add
        local.get $s2 f32x4.mul ${splat(1 / 7)} f32x4.add
        local.get $s2 f32x4.mul ${splat(1 / 5)} f32x4.add
        local.get $s2 f32x4.mul ${splat(1 / 3)} f32x4.add
        local.get $s2 f32x4.mul ${splat(1)} f32x4.add
        local.get $s f32x4.mul ${splat(2)} f32x4.mul
        local.get $v ${splat(0)} f32x4.max f32x4.add local.set $s
        local.get $dt local.get $p i32.add local.get $s v128.store`,
      )
    }`,
  },
  {
    // y[i] = x Phi(x) (exact GELU), slope[i] = Phi(x) + x phi(x); erf by Abramowitz & Stegun
    // 7.1.26 (absolute error <= 1.5e-7) from exp(-x^2 / 2), which phi shares.
    name: "gelu",
    params: i32("$in", "$out", "$slope", "$count"),
    locals: [
      ...i32("$p", "$bytes"),
      ...v128("$v", "$u", "$e", "$t", "$phi", "$k", "$r"),
      ...EXP_LOCALS,
    ],
    body: `
      ${EXP_PROLOGUE}
      local.get $count i32.const 2 i32.shl local.set $bytes
      ${
      repeat(
        "$p",
        "$bytes",
        16,
        `
        local.get $in local.get $p i32.add v128.load local.set $v
        local.get $v f32x4.abs ${splat(Math.SQRT1_2)} f32x4.mul local.set $u
        local.get $u local.get $u f32x4.mul f32x4.neg local.set $e
        ${exp4("$e")} local.set $e
        ${splat(1)} ${splat(1)} ${splat(0.3275911)} local.get $u f32x4.mul f32x4.add f32x4.div
        local.set $t
        local.get $t ${splat(1.061405429)} f32x4.mul ${splat(-1.453152027)} f32x4.add
        local.get $t f32x4.mul ${splat(1.421413741)} f32x4.add
        local.get $t f32x4.mul ${splat(-0.284496736)} f32x4.add
        local.get $t f32x4.mul ${splat(0.254829592)} f32x4.add
        local.get $t f32x4.mul local.get $e f32x4.mul ${splat(0.5)} f32x4.mul local.set $t
        ;; t now holds (1 - erf(|x| / sqrt 2)) / 2, so Phi = 1 - t for x >= 0 and t below
        ${splat(1)} local.get $t f32x4.sub local.get $t
        local.get $v ${splat(0)} f32x4.ge v128.bitselect local.set $phi
        local.get $out local.get $p i32.add local.get $v local.get $phi f32x4.mul v128.store
        local.get $slope local.get $p i32.add
        local.get $phi local.get $v local.get $e f32x4.mul ${splat(1 / Math.sqrt(2 * Math.PI))}
        f32x4.mul f32x4.add v128.store`,
      )
    }`,
  },
];

interface ScanExports {
  silu(z: number, silu: number, dsilu: number, count: number): void;
  softplus(raw: number, dt: number, slope: number, count: number): void;
  gelu(x: number, y: number, slope: number, count: number): void;
  scan_forward(...args: number[]): void;
  scan_backward(...args: number[]): void;
  conv_silu(...args: number[]): void;
  conv_silu_backward(...args: number[]): void;
}

/** 2 GiB: the most a shared memory may grow to (reserved address space, not RAM). */
const MAXIMUM_PAGES = 32768;

interface Compiled {
  bytes: Uint8Array<ArrayBuffer>;
  memory: WebAssembly.Memory;
  exports: ScanExports;
}

let compiled: Compiled | null = null;

function compiledModule(): Compiled {
  if (compiled === null) {
    const bytes = assembleWasm(
      [...ELEMENTWISE_FUNCTIONS, ...SCAN_FUNCTIONS, ...CONV_FUNCTIONS],
      1,
      {
        sharedMaximum: MAXIMUM_PAGES,
      },
    );
    // Shared, so that the helper thread of `_simd_pool.ts` can run on the same arrays.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAXIMUM_PAGES, shared: true });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    compiled = { bytes, memory, exports: instance.exports as unknown as ScanExports };
  }
  return compiled;
}

function kernels(): ScanExports {
  return compiledModule().exports;
}

/** Scans with at least this many B L E N state updates run on two threads. */
let minimumParallelWork = 1 << 22;

/**
 * Sets the size from which a selective scan runs its two halves of the batch on two threads
 * (B L E N state updates; default 2^22); returns the previous value. Infinity keeps every
 * scan on the calling thread. Results do not depend on it.
 */
export function setParallelScanThreshold(work: number): number {
  const previous = minimumParallelWork;
  minimumParallelWork = work;
  return previous;
}

/**
 * Runs `call(part)` for the batch halves [0, half) and [half, B): on the helper thread and
 * this one at once when the problem is large and a helper runs, else one after the other.
 */
function runHalves(
  name: string,
  sequences: [number, number],
  work: number,
  args: (part: number) => number[],
): void {
  const fn = kernels()[name as "scan_forward" | "scan_backward"];
  if (sequences[1] === 0) { // the kernels' loops run at least once
    fn(...args(0));
    return;
  }
  const helper = work >= minimumParallelWork
    ? simdHelper(compiledModule().bytes, compiledModule().memory, ["scan_forward", "scan_backward"])
    : null;
  if (helper === null) {
    fn(...args(0));
    fn(...args(1));
    return;
  }
  startOnHelper(helper, name, args(1));
  try {
    fn(...args(0));
  } finally {
    finishOnHelper(helper);
  }
}

/** First sequence of each half of a batch of B (the second half is empty when B === 1). */
function halves(B: number): [number, number] {
  const half = Math.ceil(B / 2);
  return [half, B - half];
}

/** Byte offsets of float regions (16-byte aligned, lengths padded to whole vectors). */
class Layout {
  bytes = 0;
  region(floats: number): number {
    const offset = this.bytes;
    this.bytes += Math.ceil(floats / 4) * 16;
    return offset;
  }
}

function memoryFor(layout: Layout): Float32Array {
  const { memory } = compiledModule();
  const missing = layout.bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / 65536));
  return new Float32Array(memory.buffer);
}

/** Writes delta (+ bias) to `raw`, then softplus (when asked) into dt and its slope. */
function prepareDelta(p: ScanProblem, heap: Float32Array, raw: number, dt: number, slope: number) {
  const { batch: B, length: L, channels: E, delta, deltaBias } = p;
  const count = B * L * E;
  const start = raw / 4;
  heap.set(delta, start);
  if (deltaBias) {
    for (let i = 0; i < count; i += E) {
      for (let c = 0; c < E; c++) heap[start + i + c] += deltaBias[c];
    }
  }
  if (p.deltaSoftplus) kernels().softplus(raw, dt, slope, count);
  else {
    heap.copyWithin(dt / 4, start, start + count);
    heap.fill(1, slope / 4, slope / 4 + count);
  }
}

/** Same as the reference `scanForward`, on the SIMD kernel (requires N % 4 === 0). */
export function scanForwardWasm(p: ScanProblem): Float32Array {
  const { batch: B, length: L, channels: E, states: N } = p;
  const count = B * L * E;
  const layout = new Layout();
  const [x, raw, dt, slope, A, Bm, Cm, D, gate, gateSlope, y, h0, h1] = [
    count,
    count,
    count,
    count,
    E * N,
    B * L * N,
    B * L * N,
    E,
    count,
    count,
    count,
    E * N,
    E * N,
  ].map((floats) => layout.region(floats));
  const heap = memoryFor(layout);
  heap.set(p.x, x / 4);
  heap.set(p.A, A / 4);
  heap.set(p.Bm, Bm / 4);
  heap.set(p.Cm, Cm / 4);
  heap.set(p.D, D / 4);
  prepareDelta(p, heap, raw, dt, slope);
  if (p.z) {
    heap.set(p.z, gate / 4);
    kernels().silu(gate, gate, gateSlope, count);
  }
  const sequences = halves(B);
  const [first, second] = sequences;
  runHalves("scan_forward", sequences, count * N, (part) => {
    // Byte offsets of the half's first sequence in (B, L, E) and (B, L, N) arrays.
    const e = part * first * L * E * 4;
    const n = part * first * L * N * 4;
    return [
      ...[x + e, dt + e, A, Bm + n, Cm + n, D, gate + e, y + e, part ? h1 : h0],
      ...[part ? second : first, L, E, N, +p.reverse, +!!p.z],
    ];
  });
  return heap.slice(y / 4, y / 4 + count);
}

/** Same as the reference `scanBackward`, on the SIMD kernel (requires N % 4 === 0). */
export function scanBackwardWasm(p: ScanProblem, dy: Float32Array): ScanGradients {
  const { batch: B, length: L, channels: E, states: N } = p;
  const count = B * L * E;
  const layout = new Layout();
  const [x, raw, dt, slope, A, Bm, Cm, D, gate, gateSlope, dyAt, gx, gDelta, gz, gBm, gCm] = [
    ...[count, count, count, count, E * N, B * L * N, B * L * N, E],
    ...[count, count, count, count, count, count, B * L * N, B * L * N],
  ].map((floats) => layout.region(floats));
  // Per half of the batch: its own sums over sequences (gA, gD, gBias) and scratch (decay
  // L x N, state (L + 1) x N, carry N, yOf L). The halves' sums are added at the end, so
  // the result is the same whether the halves run on one thread or two.
  const perHalf = [0, 1].map(() =>
    [E * N, E, E, L * N, (L + 1) * N, N, L].map((floats) => layout.region(floats))
  );
  const [gA, gD, gBias, decay, state, carry, yOf] = perHalf[0].map((
    offset,
    i,
  ): [number, number] => [offset, perHalf[1][i]]);
  const end = layout.region(0);
  const heap = memoryFor(layout);
  heap.set(p.x, x / 4);
  heap.set(p.A, A / 4);
  heap.set(p.Bm, Bm / 4);
  heap.set(p.Cm, Cm / 4);
  heap.set(p.D, D / 4);
  heap.set(dy, dyAt / 4);
  heap.fill(0, gBm / 4, end / 4); // the accumulated gradients (and scratch)
  prepareDelta(p, heap, raw, dt, slope);
  if (p.z) {
    heap.set(p.z, gate / 4);
    kernels().silu(gate, gate, gateSlope, count);
  }
  const sequences = halves(B);
  const [first] = sequences;
  runHalves("scan_backward", sequences, 2 * count * N, (part) => {
    const e = part * first * L * E * 4;
    const n = part * first * L * N * 4;
    return [
      ...[x + e, dt + e, slope + e, A, Bm + n, Cm + n, D, gate + e, gateSlope + e, dyAt + e],
      ...[gx + e, gDelta + e, gz + e, gBm + n, gCm + n, gA[part], gD[part], gBias[part]],
      ...[decay[part], state[part], carry[part], yOf[part]],
      ...[sequences[part], L, E, N, +p.reverse, +!!p.z],
    ];
  });
  const read = (offset: number, floats: number) => heap.slice(offset / 4, offset / 4 + floats);
  const sum = ([a, b]: [number, number], floats: number) => {
    const out = read(a, floats);
    for (let i = 0; i < floats; i++) out[i] += heap[b / 4 + i];
    return out;
  };
  return {
    x: read(gx, count),
    delta: read(gDelta, count),
    A: sum(gA, E * N),
    Bm: read(gBm, B * L * N),
    Cm: read(gCm, B * L * N),
    D: sum(gD, E),
    z: p.z ? read(gz, count) : null,
    deltaBias: p.deltaBias ? sum(gBias, E) : null,
  };
}

/** The SIMD kernel when N is a multiple of 4, else the JavaScript reference. */
export function scanForwardFast(p: ScanProblem): Float32Array {
  return p.states % 4 === 0 ? scanForwardWasm(p) : scanForward(p);
}

/** The SIMD kernel when N is a multiple of 4, else the JavaScript reference. */
export function scanBackwardFast(p: ScanProblem, dy: Float32Array): ScanGradients {
  return p.states % 4 === 0 ? scanBackwardWasm(p, dy) : scanBackward(p, dy);
}

function elementwise(
  kernel: "silu" | "gelu",
  values: Float32Array,
): [Float32Array, Float32Array] {
  const layout = new Layout();
  const [input, out, slope] = [0, 1, 2].map(() => layout.region(values.length));
  const heap = memoryFor(layout);
  heap.set(values, input / 4);
  kernels()[kernel](input, out, slope, values.length);
  return [
    heap.slice(out / 4, out / 4 + values.length),
    heap.slice(slope / 4, slope / 4 + values.length),
  ];
}

/** SiLU(v) = v sigmoid(v) and its derivative, elementwise. */
export function siluWithSlope(values: Float32Array): [Float32Array, Float32Array] {
  return elementwise("silu", values);
}

/** Exact GELU(v) = v Phi(v) and its derivative, elementwise. */
export function geluWithSlope(values: Float32Array): [Float32Array, Float32Array] {
  return elementwise("gelu", values);
}

/** Sizes of a depthwise causal convolution over xz (B, L, 2E) with a (K, E) kernel. */
export interface ConvSizes {
  batch: number;
  length: number;
  inner: number;
  convWidth: number;
  reverse: boolean;
}

/**
 * SiLU(conv(x half of xz) + bias) and the SiLU slope at the pre-activation, each (B, L, E),
 * on the SIMD kernel (requires E % 4 === 0).
 */
export function convSilu(
  xz: Float32Array,
  kernel: Float32Array,
  bias: Float32Array,
  s: ConvSizes,
): [Float32Array, Float32Array] {
  const count = s.batch * s.length * s.inner;
  const layout = new Layout();
  const [input, w, b, out, slope] = [2 * count, kernel.length, bias.length, count, count].map((
    floats,
  ) => layout.region(floats));
  const heap = memoryFor(layout);
  heap.set(xz, input / 4);
  heap.set(kernel, w / 4);
  heap.set(bias, b / 4);
  kernels().conv_silu(
    input,
    w,
    b,
    out,
    slope,
    s.batch,
    s.length,
    s.inner,
    s.convWidth,
    +s.reverse,
  );
  return [heap.slice(out / 4, out / 4 + count), heap.slice(slope / 4, slope / 4 + count)];
}

/**
 * Backward of {@linkcode convSilu} given dL/dxc: dL/dxz with the z half zero, and the kernel
 * and bias gradients (requires E % 4 === 0).
 */
export function convSiluBackward(
  xz: Float32Array,
  kernel: Float32Array,
  gXc: Float32Array,
  slope: Float32Array,
  s: ConvSizes,
): [Float32Array, Float32Array, Float32Array] {
  const count = s.batch * s.length * s.inner;
  const layout = new Layout();
  const [input, w, g, sl, gXz, gW, gB, end] = [
    2 * count,
    kernel.length,
    count,
    count,
    2 * count,
    kernel.length,
    s.inner,
    0,
  ].map((floats) => layout.region(floats));
  const heap = memoryFor(layout);
  heap.set(xz, input / 4);
  heap.set(kernel, w / 4);
  heap.set(gXc, g / 4);
  heap.set(slope, sl / 4);
  heap.fill(0, gXz / 4, end / 4);
  kernels().conv_silu_backward(
    input,
    w,
    g,
    sl,
    gXz,
    gW,
    gB,
    s.batch,
    s.length,
    s.inner,
    s.convWidth,
    +s.reverse,
  );
  return [
    heap.slice(gXz / 4, gXz / 4 + 2 * count),
    heap.slice(gW / 4, gW / 4 + kernel.length),
    heap.slice(gB / 4, gB / 4 + s.inner),
  ];
}
