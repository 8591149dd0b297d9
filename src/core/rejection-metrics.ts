/**
 * Rejection as a first-class metric: how many gestures a model still names (correctly) against how many hands that
 * make no gesture it accepts, at its own threshold and along every threshold (the curve). Also the classification
 * report with a rejected gesture counted as an error, and cross-validation with the rejector fitted in each fold.
 */
import type { Classifier } from "./estimator.js";
import { argmaxRows } from "./estimator.js";
import { type Labels, takeLabels } from "./labels.js";
import { HAND_DIM } from "./landmarks.js";
import { type Matrix, takeRows } from "./matrix.js";
import { averagedOver, classificationReport, type Report } from "./metrics.js";
import { CV_METRICS, type CvMetric, stratifiedKFold } from "./model-selection.js";
import { NEGATIVE_KINDS, synthesizeNegatives } from "./negatives.js";
import type { Pipeline } from "./pipeline.js";
import { type RejectionOptions, Rejector } from "./rejection.js";
import { NO_GESTURE } from "./smoothing.js";

/**
 * The report over the model's classes with rejected rows (score above the threshold) predicted as "no gesture":
 * a miss for their class, a false alarm for none. Averages are over the real classes only.
 */
export function reportWithRejection(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  rejected: ArrayLike<boolean>,
  classes: readonly string[],
): Report {
  const k = classes.length;
  const pred = Int32Array.from(yPred, (p, i) => (rejected[i] ? k : p));
  const full = classificationReport(yTrue, pred, [...classes, NO_GESTURE]);
  return averagedOver(full, classes, yTrue.length);
}

export interface CurvePoint {
  threshold: number;
  /** Gestures accepted and named correctly, of all gestures. */
  gesture_recall: number;
  /** Non-gestures accepted (given any gesture label), of all non-gestures. */
  nongesture_acceptance: number;
}

export interface RejectionSummary {
  threshold: number;
  gestures: number;
  nongestures: number;
  /** At the model's threshold: gestures accepted and right, gestures accepted at all, non-gestures accepted. */
  gesture_recall: number;
  gesture_acceptance: number;
  nongesture_acceptance: number;
  /** Non-gesture acceptance per kind of synthetic negative (or per source). */
  by_kind: Record<string, number>;
  /** Area under gesture recall against non-gesture acceptance (1: every gesture kept before any non-gesture). */
  auc: number;
  curve: CurvePoint[];
}

/** Scores gestures and non-gestures with a model and its rejector; the curve sweeps the threshold. */
export function rejectionSummary(
  model: Pipeline,
  gestures: Matrix,
  y: Labels,
  negatives: Matrix,
  kinds: readonly string[],
  rejector: Rejector | null = model.rejector,
): RejectionSummary {
  if (!rejector)
    throw new RangeError("this model has no rejector: fit it with one (handgesture fit rejects by default)");
  const classes = model.classes;
  const codeOf = new Map(classes.map((c, i) => [c, i]));
  const proba = new Float64Array(classes.length);
  const g: { s: number; ok: boolean }[] = [];
  for (let i = 0; i < gestures.rows; i++) {
    const x = gestures.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
    model.predictProbaRow(x, proba);
    let b = 0;
    for (let j = 1; j < proba.length; j++) if (proba[j] > proba[b]) b = j;
    g.push({ s: rejector.scoreRow(x, proba), ok: codeOf.get(y.classes[y.codes[i]]) === b });
  }
  const neg: number[] = [];
  for (let i = 0; i < negatives.rows; i++) {
    const x = negatives.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
    model.predictProbaRow(x, proba);
    neg.push(rejector.scoreRow(x, proba));
  }
  const t = rejector.threshold;
  const byKind: Record<string, number> = {};
  for (const kind of new Set(kinds)) {
    const of = neg.filter((_, i) => kinds[i] === kind);
    byKind[kind] = of.filter((s) => s <= t).length / Math.max(1, of.length);
  }
  const curve = curveOf(g, neg);
  return {
    threshold: t,
    gestures: g.length,
    nongestures: neg.length,
    gesture_recall: g.filter((r) => r.ok && r.s <= t).length / Math.max(1, g.length),
    gesture_acceptance: g.filter((r) => r.s <= t).length / Math.max(1, g.length),
    nongesture_acceptance: neg.filter((s) => s <= t).length / Math.max(1, neg.length),
    by_kind: byKind,
    auc: areaUnder(curve),
    curve,
  };
}

/** One point per distinct score, thinned to at most ~100, from rejecting everything to accepting everything. */
function curveOf(g: { s: number; ok: boolean }[], neg: number[]): CurvePoint[] {
  const all = [...new Set([...g.map((r) => r.s), ...neg])].filter(Number.isFinite).sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(all.length / 100));
  const picks = [Number.NEGATIVE_INFINITY, ...all.filter((_, i) => i % step === 0), all[all.length - 1]];
  const out: CurvePoint[] = [];
  for (const threshold of picks) {
    out.push({
      threshold: Number.isFinite(threshold) ? threshold : 0,
      gesture_recall: g.filter((r) => r.ok && r.s <= threshold).length / Math.max(1, g.length),
      nongesture_acceptance: neg.filter((s) => s <= threshold).length / Math.max(1, neg.length),
    });
  }
  return out;
}

function areaUnder(curve: CurvePoint[]): number {
  let a = 0;
  for (let i = 1; i < curve.length; i++) {
    const dx = curve[i].nongesture_acceptance - curve[i - 1].nongesture_acceptance;
    a += (dx * (curve[i].gesture_recall + curve[i - 1].gesture_recall)) / 2;
  }
  // Past the last point every non-gesture is accepted: the curve stays at its final recall.
  const last = curve[curve.length - 1];
  return a + (1 - last.nongesture_acceptance) * last.gesture_recall;
}

/** Synthetic negatives made from labelled rows (negatives.ts), `perKind` of each kind. */
export function negativesFor(X: Matrix, y: Labels, perKind = 100, seed = 1) {
  return synthesizeNegatives(X, y, perKind, seed);
}

export interface RejectionCvResult {
  /** The same folds' figures without rejection (equal to crossValidate's for the same seed). */
  plain: Record<CvMetric, { mean: number; std: number; values: number[] }>;
  /** Mean and spread over folds of each metric with a rejected gesture counted as an error. */
  scores: Record<CvMetric, { mean: number; std: number; values: number[] }>;
  /** Share of held-out gestures accepted, per fold. */
  acceptance: number[];
  /** Share of each fold's synthetic negatives (made from its held-out hands) accepted. */
  nongesture_acceptance: number[];
}

/**
 * k-fold CV where each fold fits the model and then its rejector (threshold chosen inside the training part) and
 * scores the held-out part with rejected gestures as errors. Predictions are mapped to y's codes by name.
 */
export function crossValidateWithRejection(
  makeModel: () => Classifier & { predictProbaRow(x: Float64Array, out: Float64Array): void },
  X: Matrix,
  y: Labels,
  folds = 5,
  options: { seed?: number; rejection?: RejectionOptions; onFold?: (fold: number, report: Report) => void } = {},
): RejectionCvResult {
  const reports: Report[] = [];
  const plainReports: Report[] = [];
  const acceptance: number[] = [];
  const negAcc: number[] = [];
  for (const [fold, split] of stratifiedKFold(y, { folds, seed: options.seed ?? 42 }).entries()) {
    const Xtr = takeRows(X, split.train);
    const ytr = takeLabels(y, split.train);
    const model = makeModel();
    model.fit(Xtr, ytr);
    const rejector = Rejector.fit(Xtr, ytr, options.rejection);
    const Xte = takeRows(X, split.test);
    const P = model.predictProba(Xte);
    const raw = argmaxRows(P);
    const codeOf = new Map(y.classes.map((c, i) => [c, i]));
    const pred = Int32Array.from(raw, (j) => codeOf.get(model.classes[j]) as number);
    const rejected = Array.from({ length: Xte.rows }, (_, i) => {
      const x = Xte.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
      return !rejector.accepts(rejector.scoreRow(x, P.data.subarray(i * P.cols, (i + 1) * P.cols)));
    });
    const report = reportWithRejection(takeLabels(y, split.test).codes, pred, rejected, y.classes);
    reports.push(report);
    plainReports.push(classificationReport(takeLabels(y, split.test).codes, pred, y.classes));
    acceptance.push(rejected.filter((r) => !r).length / rejected.length);
    const negs = synthesizeNegatives(Xte, takeLabels(y, split.test), 25, 100 + fold);
    const pn = new Float64Array(P.cols);
    let accepted = 0;
    for (let i = 0; i < negs.X.rows; i++) {
      const x = negs.X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
      model.predictProbaRow(x, pn);
      if (rejector.accepts(rejector.scoreRow(x, pn))) accepted++;
    }
    negAcc.push(accepted / Math.max(1, negs.X.rows));
    options.onFold?.(fold, report);
  }
  const meanStd = (v: number[]) => {
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    return { mean, std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length), values: v };
  };
  type Scores = Record<CvMetric, { mean: number; std: number; values: number[] }>;
  const summarise = (rs: Report[]) =>
    Object.fromEntries(CV_METRICS.map((m) => [m, meanStd(rs.map((r) => r[m]))])) as Scores;
  return { plain: summarise(plainReports), scores: summarise(reports), acceptance, nongesture_acceptance: negAcc };
}

export { NEGATIVE_KINDS };
