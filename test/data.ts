import { readFileSync } from "node:fs";
import { type LandmarkTable, parseLandmarkCsv } from "../src/core/csv.js";
import { LandmarkNormalizer } from "../src/core/features/seed-normalizer.js";
import { encodeLabels, type Labels } from "../src/core/labels.js";
import type { Matrix } from "../src/core/matrix.js";

/** A landmark CSV (x1..z21,label) read through the library's own parser; errors name the file. */
export function loadTable(path: string): LandmarkTable {
  return parseLandmarkCsv(readFileSync(path, "utf8"), { file: path });
}

/** The dataset CSV through the seed normalisation (x, y relative to the wrist, scaled; z as is), labels encoded. */
export function loadSeed(path: string): { X: Matrix; y: Labels } {
  const table = loadTable(path);
  return { X: new LandmarkNormalizer().transform(table.X), y: encodeLabels(table.labels) };
}
