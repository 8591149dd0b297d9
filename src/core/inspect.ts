/**
 * A quick health report on a landmark table: class balance, repeated rows, value ranges, and columns whose
 * ranges suggest the wrong coordinate convention (e.g. live 0..1 coordinates mixed with the dataset's pixels).
 */
import { COLUMNS, HAND_DIM } from "./landmarks.js";
import type { Matrix } from "./matrix.js";

export interface ClassCount {
  label: string;
  count: number;
}

export interface Range {
  min: number;
  max: number;
}

export interface ColumnRange extends Range {
  column: string;
}

export interface OffColumn extends ColumnRange {
  reason: string;
}

/** A row that repeats the values of an earlier one (`firstLine`); for a conflict the labels differ. */
export interface RepeatExample {
  line: number;
  label: string;
  firstLine: number;
  firstLabel: string;
}

export interface Inspection {
  file: string;
  rows: number;
  /** Rows left out by skipInvalid when the table was read. */
  skipped: number;
  /** Sorted by label (the order of a model's classes). */
  classes: ClassCount[];
  /** Rows equal to an earlier row in all 63 values and the label. */
  duplicates: number;
  /** Rows equal to an earlier row in all 63 values but with a label no earlier copy had. */
  conflicts: number;
  duplicateExamples: RepeatExample[];
  conflictExamples: RepeatExample[];
  /** Overall range of all x, all y and all z columns (null without rows). */
  ranges: { x: Range; y: Range; z: Range } | null;
  /** All 63 columns in the interleaved order. */
  columns: ColumnRange[];
  /** Columns whose range looks wrong for the dataset's convention (x, y pixels; z relative depth). */
  offColumns: OffColumn[];
}

export interface InspectInput {
  X: Matrix;
  labels: readonly string[];
  /** Source line of each row; without it, line = row index + 2 (a header and no blank lines). */
  lines?: ArrayLike<number>;
  file?: string;
  skipped?: readonly unknown[];
}

const MAX_EXAMPLES = 10;

export function inspectTable(table: InspectInput): Inspection {
  const { X, labels } = table;
  if (X.cols !== HAND_DIM && X.rows > 0) throw new RangeError(`expected ${HAND_DIM} columns, got ${X.cols}`);
  if (labels.length !== X.rows) throw new RangeError(`${X.rows} rows but ${labels.length} labels`);
  const lineOf = (i: number) => (table.lines ? table.lines[i] : i + 2);

  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const classes = [...counts.keys()].sort().map((label) => ({ label, count: counts.get(label) ?? 0 }));

  const repeats = findRepeats(X, labels, lineOf);
  const columns = columnRanges(X);
  return {
    file: table.file ?? "",
    rows: X.rows,
    skipped: table.skipped?.length ?? 0,
    classes,
    ...repeats,
    ranges: X.rows === 0 ? null : { x: axisRange(columns, 0), y: axisRange(columns, 1), z: axisRange(columns, 2) },
    columns,
    offColumns: X.rows === 0 ? [] : offColumns(columns, X.rows),
  };
}

function columnRanges(X: Matrix): ColumnRange[] {
  const min = new Float64Array(HAND_DIM).fill(Number.POSITIVE_INFINITY);
  const max = new Float64Array(HAND_DIM).fill(Number.NEGATIVE_INFINITY);
  const d = X.data;
  for (let i = 0; i < X.rows; i++) {
    const o = i * HAND_DIM;
    for (let j = 0; j < HAND_DIM; j++) {
      const v = d[o + j];
      if (v < min[j]) min[j] = v;
      if (v > max[j]) max[j] = v;
    }
  }
  return X.rows === 0 ? [] : COLUMNS.map((column, j) => ({ column, min: min[j], max: max[j] }));
}

function axisRange(columns: ColumnRange[], axis: number): Range {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let j = axis; j < columns.length; j += 3) {
    min = Math.min(min, columns[j].min);
    max = Math.max(max, columns[j].max);
  }
  return { min, max };
}

function offColumns(columns: ColumnRange[], rows: number): OffColumn[] {
  const out: OffColumn[] = [];
  columns.forEach((c, j) => {
    const reasons: string[] = [];
    if (j % 3 < 2) {
      // Negative pixels alone are normal (landmarks MediaPipe places outside the image), so they are not flagged.
      if (c.max <= 1.5) reasons.push("all within 0..1.5: looks normalized (live MediaPipe), the dataset uses pixels");
    } else if (Math.max(-c.min, c.max) > 1) {
      reasons.push("beyond ±1: looks like pixels, not MediaPipe's relative depth");
    }
    // z1 is the wrist, the depth reference: about 0 in every row by construction.
    if (rows > 1 && c.min === c.max && j !== 2) reasons.push("constant");
    if (reasons.length > 0) out.push({ ...c, reason: reasons.join("; ") });
  });
  return out;
}

const hashBuf = new Float64Array(1);
const hashWords = new Uint32Array(hashBuf.buffer);

/** FNV-1a over the bits of a row (with -0 folded into 0, as -0 === 0). */
function rowHash(d: Float64Array, o: number): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < HAND_DIM; j++) {
    hashBuf[0] = d[o + j] + 0;
    h = Math.imul(h ^ hashWords[0], 0x01000193);
    h = Math.imul(h ^ hashWords[1], 0x01000193);
  }
  return h >>> 0;
}

function sameRow(d: Float64Array, a: number, b: number): boolean {
  for (let j = 0; j < HAND_DIM; j++) if (d[a + j] !== d[b + j]) return false;
  return true;
}

function findRepeats(X: Matrix, labels: readonly string[], lineOf: (i: number) => number) {
  const d = X.data;
  const buckets = new Map<number, number[]>(); // hash -> first row of each distinct value vector
  const seenLabels = new Map<number, Map<string, number>>(); // first row -> label -> its first row
  let duplicates = 0;
  let conflicts = 0;
  const duplicateExamples: RepeatExample[] = [];
  const conflictExamples: RepeatExample[] = [];
  for (let i = 0; i < X.rows; i++) {
    const h = rowHash(d, i * HAND_DIM);
    const bucket = buckets.get(h);
    const first = bucket?.find((k) => sameRow(d, k * HAND_DIM, i * HAND_DIM));
    if (first === undefined) {
      if (bucket) bucket.push(i);
      else buckets.set(h, [i]);
      continue;
    }
    let byLabel = seenLabels.get(first);
    if (!byLabel) {
      byLabel = new Map([[labels[first], first]]);
      seenLabels.set(first, byLabel);
    }
    const same = byLabel.get(labels[i]);
    const k = same ?? first;
    const ex = { line: lineOf(i), label: labels[i], firstLine: lineOf(k), firstLabel: labels[k] };
    if (same !== undefined) {
      duplicates++;
      if (duplicateExamples.length < MAX_EXAMPLES) duplicateExamples.push(ex);
    } else {
      conflicts++;
      byLabel.set(labels[i], i);
      if (conflictExamples.length < MAX_EXAMPLES) conflictExamples.push(ex);
    }
  }
  return { duplicates, conflicts, duplicateExamples, conflictExamples };
}

function num(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/** A text report for people: counts, a bar chart of class sizes, ranges and anything that looks off. */
export function formatInspection(ins: Inspection): string {
  const out: string[] = [];
  const name = ins.file === "" ? "table" : ins.file;
  const k = ins.classes.length;
  out.push(`${name}: ${ins.rows} row${ins.rows === 1 ? "" : "s"}, ${k} class${k === 1 ? "" : "es"}`);
  if (ins.skipped > 0) out.push(`skipped invalid rows: ${ins.skipped}`);
  out.push(`exact duplicate rows: ${ins.duplicates}`);
  for (const e of ins.duplicateExamples) out.push(`  line ${e.line} repeats line ${e.firstLine} (${e.label})`);
  out.push(`conflicting duplicates (same values, another label): ${ins.conflicts}`);
  for (const e of ins.conflictExamples) {
    out.push(`  line ${e.line} (${e.label}) has the values of line ${e.firstLine} (${e.firstLabel})`);
  }
  if (ins.classes.length > 0) {
    const counts = ins.classes.map((c) => c.count);
    const most = Math.max(...counts);
    const w = Math.max(5, ...ins.classes.map((c) => c.label.length));
    const cw = Math.max(4, String(most).length);
    out.push("", `${"class".padEnd(w)}  ${"rows".padStart(cw)}`);
    for (const c of ins.classes) {
      const bar = "█".repeat(Math.max(1, Math.round((40 * c.count) / most)));
      out.push(`${c.label.padEnd(w)}  ${String(c.count).padStart(cw)} ${bar}`);
    }
    out.push(`rows per class: ${Math.min(...counts)} to ${most}`);
  }
  if (ins.ranges) {
    out.push("", "axis         min         max");
    for (const axis of ["x", "y", "z"] as const) {
      const r = ins.ranges[axis];
      out.push(`${axis}     ${num(r.min).padStart(10)}  ${num(r.max).padStart(10)}`);
    }
    out.push(`columns whose range looks off: ${ins.offColumns.length === 0 ? "none" : ins.offColumns.length}`);
    for (const c of ins.offColumns) out.push(`  ${c.column.padEnd(3)} ${num(c.min)} .. ${num(c.max)}: ${c.reason}`);
  }
  return out.join("\n");
}
