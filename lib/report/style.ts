/**
 * The house style of paper figures: one font, fixed font sizes, a colour-blind-safe palette, and
 * the panel size every figure builder starts from. Builders read {@linkcode paperStyle} for
 * colours and sizes and pass {@linkcode paperVegaLiteConfig} as the Vega-Lite `config`, so that
 * every figure of both papers looks the same.
 *
 * @module
 */

import type { Config } from "vega-lite";

/** Fonts, sizes and colours of a figure. */
export interface PaperStyle {
  /**
   * Font family of all text. DejaVu Sans ships with most Linux systems (Debian package
   * `fonts-dejavu-core`) and has the Greek letters and superscripts the axis titles use.
   */
  font: string;
  /** Font sizes (px at scale 1). */
  fontSize: {
    /** Tick labels. */
    tick: number;
    /** Axis titles. */
    axisTitle: number;
    /** Legend labels. */
    legend: number;
    /** Legend titles. */
    legendTitle: number;
    /** Panel titles such as "(a) trajectories". */
    panelTitle: number;
  };
  /**
   * Series colours, in order: the Okabe-Ito palette (Okabe and Ito 2008, "Color Universal
   * Design"), which stays distinguishable under the common forms of colour blindness.
   */
  palette: readonly string[];
  /** Colour of axes, ticks and text. */
  ink: string;
  /** Colour of grid lines. */
  grid: string;
  /** Width and height of one square panel (px at scale 1). */
  panelSize: number;
  /** Stroke width of data lines (px). */
  lineWidth: number;
  /** Dash pattern of reference (theory) lines. */
  referenceDash: readonly number[];
}

/** The style of every paper figure. */
export const paperStyle: PaperStyle = Object.freeze({
  font: "DejaVu Sans",
  fontSize: Object.freeze({ tick: 11, axisTitle: 13, legend: 12, legendTitle: 12, panelTitle: 14 }),
  palette: Object.freeze([
    "#0072B2", // blue
    "#D55E00", // vermillion
    "#009E73", // bluish green
    "#CC79A7", // reddish purple
    "#E69F00", // orange
    "#56B4E9", // sky blue
    "#F0E442", // yellow
    "#000000", // black
  ]),
  ink: "#222222",
  grid: "#e6e6e6",
  panelSize: 280,
  lineWidth: 1.5,
  referenceDash: Object.freeze([6, 4]),
});

/**
 * The Vega-Lite `config` block of a style: fonts, sizes and colours of axes, legends and titles.
 *
 * @param style the style to express @default {paperStyle}
 * @returns a Vega-Lite config object (put it under `config` in a top-level spec)
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { paperStyle, paperVegaLiteConfig } from "./style.ts";
 * const config = paperVegaLiteConfig();
 * equal(config.font, "DejaVu Sans");
 * equal(config.axis?.titleFontSize, paperStyle.fontSize.axisTitle);
 * ```
 */
export function paperVegaLiteConfig(style: PaperStyle = paperStyle): Config {
  const { font, fontSize, ink, grid } = style;
  return {
    font,
    background: "white",
    padding: 8,
    view: { stroke: ink, strokeWidth: 1, continuousWidth: style.panelSize },
    axis: {
      labelFont: font,
      labelFontSize: fontSize.tick,
      labelColor: ink,
      titleFont: font,
      titleFontSize: fontSize.axisTitle,
      titleFontWeight: "normal",
      titleColor: ink,
      domainColor: ink,
      tickColor: ink,
      gridColor: grid,
    },
    legend: {
      labelFont: font,
      labelFontSize: fontSize.legend,
      labelColor: ink,
      titleFont: font,
      titleFontSize: fontSize.legendTitle,
      titleFontWeight: "normal",
      titleColor: ink,
      symbolStrokeWidth: 2,
      symbolSize: 160,
      labelLimit: 260,
    },
    title: {
      font,
      fontSize: fontSize.panelTitle,
      fontWeight: "normal",
      anchor: "start",
      color: ink,
    },
    line: { strokeWidth: style.lineWidth },
    range: { category: [...style.palette] },
  };
}
