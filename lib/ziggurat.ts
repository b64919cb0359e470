/**
 * Fast standard normals by the ziggurat method, for bulk draws in simulators. Every random word
 * comes from an {@linkcode Rng}, so the same seed gives the same bytes. Scalar draws keep using
 * `Rng.normal` (polar method); these fills are for hot loops such as fGn weights.
 *
 * @module
 */

import type { Rng } from "./rng.ts";

// Standard normals by the ziggurat method (Marsaglia & Tsang 2000, 128 layers). Rng.fillNormal
// (polar method) spends about 2.5 32-bit draws, a logarithm and a square root per value and
// was 60 % of the time of a 2-D FBM trajectory; the ziggurat needs one 32-bit draw for about
// 99 % of values. Each draw splits into a layer (low 7 bits) and a signed 25-bit abscissa
// (high bits), so values lie on a grid of relative spacing 2^-24, far below any statistical
// resolution here.
const ZIGGURAT_R = 3.442619855899;
const ZIGGURAT_AREA = 9.91256303526217e-3;
const ZIGGURAT_SCALE = 2 ** 24;
const zigguratLimits = new Float64Array(128);
const zigguratWidths = new Float64Array(128);
const zigguratHeights = new Float64Array(128);
setUpZiggurat();

function setUpZiggurat(): void {
  let x = ZIGGURAT_R;
  let previous = x;
  const base = ZIGGURAT_AREA / Math.exp(-0.5 * x * x);
  zigguratLimits[0] = Math.floor((x / base) * ZIGGURAT_SCALE);
  zigguratLimits[1] = 0;
  zigguratWidths[0] = base / ZIGGURAT_SCALE;
  zigguratWidths[127] = x / ZIGGURAT_SCALE;
  zigguratHeights[0] = 1;
  zigguratHeights[127] = Math.exp(-0.5 * x * x);
  for (let i = 126; i >= 1; i--) {
    x = Math.sqrt(-2 * Math.log(ZIGGURAT_AREA / x + Math.exp(-0.5 * x * x)));
    zigguratLimits[i + 1] = Math.floor((x / previous) * ZIGGURAT_SCALE);
    previous = x;
    zigguratHeights[i] = Math.exp(-0.5 * x * x);
    zigguratWidths[i] = x / ZIGGURAT_SCALE;
  }
}

/**
 * Fills `out` with i.i.d. standard normals drawn from `rng` (ziggurat method).
 *
 * @example
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { createRng } from "./rng.ts";
 * import { fillStandardNormals } from "./ziggurat.ts";
 * const out = new Float64Array(10_000);
 * fillStandardNormals(out, createRng(1));
 * const mean = out.reduce((a, b) => a + b, 0) / out.length;
 * ok(Math.abs(mean) < 5 / Math.sqrt(out.length));
 * ```
 */
export function fillStandardNormals(out: Float64Array, rng: Rng): void {
  for (let i = 0; i < out.length; i++) {
    const word = rng.nextUint32();
    const layer = word & 127;
    const abscissa = (word | 0) >> 7;
    out[i] = Math.abs(abscissa) < zigguratLimits[layer]
      ? abscissa * zigguratWidths[layer]
      : zigguratSlowPath(abscissa, layer, rng);
  }
}

/** Fills `out[i]` with `weights[i]` times an independent standard normal (one pass). */
export function fillWeightedNormals(out: Float64Array, weights: Float64Array, rng: Rng): void {
  for (let i = 0; i < out.length; i++) {
    const word = rng.nextUint32();
    const layer = word & 127;
    const abscissa = (word | 0) >> 7;
    const normal = Math.abs(abscissa) < zigguratLimits[layer]
      ? abscissa * zigguratWidths[layer]
      : zigguratSlowPath(abscissa, layer, rng);
    out[i] = weights[i] * normal;
  }
}

/** The rare cases: the base layer's tail beyond R, or a wedge between rectangle and curve. */
function zigguratSlowPath(abscissa: number, layer: number, rng: Rng): number {
  for (;;) {
    const x = abscissa * zigguratWidths[layer];
    if (layer === 0) {
      // Marsaglia's tail method: exponential proposals beyond R, accepted with the normal's
      // relative density.
      let tail: number;
      let y: number;
      do {
        tail = -Math.log1p(-rng.uniform()) / ZIGGURAT_R;
        y = -Math.log1p(-rng.uniform());
      } while (y + y < tail * tail);
      return abscissa > 0 ? ZIGGURAT_R + tail : -ZIGGURAT_R - tail;
    }
    const below = zigguratHeights[layer];
    const height = below + rng.uniform() * (zigguratHeights[layer - 1] - below);
    if (height < Math.exp(-0.5 * x * x)) return x;
    const word = rng.nextUint32();
    layer = word & 127;
    abscissa = (word | 0) >> 7;
    if (Math.abs(abscissa) < zigguratLimits[layer]) return abscissa * zigguratWidths[layer];
  }
}
