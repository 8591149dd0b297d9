/**
 * The task functions `train` runs on worker threads (see WorkerPool). The data travels once as shared memory
 * (SharedData: no copy per task); every task carries its own seed-determined inputs (splits, params), so results
 * do not depend on which thread runs a task or when.
 */
import { type CvTask, type CvTaskResult, runTask } from "../core/grid-search.js";
import type { Labels } from "../core/labels.js";
import { type Matrix, takeRows } from "../core/matrix.js";
import { type ModelFile, type TrainingMetadata, toModelFile } from "../core/model-file.js";
import { fitPredictFold, type Split } from "../core/model-selection.js";
import type { Params } from "../core/params.js";
import { buildPipeline } from "../core/pipelines.js";

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

export interface FitResult {
  /** The fitted pipeline as a model file. */
  modelFile: ModelFile;
  fitMs: number;
  /** Predictions for `test` rows as indices into `classes` (empty without test rows). */
  raw: Int32Array;
  classes: string[];
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
  if (test && test.length > 0) {
    ({ raw, fitMs } = fitPredictFold(model, X, y, { train, test }));
  } else {
    const Xt = takeRows(X, train);
    const yt = { codes: Int32Array.from(train, (i) => y.codes[i]), classes: y.classes };
    const t0 = performance.now();
    model.fit(Xt, yt);
    fitMs = performance.now() - t0;
  }
  const modelFile = toModelFile(model, { ...training, fit_seconds: fitMs / 1000 });
  return { modelFile, fitMs, raw, classes: [...model.classes] };
}
