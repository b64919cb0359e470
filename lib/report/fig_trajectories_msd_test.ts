import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { createRng } from "../rng.ts";
import { brownianMotion } from "../sim/brownian.ts";
import {
  meanTamsdSlope,
  trajectoriesMsdCsv,
  trajectoriesMsdRows,
  trajectoriesMsdSpec,
  type TrajectoryMsdCurve,
} from "./fig_trajectories_msd.ts";
import { paperStyle } from "./style.ts";
import { renderVegaLite } from "./vega.ts";

/** A straight-line trajectory of `length` frames along (1, 2) and a made-up TAMSD. */
function line(alpha: number, length: number, maxLag: number): TrajectoryMsdCurve {
  const trajectory = new Float64Array(2 * length);
  for (let t = 0; t < length; t++) [trajectory[2 * t], trajectory[2 * t + 1]] = [t, 2 * t];
  return { alpha, trajectory, tamsd: Array.from({ length: maxLag }, (_, i) => 5 * (i + 1) ** 2) };
}

const CURVES = [line(1, 12, 3), line(0.2, 12, 3), line(1.98, 12, 3)];

/** The parts of a panel the tests read. */
interface Panel {
  title: string;
  transform: { filter?: string }[];
  encoding: Record<
    string,
    { title?: string; scale?: { type?: string; domain?: (number | string)[]; range?: string[] } }
  >;
}

function panels(spec: ReturnType<typeof trajectoriesMsdSpec>): Panel[] {
  ok("hconcat" in spec);
  return spec.hconcat as unknown as Panel[];
}

Deno.test("trajectoriesMsdRows() holds every frame, every TAMSD lag and 4 K t^alpha at each lag", () => {
  const rows = trajectoriesMsdRows(CURVES, { k: 0.5 });
  equal(rows.filter((row) => row.series === "trajectory").length, 3 * 12);
  equal(rows.filter((row) => row.series === "tamsd").length, 3 * 3);
  const theory = rows.filter((row) => row.series === "power_law" && row.alpha === 0.2);
  deepEqual(theory.map((row) => row.t), [1, 2, 3]);
  for (const row of theory) equal(row.msd, 4 * 0.5 * row.t ** 0.2);
  deepEqual(rows[5], {
    series: "trajectory",
    alpha: 1,
    label: "α = 1 (Brownian)",
    t: 5,
    x: 5,
    y: 10,
    msd: null,
  });
});

Deno.test("trajectoriesMsdSpec() builds two panels, trajectories in px and log-log MSD", () => {
  const spec = trajectoriesMsdSpec(CURVES);
  const [a, b] = panels(spec);
  equal(panels(spec).length, 2);
  equal(a.title, "(a) trajectories");
  equal(a.encoding.x.title, "x (px)");
  equal(a.encoding.y.title, "y (px)");
  equal(b.title, "(b) time-averaged MSD");
  equal(b.encoding.x.title, "lag time t (frames)");
  equal(b.encoding.y.title, "MSD (px²)");
  equal(b.encoding.x.scale?.type, "log");
  equal(b.encoding.y.scale?.type, "log");
});

Deno.test("trajectoriesMsdSpec() gives one colour per particle: 3 trajectories in (a), 3 TAMSD and 3 power laws in (b)", () => {
  const spec = trajectoriesMsdSpec(CURVES);
  ok("data" in spec && spec.data && "values" in spec.data);
  const rows = spec.data.values as { series: string; label: string }[];
  const [a, b] = panels(spec);
  // Each panel's first transform is its filter, a Vega expression over `datum`.
  const keep = (panel: Panel) =>
    new Function("datum", `return ${panel.transform[0].filter};`) as (row: unknown) => boolean;
  const series = (panel: Panel) =>
    new Set(rows.filter(keep(panel)).map((row) => `${row.series} ${row.label}`));
  equal(series(a).size, 3);
  equal(series(b).size, 6);
  const color = a.encoding.color.scale!;
  deepEqual(color.domain, [
    "α = 1 (Brownian)",
    "α = 0.2 (subdiffusive)",
    "α = 1.98 (superdiffusive)",
  ]);
  deepEqual(color.range, paperStyle.palette.slice(0, 3));
});

Deno.test("trajectoriesMsdSpec() gives panel (a) x and y domains of equal span (equal aspect)", () => {
  const [a] = panels(trajectoriesMsdSpec(CURVES));
  const [x0, x1] = a.encoding.x.scale!.domain as number[];
  const [y0, y1] = a.encoding.y.scale!.domain as number[];
  equal(x1 - x0, y1 - y0);
  // The trajectory spans x 0..11 and y 0..22: all of it lies inside.
  ok(x0 < 0 && x1 > 11 && y0 < 0 && y1 > 22);
});

Deno.test("trajectoriesMsdSpec() renders to an SVG with both panels' axis titles and the legend", async () => {
  const { svg } = await renderVegaLite(trajectoriesMsdSpec(CURVES), { scale: 1 });
  for (const text of ["x (px)", "y (px)", "lag time t (frames)", "MSD (px²)", "α = 1.98"]) {
    ok(svg.includes(text), `missing "${text}"`);
  }
});

Deno.test("trajectoriesMsdCsv() writes a header and one line per row with empty cells for nulls", () => {
  const rows = trajectoriesMsdRows([line(1, 2, 1)]);
  equal(
    trajectoriesMsdCsv(rows),
    [
      "series,alpha,label,t,x,y,msd",
      "trajectory,1,α = 1 (Brownian),0,0,0,",
      "trajectory,1,α = 1 (Brownian),1,1,2,",
      "tamsd,1,α = 1 (Brownian),1,,,5",
      "power_law,1,α = 1 (Brownian),1,,,4",
      "",
    ].join("\n"),
  );
});

Deno.test("trajectoriesMsdRows() throws when the curves cannot be drawn", () => {
  const prefix = "Cannot build the trajectories/MSD figure: ";
  throws(() => trajectoriesMsdRows([]), {
    name: "RangeError",
    message: `${prefix}no curves given; pass at least one particle`,
  });
  throws(() => trajectoriesMsdRows(CURVES, { k: 0 }), {
    message: `${prefix}k must be a finite number > 0, got 0`,
  });
  throws(() => trajectoriesMsdRows([{ ...CURVES[0], alpha: 2.5 }]), {
    message: `${prefix}curve 0 has alpha outside (0, 2], got 2.5`,
  });
  throws(() => trajectoriesMsdRows([CURVES[0], CURVES[1], CURVES[0]]), {
    message: `${prefix}curves share alpha 1, which the legend tells apart; give each its own`,
  });
  throws(() => trajectoriesMsdRows([{ ...CURVES[0], trajectory: [0, 0, 1] }]), {
    message: `${prefix}curve 0 trajectory must be [length, 2] with length >= 2, got 3 values`,
  });
  throws(() => trajectoriesMsdRows([{ ...CURVES[0], tamsd: [] }]), {
    message: `${prefix}curve 0 has an empty TAMSD; pass lags 1..maxLag`,
  });
  throws(() => trajectoriesMsdRows([CURVES[0], { ...CURVES[1], tamsd: [1, 0] }]), {
    message: `${prefix}curve 1 TAMSD at lag 2 must be > 0 for a log axis, got 0`,
  });
});

Deno.test("trajectoriesMsdSpec() throws when there are more particles than palette colours", () => {
  const style = { ...paperStyle, palette: ["#000000", "#ffffff"] };
  throws(() => trajectoriesMsdSpec(CURVES, { style }), {
    name: "RangeError",
    message:
      "Cannot build the trajectories/MSD figure: 3 particles but only 2 palette colours; plot at most 2",
  });
});

Deno.test("meanTamsdSlope() is exactly 2 for ballistic motion", () => {
  // x(t) = 3 t, y(t) = -t: TAMSD(lag) = 10 lag^2 for every trajectory.
  const trajectories = new Float64Array(2 * 40 * 2);
  for (let n = 0; n < 2; n++) {
    for (let t = 0; t < 40; t++) trajectories.set([3 * t, -t], (n * 40 + t) * 2);
  }
  ok(Math.abs(meanTamsdSlope(trajectories, [2, 40, 2], 20) - 2) < 1e-12);
});

Deno.test("meanTamsdSlope() is within 0.05 of 1 for Brownian motion (n = 200, length 100, seed 3)", () => {
  // Each TAMSD point at lag <= 20 averages >= 80 overlapping displacements; the mean of 200 has a
  // relative standard error below 0.02 per lag, so the fitted slope is off by about 0.01:
  // 0.05 is five standard errors.
  const rng = createRng(3);
  const [count, length] = [200, 100];
  const trajectories = new Float64Array(count * length * 2);
  for (let n = 0; n < count; n++) {
    trajectories.set(brownianMotion(length, rng, { k: 0.7 }), n * length * 2);
  }
  const slope = meanTamsdSlope(trajectories, [count, length, 2], 20);
  ok(Math.abs(slope - 1) < 0.05, `slope ${slope}`);
});

Deno.test("meanTamsdSlope() throws when maxLag is below 2", () => {
  throws(() => meanTamsdSlope(new Float64Array(20), [1, 10, 2], 1), {
    name: "RangeError",
    message: "Cannot fit the TAMSD slope: maxLag must be >= 2 (a slope needs two lags), got 1",
  });
});
