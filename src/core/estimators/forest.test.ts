import { describe, expect, it } from "vitest";
import { loadSeed } from "../../../test/data.js";
import { DEV_CSV, hasShared } from "../../../test/shared.js";
import { HandgestureError, ModelFormatError, NotFittedError } from "../errors.js";
import type { EstimatorJSON } from "../estimator.js";
import { encodeLabels, type Labels } from "../labels.js";
import { fromRows, type Matrix, matrix } from "../matrix.js";
import { crossValidate } from "../model-selection.js";
import { Random } from "../random.js";
import { DecisionTreeClassifier, RandomForestClassifier } from "./forest.js";

/** Bits of a probability matrix, so equality means bit-for-bit. */
const bits = (m: Matrix) => Array.from(new BigUint64Array(m.data.buffer, m.data.byteOffset, m.data.length));

/** Two Gaussian-ish blobs per class in d dimensions, k classes: learnable but not trivially. */
function blobs(n: number, d: number, k: number, seed: number): { X: Matrix; y: Labels } {
  const rng = new Random(seed);
  const X = matrix(n, d);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    for (let j = 0; j < d; j++) X.data[i * d + j] = (j === c % d ? 3 * c : 0) + rng.normal();
    names.push(`c${c}`);
  }
  return { X, y: encodeLabels(names) };
}

describe("RandomForestClassifier parameters", () => {
  it("has scikit-learn's names and defaults", () => {
    expect(new RandomForestClassifier().getParams()).toEqual({
      n_estimators: 100,
      max_depth: null,
      min_samples_split: 2,
      min_samples_leaf: 1,
      max_features: "sqrt",
      criterion: "gini",
      random_state: 0,
      bootstrap: true,
    });
    expect(new DecisionTreeClassifier().getParams().max_features).toBe("all");
  });

  it("rejects bad values with a message naming the parameter", () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ n_estimators: 0 }, /"n_estimators"/],
      [{ n_estimators: 2.5 }, /"n_estimators"/],
      [{ max_depth: 0 }, /"max_depth"/],
      [{ min_samples_split: 1 }, /"min_samples_split"/],
      [{ min_samples_leaf: 0 }, /"min_samples_leaf"/],
      [{ max_features: "auto" }, /"max_features"/],
      [{ criterion: "entropy" }, /"criterion"/],
      [{ bootstrap: "maybe" }, /"bootstrap"/],
      [{ n_trees: 10 }, /unknown parameter "n_trees"/],
    ];
    for (const [p, msg] of bad) {
      expect(() => new RandomForestClassifier(p as never)).toThrow(msg);
      expect(() => new RandomForestClassifier().setParams(p as never)).toThrow(HandgestureError);
    }
  });

  it("setParams validates text values, keeps the others and returns this", () => {
    const rf = new RandomForestClassifier({ n_estimators: 5 });
    expect(rf.setParams({ max_depth: "none", bootstrap: "false", min_samples_leaf: "3" })).toBe(rf);
    expect(rf.getParams()).toMatchObject({ n_estimators: 5, max_depth: null, bootstrap: false, min_samples_leaf: 3 });
  });

  it("throws NotFittedError before fit", () => {
    const rf = new RandomForestClassifier();
    expect(() => rf.classes).toThrow(NotFittedError);
    expect(() => rf.predictProba(matrix(1, 2))).toThrow(NotFittedError);
    expect(() => rf.predictProbaRow(new Float64Array(2), new Float64Array(2))).toThrow(NotFittedError);
    expect(() => rf.toJSON()).toThrow(NotFittedError);
  });
});

describe("RandomForestClassifier fit and predict", () => {
  const { X, y } = blobs(300, 6, 4, 1);

  it("is deterministic for a seed and differs across seeds", () => {
    const a = new RandomForestClassifier({ n_estimators: 10, random_state: 3 }).fit(X, y);
    const b = new RandomForestClassifier({ n_estimators: 10, random_state: 3 }).fit(X, y);
    const c = new RandomForestClassifier({ n_estimators: 10, random_state: 4 }).fit(X, y);
    expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
    expect(bits(b.predictProba(X))).toEqual(bits(a.predictProba(X)));
    expect((c.toJSON().state as { threshold: string }).threshold).not.toBe(
      (a.toJSON().state as { threshold: string }).threshold,
    );
  });

  it("predicts as the forest of its first n trees, bit for bit (predictProbaPrefixes)", () => {
    for (const p of [{}, { max_depth: 3, min_samples_leaf: 2 }, { bootstrap: false, max_features: "all" as const }]) {
      const big = new RandomForestClassifier({ ...p, n_estimators: 13, random_state: 9 }).fit(X, y);
      const counts = [13, 1, 4, 7, 4];
      const prefixes = big.predictProbaPrefixes(X, counts);
      counts.forEach((n, i) => {
        const own = new RandomForestClassifier({ ...p, n_estimators: n, random_state: 9 }).fit(X, y);
        expect(bits(prefixes[i])).toEqual(bits(own.predictProba(X)));
      });
    }
    const rf = new RandomForestClassifier({ n_estimators: 3 }).fit(X, y);
    expect(() => rf.predictProbaPrefixes(X, [4])).toThrow(/prefix of 4 trees of 3/);
    expect(() => rf.predictProbaPrefixes(X, [0])).toThrow(HandgestureError);
    expect(() => rf.predictProbaPrefixes(matrix(1, 2), [1])).toThrow(/6 features/);
    expect(() => new RandomForestClassifier().predictProbaPrefixes(X, [1])).toThrow(NotFittedError);
  });

  it("pruned() is the forest fitted with the stricter limits, and node stats stay out of model files", () => {
    const kept = new RandomForestClassifier({ n_estimators: 9, random_state: 5 });
    kept.keepNodeStats = true;
    kept.fit(X, y);
    const plain = new RandomForestClassifier({ n_estimators: 9, random_state: 5 }).fit(X, y);
    expect(JSON.stringify(kept.toJSON())).toBe(JSON.stringify(plain.toJSON()));
    for (const limits of [
      { max_depth: 3, min_samples_split: 2 },
      { max_depth: null, min_samples_split: 12 },
      { max_depth: 5, min_samples_split: 7 },
    ]) {
      const own = new RandomForestClassifier({ n_estimators: 9, random_state: 5, ...limits }).fit(X, y);
      const derived = kept.pruned(limits);
      expect(derived).toBeInstanceOf(RandomForestClassifier);
      expect(derived.getParams()).toEqual(own.getParams());
      expect(derived.toJSON()).toEqual(own.toJSON());
      expect(bits(derived.predictProba(X))).toEqual(bits(own.predictProba(X)));
    }
    expect(() => plain.pruned({ max_depth: 3, min_samples_split: 2 })).toThrow(/nodeStats/);
    const tree = new DecisionTreeClassifier();
    tree.keepNodeStats = true;
    tree.fit(X, y);
    expect(tree.pruned({ max_depth: 2, min_samples_split: 2 }).toJSON()).toEqual(
      new DecisionTreeClassifier({ max_depth: 2 }).fit(X, y).toJSON(),
    );
  });

  it("gives probability rows that sum to 1, in the order of classes", () => {
    const rf = new RandomForestClassifier({ n_estimators: 15, max_depth: 3 }).fit(X, y);
    expect(rf.classes).toEqual(["c0", "c1", "c2", "c3"]);
    const P = rf.predictProba(X);
    for (let i = 0; i < P.rows; i++) {
      let s = 0;
      for (let j = 0; j < P.cols; j++) {
        expect(P.data[i * P.cols + j]).toBeGreaterThanOrEqual(0);
        s += P.data[i * P.cols + j];
      }
      expect(s).toBeCloseTo(1, 12);
    }
  });

  it("fits learnable data perfectly without bootstrap, and well with it", () => {
    const full = new RandomForestClassifier({ n_estimators: 5, bootstrap: false }).fit(X, y);
    expect(full.predict(X)).toEqual(Array.from(y.codes, (c) => y.classes[c]));
    const tree = new DecisionTreeClassifier().fit(X, y);
    expect(tree.predict(X)).toEqual(Array.from(y.codes, (c) => y.classes[c]));
    const test = blobs(200, 6, 4, 2);
    const pred = new RandomForestClassifier({ n_estimators: 50 }).fit(X, y).predictCodes(test.X);
    expect(pred.filter((c, i) => c === test.y.codes[i]).length / 200).toBeGreaterThan(0.8);
  });

  it("keeps classes absent from the training rows as zero-probability columns", () => {
    const yAll: Labels = { codes: Int32Array.from(y.codes, (c) => (c === 3 ? 2 : c)), classes: y.classes };
    const P = new RandomForestClassifier({ n_estimators: 3 }).fit(X, yAll).predictProba(X);
    for (let i = 0; i < P.rows; i++) expect(P.data[i * 4 + 3]).toBe(0);
  });

  it("splits midway between values and goes left on equality, as scikit-learn", () => {
    const t = new DecisionTreeClassifier().fit(fromRows([[1], [3]]), encodeLabels(["a", "b"]));
    expect(t.predict(fromRows([[1.999], [2], [2.001]]))).toEqual(["a", "a", "b"]);
  });

  it("stores leaf class frequencies when rows cannot be separated", () => {
    const t = new DecisionTreeClassifier().fit(fromRows([[0], [0], [0], [1]]), encodeLabels(["a", "a", "b", "b"]));
    const P = t.predictProba(fromRows([[0], [1]]));
    expect(Array.from(P.data)).toEqual([2 / 3, 1 / 3, 0, 1]);
  });

  it("rejects non-finite values and mismatched labels", () => {
    const bad = matrix(2, 1, Float64Array.of(0, Number.NaN));
    expect(() => new DecisionTreeClassifier().fit(bad, encodeLabels(["a", "b"]))).toThrow(/non-finite/);
    expect(() => new DecisionTreeClassifier().fit(matrix(3, 1), encodeLabels(["a", "b"]))).toThrow(/3 rows/);
    const rf = new RandomForestClassifier({ n_estimators: 2 }).fit(X, y);
    expect(() => rf.predictProbaRow(new Float64Array(5), new Float64Array(4))).toThrow(/6 features/);
  });
});

describe("RandomForestClassifier model files", () => {
  const { X, y } = blobs(400, 5, 6, 3);
  const roundTrip = (json: EstimatorJSON) => JSON.parse(JSON.stringify(json)) as EstimatorJSON;

  it("predicts bit-identically after a JSON round trip", () => {
    for (const p of [{ n_estimators: 20 }, { n_estimators: 7, min_samples_leaf: 5, max_features: "all" as const }]) {
      const rf = new RandomForestClassifier(p).fit(X, y);
      const back = RandomForestClassifier.fromJSON(roundTrip(rf.toJSON()));
      expect(back.getParams()).toEqual(rf.getParams());
      expect(back.classes).toEqual(rf.classes);
      expect(bits(back.predictProba(X))).toEqual(bits(rf.predictProba(X)));
      expect(back.toJSON()).toEqual(rf.toJSON());
    }
    const tree = new DecisionTreeClassifier({ max_depth: 4 }).fit(X, y);
    expect(bits(DecisionTreeClassifier.fromJSON(roundTrip(tree.toJSON())).predictProba(X))).toEqual(
      bits(tree.predictProba(X)),
    );
  });

  it("round-trips single-leaf trees and impure leaves", () => {
    const one = new RandomForestClassifier({ n_estimators: 3 }).fit(matrix(4, 2), encodeLabels(["a", "a", "a", "a"]));
    expect(
      Array.from(RandomForestClassifier.fromJSON(roundTrip(one.toJSON())).predictProba(matrix(1, 2)).data),
    ).toEqual([1]);
    const mixed = new RandomForestClassifier({ n_estimators: 4, max_depth: 1 }).fit(X, y);
    expect(bits(RandomForestClassifier.fromJSON(roundTrip(mixed.toJSON())).predictProba(X))).toEqual(
      bits(mixed.predictProba(X)),
    );
  });

  it("rejects damaged model files with ModelFormatError", () => {
    const json = new RandomForestClassifier({ n_estimators: 3 }).fit(X, y).toJSON();
    const state = json.state as Record<string, unknown>;
    const damaged: Record<string, unknown>[] = [
      { n_internal: (state.n_internal as number) + 1 },
      { threshold: (state.threshold as string).slice(4) },
      { structure: "!!!!" },
      { classes: undefined },
      { n_trees: 4 },
    ];
    for (const d of damaged) {
      expect(() => RandomForestClassifier.fromJSON({ ...json, state: { ...state, ...d } })).toThrow(ModelFormatError);
    }
    expect(() => DecisionTreeClassifier.fromJSON(json)).toThrow(ModelFormatError);
  });
});

describe.skipIf(!hasShared("data", "hagrid_sample_dev.csv"))("RandomForestClassifier on the HaGRID dev sample", () => {
  it("reaches scikit-learn's cross-validated macro-F1 (about 0.90) with 200 trees", () => {
    const { X, y } = loadSeed(DEV_CSV);
    const cv = crossValidate(() => new RandomForestClassifier({ n_estimators: 200, random_state: 42 }), X, y, 5, {
      seed: 42,
    });
    const f1 = cv.scores.macro_f1.mean;
    console.log(`RandomForestClassifier(200) dev-sample 5-fold macro-F1 ${f1.toFixed(4)}`);
    expect(f1).toBeGreaterThan(0.88);
    expect(f1).toBeLessThan(0.93);
  });
});
