import { HandgestureError, NotFittedError } from "../errors.js";
import type { EstimatorJSON, Transformer } from "../estimator.js";
import type { Matrix } from "../matrix.js";
import { type ParamSpecs, type Params, type ParamValue, resolveParams } from "../params.js";
import { transformRows } from "./seed-normalizer.js";

/** Per-column (x - mean) / std, as scikit-learn's StandardScaler (population std; a constant column keeps scale 1). */
export class StandardScaler implements Transformer {
  static readonly specs: ParamSpecs = {};
  readonly type = "StandardScaler";
  private mean_: Float64Array | null = null;
  private invScale_: Float64Array | null = null;

  getParams(): Params {
    return {};
  }
  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    resolveParams(this.type, StandardScaler.specs, p);
    return this;
  }
  fit(X: Matrix): this {
    const { rows, cols, data } = X;
    if (rows === 0) throw new HandgestureError("StandardScaler: cannot fit on zero rows");
    const mean = new Float64Array(cols);
    const m2 = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
    for (let j = 0; j < cols; j++) mean[j] /= rows;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const d = data[i * cols + j] - mean[j];
        m2[j] += d * d;
      }
    }
    const inv = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      const std = Math.sqrt(m2[j] / rows);
      inv[j] = std > 1e-12 ? 1 / std : 1;
    }
    this.mean_ = mean;
    this.invScale_ = inv;
    return this;
  }
  outputDim(inputDim: number): number {
    const mean = this.fitted().mean;
    if (inputDim !== mean.length) {
      throw new HandgestureError(`StandardScaler was fitted on ${mean.length} columns, got ${inputDim}`);
    }
    return inputDim;
  }
  private fitted(): { mean: Float64Array; inv: Float64Array } {
    if (!this.mean_ || !this.invScale_) throw new NotFittedError(this.type);
    return { mean: this.mean_, inv: this.invScale_ };
  }
  transformRow(x: Float64Array, out: Float64Array): void {
    const mean = this.mean_!;
    const inv = this.invScale_!;
    for (let j = 0; j < mean.length; j++) out[j] = (x[j] - mean[j]) * inv[j];
  }
  transform(X: Matrix): Matrix {
    return transformRows(this, X);
  }
  toJSON(): EstimatorJSON {
    const { mean, inv } = this.fitted();
    return { type: this.type, params: {}, state: { mean: Array.from(mean), inv_scale: Array.from(inv) } };
  }
  static fromJSON(json: EstimatorJSON): StandardScaler {
    const s = new StandardScaler();
    const state = json.state as { mean?: number[]; inv_scale?: number[] } | null;
    if (!state || !Array.isArray(state.mean) || !Array.isArray(state.inv_scale)) {
      throw new HandgestureError("StandardScaler: model file has no fitted mean/scale");
    }
    s.mean_ = Float64Array.from(state.mean);
    s.invScale_ = Float64Array.from(state.inv_scale);
    return s;
  }
}
