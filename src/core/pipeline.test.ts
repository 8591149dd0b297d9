import { describe, expect, it } from "vitest";
import { KNeighborsClassifier } from "./estimators/knn.js";
import { MLPClassifier } from "./estimators/mlp.js";
import { LandmarkNormalizer } from "./features/seed-normalizer.js";
import { StandardScaler } from "./features/standard-scaler.js";
import { encodeLabels } from "./labels.js";
import { HAND_DIM } from "./landmarks.js";
import { matrix } from "./matrix.js";
import { fromModelFile, MODEL_FORMAT_VERSION, toModelFile } from "./model-file.js";
import { Pipeline } from "./pipeline.js";
import { buildPipeline, PIPELINES } from "./pipelines.js";
import { Random } from "./random.js";

/** Two synthetic "gestures": hands whose fingers point up vs. to the right, with noise. */
function toyHands(n: number, seed = 1) {
  const r = new Random(seed);
  const X = matrix(n, HAND_DIM);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const up = i % 2 === 0;
    for (let k = 0; k < 21; k++) {
      const len = 10 + k * 3;
      X.data[i * HAND_DIM + 3 * k] = 200 + (up ? r.normal() * 2 : len) + r.normal();
      X.data[i * HAND_DIM + 3 * k + 1] = 200 - (up ? len : r.normal() * 2) + r.normal();
      X.data[i * HAND_DIM + 3 * k + 2] = r.normal() * 0.01;
    }
    names.push(up ? "up" : "right");
  }
  return { X, y: encodeLabels(names) };
}

describe("Pipeline", () => {
  it("validates its steps at construction and names the one at fault", () => {
    expect(() => new Pipeline([])).toThrow(/at least one step/);
    expect(() => new Pipeline([["a__b", new KNeighborsClassifier()]])).toThrow(/"a__b"/);
    expect(() => new Pipeline([["n", new LandmarkNormalizer()]])).toThrow(/last pipeline step "n".*classifier/);
    expect(
      () =>
        new Pipeline([
          ["k", new KNeighborsClassifier()],
          ["k2", new KNeighborsClassifier()],
        ]),
    ).toThrow(/step "k" .* must be a transform/);
    expect(
      () =>
        new Pipeline([
          ["x", new StandardScaler()],
          ["x", new KNeighborsClassifier()],
        ]),
    ).toThrow(/used twice/);
  });

  it("exposes flat step__param parameters and refuses unknown ones", () => {
    const p = buildPipeline("seed-knn");
    expect(p.getParams()).toMatchObject({ knn__n_neighbors: 3, knn__weights: "uniform", knn__metric: "euclidean" });
    p.setParams({ knn__n_neighbors: "7" });
    expect(p.getParams().knn__n_neighbors).toBe(7);
    expect(() => p.setParams({ n_neighbors: 3 })).toThrow(/unknown parameter "n_neighbors".*step__param/);
    expect(() => p.setParams({ knn__k: 3 })).toThrow(/unknown parameter "k"/);
    expect(() => p.setParams({ knn__n_neighbors: 0 })).toThrow(/n_neighbors/);
  });

  it("gives the same probabilities through the per-hand path as through the batch path", () => {
    const { X, y } = toyHands(60);
    const p = buildPipeline("handshape-mlp", { mlp__n_ensemble: 2, mlp__max_iter: 30 }).fit(X, y);
    const P = p.predictProba(X);
    const out = new Float64Array(2);
    for (let i = 0; i < X.rows; i++) {
      p.predictProbaRow(X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM), out);
      expect(Array.from(out)).toEqual(Array.from(P.data.subarray(i * 2, i * 2 + 2)));
    }
    expect(p.predict(X).filter((l, i) => l === y.classes[y.codes[i]]).length).toBe(60);
  });

  it("every named pipeline builds, fits a toy problem, and survives the model file round trip", () => {
    const { X, y } = toyHands(40);
    for (const name of Object.keys(PIPELINES)) {
      const quick: Record<string, number> =
        {
          "handshape-vote": {
            vote__mlp__mlp__n_ensemble: 1,
            vote__mlp__mlp__max_iter: 20,
            vote__forest__rf__n_estimators: 10,
          },
          "handshape-vote-aug": {
            vote__mlp__copies: 1,
            vote__mlp__inner__mlp__n_ensemble: 1,
            vote__mlp__inner__mlp__max_iter: 20,
            vote__forest__rf__n_estimators: 10,
          },
          "handshape-mlp": { mlp__n_ensemble: 1, mlp__max_iter: 20 },
          "seed-rf": { rf__n_estimators: 10 },
        }[name] ?? {};
      const p = buildPipeline(name, quick).fit(X, y);
      const text = JSON.stringify(toModelFile(p, { pipeline_name: name }));
      const { model, file } = fromModelFile(text);
      expect(file.training.pipeline_name).toBe(name);
      expect(model.classes).toEqual(["right", "up"]);
      expect(Array.from(model.predictProba(X).data)).toEqual(Array.from(p.predictProba(X).data));
    }
  });
});

describe("model file", () => {
  const { X, y } = toyHands(20);
  const fitted = new Pipeline([
    ["normalizer", new LandmarkNormalizer()],
    ["knn", new KNeighborsClassifier({ n_neighbors: 1 })],
  ]).fit(X, y);
  const good = toModelFile(fitted);

  it("refuses a newer format version with a message that says to upgrade", () => {
    expect(() => fromModelFile({ ...good, version: MODEL_FORMAT_VERSION + 1 })).toThrow(/newer .* upgrade/);
  });
  it("refuses files that are not handgesture models, or unknown estimator types, listing the known ones", () => {
    expect(() => fromModelFile("{not json")).toThrow(/not valid JSON/);
    expect(() => fromModelFile({ format: "something-else", version: 1 })).toThrow(/not a handgesture model file/);
    const bad = JSON.parse(JSON.stringify(good));
    bad.pipeline.state.steps[1].estimator.type = "SVC";
    expect(() => fromModelFile(bad)).toThrow(/unknown estimator type "SVC".*KNeighborsClassifier/);
  });
  it("refuses a file whose class list disagrees with its classifier", () => {
    expect(() => fromModelFile({ ...good, classes: ["a", "b"] })).toThrow(/class list/);
  });
});

describe("MLPClassifier", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    const { X, y } = toyHands(40);
    const a = new MLPClassifier({ max_iter: 5, hidden_units: 8 }).fit(X, y).predictProba(X);
    const b = new MLPClassifier({ max_iter: 5, hidden_units: 8 }).fit(X, y).predictProba(X);
    const c = new MLPClassifier({ max_iter: 5, hidden_units: 8, random_state: 1 }).fit(X, y).predictProba(X);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
  });

  it("an ensemble's probabilities are the mean of its members'", () => {
    const { X, y } = toyHands(40);
    const Z = new StandardScaler().fit(X).transform(X);
    const opts = { max_iter: 10, hidden_units: 8 };
    const e = new MLPClassifier({ ...opts, n_ensemble: 2, random_state: 3 }).fit(Z, y).predictProba(Z);
    const m0 = new MLPClassifier({ ...opts, random_state: 3 }).fit(Z, y).predictProba(Z);
    const m1 = new MLPClassifier({ ...opts, random_state: 4 }).fit(Z, y).predictProba(Z);
    for (let i = 0; i < e.data.length; i++) expect(e.data[i]).toBeCloseTo((m0.data[i] + m1.data[i]) / 2, 12);
  });

  it("lowers its training loss and separates a learnable problem", () => {
    const { X, y } = toyHands(80);
    const Z = new StandardScaler().fit(X).transform(X);
    const m = new MLPClassifier({ hidden_units: 16, max_iter: 50 }).fit(Z, y);
    expect(m.lossCurve[m.lossCurve.length - 1]).toBeLessThan(m.lossCurve[0] / 2);
    const pred = m.predict(Z);
    expect(pred.every((l, i) => l === y.classes[y.codes[i]])).toBe(true);
  });

  it("throws NotFittedError before fit and refuses bad parameters by name", () => {
    expect(() => new MLPClassifier().predictProbaRow(new Float64Array(3), new Float64Array(2))).toThrow(/not fitted/);
    expect(() => new MLPClassifier({ hidden_units: 0 })).toThrow(/hidden_units/);
    expect(() => new MLPClassifier().setParams({ alpha: "lots" })).toThrow(/alpha/);
  });
});
