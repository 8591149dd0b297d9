import { decodeBytes, encodeBytes } from "../base64.js";
import { HandgestureError, ModelFormatError, NotFittedError } from "../errors.js";
import { BaseClassifier, type EstimatorJSON } from "../estimator.js";
import type { Labels } from "../labels.js";
import { type Matrix, matrix, row } from "../matrix.js";
import { type ParamSpecs, type ParamValue, resolveParams } from "../params.js";
import { Random } from "../random.js";
import { type GrowOptions, growTrees, pruneTrees, type TreeArrays } from "./tree.js";

export type MaxFeatures = "sqrt" | "log2" | "all";

export type DecisionTreeParams = {
  max_depth: number | null;
  min_samples_split: number;
  min_samples_leaf: number;
  max_features: MaxFeatures;
  criterion: "gini";
  random_state: number;
};

export type RandomForestParams = DecisionTreeParams & { n_estimators: number; bootstrap: boolean };

const treeSpecs = (maxFeatures: MaxFeatures): ParamSpecs => ({
  max_depth: { type: "int", default: null, min: 1, nullable: true, help: "maximum tree depth (none: grow until pure)" },
  min_samples_split: { type: "int", default: 2, min: 2, help: "rows a node needs to be split" },
  min_samples_leaf: { type: "int", default: 1, min: 1, help: "rows each side of a split must keep" },
  max_features: {
    type: "enum",
    values: ["sqrt", "log2", "all"],
    default: maxFeatures,
    help: "features drawn at each split: sqrt or log2 of the feature count, or all",
  },
  criterion: { type: "enum", values: ["gini"], default: "gini", help: "split quality measure" },
  random_state: { type: "int", default: 0, help: "seed for bootstraps and feature draws" },
});

/** State in model files: the trees in the compact encoding below, plus class names and input width. */
type TreeModelState = TreeState & { classes: string[]; n_features: number };

/**
 * Shared by the single tree and the forest: fit grows trees with tree.ts, prediction averages the trees' leaf
 * class frequencies (scikit-learn's predict_proba: per-tree normalised values, summed, divided by the count).
 */
abstract class TreeModel<P extends DecisionTreeParams> extends BaseClassifier {
  protected params: P;
  protected trees: TreeArrays | null = null;
  /**
   * Not a hyperparameter: fit keeps each internal node's class distribution and row count, so that pruned() can
   * derive the trees of stricter max_depth / min_samples_split (grid search). Never written to model files.
   */
  keepNodeStats = false;

  constructor(
    owner: string,
    private readonly paramSpecs: ParamSpecs,
    params: Readonly<Record<string, ParamValue | undefined>>,
  ) {
    super();
    this.params = resolveParams<P>(owner, paramSpecs, params);
  }
  protected abstract nTrees(): number;
  protected abstract bootstrap(): boolean;

  getParams(): P {
    return { ...this.params };
  }

  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    this.params = resolveParams<P>(this.type, this.paramSpecs, p, this.params);
    return this;
  }

  fit(X: Matrix, y: Labels): this {
    const K = y.classes.length;
    const p = this.params;
    const F = X.cols;
    const opt: GrowOptions = {
      maxDepth: p.max_depth ?? Number.POSITIVE_INFINITY,
      minSamplesSplit: p.min_samples_split,
      minSamplesLeaf: p.min_samples_leaf,
      maxFeatures:
        p.max_features === "sqrt"
          ? Math.max(1, Math.floor(Math.sqrt(F)))
          : p.max_features === "log2"
            ? Math.max(1, Math.floor(Math.log2(F)))
            : F,
      bootstrap: this.bootstrap(),
      nodeStats: this.keepNodeStats,
    };
    this.trees = growTrees(X, y.codes, K, this.nTrees(), opt, new Random(p.random_state), this.type);
    this.classes_ = [...y.classes];
    return this;
  }

  predictProbaRow(x: Float64Array, out: Float64Array): void {
    const t = this.trees;
    if (!t) throw new NotFittedError(this.type);
    if (x.length !== t.nFeatures || out.length !== t.nClasses) {
      throw new HandgestureError(
        `${this.type}: expects ${t.nFeatures} features in and ${t.nClasses} probabilities out, got ${x.length} and ${out.length}`,
        "INVALID_DATA",
      );
    }
    out.fill(0);
    accumulateLeaves(t, x, out);
    const T = t.roots.length;
    for (let j = 0; j < out.length; j++) out[j] /= T;
  }

  /**
   * predictProba of the forests made of this one's first n trees, for each n in `counts`. Tree t of a forest comes
   * from the t-th fork of random_state whatever n_estimators is, and leaves are summed in tree order, so each is
   * the same bits as predictProba of a forest fitted with n_estimators = n (other params the same).
   */
  predictProbaPrefixes(X: Matrix, counts: readonly number[]): Matrix[] {
    const t = this.trees;
    if (!t) throw new NotFittedError(this.type);
    const T = t.roots.length;
    for (const n of counts) {
      if (!(Number.isInteger(n) && n >= 1 && n <= T)) {
        throw new HandgestureError(`${this.type}: a prefix of ${n} trees of ${T}`, "INVALID_DATA");
      }
    }
    if (X.cols !== t.nFeatures) {
      throw new HandgestureError(`${this.type}: expects ${t.nFeatures} features, got ${X.cols}`, "INVALID_DATA");
    }
    const K = t.nClasses;
    const ns = [...new Set(counts)].sort((a, b) => a - b);
    const byN = new Map(ns.map((n) => [n, matrix(X.rows, K)]));
    const sum = new Float64Array(K);
    for (let i = 0; i < X.rows; i++) {
      const x = row(X, i);
      sum.fill(0);
      let from = 0;
      for (const n of ns) {
        accumulateLeaves(t, x, sum, from, n);
        from = n;
        const o = (byN.get(n) as Matrix).data;
        for (let j = 0; j < K; j++) o[i * K + j] = sum[j] / n;
      }
    }
    return counts.map((n) => byN.get(n) as Matrix);
  }

  /**
   * The model that fitting with `limits` (a max_depth no larger, a min_samples_split no smaller; the other params
   * the same) on the same data would give, derived from this one, which must have been fitted with keepNodeStats.
   * The trees are identical to growing them with those limits, since a node's split depends only on its rows and
   * its place in the tree.
   */
  pruned(limits: { max_depth: number | null; min_samples_split: number }): this {
    const t = this.trees;
    if (!t) throw new NotFittedError(this.type);
    const out = new (this.constructor as new (p: Readonly<Record<string, ParamValue>>) => this)({
      ...this.params,
      ...limits,
    });
    const p = out.params;
    out.trees = pruneTrees(t, {
      maxDepth: p.max_depth ?? Number.POSITIVE_INFINITY,
      minSamplesSplit: p.min_samples_split,
    });
    out.classes_ = [...this.classes];
    return out;
  }

  /** Node and leaf counts, for reports. */
  get size(): { trees: number; nodes: number; leaves: number } {
    const t = this.trees;
    if (!t) throw new NotFittedError(this.type);
    return { trees: t.roots.length, nodes: t.feature.length + t.leaf.length, leaves: t.leaf.length };
  }

  toJSON(): EstimatorJSON {
    const t = this.trees;
    if (!t) throw new NotFittedError(this.type);
    const state: TreeModelState = { classes: [...this.classes], n_features: t.nFeatures, ...encodeTrees(t) };
    return { type: this.type, params: { ...this.params }, state };
  }

  protected load(json: EstimatorJSON): this {
    const s = json.state as Partial<TreeModelState> | null;
    if (!s || !Array.isArray(s.classes) || !s.classes.every((c) => typeof c === "string")) {
      throw new ModelFormatError(`${this.type}: state needs a list of class names`);
    }
    if (!Number.isInteger(s.n_features) || (s.n_features as number) < 0) {
      throw new ModelFormatError(`${this.type}: state needs n_features`);
    }
    this.trees = decodeTrees(s, s.n_features as number, s.classes.length);
    if (this.trees.roots.length !== this.nTrees()) {
      throw new ModelFormatError(`${this.type}: ${this.trees.roots.length} trees stored, ${this.nTrees()} expected`);
    }
    this.classes_ = [...s.classes];
    return this;
  }
}

/**
 * Adds the leaf distribution of each tree in [from, to) for row x into out (not cleared, not averaged). No
 * allocation. Walks four trees at once: their node loads are independent, so the CPU overlaps the cache misses.
 * Leaves are added in tree order, so sums are the same bits as one tree at a time.
 */
function accumulateLeaves(t: TreeArrays, x: Float64Array, out: Float64Array, from = 0, to = t.roots.length): void {
  const { roots, feature: f, threshold: th, left: l, right: r } = t;
  const T = to;
  let k = from;
  for (; k + 4 <= T; k += 4) {
    let a = roots[k];
    let b = roots[k + 1];
    let c = roots[k + 2];
    let d = roots[k + 3];
    // Until all four are leaves (negative): the bitwise and of the refs is negative only then.
    while ((a & b & c & d) >= 0) {
      if (a >= 0) a = x[f[a]] <= th[a] ? l[a] : r[a];
      if (b >= 0) b = x[f[b]] <= th[b] ? l[b] : r[b];
      if (c >= 0) c = x[f[c]] <= th[c] ? l[c] : r[c];
      if (d >= 0) d = x[f[d]] <= th[d] ? l[d] : r[d];
    }
    addLeaf(t, a, out);
    addLeaf(t, b, out);
    addLeaf(t, c, out);
    addLeaf(t, d, out);
  }
  for (; k < T; k++) {
    let a = roots[k];
    while (a >= 0) a = x[f[a]] <= th[a] ? l[a] : r[a];
    addLeaf(t, a, out);
  }
}

function addLeaf(t: TreeArrays, ref: number, out: Float64Array): void {
  const c = t.leaf[~ref];
  if (c >= 0) out[c] += 1;
  else for (let j = 0, o = ~c; j < t.nClasses; j++) out[j] += t.dist[o + j];
}

function checkType(json: EstimatorJSON, type: string): void {
  if (json?.type !== type) throw new ModelFormatError(`expected a ${type}, got ${json?.type}`);
}

/** One CART tree, scikit-learn's DecisionTreeClassifier (all features at each split by default, no bootstrap). */
export class DecisionTreeClassifier extends TreeModel<DecisionTreeParams> {
  static readonly specs: ParamSpecs = treeSpecs("all");
  readonly type = "DecisionTreeClassifier";

  constructor(params: Partial<DecisionTreeParams> = {}) {
    super("DecisionTreeClassifier", DecisionTreeClassifier.specs, params);
  }
  protected nTrees(): number {
    return 1;
  }
  protected bootstrap(): boolean {
    return false;
  }
  static fromJSON(json: EstimatorJSON): DecisionTreeClassifier {
    checkType(json, "DecisionTreeClassifier");
    return new DecisionTreeClassifier(json.params as Partial<DecisionTreeParams>).load(json);
  }
}

/**
 * scikit-learn's RandomForestClassifier: n_estimators CART trees, each on a bootstrap sample (when bootstrap) and
 * drawing max_features candidate features per split. Seeded by random_state: same params and data give the same
 * trees.
 */
export class RandomForestClassifier extends TreeModel<RandomForestParams> {
  static readonly specs: ParamSpecs = {
    n_estimators: { type: "int", default: 100, min: 1, help: "number of trees" },
    ...treeSpecs("sqrt"),
    bootstrap: { type: "bool", default: true, help: "grow each tree on a bootstrap sample of the rows" },
  };
  readonly type = "RandomForestClassifier";

  constructor(params: Partial<RandomForestParams> = {}) {
    super("RandomForestClassifier", RandomForestClassifier.specs, params);
  }
  protected nTrees(): number {
    return this.params.n_estimators;
  }
  protected bootstrap(): boolean {
    return this.params.bootstrap;
  }
  static fromJSON(json: EstimatorJSON): RandomForestClassifier {
    checkType(json, "RandomForestClassifier");
    return new RandomForestClassifier(json.params as Partial<RandomForestParams>).load(json);
  }
}

/**
 * Model-file form of TreeArrays: each tree's shape as preorder bits (1 internal, 0 leaf), then per internal node
 * its feature and exact float64 threshold, per leaf its class (nClasses marks an impure leaf whose frequencies
 * follow in `dist`). Little-endian base64, about 9 bytes per internal node and 1 per leaf.
 */
export interface TreeState {
  n_trees: number;
  n_internal: number;
  n_leaves: number;
  structure: string;
  feature_bytes: number;
  feature: string;
  threshold: string;
  leaf_bytes: number;
  leaf: string;
  dist: string;
}

const uintBytes = (max: number) => (max < 0x100 ? 1 : max < 0x10000 ? 2 : 4);

export function encodeTrees(t: TreeArrays): TreeState {
  const nI = t.feature.length;
  const nL = t.leaf.length;
  const K = t.nClasses;
  const fb = uintBytes(t.nFeatures);
  const lb = uintBytes(K);
  const bits = new Uint8Array(Math.ceil((nI + nL) / 8));
  const feat = new DataView(new ArrayBuffer(nI * fb));
  const thr = new DataView(new ArrayBuffer(nI * 8));
  const leaf = new DataView(new ArrayBuffer(nL * lb));
  const dist: number[] = [];
  const stack: number[] = [];
  let b = 0;
  let i = 0;
  let l = 0;
  for (let k = 0; k < t.roots.length; k++) {
    stack.push(t.roots[k]);
    while (stack.length > 0) {
      const r = stack.pop() as number;
      if (r >= 0) {
        bits[b >>> 3] |= 1 << (b & 7);
        setUint(feat, i * fb, fb, t.feature[r]);
        thr.setFloat64(8 * i++, t.threshold[r], true);
        stack.push(t.right[r], t.left[r]);
      } else {
        const c = t.leaf[~r];
        setUint(leaf, l++ * lb, lb, c >= 0 ? c : K);
        if (c < 0) for (let j = 0; j < K; j++) dist.push(t.dist[~c + j]);
      }
      b++;
    }
  }
  const d = new DataView(new ArrayBuffer(dist.length * 8));
  for (let j = 0; j < dist.length; j++) d.setFloat64(8 * j, dist[j], true);
  const b64 = (v: DataView) => encodeBytes(new Uint8Array(v.buffer));
  return {
    n_trees: t.roots.length,
    n_internal: nI,
    n_leaves: nL,
    structure: encodeBytes(bits),
    feature_bytes: fb,
    feature: b64(feat),
    threshold: b64(thr),
    leaf_bytes: lb,
    leaf: b64(leaf),
    dist: b64(d),
  };
}

/** Inverse of encodeTrees; any inconsistency is a ModelFormatError. */
export function decodeTrees(state: unknown, nFeatures: number, nClasses: number): TreeArrays {
  const s = state as Partial<TreeState> | null;
  const bad = (what: string) => new ModelFormatError(`tree model: ${what}`);
  if (!s || typeof s !== "object") throw bad("missing trees");
  const { n_trees: nT, n_internal: nI, n_leaves: nL } = s;
  for (const [k, v] of Object.entries({ n_trees: nT, n_internal: nI, n_leaves: nL })) {
    if (!Number.isInteger(v) || (v as number) < 0) throw bad(`${k} must be a non-negative integer`);
  }
  const view = (key: keyof TreeState, bytes: number) => {
    const v = s[key];
    if (typeof v !== "string") throw bad(`${key} is missing`);
    const u = fromBase64(v, key);
    if (u.length !== bytes) throw bad(`${key} has ${u.length} bytes, expected ${bytes}`);
    return new DataView(u.buffer, u.byteOffset, u.byteLength);
  };
  const K = nClasses;
  const fb = uintBytes(nFeatures);
  const lb = uintBytes(K);
  if (s.feature_bytes !== fb || s.leaf_bytes !== lb) throw bad("feature_bytes / leaf_bytes do not match the shapes");
  const [T, I, L] = [nT as number, nI as number, nL as number];
  if (L !== I + T) throw bad(`${T} binary trees with ${I} internal nodes must have ${I + T} leaves, not ${L}`);
  const bits = view("structure", Math.ceil((I + L) / 8));
  const feat = view("feature", I * fb);
  const thr = view("threshold", I * 8);
  const leafV = view("leaf", L * lb);
  const distV = s.dist;
  if (typeof distV !== "string") throw bad("dist is missing");
  const distB = fromBase64(distV, "dist");
  const distD = new DataView(distB.buffer, distB.byteOffset, distB.byteLength);
  const out: TreeArrays = {
    nFeatures,
    nClasses,
    roots: new Int32Array(T),
    feature: new Int32Array(I),
    threshold: new Float64Array(I),
    left: new Int32Array(I),
    right: new Int32Array(I),
    leaf: new Int32Array(L),
    dist: new Float64Array(distB.length / 8),
  };
  if (distB.length % (8 * Math.max(1, K)) !== 0) throw bad("dist is not whole class distributions");
  for (let j = 0; j < out.dist.length; j++) out.dist[j] = distD.getFloat64(8 * j, true);
  // Rebuild children from the preorder shape: a node is the left child of the top pending node if that one has
  // no left child yet, else its right child (which completes the top node).
  const stack = new Int32Array(I + 1);
  const hasLeft = new Uint8Array(I);
  let sp = 0;
  let i = 0;
  let l = 0;
  let nd = 0;
  let t = 0;
  for (let b = 0; b < I + L; b++) {
    const internal = (bits.getUint8(b >>> 3) >>> (b & 7)) & 1;
    let ref: number;
    if (internal) {
      if (i >= I) throw bad("more internal nodes in structure than n_internal");
      const f = getUint(feat, i * fb, fb);
      if (f >= nFeatures) throw bad(`node uses feature ${f} of ${nFeatures}`);
      out.feature[i] = f;
      out.threshold[i] = thr.getFloat64(8 * i, true);
      ref = i++;
    } else {
      if (l >= L) throw bad("more leaves in structure than n_leaves");
      const c = getUint(leafV, l * lb, lb);
      if (c > K) throw bad(`leaf class ${c} of ${K}`);
      if (c === K) {
        if (nd + K > out.dist.length) throw bad("dist is shorter than the impure leaves need");
        out.leaf[l] = ~nd;
        nd += K;
      } else out.leaf[l] = c;
      ref = ~l++;
    }
    if (sp === 0) {
      if (t >= T) throw bad("structure holds more trees than n_trees");
      out.roots[t++] = ref;
    } else {
      const p = stack[sp - 1];
      if (hasLeft[p]) {
        out.right[p] = ref;
        sp--;
      } else {
        out.left[p] = ref;
        hasLeft[p] = 1;
      }
    }
    if (internal) stack[sp++] = ref;
  }
  if (t !== T || sp !== 0 || i !== I || l !== L || nd !== out.dist.length) throw bad("structure is incomplete");
  return out;
}

function setUint(v: DataView, at: number, bytes: number, x: number): void {
  if (bytes === 1) v.setUint8(at, x);
  else if (bytes === 2) v.setUint16(at, x, true);
  else v.setUint32(at, x, true);
}

function getUint(v: DataView, at: number, bytes: number): number {
  return bytes === 1 ? v.getUint8(at) : bytes === 2 ? v.getUint16(at, true) : v.getUint32(at, true);
}

function fromBase64(s: string, what: string): Uint8Array {
  try {
    return decodeBytes(s);
  } catch (e) {
    throw new ModelFormatError(`tree model: ${what}: ${(e as Error).message}`);
  }
}
