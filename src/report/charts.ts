/**
 * The training report's charts as PNG bytes: Vega-Lite specs rendered to SVG by Vega (headless), rasterised by
 * resvg with the bundled DejaVu Sans. Inputs are plain data; every function returns the PNG file's bytes.
 */
import type { TopLevelSpec } from "vega-lite";
import { HAND_BONES } from "../core/landmarks.js";
import { BASE_CONFIG, vegaLiteToPng } from "./render.js";

const FINGERS = ["thumb", "index", "middle", "ring", "pinky", "palm"];
const FINGER_COLORS = ["#e6550d", "#3182bd", "#31a354", "#756bb1", "#d6616b", "#636363"];

function checkFinite(what: string, v: number): void {
  if (!Number.isFinite(v)) throw new RangeError(`${what}: expected a finite number, got ${v}`);
}

/**
 * Confusion matrix as a labelled heatmap: rows are the true class, columns the predicted one, each cell its count;
 * the colour is the share of the row (recall for the diagonal), so rare classes read as clearly as common ones.
 */
export function confusionMatrixSpec(labels: string[], matrix: number[][], title: string): TopLevelSpec {
  const n = labels.length;
  if (n === 0) throw new RangeError("confusionMatrixPng: no labels");
  if (matrix.length !== n || matrix.some((r) => r.length !== n)) {
    throw new RangeError(`confusionMatrixPng: matrix must be ${n}×${n} for ${n} labels`);
  }
  const values: { t: string; p: string; count: number; share: number; text: string }[] = [];
  let maxCount = 0;
  for (let i = 0; i < n; i++) {
    const row = matrix[i];
    let sum = 0;
    for (let j = 0; j < n; j++) {
      checkFinite(`confusionMatrixPng: matrix[${i}][${j}]`, row[j]);
      sum += row[j];
    }
    for (let j = 0; j < n; j++) {
      const c = row[j];
      maxCount = Math.max(maxCount, c);
      values.push({ t: labels[i], p: labels[j], count: c, share: sum > 0 ? c / sum : 0, text: c === 0 ? "" : `${c}` });
    }
  }
  // Cells large enough for the counts, the whole grid about 650 px at 18 classes.
  const cell = Math.max(30, Math.min(64, Math.floor(650 / n)));
  const digits = `${Math.round(maxCount)}`.length;
  const countSize = Math.max(9, Math.min(13, Math.floor(cell / (0.62 * Math.max(digits, 2) + 0.6))));
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    config: BASE_CONFIG,
    data: { values },
    width: cell * n,
    height: cell * n,
    encoding: {
      x: {
        field: "p",
        type: "nominal",
        sort: labels,
        title: "predicted class",
        axis: { orient: "bottom", labelAngle: -45, labelAlign: "right", labelLimit: 200, ticks: false },
      },
      y: {
        field: "t",
        type: "nominal",
        sort: labels,
        title: "true class",
        axis: { labelLimit: 200, ticks: false },
      },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "#dddddd", strokeWidth: 0.5 },
        encoding: {
          color: {
            condition: { test: "datum.count === 0", value: "#ffffff" },
            field: "share",
            type: "quantitative",
            scale: { scheme: "blues", domain: [0, 1] },
            title: ["share of", "true class"],
            legend: { format: ".0%", gradientLength: Math.min(300, cell * n) },
          },
          tooltip: [{ field: "count", type: "quantitative" }],
        },
      },
      {
        mark: { type: "text", fontSize: countSize, baseline: "middle" },
        encoding: {
          text: { field: "text", type: "nominal" },
          color: { condition: { test: "datum.share > 0.55", value: "white" }, value: "#111111" },
        },
      },
    ],
  };
  return spec;
}

/** Rows per class as a horizontal bar chart, the count written at each bar's end. Order as given. */
export function classDistributionSpec(counts: { label: string; count: number }[], title: string): TopLevelSpec {
  if (counts.length === 0) throw new RangeError("classDistributionPng: no classes");
  for (const c of counts) checkFinite(`classDistributionPng: count of ${c.label}`, c.count);
  const total = counts.reduce((s, c) => s + c.count, 0);
  const values = counts.map((c) => ({
    label: c.label,
    count: c.count,
    text: `${c.count}${total > 0 ? ` (${((100 * c.count) / total).toFixed(1)}%)` : ""}`,
  }));
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle: `${total} rows, ${counts.length} classes` },
    config: BASE_CONFIG,
    data: { values },
    width: 560,
    height: { step: 24 },
    encoding: {
      y: { field: "label", type: "nominal", sort: null, title: null, axis: { labelLimit: 220, ticks: false } },
      x: {
        field: "count",
        type: "quantitative",
        title: "rows",
        axis: { grid: true, tickCount: 6 },
        ...(total > 0 ? {} : { scale: { domain: [0, 1] } }),
      },
    },
    layer: [
      { mark: { type: "bar", color: "#4c78a8", height: { band: 0.75 } } },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 11, color: "#222" },
        encoding: { text: { field: "text" } },
      },
    ],
  };
  return spec;
}

export interface HandPanelInput {
  label: string;
  /** 63 values x1,y1,z1,...,x21,y21,z21 in the dataset's convention (x, y pixels, y down). */
  raw: number[];
  /** The same hand through the seed's LandmarkNormalizer (63 values, wrist at 0,0, unit wrist-to-middle-tip). */
  normalized: number[];
}

interface Bounds {
  x: [number, number];
  y: [number, number];
}

/** A square window around the points (so x and y have the same scale in a square panel), with a margin. */
function squareBounds(hands: number[][], margin: number, includeOrigin: boolean, minSpan: number): Bounds {
  let x0 = includeOrigin ? 0 : Number.POSITIVE_INFINITY;
  let x1 = includeOrigin ? 0 : Number.NEGATIVE_INFINITY;
  let y0 = x0;
  let y1 = x1;
  for (const h of hands) {
    for (let i = 0; i < 21; i++) {
      x0 = Math.min(x0, h[3 * i]);
      x1 = Math.max(x1, h[3 * i]);
      y0 = Math.min(y0, h[3 * i + 1]);
      y1 = Math.max(y1, h[3 * i + 1]);
    }
  }
  const half = (Math.max(x1 - x0, y1 - y0, minSpan) / 2) * (1 + margin);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return { x: [cx - half, cx + half], y: [cy - half, cy + half] };
}

function handLayer(hand: number[], bounds: Bounds, size: number, title: string, axisTitle: string, fmt: string) {
  const bones = HAND_BONES.map(([a, b, finger]) => ({
    x: hand[3 * a],
    y: hand[3 * a + 1],
    x2: hand[3 * b],
    y2: hand[3 * b + 1],
    finger,
  }));
  const joints = Array.from({ length: 21 }, (_, i) => ({ x: hand[3 * i], y: hand[3 * i + 1], wrist: i === 0 }));
  const axis = { tickCount: 3, labelFontSize: 9, titleFontSize: 10, format: fmt, grid: true, gridColor: "#eeeeee" };
  const x = {
    field: "x",
    type: "quantitative" as const,
    scale: { domain: bounds.x, nice: false, zero: false },
    axis: { ...axis, title: `x ${axisTitle}` },
  };
  const y = {
    field: "y",
    type: "quantitative" as const,
    // Image convention: y grows downwards, so the hand appears as in the photo.
    scale: { domain: bounds.y, nice: false, zero: false, reverse: true },
    axis: { ...axis, title: `y ${axisTitle}` },
  };
  return {
    title: { text: title, fontSize: 12, anchor: "middle" as const, offset: 4 },
    width: size,
    height: size,
    view: { stroke: "#cccccc" },
    layer: [
      {
        data: { values: bones },
        mark: { type: "rule" as const, strokeWidth: 2.5, strokeCap: "round" as const },
        encoding: {
          x,
          y,
          x2: { field: "x2" },
          y2: { field: "y2" },
          color: {
            field: "finger",
            type: "nominal" as const,
            scale: { domain: FINGERS, range: FINGER_COLORS },
            legend: null,
          },
        },
      },
      {
        data: { values: joints },
        mark: { type: "circle" as const, opacity: 1 },
        encoding: {
          x,
          y,
          size: { condition: { test: "datum.wrist", value: 60 }, value: 16 },
          color: { value: "#111111" },
        },
      },
    ],
  };
}

/**
 * One pair of panels per class: the hand as recorded (pixels, y down) beside the same hand after the seed's
 * normalizer. Each panel is square with equal x and y scales, so shapes are not distorted; each frames its own hand
 * (the normalized window always includes the wrist at 0,0), and the axes give the scale.
 */
export function landmarkSkeletonsSpec(perClass: HandPanelInput[]): TopLevelSpec {
  if (perClass.length === 0) throw new RangeError("landmarkSkeletonsPng: no classes");
  for (const h of perClass) {
    for (const [name, v] of [
      ["raw", h.raw],
      ["normalized", h.normalized],
    ] as const) {
      if (v.length !== 63)
        throw new RangeError(`landmarkSkeletonsPng: ${h.label} ${name} has ${v.length} values, not 63`);
      for (let i = 0; i < v.length; i++) checkFinite(`landmarkSkeletonsPng: ${h.label} ${name}[${i}]`, v[i]);
    }
  }
  const size = 150;
  const panels = perClass.flatMap((h) => [
    handLayer(h.raw, squareBounds([h.raw], 0.15, false, 10), size, `${h.label}: raw`, "(px)", "~s"),
    handLayer(h.normalized, squareBounds([h.normalized], 0.15, true, 0.5), size, `${h.label}: normalized`, "", ".1f"),
  ]);
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Hand landmarks per class: raw (pixels, y down) and after the seed's normalizer",
      subtitle: "thumb orange · index blue · middle green · ring purple · pinky red · palm grey; large dot = wrist",
    },
    config: { ...BASE_CONFIG, concat: { spacing: 18 } },
    columns: 6,
    concat: panels,
  };
  return spec;
}

export interface FamilyRow {
  family: string;
  /** Cross-validated macro-F1 (mean over folds). */
  macroF1: number;
  /** Standard deviation of the cross-validated macro-F1 over folds. */
  std?: number;
  /** Macro-F1 on the held-out split. */
  heldOutF1?: number;
}

/** Model families side by side: cross-validated macro-F1 (± one standard deviation) and held-out macro-F1. */
export function familyComparisonSpec(rows: FamilyRow[], title = "Model families: macro-F1"): TopLevelSpec {
  if (rows.length === 0) throw new RangeError("familyComparisonPng: no families");
  const values: {
    family: string;
    metric: string;
    value: number;
    lo?: number;
    hi?: number;
    end: number;
    text: string;
  }[] = [];
  for (const r of rows) {
    checkFinite(`familyComparisonPng: macroF1 of ${r.family}`, r.macroF1);
    const std = r.std ?? 0;
    values.push({
      family: r.family,
      metric: "cross-validated",
      value: r.macroF1,
      lo: Math.max(0, r.macroF1 - std),
      hi: Math.min(1, r.macroF1 + std),
      end: Math.min(1, r.macroF1 + std),
      text: r.std === undefined ? r.macroF1.toFixed(3) : `${r.macroF1.toFixed(3)} ± ${r.std.toFixed(3)}`,
    });
    if (r.heldOutF1 !== undefined) {
      checkFinite(`familyComparisonPng: heldOutF1 of ${r.family}`, r.heldOutF1);
      values.push({
        family: r.family,
        metric: "held-out 20%",
        value: r.heldOutF1,
        end: r.heldOutF1,
        text: r.heldOutF1.toFixed(3),
      });
    }
  }
  const metrics = ["cross-validated", "held-out 20%"];
  const y = {
    field: "family",
    type: "nominal" as const,
    sort: null,
    title: null,
    axis: { labelLimit: 220, ticks: false },
  };
  const yOffset = { field: "metric", type: "nominal" as const, sort: metrics };
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle: "cross-validated: mean over folds, black line = ± 1 standard deviation" },
    config: BASE_CONFIG,
    data: { values },
    width: 520,
    height: { step: 44 },
    encoding: { y, yOffset },
    layer: [
      {
        mark: { type: "bar", height: { band: 0.9 } },
        encoding: {
          x: {
            field: "value",
            type: "quantitative",
            scale: { domain: [0, 1.15], nice: false },
            title: "macro-F1",
            axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1], grid: true },
          },
          color: {
            field: "metric",
            type: "nominal",
            scale: { domain: metrics, range: ["#4c78a8", "#f58518"] },
            title: null,
            legend: { orient: "bottom", direction: "horizontal" },
          },
        },
      },
      {
        transform: [{ filter: "isValid(datum.lo)" }],
        mark: { type: "rule", color: "#111111", strokeWidth: 1.5 },
        encoding: { x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
      },
      {
        mark: { type: "text", align: "left", dx: 6, fontSize: 11, color: "#222" },
        encoding: {
          x: { field: "end", type: "quantitative" },
          text: { field: "text" },
        },
      },
    ],
  };
  return spec;
}

/** {@link confusionMatrixSpec} as PNG bytes. */
export async function confusionMatrixPng(labels: string[], matrix: number[][], title: string): Promise<Uint8Array> {
  return vegaLiteToPng(confusionMatrixSpec(labels, matrix, title));
}

/** {@link classDistributionSpec} as PNG bytes. */
export async function classDistributionPng(
  counts: { label: string; count: number }[],
  title: string,
): Promise<Uint8Array> {
  return vegaLiteToPng(classDistributionSpec(counts, title));
}

/** {@link landmarkSkeletonsSpec} as PNG bytes. */
export async function landmarkSkeletonsPng(perClass: HandPanelInput[]): Promise<Uint8Array> {
  return vegaLiteToPng(landmarkSkeletonsSpec(perClass));
}

/** {@link familyComparisonSpec} as PNG bytes. */
export async function familyComparisonPng(rows: FamilyRow[], title?: string): Promise<Uint8Array> {
  return vegaLiteToPng(familyComparisonSpec(rows, title));
}

/** A threshold's point on the rejection curve, marked on the chart (the model's own threshold). */
export interface RejectionPoint {
  gesture_recall: number;
  nongesture_acceptance: number;
  label: string;
}

/**
 * Rejection's trade-off: gestures still named correctly (y) against hands that make no gesture accepted (x), one
 * point per threshold from rejecting everything (0, 0) to accepting everything; the model's threshold marked.
 */
export function rejectionCurveSpec(
  curve: readonly { gesture_recall: number; nongesture_acceptance: number; threshold: number }[],
  marked: readonly RejectionPoint[],
  title = "Rejection: gestures named against non-gestures accepted",
): TopLevelSpec {
  if (curve.length === 0) throw new RangeError("rejectionCurvePng: no curve points");
  for (const p of [...curve, ...marked]) {
    checkFinite("rejectionCurvePng: gesture_recall", p.gesture_recall);
    checkFinite("rejectionCurvePng: nongesture_acceptance", p.nongesture_acceptance);
  }
  const axis = (title: string) => ({
    type: "quantitative" as const,
    scale: { domain: [0, 1] },
    title,
    axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1], grid: true },
  });
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: "each point a threshold on the rejection score; up and to the left is better",
    },
    config: BASE_CONFIG,
    width: 420,
    height: 420,
    layer: [
      {
        data: { values: curve.map((p) => ({ ...p })) },
        mark: { type: "line", interpolate: "step-after", color: "#4c78a8", strokeWidth: 2 },
        encoding: {
          x: { field: "nongesture_acceptance", ...axis("non-gestures accepted (share)") },
          y: { field: "gesture_recall", ...axis("gestures named correctly (share)") },
          order: { field: "threshold", type: "quantitative" },
        },
      },
      {
        data: {
          values: marked.map((p) => ({
            ...p,
            text: `${p.label}: ${p.gesture_recall.toFixed(3)} / ${p.nongesture_acceptance.toFixed(3)}`,
          })),
        },
        layer: [
          {
            mark: { type: "point", filled: true, size: 90, color: "#e45756" },
            encoding: {
              x: { field: "nongesture_acceptance", type: "quantitative" },
              y: { field: "gesture_recall", type: "quantitative" },
            },
          },
          {
            mark: { type: "text", align: "left", dx: 8, dy: 12, fontSize: 11, color: "#222" },
            encoding: {
              x: { field: "nongesture_acceptance", type: "quantitative" },
              y: { field: "gesture_recall", type: "quantitative" },
              text: { field: "text" },
            },
          },
        ],
      },
    ],
  };
  return spec;
}

/** {@link rejectionCurveSpec} as PNG bytes. */
export async function rejectionCurvePng(
  curve: readonly { gesture_recall: number; nongesture_acceptance: number; threshold: number }[],
  marked: readonly RejectionPoint[],
  title?: string,
): Promise<Uint8Array> {
  return vegaLiteToPng(rejectionCurveSpec(curve, marked, title));
}
