/**
 * Headless Vega-Lite rendering: a spec goes through the Vega-Lite compiler and a Vega view with no
 * DOM (`renderer: "none"`) to SVG, and the SVG through resvg to PNG. Text widths come from Vega's
 * font-size estimate (no canvas package is installed), and the SVG clip and gradient ids are reset
 * before each render, so the same spec always gives the same SVG bytes.
 *
 * @module
 */

import { parse, resetSVGDefIds, View } from "vega";
import type { LoggerInterface } from "vega";
import { compile } from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import { Resvg } from "@resvg/resvg-js";

/** Options of {@linkcode renderVegaLite}. */
export interface RenderVegaLiteOptions {
  /** PNG pixels per SVG unit (2 gives print resolution for a figure a column wide). @default {2} */
  scale?: number;
  /**
   * Font files (TTF/OTF) the PNG rasteriser loads besides the system fonts: for machines without
   * DejaVu Sans (the house font), where text would otherwise fall back to whatever sans-serif font
   * the system has, or be left out when it has none. @default {[]}
   */
  fontFiles?: string[];
  /** Receives each warning of the Vega-Lite compiler or the Vega view (a dropped field, ...). */
  onWarning?: (message: string) => void;
}

/** A rendered figure. */
export interface RenderedFigure {
  /** The SVG document, at the spec's own size (scale 1). */
  svg: string;
  /** The PNG image, `scale` times the SVG's size, as encoded bytes. */
  png: Uint8Array;
}

/**
 * Renders a Vega-Lite spec to SVG and PNG without a browser.
 *
 * Fonts: the PNG uses the system fonts (resvg's `loadSystemFonts`) plus `fontFiles`; generic
 * `sans-serif` maps to DejaVu Sans. The SVG names the fonts the spec asks for and leaves them to
 * the viewer.
 *
 * @param spec a Vega-Lite top-level spec with inline data (no URLs: nothing is fetched)
 * @param options scale, extra fonts, warning sink
 * @returns the SVG text and the PNG bytes
 * @throws {RangeError} when `scale` is not a finite number > 0
 * @throws {TypeError} when Vega-Lite cannot compile the spec or Vega cannot render it
 *
 * @example Rendering a line chart
 * ```ts
 * import { equal, ok } from "node:assert/strict";
 * import { renderVegaLite } from "./vega.ts";
 * const { svg, png } = await renderVegaLite({
 *   width: 100,
 *   height: 80,
 *   data: { values: [{ t: 1, msd: 4 }, { t: 2, msd: 8 }] },
 *   mark: "line",
 *   encoding: {
 *     x: { field: "t", type: "quantitative", title: "lag (frames)" },
 *     y: { field: "msd", type: "quantitative", title: "MSD (px²)" },
 *   },
 * });
 * ok(svg.startsWith("<svg") && svg.includes("lag (frames)"));
 * equal(png[1], 0x50); // "P" of the PNG signature
 * ```
 */
export async function renderVegaLite(
  spec: TopLevelSpec,
  options: RenderVegaLiteOptions = {},
): Promise<RenderedFigure> {
  const { scale = 2, fontFiles = [], onWarning } = options;
  if (typeof scale !== "number" || !Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(
      `Cannot render Vega-Lite spec: scale must be a finite number > 0, got ${scale}; use e.g. 2`,
    );
  }
  const errors: string[] = [];
  const logger = messageLogger(errors, onWarning);
  let view: View | undefined;
  let svg: string;
  try {
    const vegaSpec = compile(spec, { logger }).spec;
    view = new View(parse(vegaSpec), { renderer: "none", logger });
    // Vega numbers clip paths and gradients with module-wide counters.
    resetSVGDefIds();
    svg = await view.toSVG();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TypeError(
      `Cannot render Vega-Lite spec: ${message}; check the spec against the Vega-Lite schema`,
      { cause: error },
    );
  } finally {
    view?.finalize();
  }
  if (errors.length > 0) {
    throw new TypeError(
      `Cannot render Vega-Lite spec: Vega reported "${
        errors[0]
      }"; check the spec against the Vega-Lite schema`,
    );
  }
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    font: {
      loadSystemFonts: true,
      fontFiles,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  const png = new Uint8Array(resvg.render().asPng());
  return { svg, png };
}

/** A Vega logger that passes warnings on and keeps errors, instead of writing to the console. */
function messageLogger(errors: string[], onWarning?: (message: string) => void): LoggerInterface {
  let level = 2; // vega.Warn: errors and warnings, no info or debug chatter
  const text = (args: unknown[]) =>
    args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(" ");
  const logger: LoggerInterface = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      errors.push(text(args));
      return logger;
    },
    warn(...args: unknown[]) {
      if (level >= 2) onWarning?.(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  } as LoggerInterface;
  return logger;
}
