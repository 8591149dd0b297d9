import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Matrix, matrix } from "../matrix.js";
import { Random } from "../random.js";
import { decodeTrees, encodeTrees } from "./forest.js";
import { type GrowOptions, growTrees, rankColumns, type TreeArrays } from "./tree.js";

const FULL: GrowOptions = {
  maxDepth: Number.POSITIVE_INFINITY,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  maxFeatures: 3,
  bootstrap: false,
};

function noisy(n: number, d: number, k: number, seed: number): { X: Matrix; y: Int32Array } {
  const rng = new Random(seed);
  const X = matrix(n, d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.int(k);
    for (let j = 0; j < d; j++) X.data[i * d + j] = Math.round((y[i] + 2 * rng.normal()) * 4) / 4;
  }
  return { X, y };
}

function depth(t: TreeArrays, r: number): number {
  return r < 0 ? 0 : 1 + Math.max(depth(t, t.left[r]), depth(t, t.right[r]));
}

/** How many training rows reach each internal node and each leaf. */
function counts(t: TreeArrays, X: Matrix): { internal: Int32Array; leaves: Int32Array } {
  const internal = new Int32Array(t.feature.length);
  const leaves = new Int32Array(t.leaf.length);
  for (let i = 0; i < X.rows; i++) {
    for (const root of t.roots) {
      let r = root;
      while (r >= 0) {
        internal[r]++;
        r = X.data[i * X.cols + t.feature[r]] <= t.threshold[r] ? t.left[r] : t.right[r];
      }
      leaves[~r]++;
    }
  }
  return { internal, leaves };
}

describe("growTrees", () => {
  const { X, y } = noisy(400, 5, 3, 1);

  it("respects max_depth", () => {
    for (const maxDepth of [1, 2, 5]) {
      const t = growTrees(X, y, 3, 4, { ...FULL, maxDepth }, new Random(0));
      for (const r of t.roots) expect(depth(t, r)).toBe(maxDepth);
    }
    const deep = growTrees(X, y, 3, 1, FULL, new Random(0));
    expect(depth(deep, deep.roots[0])).toBeGreaterThan(5);
  });

  it("respects min_samples_split and min_samples_leaf (rows counted without bootstrap)", () => {
    const split = growTrees(X, y, 3, 3, { ...FULL, minSamplesSplit: 30 }, new Random(1));
    expect(Math.min(...counts(split, X).internal)).toBeGreaterThanOrEqual(30);
    const leaf = growTrees(X, y, 3, 3, { ...FULL, minSamplesLeaf: 12 }, new Random(1));
    expect(Math.min(...counts(leaf, X).leaves)).toBeGreaterThanOrEqual(12);
  });

  it("grows pure leaves on separable rows and numbers nodes in preorder", () => {
    const t = growTrees(X, y, 3, 1, FULL, new Random(2));
    expect(t.dist.length).toBe(0);
    for (let r = 0; r < t.feature.length; r++) if (t.left[r] >= 0) expect(t.left[r]).toBe(r + 1);
  });

  it("draws different trees for different seeds, the same for the same seed", () => {
    const opt = { ...FULL, bootstrap: true };
    const a = growTrees(X, y, 3, 2, opt, new Random(5));
    expect(growTrees(X, y, 3, 2, opt, new Random(5))).toEqual(a);
    expect(growTrees(X, y, 3, 2, opt, new Random(6)).threshold).not.toEqual(a.threshold);
  });
});

describe("rankColumns", () => {
  it("ranks every column as a sort by value would, with -0 equal to 0", () => {
    const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1, -1, 1e-300));
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 40 }),
        (rows) => {
          const X = matrix(rows.length, 2, Float64Array.from(rows.flat()));
          const { rank, vals, valOff } = rankColumns(X);
          for (let f = 0; f < 2; f++) {
            const distinct = [...new Set(rows.map((r) => r[f] + 0))].sort((a, b) => a - b);
            expect(Array.from(vals.subarray(valOff[f], valOff[f + 1]))).toEqual(distinct);
            for (let i = 0; i < rows.length; i++)
              expect(rank[f * rows.length + i]).toBe(distinct.indexOf(rows[i][f] + 0));
          }
        },
      ),
    );
  });
});

describe("tree encoding", () => {
  it("round-trips trees with many classes and many features (wider integer fields)", () => {
    const { X, y } = noisy(300, 300, 3, 4);
    const yWide = Int32Array.from(y, (c, i) => (i % 2 ? 299 : c));
    const t = growTrees(X, yWide, 300, 3, { ...FULL, maxDepth: 4, maxFeatures: 20 }, new Random(0));
    const s = encodeTrees(t);
    expect([s.feature_bytes, s.leaf_bytes]).toEqual([2, 2]);
    expect(decodeTrees(JSON.parse(JSON.stringify(s)), 300, 300)).toEqual(t);
  });
});
