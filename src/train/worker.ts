/**
 * The task functions `train` runs on worker threads (see WorkerPool). The data travels once as shared memory
 * (SharedData: no copy per task); every task carries its own seed-determined inputs (splits, params), so results
 * do not depend on which thread runs a task or when.
 */

import { HandgestureError } from "../core/errors.js";
import { type CvTask, type CvTaskResult, runTask } from "../core/grid-search.js";
import type { Labels } from "../core/labels.js";
import { HAND_DIM } from "../core/landmarks.js";
import { type Matrix, takeRows } from "../core/matrix.js";
import { type ModelFile, type TrainingMetadata, toModelFile } from "../core/model-file.js";
import { fitPredictFold, type Split } from "../core/model-selection.js";
import { synthesizeNegatives } from "../core/negatives.js";
import type { Params } from "../core/params.js";
import type { Pipeline } from "../core/pipeline.js";
import { buildPipeline } from "../core/pipelines.js";
import { Rejector } from "../core/rejection.js";
import { type RejectionSummary, rejectionSummary, reportWithRejection } from "../core/rejection-metrics.js";

/** A landmark table in shared memory: X row-major float64, y as class codes into `classes`. */
export interface SharedData {
  rows: number;
  cols: number;
  x: SharedArrayBuffer;
  codes: SharedArrayBuffer;
  classes: string[];
}

export function shareData(X: Matrix, y: Labels): SharedData {
  const x = new SharedArrayBuffer(X.data.byteLength);
  new Float64Array(x).set(X.data);
  const codes = new SharedArrayBuffer(y.codes.byteLength);
  new Int32Array(codes).set(y.codes);
  return { rows: X.rows, cols: X.cols, x, codes, classes: [...y.classes] };
}

function views(data: SharedData): { X: Matrix; y: Labels } {
  return {
    X: { rows: data.rows, cols: data.cols, data: new Float64Array(data.x) },
    y: { codes: new Int32Array(data.codes), classes: data.classes },
  };
}

/** One cross-validation task of a grid search (planTasks) on one fold's split. */
export function cv(data: SharedData, task: CvTask, split: Split): CvTaskResult[] {
  const { X, y } = views(data);
  return runTask(task, X, y, split);
}

/** The held-out part's rejection figures (rejection-metrics.ts), for the family's run. */
export interface HeldOutRejection {
  summary: RejectionSummary;
  /** Macro-F1 and accuracy with a rejected gesture counted as an error. */
  macro_f1: number;
  accuracy: number;
}

export interface FitResult {
  /** The fitted pipeline as a model file. */
  modelFile: ModelFile;
  fitMs: number;
  /** Predictions for `test` rows as indices into `classes` (empty without test rows). */
  raw: Int32Array;
  classes: string[];
  /** With test rows: how the fitted rejector did on them and on synthetic negatives made from them. */
  rejection: HeldOutRejection | null;
  /** Per test row: every class's probability (test rows x `classes`, row-major), for the explorer's artifacts. */
  proba: Float64Array;
  /** Per test row: the rejector's score and decision (1 accepted); null without a rejector. */
  scores: Float64Array | null;
  accepted: Uint8Array | null;
}

/**
 * Fits the pipeline with these params on the `train` rows and, when given, predicts the `test` rows: the
 * held-out evaluation of a family's best point, and (without test rows) the final refit on every row.
 */
export function fit(
  data: SharedData,
  pipeline: string,
  params: Params,
  train: Int32Array,
  test: Int32Array | null,
  training: TrainingMetadata,
): FitResult {
  const { X, y } = views(data);
  const model = buildPipeline(pipeline, params);
  let raw: Int32Array = new Int32Array(0);
  let fitMs: number;
  const Xt = takeRows(X, train);
  const yt = { codes: Int32Array.from(train, (i) => y.codes[i]), classes: y.classes };
  let rejection: HeldOutRejection | null = null;
  let proba: Float64Array = new Float64Array(0);
  let scores: Float64Array | null = null;
  let accepted: Uint8Array | null = null;
  if (test && test.length > 0) {
    ({ raw, fitMs } = fitPredictFold(model, X, y, { train, test }));
    const t0 = performance.now();
    model.rejector = rejectorOrNull(Xt, yt);
    fitMs += performance.now() - t0;
    const Xte = takeRows(X, test);
    proba = model.predictProba(Xte).data;
    if (model.rejector) {
      ({ scores, accepted } = rejectionScores(model.rejector, Xte, proba, model.classes.length));
      rejection = heldOutRejection(model, X, y, test, raw, accepted);
    }
  } else {
    const t0 = performance.now();
    model.fit(Xt, yt);
    model.rejector = rejectorOrNull(Xt, yt);
    fitMs = performance.now() - t0;
  }
  const modelFile = toModelFile(model, { ...training, fit_seconds: fitMs / 1000 });
  return { modelFile, fitMs, raw, classes: [...model.classes], rejection, proba, scores, accepted };
}

/** The rejector for these rows, or none where a class has too few rows to hold some out. */
function rejectorOrNull(X: Matrix, y: Labels): Rejector | null {
  try {
    return Rejector.fit(X, y);
  } catch (e) {
    if (e instanceof HandgestureError) return null;
    throw e;
  }
}

/** The rejector's score and decision for each row (its probabilities in P, `k` classes a row). */
function rejectionScores(rejector: Rejector, X: Matrix, P: Float64Array, k: number) {
  const scores = new Float64Array(X.rows);
  const accepted = new Uint8Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    const x = X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
    scores[i] = rejector.scoreRow(x, P.subarray(i * k, (i + 1) * k));
    accepted[i] = rejector.accepts(scores[i]) ? 1 : 0;
  }
  return { scores, accepted };
}

/** Gesture recall against non-gesture acceptance on the held-out rows (negatives synthesised from them). */
function heldOutRejection(
  model: Pipeline,
  X: Matrix,
  y: Labels,
  test: Int32Array,
  raw: Int32Array,
  accepted: Uint8Array,
): HeldOutRejection {
  const Xte = takeRows(X, test);
  const yte = { codes: Int32Array.from(test, (i) => y.codes[i]), classes: y.classes };
  const negs = synthesizeNegatives(Xte, yte, 50);
  const summary = rejectionSummary(model, Xte, yte, negs.X, negs.kinds);
  const codeOf = new Map(y.classes.map((c, i) => [c, i]));
  const pred = Int32Array.from(raw, (j) => codeOf.get(model.classes[j]) as number);
  const rejected = Array.from(accepted, (a) => a === 0);
  const rep = reportWithRejection(yte.codes, pred, rejected, y.classes);
  return { summary, macro_f1: rep.macro_f1, accuracy: rep.accuracy };
}
