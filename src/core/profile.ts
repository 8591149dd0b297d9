/**
 * A dataset's profile for the dashboard's datasets view: class counts, per class a mean and a medoid hand raw and
 * normalized, and the spread of every landmark coordinate. Isomorphic, plain JSON out.
 *
 * Normalized is the features' normalization (HandShapeFeatures): wrist at the origin, x and y over the palm size,
 * left hands mirrored onto right ones, z less the wrist's over its own mean spread. Statistics are computed on
 * values scaled by each column's largest magnitude, so finite inputs near Number.MAX_VALUE give finite figures.
 */
import { HandgestureError } from "./errors.js";
import { HandShapeFeatures } from "./features/hand-shape.js";
import { COLUMNS, HAND_DIM, NUM_LANDMARKS } from "./landmarks.js";
import type { Matrix } from "./matrix.js";

export const PROFILE_FORMAT = "handgesture-dataset-profile";

/** Per coordinate (63, in COLUMNS order): mean, population standard deviation, min and max. */
export interface Spread {
  mean: number[];
  std: number[];
  min: number[];
  max: number[];
}

export interface ClassProfile {
  label: string;
  count: number;
  /** Mean of the class's raw rows (image coordinates: a blur of hands in different places). */
  mean_raw: number[];
  /** Mean and spread of the class's normalized hands (rows that cannot be normalized left out). */
  mean_normalized: number[];
  std_normalized: number[];
  /** A real hand of the class: the one nearest its mean normalized hand, by data row (0-based). */
  medoid: { row: number; raw: number[]; normalized: number[] } | null;
}

export interface DatasetProfile {
  format: typeof PROFILE_FORMAT;
  version: 1;
  rows: number;
  columns: string[];
  normalization: string;
  /** Rows whose palm has no size (all points on the wrist, or coordinates too far apart to measure). */
  unnormalizable: number;
  /** Sorted by label. */
  classes: ClassProfile[];
  spread: { raw: Spread; normalized: Spread };
}

/** Running statistics over chosen rows of a row-major block, scaled per column (two passes). */
function spreadOf(data: Float64Array, rows: ArrayLike<number>): Spread {
  const d = HAND_DIM;
  if (rows.length === 0) return { mean: [], std: [], min: [], max: [] };
  const scale = new Float64Array(d);
  const min = new Array<number>(d).fill(Number.POSITIVE_INFINITY);
  const max = new Array<number>(d).fill(Number.NEGATIVE_INFINITY);
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r] * d;
    for (let j = 0; j < d; j++) {
      const v = data[o + j];
      if (Math.abs(v) > scale[j]) scale[j] = Math.abs(v);
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    }
  }
  const n = rows.length;
  const mean = new Float64Array(d); // scaled
  for (let r = 0; r < n; r++) {
    const o = rows[r] * d;
    for (let j = 0; j < d; j++) if (scale[j] > 0) mean[j] += data[o + j] / scale[j];
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  const sq = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = rows[r] * d;
    for (let j = 0; j < d; j++) {
      if (scale[j] === 0) continue;
      const e = data[o + j] / scale[j] - mean[j];
      sq[j] += e * e;
    }
  }
  return {
    mean: Array.from(mean, (m, j) => m * scale[j]),
    std: Array.from(sq, (s, j) => Math.sqrt(s / n) * scale[j]),
    min,
    max,
  };
}

/** Profiles landmark rows (X: rows x 63 in COLUMNS order) with their labels. */
export function profileLandmarks(X: Matrix, labels: readonly string[]): DatasetProfile {
  if (X.cols !== HAND_DIM) throw new HandgestureError(`a profile needs ${HAND_DIM} columns, got ${X.cols}`);
  if (X.rows !== labels.length) {
    throw new HandgestureError(`${X.rows} rows but ${labels.length} labels`, "INVALID_DATA");
  }
  if (X.rows === 0) throw new HandgestureError("no data rows to profile", "INVALID_DATA");
  for (let i = 0; i < X.data.length; i++) {
    if (!Number.isFinite(X.data[i])) {
      const r = Math.floor(i / HAND_DIM);
      throw new HandgestureError(`row ${r} (0-based), column ${COLUMNS[i % HAND_DIM]}: not finite`, "INVALID_DATA");
    }
  }
  // Normalized hands, interleaved like the raw ones.
  const features = new HandShapeFeatures({ distances: "none", depth: "spread" });
  const norm = new Float64Array(X.rows * HAND_DIM);
  const out = new Float64Array(features.outputDim(HAND_DIM));
  const ok: number[] = [];
  for (let i = 0; i < X.rows; i++) {
    features.transformRow(X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM), out);
    let finite = true;
    let size = 0;
    for (let p = 0; p < NUM_LANDMARKS; p++) {
      const o = i * HAND_DIM + 3 * p;
      norm[o] = out[2 * p];
      norm[o + 1] = out[2 * p + 1];
      norm[o + 2] = out[2 * NUM_LANDMARKS + p];
      finite &&= Number.isFinite(norm[o]) && Number.isFinite(norm[o + 1]) && Number.isFinite(norm[o + 2]);
      size += Math.abs(norm[o]) + Math.abs(norm[o + 1]);
    }
    // A palm of no size normalizes to all zeros; too far apart to measure, to NaN.
    if (finite && size > 0) ok.push(i);
  }
  const okSet = new Uint8Array(X.rows);
  for (const i of ok) okSet[i] = 1;

  const byClass = new Map<string, number[]>();
  for (let i = 0; i < X.rows; i++) {
    const list = byClass.get(labels[i]);
    if (list) list.push(i);
    else byClass.set(labels[i], [i]);
  }
  const classes = [...byClass.keys()].sort().map((label): ClassProfile => {
    const rows = byClass.get(label) as number[];
    const normRows = rows.filter((i) => okSet[i] === 1);
    const raw = spreadOf(X.data, rows);
    const nrm = spreadOf(norm, normRows);
    let medoid: ClassProfile["medoid"] = null;
    let best = Number.POSITIVE_INFINITY;
    for (const i of normRows) {
      let d = 0;
      for (let j = 0; j < HAND_DIM; j++) d += (norm[i * HAND_DIM + j] - nrm.mean[j]) ** 2;
      if (d < best) {
        best = d;
        medoid = {
          row: i,
          raw: Array.from(X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM)),
          normalized: Array.from(norm.subarray(i * HAND_DIM, (i + 1) * HAND_DIM)),
        };
      }
    }
    return {
      label,
      count: rows.length,
      mean_raw: raw.mean,
      mean_normalized: nrm.mean,
      std_normalized: nrm.std,
      medoid,
    };
  });
  const all = Array.from({ length: X.rows }, (_, i) => i);
  return {
    format: PROFILE_FORMAT,
    version: 1,
    rows: X.rows,
    columns: [...COLUMNS],
    normalization:
      "wrist at the origin, x and y over the palm size (mean wrist-to-knuckle distance and knuckle width), left " +
      "hands mirrored onto right ones, z less the wrist's over its mean spread (HandShapeFeatures)",
    unnormalizable: X.rows - ok.length,
    classes,
    spread: { raw: spreadOf(X.data, all), normalized: spreadOf(norm, ok) },
  };
}
