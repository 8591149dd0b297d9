import { HandgestureError } from "../errors.js";
import type { Matrix } from "../matrix.js";
import type { Random } from "../random.js";

/**
 * CART trees with the gini criterion, grown as scikit-learn's BestSplitter does (best split over a random subset of
 * features, thresholds midway between adjacent distinct values, depth-first), stored flat in typed arrays.
 *
 * Speed comes from ranking every feature once per fit: a node then sorts small integer ranks (radix sort) instead
 * of doubles, and the gini scan updates sums of squares in O(1) per sample.
 *
 * A node's feature draws come from its own generator, seeded by a hash chain from the tree's seed along the path
 * from the root (left / right at each level), not from one stream shared by the tree. So a node's split depends
 * only on its rows and its place in the tree: a tree grown with a stricter max_depth or min_samples_split is the
 * fully grown tree cut where the limit stops it, and pruneTrees derives it from a tree grown with `nodeStats`.
 */

/** Values closer than this are one value, as scikit-learn's FEATURE_THRESHOLD (no split between them). */
const FEATURE_THRESHOLD = 1e-7;
/** Nodes up to this size sort by insertion; bigger ones by LSD radix on their rank range. */
const INSERTION_MAX = 40;

export interface GrowOptions {
  /** Infinity for unlimited. */
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features drawn per node (already resolved from "sqrt" / "log2" / "all"). */
  maxFeatures: number;
  bootstrap: boolean;
  /** Keep each internal node's class distribution and row count (TreeArrays.nodeStats), for pruneTrees. */
  nodeStats?: boolean;
}

/**
 * What pruneTrees needs of a grown tree set: the limits it was grown with and, per internal node, the class
 * weights normalised as an impure leaf stores them (nClasses each) and the rows it holds (bootstrap duplicates
 * once, as min_samples_split counts them).
 */
export interface NodeStats {
  maxDepth: number;
  minSamplesSplit: number;
  dist: Float64Array;
  size: Int32Array;
}

/**
 * Trees stored flat. Internal nodes (preorder, all trees concatenated): `feature`, `threshold`, `left`, `right`.
 * A child or root reference r >= 0 is an internal node; r < 0 is the leaf ~r. A leaf holds a class code when pure,
 * else ~offset of its K normalised class frequencies in `dist`.
 */
export interface TreeArrays {
  nFeatures: number;
  nClasses: number;
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  leaf: Int32Array;
  dist: Float64Array;
  /** Only when grown with GrowOptions.nodeStats (never in model files). */
  nodeStats?: NodeStats;
}

/**
 * Grows `nTrees` trees on X (rows x features) and class codes y in [0, nClasses), one Random fork per tree (its
 * bootstrap, then the seed of its nodes' generators), so the first n trees do not depend on nTrees.
 */
export function growTrees(
  X: Matrix,
  y: Int32Array,
  nClasses: number,
  nTrees: number,
  opt: GrowOptions,
  rng: Random,
  owner = "tree",
): TreeArrays {
  const { rows: n, cols: F, data } = X;
  const fail = (msg: string) => new HandgestureError(`${owner}: ${msg}`, "INVALID_DATA");
  if (n === 0 || F === 0) throw fail(`cannot fit on ${n} rows x ${F} columns`);
  if (y.length !== n) throw fail(`X has ${n} rows but y has ${y.length} labels`);
  for (let i = 0; i < n; i++) {
    if (!(y[i] >= 0 && y[i] < nClasses)) throw fail(`class code ${y[i]} outside 0..${nClasses - 1}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw fail(`non-finite value in X at row ${Math.floor(i / F)}, column ${i % F}`);
  }
  const g = new Grower(X, y, nClasses, opt, nTrees);
  for (let t = 0; t < nTrees; t++) g.grow(rng.fork(), t);
  return g.result();
}

/**
 * The trees that growing with a stricter maxDepth / minSamplesSplit (the same other options, data and seed) would
 * give, derived from trees grown with `nodeStats`: each internal node the limit stops becomes a leaf holding its
 * class distribution, and nodes are renumbered in preorder as the grower numbers them. The result has no nodeStats.
 */
export function pruneTrees(t: TreeArrays, limits: { maxDepth: number; minSamplesSplit: number }): TreeArrays {
  const st = t.nodeStats;
  if (!st) throw new HandgestureError("pruneTrees needs trees grown with nodeStats", "INTERNAL_ERROR");
  const { maxDepth, minSamplesSplit } = limits;
  if (!(maxDepth <= st.maxDepth && minSamplesSplit >= st.minSamplesSplit)) {
    throw new HandgestureError(
      `cannot derive max_depth ${maxDepth}, min_samples_split ${minSamplesSplit} from trees grown with ` +
        `${st.maxDepth}, ${st.minSamplesSplit}`,
      "INTERNAL_ERROR",
    );
  }
  const K = t.nClasses;
  const nI = t.feature.length;
  const nL = t.leaf.length;
  const out: TreeArrays = {
    nFeatures: t.nFeatures,
    nClasses: K,
    roots: new Int32Array(t.roots.length),
    feature: new Int32Array(nI),
    threshold: new Float64Array(nI),
    left: new Int32Array(nI),
    right: new Int32Array(nI),
    leaf: new Int32Array(nL + nI),
    dist: new Float64Array(t.dist.length + nI * K),
  };
  let nInt = 0;
  let nLeaf = 0;
  let nDist = 0;
  // Preorder, as the grower: node ref, depth, new parent, side.
  const stack: number[] = [];
  for (let k = 0; k < t.roots.length; k++) {
    stack.push(t.roots[k], 0, -1, 0);
    while (stack.length > 0) {
      const side = stack.pop() as number;
      const parent = stack.pop() as number;
      const depth = stack.pop() as number;
      const r = stack.pop() as number;
      let ref: number;
      if (r >= 0 && depth < maxDepth && st.size[r] >= minSamplesSplit) {
        ref = nInt++;
        out.feature[ref] = t.feature[r];
        out.threshold[ref] = t.threshold[r];
        stack.push(t.right[r], depth + 1, ref, 1, t.left[r], depth + 1, ref, 0);
      } else {
        // A cut internal node is never pure (a pure node is not split).
        const from = r >= 0 ? r * K : ~t.leaf[~r];
        const src = r >= 0 ? st.dist : t.dist;
        if (r < 0 && t.leaf[~r] >= 0) out.leaf[nLeaf] = t.leaf[~r];
        else {
          out.dist.set(src.subarray(from, from + K), nDist);
          out.leaf[nLeaf] = ~nDist;
          nDist += K;
        }
        ref = ~nLeaf++;
      }
      if (parent < 0) out.roots[k] = ref;
      else if (side === 0) out.left[parent] = ref;
      else out.right[parent] = ref;
    }
  }
  return {
    ...out,
    feature: out.feature.slice(0, nInt),
    threshold: out.threshold.slice(0, nInt),
    left: out.left.slice(0, nInt),
    right: out.right.slice(0, nInt),
    leaf: out.leaf.slice(0, nLeaf),
    dist: out.dist.slice(0, nDist),
  };
}

class Grower {
  private readonly n: number;
  private readonly F: number;
  private readonly K: number;
  /** rank[f * n + i]: index of row i's value among feature f's sorted distinct values vals[valOff[f] ...]. */
  private readonly rank: Int32Array;
  private readonly vals: Float64Array;
  private readonly valOff: Int32Array;
  private readonly w: Int32Array;
  /** The rows of the tree being grown, each node a contiguous range; `cw` packs class | weight << cBits. */
  private readonly samples: Int32Array;
  private readonly cw: Int32Array;
  private readonly cBits: number;
  private readonly rankBits: number;
  /** Bits of cw in this tree (class and largest bootstrap weight); sort keys are rank << cwBits | cw. */
  private cwBits = 0;
  private readonly features: Int32Array;
  // Sort keys, double-buffered for the radix passes (one int per row: moving pairs cost a quarter more).
  private readonly keyA: Int32Array;
  private readonly keyB: Int32Array;
  private readonly hist = new Int32Array(1 << 11);
  private readonly tot: Float64Array;
  private readonly cntL: Float64Array;
  // Depth-first stack: start, end, depth, parent internal node, side (0 left, 1 right), node seed.
  private readonly stack: Int32Array;
  // Result of bestSplit (a double from the start so the object's shape never changes).
  private bestF = -1;
  private bestThr = Number.NaN;
  // The forest so far, grown in place (capacity doubles; refs are global from the start).
  private readonly out: TreeArrays;
  private nInt = 0;
  private nLeaf = 0;
  private nDist = 0;
  // Per internal node, when opt.nodeStats: normalised class weights (K each) and row count.
  private statDist: Float64Array;
  private statSize: Int32Array;

  constructor(
    X: Matrix,
    private readonly y: Int32Array,
    nClasses: number,
    private readonly opt: GrowOptions,
    nTrees: number,
  ) {
    const { rows: n, cols: F } = X;
    this.n = n;
    this.F = F;
    this.K = nClasses;
    ({ rank: this.rank, vals: this.vals, valOff: this.valOff } = rankColumns(X));
    this.cBits = bitLength(nClasses - 1);
    let most = 0;
    for (let f = 0; f < F; f++) most = Math.max(most, this.valOff[f + 1] - this.valOff[f]);
    this.rankBits = bitLength(most - 1);
    this.w = new Int32Array(n);
    this.samples = new Int32Array(n);
    this.cw = new Int32Array(n);
    this.features = Int32Array.from({ length: F }, (_, f) => f);
    this.keyA = new Int32Array(n);
    this.keyB = new Int32Array(n);
    this.tot = new Float64Array(nClasses);
    this.cntL = new Float64Array(nClasses);
    this.stack = new Int32Array(STACK * (n + 1));
    const cap = 64;
    this.out = {
      nFeatures: F,
      nClasses,
      roots: new Int32Array(nTrees),
      feature: new Int32Array(cap),
      threshold: new Float64Array(cap),
      left: new Int32Array(cap),
      right: new Int32Array(cap),
      leaf: new Int32Array(cap),
      dist: new Float64Array(nClasses * 4),
    };
    this.statDist = new Float64Array(opt.nodeStats ? cap * nClasses : 0);
    this.statSize = new Int32Array(opt.nodeStats ? cap : 0);
  }

  result(): TreeArrays {
    const o = this.out;
    const [i, l] = [this.nInt, this.nLeaf];
    const t: TreeArrays = {
      ...o,
      feature: o.feature.slice(0, i),
      threshold: o.threshold.slice(0, i),
      left: o.left.slice(0, i),
      right: o.right.slice(0, i),
      leaf: o.leaf.slice(0, l),
      dist: o.dist.slice(0, this.nDist),
    };
    if (this.opt.nodeStats) {
      t.nodeStats = {
        maxDepth: this.opt.maxDepth,
        minSamplesSplit: this.opt.minSamplesSplit,
        dist: this.statDist.slice(0, i * this.K),
        size: this.statSize.slice(0, i),
      };
    }
    return t;
  }

  /** Makes room for a tree on m rows (< m internal nodes, <= m leaves). */
  private reserve(m: number): void {
    const o = this.out;
    if (this.nLeaf + m > o.leaf.length) {
      const cap = Math.max(2 * o.leaf.length, this.nLeaf + m);
      o.feature = grow(o.feature, cap);
      o.threshold = grow(o.threshold, cap);
      o.left = grow(o.left, cap);
      o.right = grow(o.right, cap);
      o.leaf = grow(o.leaf, cap);
      if (this.opt.nodeStats) {
        this.statDist = grow(this.statDist, cap * this.K);
        this.statSize = grow(this.statSize, cap);
      }
    }
  }

  grow(rng: Random, tree: number): void {
    const { n, K, cBits, w, samples, cw, y, tot, opt, stack, out } = this;
    // Bootstrap as weights (a row drawn twice counts twice in the gini sums, once in min_samples_*).
    w.fill(opt.bootstrap ? 0 : 1);
    if (opt.bootstrap) for (let i = 0; i < n; i++) w[rng.int(n)]++;
    let m = 0;
    let maxW = 0;
    for (let i = 0; i < n; i++) {
      if (w[i] > 0) {
        samples[m] = i;
        cw[m++] = y[i] | (w[i] << cBits);
        if (w[i] > maxW) maxW = w[i];
      }
    }
    this.cwBits = cBits + bitLength(maxW);
    if (this.rankBits + this.cwBits > 31) {
      throw new HandgestureError(
        `too many distinct values or classes for 32-bit sort keys (${n} rows)`,
        "INVALID_DATA",
      );
    }
    this.reserve(m);
    const cMask = (1 << cBits) - 1;
    const seed = Math.floor(rng.next() * 4294967296);
    let sp = push(stack, 0, 0, m, 0, -1, 0, fmix32(seed));
    while (sp > 0) {
      sp -= STACK;
      const start = stack[sp];
      const end = stack[sp + 1];
      const depth = stack[sp + 2];
      const parent = stack[sp + 3];
      const side = stack[sp + 4];
      const key = stack[sp + 5];
      const size = end - start;
      tot.fill(0);
      let W = 0;
      for (let j = start; j < end; j++) {
        const v = cw[j];
        tot[v & cMask] += v >>> cBits;
        W += v >>> cBits;
      }
      let nz = 0;
      let only = 0;
      for (let c = 0; c < K; c++) {
        if (tot[c] > 0) {
          nz++;
          only = c;
        }
      }
      let split = -1;
      if (depth < opt.maxDepth && size >= opt.minSamplesSplit && size >= 2 * opt.minSamplesLeaf && nz > 1) {
        split = this.bestSplit(start, end, W, key);
      }
      let ref: number;
      if (split < 0) {
        // Leaf: a pure one stores its class; otherwise the normalised class weights, as scikit-learn's value.
        if (nz === 1) out.leaf[this.nLeaf] = only;
        else {
          if (this.nDist + K > out.dist.length) out.dist = grow(out.dist, 2 * out.dist.length + K);
          for (let c = 0; c < K; c++) out.dist[this.nDist + c] = tot[c] / W;
          out.leaf[this.nLeaf] = ~this.nDist;
          this.nDist += K;
        }
        ref = ~this.nLeaf++;
      } else {
        ref = this.nInt++;
        out.feature[ref] = this.bestF;
        out.threshold[ref] = this.bestThr;
        if (opt.nodeStats) {
          for (let c = 0; c < K; c++) this.statDist[ref * K + c] = tot[c] / W;
          this.statSize[ref] = size;
        }
        // Right pushed first so the left subtree comes out next: nodes are numbered in preorder.
        sp = push(stack, sp, split, end, depth + 1, ref, 1, childSeed(key, 1));
        sp = push(stack, sp, start, split, depth + 1, ref, 0, childSeed(key, 0));
      }
      if (parent < 0) out.roots[tree] = ref;
      else if (side === 0) out.left[parent] = ref;
      else out.right[parent] = ref;
    }
  }

  /**
   * Best gini split of samples[start, end) over features drawn by the node's generator (mulberry32, as Random,
   * seeded with `seed`); partitions the samples and returns the first index of the right child, or -1 when no
   * feature splits. Constant features are drawn but, as in scikit-learn, drawing continues until at least one
   * non-constant feature was seen.
   */
  private bestSplit(start: number, end: number, W: number, seed: number): number {
    const { n, F, K, cBits, cwBits, rank, vals, valOff, samples, cw, features, tot, cntL, opt, keyA } = this;
    const cMask = (1 << cBits) - 1;
    const wMask = (1 << (cwBits - cBits)) - 1;
    const m = end - start;
    const msl = opt.minSamplesLeaf;
    let sqTot = 0;
    for (let c = 0; c < K; c++) sqTot += tot[c] * tot[c];
    // Gini proxy as scikit-learn's: maximise sum_l^2/w_l + sum_r^2/w_r (sums of squared class weights).
    let best = Number.NEGATIVE_INFINITY;
    let bestF = -1;
    let bestLo = 0;
    let bestHi = 0;
    let drawn = 0;
    let visited = 0;
    let constants = 0;
    // Draws start from the identity each node, so they depend on the seed alone.
    for (let f = 0; f < F; f++) features[f] = f;
    let state = seed;
    while (drawn < F && (visited < opt.maxFeatures || visited <= constants)) {
      state = (state + 0x6d2b79f5) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 15), z | 1);
      z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
      const j = drawn + Math.floor((((z ^ (z >>> 14)) >>> 0) / 4294967296) * (F - drawn));
      const f = features[j];
      features[j] = features[drawn];
      features[drawn++] = f;
      visited++;
      const ro = f * n;
      const vo = valOff[f];
      let lo = 0x7fffffff;
      let hi = -1;
      for (let k = 0; k < m; k++) {
        const r = rank[ro + samples[start + k]];
        keyA[k] = (r << cwBits) | cw[start + k];
        if (r < lo) lo = r;
        if (r > hi) hi = r;
      }
      if (vals[vo + hi] <= vals[vo + lo] + FEATURE_THRESHOLD) {
        constants++;
        continue;
      }
      const key = this.sortKeys(m, lo, hi - lo);
      cntL.fill(0);
      let wL = 0;
      let sqL = 0;
      let sqR = sqTot;
      const last = m - msl;
      for (let k = 0; k < last; k++) {
        const v = key[k];
        const c = v & cMask;
        const ws = (v >>> cBits) & wMask;
        const l = cntL[c];
        sqL += ws * (2 * l + ws);
        sqR -= ws * (2 * (tot[c] - l) - ws);
        cntL[c] = l + ws;
        wL += ws;
        const ka = v >>> cwBits;
        const kb = key[k + 1] >>> cwBits;
        if (ka === kb) continue;
        const proxy = sqL / wL + sqR / (W - wL);
        // The value-gap test reads a large array, so it runs only for a would-be best.
        if (proxy > best && k + 1 >= msl && vals[vo + kb] > vals[vo + ka] + FEATURE_THRESHOLD) {
          best = proxy;
          bestF = f;
          bestLo = ka;
          bestHi = kb;
        }
      }
    }
    if (bestF < 0) return -1;
    const vo = valOff[bestF];
    const a = vals[vo + bestLo];
    const b = vals[vo + bestHi];
    const t = a / 2 + b / 2;
    this.bestF = bestF;
    this.bestThr = t >= b ? a : t;
    // Stable partition (samples and their packed class/weight together): ranks <= bestLo go left. Keeping rows in
    // increasing order makes the rank gathers at the children walk memory forwards.
    const ro = bestF * n;
    const tmpS = this.keyA;
    const tmpC = this.keyB;
    let i = start;
    let r = 0;
    for (let k = start; k < end; k++) {
      const s = samples[k];
      if (rank[ro + s] <= bestLo) {
        samples[i] = s;
        cw[i++] = cw[k];
      } else {
        tmpS[r] = s;
        tmpC[r++] = cw[k];
      }
    }
    samples.set(tmpS.subarray(0, r), i);
    cw.set(tmpC.subarray(0, r), i);
    return i;
  }

  /** Sorts keyA[0, m) by rank (key >>> cwBits, in [base, base + range]), stably; returns keyA or keyB. */
  private sortKeys(m: number, base: number, range: number): Int32Array {
    const sh = this.cwBits;
    let sk = this.keyA;
    if (m <= INSERTION_MAX) {
      for (let i = 1; i < m; i++) {
        const k = sk[i];
        const r = k >>> sh;
        let j = i - 1;
        while (j >= 0 && sk[j] >>> sh > r) {
          sk[j + 1] = sk[j];
          j--;
        }
        sk[j + 1] = k;
      }
      return sk;
    }
    // LSD radix on rank - base with digits of at most 11 bits (histograms stay in L1).
    const bits = bitLength(range);
    const passes = Math.ceil(bits / 11);
    const d = Math.ceil(bits / passes);
    const mask = (1 << d) - 1;
    const hist = this.hist;
    let dk = this.keyB;
    for (let p = 0, shift = 0; p < passes; p++, shift += d) {
      hist.fill(0, 0, mask + 1);
      for (let i = 0; i < m; i++) hist[(((sk[i] >>> sh) - base) >>> shift) & mask]++;
      for (let b = 0, acc = 0; b <= mask; b++) {
        const h = hist[b];
        hist[b] = acc;
        acc += h;
      }
      for (let i = 0; i < m; i++) {
        const k = sk[i];
        dk[hist[(((k >>> sh) - base) >>> shift) & mask]++] = k;
      }
      const t = sk;
      sk = dk;
      dk = t;
    }
    return sk;
  }
}

const bitLength = (x: number) => 32 - Math.clz32(x);

/**
 * Ranks every column once: rank[f * n + i] is the index of X[i, f] among column f's sorted distinct values,
 * stored at vals[valOff[f] ...]. Sorting is an LSD radix over the doubles' bits made order-preserving as uint32
 * pairs (sign flipped for positives, all bits flipped for negatives): exact, and no comparator calls.
 */
export function rankColumns(X: Matrix): { rank: Int32Array; vals: Float64Array; valOff: Int32Array } {
  const { rows: n, cols: F, data } = X;
  const rank = new Int32Array(n * F);
  const valOff = new Int32Array(F + 1);
  const distinct = new Float64Array(n * F);
  const col = new Float64Array(n);
  const words = new Uint32Array(col.buffer);
  const le = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  const keyHi = new Uint32Array(n);
  const keyLo = new Uint32Array(n);
  let ids = new Int32Array(n);
  let tmp = new Int32Array(n);
  const hist = new Int32Array(1 << 11);
  let u = 0;
  for (let f = 0; f < F; f++) {
    for (let i = 0; i < n; i++) {
      col[i] = data[i * F + f];
      const hi = words[2 * i + (le ? 1 : 0)];
      const lo = words[2 * i + (le ? 0 : 1)];
      const neg = hi >>> 31 === 1;
      keyHi[i] = neg ? ~hi >>> 0 : (hi ^ 0x80000000) >>> 0;
      keyLo[i] = neg ? ~lo >>> 0 : lo;
      ids[i] = i;
    }
    for (let p = 0; p < 6; p++) {
      const key = p < 3 ? keyLo : keyHi;
      const shift = (p % 3) * 11;
      hist.fill(0);
      for (let i = 0; i < n; i++) hist[(key[ids[i]] >>> shift) & 0x7ff]++;
      for (let b = 0, acc = 0; b < hist.length; b++) {
        const h = hist[b];
        hist[b] = acc;
        acc += h;
      }
      for (let i = 0; i < n; i++) {
        const id = ids[i];
        tmp[hist[(key[id] >>> shift) & 0x7ff]++] = id;
      }
      const t = ids;
      ids = tmp;
      tmp = t;
    }
    const first = u;
    for (let i = 0; i < n; i++) {
      const v = col[ids[i]];
      if (u === first || v !== distinct[u - 1]) distinct[u++] = v + 0; // + 0 turns -0 into 0
      rank[f * n + ids[i]] = u - 1 - first;
    }
    valOff[f + 1] = u;
  }
  return { rank, vals: distinct.slice(0, u), valOff };
}

/** Ints per entry of the grower's stack. */
const STACK = 6;

function push(st: Int32Array, sp: number, a: number, b: number, c: number, d: number, e: number, f: number): number {
  st[sp] = a;
  st[sp + 1] = b;
  st[sp + 2] = c;
  st[sp + 3] = d;
  st[sp + 4] = e;
  st[sp + 5] = f;
  return sp + STACK;
}

/** murmur3's 32-bit finaliser: a bijection that mixes every input bit into every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The seed of a node's left (side 0) or right (side 1) child: one link of the hash chain from the root. */
function childSeed(seed: number, side: number): number {
  return fmix32((Math.imul(seed, 0x9e3779b1) + side + 1) | 0);
}

function grow<T extends Int32Array | Float64Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
