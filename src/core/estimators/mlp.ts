import { BaseClassifier, type EstimatorJSON } from "../estimator.js";
import { HandgestureError } from "../errors.js";
import type { Labels } from "../labels.js";
import type { Matrix } from "../matrix.js";
import { type ParamSpecs, type Params, type ParamValue, resolveParams } from "../params.js";
import { Random } from "../random.js";

export interface MLPParams extends Params {
  hidden_units: number;
  hidden_layers: number;
  alpha: number;
  learning_rate_init: number;
  batch_size: number;
  max_iter: number;
  tol: number;
  n_iter_no_change: number;
  random_state: number;
}

interface Layer {
  nIn: number;
  nOut: number;
  /** nIn x nOut, row-major: w[i * nOut + j] connects input i to output j. */
  w: Float64Array;
  b: Float64Array;
}

/**
 * A multi-layer perceptron (ReLU hidden layers, softmax output) trained with Adam on mini-batches, as
 * scikit-learn's MLPClassifier with solver "adam": same loss (mean log-loss + alpha/2 * ||W||^2 / batch),
 * Glorot-uniform initialisation, and stopping when the training loss has not improved by `tol` for
 * `n_iter_no_change` epochs. Small and fast at prediction: a few dense layers of typed arrays.
 */
export class MLPClassifier extends BaseClassifier {
  static readonly specs: ParamSpecs = {
    hidden_units: { type: "int", default: 128, min: 1, max: 4096, help: "units per hidden layer" },
    hidden_layers: { type: "int", default: 1, min: 1, max: 4, help: "number of hidden layers" },
    alpha: { type: "float", default: 1e-3, min: 0, help: "L2 penalty" },
    learning_rate_init: { type: "float", default: 1e-3, min: 1e-9, max: 1, help: "Adam step size" },
    batch_size: { type: "int", default: 200, min: 1, help: "rows per mini-batch" },
    max_iter: { type: "int", default: 200, min: 1, help: "maximum epochs" },
    tol: { type: "float", default: 1e-4, min: 0, help: "minimum loss improvement that counts" },
    n_iter_no_change: { type: "int", default: 10, min: 1, help: "epochs without improvement before stopping" },
    random_state: { type: "int", default: 0, help: "seed for initialisation and shuffling" },
  };
  readonly type = "MLPClassifier";
  private params: MLPParams;
  private layers: Layer[] = [];
  /** Per-layer activations for one row (predictProbaRow scratch). */
  private scratch: Float64Array[] = [];
  nIter = 0;
  lossCurve: number[] = [];

  constructor(params: Partial<MLPParams> = {}) {
    super();
    this.params = resolveParams(this.type, MLPClassifier.specs, params);
  }
  getParams(): Params {
    return { ...this.params };
  }
  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    this.params = resolveParams(this.type, MLPClassifier.specs, p, this.params);
    return this;
  }

  fit(X: Matrix, y: Labels): this {
    const p = this.params;
    const n = X.rows;
    const K = y.classes.length;
    if (n === 0) throw new HandgestureError("MLPClassifier: cannot fit on zero rows");
    if (K < 2) throw new HandgestureError(`MLPClassifier needs at least 2 classes, got ${K}`);
    const rng = new Random(p.random_state);
    const sizes = [X.cols, ...Array<number>(p.hidden_layers).fill(p.hidden_units), K];
    this.layers = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      const bound = Math.sqrt(6 / (nIn + nOut));
      const w = new Float64Array(nIn * nOut);
      const b = new Float64Array(nOut);
      for (let i = 0; i < w.length; i++) w[i] = (2 * rng.next() - 1) * bound;
      for (let i = 0; i < b.length; i++) b[i] = (2 * rng.next() - 1) * bound;
      this.layers.push({ nIn, nOut, w, b });
    }
    const L = this.layers.length;
    const B = Math.min(p.batch_size, n);
    // Activations and deltas per layer for a whole batch, plus Adam moments: allocated once per fit.
    const acts = sizes.map((s) => new Float64Array(B * s));
    const deltas = sizes.map((s) => new Float64Array(B * s));
    const gw = this.layers.map((ly) => new Float64Array(ly.w.length));
    const gb = this.layers.map((ly) => new Float64Array(ly.b.length));
    const mw = this.layers.map((ly) => new Float64Array(ly.w.length));
    const vw = this.layers.map((ly) => new Float64Array(ly.w.length));
    const mb = this.layers.map((ly) => new Float64Array(ly.b.length));
    const vb = this.layers.map((ly) => new Float64Array(ly.b.length));
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const beta1 = 0.9;
    const beta2 = 0.999;
    const eps = 1e-8;
    let t = 0;
    let best = Number.POSITIVE_INFINITY;
    let noImprove = 0;
    this.lossCurve = [];
    for (let epoch = 0; epoch < p.max_iter; epoch++) {
      rng.shuffle(order);
      let lossSum = 0;
      for (let start = 0; start < n; start += B) {
        const bs = Math.min(B, n - start);
        const x0 = acts[0];
        for (let r = 0; r < bs; r++) {
          const src = order[start + r] * X.cols;
          x0.set(X.data.subarray(src, src + X.cols), r * X.cols);
        }
        this.forward(acts, bs);
        // Output delta of softmax + log-loss: p - onehot, averaged over the batch.
        const out = acts[L];
        const dOut = deltas[L];
        let batchLoss = 0;
        for (let r = 0; r < bs; r++) {
          const c = y.codes[order[start + r]];
          batchLoss -= Math.log(Math.max(out[r * K + c], 1e-300));
          for (let j = 0; j < K; j++) dOut[r * K + j] = (out[r * K + j] - (j === c ? 1 : 0)) / bs;
        }
        let sq = 0;
        for (const ly of this.layers) for (let i = 0; i < ly.w.length; i++) sq += ly.w[i] * ly.w[i];
        lossSum += batchLoss + 0.5 * p.alpha * sq;
        this.backward(acts, deltas, gw, gb, bs, p.alpha / bs);
        t++;
        const lrT = (p.learning_rate_init * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
        for (let l = 0; l < L; l++) {
          adam(this.layers[l].w, gw[l], mw[l], vw[l], lrT, beta1, beta2, eps);
          adam(this.layers[l].b, gb[l], mb[l], vb[l], lrT, beta1, beta2, eps);
        }
      }
      const loss = lossSum / n;
      this.lossCurve.push(loss);
      this.nIter = epoch + 1;
      if (loss > best - p.tol) {
        if (++noImprove >= p.n_iter_no_change) break;
      } else {
        noImprove = 0;
      }
      if (loss < best) best = loss;
    }
    this.classes_ = y.classes;
    this.allocScratch();
    return this;
  }

  /** acts[0] holds the batch input; fills acts[1..L] (ReLU hidden, softmax output). */
  private forward(acts: Float64Array[], bs: number): void {
    const L = this.layers.length;
    for (let l = 0; l < L; l++) {
      const { nIn, nOut, w, b } = this.layers[l];
      const a = acts[l];
      const z = acts[l + 1];
      for (let r = 0; r < bs; r++) {
        const zo = r * nOut;
        for (let j = 0; j < nOut; j++) z[zo + j] = b[j];
        const ao = r * nIn;
        for (let i = 0; i < nIn; i++) {
          const v = a[ao + i];
          if (v === 0) continue; // ReLU zeros are common: skip their row of weights
          const wo = i * nOut;
          for (let j = 0; j < nOut; j++) z[zo + j] += v * w[wo + j];
        }
        if (l < L - 1) {
          for (let j = 0; j < nOut; j++) if (z[zo + j] < 0) z[zo + j] = 0;
        } else {
          softmaxInPlace(z, zo, nOut);
        }
      }
    }
  }

  private backward(
    acts: Float64Array[],
    deltas: Float64Array[],
    gw: Float64Array[],
    gb: Float64Array[],
    bs: number,
    l2: number,
  ): void {
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const { nIn, nOut, w } = this.layers[l];
      const a = acts[l];
      const d = deltas[l + 1];
      const g = gw[l];
      const gbl = gb[l];
      for (let i = 0; i < g.length; i++) g[i] = l2 * w[i];
      gbl.fill(0);
      for (let r = 0; r < bs; r++) {
        const ro = r * nOut;
        for (let j = 0; j < nOut; j++) gbl[j] += d[ro + j];
        const ao = r * nIn;
        for (let i = 0; i < nIn; i++) {
          const v = a[ao + i];
          if (v === 0) continue;
          const wo = i * nOut;
          for (let j = 0; j < nOut; j++) g[wo + j] += v * d[ro + j];
        }
      }
      if (l === 0) break;
      // Delta of the layer below: (d W^T) masked by ReLU's derivative.
      const dPrev = deltas[l];
      for (let r = 0; r < bs; r++) {
        const ro = r * nOut;
        const ao = r * nIn;
        for (let i = 0; i < nIn; i++) {
          if (a[ao + i] <= 0) {
            dPrev[ao + i] = 0;
            continue;
          }
          const wo = i * nOut;
          let s = 0;
          for (let j = 0; j < nOut; j++) s += w[wo + j] * d[ro + j];
          dPrev[ao + i] = s;
        }
      }
    }
  }

  private allocScratch(): void {
    this.scratch = this.layers.map((ly) => new Float64Array(ly.nOut));
  }

  predictProbaRow(x: Float64Array, out: Float64Array): void {
    const L = this.layers.length;
    if (L === 0) this.classes; // throws NotFittedError
    let a: Float64Array = x;
    for (let l = 0; l < L; l++) {
      const { nIn, nOut, w, b } = this.layers[l];
      const z = l === L - 1 ? out : this.scratch[l];
      for (let j = 0; j < nOut; j++) z[j] = b[j];
      for (let i = 0; i < nIn; i++) {
        const v = a[i];
        if (v === 0) continue;
        const wo = i * nOut;
        for (let j = 0; j < nOut; j++) z[j] += v * w[wo + j];
      }
      if (l < L - 1) {
        for (let j = 0; j < nOut; j++) if (z[j] < 0) z[j] = 0;
      } else {
        softmaxInPlace(z, 0, nOut);
      }
      a = z;
    }
  }

  toJSON(): EstimatorJSON {
    const classes = this.classes;
    return {
      type: this.type,
      params: this.getParams(),
      state: {
        classes,
        n_iter: this.nIter,
        layers: this.layers.map((ly) => ({ n_in: ly.nIn, n_out: ly.nOut, w: Array.from(ly.w), b: Array.from(ly.b) })),
      },
    };
  }

  static fromJSON(json: EstimatorJSON): MLPClassifier {
    const m = new MLPClassifier(json.params as Partial<MLPParams>);
    const s = json.state as {
      classes: string[];
      n_iter: number;
      layers: { n_in: number; n_out: number; w: number[]; b: number[] }[];
    };
    if (!s || !Array.isArray(s.classes) || !Array.isArray(s.layers) || s.layers.length === 0) {
      throw new HandgestureError("MLPClassifier: model file has no fitted layers");
    }
    m.layers = s.layers.map((ly) => {
      if (ly.w.length !== ly.n_in * ly.n_out || ly.b.length !== ly.n_out) {
        throw new HandgestureError("MLPClassifier: a layer's weights do not match its shape");
      }
      return { nIn: ly.n_in, nOut: ly.n_out, w: Float64Array.from(ly.w), b: Float64Array.from(ly.b) };
    });
    m.classes_ = s.classes;
    m.nIter = s.n_iter;
    m.allocScratch();
    return m;
  }
}

function softmaxInPlace(z: Float64Array, off: number, k: number): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < k; j++) if (z[off + j] > max) max = z[off + j];
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const e = Math.exp(z[off + j] - max);
    z[off + j] = e;
    sum += e;
  }
  for (let j = 0; j < k; j++) z[off + j] /= sum;
}

function adam(
  param: Float64Array,
  grad: Float64Array,
  m: Float64Array,
  v: Float64Array,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
): void {
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    param[i] -= (lr * m[i]) / (Math.sqrt(v[i]) + eps);
  }
}
