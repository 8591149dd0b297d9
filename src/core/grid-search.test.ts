import { beforeAll, describe, expect, it } from "vitest";
import { loadTable } from "../../test/data.js";
import { DEV_CSV, hasShared } from "../../test/shared.js";
import { HandgestureError } from "./errors.js";
import type { LogisticRegression } from "./estimators/logistic.js";
import { defaultFamily, type GridFamily } from "./grid.js";
import {
  type CvTaskResult,
  combine,
  type GridPointResult,
  type GridSearchResult,
  gridSearch,
  planTasks,
  runTask,
} from "./grid-search.js";
import { encodeLabels, type Labels, takeLabels } from "./labels.js";
import { type Matrix, takeRows } from "./matrix.js";
import { CV_METRICS, crossValidate, stratifiedKFold } from "./model-selection.js";
import { buildPipeline } from "./pipelines.js";
import { Random } from "./random.js";

/** Every point's scores equal crossValidate's for that point's pipeline alone, to the last bit. */
function expectSameAsCrossValidate(res: GridSearchResult, X: Matrix, y: Labels): void {
  for (const p of res.points) {
    const cv = crossValidate(() => buildPipeline(res.pipeline, p.params), X, y, res.folds, { seed: res.seed });
    for (const m of CV_METRICS) {
      expect(p.scores[m].values, `${JSON.stringify(p.params)} ${m}`).toEqual(cv.scores[m].values);
      expect(p.scores[m].mean).toBe(cv.scores[m].mean);
      expect(p.scores[m].std).toBe(cv.scores[m].std);
    }
  }
}

/** What must not depend on timing. */
const scoresOf = (r: { points: GridPointResult[] }) => r.points.map((p) => ({ params: p.params, scores: p.scores }));

/**
 * Small landmark-shaped data: 3 classes around random centres, coordinates rounded to whole pixels so that
 * distances tie, some rows repeated (distance 0) and one repeated with another label.
 */
function synthetic(): { X: Matrix; y: Labels } {
  const rng = new Random(7);
  const centres = Array.from({ length: 3 }, () => Array.from({ length: 63 }, () => 100 * rng.next()));
  const rows: number[][] = [];
  const names: string[] = [];
  for (let i = 0; i < 60; i++) {
    const c = i % 3;
    rows.push(centres[c].map((v) => Math.round(v + 40 * rng.normal())));
    names.push(`g${c}`);
  }
  for (let i = 0; i < 12; i++) {
    rows.push([...rows[i * 4]]);
    names.push(i === 5 ? "g2" : names[i * 4]);
  }
  return { X: { rows: rows.length, cols: 63, data: Float64Array.from(rows.flat()) }, y: encodeLabels(names) };
}

describe("planTasks", () => {
  it("groups the points that share work: KNN by metric, logistic regression by everything but max_iter", () => {
    const knn = planTasks(defaultFamily("knn"), 5);
    expect(knn).toHaveLength(10);
    expect(knn.every((t) => t.kind === "knn" && t.k === 7 && t.points.length === 6)).toBe(true);
    expect(knn.slice(0, 5).map((t) => t.fold)).toEqual([0, 1, 2, 3, 4]);
    // Logistic regression: one task per (C, penalty) with its max_iter values, C pooled without a penalty.
    const logreg = planTasks(defaultFamily("logreg"), 5);
    expect(logreg).toHaveLength(4 * 5);
    expect(logreg.filter((t) => t.fold === 0).map((t) => t.points.length)).toEqual([2, 6, 2, 2]);
    // Random forest: one task per fold, fitting the largest n_estimators with no depth limit and the smallest
    // min_samples_split; the 18 points are pruned from it.
    const rf = planTasks(defaultFamily("rf"), 3);
    expect(rf).toHaveLength(3);
    for (const t of rf) {
      expect(t.kind).toBe("forest");
      if (t.kind !== "forest") continue;
      expect(t.points).toHaveLength(18);
      expect(t.base).toMatchObject({ rf__n_estimators: 200, rf__max_depth: null, rf__min_samples_split: 2 });
    }
    // Tasks are plain data, so they can be posted to a worker thread.
    expect(JSON.parse(JSON.stringify(knn))).toEqual(knn);
  });
});

describe("gridSearch on synthetic landmarks", () => {
  const { X, y } = synthetic();

  it("KNN: every point equals crossValidate of that point alone, ties and zero distances included", () => {
    const res = gridSearch(defaultFamily("knn"), X, y, { folds: 4, seed: 3 });
    expect(res.points).toHaveLength(12);
    expect(res.points.every((p) => p.shared)).toBe(true);
    expectSameAsCrossValidate(res, X, y);
  });

  it("logistic regression: points fitted once for several C equal crossValidate of each", () => {
    const family: GridFamily = {
      name: "lr",
      pipeline: "seed-logreg",
      grid: { logreg__C: [0.1, 10], logreg__penalty: ["l2", "none"], logreg__max_iter: [30] },
    };
    const res = gridSearch(family, X, y, { folds: 3 });
    expect(res.points.map((p) => p.shared)).toEqual([false, false, false, true]);
    expectSameAsCrossValidate(res, X, y);
  });

  it("logistic regression: one solver run serves every max_iter (stopped early or cut short), exactly", () => {
    const family: GridFamily = {
      name: "lr",
      pipeline: "seed-logreg",
      grid: { logreg__C: [1], logreg__max_iter: [3, 300, 1000] },
    };
    const res = gridSearch(family, X, y, { folds: 3 });
    // 1000 is fitted; 3 is its iterate after 3 steps, and 300 its converged result (it stops within 300 on every
    // fold): both read off the one run.
    expect(res.points.map((p) => p.shared)).toEqual([true, true, false]);
    expectSameAsCrossValidate(res, X, y);
    const iters = stratifiedKFold(y, { folds: 3 }).map((s) => {
      const m = buildPipeline("seed-logreg", { logreg__max_iter: 1000 });
      m.fit(takeRows(X, s.train), takeLabels(y, s.train));
      return (m.classifier as LogisticRegression).nIter;
    });
    expect(Math.max(...iters)).toBeLessThanOrEqual(300);
    expect(Math.min(...iters)).toBeGreaterThan(3);
  });

  it("random forest: points pruned from one fit and read off its first trees equal crossValidate of each", () => {
    const family: GridFamily = {
      name: "rf",
      pipeline: "seed-rf",
      grid: { rf__n_estimators: [3, 8, 5], rf__max_depth: [2, 4, null], rf__min_samples_split: [2, 9] },
    };
    expect(planTasks(family, 3)).toHaveLength(3);
    const res = gridSearch(family, X, y, { folds: 3 });
    expect(res.points).toHaveLength(18);
    expect(res.points.every((p) => p.shared)).toBe(true);
    expectSameAsCrossValidate(res, X, y);
    // Grown with limits that are not the grid's extremes: the task fits depth 4 and min_samples_split 3.
    const limited: GridFamily = {
      name: "rf",
      pipeline: "seed-rf",
      grid: { rf__n_estimators: [4], rf__max_depth: [2, 4], rf__min_samples_split: [3, 6], rf__min_samples_leaf: [2] },
    };
    const [task] = planTasks(limited, 3);
    expect(task.kind === "forest" && task.base).toMatchObject({ rf__max_depth: 4, rf__min_samples_split: 3 });
    expectSameAsCrossValidate(gridSearch(limited, X, y, { folds: 3 }), X, y);
  });

  it("reports each point once as it finishes, and picks the best by mean macro-F1, the first on a tie", () => {
    const seen: GridPointResult[] = [];
    const dones: number[] = [];
    const res = gridSearch(defaultFamily("knn"), X, y, {
      folds: 3,
      onPoint: (p, done, total) => {
        seen.push(p);
        dones.push(done);
        expect(total).toBe(12);
      },
    });
    expect(seen.map((p) => p.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(dones).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const p of seen) expect(p).toEqual(res.points[p.index]);
    const top = Math.max(...res.points.map((p) => p.scores.macro_f1.mean));
    expect(res.best).toBe(res.points.find((p) => p.scores.macro_f1.mean === top));
    expect(res.folds).toBe(3);
    expect(res.seed).toBe(42);
    expect(res.best.fitMs).toBeCloseTo(
      res.best.fitTimesMs.reduce((s, t) => s + t, 0),
      9,
    );
  });

  it("is deterministic for a seed and changes with it", () => {
    const a = gridSearch(defaultFamily("knn"), X, y, { folds: 3, seed: 1 });
    expect(scoresOf(gridSearch(defaultFamily("knn"), X, y, { folds: 3, seed: 1 }))).toEqual(scoresOf(a));
    expect(scoresOf(gridSearch(defaultFamily("knn"), X, y, { folds: 3, seed: 2 }))).not.toEqual(scoresOf(a));
  });
});

describe("runTask and combine", () => {
  const { X, y } = synthetic();
  const family = defaultFamily("knn");
  const splits = stratifiedKFold(y, { folds: 3, seed: 42 });
  const results = (): CvTaskResult[] =>
    planTasks(family, 3).flatMap((t) => runTask(JSON.parse(JSON.stringify(t)), X, y, splits[t.fold]));

  it("give gridSearch's answer whatever order the task results arrive in, and results are plain JSON", () => {
    const rs = results();
    expect(JSON.parse(JSON.stringify(rs))).toEqual(rs);
    const direct = gridSearch(family, X, y, { folds: 3 });
    expect(scoresOf(combine(family, rs))).toEqual(scoresOf(direct));
    expect(scoresOf(combine(family, [...rs].reverse()))).toEqual(scoresOf(direct));
    expect(combine(family, rs).best.index).toBe(direct.best.index);
  });

  it("refuse a missing or repeated fold and a result from another family", () => {
    const rs = results();
    expect(() => combine(family, rs.slice(1))).toThrow(/point 0: expected folds 0..2 once each, got 1, 2|point/);
    expect(() => combine(family, [...rs, rs[0]])).toThrow(HandgestureError);
    expect(() => combine(defaultFamily("rf"), rs)).toThrow(/not in family "rf"/);
    expect(() => combine(family, [])).toThrow(/no results/);
  });

  it("ties go to the first point in grid order", () => {
    const rs = results().map((r) => ({ ...r, scores: { ...r.scores, macro_f1: 0.5 } }));
    expect(combine(family, rs).best.index).toBe(0);
  });
});

describe.skipIf(!hasShared("data", "hagrid_sample_dev.csv"))("gridSearch on the dev sample", () => {
  // Read when the tests run, not when they are collected: a skipped describe is still collected.
  let X: Matrix;
  let y: Labels;
  beforeAll(() => {
    const table = loadTable(DEV_CSV);
    X = table.X;
    y = encodeLabels(table.labels);
  });

  it("KNN, the seed's 12 points: each equals crossValidate exactly, and the run is deterministic", () => {
    const res = gridSearch(defaultFamily("knn"), X, y);
    expect(res.points).toHaveLength(12);
    expectSameAsCrossValidate(res, X, y);
    expect(scoresOf(gridSearch(defaultFamily("knn"), X, y))).toEqual(scoresOf(res));
    // The seed-knn pipeline's own settings are the first point (README: 0.9373 with fold seed 42).
    expect(res.points[0].params).toEqual({ knn__metric: "euclidean", knn__n_neighbors: 3, knn__weights: "uniform" });
    expect(res.points[0].scores.macro_f1.mean).toBeCloseTo(0.9373, 4);
    expect(res.best.scores.macro_f1.mean).toBe(Math.max(...res.points.map((p) => p.scores.macro_f1.mean)));
  });

  it("random forest on a reduced grid: each point equals crossValidate, deterministic", () => {
    const family: GridFamily = {
      name: "rf",
      pipeline: "seed-rf",
      grid: { rf__n_estimators: [10, 20], rf__max_depth: [5, 10, null], rf__min_samples_split: [2, 5] },
    };
    const res = gridSearch(family, X, y, { folds: 3 });
    expect(res.points).toHaveLength(12);
    expectSameAsCrossValidate(res, X, y);
    expect(scoresOf(gridSearch(family, X, y, { folds: 3 }))).toEqual(scoresOf(res));
  });
});
