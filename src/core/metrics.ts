/**
 * Classification metrics on integer class codes (indices into a class-name list), following scikit-learn's
 * definitions and its default zero-division behaviour (an undefined ratio counts as 0).
 */
import { HandgestureError } from "./errors.js";
import type { Matrix } from "./matrix.js";

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** JSON-friendly (the CLI's `evaluate --json` prints it as is); keys follow scikit-learn's names. */
export interface Report {
  accuracy: number;
  macro_precision: number;
  macro_recall: number;
  macro_f1: number;
  weighted_precision: number;
  weighted_recall: number;
  weighted_f1: number;
  per_class: { [className: string]: ClassScores };
  /** matrix[i][j] = number of rows of true class labels[i] predicted as labels[j] (scikit-learn's layout). */
  confusion: { labels: string[]; matrix: number[][] };
}

function checkPair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    throw new HandgestureError(`yTrue has ${yTrue.length} values but yPred has ${yPred.length}`, "INVALID_DATA");
  }
  if (yTrue.length === 0) throw new HandgestureError("cannot score an empty set of predictions", "INVALID_DATA");
}

function checkCode(c: number, nClasses: number, what: string): void {
  if (!Number.isInteger(c) || c < 0 || c >= nClasses) {
    throw new HandgestureError(`${what} contains class code ${c}, outside 0..${nClasses - 1}`, "INVALID_DATA");
  }
}

/** Rows = true class, columns = predicted class (scikit-learn's convention). */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): Int32Array[] {
  checkPair(yTrue, yPred);
  const m = Array.from({ length: nClasses }, () => new Int32Array(nClasses));
  for (let i = 0; i < yTrue.length; i++) {
    checkCode(yTrue[i], nClasses, "yTrue");
    checkCode(yPred[i], nClasses, "yPred");
    m[yTrue[i]][yPred[i]]++;
  }
  return m;
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * Per-class precision/recall/F1 plus macro (unweighted mean over every listed class, including classes with
 * no true or no predicted rows, as scikit-learn does when `labels` is given) and support-weighted averages.
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes: readonly string[],
): Report {
  const k = classes.length;
  const cm = confusionMatrix(yTrue, yPred, k);
  const n = yTrue.length;
  let correct = 0;
  let mp = 0;
  let mr = 0;
  let mf = 0;
  let wp = 0;
  let wr = 0;
  let wf = 0;
  const perClass: [string, ClassScores][] = [];
  for (let c = 0; c < k; c++) {
    const tp = cm[c][c];
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += cm[c][j];
      predicted += cm[j][c];
    }
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    // scikit-learn 1.2 computes F1 from precision and recall; 0 when both are 0.
    const f1 = ratio(2 * precision * recall, precision + recall);
    correct += tp;
    mp += precision;
    mr += recall;
    mf += f1;
    wp += precision * support;
    wr += recall * support;
    wf += f1 * support;
    perClass.push([classes[c], { precision, recall, f1, support }]);
  }
  return {
    accuracy: correct / n,
    macro_precision: ratio(mp, k),
    macro_recall: ratio(mr, k),
    macro_f1: ratio(mf, k),
    // n > 0 here, and every row's true class is listed, so the supports sum to n.
    weighted_precision: wp / n,
    weighted_recall: wr / n,
    weighted_f1: wf / n,
    // fromEntries defines own properties, so a class named "__proto__" is safe.
    per_class: Object.fromEntries(perClass),
    confusion: { labels: [...classes], matrix: cm.map((r) => Array.from(r)) },
  };
}

/**
 * Mean negative log-likelihood of the true classes. `proba` columns are indexed by class code. As scikit-learn
 * 1.2's log_loss, probabilities are clipped to [eps, 1 - eps] (eps = float64 epsilon) and rows renormalised, so
 * a confident mistake costs a large but finite amount.
 */
export function logLoss(yTrue: ArrayLike<number>, proba: Matrix, eps = Number.EPSILON): number {
  if (yTrue.length !== proba.rows) {
    throw new HandgestureError(`yTrue has ${yTrue.length} values but proba has ${proba.rows} rows`, "INVALID_DATA");
  }
  if (yTrue.length === 0) throw new HandgestureError("cannot score an empty set of predictions", "INVALID_DATA");
  let sum = 0;
  for (let i = 0; i < proba.rows; i++) {
    const c = yTrue[i];
    checkCode(c, proba.cols, "yTrue");
    const clip = (j: number) => Math.min(1 - eps, Math.max(eps, proba.data[i * proba.cols + j]));
    let total = 0;
    for (let j = 0; j < proba.cols; j++) total += clip(j);
    sum -= Math.log(clip(c) / total);
  }
  return sum / proba.rows;
}

const f2 = (x: number): string => x.toFixed(2);

/** Text table like scikit-learn's classification_report, then the confusion matrix with class names. */
export function formatReport(report: Report, digits = 2): string {
  const names = report.confusion.labels;
  const fmt = digits === 2 ? f2 : (x: number) => x.toFixed(digits);
  const heads = ["precision", "recall", "f1-score", "support"];
  const w = Math.max(...heads.map((h) => h.length), digits + 3);
  const nameW = Math.max("weighted avg".length, ...names.map((s) => s.length));
  const line = (name: string, cells: string[]) =>
    `${name.padStart(nameW)} ${cells.map((c) => c.padStart(w)).join(" ")}`.trimEnd();
  const total = names.reduce((s, c) => s + report.per_class[c].support, 0);
  const out = [line("", heads), ""];
  for (const c of names) {
    const s = report.per_class[c];
    out.push(line(c, [fmt(s.precision), fmt(s.recall), fmt(s.f1), String(s.support)]));
  }
  out.push("");
  out.push(line("accuracy", ["", "", fmt(report.accuracy), String(total)]));
  out.push(
    line("macro avg", [fmt(report.macro_precision), fmt(report.macro_recall), fmt(report.macro_f1), String(total)]),
  );
  out.push(
    line("weighted avg", [
      fmt(report.weighted_precision),
      fmt(report.weighted_recall),
      fmt(report.weighted_f1),
      String(total),
    ]),
  );
  out.push("", "Confusion matrix (rows: true, columns: predicted)", formatConfusion(names, report.confusion.matrix));
  return out.join("\n");
}

/**
 * Fits ~120 columns for 18 classes: column headers are class names cut to the column width; if the cut
 * names collide, columns are numbered instead and rows carry the same numbers.
 */
export function formatConfusion(names: readonly string[], m: readonly (readonly number[])[], width = 120): string {
  const k = names.length;
  let maxCount = 0;
  for (const r of m) for (const v of r) maxCount = Math.max(maxCount, v);
  const numW = String(maxCount).length;
  const rowNameW = Math.min(Math.max(4, ...names.map((s) => s.length)), 20);
  const room = Math.floor((width - rowNameW - 6) / Math.max(k, 1)) - 1;
  const colW = Math.max(numW, Math.min(8, Math.max(room, numW, 3)));
  const cut = names.map((s) => s.slice(0, colW));
  const numbered = new Set(cut).size !== k;
  const heads = numbered ? names.map((_, i) => String(i)) : cut;
  const label = (s: string, i: number) => {
    const base = s.length > rowNameW ? `${s.slice(0, rowNameW - 1)}~` : s;
    return numbered ? `${String(i).padStart(String(k - 1).length)} ${base.padEnd(rowNameW)}` : base.padEnd(rowNameW);
  };
  const pad = " ".repeat(label("", 0).length);
  const lines = [`${pad} ${heads.map((h) => h.padStart(colW)).join(" ")}`];
  names.forEach((s, i) => {
    lines.push(`${label(s, i)} ${m[i].map((v) => String(v).padStart(colW)).join(" ")}`);
  });
  return lines.join("\n");
}

/**
 * The report with its macro and weighted averages over `classes` only (per_class keeps every class): for reports
 * with a column that is not a class of its own ("no gesture", a base class), or classes without held-out rows.
 * Weighted averages divide by `n`, the rows the report counts.
 */
export function averagedOver(full: Report, classes: readonly string[], n: number): Report {
  let mp = 0;
  let mr = 0;
  let mf = 0;
  let wp = 0;
  let wr = 0;
  let wf = 0;
  for (const c of classes) {
    const s = full.per_class[c];
    mp += s.precision;
    mr += s.recall;
    mf += s.f1;
    wp += s.precision * s.support;
    wr += s.recall * s.support;
    wf += s.f1 * s.support;
  }
  const k = Math.max(1, classes.length);
  const m = Math.max(1, n);
  return {
    ...full,
    macro_precision: mp / k,
    macro_recall: mr / k,
    macro_f1: mf / k,
    weighted_precision: wp / m,
    weighted_recall: wr / m,
    weighted_f1: wf / m,
  };
}
