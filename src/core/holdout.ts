/**
 * What `train` logs of a held-out evaluation for the misclassification explorer, in forms a Python user reads as
 * easily as the dashboard does:
 *   evaluation/holdout.csv     one row per held-out hand (pandas.read_csv reads it as it is)
 *   evaluation/neighbors.json  for each misclassified hand, the nearest training hands of its true and its
 *                              predicted class, with every hand's 63 landmark values (no access to the data needed)
 * Isomorphic: the page parses holdout.csv with the same code that wrote it.
 */
import { HandgestureError } from "./errors.js";
import { PairDistances } from "./features/pair-distances.js";
import { COLUMNS, HAND_DIM } from "./landmarks.js";
import type { Matrix } from "./matrix.js";

export const HOLDOUT_CSV = "evaluation/holdout.csv";
export const NEIGHBORS_JSON = "evaluation/neighbors.json";
export const NEIGHBORS_FORMAT = "handgesture-holdout-neighbors";
/** Nearest training hands listed per class. */
export const DEFAULT_NEIGHBORS = 5;

/** One held-out hand: where it is in the data file, what it is, what the model said. */
export interface HoldoutRow {
  /** 0-based index of the data row in the file (header not counted), as pandas numbers it. */
  row: number;
  /** 1-based physical line of the row in the file. */
  line: number;
  label: string;
  predicted: string;
  /** The model's probability of `predicted`. */
  probability: number;
  /** The rejector's decision and score; null when the model has no rejector. */
  accepted: boolean | null;
  rejectionScore: number | null;
  /** Every class's probability, in `Holdout.classes` order. */
  proba: Float64Array;
  /** The 63 landmark values, x1, y1, z1, ..., z21. */
  landmarks: Float64Array;
}

export interface Holdout {
  classes: string[];
  rows: HoldoutRow[];
}

const FIXED = ["row", "line", "label", "predicted", "probability", "accepted", "rejection_score"] as const;
const PROBA_PREFIX = "proba_";

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * holdout.csv: header `row,line,label,predicted,probability,accepted,rejection_score,proba_<class>…,x1,…,z21`.
 * `accepted` is 1 or 0 and `rejection_score` a number, both empty for a model without a rejector. Landmarks keep
 * every digit (the same doubles as the data file's); probabilities per class are rounded to 6 significant digits.
 */
export function formatHoldoutCsv(h: Holdout): string {
  const header = [...FIXED, ...h.classes.map((c) => `${PROBA_PREFIX}${c}`), ...COLUMNS].map(field).join(",");
  const lines = [header];
  for (const r of h.rows) {
    const cells = [
      String(r.row),
      String(r.line),
      field(r.label),
      field(r.predicted),
      String(r.probability),
      r.accepted === null ? "" : r.accepted ? "1" : "0",
      r.rejectionScore === null ? "" : String(r.rejectionScore),
    ];
    for (let c = 0; c < h.classes.length; c++) cells.push(String(Number(r.proba[c].toPrecision(6))));
    for (let j = 0; j < HAND_DIM; j++) cells.push(String(r.landmarks[j]));
    lines.push(cells.join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** Splits one CSV line into fields (quoted fields as RFC 4180; no line breaks inside them here). */
function splitLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error("unterminated quote");
        s += line.slice(i, q);
        if (line[q + 1] === '"') {
          s += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(s);
      i++; // the comma
    } else {
      const c = line.indexOf(",", i);
      const end = c < 0 ? line.length : c;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

/** Reads holdout.csv back (the dashboard's explorer; tests). Errors name the line and column. */
export function parseHoldoutCsv(text: string, file = "holdout.csv"): Holdout {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new HandgestureError(`${file}: empty, expected a header`, "INVALID_DATA");
  const header = splitLine(lines[0]);
  const bad = (line: number, column: number, what: string) =>
    new HandgestureError(`${file}:${line}:${column}: ${what}`, "INVALID_DATA");
  FIXED.forEach((name, j) => {
    if (header[j] !== name) throw bad(1, j + 1, `expected column "${name}", found "${header[j] ?? ""}"`);
  });
  const classes: string[] = [];
  let j = FIXED.length;
  while (j < header.length && header[j].startsWith(PROBA_PREFIX)) classes.push(header[j++].slice(PROBA_PREFIX.length));
  const landmarkAt = j;
  COLUMNS.forEach((name, k) => {
    if (header[landmarkAt + k] !== name) {
      throw bad(1, landmarkAt + k + 1, `expected column "${name}", found "${header[landmarkAt + k] ?? ""}"`);
    }
  });
  const width = landmarkAt + HAND_DIM;
  const rows: HoldoutRow[] = [];
  for (let n = 1; n < lines.length; n++) {
    let f: string[];
    try {
      f = splitLine(lines[n]);
    } catch (e) {
      throw bad(n + 1, 1, (e as Error).message);
    }
    if (f.length !== width) throw bad(n + 1, Math.min(f.length, width) + 1, `${f.length} fields, expected ${width}`);
    const num = (k: number, allowEmpty = false): number | null => {
      if (allowEmpty && f[k] === "") return null;
      const v = f[k] === "" ? Number.NaN : Number(f[k]);
      if (!Number.isFinite(v)) throw bad(n + 1, k + 1, `${header[k]}: "${f[k]}" is not a number`);
      return v;
    };
    const acc = f[5];
    if (acc !== "" && acc !== "0" && acc !== "1") throw bad(n + 1, 6, `accepted: "${acc}" is not 1, 0 or empty`);
    const proba = new Float64Array(classes.length);
    for (let c = 0; c < classes.length; c++) proba[c] = num(FIXED.length + c) as number;
    const landmarks = new Float64Array(HAND_DIM);
    for (let k = 0; k < HAND_DIM; k++) landmarks[k] = num(landmarkAt + k) as number;
    rows.push({
      row: num(0) as number,
      line: num(1) as number,
      label: f[2],
      predicted: f[3],
      probability: num(4) as number,
      accepted: acc === "" ? null : acc === "1",
      rejectionScore: num(6, true),
      proba,
      landmarks,
    });
  }
  return { classes, rows };
}

/** Counts per (true, predicted) cell, rows and columns in `classes` order. */
export function holdoutConfusion(h: Holdout): number[][] {
  const at = new Map(h.classes.map((c, i) => [c, i]));
  const m = h.classes.map(() => h.classes.map(() => 0));
  for (const r of h.rows) {
    const t = at.get(r.label);
    const p = at.get(r.predicted);
    if (t === undefined || p === undefined) {
      throw new HandgestureError(`row ${r.row}: class "${t === undefined ? r.label : r.predicted}" not in the header`);
    }
    m[t][p]++;
  }
  return m;
}

export interface Neighbor {
  row: number;
  line: number;
  distance: number;
}

export interface NeighborsFile {
  format: typeof NEIGHBORS_FORMAT;
  version: 1;
  space: "pair-distances";
  space_description: string;
  reference: string;
  k: number;
  /** The misclassified held-out hands, each with its nearest training hands per class (true and predicted). */
  hands: {
    row: number;
    line: number;
    label: string;
    predicted: string;
    probability: number;
    neighbors: Record<string, Neighbor[]>;
  }[];
  /** The 63 landmark values (x1, y1, z1, …) of every hand above, held-out and neighbour, by data row. */
  landmarks: Record<string, number[]>;
}

/**
 * Nearest training hands, per class, of the misclassified held-out hands. Distances are euclidean in the
 * rejector's space (PairDistances: the 210 pairwise 2-D distances over the palm size, so turn, side and size of
 * the hand do not count). `X` holds the data file's rows; `train` and `trainCodes` the training split's rows and
 * their class codes into `classes`.
 */
export function holdoutNeighbors(
  X: Matrix,
  lines: ArrayLike<number>,
  train: ArrayLike<number>,
  trainCodes: ArrayLike<number>,
  classes: readonly string[],
  holdout: Holdout,
  k = DEFAULT_NEIGHBORS,
): NeighborsFile {
  const space = new PairDistances();
  const dim = space.outputDim();
  const feats = new Float64Array(train.length * dim);
  for (let t = 0; t < train.length; t++) {
    const i = train[t];
    space.transformRow(X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM), feats.subarray(t * dim, (t + 1) * dim));
  }
  const codeOf = new Map(classes.map((c, i) => [c, i]));
  const q = new Float64Array(dim);
  const landmarks: Record<string, number[]> = {};
  const keep = (i: number) => {
    landmarks[i] ??= Array.from(X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM));
  };
  const hands: NeighborsFile["hands"] = [];
  for (const h of holdout.rows) {
    if (h.label === h.predicted) continue;
    space.transformRow(h.landmarks, q);
    const neighbors: Record<string, Neighbor[]> = {};
    for (const cls of [h.label, h.predicted]) {
      const code = codeOf.get(cls);
      if (code === undefined) throw new HandgestureError(`class "${cls}" is not one of the training classes`);
      const found: Neighbor[] = [];
      for (let t = 0; t < train.length; t++) {
        if (trainCodes[t] !== code) continue;
        let d = 0;
        for (let j = 0, o = t * dim; j < dim; j++) {
          const e = q[j] - feats[o + j];
          d += e * e;
        }
        // Squared while searching; the root once the list is final.
        if (found.length === k && d >= found[k - 1].distance) continue;
        const i = train[t];
        found.push({ row: i, line: lines[i], distance: d });
        found.sort((a, b) => a.distance - b.distance || a.row - b.row);
        if (found.length > k) found.pop();
      }
      neighbors[cls] = found.map((n) => ({ ...n, distance: Math.sqrt(n.distance) }));
      for (const n of found) keep(n.row);
    }
    keep(h.row);
    hands.push({
      row: h.row,
      line: h.line,
      label: h.label,
      predicted: h.predicted,
      probability: h.probability,
      neighbors,
    });
  }
  return {
    format: NEIGHBORS_FORMAT,
    version: 1,
    space: "pair-distances",
    space_description:
      "euclidean distance between the 210 pairwise 2-D landmark distances of two hands, each over its palm size " +
      "(mean wrist-to-knuckle distance and knuckle width); depth left out; the rejector's space",
    reference: "the training split: the rows the model was fitted on",
    k,
    hands,
    landmarks,
  };
}
