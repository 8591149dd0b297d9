import { HandgestureError, ModelFormatError, NotFittedError } from "../errors.js";
import { BaseClassifier, checkFitInput, type EstimatorJSON } from "../estimator.js";
import type { Labels } from "../labels.js";
import type { Matrix } from "../matrix.js";
import { lbfgs, type Objective } from "../optim/lbfgs.js";
import { type ParamSpecs, type ParamValue, resolveParams } from "../params.js";

export type LogisticParams = {
  C: number;
  penalty: "l2" | "none";
  max_iter: number;
  tol: number;
  fit_intercept: boolean;
};

interface LogisticState {
  classes: string[];
  nFeatures: number;
  /** classes x features, row per class. */
  coef: number[][];
  intercept: number[];
  nIter: number;
  converged: boolean;
}

/**
 * The multinomial objective scikit-learn 1.2's lbfgs solver minimises, with its scaling:
 *   sum_i logloss_i + 0.5 * l2 * ||W||^2   (l2 = 1/C, or 0 without penalty; intercepts not penalised).
 * Same minimiser as C * sum_i logloss_i + 0.5 * ||W||^2, but this scaling makes `tol` (a bound on the gradient's
 * max-abs) mean what it means in scikit-learn. Parameters: one row per class, [w_1..w_d, b] (b only with an
 * intercept). Loss and gradient in one pass over the rows, softmax through a stable log-sum-exp.
 */
export function multinomialObjective(
  X: Matrix,
  codes: Int32Array,
  nClasses: number,
  l2: number,
  fitIntercept: boolean,
): Objective {
  const { rows: n, cols: d, data } = X;
  const stride = d + (fitIntercept ? 1 : 0);
  const z = new Float64Array(nClasses);
  // Loops unrolled by 4 (independent accumulators): this function is nearly all of the fit time.
  const d4 = d - (d % 4);
  return (w, g) => {
    g.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const xo = i * d;
      const yi = codes[i];
      let max = Number.NEGATIVE_INFINITY;
      let zy = 0;
      for (let k = 0; k < nClasses; k++) {
        const wo = k * stride;
        let s0 = fitIntercept ? w[wo + d] : 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let j = 0; j < d4; j += 4) {
          s0 += w[wo + j] * data[xo + j];
          s1 += w[wo + j + 1] * data[xo + j + 1];
          s2 += w[wo + j + 2] * data[xo + j + 2];
          s3 += w[wo + j + 3] * data[xo + j + 3];
        }
        for (let j = d4; j < d; j++) s0 += w[wo + j] * data[xo + j];
        const s = s0 + s1 + s2 + s3;
        z[k] = s;
        if (k === yi) zy = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let k = 0; k < nClasses; k++) {
        z[k] = Math.exp(z[k] - max);
        sum += z[k];
      }
      loss += max + Math.log(sum) - zy;
      const inv = 1 / sum;
      for (let k = 0; k < nClasses; k++) {
        const r = z[k] * inv - (k === yi ? 1 : 0); // d loss_i / d z_k
        const wo = k * stride;
        for (let j = 0; j < d4; j += 4) {
          g[wo + j] += r * data[xo + j];
          g[wo + j + 1] += r * data[xo + j + 1];
          g[wo + j + 2] += r * data[xo + j + 2];
          g[wo + j + 3] += r * data[xo + j + 3];
        }
        for (let j = d4; j < d; j++) g[wo + j] += r * data[xo + j];
        if (fitIntercept) g[wo + d] += r;
      }
    }
    if (l2 > 0) {
      for (let k = 0; k < nClasses; k++) {
        for (let j = 0; j < d; j++) {
          const v = w[k * stride + j];
          loss += 0.5 * l2 * v * v;
          g[k * stride + j] += l2 * v;
        }
      }
    }
    return loss;
  };
}

/**
 * Logistic regression with the softmax (multinomial) loss, fitted by L-BFGS from zero, like scikit-learn's
 * LogisticRegression(solver="lbfgs"). Features are used as given (no internal scaling, as scikit-learn).
 * With two classes scikit-learn fits a binary logistic model instead; a 2-class softmax with C/2 has exactly
 * that model's optimum (W = [-w/2, w/2] gives half the penalty), so we fit with C/2 and match it.
 */
export class LogisticRegression extends BaseClassifier {
  static readonly specs: ParamSpecs = {
    C: { type: "float", default: 1, min: Number.MIN_VALUE, help: "inverse of regularisation strength" },
    penalty: { type: "enum", values: ["l2", "none"], default: "l2", help: "l2 penalty on the weights, or none" },
    max_iter: { type: "int", default: 100, min: 1, help: "L-BFGS iteration limit" },
    tol: { type: "float", default: 1e-4, min: Number.MIN_VALUE, help: "stop when the gradient's max-abs is below" },
    fit_intercept: { type: "bool", default: true, help: "learn a bias per class" },
  };
  readonly type = "LogisticRegression";
  private params: LogisticParams;
  private coef: Float64Array | null = null; // classes x features
  private intercept = new Float64Array(0);
  private nFeatures = 0;
  /** L-BFGS iterations used by the last fit. */
  nIter = 0;
  /** Whether the last fit met a convergence test before max_iter (scikit-learn warns when not). */
  converged = false;

  constructor(params: Readonly<Record<string, ParamValue | undefined>> = {}) {
    super();
    this.params = resolveParams<LogisticParams>("LogisticRegression", LogisticRegression.specs, params);
  }

  getParams(): LogisticParams {
    return { ...this.params };
  }

  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    this.params = resolveParams<LogisticParams>(this.type, LogisticRegression.specs, p, this.params);
    return this;
  }

  fit(X: Matrix, y: Labels): this {
    checkFitInput(this.type, X, y);
    // Like scikit-learn, model only the classes present: an absent class's unpenalised bias would run off to -inf.
    const counts = new Int32Array(y.classes.length);
    for (const c of y.codes) counts[c]++;
    const present = y.classes.filter((_, c) => counts[c] > 0);
    if (present.length < 2) {
      throw new HandgestureError(
        `${this.type}: needs samples of at least 2 classes, got ${present.length}`,
        "INVALID_DATA",
      );
    }
    const remap = new Int32Array(y.classes.length);
    for (let c = 0, next = 0; c < remap.length; c++) remap[c] = counts[c] > 0 ? next++ : -1;
    const codes = y.codes.map((c) => remap[c]);
    const K = present.length;
    const d = X.cols;
    const { C, penalty, max_iter, tol, fit_intercept } = this.params;
    const l2 = penalty === "none" ? 0 : 1 / (K === 2 ? C / 2 : C);
    const fn = multinomialObjective(X, codes, K, l2, fit_intercept);
    const stride = d + (fit_intercept ? 1 : 0);
    const r = lbfgs(fn, new Float64Array(K * stride), { maxIter: max_iter, gtol: tol });
    if (!Number.isFinite(r.f))
      throw new HandgestureError(`${this.type}: the loss diverged (non-finite)`, "INVALID_DATA");
    this.coef = new Float64Array(K * d);
    this.intercept = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      this.coef.set(r.x.subarray(k * stride, k * stride + d), k * d);
      if (fit_intercept) this.intercept[k] = r.x[k * stride + d];
    }
    this.nFeatures = d;
    this.nIter = r.nIter;
    this.converged = r.converged;
    this.classes_ = present;
    return this;
  }

  predictProbaRow(x: Float64Array, out: Float64Array): void {
    const W = this.coef;
    if (!W) throw new NotFittedError(this.type);
    const d = this.nFeatures;
    if (x.length !== d) {
      throw new HandgestureError(`${this.type}: expected ${d} features, got ${x.length}`, "INVALID_DATA");
    }
    const K = this.intercept.length;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      let s = this.intercept[k];
      for (let j = 0; j < d; j++) s += W[k * d + j] * x[j];
      out[k] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) {
      out[k] = Math.exp(out[k] - max);
      sum += out[k];
    }
    for (let k = 0; k < K; k++) out[k] /= sum;
  }

  /** Weights, one row per class (copy). */
  get coefficients(): Matrix {
    if (!this.coef) throw new NotFittedError(this.type);
    return { rows: this.intercept.length, cols: this.nFeatures, data: this.coef.slice() };
  }

  get intercepts(): Float64Array {
    if (!this.coef) throw new NotFittedError(this.type);
    return this.intercept.slice();
  }

  toJSON(): EstimatorJSON {
    const W = this.coef;
    if (!W) throw new NotFittedError(this.type);
    const d = this.nFeatures;
    const state: LogisticState = {
      classes: [...this.classes],
      nFeatures: d,
      coef: Array.from(this.intercept, (_, k) => Array.from(W.subarray(k * d, (k + 1) * d))),
      intercept: Array.from(this.intercept),
      nIter: this.nIter,
      converged: this.converged,
    };
    return { type: this.type, params: this.getParams(), state };
  }

  static fromJSON(json: EstimatorJSON): LogisticRegression {
    if (json.type !== "LogisticRegression") {
      throw new ModelFormatError(`expected a LogisticRegression, got ${JSON.stringify(json.type)}`);
    }
    const m = new LogisticRegression(json.params);
    const s = json.state as Partial<LogisticState> | null;
    const K = s && Array.isArray(s.classes) ? s.classes.length : 0;
    const d = Number(s?.nFeatures);
    const ok =
      s &&
      K >= 2 &&
      Number.isInteger(d) &&
      Array.isArray(s.coef) &&
      Array.isArray(s.intercept) &&
      s.coef.length === K &&
      s.intercept.length === K &&
      s.coef.every((r) => Array.isArray(r) && r.length === d && r.every(Number.isFinite)) &&
      s.intercept.every(Number.isFinite);
    if (!ok || !s?.coef || !s.intercept || !s.classes) {
      throw new ModelFormatError(`LogisticRegression: state needs classes, coef (classes x features) and intercept`);
    }
    m.coef = Float64Array.from(s.coef.flat());
    m.intercept = Float64Array.from(s.intercept);
    m.nFeatures = d;
    m.nIter = Number(s.nIter ?? 0);
    m.converged = Boolean(s.converged);
    m.classes_ = [...s.classes];
    return m;
  }
}
