import { inflateSync } from "node:zlib";
import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import { HAGRID_LABELS } from "../core/labels.js";
import { HAND_BONES } from "../core/landmarks.js";
import {
  classDistributionPng,
  classDistributionSpec,
  confusionMatrixPng,
  confusionMatrixSpec,
  familyComparisonPng,
  familyComparisonSpec,
  landmarkSkeletonsPng,
  landmarkSkeletonsSpec,
  rejectionCurvePng,
  rejectionCurveSpec,
} from "./charts.js";
import { chartFontFiles, FONT, svgToPng, vegaLiteToSvg } from "./render.js";

const LABELS = [...HAGRID_LABELS];

interface Png {
  width: number;
  height: number;
  /** The image data (all IDAT chunks inflated): equal pixels give equal bytes, as the encoder is deterministic. */
  data: Buffer;
}

/** Checks the PNG structure (signature, IHDR first, chunk lengths, IEND last) and returns size and image data. */
function readPng(bytes: Uint8Array): Png {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(b.toString("latin1", 12, 16)).toBe("IHDR");
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const idat: Buffer[] = [];
  let off = 8;
  let last = "";
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    last = b.toString("latin1", off + 4, off + 8);
    if (last === "IDAT") idat.push(b.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  expect(off).toBe(b.length);
  expect(last).toBe("IEND");
  return { width, height, data: inflateSync(Buffer.concat(idat)) };
}

function confusion(n: number, seed: number): number[][] {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) =>
      i === j ? 100 + Math.floor(rnd() * 900) : rnd() < 0.2 ? Math.floor(rnd() * 30) : 0,
    ),
  );
}

/** A plausible right hand in pixels: wrist at (wx, wy), fingers up, each finger tilted a little. */
function hand(wx: number, wy: number, scale: number, curl: number): number[] {
  const out: number[] = [wx, wy, 0];
  const bases = [-0.6, -0.3, 0, 0.3, 0.55];
  for (let f = 0; f < 5; f++) {
    const angle = bases[f] * (f === 0 ? 1.6 : 1);
    for (let k = 1; k <= 4; k++) {
      const r = scale * (0.4 + 0.25 * k) * (f === 0 ? 0.8 : 1) * (k > 1 ? 1 - curl * 0.3 : 1);
      out.push(wx + r * Math.sin(angle), wy - r * Math.cos(angle), -0.01 * k);
    }
  }
  return out;
}

/** The seed's normalizer: x and y recentred on the wrist, divided by the wrist-to-middle-tip distance. */
function normalize(raw: number[]): number[] {
  const d = Math.hypot(raw[36] - raw[0], raw[37] - raw[1]);
  return raw.map((v, i) => (i % 3 === 0 ? (v - raw[0]) / d : i % 3 === 1 ? (v - raw[1]) / d : v));
}

describe("font", () => {
  it("text is drawn with the bundled DejaVu Sans alone (no system fonts needed)", () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="5" y="30" font-family="${FONT}" font-size="24">Hg 18</text></svg>`;
    const ink = (fontFiles: string[]) => {
      const r = new Resvg(svg, { background: "white", font: { fontFiles, loadSystemFonts: false } }).render();
      let dark = 0;
      for (let i = 0; i < r.pixels.length; i += 4) if (r.pixels[i] < 128) dark++;
      return dark;
    };
    expect(ink([])).toBe(0); // without a font file resvg draws no text: the check below means something
    expect(ink(chartFontFiles())).toBeGreaterThan(100);
  });

  it("svgToPng keeps the SVG's size", () => {
    const png = readPng(svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="37" height="21"></svg>'));
    expect([png.width, png.height]).toEqual([37, 21]);
  });
});

describe("confusionMatrixPng", () => {
  it("18 classes: a PNG of about 900×800, deterministic, and the counts and labels change the pixels", async () => {
    const m = confusion(18, 1);
    const a = readPng(await confusionMatrixPng(LABELS, m, "Confusion matrix"));
    expect(a.width).toBeGreaterThan(800);
    expect(a.width).toBeLessThan(1100);
    expect(a.height).toBeGreaterThan(700);
    expect(a.height).toBeLessThan(1000);
    expect(readPng(await confusionMatrixPng(LABELS, m, "Confusion matrix")).data.equals(a.data)).toBe(true);

    const m2 = m.map((r) => [...r]);
    m2[3][5] += 7;
    expect(readPng(await confusionMatrixPng(LABELS, m2, "Confusion matrix")).data.equals(a.data)).toBe(false);
    const labels2 = [...LABELS];
    labels2[7] = "eno";
    expect(readPng(await confusionMatrixPng(labels2, m, "Confusion matrix")).data.equals(a.data)).toBe(false);
  });

  it("a 3-class matrix is smaller; a wrong shape or a non-finite count is refused", async () => {
    const small = readPng(await confusionMatrixPng(["a", "b", "c"], confusion(3, 2), "small"));
    expect(small.width).toBeLessThan(700);
    await expect(confusionMatrixPng(["a", "b"], [[1, 2]], "t")).rejects.toThrow(/2×2/);
    await expect(
      confusionMatrixPng(
        ["a", "b"],
        [
          [1, Number.NaN],
          [0, 1],
        ],
        "t",
      ),
    ).rejects.toThrow(/finite/);
    await expect(confusionMatrixPng([], [], "t")).rejects.toThrow(/no labels/);
  });
});

describe("classDistributionPng", () => {
  it("one bar per class: taller with more classes, different counts give different pixels", async () => {
    const counts = LABELS.map((label, i) => ({ label, count: 100 + 37 * i }));
    const a = readPng(await classDistributionPng(counts, "Class distribution"));
    expect(a.width).toBeGreaterThan(600);
    expect(a.height).toBeGreaterThan(18 * 24);
    const few = readPng(await classDistributionPng(counts.slice(0, 4), "Class distribution"));
    expect(few.height).toBe(a.height - 14 * 24);
    const changed = counts.map((c, i) => (i === 2 ? { ...c, count: c.count * 2 } : c));
    expect(readPng(await classDistributionPng(changed, "Class distribution")).data.equals(a.data)).toBe(false);
    await expect(classDistributionPng([], "t")).rejects.toThrow(/no classes/);
  });
});

describe("landmarkSkeletonsPng", () => {
  it("has 23 bones over the 21 landmarks", () => {
    expect(HAND_BONES).toHaveLength(23);
    expect(new Set(HAND_BONES.map(([a]) => a).concat(HAND_BONES.map(([, b]) => b))).size).toBe(21);
  });

  it("two square panels per class, six panels a row; a different hand gives different pixels", async () => {
    const per = LABELS.map((label, i) => {
      const raw = hand(200 + 10 * i, 300 + 5 * i, 80 + 3 * i, (i % 5) / 4);
      return { label, raw, normalized: normalize(raw) };
    });
    const a = readPng(await landmarkSkeletonsPng(per));
    const three = readPng(await landmarkSkeletonsPng(per.slice(0, 3)));
    expect(three.width).toBeGreaterThan(6 * 150); // 3 classes = 6 panels = one full row
    expect(three.width).toBeLessThanOrEqual(a.width);
    expect(a.height).toBeGreaterThan(three.height * 4);
    expect(a.width).toBeGreaterThan(6 * 150);
    expect(a.width).toBeLessThan(1600);

    const moved = per.map((p, i) => {
      if (i !== 4) return p;
      const raw = hand(220, 310, 90, 1);
      return { label: p.label, raw, normalized: normalize(raw) };
    });
    expect(readPng(await landmarkSkeletonsPng(moved)).data.equals(a.data)).toBe(false);
  });

  it("refuses a hand without 63 values", async () => {
    await expect(landmarkSkeletonsPng([{ label: "x", raw: [1, 2, 3], normalized: [] }])).rejects.toThrow(/63/);
    await expect(landmarkSkeletonsPng([])).rejects.toThrow(/no classes/);
  });
});

describe("familyComparisonPng", () => {
  it("bars per family, with or without std and held-out scores", async () => {
    const rows = [
      { family: "knn", macroF1: 0.937, std: 0.024, heldOutF1: 0.941 },
      { family: "logreg", macroF1: 0.844, std: 0.045, heldOutF1: 0.83 },
      { family: "rf", macroF1: 0.906 },
    ];
    const a = readPng(await familyComparisonPng(rows));
    expect(a.width).toBeGreaterThan(500);
    expect(a.height).toBeGreaterThan(3 * 44);
    const changed = rows.map((r, i) => (i === 1 ? { ...r, heldOutF1: 0.7 } : r));
    expect(readPng(await familyComparisonPng(changed)).data.equals(a.data)).toBe(false);
    const more = readPng(await familyComparisonPng([...rows, { family: "mlp", macroF1: 0.98, heldOutF1: 0.985 }]));
    expect(more.height).toBeGreaterThan(a.height + 40);
    await expect(familyComparisonPng([])).rejects.toThrow(/no families/);
  });
});

describe("edge cases", () => {
  it("all-zero counts, one class, a degenerate hand and perfect scores still render", async () => {
    const flat = Array.from({ length: 63 }, () => 5);
    const pngs = await Promise.all([
      confusionMatrixPng(
        ["a", "b"],
        [
          [0, 0],
          [0, 0],
        ],
        "zeros",
      ),
      confusionMatrixPng(["only"], [[5]], "one class"),
      classDistributionPng([{ label: "a", count: 0 }], "zeros"),
      landmarkSkeletonsPng([{ label: "degenerate", raw: flat, normalized: flat.map(() => 0) }]),
      familyComparisonPng([{ family: "x", macroF1: 1, std: 0.5, heldOutF1: 1 }]),
      familyComparisonPng([{ family: "x", macroF1: 0, std: 0, heldOutF1: 0 }]),
    ]);
    for (const p of pngs) expect(readPng(p).width).toBeGreaterThan(100);
  });

  it("the SVGs use no clip paths (resvg 2.6.2 aborts the process on a clipped group outside the canvas)", async () => {
    const raw = hand(200, 300, 80, 0.5);
    const specs = [
      confusionMatrixSpec(LABELS.slice(0, 4), confusion(4, 3), "t"),
      classDistributionSpec([{ label: "a", count: 3 }], "t"),
      landmarkSkeletonsSpec([{ label: "a", raw, normalized: normalize(raw) }]),
      familyComparisonSpec([{ family: "x", macroF1: 0.9, std: 0.1, heldOutF1: 0.8 }]),
    ];
    for (const spec of specs) expect(await vegaLiteToSvg(spec)).not.toContain("clip-path");
  });
});

describe("rejectionCurvePng", () => {
  const curve = [0, 0.1, 0.2, 0.4, 0.7, 1].map((a, i) => ({
    threshold: i,
    nongesture_acceptance: a,
    gesture_recall: Math.min(1, 0.5 + i * 0.12),
  }));
  const mark = [{ label: "threshold 2", gesture_recall: 0.74, nongesture_acceptance: 0.2 }];

  it("draws the curve and the model's point, deterministically; another point changes the pixels", async () => {
    const a = readPng(await rejectionCurvePng(curve, mark));
    expect(a.width).toBeGreaterThan(450);
    expect(a.height).toBeGreaterThan(450);
    expect(readPng(await rejectionCurvePng(curve, mark)).data.equals(a.data)).toBe(true);
    const moved = [{ ...mark[0], nongesture_acceptance: 0.7, gesture_recall: 0.98 }];
    expect(readPng(await rejectionCurvePng(curve, moved)).data.equals(a.data)).toBe(false);
  });

  it("refuses an empty curve and values that are not numbers", () => {
    expect(() => rejectionCurveSpec([], mark)).toThrow(/no curve points/);
    expect(() => rejectionCurveSpec([{ ...curve[0], gesture_recall: Number.NaN }], mark)).toThrow(/finite/);
  });
});
