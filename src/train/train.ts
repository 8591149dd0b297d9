/**
 * The training pipeline behind `handgesture train`: a seeded stratified train/test split; per model family a grid
 * searched with stratified k-fold cross-validation on the training part (tasks spread over worker threads); the
 * best point of each family fitted on the training part and scored on the held-out part; the winner by held-out
 * macro-F1 registered, and refitted on every row as the next version, which goes to Production.
 *
 * Tracking, in MLflow's layout: one session run per call, a run per family nested in it, a run per grid point
 * nested in its family's. Results depend only on the data, the grids and the seed, never on the number of threads.
 */
import type { LandmarkTable } from "../core/csv.js";
import { tableDigest } from "../core/digest.js";
import { HandgestureError } from "../core/errors.js";
import { LandmarkNormalizer } from "../core/features/seed-normalizer.js";
import { expandGrid, type GridFamily } from "../core/grid.js";
import {
  type CombinedResult,
  type CvTask,
  type CvTaskResult,
  combine,
  type GridPointResult,
  planTasks,
  summarizePoint,
} from "../core/grid-search.js";
import { formatHoldoutCsv, HOLDOUT_CSV, type Holdout, holdoutNeighbors, NEIGHBORS_JSON } from "../core/holdout.js";
import { classCounts, encodeLabels, type Labels, takeLabels } from "../core/labels.js";
import { HAND_DIM } from "../core/landmarks.js";
import { type Matrix, takeRows } from "../core/matrix.js";
import type { Report } from "../core/metrics.js";
import {
  CV_METRICS,
  type CvMetric,
  checkFolds,
  type Split,
  scoreFold,
  stratifiedKFold,
  stratifiedShuffleSplit,
} from "../core/model-selection.js";
import type { Params } from "../core/params.js";
import { buildPipeline } from "../core/pipelines.js";
import { WorkerPool } from "../node/pool.js";
import { VERSION } from "../node/version.js";
import {
  classDistributionPng,
  confusionMatrixPng,
  familyComparisonPng,
  landmarkSkeletonsPng,
  rejectionCurvePng,
} from "../report/charts.js";
import { TrackingClient } from "../tracking/client.js";
import type { ModelVersion } from "../tracking/entities.js";
import type { TrackingStore } from "../tracking/store.js";
import type { FitResult, SharedData } from "./worker.js";
import { shareData } from "./worker.js";

export interface TrainOptions {
  /** The labelled landmark table and where it came from (a path or URI, for the dataset input). */
  table: LandmarkTable;
  source: string;
  /** Dataset name in the tracking store (default: the source's file name without extension). */
  datasetName?: string;
  families: readonly GridFamily[];
  store: TrackingStore;
  experiment?: string;
  /** Registered model name; null to skip registration. */
  register?: string | null;
  folds?: number;
  seed?: number;
  testSize?: number;
  /** Worker threads (default: the machine's cores). */
  jobs?: number;
  onProgress?: (p: TrainProgress) => void;
  /** The client whose open runs an interrupt handler should kill (created here when not given). */
  client?: TrackingClient;
}

export interface TrainProgress {
  /** Cross-validation tasks done and in all (a task is one fold of one or more grid points). */
  tasksDone: number;
  tasksTotal: number;
  pointsDone: number;
  pointsTotal: number;
  /** Final fits (held-out per family, refit of the winner) done and in all. */
  fitsDone: number;
  fitsTotal: number;
  elapsedMs: number;
  /** Rough: elapsed time per unit of work so far times the units left; null until something finished. */
  etaMs: number | null;
  message?: string;
}

export type Scores = Record<CvMetric, number>;

export interface FamilySummary {
  family: string;
  pipeline: string;
  runId: string;
  points: number;
  best: { index: number; params: Params; cv: Record<CvMetric, { mean: number; std: number }> };
  test: Scores;
  /** The held-out part with the family's rejector: macro-F1 (a rejected gesture an error) and the trade-off. */
  rejection: { macro_f1: number; gesture_recall: number; nongesture_acceptance: number } | null;
  /** Seconds to fit the best point on the training part. */
  fitSeconds: number;
  modelUri: string;
}

export interface TrainSummary {
  experiment: string;
  experimentId: string;
  sessionRunId: string;
  data: {
    source: string;
    name: string;
    digest: string;
    rows: number;
    classes: number;
    trainRows: number;
    testRows: number;
  };
  folds: number;
  seed: number;
  jobs: number;
  families: FamilySummary[];
  winner: { family: string; testMacroF1: number; runId: string };
  registered: { name: string; versions: { version: string; stage: string; source: string; rows: number }[] } | null;
  warnings: string[];
  elapsedSeconds: number;
}

export const DEFAULT_EXPERIMENT = "handgesture-train";
export const DEFAULT_REGISTERED_MODEL = "hand-gesture";

const WORKER_URL = new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url);

/** Classifier families by their usual cost, so the pool starts the longest tasks first (better balance). */
const COST_RANK: Record<string, number> = { MLPClassifier: 0, VotingClassifier: 0, LogisticRegression: 1 };
function costRank(pipeline: string): number {
  return COST_RANK[buildPipeline(pipeline).classifier.type] ?? 2;
}

const scoresOf = (r: Report): Scores => Object.fromEntries(CV_METRICS.map((m) => [m, r[m]])) as Scores;

export async function train(options: TrainOptions): Promise<TrainSummary> {
  const start = performance.now();
  const {
    table,
    families,
    store,
    folds = 5,
    seed = 42,
    testSize = 0.2,
    experiment = DEFAULT_EXPERIMENT,
    register = DEFAULT_REGISTERED_MODEL,
  } = options;
  if (families.length === 0) throw new HandgestureError("no model families to train");
  const names = new Set<string>();
  for (const f of families) {
    if (names.has(f.name)) throw new HandgestureError(`model family "${f.name}" is listed twice`);
    names.add(f.name);
  }
  const client = options.client ?? new TrackingClient(store);
  const X = table.X;
  const y = encodeLabels(table.labels);
  if (y.classes.length < 2) throw new HandgestureError(`${options.source}: needs at least 2 classes to train`);
  const split = stratifiedShuffleSplit(y, { testSize, seed });
  const yTrain = takeLabels(y, split.train);
  const Xtrain = takeRows(X, split.train);
  const warnings = checkFolds(yTrain, folds);
  const cvSplits = stratifiedKFold(yTrain, { folds, seed });
  const datasetName = options.datasetName ?? defaultDatasetName(options.source);
  const digest = await tableDigest(table);

  // Work: every family's CV tasks, the longest kinds first; then one held-out fit per family and the refit.
  const plans = families.map((family) => ({
    family,
    tasks: planTasks(family, folds),
    points: expandGrid(family.grid),
  }));
  const order = plans
    .flatMap((p, fi) => {
      const rank = costRank(p.family.pipeline);
      return p.tasks.map((task) => ({ fi, task, rank }));
    })
    .sort((a, b) => a.rank - b.rank); // stable: plan order within a rank
  const progress: TrainProgress = {
    tasksDone: 0,
    tasksTotal: order.length,
    pointsDone: 0,
    pointsTotal: plans.reduce((s, p) => s + p.points.length, 0),
    fitsDone: 0,
    fitsTotal: families.length + 1,
    elapsedMs: 0,
    etaMs: null,
  };
  const report = (message?: string) => {
    progress.elapsedMs = performance.now() - start;
    const done = progress.tasksDone + progress.fitsDone;
    const total = progress.tasksTotal + progress.fitsTotal;
    progress.etaMs = done > 0 ? (progress.elapsedMs / done) * (total - done) : null;
    options.onProgress?.({ ...progress, message });
  };

  const pool = new WorkerPool(WORKER_URL, { size: options.jobs });
  const full = shareData(X, y);
  const trainPart = shareData(Xtrain, yTrain);
  try {
    const experimentId = await client.getOrCreateExperiment(experiment);
    const session = await client.startRun(experimentId, {
      runName: `train-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}`,
      tags: { "handgesture.kind": "train-session", "handgesture.version": VERSION },
      description: `Grid search of ${families.map((f) => f.name).join(", ")} on ${datasetName}; winner registered.`,
    });
    const sessionId = session.info.run_id;
    await client.logParams(sessionId, {
      data: options.source,
      rows: X.rows,
      classes: y.classes.length,
      test_size: testSize,
      folds,
      seed,
      jobs: pool.size,
      families: families.map((f) => f.name).join(","),
    });
    const trainTable = { X: Xtrain, labels: pick(table.labels, split.train) };
    const testTable = { X: takeRows(X, split.test), labels: pick(table.labels, split.test) };
    await client.logDataset(sessionId, table, { name: datasetName, source: options.source, context: "training" });
    report("started");

    // CV: submit everything now; each family's tracking is chained so that its runs are written in order.
    const familyRuns = await Promise.all(
      plans.map(async ({ family, points }) => {
        const run = await client.startRun(experimentId, {
          runName: family.name,
          parentRunId: sessionId,
          tags: {
            "handgesture.kind": "family",
            "handgesture.family": family.name,
            "handgesture.pipeline": family.pipeline,
          },
        });
        const id = run.info.run_id;
        await client.logParams(id, {
          family: family.name,
          pipeline: family.pipeline,
          grid: JSON.stringify(family.grid),
          grid_points: points.length,
          folds,
          seed,
          test_size: testSize,
        });
        await client.logDataset(id, trainTable, {
          name: `${datasetName}-train`,
          source: options.source,
          context: "training",
        });
        await client.logDataset(id, testTable, {
          name: `${datasetName}-test`,
          source: options.source,
          context: "evaluation",
        });
        return id;
      }),
    );
    const perFamily = plans.map(() => ({
      results: [] as CvTaskResult[],
      byPoint: new Map<number, CvTaskResult[]>(),
      chain: Promise.resolve() as Promise<unknown>,
    }));

    const cvDone = order.map(({ fi, task }) =>
      pool.run<CvTaskResult[]>("cv", trainPart, task, cvSplits[task.fold]).then((rs) => {
        const st = perFamily[fi];
        const { family, points } = plans[fi];
        for (const r of rs) {
          st.results.push(r);
          const list = st.byPoint.get(r.point) ?? [];
          list.push(r);
          st.byPoint.set(r.point, list);
          if (list.length === folds) {
            progress.pointsDone++;
            const point = summarizePoint(family.name, r.point, points[r.point], list, folds);
            st.chain = st.chain.then(() => logPoint(client, experimentId, familyRuns[fi], family, point));
            // Handled where the family is finished; this keeps a failed write from being an unhandled rejection.
            st.chain.catch(() => {});
          }
        }
        progress.tasksDone++;
        report();
      }),
    );

    // As each family's CV completes: its best point fitted on the training part, scored on the held-out part.
    const familyDone = plans.map(async ({ family }, fi) => {
      await Promise.all(order.map((o, i) => (o.fi === fi ? cvDone[i] : null)));
      const st = perFamily[fi];
      await st.chain;
      const combined = combine(family, st.results);
      const runId = familyRuns[fi];
      const fitted = await pool.run<FitResult>(
        "fit",
        full,
        family.pipeline,
        combined.best.params,
        split.train,
        split.test,
        {
          pipeline_name: family.pipeline,
          params: buildPipeline(family.pipeline, combined.best.params).getParams(),
          created_at: new Date().toISOString(),
          rows: split.train.length,
          data_source: options.source,
          data_digest: digest,
          trained_on: `training split (${split.train.length} of ${X.rows} rows, seed ${seed})`,
          library_version: VERSION,
        },
      );
      progress.fitsDone++;
      report(`${family.name}: best point fitted and scored on the held-out part`);
      const rep = scoreFold(y, split, fitted.classes, fitted.raw);
      const summary = await logFamilyResult(client, runId, family, combined, rep, fitted, X, split);
      await logHoldout(client, runId, table, y, split, fitted);
      await client.endRun(runId);
      return summary;
    });
    // Dataset pictures while the workers compute (after familyDone holds every task's promise, so that a failing
    // task is never an unhandled rejection).
    await logDatasetCharts(client, sessionId, table, y);
    const summaries = await Promise.all(familyDone);

    // The winner: highest held-out macro-F1, the first family on a tie.
    let win = summaries[0];
    for (const s of summaries) if (s.test.macro_f1 > win.test.macro_f1) win = s;
    await client.store.logArtifact(
      sessionId,
      "family_comparison.png",
      await familyComparisonPng(
        summaries.map((s) => ({
          family: s.family,
          macroF1: s.best.cv.macro_f1.mean,
          std: s.best.cv.macro_f1.std,
          heldOutF1: s.test.macro_f1,
        })),
        `Model families on ${datasetName}: ${folds}-fold CV and held-out macro-F1`,
      ),
    );

    // The winner refitted on every row: what goes to Production.
    const all = Int32Array.from({ length: X.rows }, (_, i) => i);
    const refit = await pool.run<FitResult>("fit", full, win.pipeline, win.best.params, all, null, {
      pipeline_name: win.pipeline,
      params: buildPipeline(win.pipeline, win.best.params).getParams(),
      created_at: new Date().toISOString(),
      rows: X.rows,
      class_counts: Object.fromEntries(Array.from(classCounts(y), (n, i) => [y.classes[i], n])),
      data_source: options.source,
      data_digest: digest,
      trained_on: `all ${X.rows} rows`,
      held_out_macro_f1: win.test.macro_f1,
      library_version: VERSION,
    });
    progress.fitsDone++;
    report("winner refitted on all rows");
    const fullUri = await client.logModel(sessionId, refit.modelFile, { inputExample: exampleRows(X) });
    await client.logMetrics(sessionId, {
      best_test_macro_f1: win.test.macro_f1,
      best_test_accuracy: win.test.accuracy,
      refit_time: refit.fitMs / 1000,
      ...(win.rejection
        ? {
            best_test_macro_f1_with_rejection: win.rejection.macro_f1,
            best_test_gesture_recall: win.rejection.gesture_recall,
            best_test_nongesture_acceptance: win.rejection.nongesture_acceptance,
          }
        : {}),
    });
    await client.store.setTag(sessionId, { key: "handgesture.winner", value: win.family });

    let registered: TrainSummary["registered"] = null;
    if (register) {
      const v1 = await registerVersion(
        client,
        register,
        win.modelUri,
        `${win.family}: fitted on the training split (${split.train.length} rows); held-out macro-F1 ${win.test.macro_f1.toFixed(4)}`,
      );
      const v2 = await registerVersion(
        client,
        register,
        fullUri,
        `${win.family}: the same pipeline refitted on all ${X.rows} rows`,
      );
      const prod = await client.store.transitionModelVersionStage(register, v2.version, "Production", true);
      await client.store.setTag(sessionId, { key: "handgesture.registered", value: `${register}/${v2.version}` });
      registered = {
        name: register,
        versions: [
          { version: v1.version, stage: v1.current_stage, source: v1.source, rows: split.train.length },
          { version: prod.version, stage: prod.current_stage, source: prod.source, rows: X.rows },
        ],
      };
    }
    await client.endRun(sessionId);
    return {
      experiment,
      experimentId,
      sessionRunId: sessionId,
      data: {
        source: options.source,
        name: datasetName,
        digest,
        rows: X.rows,
        classes: y.classes.length,
        trainRows: split.train.length,
        testRows: split.test.length,
      },
      folds,
      seed,
      jobs: pool.size,
      families: summaries,
      winner: { family: win.family, testMacroF1: win.test.macro_f1, runId: win.runId },
      registered,
      warnings,
      elapsedSeconds: (performance.now() - start) / 1000,
    };
  } catch (e) {
    await Promise.all(client.activeRunIds.map((id) => client.endRun(id, "FAILED").catch(() => {})));
    throw e;
  } finally {
    await pool.close();
  }
}

function defaultDatasetName(source: string): string {
  const base = source.split(/[\\/]/).pop() ?? source;
  return base.replace(/\.[^.]*$/, "") || "dataset";
}

const pick = (labels: readonly string[], idx: Int32Array) => Array.from(idx, (i) => labels[i]);

function exampleRows(X: Matrix): number[][] {
  return Array.from({ length: Math.min(5, X.rows) }, (_, i) =>
    Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols)),
  );
}

async function logPoint(
  client: TrackingClient,
  experimentId: string,
  parentRunId: string,
  family: GridFamily,
  point: GridPointResult,
): Promise<void> {
  const run = await client.startRun(experimentId, {
    runName: `${family.name}-${String(point.index + 1).padStart(2, "0")}`,
    parentRunId,
    tags: {
      "handgesture.kind": "grid-point",
      "handgesture.family": family.name,
      "handgesture.shared_work": String(point.shared),
    },
  });
  const id = run.info.run_id;
  await client.logParams(id, buildPipeline(family.pipeline, point.params).getParams());
  const metrics: Record<string, number> = {};
  for (const m of CV_METRICS) {
    metrics[`cv_${m}_mean`] = point.scores[m].mean;
    metrics[`cv_${m}_std`] = point.scores[m].std;
  }
  metrics.mean_fit_time = point.fitMs / 1000 / point.fitTimesMs.length;
  metrics.mean_score_time = point.predictMs / 1000 / point.fitTimesMs.length;
  await client.logMetrics(id, metrics);
  await client.endRun(id);
}

async function logFamilyResult(
  client: TrackingClient,
  runId: string,
  family: GridFamily,
  combined: CombinedResult,
  rep: Report,
  fitted: FitResult,
  X: Matrix,
  split: Split,
): Promise<FamilySummary> {
  const best = combined.best;
  const params = buildPipeline(family.pipeline, best.params).getParams();
  await client.logParams(runId, Object.fromEntries(Object.entries(params).map(([k, v]) => [`best_${k}`, v])));
  const metrics: Record<string, number> = { fit_time: fitted.fitMs / 1000 };
  for (const m of CV_METRICS) {
    metrics[`cv_${m}_mean`] = best.scores[m].mean;
    metrics[`cv_${m}_std`] = best.scores[m].std;
    metrics[`test_${m}`] = rep[m];
  }
  for (const [cls, s] of Object.entries(rep.per_class)) {
    metrics[`test_precision_${cls}`] = s.precision;
    metrics[`test_recall_${cls}`] = s.recall;
    metrics[`test_f1_${cls}`] = s.f1;
  }
  const rj = fitted.rejection;
  if (rj) {
    // Rejection as a first-class metric: gestures still named against non-gestures accepted, on the held-out part.
    metrics.test_macro_f1_with_rejection = rj.macro_f1;
    metrics.test_accuracy_with_rejection = rj.accuracy;
    metrics.test_gesture_recall = rj.summary.gesture_recall;
    metrics.test_gesture_acceptance = rj.summary.gesture_acceptance;
    metrics.test_nongesture_acceptance = rj.summary.nongesture_acceptance;
    metrics.test_rejection_auc = rj.summary.auc;
    metrics.rejection_threshold = rj.summary.threshold;
  }
  await client.logMetrics(runId, metrics);
  if (rj) {
    await client.store.logArtifact(runId, "rejection.json", JSON.stringify(rj, null, 2));
    await client.store.logArtifact(
      runId,
      "rejection_curve.png",
      await rejectionCurvePng(
        rj.summary.curve,
        [
          {
            label: "threshold",
            gesture_recall: rj.summary.gesture_recall,
            nongesture_acceptance: rj.summary.nongesture_acceptance,
          },
        ],
        `${family.name}: held-out gestures named against synthetic non-gestures accepted`,
      ),
    );
  }
  await client.store.logArtifact(
    runId,
    "confusion_matrix.png",
    await confusionMatrixPng(
      rep.confusion.labels,
      rep.confusion.matrix,
      `${family.name} (${family.pipeline}): held-out confusion matrix, ${split.test.length} rows, macro-F1 ${rep.macro_f1.toFixed(3)}`,
    ),
  );
  await client.store.logArtifact(runId, "classification_report.json", JSON.stringify(rep, null, 2));
  await client.store.logArtifact(
    runId,
    "cv_results.json",
    JSON.stringify(
      combined.points.map((p) => ({
        index: p.index,
        params: p.params,
        ...Object.fromEntries(CV_METRICS.map((m) => [m, { mean: p.scores[m].mean, std: p.scores[m].std }])),
        fit_seconds: p.fitMs / 1000,
        shared: p.shared,
      })),
      null,
      2,
    ),
  );
  const modelUri = await client.logModel(runId, fitted.modelFile, { inputExample: exampleRows(X) });
  return {
    family: family.name,
    pipeline: family.pipeline,
    runId,
    points: combined.points.length,
    best: {
      index: best.index,
      params: best.params,
      cv: Object.fromEntries(
        CV_METRICS.map((m) => [m, { mean: best.scores[m].mean, std: best.scores[m].std }]),
      ) as FamilySummary["best"]["cv"],
    },
    test: scoresOf(rep),
    rejection: rj
      ? {
          macro_f1: rj.macro_f1,
          gesture_recall: rj.summary.gesture_recall,
          nongesture_acceptance: rj.summary.nongesture_acceptance,
        }
      : null,
    fitSeconds: fitted.fitMs / 1000,
    modelUri,
  };
}

/**
 * The held-out evaluation for the misclassification explorer (src/core/holdout.ts): every held-out hand with its
 * prediction, probabilities and rejection, and the nearest training hands of each misclassified one.
 */
async function logHoldout(
  client: TrackingClient,
  runId: string,
  table: LandmarkTable,
  y: Labels,
  split: Split,
  fitted: FitResult,
): Promise<void> {
  const k = fitted.classes.length;
  const holdout: Holdout = {
    classes: fitted.classes,
    rows: Array.from(split.test, (i, t) => {
      const p = fitted.raw[t];
      return {
        row: i,
        line: table.lines[i] ?? i + 2,
        label: table.labels[i],
        predicted: fitted.classes[p],
        probability: fitted.proba[t * k + p],
        accepted: fitted.accepted ? fitted.accepted[t] === 1 : null,
        rejectionScore: fitted.scores ? fitted.scores[t] : null,
        proba: fitted.proba.subarray(t * k, (t + 1) * k),
        landmarks: table.X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM),
      };
    }),
  };
  await client.store.logArtifact(runId, HOLDOUT_CSV, formatHoldoutCsv(holdout));
  const trainCodes = Int32Array.from(split.train, (i) => y.codes[i]);
  const neighbors = holdoutNeighbors(table.X, table.lines, split.train, trainCodes, y.classes, holdout);
  await client.store.logArtifact(runId, NEIGHBORS_JSON, JSON.stringify(neighbors));
}

/** Class distribution and one hand per class (raw beside the seed's normalizer), on the session run. */
async function logDatasetCharts(client: TrackingClient, runId: string, table: LandmarkTable, y: Labels) {
  const counts = classCounts(y);
  await client.store.logArtifact(
    runId,
    "class_distribution.png",
    await classDistributionPng(
      y.classes.map((label, c) => ({ label, count: counts[c] })),
      `Rows per class (${table.X.rows} rows, ${y.classes.length} classes)`,
    ),
  );
  const first = y.classes.map((_, c) => y.codes.indexOf(c));
  const rows = takeRows(table.X, first);
  const normalized = new LandmarkNormalizer().transform(rows);
  const perClass = y.classes.map((label, c) => ({
    label,
    raw: Array.from(rows.data.subarray(c * 63, c * 63 + 63)),
    normalized: Array.from(normalized.data.subarray(c * 63, c * 63 + 63)),
  }));
  await client.store.logArtifact(runId, "hand_landmarks.png", await landmarkSkeletonsPng(perClass));
}

async function registerVersion(
  client: TrackingClient,
  name: string,
  source: string,
  description: string,
): Promise<ModelVersion> {
  try {
    await client.store.createRegisteredModel(name, [], "Hand-gesture classifier trained by handgesture train");
  } catch (e) {
    if (!(e instanceof HandgestureError && e.code === "RESOURCE_ALREADY_EXISTS")) throw e;
  }
  return client.createModelVersionFrom(source, { name, description });
}

export type { CvTask, SharedData };
