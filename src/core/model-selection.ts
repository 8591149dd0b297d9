/**
 * Stratified splits and cross-validation. All randomness comes from a seeded Random, so a split depends only
 * on the labels and the seed.
 */
import { HandgestureError } from "./errors.js";
import { argmaxRows, type Classifier } from "./estimator.js";
import { classCounts, type Labels, takeLabels } from "./labels.js";
import { type Matrix, takeRows } from "./matrix.js";
import { classificationReport, type Report } from "./metrics.js";
import { Random } from "./random.js";

/** Row indices of one split, each sorted ascending. */
export interface Split {
  train: Int32Array;
  test: Int32Array;
}

/** Row indices of each class code, ascending. */
function indicesByClass(labels: Labels): Int32Array[] {
  const counts = classCounts(labels);
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(counts.length);
  labels.codes.forEach((c, i) => {
    out[c][fill[c]++] = i;
  });
  return out;
}

const sorted = (a: number[]): Int32Array => Int32Array.from(a).sort();

/**
 * One stratified train/test split. Each class gets test rows in proportion to its size (largest-remainder
 * rounding, so the test total is round(n * testSize)); every class with at least 2 rows keeps at least one on
 * each side, and single-row classes stay in train (they could not be learnt otherwise) and are left out of
 * the total. With testSize <= 0.5 each class's test count is within 1 of count * testSize.
 */
export function stratifiedShuffleSplit(labels: Labels, options: { testSize?: number; seed?: number } = {}): Split {
  const { testSize = 0.2, seed = 42 } = options;
  if (!(testSize > 0 && testSize < 1)) {
    throw new HandgestureError(`testSize must be between 0 and 1 (exclusive), got ${testSize}`);
  }
  const byClass = indicesByClass(labels);
  const k = byClass.length;
  const ideal = byClass.map((ix) => (ix.length >= 2 ? ix.length * testSize : 0));
  const lo = byClass.map((ix) => (ix.length >= 2 ? 1 : 0));
  const hi = byClass.map((ix) => Math.max(ix.length - 1, 0));
  const eligible = byClass.reduce((s, ix) => s + (ix.length >= 2 ? ix.length : 0), 0);
  const target = Math.round(eligible * testSize);
  const take = ideal.map((v, c) => Math.min(hi[c], Math.max(lo[c], Math.floor(v))));
  let total = take.reduce((s, v) => s + v, 0);
  // Move one row at a time where the rounding error is worst; ties go to the lowest class code.
  while (total !== target) {
    const up = total < target;
    let best = -1;
    let bestErr = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      if (up ? take[c] >= hi[c] : take[c] <= lo[c]) continue;
      const err = up ? ideal[c] - take[c] : take[c] - ideal[c];
      if (err > bestErr) {
        bestErr = err;
        best = c;
      }
    }
    if (best < 0) break; // the per-class minimums make the exact total unreachable
    take[best] += up ? 1 : -1;
    total += up ? 1 : -1;
  }
  const rng = new Random(seed);
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((ix, c) => {
    const order = rng.shuffle(Int32Array.from(ix));
    for (let i = 0; i < order.length; i++) (i < take[c] ? test : train).push(order[i]);
  });
  return { train: sorted(train), test: sorted(test) };
}

function checkFoldCount(n: number, folds: number): void {
  if (!Number.isInteger(folds) || folds < 2) {
    throw new HandgestureError(`folds must be an integer of at least 2, got ${folds}`);
  }
  if (folds > n) throw new HandgestureError(`folds (${folds}) cannot exceed the number of rows (${n})`);
}

/** Warnings (not errors, as in scikit-learn) about classes too small to appear in every fold. */
export function checkFolds(labels: Labels, folds: number): string[] {
  const present = Array.from(classCounts(labels)).filter((c) => c > 0);
  if (present.length === 0) return [];
  const least = Math.min(...present);
  return least < folds
    ? [`The least populated class in y has only ${least} members, which is less than folds=${folds}.`]
    : [];
}

/**
 * K stratified folds, scikit-learn's StratifiedKFold: classes are taken in order of first appearance and dealt
 * round-robin into folds, so per class and overall, fold sizes differ by at most 1. Each class's rows go to the
 * folds in contiguous blocks, after a seeded shuffle within the class when `shuffle` is on; with shuffle off
 * the folds equal scikit-learn's.
 */
export function stratifiedKFold(
  labels: Labels,
  options: { folds?: number; shuffle?: boolean; seed?: number } = {},
): Split[] {
  const { folds = 5, shuffle = true, seed = 42 } = options;
  const n = labels.codes.length;
  checkFoldCount(n, folds);
  const byClass = indicesByClass(labels);
  const firstSeen: number[] = [];
  const seen = new Set<number>();
  for (const c of labels.codes) {
    if (!seen.has(c)) {
      seen.add(c);
      firstSeen.push(c);
    }
  }
  const rng = new Random(seed);
  const foldOf = new Int32Array(n);
  let dealt = 0; // position in the round-robin, carried across classes
  for (const c of firstSeen) {
    const ix = shuffle ? rng.shuffle(Int32Array.from(byClass[c])) : byClass[c];
    const m = ix.length;
    let pos = 0;
    for (let f = 0; f < folds; f++) {
      // How many of this class's round-robin positions dealt..dealt+m-1 land on fold f.
      const first = (f - (dealt % folds) + folds) % folds;
      const size = first < m ? Math.floor((m - 1 - first) / folds) + 1 : 0;
      for (let j = 0; j < size; j++) foldOf[ix[pos++]] = f;
    }
    dealt += m;
  }
  return Array.from({ length: folds }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
    return { train: Int32Array.from(train), test: Int32Array.from(test) };
  });
}

export type CvMetric = "accuracy" | "macro_precision" | "macro_recall" | "macro_f1" | "weighted_f1";
export const CV_METRICS: readonly CvMetric[] = [
  "accuracy",
  "macro_precision",
  "macro_recall",
  "macro_f1",
  "weighted_f1",
];

export interface FoldResult {
  fold: number;
  nTrain: number;
  nTest: number;
  report: Report;
  fitMs: number;
  predictMs: number;
}

export interface CvResult {
  folds: FoldResult[];
  /** Mean and population standard deviation (numpy's default, as scikit-learn reports) over folds. */
  scores: Record<CvMetric, { mean: number; std: number; values: number[] }>;
  fitTimesMs: number[];
  warnings: string[];
}

export interface CvOptions {
  /** Used when `folds` is a number. */
  shuffle?: boolean;
  seed?: number;
  onFold?: (result: FoldResult) => void;
}

function meanStd(values: number[]): { mean: number; std: number; values: number[] } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const v = values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(v), values };
}

/**
 * Fits a model on a split's training rows and predicts its test rows (`raw`: indices into model.classes): the one
 * code path every cross-validated figure comes from, in crossValidate and in grid search alike.
 */
export function fitPredictFold(
  model: Classifier,
  X: Matrix,
  y: Labels,
  split: Split,
): { raw: Int32Array; fitMs: number; predictMs: number } {
  const Xtrain = takeRows(X, split.train);
  const yTrain = takeLabels(y, split.train);
  const t0 = performance.now();
  model.fit(Xtrain, yTrain);
  const fitMs = performance.now() - t0;
  const Xtest = takeRows(X, split.test);
  const t1 = performance.now();
  const raw = argmaxRows(model.predictProba(Xtest));
  return { raw, fitMs, predictMs: performance.now() - t1 };
}

/** Scores test-row predictions (indices into the model's classes, mapped to y's by name) against y. */
export function scoreFold(y: Labels, split: Split, modelClasses: readonly string[], raw: Int32Array): Report {
  const codeOf = new Map(y.classes.map((c, i) => [c, i]));
  const toY = modelClasses.map((name) => {
    const c = codeOf.get(name);
    if (c === undefined) throw new HandgestureError(`model predicted unknown class "${name}"`, "INTERNAL_ERROR");
    return c;
  });
  return classificationReport(
    takeLabels(y, split.test).codes,
    Array.from(raw, (j) => toY[j]),
    y.classes,
  );
}

/**
 * Fits a fresh model per fold and scores it on the held-out part. Predictions are mapped to y's class codes by
 * name, since a model only knows the classes present in its training part.
 */
export function crossValidate(
  makeModel: () => Classifier,
  X: Matrix,
  y: Labels,
  folds: number | readonly Split[] = 5,
  options: CvOptions = {},
): CvResult {
  if (X.rows !== y.codes.length) {
    throw new HandgestureError(`X has ${X.rows} rows but y has ${y.codes.length} labels`, "INVALID_DATA");
  }
  const warnings = typeof folds === "number" ? checkFolds(y, folds) : [];
  const splits =
    typeof folds === "number" ? stratifiedKFold(y, { folds, shuffle: options.shuffle, seed: options.seed }) : folds;
  const results = splits.map((split, fold): FoldResult => {
    const model = makeModel();
    const { raw, fitMs, predictMs } = fitPredictFold(model, X, y, split);
    const report = scoreFold(y, split, model.classes, raw);
    const result = { fold, nTrain: split.train.length, nTest: split.test.length, report, fitMs, predictMs };
    options.onFold?.(result);
    return result;
  });
  const scores = Object.fromEntries(
    CV_METRICS.map((m) => [m, meanStd(results.map((r) => r.report[m]))]),
  ) as CvResult["scores"];
  return { folds: results, scores, fitTimesMs: results.map((r) => r.fitMs), warnings };
}
