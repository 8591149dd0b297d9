import { decodeFloat64, decodeInt32, encodeFloat64, encodeInt32 } from "../base64.js";
import { HandgestureError, ModelFormatError, NotFittedError } from "../errors.js";
import { BaseClassifier, checkFitInput, type EstimatorJSON } from "../estimator.js";
import type { Labels } from "../labels.js";
import type { Matrix } from "../matrix.js";
import { type ParamSpecs, type ParamValue, resolveParams } from "../params.js";

export type KNNParams = {
  n_neighbors: number;
  weights: "uniform" | "distance";
  metric: "euclidean" | "manhattan";
};

interface KNNState {
  classes: string[];
  nSamples: number;
  nFeatures: number;
  /** Training matrix, row-major, base64 of little-endian float64. */
  X: string;
  /** Class codes of the training rows, base64 of little-endian int32. */
  y: string;
}

/**
 * Class probabilities from one row's k nearest neighbours (sorted, `dist` holding true distances), as
 * scikit-learn: uniform = vote fractions; distance = weights 1/d, except that when some neighbours are at
 * distance 0 only those count. Exported so a grid search can reuse one neighbour search across k and weights.
 */
export function neighborProba(
  codes: Int32Array,
  idx: ArrayLike<number>,
  dist: ArrayLike<number>,
  offset: number,
  k: number,
  weights: KNNParams["weights"],
  out: Float64Array,
): void {
  out.fill(0);
  if (weights === "uniform") {
    for (let t = offset; t < offset + k; t++) out[codes[idx[t]]] += 1;
    for (let c = 0; c < out.length; c++) out[c] /= k;
    return;
  }
  let zero = false;
  for (let t = offset; t < offset + k; t++) if (dist[t] === 0) zero = true;
  let total = 0;
  for (let t = offset; t < offset + k; t++) {
    const w = zero ? (dist[t] === 0 ? 1 : 0) : 1 / dist[t];
    out[codes[idx[t]]] += w;
    total += w;
  }
  if (total > 0) for (let c = 0; c < out.length; c++) out[c] /= total;
}

/**
 * Exact k-nearest-neighbours classifier (scikit-learn's KNeighborsClassifier, brute-force semantics).
 *
 * Speed without approximation: at fit the rows are sorted by their projection on the data's first principal
 * direction p (|p.a - p.b| <= ||a - b||_2, and <= max|p_j| ||a - b||_1), so a query scans outward from its own projection and
 * stops once the projection gap exceeds the current k-th distance; features are stored in decreasing-variance
 * order so a partial distance passes the k-th best, and is abandoned, after few terms. Ties are broken by the
 * original training index, so results equal a plain scan's.
 */
export class KNeighborsClassifier extends BaseClassifier {
  static readonly specs: ParamSpecs = {
    n_neighbors: { type: "int", default: 5, min: 1, help: "number of neighbours that vote" },
    weights: {
      type: "enum",
      values: ["uniform", "distance"],
      default: "uniform",
      help: "uniform votes, or votes weighted by 1/distance",
    },
    metric: {
      type: "enum",
      values: ["euclidean", "manhattan"],
      default: "euclidean",
      help: "distance between feature vectors",
    },
  };
  readonly type = "KNeighborsClassifier";
  private params: KNNParams;
  private codes: Int32Array | null = null; // by original row
  private nSamples = 0;
  private nFeatures = 0;
  // The search index (see the class comment).
  private Xs = new Float64Array(0); // rows sorted by projection, features permuted
  private order = new Int32Array(0); // sorted position -> original row
  private proj = new Float64Array(0); // sorted projections
  private perm = new Int32Array(0); // stored feature j is input feature perm[j]
  private dir = new Float64Array(0); // unit projection direction, in stored feature order
  private scale = 0; // max |projection|, for the rounding margin
  private dirInf = 1; // max |dir_j|: |dir.(a - b)| <= dirInf * ||a - b||_1, a tighter bound for manhattan
  // Scratch, so that predictProbaRow allocates nothing.
  private q = new Float64Array(0);
  private bestD = new Float64Array(0);
  private bestI = new Int32Array(0);

  constructor(params: Readonly<Record<string, ParamValue | undefined>> = {}) {
    super();
    this.params = resolveParams<KNNParams>("KNeighborsClassifier", KNeighborsClassifier.specs, params);
  }

  getParams(): KNNParams {
    return { ...this.params };
  }

  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    this.params = resolveParams<KNNParams>(this.type, KNeighborsClassifier.specs, p, this.params);
    return this;
  }

  fit(X: Matrix, y: Labels): this {
    checkFitInput(this.type, X, y);
    for (let i = 0; i < X.data.length; i++) {
      if (!Number.isFinite(X.data[i])) {
        throw new HandgestureError(
          `${this.type}: non-finite value in X at row ${Math.floor(i / X.cols)}`,
          "INVALID_DATA",
        );
      }
    }
    this.build(X.data, X.rows, X.cols);
    this.codes = Int32Array.from(y.codes);
    this.classes_ = [...y.classes];
    return this;
  }

  private build(data: Float64Array, n: number, d: number): void {
    this.nSamples = n;
    this.nFeatures = d;
    const mean = new Float64Array(d);
    const vari = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j] / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) vari[j] += (data[i * d + j] - mean[j]) ** 2;
    const perm = Int32Array.from({ length: d }, (_, j) => j).sort((a, b) => vari[b] - vari[a] || a - b);
    // First principal direction by a few power iterations; any unit vector keeps the search exact, a good one
    // makes it fast.
    let dir = Float64Array.from(vari, Math.sqrt);
    const next = new Float64Array(d);
    for (let it = 0; it < 8; it++) {
      next.fill(0);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (data[i * d + j] - mean[j]) * dir[j];
        for (let j = 0; j < d; j++) next[j] += s * (data[i * d + j] - mean[j]);
      }
      const norm = Math.hypot(...next);
      if (!(norm > 0)) break;
      dir = Float64Array.from(next, (v) => v / norm);
    }
    const dnorm = Math.hypot(...dir);
    this.dir =
      dnorm > 0 ? Float64Array.from(perm, (j) => dir[j] / dnorm) : Float64Array.from(perm, (_, j) => +(j === 0));
    const raw = new Float64Array(n);
    const Xp = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = data[i * d + perm[j]];
        Xp[i * d + j] = v;
        s += v * this.dir[j];
      }
      raw[i] = s;
    }
    this.order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => raw[a] - raw[b] || a - b);
    this.Xs = new Float64Array(n * d);
    this.proj = new Float64Array(n);
    this.scale = 0;
    for (let t = 0; t < n; t++) {
      const i = this.order[t];
      this.Xs.set(Xp.subarray(i * d, (i + 1) * d), t * d);
      this.proj[t] = raw[i];
      this.scale = Math.max(this.scale, Math.abs(raw[i]));
    }
    this.perm = perm;
    this.dirInf = this.dir.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    this.q = new Float64Array(d);
  }

  private checkK(k: number): void {
    if (k > this.nSamples) {
      throw new HandgestureError(
        `${this.type}: parameter "n_neighbors" is ${k} but only ${this.nSamples} training rows were fitted`,
      );
    }
  }

  /** The k nearest training rows of x, nearest first, written at `offset` into idx and dist (true distances). */
  private search(x: Float64Array, k: number, idx: Int32Array, dist: Float64Array, offset: number): void {
    const { Xs, order, proj, perm, dir, q } = this;
    const n = this.nSamples;
    const d = this.nFeatures;
    const manhattan = this.params.metric === "manhattan";
    if (x.length !== d) {
      throw new HandgestureError(`${this.type}: expected ${d} features, got ${x.length}`, "INVALID_DATA");
    }
    let pq = 0;
    for (let j = 0; j < d; j++) {
      q[j] = x[perm[j]];
      pq += q[j] * dir[j];
    }
    if (!Number.isFinite(pq)) throw new HandgestureError(`${this.type}: non-finite feature value`, "INVALID_DATA");
    let hi = 0; // first sorted position with proj >= pq
    for (let top = n; hi < top; ) {
      const mid = (hi + top) >>> 1;
      if (proj[mid] < pq) hi = mid + 1;
      else top = mid;
    }
    let lo = hi - 1;
    const last = offset + k - 1;
    const margin = 1e-9 * (this.scale + Math.abs(pq));
    let filled = 0;
    let worst = Number.POSITIVE_INFINITY; // k-th best distance so far (squared for euclidean)
    let radius = Number.POSITIVE_INFINITY; // projection gap beyond which no row can beat `worst`
    for (;;) {
      const gl = lo >= 0 ? pq - proj[lo] : Number.POSITIVE_INFINITY;
      const gh = hi < n ? proj[hi] - pq : Number.POSITIVE_INFINITY;
      let t: number;
      if (gl <= gh) {
        if (gl > radius || lo < 0) break;
        t = lo--;
      } else {
        if (gh > radius) break;
        t = hi++;
      }
      const base = t * d;
      let s = 0;
      let j = 0;
      // Check the bound every 4 terms: the largest-variance features come first.
      if (manhattan) {
        while (j < d && s <= worst)
          for (const end = Math.min(j + 4, d); j < end; j++) s += Math.abs(Xs[base + j] - q[j]);
      } else {
        while (j < d && s <= worst) {
          for (const end = Math.min(j + 4, d); j < end; j++) {
            const u = Xs[base + j] - q[j];
            s += u * u;
          }
        }
      }
      if (s > worst) continue;
      const o = order[t];
      if (s === worst && o > idx[last]) continue; // equal distance: the lower training index wins
      let p = filled < k ? offset + filled++ : last;
      while (p > offset && (dist[p - 1] > s || (dist[p - 1] === s && idx[p - 1] > o))) {
        dist[p] = dist[p - 1];
        idx[p] = idx[p - 1];
        p--;
      }
      dist[p] = s;
      idx[p] = o;
      if (filled === k) {
        worst = dist[last];
        radius = (manhattan ? worst * this.dirInf : Math.sqrt(worst)) + margin;
      }
    }
    if (!manhattan) for (let t = offset; t <= last; t++) dist[t] = Math.sqrt(dist[t]);
  }

  predictProbaRow(x: Float64Array, out: Float64Array): void {
    if (!this.codes) throw new NotFittedError(this.type);
    const k = this.params.n_neighbors;
    this.checkK(k);
    if (this.bestD.length !== k) {
      this.bestD = new Float64Array(k);
      this.bestI = new Int32Array(k);
    }
    this.search(x, k, this.bestI, this.bestD, 0);
    neighborProba(this.codes, this.bestI, this.bestD, 0, k, this.params.weights, out);
  }

  /** Indices (into the training rows) and distances of each row's k nearest neighbours, rows x k, nearest first. */
  kneighbors(X: Matrix, k: number = this.params.n_neighbors): { indices: Int32Array; distances: Float64Array } {
    if (!this.codes) throw new NotFittedError(this.type);
    if (!Number.isInteger(k) || k < 1) throw new HandgestureError(`${this.type}: k must be an integer >= 1, got ${k}`);
    this.checkK(k);
    const indices = new Int32Array(X.rows * k);
    const distances = new Float64Array(X.rows * k);
    for (let i = 0; i < X.rows; i++) {
      this.search(X.data.subarray(i * X.cols, (i + 1) * X.cols), k, indices, distances, i * k);
    }
    return { indices, distances };
  }

  /** Training class codes by original row (to pair with kneighbors and neighborProba). */
  get trainingCodes(): Int32Array {
    if (!this.codes) throw new NotFittedError(this.type);
    return this.codes;
  }

  /** The training matrix in its original row and column order. */
  private trainingData(): Float64Array {
    const { nSamples: n, nFeatures: d, Xs, order, perm } = this;
    const out = new Float64Array(n * d);
    for (let t = 0; t < n; t++) for (let j = 0; j < d; j++) out[order[t] * d + perm[j]] = Xs[t * d + j];
    return out;
  }

  toJSON(): EstimatorJSON {
    if (!this.codes) throw new NotFittedError(this.type);
    const state: KNNState = {
      classes: [...this.classes],
      nSamples: this.nSamples,
      nFeatures: this.nFeatures,
      X: encodeFloat64(this.trainingData()),
      y: encodeInt32(this.codes),
    };
    return { type: this.type, params: this.getParams(), state };
  }

  static fromJSON(json: EstimatorJSON): KNeighborsClassifier {
    if (json.type !== "KNeighborsClassifier") {
      throw new ModelFormatError(`expected a KNeighborsClassifier, got ${JSON.stringify(json.type)}`);
    }
    const m = new KNeighborsClassifier(json.params);
    const s = json.state as Partial<KNNState> | null;
    if (!s || !Array.isArray(s.classes) || typeof s.X !== "string" || typeof s.y !== "string") {
      throw new ModelFormatError("KNeighborsClassifier: state needs classes, X and y");
    }
    const X = decodeFloat64(s.X);
    const codes = decodeInt32(s.y);
    const n = Number(s.nSamples);
    const d = Number(s.nFeatures);
    const nc = s.classes.length;
    if (!(n > 0) || X.length !== n * d || codes.length !== n || codes.some((c) => c < 0 || c >= nc)) {
      throw new ModelFormatError(`KNeighborsClassifier: state sizes do not agree (${n} rows x ${d} features)`);
    }
    m.build(X, n, d);
    m.codes = codes;
    m.classes_ = [...s.classes];
    return m;
  }
}
