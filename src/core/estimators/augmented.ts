import { type AugmentOptions, augmentRows } from "../augment.js";
import { HandgestureError } from "../errors.js";
import type { Classifier, Estimator, EstimatorJSON } from "../estimator.js";
import { BaseClassifier } from "../estimator.js";
import type { Labels } from "../labels.js";
import type { Matrix } from "../matrix.js";
import { type ParamSpecs, type Params, type ParamValue, resolveParams } from "../params.js";

export interface AugmentParams extends Params {
  copies: number;
  rotate_deg: number;
  stretch: number;
  jitter: number;
  z_scale: number;
  random_state: number;
}

/**
 * Fits its inner classifier on the training rows plus augmented copies (augment.ts); predicts through it
 * unchanged. It sits first in a pipeline, on raw landmarks, so the turn is in the image plane; inside
 * cross-validation only the training folds are augmented, so no copy of a test hand leaks into training.
 * Parameters are its own (`copies`, ...) beside the inner classifier's under `inner__`.
 */
export class AugmentedClassifier extends BaseClassifier {
  static readonly specs: ParamSpecs = {
    copies: { type: "int", default: 4, min: 0, max: 64, help: "augmented copies of each training row" },
    rotate_deg: { type: "float", default: 20, min: 0, max: 90, help: "largest turn in the image plane, degrees" },
    stretch: { type: "float", default: 0.1, min: 0, max: 0.5, help: "largest relative stretch of x against y" },
    jitter: { type: "float", default: 0.03, min: 0, max: 0.5, help: "landmark noise, in palm sizes" },
    z_scale: { type: "float", default: 2, min: 1, max: 10, help: "depth scaled by a factor in [1/z_scale, z_scale]" },
    random_state: { type: "int", default: 0, help: "seed of the augmentation" },
  };
  readonly type = "AugmentedClassifier";
  readonly inner: Classifier;
  private params: AugmentParams;

  constructor(inner: Classifier, params: Partial<AugmentParams> = {}) {
    super();
    this.inner = inner;
    this.params = resolveParams(this.type, AugmentedClassifier.specs, params);
  }

  getParams(): Params {
    const out: Params = { ...this.params };
    for (const [k, v] of Object.entries(this.inner.getParams())) out[`inner__${k}`] = v;
    return out;
  }

  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this {
    const own: Record<string, ParamValue | undefined> = {};
    const inner: Record<string, ParamValue | undefined> = {};
    for (const [k, v] of Object.entries(p)) {
      if (k.startsWith("inner__")) inner[k.slice(7)] = v;
      else own[k] = v;
    }
    this.params = resolveParams(this.type, AugmentedClassifier.specs, own, this.params);
    if (Object.keys(inner).length) this.inner.setParams(inner);
    return this;
  }

  get augmentOptions(): AugmentOptions {
    const p = this.params;
    return {
      copies: p.copies,
      rotateDeg: p.rotate_deg,
      stretch: p.stretch,
      jitter: p.jitter,
      zScale: p.z_scale,
      seed: p.random_state,
    };
  }

  fit(X: Matrix, y: Labels): this {
    const aug = augmentRows(X, y, this.augmentOptions);
    this.inner.fit(aug.X, aug.y);
    this.classes_ = this.inner.classes;
    return this;
  }

  predictProbaRow(x: Float64Array, out: Float64Array): void {
    this.inner.predictProbaRow(x, out);
  }

  override predictProba(X: Matrix): Matrix {
    return this.inner.predictProba(X);
  }

  toJSON(): EstimatorJSON {
    this.classes; // throws NotFittedError
    return { type: this.type, params: { ...this.params }, state: { inner: this.inner.toJSON() } };
  }

  static fromJSON(json: EstimatorJSON, load: (j: EstimatorJSON) => Estimator): AugmentedClassifier {
    const state = json.state as { inner?: EstimatorJSON } | null;
    if (!state?.inner) throw new HandgestureError("AugmentedClassifier: no inner classifier in file");
    const a = new AugmentedClassifier(load(state.inner) as Classifier, json.params as Partial<AugmentParams>);
    a.classes_ = a.inner.classes;
    return a;
  }
}
