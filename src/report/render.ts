import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** The one font every chart uses; its TrueType files come from the `dejavu-fonts-ttf` package, not the system. */
export const FONT = "DejaVu Sans";

let fontFiles: string[] | undefined;

/** Paths of the bundled DejaVu Sans regular and bold files (resolved once). */
export function chartFontFiles(): string[] {
  if (!fontFiles) {
    const dir = dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json"));
    fontFiles = [join(dir, "ttf", "DejaVuSans.ttf"), join(dir, "ttf", "DejaVuSans-Bold.ttf")];
  }
  return fontFiles;
}

/** Shared look: one font everywhere, sizes that read at 1:1, white background. */
export const BASE_CONFIG = {
  font: FONT,
  background: "white",
  title: { fontSize: 16, anchor: "start", offset: 12 },
  axis: { labelFontSize: 12, titleFontSize: 13, labelColor: "#222", titleColor: "#222" },
  legend: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: null },
} as const;

/** A Vega-Lite spec to SVG text (Vega's own SVG renderer, headless: no canvas, no DOM). */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const vgSpec = compile(spec).spec;
  const view = new View(parse(vgSpec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * SVG text to PNG bytes at the SVG's own size, text drawn with the bundled font only (no system fonts).
 * Keep charts free of clip paths (no `clip: true` marks): resvg 2.6.2 panics, aborting the whole process, on a
 * clipped group that falls outside the canvas.
 */
export function svgToPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "original" },
    font: { fontFiles: chartFontFiles(), loadSystemFonts: false, defaultFontFamily: FONT, sansSerifFamily: FONT },
    shapeRendering: 2,
    textRendering: 1,
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** A Vega-Lite spec straight to PNG bytes. */
export async function vegaLiteToPng(spec: TopLevelSpec): Promise<Uint8Array> {
  return svgToPng(await vegaLiteToSvg(spec));
}
