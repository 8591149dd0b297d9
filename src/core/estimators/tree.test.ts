import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadSeed } from "../../../test/data.js";
import { DEV_CSV, hasShared } from "../../../test/shared.js";
import { type Matrix, matrix } from "../matrix.js";
import { Random } from "../random.js";
import { decodeTrees, encodeTrees } from "./forest.js";
import { type GrowOptions, growTrees, pruneTrees, rankColumns, type TreeArrays } from "./tree.js";

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

/**
 * Trees grown once with node stats, then pruned to each (maxDepth, minSamplesSplit) stricter than `grown`'s,
 * must equal trees grown with those limits directly, array for array.
 */
function expectPruningEqualsGrowing(
  X: Matrix,
  y: Int32Array,
  K: number,
  nTrees: number,
  opt: GrowOptions,
  depths: number[],
  splits: number[],
  seed: number,
): void {
  const full = growTrees(X, y, K, nTrees, { ...opt, nodeStats: true }, new Random(seed));
  let cut = 0;
  for (const maxDepth of depths) {
    for (const minSamplesSplit of splits) {
      const direct = growTrees(X, y, K, nTrees, { ...opt, maxDepth, minSamplesSplit }, new Random(seed));
      const derived = pruneTrees(full, { maxDepth, minSamplesSplit });
      expect(derived, `maxDepth ${maxDepth}, minSamplesSplit ${minSamplesSplit}`).toStrictEqual(direct);
      if (direct.feature.length < full.feature.length) cut++;
    }
  }
  // The limits did cut (the test compares more than copies of the full trees).
  expect(cut).toBeGreaterThan(0);
}

describe("pruneTrees", () => {
  it("derives exactly the trees grown with a stricter max_depth / min_samples_split, on random data", () => {
    const depths = [1, 2, 3, 5, 8, Number.POSITIVE_INFINITY];
    const splits = [2, 3, 5, 17, 60];
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          k: fc.integer({ min: 2, max: 5 }),
          maxFeatures: fc.integer({ min: 1, max: 5 }),
          minSamplesLeaf: fc.integer({ min: 1, max: 4 }),
          bootstrap: fc.boolean(),
        }),
        ({ seed, k, maxFeatures, minSamplesLeaf, bootstrap }) => {
          const { X, y } = noisy(250, 5, k, seed);
          const opt = { ...FULL, maxFeatures, minSamplesLeaf, bootstrap };
          expectPruningEqualsGrowing(X, y, k, 3, opt, depths, splits, seed);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("derives from trees that were themselves grown with limits, and refuses looser limits", () => {
    const { X, y } = noisy(400, 5, 3, 8);
    const opt = { ...FULL, maxDepth: 9, minSamplesSplit: 4, bootstrap: true };
    expectPruningEqualsGrowing(X, y, 3, 4, opt, [2, 6, 9], [4, 5, 40], 3);
    const grown = growTrees(X, y, 3, 2, { ...opt, nodeStats: true }, new Random(0));
    expect(() => pruneTrees(grown, { maxDepth: 10, minSamplesSplit: 4 })).toThrow(/cannot derive max_depth 10/);
    expect(() => pruneTrees(grown, { maxDepth: 9, minSamplesSplit: 3 })).toThrow(/min_samples_split 3/);
    expect(() => pruneTrees(growTrees(X, y, 3, 1, opt, new Random(0)), opt)).toThrow(/nodeStats/);
  });

  it("node stats change neither the trees nor their model-file form", () => {
    const { X, y } = noisy(300, 5, 3, 2);
    const opt = { ...FULL, bootstrap: true };
    const plain = growTrees(X, y, 3, 3, opt, new Random(4));
    const withStats = growTrees(X, y, 3, 3, { ...opt, nodeStats: true }, new Random(4));
    expect(plain.nodeStats).toBeUndefined();
    expect(Object.keys(plain)).not.toContain("nodeStats");
    const { nodeStats, ...trees } = withStats;
    expect(trees).toStrictEqual(plain);
    expect(nodeStats?.size.length).toBe(plain.feature.length);
    expect(nodeStats?.dist.length).toBe(3 * plain.feature.length);
    expect(encodeTrees(withStats)).toEqual(encodeTrees(plain));
  });
});

describe.skipIf(!hasShared("data", "hagrid_sample_dev.csv"))("pruneTrees on the HaGRID dev sample", () => {
  it("derives exactly the trees grown with the seed grid's max_depth and min_samples_split (and more)", () => {
    const { X, y } = loadSeed(DEV_CSV);
    const K = y.classes.length;
    const opt = { ...FULL, maxFeatures: 7, bootstrap: true };
    expectPruningEqualsGrowing(X, y.codes, K, 12, opt, [3, 6, 10, 20, Number.POSITIVE_INFINITY], [2, 5, 9], 42);
    const noBootstrap = { ...FULL, maxFeatures: 63, minSamplesLeaf: 2 };
    expectPruningEqualsGrowing(X, y.codes, K, 2, noBootstrap, [4, 10, Number.POSITIVE_INFINITY], [2, 5, 11], 7);
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
