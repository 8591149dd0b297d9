import { HandgestureError, NotFittedError } from "./errors.js";
import type { Labels } from "./labels.js";
import { type Matrix, matrix, row } from "./matrix.js";
import type { ParamSpecs, Params, ParamValue } from "./params.js";

/** What every estimator writes into a model file: its type name, its hyperparameters and its learned state. */
export interface EstimatorJSON {
  type: string;
  params: Params;
  state: unknown;
}

/** Shared by transformers and classifiers: scikit-learn's get_params / set_params contract. */
export interface Estimator {
  /** Type name used in model files (e.g. "KNeighborsClassifier"). */
  readonly type: string;
  getParams(): Params;
  /** Validates against the estimator's ParamSpecs; returns this. */
  setParams(p: Readonly<Record<string, ParamValue | undefined>>): this;
  toJSON(): EstimatorJSON;
}

/** A feature transform: matrix in, matrix out; `transformRow` is the allocation-free per-hand path. */
export interface Transformer extends Estimator {
  fit(X: Matrix, y?: Labels): this;
  transform(X: Matrix): Matrix;
  /** Writes the transform of one row into `out` (length `outputDim`). No allocation. */
  transformRow(x: Float64Array, out: Float64Array): void;
  /** Width of the output for an input of `inputDim` columns (known after fit for stateful transforms). */
  outputDim(inputDim: number): number;
}

export interface Classifier extends Estimator {
  /** Class names in the order of predictProba's columns. Throws NotFittedError before fit. */
  readonly classes: readonly string[];
  fit(X: Matrix, y: Labels): this;
  predict(X: Matrix): string[];
  predictProba(X: Matrix): Matrix;
  /** Probabilities for one row into `out` (length classes.length). No allocation. */
  predictProbaRow(x: Float64Array, out: Float64Array): void;
}

export interface EstimatorClass<T extends Estimator> {
  readonly specs: ParamSpecs;
  fromJSON(json: EstimatorJSON): T;
}

/**
 * Base for classifiers: subclasses implement fitCodes and predictProbaRow; batch prediction, labels and
 * the not-fitted check come from here.
 */
export abstract class BaseClassifier implements Classifier {
  abstract readonly type: string;
  protected classes_: readonly string[] | null = null;

  get classes(): readonly string[] {
    if (!this.classes_) throw new NotFittedError(this.type);
    return this.classes_;
  }
  abstract getParams(): Params;
  abstract setParams(p: Readonly<Record<string, ParamValue | undefined>>): this;
  abstract toJSON(): EstimatorJSON;
  abstract fit(X: Matrix, y: Labels): this;
  abstract predictProbaRow(x: Float64Array, out: Float64Array): void;

  predictProba(X: Matrix): Matrix {
    const k = this.classes.length;
    const out = matrix(X.rows, k);
    for (let i = 0; i < X.rows; i++) this.predictProbaRow(row(X, i), out.data.subarray(i * k, (i + 1) * k));
    return out;
  }

  /** Class codes (argmax of predictProba; ties go to the lowest code, as numpy's argmax). */
  predictCodes(X: Matrix): Int32Array {
    const P = this.predictProba(X);
    return argmaxRows(P);
  }

  predict(X: Matrix): string[] {
    const cls = this.classes;
    return Array.from(this.predictCodes(X), (c) => cls[c]);
  }
}

/**
 * The checks every classifier's fit starts with: one label per row of X, and at least one row. Throws
 * HandgestureError (INVALID_DATA) with a message prefixed by `owner` (the estimator's type name).
 */
export function checkFitInput(owner: string, X: Matrix, y: Labels): void {
  if (X.rows !== y.codes.length) {
    throw new HandgestureError(`${owner}: X has ${X.rows} rows but y has ${y.codes.length} labels`, "INVALID_DATA");
  }
  if (X.rows === 0) throw new HandgestureError(`${owner}: cannot fit on 0 rows`, "INVALID_DATA");
}

export function argmaxRows(P: Matrix): Int32Array {
  const out = new Int32Array(P.rows);
  for (let i = 0; i < P.rows; i++) {
    let best = 0;
    let bestV = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < P.cols; j++) {
      const v = P.data[i * P.cols + j];
      if (v > bestV) {
        bestV = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}
