/**
 * Bi-Mamba paper Fig. 1 (figures.md §A.1): (a) x-y trajectories of 2-D particles with different
 * anomalous exponents, (b) their time-averaged MSD against lag time on log-log axes, each with
 * the power law MSD(t) = 4 K t^alpha of 2-D motion dashed beside it.
 *
 * The figure's data is one tidy table ({@linkcode trajectoriesMsdRows}): the spec carries it inline
 * and the same rows go to CSV ({@linkcode trajectoriesMsdCsv}), so the numbers behind every line of
 * the picture can be read back.
 *
 * @module
 */

import type { TopLevelSpec } from "vega-lite";
import { timeAveragedMsd } from "../features/msd.ts";
import { fitPowerLawLeastSquares } from "../eval/power_law.ts";
import { type PaperStyle, paperStyle, paperVegaLiteConfig } from "./style.ts";

/** One particle of the figure. */
export interface TrajectoryMsdCurve {
  /** Anomalous exponent the particle was simulated with. */
  alpha: number;
  /** Positions (px) of one 2-D trajectory, shape [length, 2] frame-major (x0, y0, x1, y1, ...). */
  trajectory: ArrayLike<number>;
  /** Its time-averaged MSD (px^2, summed over both axes) at lags 1..tamsd.length (frames). */
  tamsd: ArrayLike<number>;
}

/** One row of the figure's table. */
export interface TrajectoriesMsdRow {
  /** `trajectory` (panel a), `tamsd` or `power_law` (panel b). */
  series: "trajectory" | "tamsd" | "power_law";
  /** Anomalous exponent of the particle. */
  alpha: number;
  /** Legend label of the particle, e.g. `α = 0.2 (subdiffusive)`. */
  label: string;
  /** Frame (trajectory rows) or lag time (frames, MSD rows). */
  t: number;
  /** x position (px); null in MSD rows. */
  x: number | null;
  /** y position (px); null in MSD rows. */
  y: number | null;
  /** TAMSD or 4 K t^alpha (px^2); null in trajectory rows. */
  msd: number | null;
}

/** Options of {@linkcode trajectoriesMsdRows} and {@linkcode trajectoriesMsdSpec}. */
export interface TrajectoriesMsdOptions {
  /** Generalised diffusion coefficient K of the reference power laws (px^2 / frame^alpha). @default {1} */
  k?: number;
}

/** Options of {@linkcode trajectoriesMsdSpec}. */
export interface TrajectoriesMsdSpecOptions extends TrajectoriesMsdOptions {
  /** Fonts, colours and panel size. @default {paperStyle} */
  style?: PaperStyle;
}

/**
 * The figure's table: every frame of every trajectory, every TAMSD point, and 4 K t^alpha at the
 * same lags.
 *
 * @param curves one entry per particle, in legend order
 * @param options K of the reference power laws
 * @returns rows in the order trajectories, then per particle TAMSD and power law
 * @throws {RangeError} when there are no curves, two share an alpha, a trajectory has an odd
 * number of values or fewer than 2 frames, a TAMSD is empty or not > 0 (log axis), or alpha or K is out of range
 *
 * @example
 * ```ts
 * import { deepEqual, equal } from "node:assert/strict";
 * import { trajectoriesMsdRows } from "./fig_trajectories_msd.ts";
 * const rows = trajectoriesMsdRows([
 *   { alpha: 1, trajectory: [0, 0, 1, 2], tamsd: [5] },
 * ], { k: 1 });
 * equal(rows.length, 4); // 2 frames, 1 TAMSD point, 1 power-law point
 * deepEqual(rows[3], {
 *   series: "power_law", alpha: 1, label: "α = 1 (Brownian)", t: 1, x: null, y: null, msd: 4,
 * });
 * ```
 */
export function trajectoriesMsdRows(
  curves: readonly TrajectoryMsdCurve[],
  options: TrajectoriesMsdOptions = {},
): TrajectoriesMsdRow[] {
  const { k = 1 } = options;
  checkCurves(curves, k);
  const rows: TrajectoriesMsdRow[] = [];
  for (const { alpha, trajectory } of curves) {
    const label = alphaLabel(alpha);
    for (let frame = 0; frame < trajectory.length / 2; frame++) {
      const x = trajectory[2 * frame];
      const y = trajectory[2 * frame + 1];
      rows.push({ series: "trajectory", alpha, label, t: frame, x, y, msd: null });
    }
  }
  for (const { alpha, tamsd } of curves) {
    const label = alphaLabel(alpha);
    for (let lag = 1; lag <= tamsd.length; lag++) {
      rows.push({ series: "tamsd", alpha, label, t: lag, x: null, y: null, msd: tamsd[lag - 1] });
    }
    for (let lag = 1; lag <= tamsd.length; lag++) {
      const msd = 4 * k * lag ** alpha;
      rows.push({ series: "power_law", alpha, label, t: lag, x: null, y: null, msd });
    }
  }
  return rows;
}

/**
 * The Vega-Lite spec of the figure: two square panels side by side (hconcat), (a) trajectories in
 * px with equal x and y scales, (b) TAMSD against lag on log-log axes with the power laws dashed.
 * One colour per particle (legend: alpha and regime); data inline.
 *
 * @param curves one entry per particle, in legend order
 * @param options K of the reference power laws, style
 * @returns a Vega-Lite top-level spec, ready for `renderVegaLite`
 * @throws {RangeError} as {@linkcode trajectoriesMsdRows}, or when there are more particles than
 * palette colours
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { trajectoriesMsdSpec } from "./fig_trajectories_msd.ts";
 * const spec = trajectoriesMsdSpec([
 *   { alpha: 1, trajectory: [0, 0, 1, 2, 2, 1], tamsd: [3, 5] },
 * ]);
 * equal("hconcat" in spec && spec.hconcat.length, 2);
 * ```
 */
export function trajectoriesMsdSpec(
  curves: readonly TrajectoryMsdCurve[],
  options: TrajectoriesMsdSpecOptions = {},
): TopLevelSpec {
  const { k = 1, style = paperStyle } = options;
  const rows = trajectoriesMsdRows(curves, { k });
  if (curves.length > style.palette.length) {
    throw new RangeError(
      `Cannot build the trajectories/MSD figure: ${curves.length} particles but only ${style.palette.length} palette colours; plot at most ${style.palette.length}`,
    );
  }
  const labels = curves.map((curve) => alphaLabel(curve.alpha));
  const color = {
    field: "label",
    type: "nominal" as const,
    title: "anomalous exponent",
    scale: { domain: labels, range: style.palette.slice(0, labels.length) },
  };
  const size = style.panelSize;
  const [xDomain, yDomain] = equalAspectDomains(rows);
  const maxLag = Math.max(2, ...curves.map((curve) => curve.tamsd.length));
  const trajectoryPanel = {
    title: "(a) trajectories",
    width: size,
    height: size,
    transform: [{ filter: "datum.series === 'trajectory'" }],
    mark: { type: "line" as const, strokeWidth: 1, clip: true },
    encoding: {
      x: {
        field: "x",
        type: "quantitative" as const,
        title: "x (px)",
        scale: { domain: xDomain, nice: false, zero: false },
      },
      y: {
        field: "y",
        type: "quantitative" as const,
        title: "y (px)",
        scale: { domain: yDomain, nice: false, zero: false },
      },
      order: { field: "t", type: "quantitative" as const },
      color,
      detail: { field: "label", type: "nominal" as const },
    },
  };
  const msdPanel = {
    title: "(b) time-averaged MSD",
    width: size,
    height: size,
    transform: [
      { filter: "datum.series !== 'trajectory'" },
      {
        calculate: "datum.series === 'tamsd' ? 'TAMSD (simulated)' : '4 K tᵅ (theory)'",
        as: "curve",
      },
    ],
    mark: { type: "line" as const, strokeWidth: style.lineWidth + 0.5 },
    encoding: {
      x: {
        field: "t",
        type: "quantitative" as const,
        title: "lag time t (frames)",
        scale: { type: "log" as const, domain: [1, maxLag], nice: false },
        axis: { grid: true },
      },
      y: {
        field: "msd",
        type: "quantitative" as const,
        title: "MSD (px²)",
        scale: { type: "log" as const },
        axis: { grid: true, format: "~g" },
      },
      color,
      strokeDash: {
        field: "curve",
        type: "nominal" as const,
        title: "curve",
        scale: {
          domain: ["TAMSD (simulated)", "4 K tᵅ (theory)"],
          range: [[1, 0], [...style.referenceDash]],
        },
      },
      detail: { field: "series", type: "nominal" as const },
    },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: "Bi-Mamba Fig. 1: FBM trajectories and their time-averaged MSD (figures.md A.1)",
    data: { values: rows.map((row) => ({ ...row })) },
    hconcat: [trajectoryPanel, msdPanel],
    spacing: 40,
    resolve: { scale: { x: "independent", y: "independent", color: "shared" } },
    config: { ...paperVegaLiteConfig(style), axisX: { tickCount: 5 }, axisY: { tickCount: 5 } },
  };
}

/**
 * The figure's table as CSV: header `series,alpha,label,t,x,y,msd`, empty cells for nulls.
 *
 * @param rows rows from {@linkcode trajectoriesMsdRows}
 * @returns CSV text ending in a newline
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { trajectoriesMsdCsv, trajectoriesMsdRows } from "./fig_trajectories_msd.ts";
 * const csv = trajectoriesMsdCsv(trajectoriesMsdRows([{ alpha: 1, trajectory: [0, 0, 1, 2], tamsd: [5] }]));
 * equal(csv.split("\n")[2], "trajectory,1,α = 1 (Brownian),1,1,2,");
 * ```
 */
export function trajectoriesMsdCsv(rows: readonly TrajectoriesMsdRow[]): string {
  const cell = (value: number | string | null) => (value === null ? "" : String(value));
  const lines = ["series,alpha,label,t,x,y,msd"];
  for (const row of rows) {
    lines.push(
      [row.series, row.alpha, row.label, row.t, row.x, row.y, row.msd].map(cell).join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * The figure's check (figures.md §A.1, CPU expectation): the log-log slope of the TAMSD averaged
 * over an ensemble of trajectories, at lags 1..maxLag. For FBM its expectation is alpha, since
 * the TAMSD of stationary increments is unbiased for 2 dim K t^alpha at every lag.
 *
 * @param trajectories positions of shape [count, length, dim], flattened
 * @param shape `[count, length, dim]`
 * @param maxLag largest lag (frames), < length
 * @returns the least-squares slope of log mean-TAMSD against log lag
 * @throws {RangeError} when the shape does not match, maxLag is not in [2, length - 1] (a slope
 * needs two lags), or the mean TAMSD is 0 at some lag
 *
 * @example A ballistic particle has slope 2
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { meanTamsdSlope } from "./fig_trajectories_msd.ts";
 * const trajectory = Float64Array.from({ length: 50 }, (_, t) => 3 * t); // x(t) = 3 t, 1-D
 * ok(Math.abs(meanTamsdSlope(trajectory, [1, 50, 1], 10) - 2) < 1e-12);
 * ```
 */
export function meanTamsdSlope(
  trajectories: ArrayLike<number>,
  shape: [number, number, number],
  maxLag: number,
): number {
  const [count, , dim] = shape;
  if (maxLag < 2) {
    throw new RangeError(
      `Cannot fit the TAMSD slope: maxLag must be >= 2 (a slope needs two lags), got ${maxLag}`,
    );
  }
  const tamsd = timeAveragedMsd(trajectories, shape, maxLag);
  const mean = new Float64Array(maxLag);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < maxLag; i++) mean[i] += tamsd[n * maxLag + i] / count;
  }
  const lags = Array.from({ length: maxLag }, (_, i) => i + 1);
  return fitPowerLawLeastSquares(lags, mean, dim).alpha;
}

/** `α = 0.2 (subdiffusive)`: the exponent and its diffusion regime. */
function alphaLabel(alpha: number): string {
  const regime = alpha < 1 ? "subdiffusive" : alpha > 1 ? "superdiffusive" : "Brownian";
  return `α = ${alpha} (${regime})`;
}

/**
 * x and y domains of equal span around the trajectories' centre, so that with a square panel one
 * px on x is as long as one px on y and the shape of each trajectory is not distorted.
 */
function equalAspectDomains(rows: readonly TrajectoriesMsdRow[]): [number[], number[]] {
  let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const { series, x, y } of rows) {
    if (series !== "trajectory") continue;
    xMin = Math.min(xMin, x!);
    xMax = Math.max(xMax, x!);
    yMin = Math.min(yMin, y!);
    yMax = Math.max(yMax, y!);
  }
  // 5 % margin; a particle that never moved still gets a span of 1 px.
  const half = Math.max(xMax - xMin, yMax - yMin, 1) * 0.55;
  const [xMid, yMid] = [(xMin + xMax) / 2, (yMin + yMax) / 2];
  return [[xMid - half, xMid + half], [yMid - half, yMid + half]];
}

function checkCurves(curves: readonly TrajectoryMsdCurve[], k: number): void {
  const fail = (problem: string) =>
    new RangeError(`Cannot build the trajectories/MSD figure: ${problem}`);
  if (curves.length === 0) throw fail("no curves given; pass at least one particle");
  if (!(Number.isFinite(k) && k > 0)) throw fail(`k must be a finite number > 0, got ${k}`);
  for (const [i, { alpha, trajectory, tamsd }] of curves.entries()) {
    if (!(Number.isFinite(alpha) && alpha > 0 && alpha <= 2)) {
      throw fail(`curve ${i} has alpha outside (0, 2], got ${alpha}`);
    }
    if (curves.findIndex((curve) => curve.alpha === alpha) < i) {
      throw fail(`curves share alpha ${alpha}, which the legend tells apart; give each its own`);
    }
    if (trajectory.length % 2 !== 0 || trajectory.length < 4) {
      throw fail(
        `curve ${i} trajectory must be [length, 2] with length >= 2, got ${trajectory.length} values`,
      );
    }
    if (tamsd.length === 0) throw fail(`curve ${i} has an empty TAMSD; pass lags 1..maxLag`);
    for (let lag = 1; lag <= tamsd.length; lag++) {
      const value = tamsd[lag - 1];
      if (!(Number.isFinite(value) && value > 0)) {
        throw fail(
          `curve ${i} TAMSD at lag ${lag} must be > 0 for a log axis, got ${value}`,
        );
      }
    }
  }
}
