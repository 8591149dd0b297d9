import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeLabels } from "../src/core/labels.js";
import type { LiveHand } from "../src/core/landmarks.js";
import { buildPipeline, DEFAULT_PIPELINE } from "../src/core/pipelines.js";
import { GestureRecognizer, type Recognition } from "../src/core/recognize.js";
import { loadTable } from "./data.js";
import { DEV_CSV, hasShared, TILES_JSON } from "./shared.js";

/**
 * Live MediaPipe output (normalized coordinates) for real photos, through the one conversion function and a
 * model fitted on the dev sample: the six HaGRID gestures are named, and the two gestures HaGRID does not have
 * (gun, grabbing) get less confidence than any of the real ones.
 */
interface TileResult {
  img: string;
  width: number;
  height: number;
  handedness: { label: string }[];
  landmarks: number[][][];
}

const ready = hasShared("data", "hagrid_sample_dev.csv") && hasShared("media", "tiles", "mediapipe-landmarks.json");

describe.skipIf(!ready)("live tiles through the default model", () => {
  const got = new Map<string, Recognition>();

  beforeAll(() => {
    const table = loadTable(DEV_CSV);
    const model = buildPipeline(DEFAULT_PIPELINE).fit(table.X, encodeLabels(table.labels));
    const rec = new GestureRecognizer(model);
    const { results } = JSON.parse(readFileSync(TILES_JSON, "utf8")) as { results: TileResult[] };
    for (const t of results) {
      const name = t.img.replace(/^.*\//, "").replace(/\.jpg$/, "");
      const hand: LiveHand = {
        landmarks: t.landmarks[0],
        width: t.width,
        height: t.height,
        handedness: t.handedness[0]?.label,
      };
      got.set(name, rec.recognize(hand));
    }
    console.log([...got].map(([n, r]) => `${n}: ${r.label} ${r.probability.toFixed(3)}`).join("\n"));
  }, 300_000);

  it("names the six HaGRID gestures correctly", () => {
    for (const g of ["call", "fist", "like", "palm", "peace", "two_up"]) {
      expect(got.get(g)?.label, g).toBe(g);
    }
  });

  it("is less confident on gun and grabbing than on any real gesture", () => {
    const real = ["call", "fist", "like", "palm", "peace", "two_up"].map((g) => got.get(g)!.probability);
    const fake = ["gun", "grabbing"].map((g) => got.get(g)!.probability);
    expect(Math.max(...fake)).toBeLessThan(Math.min(...real));
  });
});
