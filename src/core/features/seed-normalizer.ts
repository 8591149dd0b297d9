import { HandgestureError } from "../errors.js";
import type { EstimatorJSON, Transformer } from "../estimator.js";
import { HAND_DIM, MIDDLE_TIP, NUM_LANDMARKS, WRIST } from "../landmarks.js";
import { type Matrix, matrix } from "../matrix.js";
import { type ParamSpecs, type Params, type ParamValue, resolveParams } from "../params.js";

/**
 * The seed project's LandmarkNormalizer, exactly: x and y recentred on the wrist and divided by the
 * wrist-to-middle-finger-tip distance (in x, y); z untouched. 63 values in, 63 out, in the dataset's order.
 */
export class LandmarkNormalizer implements Transformer {
  static readonly specs: ParamSpecs = {};
  readonly type = "LandmarkNormalizer";

  getParams(): Params {
    return {};
  }
  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    resolveParams(this.type, LandmarkNormalizer.specs, p);
    return this;
  }
  fit(): this {
    return this;
  }
  outputDim(inputDim: number): number {
    checkHandDim(this.type, inputDim);
    return HAND_DIM;
  }
  transformRow(x: Float64Array, out: Float64Array): void {
    const wx = x[3 * WRIST];
    const wy = x[3 * WRIST + 1];
    const dx = x[3 * MIDDLE_TIP] - wx;
    const dy = x[3 * MIDDLE_TIP + 1] - wy;
    const d = Math.sqrt(dx * dx + dy * dy);
    // A degenerate hand (tip on the wrist) would divide by zero; zeros keep downstream models finite.
    const inv = d > 0 ? 1 / d : 0;
    for (let i = 0; i < NUM_LANDMARKS; i++) {
      out[3 * i] = (x[3 * i] - wx) * inv;
      out[3 * i + 1] = (x[3 * i + 1] - wy) * inv;
      out[3 * i + 2] = x[3 * i + 2];
    }
  }
  transform(X: Matrix): Matrix {
    return transformRows(this, X);
  }
  toJSON(): EstimatorJSON {
    return { type: this.type, params: {}, state: null };
  }
  static fromJSON(_json: EstimatorJSON): LandmarkNormalizer {
    return new LandmarkNormalizer();
  }
}

export function checkHandDim(owner: string, inputDim: number): void {
  if (inputDim !== HAND_DIM) {
    throw new HandgestureError(`${owner} expects ${HAND_DIM} landmark columns (x1..z21), got ${inputDim}`);
  }
}

/** Batch transform through the per-row path, so batch and live results are the same code. */
export function transformRows(t: Transformer, X: Matrix): Matrix {
  const d = t.outputDim(X.cols);
  const out = matrix(X.rows, d);
  for (let i = 0; i < X.rows; i++) {
    t.transformRow(X.data.subarray(i * X.cols, (i + 1) * X.cols), out.data.subarray(i * d, (i + 1) * d));
  }
  return out;
}
