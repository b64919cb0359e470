import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import type { TopLevelSpec } from "vega-lite";
import { renderVegaLite } from "./vega.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, which a PNG must start with. */
function pngSize(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

/** Width and height attributes of the root `<svg>` element. */
function svgSize(svg: string): [number, number] {
  const match = svg.match(/^<svg[^>]* width="([\d.]+)" height="([\d.]+)"/);
  ok(match, `no width/height on the root element: ${svg.slice(0, 200)}`);
  return [Number(match[1]), Number(match[2])];
}

function msdSpec(slope: number): TopLevelSpec {
  const values = [1, 2, 4, 8, 16].map((t) => ({ t, msd: 4 * t ** slope }));
  return {
    width: 200,
    height: 150,
    data: { values },
    // clip: true makes Vega emit a clipPath with a numbered id.
    mark: { type: "line", clip: true },
    encoding: {
      x: { field: "t", type: "quantitative", title: "lag time t (frames)", scale: { type: "log" } },
      y: { field: "msd", type: "quantitative", title: "MSD (px²)", scale: { type: "log" } },
    },
  };
}

Deno.test("renderVegaLite() returns an SVG with the axis titles and a PNG with the PNG signature", async () => {
  const { svg, png } = await renderVegaLite(msdSpec(1));
  ok(svg.startsWith("<svg"), svg.slice(0, 80));
  ok(svg.trimEnd().endsWith("</svg>"));
  ok(svg.includes("lag time t (frames)"));
  ok(svg.includes("MSD (px²)"));
  deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
});

Deno.test("renderVegaLite() makes the PNG scale times the SVG's size (scale 1, 2 and 3)", async () => {
  for (const scale of [1, 2, 3]) {
    const { svg, png } = await renderVegaLite(msdSpec(1), { scale });
    const [width, height] = svgSize(svg);
    deepEqual(pngSize(png), [Math.round(width * scale), Math.round(height * scale)]);
  }
});

Deno.test("renderVegaLite() gives identical SVG bytes for the same spec, even after rendering another", async () => {
  const first = await renderVegaLite(msdSpec(0.5));
  const other = await renderVegaLite(msdSpec(1.5));
  const again = await renderVegaLite(msdSpec(0.5));
  ok(first.svg.includes("clip"), "the spec should exercise numbered clip ids");
  ok(first.svg !== other.svg);
  equal(again.svg, first.svg);
  deepEqual(again.png, first.png);
});

Deno.test("renderVegaLite() passes Vega-Lite warnings to onWarning", async () => {
  const warnings: string[] = [];
  await renderVegaLite({
    data: { values: [{ a: 1 }] },
    mark: "bar",
    encoding: {
      x: { field: "a", type: "quantitative" },
      shape: { field: "a", type: "nominal" },
    },
  }, { onWarning: (message) => warnings.push(message) });
  deepEqual(warnings, ['shape dropped as it is incompatible with "bar".']);
});

Deno.test("renderVegaLite() throws when scale is not a finite number > 0", async () => {
  for (const scale of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    await rejects(renderVegaLite(msdSpec(1), { scale }), {
      name: "RangeError",
      message:
        `Cannot render Vega-Lite spec: scale must be a finite number > 0, got ${scale}; use e.g. 2`,
    });
  }
});

Deno.test("renderVegaLite() throws when the spec has an unparseable expression", async () => {
  await rejects(
    renderVegaLite({
      data: { values: [{ a: 1 }] },
      transform: [{ calculate: "datum.a +", as: "b" }],
      mark: "point",
      encoding: { x: { field: "b", type: "quantitative" } },
    }),
    {
      name: "TypeError",
      message:
        "Cannot render Vega-Lite spec: Unexpected end of input; check the spec against the Vega-Lite schema",
    },
  );
});
