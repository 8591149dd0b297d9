/**
 * Grid search with stratified k-fold cross-validation (scikit-learn's GridSearchCV, refit aside), built from
 * plain units of work so that they can be spread over worker threads: planTasks lists the tasks, runTask runs
 * one on (X, y, one fold's split) and returns JSON-able results, combine assembles them into grid points.
 * gridSearch runs the same tasks one after the other. Results do not depend on the order tasks run in.
 *
 * Work is shared where results cannot change, and every shared result equals fitting its point alone
 * (crossValidate) exactly:
 * - a pipeline ending in KNN fits its transforms and searches each fold's neighbours once per value of the
 *   other parameters (the metric), with the largest k in the grid; every (k, weights) point is then read off
 *   that search, since the k nearest are the first k of the k_max nearest (ties go to the lower row either way);
 * - points whose models are the same are fitted once: logistic regression without a penalty ignores C;
 * - logistic points differing only in max_iter share one solver run with the largest limit, which passes through
 *   the result of every smaller one (L-BFGS takes the same steps whatever its limit; LogisticRegression.fitPath);
 * - a pipeline ending in a random forest is fitted once per fold and value of the other parameters, with the
 *   largest n_estimators, no smaller a max_depth and no larger a min_samples_split than any point's, keeping each
 *   node's class distribution and row count. Each point's trees are that forest's cut where its max_depth and
 *   min_samples_split stop them (a node's feature draws depend only on its place in the tree, so this is the
 *   forest grown with those limits, array for array), and it is scored from the first n_estimators of them (tree
 *   t comes from the t-th fork of random_state whatever the forest's size; leaves are summed in tree order).
 * A shared result has `shared: true` and the shared fit's time as its fitMs.
 */
import { HandgestureError } from "./errors.js";
import { argmaxRows, type Classifier } from "./estimator.js";
import { RandomForestClassifier } from "./estimators/forest.js";
import { KNeighborsClassifier, type KNNParams, neighborProba } from "./estimators/knn.js";
import { LogisticRegression } from "./estimators/logistic.js";
import { expandGrid, type GridFamily } from "./grid.js";
import { type Labels, takeLabels } from "./labels.js";
import { type Matrix, takeRows } from "./matrix.js";
import {
  CV_METRICS,
  type CvMetric,
  type CvResult,
  checkFolds,
  fitPredictFold,
  type Split,
  scoreFold,
  stratifiedKFold,
} from "./model-selection.js";
import type { Params } from "./params.js";
import type { Pipeline } from "./pipeline.js";
import { buildPipeline } from "./pipelines.js";

/** A grid point as a task carries it: its index in grid order and its params. */
export interface TaskPoint {
  point: number;
  params: Params;
}

/**
 * One unit of work on one fold. "fit": fit the pipeline with points[0]'s params and score it; the other points
 * have the same model and get the same scores. "knn": fit once with `base` and n_neighbors = k, search each test
 * row's k nearest once, and score every point (each differs from `base` only in n_neighbors <= k and weights).
 * "forest": fit the forest once with `base` and score every point from it (each differs from `base` only in
 * n_estimators <= base's, max_depth <= base's and min_samples_split >= base's).
 */
export type CvTask =
  | { kind: "fit"; family: string; pipeline: string; fold: number; points: TaskPoint[] }
  | { kind: "knn"; family: string; pipeline: string; fold: number; base: Params; k: number; points: TaskPoint[] }
  | { kind: "forest"; family: string; pipeline: string; fold: number; base: Params; points: TaskPoint[] };

/** One grid point on one fold: plain numbers, safe to post between threads or write as JSON. */
export interface CvTaskResult {
  family: string;
  point: number;
  fold: number;
  params: Params;
  nTrain: number;
  nTest: number;
  scores: Record<CvMetric, number>;
  /** Time to fit this point's model (for a shared result: the shared fit, which is what this point's fit is). */
  fitMs: number;
  predictMs: number;
  /** Derived from work done once for several points (see the module comment). */
  shared: boolean;
}

/** One grid point over all folds, with the same score summary as crossValidate. */
export interface GridPointResult {
  index: number;
  params: Params;
  /** Mean and population standard deviation over folds, values in fold order. */
  scores: CvResult["scores"];
  /** Total fit time over the folds. */
  fitMs: number;
  fitTimesMs: number[];
  predictMs: number;
  shared: boolean;
}

export interface CombinedResult {
  family: string;
  pipeline: string;
  folds: number;
  /** In grid order (expandGrid). */
  points: GridPointResult[];
  /** The highest mean macro-F1; on a tie the first in grid order, as scikit-learn. */
  best: GridPointResult;
}

export interface GridSearchResult extends CombinedResult {
  seed: number;
  /** Small-class warnings from checkFolds. */
  warnings: string[];
  elapsedMs: number;
}

export interface GridSearchOptions {
  folds?: number;
  seed?: number;
  /** Called as each point's last fold is scored (points can finish out of grid order). */
  onPoint?: (point: GridPointResult, done: number, total: number) => void;
}

/**
 * A key for the model a pipeline fits: its params without those that cannot change it (C when logistic
 * regression has no penalty) and, with `anyMaxIter`, without the classifier's max_iter, which runTask resolves.
 */
function modelKey(pipeline: Pipeline, anyMaxIter = false): string {
  const params = pipeline.getParams();
  const [last] = pipeline.steps[pipeline.steps.length - 1];
  for (const [name, step] of pipeline.steps) {
    if (step instanceof LogisticRegression && step.getParams().penalty === "none") delete params[`${name}__C`];
  }
  if (anyMaxIter && pipeline.classifier instanceof LogisticRegression) delete params[`${last}__max_iter`];
  return JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The tasks for a family, point-major and fold-minor: each fold of the first group of points, then the next.
 * `folds` is the number of folds the splits will have.
 */
export function planTasks(family: GridFamily, folds: number): CvTask[] {
  const points = expandGrid(family.grid).map((params, point): TaskPoint => ({ point, params }));
  const probe = buildPipeline(family.pipeline);
  const last = probe.steps[probe.steps.length - 1][0];
  const groups = new Map<string, TaskPoint[]>();
  const add = (key: string, p: TaskPoint) => {
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  };
  const knn = probe.classifier instanceof KNeighborsClassifier;
  const kKey = `${last}__n_neighbors`;
  const wKey = `${last}__weights`;
  const forest = probe.classifier instanceof RandomForestClassifier;
  const forestShared = forestSharedKeys(last);
  const forestPoint = (p: TaskPoint) => buildPipeline(family.pipeline, p.params).getParams();
  for (const p of points) {
    if (knn) {
      const rest = Object.entries(p.params).filter(([key]) => key !== kKey && key !== wKey);
      add(JSON.stringify(rest), p);
    } else if (forest) {
      const rest = Object.entries(forestPoint(p)).filter(([key]) => !forestShared.includes(key));
      add(JSON.stringify(rest.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), p);
    } else {
      add(modelKey(buildPipeline(family.pipeline, p.params), true), p);
    }
  }
  const tasks: CvTask[] = [];
  for (const group of groups.values()) {
    for (let fold = 0; fold < folds; fold++) {
      const common = { family: family.name, pipeline: family.pipeline, fold, points: group };
      if (knn) {
        const base = Object.fromEntries(
          Object.entries(group[0].params).filter(([key]) => key !== kKey && key !== wKey),
        );
        const k = Math.max(...group.map((p) => buildPipeline(family.pipeline, p.params).getParams()[kKey] as number));
        tasks.push({ kind: "knn", ...common, base, k });
      } else if (forest) {
        tasks.push({ kind: "forest", ...common, base: forestBase(group.map(forestPoint), last) });
      } else {
        tasks.push({ kind: "fit", ...common });
      }
    }
  }
  return tasks;
}

/** The forest's parameters that points of one "forest" task may differ in, as pipeline keys. */
function forestSharedKeys(last: string): string[] {
  return [`${last}__n_estimators`, `${last}__max_depth`, `${last}__min_samples_split`];
}

/**
 * The params a "forest" task fits (resolved points in): the points' common params with the largest n_estimators,
 * the largest max_depth (none if any has none) and the smallest min_samples_split.
 */
function forestBase(points: Params[], last: string): Params {
  const [nKey, dKey, sKey] = forestSharedKeys(last);
  const depths = points.map((p) => p[dKey] as number | null);
  return {
    ...points[0],
    [nKey]: Math.max(...points.map((p) => p[nKey] as number)),
    [dKey]: depths.includes(null) ? null : Math.max(...(depths as number[])),
    [sKey]: Math.min(...points.map((p) => p[sKey] as number)),
  };
}

/** Predictions of a model fitted on the train part, as y's class codes, scored on the test part. */
function score(y: Labels, split: Split, modelClasses: readonly string[], raw: Int32Array): Record<CvMetric, number> {
  const report = scoreFold(y, split, modelClasses, raw);
  return Object.fromEntries(CV_METRICS.map((m) => [m, report[m]])) as Record<CvMetric, number>;
}

function checkSplit(X: Matrix, y: Labels): void {
  if (X.rows !== y.codes.length) {
    throw new HandgestureError(`X has ${X.rows} rows but y has ${y.codes.length} labels`, "INVALID_DATA");
  }
}

/** Fits one point's pipeline on the split's train rows and scores it on its test rows, as crossValidate does. */
export function cvTask(
  family: string,
  pipeline: string,
  point: TaskPoint,
  fold: number,
  X: Matrix,
  y: Labels,
  split: Split,
): CvTaskResult {
  checkSplit(X, y);
  return fitAndScore(family, buildPipeline(pipeline, point.params), point, fold, X, y, split);
}

/** One point's result on one fold: its predictions (indices into `classes`) scored against y's test rows. */
function scored(
  family: string,
  point: TaskPoint,
  fold: number,
  y: Labels,
  split: Split,
  classes: readonly string[],
  raw: Int32Array,
  timing: { fitMs: number; predictMs: number; shared: boolean },
): CvTaskResult {
  return {
    family,
    point: point.point,
    fold,
    params: point.params,
    nTrain: split.train.length,
    nTest: split.test.length,
    scores: score(y, split, classes, raw),
    ...timing,
  };
}

function fitAndScore(
  family: string,
  model: Classifier,
  point: TaskPoint,
  fold: number,
  X: Matrix,
  y: Labels,
  split: Split,
): CvTaskResult {
  const { raw, fitMs, predictMs } = fitPredictFold(model, X, y, split);
  return scored(family, point, fold, y, split, model.classes, raw, { fitMs, predictMs, shared: false });
}

/**
 * The "fit" task: points with the same model share one fit. Logistic points that differ only in max_iter share one
 * solver run: L-BFGS takes the same steps whatever its limit, so the run with the largest max_iter passes through
 * the result of every smaller one (LogisticRegression.fitPath returns each, bit-identical to its own fit).
 * The fit that a group's first point with the largest max_iter owns has shared: false; every other point, true.
 */
function fitTask(task: Extract<CvTask, { kind: "fit" }>, X: Matrix, y: Labels, split: Split): CvTaskResult[] {
  const groups = new Map<string, { p: TaskPoint; model: Pipeline; maxIter: number }[]>();
  for (const p of task.points) {
    const model = buildPipeline(task.pipeline, p.params);
    const c = model.classifier;
    const logistic = c instanceof LogisticRegression;
    const key = modelKey(model, logistic);
    const member = { p, model, maxIter: logistic ? c.getParams().max_iter : 0 };
    const g = groups.get(key);
    if (g) g.push(member);
    else groups.set(key, [member]);
  }
  const out = new Map<number, CvTaskResult>();
  for (const members of groups.values()) {
    const iters = [...new Set(members.map((m) => m.maxIter))].sort((a, b) => a - b);
    const owner = members.find((m) => m.maxIter === iters[iters.length - 1]) ?? members[0];
    const byIter =
      owner.model.classifier instanceof LogisticRegression
        ? logisticPath(task, owner.model, owner.p, iters, X, y, split)
        : new Map([[0, fitAndScore(task.family, owner.model, owner.p, task.fold, X, y, split)]]);
    for (const m of members) {
      const r = byIter.get(m.maxIter) as CvTaskResult;
      out.set(m.p.point, { ...r, point: m.p.point, params: m.p.params, scores: { ...r.scores }, shared: m !== owner });
    }
  }
  return task.points.map((p) => out.get(p.point) as CvTaskResult);
}

/** One logistic solver run for several max_iter values (ascending); each scored as its own fit would be. */
function logisticPath(
  task: Extract<CvTask, { kind: "fit" }>,
  model: Pipeline,
  point: TaskPoint,
  iters: number[],
  X: Matrix,
  y: Labels,
  split: Split,
): Map<number, CvTaskResult> {
  const yTrain = takeLabels(y, split.train);
  const t0 = performance.now();
  // What Pipeline.fit does, with the classifier's fit replaced by fitPath.
  let Z = takeRows(X, split.train);
  for (const t of model.transforms) Z = t.fit(Z, yTrain).transform(Z);
  const fits = (model.classifier as LogisticRegression).fitPath(Z, yTrain, iters);
  const fitMs = performance.now() - t0;
  const Ztest = model.transform(takeRows(X, split.test));
  const out = new Map<number, CvTaskResult>();
  fits.forEach((lr, i) => {
    const t1 = performance.now();
    const raw = argmaxRows(lr.predictProba(Ztest));
    const timing = { fitMs, predictMs: performance.now() - t1, shared: false };
    out.set(iters[i], scored(task.family, point, task.fold, y, split, lr.classes, raw, timing));
  });
  return out;
}

/** The "knn" task: one fit and one neighbour search with the largest k, every (k, weights) point read off it. */
function knnTask(task: Extract<CvTask, { kind: "knn" }>, X: Matrix, y: Labels, split: Split): CvTaskResult[] {
  if (task.k > split.train.length) {
    // Too few rows for the shared search: fit each point, which fails as crossValidate would for k > rows.
    return task.points.map((p) => cvTask(task.family, task.pipeline, p, task.fold, X, y, split));
  }
  const model = buildPipeline(task.pipeline, task.base);
  const knn = model.classifier as KNeighborsClassifier;
  knn.setParams({ n_neighbors: task.k });
  const t0 = performance.now();
  model.fit(takeRows(X, split.train), takeLabels(y, split.train));
  const fitMs = performance.now() - t0;
  const t1 = performance.now();
  const Ztest = model.transform(takeRows(X, split.test));
  const { indices, distances } = knn.kneighbors(Ztest, task.k);
  const searchMs = performance.now() - t1;
  const codes = knn.trainingCodes;
  const proba = new Float64Array(knn.classes.length);
  const raw = new Int32Array(Ztest.rows);
  return task.points.map((p): CvTaskResult => {
    const own = buildPipeline(task.pipeline, p.params).classifier.getParams() as KNNParams;
    const t2 = performance.now();
    for (let i = 0; i < Ztest.rows; i++) {
      neighborProba(codes, indices, distances, i * task.k, own.n_neighbors, own.weights, proba);
      let best = 0;
      let bestV = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < proba.length; j++) {
        if (proba[j] > bestV) {
          bestV = proba[j];
          best = j;
        }
      }
      raw[i] = best;
    }
    const timing = { fitMs, predictMs: searchMs / task.points.length + performance.now() - t2, shared: true };
    return scored(task.family, p, task.fold, y, split, knn.classes, raw, timing);
  });
}

/**
 * The "forest" task: one fit with `base`; per (max_depth, min_samples_split) of the points, that forest pruned to
 * those limits, and each point scored from the first n_estimators trees of it (the same bits as predictProba of
 * the point's own forest).
 */
function forestTask(task: Extract<CvTask, { kind: "forest" }>, X: Matrix, y: Labels, split: Split): CvTaskResult[] {
  const model = buildPipeline(task.pipeline, task.base);
  const rf = model.classifier as RandomForestClassifier;
  rf.keepNodeStats = true;
  const t0 = performance.now();
  model.fit(takeRows(X, split.train), takeLabels(y, split.train));
  const fitMs = performance.now() - t0;
  const t1 = performance.now();
  const Ztest = model.transform(takeRows(X, split.test));
  const own = task.points.map((p) =>
    (buildPipeline(task.pipeline, p.params).classifier as RandomForestClassifier).getParams(),
  );
  const byLimits = new Map<string, number[]>();
  own.forEach((o, i) => {
    const key = JSON.stringify([o.max_depth, o.min_samples_split]);
    byLimits.set(key, [...(byLimits.get(key) ?? []), i]);
  });
  const raws: Int32Array[] = [];
  for (const ix of byLimits.values()) {
    const { max_depth, min_samples_split } = own[ix[0]];
    const probas = rf.pruned({ max_depth, min_samples_split }).predictProbaPrefixes(
      Ztest,
      ix.map((i) => own[i].n_estimators),
    );
    ix.forEach((i, j) => {
      raws[i] = argmaxRows(probas[j]);
    });
  }
  const predictMs = (performance.now() - t1) / task.points.length;
  const timing = { fitMs, predictMs, shared: task.points.length > 1 };
  return task.points.map((p, i) => scored(task.family, p, task.fold, y, split, rf.classes, raws[i], timing));
}

/** Runs one task on one fold's split; results in the order of the task's points. */
export function runTask(task: CvTask, X: Matrix, y: Labels, split: Split): CvTaskResult[] {
  checkSplit(X, y);
  if (task.kind === "knn") return knnTask(task, X, y, split);
  return task.kind === "forest" ? forestTask(task, X, y, split) : fitTask(task, X, y, split);
}

function meanStd(values: number[]): { mean: number; std: number; values: number[] } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const v = values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(v), values };
}

/**
 * One point's fold results (any order) as a GridPointResult, as soon as they are all in (for progress and
 * tracking before the rest of the family is done); checks each fold 0..folds-1 is there once.
 */
export function summarizePoint(
  family: string,
  index: number,
  params: Params,
  results: CvTaskResult[],
  folds: number,
): GridPointResult {
  const rs = [...results].sort((a, b) => a.fold - b.fold);
  if (rs.length !== folds || rs.some((r, f) => r.fold !== f)) {
    throw new HandgestureError(
      `family "${family}" point ${index}: expected folds 0..${folds - 1} once each, got ${rs.map((r) => r.fold).join(", ") || "none"}`,
      "INTERNAL_ERROR",
    );
  }
  const fitTimesMs = rs.map((r) => r.fitMs);
  const point: GridPointResult = {
    index,
    params,
    scores: Object.fromEntries(CV_METRICS.map((m) => [m, meanStd(rs.map((r) => r.scores[m]))])) as CvResult["scores"],
    fitMs: fitTimesMs.reduce((s, t) => s + t, 0),
    fitTimesMs,
    predictMs: rs.reduce((s, r) => s + r.predictMs, 0),
    shared: rs.some((r) => r.shared),
  };
  return point;
}

/**
 * Assembles task results (any order) into the family's grid points, in grid order, and picks the best.
 * Every point must have the same folds, each exactly once.
 */
export function combine(family: GridFamily, results: readonly CvTaskResult[]): CombinedResult {
  const grid = expandGrid(family.grid);
  const byPoint: CvTaskResult[][] = grid.map(() => []);
  for (const r of results) {
    if (r.family !== family.name || !(r.point >= 0 && r.point < grid.length) || !Number.isInteger(r.point)) {
      throw new HandgestureError(`result for ${r.family} point ${r.point} is not in family "${family.name}"`);
    }
    byPoint[r.point].push(r);
  }
  const folds = byPoint[0].length;
  if (folds === 0) throw new HandgestureError(`family "${family.name}": no results`, "INTERNAL_ERROR");
  const points = byPoint.map((rs, index) => summarizePoint(family.name, index, grid[index], rs, folds));
  let best = points[0];
  for (const p of points) if (p.scores.macro_f1.mean > best.scores.macro_f1.mean) best = p;
  return { family: family.name, pipeline: family.pipeline, folds, points, best };
}

/**
 * Cross-validates every point of the family's grid on stratifiedKFold(y, folds, seed), the folds crossValidate
 * uses for the same seed, so each point's scores equal crossValidate's for that point's pipeline.
 */
export function gridSearch(
  family: GridFamily,
  X: Matrix,
  y: Labels,
  options: GridSearchOptions = {},
): GridSearchResult {
  const { folds = 5, seed = 42, onPoint } = options;
  checkSplit(X, y);
  const start = performance.now();
  const warnings = checkFolds(y, folds);
  const splits = stratifiedKFold(y, { folds, seed });
  const tasks = planTasks(family, folds);
  const grid = expandGrid(family.grid);
  const results: CvTaskResult[] = [];
  const perPoint = grid.map((): CvTaskResult[] => []);
  let done = 0;
  for (const task of tasks) {
    for (const r of runTask(task, X, y, splits[task.fold])) {
      results.push(r);
      const rs = perPoint[r.point];
      rs.push(r);
      if (rs.length === folds && onPoint)
        onPoint(summarizePoint(family.name, r.point, grid[r.point], rs, folds), ++done, grid.length);
    }
  }
  return { ...combine(family, results), seed, warnings, elapsedMs: performance.now() - start };
}
