import { describe, expect, it } from "vitest";
import { HandgestureError } from "./errors.js";
import {
  checkFamily,
  DEFAULT_FAMILIES,
  defaultFamily,
  expandGrid,
  gridSize,
  parseGridFile,
  SEED_FAMILY_NAMES,
} from "./grid.js";
import { buildPipeline } from "./pipelines.js";

describe("default grids", () => {
  it("are the seed's 12 + 12 + 18 points and a small one for the default pipeline", () => {
    const sizes = Object.fromEntries(DEFAULT_FAMILIES.map((f) => [f.name, expandGrid(f.grid).length]));
    expect(sizes).toEqual({ knn: 12, logreg: 12, rf: 18, vote: 4, mlp: 2, "shape-logreg": 3 });
    expect(DEFAULT_FAMILIES.map((f) => gridSize(f.grid))).toEqual([12, 12, 18, 4, 2, 3]);
    expect(SEED_FAMILY_NAMES.reduce((n, name) => n + gridSize(defaultFamily(name).grid), 0)).toBe(42);
    expect(defaultFamily("rf").pipeline).toBe("seed-rf");
    expect(() => defaultFamily("svm")).toThrow(
      /unknown model family "svm"; known families: knn, logreg, rf, vote, mlp, shape-logreg/,
    );
  });

  it("pass their own validation unchanged, and every point builds", () => {
    for (const f of DEFAULT_FAMILIES) {
      expect(checkFamily(f)).toEqual(f);
      for (const p of expandGrid(f.grid)) {
        const params = buildPipeline(f.pipeline, p).getParams();
        for (const [k, v] of Object.entries(p)) expect(params[k]).toBe(v);
      }
    }
  });
});

describe("expandGrid", () => {
  it("sorts keys and varies the last key fastest, as scikit-learn's ParameterGrid", () => {
    const points = expandGrid(defaultFamily("knn").grid);
    expect(points.slice(0, 5)).toEqual([
      { knn__metric: "euclidean", knn__n_neighbors: 3, knn__weights: "uniform" },
      { knn__metric: "euclidean", knn__n_neighbors: 3, knn__weights: "distance" },
      { knn__metric: "euclidean", knn__n_neighbors: 5, knn__weights: "uniform" },
      { knn__metric: "euclidean", knn__n_neighbors: 5, knn__weights: "distance" },
      { knn__metric: "euclidean", knn__n_neighbors: 7, knn__weights: "uniform" },
    ]);
    expect(points[6]).toEqual({ knn__metric: "manhattan", knn__n_neighbors: 3, knn__weights: "uniform" });
    expect(Object.keys(points[0])).toEqual(["knn__metric", "knn__n_neighbors", "knn__weights"]);
    const rf = expandGrid(defaultFamily("rf").grid);
    expect(rf[0]).toEqual({ rf__max_depth: 10, rf__min_samples_split: 2, rf__n_estimators: 50 });
    expect(rf[17]).toEqual({ rf__max_depth: null, rf__min_samples_split: 5, rf__n_estimators: 200 });
    expect(new Set(rf.map((p) => JSON.stringify(p))).size).toBe(18);
  });

  it("gives one empty point for an empty grid, and keeps the order independent of key order", () => {
    expect(expandGrid({})).toEqual([{}]);
    expect(expandGrid({ b: [1, 2], a: ["x", "y"] })).toEqual(expandGrid({ a: ["x", "y"], b: [1, 2] }));
  });
});

describe("parseGridFile", () => {
  const file = {
    families: {
      knn: { grid: { knn__n_neighbors: [1, "3"] } },
      deep: { pipeline: "seed-rf", grid: { rf__max_depth: ["none", 5], rf__n_estimators: [10] } },
    },
  };

  it("reads JSON text and parsed objects alike, in file order, with values in the pipeline's form", () => {
    const fams = parseGridFile(JSON.stringify(file));
    expect(fams).toEqual(parseGridFile(file, "object"));
    expect(fams.map((f) => [f.name, f.pipeline])).toEqual([
      ["knn", "seed-knn"],
      ["deep", "seed-rf"],
    ]);
    expect(fams[0].grid).toEqual({ knn__n_neighbors: [1, 3] });
    expect(fams[1].grid).toEqual({ rf__max_depth: [null, 5], rf__n_estimators: [10] });
  });

  const bad = (families: unknown): unknown => ({ families });
  it.each([
    ["{not json", /grid file: not valid JSON/],
    [{ knn: {} }, /grid file: expected an object with "families"/],
    [{ families: {}, extra: 1 }, /grid file: unknown top-level key "extra"/],
    [bad({}), /grid file: no families/],
    [bad({ x: { pipeline: "seed-svm", grid: {} } }), /model family "x": unknown pipeline "seed-svm"; known pipelines:/],
    [bad({ x: { grid: {} } }), /model family "x": no "pipeline" given/],
    [bad({ knn: { pipeline: "seed-knn" } }), /model family "knn": no "grid" given/],
    [bad({ knn: { grid: {}, grdi: {} } }), /model family "knn": unknown key "grdi"/],
    [bad({ knn: { grid: { knn__k: [3] } } }), /model family "knn": KNeighborsClassifier: unknown parameter "k"/],
    [bad({ knn: { grid: { svm__C: [3] } } }), /model family "knn": unknown parameter "svm__C"/],
    [bad({ knn: { grid: { knn__n_neighbors: [] } } }), /model family "knn": parameter "knn__n_neighbors" has an empty/],
    [
      bad({ knn: { grid: { knn__n_neighbors: 3 } } }),
      /model family "knn": parameter "knn__n_neighbors" must have a list/,
    ],
    [bad({ knn: { grid: { knn__n_neighbors: [0] } } }), /model family "knn": .*"n_neighbors" must be an integer >= 1/],
    [
      bad({ knn: { grid: { knn__weights: ["uniform", "uniform"] } } }),
      /"knn__weights" lists the value "uniform" twice/,
    ],
    [bad({ knn: { grid: { knn__n_neighbors: [3, "3"] } } }), /"knn__n_neighbors" lists the value 3 twice/],
    [bad({ knn: { grid: { knn__n_neighbors: [[3]] } } }), /values must be numbers, strings, booleans or null/],
    [bad({ rf: { grid: { rf__n_estimators: [null] } } }), /model family "rf": .*"n_estimators" cannot be none/],
  ])("rejects %j", (input, message) => {
    expect(() => parseGridFile(input)).toThrow(HandgestureError);
    expect(() => parseGridFile(input)).toThrow(message);
  });
});
