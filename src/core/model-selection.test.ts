import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HandgestureError } from "./errors.js";
import { BaseClassifier, type EstimatorJSON } from "./estimator.js";
import { classCounts, encodeLabels, type Labels } from "./labels.js";
import { fromRows, type Matrix } from "./matrix.js";
import {
  checkFolds,
  crossValidate,
  type FoldResult,
  type Split,
  stratifiedKFold,
  stratifiedShuffleSplit,
} from "./model-selection.js";
import type { Params } from "./params.js";

const labelsOf = (codes: number[], k: number): Labels => ({
  codes: Int32Array.from(codes),
  classes: Array.from({ length: k }, (_, i) => `c${i}`),
});

/** Disjoint, sorted, and together exactly 0..n-1. */
function expectPartition(s: Split, n: number): void {
  const all = [...s.train, ...s.test].sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
  for (const part of [s.train, s.test])
    for (let i = 1; i < part.length; i++) expect(part[i]).toBeGreaterThan(part[i - 1]);
}

const countIn = (idx: Int32Array, labels: Labels, c: number) => idx.filter((i) => labels.codes[i] === c).length;

const labelArb = fc
  .integer({ min: 1, max: 6 })
  .chain((k) =>
    fc.tuple(fc.constant(k), fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: 2, maxLength: 80 })),
  );

describe("stratifiedShuffleSplit", () => {
  const y = labelsOf(
    Array.from({ length: 100 }, (_, i) => (i < 50 ? 0 : i < 80 ? 1 : i < 95 ? 2 : 3)),
    4,
  );

  it("splits each class in proportion, deterministically by seed", () => {
    const s = stratifiedShuffleSplit(y, { testSize: 0.2, seed: 7 });
    expectPartition(s, 100);
    expect(s.test.length).toBe(20);
    expect([0, 1, 2, 3].map((c) => countIn(s.test, y, c))).toEqual([10, 6, 3, 1]);
    expect(stratifiedShuffleSplit(y, { testSize: 0.2, seed: 7 })).toEqual(s);
    expect(Array.from(stratifiedShuffleSplit(y, { testSize: 0.2, seed: 8 }).test)).not.toEqual(Array.from(s.test));
  });

  it("keeps small classes on both sides and single-row classes in train", () => {
    const small = labelsOf([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2], 3);
    const s = stratifiedShuffleSplit(small, { testSize: 0.1 });
    expect(countIn(s.test, small, 1)).toBe(1);
    expect(countIn(s.train, small, 1)).toBe(1);
    expect(countIn(s.test, small, 2)).toBe(0);
  });

  it("meets the exact total even when per-class minimums push it over (found by fast-check)", () => {
    // Counts 2, 6, 2 at testSize 1/3: the minimum of 1 for each 2-row class leaves 1 test row for the big class.
    const y3 = labelsOf([0, 3, 2, 2, 2, 2, 2, 2, 3, 0], 4);
    const s = stratifiedShuffleSplit(y3, { testSize: 1 / 3, seed: 0 });
    expect(s.test.length).toBe(3);
    expect([0, 2, 3].map((c) => countIn(s.test, y3, c))).toEqual([1, 1, 1]);
  });

  it("rejects a testSize outside (0, 1)", () => {
    expect(() => stratifiedShuffleSplit(y, { testSize: 0 })).toThrow(HandgestureError);
    expect(() => stratifiedShuffleSplit(y, { testSize: 1.5 })).toThrow(/testSize/);
  });

  it("property: partition, per-class proportions within 1, exact total when reachable", () => {
    fc.assert(
      fc.property(labelArb, fc.double({ min: 0.05, max: 0.5, noNaN: true }), fc.nat(), ([k, codes], ts, seed) => {
        const labels = labelsOf(codes, k);
        const s = stratifiedShuffleSplit(labels, { testSize: ts, seed });
        expectPartition(s, codes.length);
        const counts = classCounts(labels);
        let eligible = 0;
        let minTotal = 0;
        let maxTotal = 0;
        counts.forEach((n, c) => {
          const t = countIn(s.test, labels, c);
          if (n < 2) {
            expect(t).toBe(0);
            return;
          }
          eligible += n;
          minTotal += 1;
          maxTotal += n - 1;
          expect(t).toBeGreaterThanOrEqual(1);
          expect(t).toBeLessThanOrEqual(n - 1);
          // Proportional up to rounding, and one more row either way when the other classes' minimum of one test
          // row forces it (n * ts may sit a hair above an integer, so bound by floor/ceil, not by |t - n ts| <= 1).
          expect(t).toBeGreaterThanOrEqual(Math.floor(n * ts) - 1);
          expect(t).toBeLessThanOrEqual(Math.ceil(n * ts) + 1);
        });
        const target = Math.round(eligible * ts);
        if (target >= minTotal && target <= maxTotal) expect(s.test.length).toBe(target);
        expect(stratifiedShuffleSplit(labels, { testSize: ts, seed })).toEqual(s);
      }),
    );
  });
});

describe("stratifiedKFold", () => {
  it("equals scikit-learn's StratifiedKFold without shuffling", () => {
    // Reference: StratifiedKFold(4).split(np.zeros(25), y) with /usr/bin/python3, sklearn 1.2.1 (test indices).
    const names = "c a b b a c c a b a b c c a b b c a d d b c a a d".split(" ");
    const folds = stratifiedKFold(encodeLabels(names), { folds: 4, shuffle: false });
    expect(folds.map((f) => Array.from(f.test))).toEqual([
      [0, 1, 2, 3, 4, 5, 18],
      [6, 7, 8, 9, 10, 11],
      [12, 13, 14, 16, 17, 19],
      [15, 20, 21, 22, 23, 24],
    ]);
    for (const f of folds) expectPartition(f, 25);
  });

  it("shuffles within classes by seed", () => {
    const y = labelsOf(
      Array.from({ length: 60 }, (_, i) => i % 3),
      3,
    );
    const a = stratifiedKFold(y, { seed: 1 });
    expect(stratifiedKFold(y, { seed: 1 })).toEqual(a);
    expect(stratifiedKFold(y, { seed: 2 }).map((f) => Array.from(f.test))).not.toEqual(
      a.map((f) => Array.from(f.test)),
    );
    expect(a.map((f) => f.test.length)).toEqual([12, 12, 12, 12, 12]);
  });

  it("rejects bad fold counts and warns about small classes", () => {
    const y = labelsOf([0, 0, 0, 1, 1, 1, 1], 3);
    expect(() => stratifiedKFold(y, { folds: 1 })).toThrow(/at least 2/);
    expect(() => stratifiedKFold(y, { folds: 2.5 })).toThrow(HandgestureError);
    expect(() => stratifiedKFold(y, { folds: 8 })).toThrow(/cannot exceed the number of rows \(7\)/);
    expect(checkFolds(y, 3)).toEqual([]);
    expect(checkFolds(y, 4)).toEqual([
      "The least populated class in y has only 3 members, which is less than folds=4.",
    ]);
    expect(stratifiedKFold(y, { folds: 4 })).toHaveLength(4);
  });

  it("property: test parts partition the rows, balanced overall and per class", () => {
    fc.assert(
      fc.property(labelArb, fc.integer({ min: 2, max: 8 }), fc.boolean(), fc.nat(), ([k, codes], f, shuffle, seed) => {
        fc.pre(f <= codes.length);
        const labels = labelsOf(codes, k);
        const folds = stratifiedKFold(labels, { folds: f, shuffle, seed });
        expect(folds).toHaveLength(f);
        const tests = folds.flatMap((s) => Array.from(s.test)).sort((a, b) => a - b);
        expect(tests).toEqual(codes.map((_, i) => i));
        for (const s of folds) expectPartition(s, codes.length);
        const sizes = folds.map((s) => s.test.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        for (let c = 0; c < k; c++) {
          const per = folds.map((s) => countIn(s.test, labels, c));
          expect(Math.max(...per) - Math.min(...per)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});

/** Always predicts the most frequent training class; lists only the classes it saw, in reverse order. */
class Majority extends BaseClassifier {
  readonly type = "Majority";
  private best = 0;
  getParams(): Params {
    return {};
  }
  setParams(): this {
    return this;
  }
  toJSON(): EstimatorJSON {
    return { type: this.type, params: {}, state: null };
  }
  fit(_X: Matrix, y: Labels): this {
    const counts = classCounts(y);
    const seen = y.classes.filter((_, c) => counts[c] > 0).reverse();
    let top = 0;
    for (let c = 1; c < counts.length; c++) if (counts[c] > counts[top]) top = c;
    this.classes_ = seen;
    this.best = seen.indexOf(y.classes[top]);
    return this;
  }
  predictProbaRow(_x: Float64Array, out: Float64Array): void {
    out.fill(0);
    out[this.best] = 1;
  }
}

describe("crossValidate", () => {
  const X = fromRows(Array.from({ length: 12 }, (_, i) => [i]));

  it("scores a majority-class model per fold, with population std", () => {
    // 6 a, 3 b, 3 c; 3 folds hold 2 a + 1 b + 1 c each, and every model predicts "a".
    const y = encodeLabels("a a a a a a b b b c c c".split(" "));
    const seen: FoldResult[] = [];
    const cv = crossValidate(() => new Majority(), X, y, 3, { onFold: (r) => seen.push(r) });
    expect(seen).toEqual(cv.folds);
    expect(cv.folds.map((f) => [f.nTrain, f.nTest])).toEqual([
      [8, 4],
      [8, 4],
      [8, 4],
    ]);
    expect(cv.warnings).toEqual([]);
    expect(cv.fitTimesMs).toHaveLength(3);
    for (const t of cv.fitTimesMs) expect(t).toBeGreaterThanOrEqual(0);
    expect(cv.scores.accuracy.mean).toBeCloseTo(0.5, 12);
    expect(cv.scores.macro_precision.mean).toBeCloseTo(1 / 6, 12);
    expect(cv.scores.macro_recall.mean).toBeCloseTo(1 / 3, 12);
    expect(cv.scores.macro_f1.mean).toBeCloseTo(2 / 9, 12);
    expect(cv.scores.weighted_f1.mean).toBeCloseTo(1 / 3, 12);
    expect(cv.scores.accuracy.std).toBe(0);
    expect(cv.folds[0].report.confusion.matrix).toEqual([
      [2, 0, 0],
      [1, 0, 0],
      [1, 0, 0],
    ]);
  });

  it("takes explicit splits and maps predictions to y's codes by name", () => {
    const y = encodeLabels("a a a b b b b b b b b b".split(" "));
    // Fold 0 trains on mostly "a" and tests on a's; fold 1 trains on b's and tests on a's.
    const splits: Split[] = [
      { train: Int32Array.from([0, 1, 3]), test: Int32Array.from([2]) },
      { train: Int32Array.from([3, 4, 5]), test: Int32Array.from([0, 1]) },
    ];
    const cv = crossValidate(() => new Majority(), X, y, splits);
    expect(cv.scores.accuracy.values).toEqual([1, 0]);
    expect(cv.scores.accuracy.mean).toBe(0.5);
    expect(cv.scores.accuracy.std).toBe(0.5); // population std; the sample std would be 0.707
    expect(cv.folds[1].report.confusion.matrix).toEqual([
      [0, 2],
      [0, 0],
    ]);
  });

  it("reports small-class warnings and checks shapes", () => {
    const y = encodeLabels("a a a a a a a a a a b b".split(" "));
    expect(crossValidate(() => new Majority(), X, y, 3).warnings).toHaveLength(1);
    expect(() => crossValidate(() => new Majority(), fromRows([[1]]), y, 3)).toThrow(/X has 1 rows/);
  });
});
