/**
 * Patch gathering (im2col) for the BLAS convolution kernels: each output position becomes one
 * row of a matrix holding the taps of its receptive field, so a convolution is one matrix
 * product. The same gather serves the forward pass and the filter gradient (patches of the
 * input) and the input gradient (patches of the output gradient, one stride phase at a time).
 *
 * @module
 */

/**
 * How the rows of a patch matrix map onto an NHWC source of shape
 * [batch, height, width, channels]: row (b, oh, ow) holds the source pixels
 * (oh * strideH + offsetH + i * dilationH, ow * strideW + offsetW + j * dilationW) for
 * i < tapsH, j < tapsW, each with all channels, in that order (taps row-major, channels
 * innermost); pixels outside the source read as zero (padding).
 */
export interface PatchGeometry {
  /** Images in the source. */
  batch: number;
  /** Source height in pixels. */
  height: number;
  /** Source width in pixels. */
  width: number;
  /** Source channels (innermost, contiguous). */
  channels: number;
  /** Output positions per image along H. */
  rowsH: number;
  /** Output positions per image along W. */
  rowsW: number;
  /** Source pixels between neighbouring output positions along H. */
  strideH: number;
  /** Source pixels between neighbouring output positions along W. */
  strideW: number;
  /** Source row of the first tap of output row 0 (negative inside the top padding). */
  offsetH: number;
  /** Source column of the first tap of output column 0 (negative inside the left padding). */
  offsetW: number;
  /** Taps along H. */
  tapsH: number;
  /** Taps along W. */
  tapsW: number;
  /** Source pixels between neighbouring taps along H. */
  dilationH: number;
  /** Source pixels between neighbouring taps along W. */
  dilationW: number;
}

/** Runs at least this long are copied with `TypedArray.set`; shorter ones by a loop, which
 * avoids the fixed cost of making a subarray (measured crossover ~48 floats in Deno 2). */
const MIN_SET_LENGTH = 48;

/**
 * Copies `length` floats from `source[from]` to `target[to]`, by `set` for long runs and a
 * loop for short ones.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { copyRun } from "./_im2col.ts";
 * const target = new Float32Array(4);
 * copyRun(Float32Array.of(1, 2, 3), 1, 2, target, 1);
 * deepEqual([...target], [0, 2, 3, 0]);
 * ```
 */
export function copyRun(
  source: Float32Array,
  from: number,
  length: number,
  target: Float32Array,
  to: number,
): void {
  if (length >= MIN_SET_LENGTH) {
    target.set(source.subarray(from, from + length), to);
  } else {
    for (let i = 0; i < length; i++) target[to + i] = source[from + i];
  }
}

function zeroRun(target: Float32Array, to: number, length: number): void {
  if (length >= MIN_SET_LENGTH) {
    target.fill(0, to, to + length);
  } else {
    for (let i = 0; i < length; i++) target[to + i] = 0;
  }
}

/**
 * Whether the patch matrix is the source itself: single taps at every pixel, in order (a 1x1
 * convolution with stride 1 and no padding), so nothing needs gathering.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { isSourceLayout } from "./_im2col.ts";
 * const pointwise = {
 *   batch: 2, height: 1, width: 8, channels: 4, rowsH: 1, rowsW: 8, strideH: 1, strideW: 1,
 *   offsetH: 0, offsetW: 0, tapsH: 1, tapsW: 1, dilationH: 1, dilationW: 1,
 * };
 * equal(isSourceLayout(pointwise), true);
 * equal(isSourceLayout({ ...pointwise, strideW: 2, rowsW: 4 }), false);
 * ```
 */
export function isSourceLayout(geometry: PatchGeometry): boolean {
  const { tapsH, tapsW, strideH, strideW, offsetH, offsetW } = geometry;
  return tapsH === 1 && tapsW === 1 && strideH === 1 && strideW === 1 && offsetH === 0 &&
    offsetW === 0 && geometry.rowsH === geometry.height && geometry.rowsW === geometry.width;
}

/**
 * Floats in one patch row: tapsH * tapsW * channels.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { patchLength, patchRows } from "./_im2col.ts";
 * const geometry = {
 *   batch: 2, height: 1, width: 8, channels: 4, rowsH: 1, rowsW: 8, strideH: 1, strideW: 1,
 *   offsetH: 0, offsetW: -1, tapsH: 1, tapsW: 3, dilationH: 1, dilationW: 1,
 * };
 * equal(patchLength(geometry), 12);
 * equal(patchRows(geometry), 16);
 * ```
 */
export function patchLength(geometry: PatchGeometry): number {
  return geometry.tapsH * geometry.tapsW * geometry.channels;
}

/** Rows of the full patch matrix: batch * rowsH * rowsW (see {@linkcode patchLength}). */
export function patchRows(geometry: PatchGeometry): number {
  return geometry.batch * geometry.rowsH * geometry.rowsW;
}

/**
 * Patch rows `firstRow .. firstRow + rowCount - 1` of `source` as a row-major matrix: a view of
 * `source` when it already is the patch matrix ({@linkcode isSourceLayout}: 1x1 convolutions
 * with stride 1), otherwise written into `cols` (`rowCount * patchLength(geometry)` floats from
 * index 0). A row's taps along W are one contiguous run of the source when `dilationW` is 1, so
 * each tap row is copied in one piece.
 *
 * @example
 * ```ts
 * import { deepEqual } from "node:assert/strict";
 * import { im2col } from "./_im2col.ts";
 * // 1-D signal [1, 2, 3, 4] (one channel), kernel 3, 'same' padding: rows are windows.
 * const cols = im2col(Float32Array.of(1, 2, 3, 4), {
 *   batch: 1, height: 1, width: 4, channels: 1, rowsH: 1, rowsW: 4, strideH: 1, strideW: 1,
 *   offsetH: 0, offsetW: -1, tapsH: 1, tapsW: 3, dilationH: 1, dilationW: 1,
 * }, 0, 4, new Float32Array(12));
 * deepEqual([...cols], [0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 0]);
 * ```
 */
export function im2col(
  source: Float32Array,
  geometry: PatchGeometry,
  firstRow: number,
  rowCount: number,
  cols: Float32Array,
): Float32Array {
  const rowLength = patchLength(geometry);
  if (isSourceLayout(geometry)) {
    return source.subarray(firstRow * rowLength, (firstRow + rowCount) * rowLength);
  }
  const { height, width, channels, rowsH, rowsW, strideH, strideW, offsetH, offsetW } = geometry;
  const { tapsH, tapsW, dilationH, dilationW } = geometry;
  const runLength = tapsW * channels;
  const perImage = rowsH * rowsW;
  let b = Math.floor(firstRow / perImage);
  let oh = Math.floor((firstRow - b * perImage) / rowsW);
  let ow = firstRow - b * perImage - oh * rowsW;
  let to = 0;
  for (let r = 0; r < rowCount; r++) {
    const h0 = oh * strideH + offsetH;
    const w0 = ow * strideW + offsetW;
    // Taps inside the source along W: lo <= j < hi (the same for every tap row).
    const lo = dilationW === 1 ? Math.min(tapsW, Math.max(0, -w0)) : 0;
    const hi = dilationW === 1 ? Math.max(lo, Math.min(tapsW, width - w0)) : 0;
    for (let i = 0; i < tapsH; i++) {
      const h = h0 + i * dilationH;
      if (h < 0 || h >= height) {
        zeroRun(cols, to, runLength);
      } else if (dilationW === 1) {
        const rowStart = ((b * height + h) * width + w0) * channels;
        zeroRun(cols, to, lo * channels);
        copyRun(source, rowStart + lo * channels, (hi - lo) * channels, cols, to + lo * channels);
        zeroRun(cols, to + hi * channels, (tapsW - hi) * channels);
      } else {
        const rowStart = (b * height + h) * width;
        for (let j = 0; j < tapsW; j++) {
          const w = w0 + j * dilationW;
          if (w < 0 || w >= width) zeroRun(cols, to + j * channels, channels);
          else copyRun(source, (rowStart + w) * channels, channels, cols, to + j * channels);
        }
      }
      to += runLength;
    }
    if (++ow === rowsW) {
      ow = 0;
      if (++oh === rowsH) {
        oh = 0;
        b++;
      }
    }
  }
  return cols.subarray(0, rowCount * rowLength);
}
