/**
 * Runs: create, get, update, delete, log (metrics, params, tags, batches, inputs, MLflow 3's outputs, MLflow 2's
 * log-model), search, and a metric's history.
 */
import { HandgestureError } from "../../../core/errors.js";
import type { Metric, Param, Run, RunStatus } from "../../../tracking/entities.js";
import {
  MAX_ENTITIES_PER_BATCH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAMS_TAGS_PER_BATCH,
} from "../../../tracking/validation.js";
import {
  datasetInputs,
  invalid,
  list,
  metric,
  missing,
  modelInputs,
  modelOutputs,
  objects,
  offsetPage,
  opt,
  optInt,
  paged,
  runId,
  search,
  str,
  tags,
  viewType,
} from "../params.js";
import { done, type Route } from "./shared.js";

const RUN_STATUSES: readonly RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
/** The run tag runs/log-model appends each logged model's MLmodel (as JSON) to. */
export const LOGGED_MODELS_TAG = "mlflow.log-model.history";

function tooMany(got: number, limit: number, what: string): HandgestureError {
  return invalid(
    `A batch logging request can contain at most ${limit} ${what}. Got ${got} ${what}. Please split up ${what} across multiple requests and try again.`,
  );
}

/** MLflow 3's runs/get: `inputs` and `outputs` always there (`{}` when empty). */
function withInputsAndOutputs(run: Run): Run {
  return { ...run, outputs: run.outputs ?? {} };
}

/** MLflow 3's runs/search: dataset inputs and outputs, but not the model inputs (as observed, §4.2). */
function asSearched(run: Run): Run {
  return { ...run, inputs: { dataset_inputs: run.inputs.dataset_inputs }, outputs: run.outputs ?? {} };
}

/**
 * metrics/get-history's page. `max_results` given (MLflow 3's client sends 25000): at most that many points, and
 * MLflow's `{"offset": n}` token when more remain. Not given: every point from the token's offset on, as MLflow
 * 2.12 answered and as its client (which never sends max_results) expects; MLflow 3 itself answers no points then,
 * which no client relies on.
 */
function historyPage(points: Metric[], maxResults: number | undefined, token: string | undefined) {
  if (maxResults !== undefined && (maxResults < 0 || maxResults > 1_000_000)) {
    throw invalid(`Invalid value ${maxResults} for parameter 'max_results' supplied.`);
  }
  return offsetPage(points, maxResults, token);
}

/** A history point as MLflow answers it: no model or dataset fields (§4.3). */
const historyPoint = (m: Metric): Metric => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step });

export const runs: Record<string, Route> = {
  "runs/create": {
    POST: async (p, s) => ({
      run: await s.createRun({
        experimentId: str(p, "experiment_id"),
        userId: opt(p, "user_id"),
        startTime: optInt(p, "start_time"),
        tags: tags(p),
        runName: opt(p, "run_name"),
      }),
    }),
  },
  "runs/get": { GET: async (p, s) => ({ run: withInputsAndOutputs(await s.getRun(runId(p))) }) },
  "runs/update": {
    POST: async (p, s) => {
      const id = runId(p);
      const status = opt(p, "status") as RunStatus | undefined;
      if (status !== undefined && !RUN_STATUSES.includes(status)) {
        throw invalid(`Invalid value '${status}' for parameter 'status': expected one of ${RUN_STATUSES.join(", ")}`);
      }
      const endTime = optInt(p, "end_time");
      const runName = opt(p, "run_name");
      const current = status === undefined || endTime === undefined ? (await s.getRun(id)).info : undefined;
      const info = await s.updateRunInfo(id, status ?? current!.status, endTime ?? current?.end_time ?? null, runName);
      return { run_info: info };
    },
  },
  "runs/delete": { POST: (p, s) => done(s.deleteRun(runId(p))) },
  "runs/log-batch": {
    POST: async (p, s) => {
      const metrics = objects(p, "metrics").map(metric);
      const params: Param[] = tags(p, "params");
      const runTags = tags(p);
      if (metrics.length > MAX_METRICS_PER_BATCH) throw tooMany(metrics.length, MAX_METRICS_PER_BATCH, "metrics");
      if (params.length > MAX_PARAMS_TAGS_PER_BATCH) throw tooMany(params.length, MAX_PARAMS_TAGS_PER_BATCH, "params");
      if (runTags.length > MAX_PARAMS_TAGS_PER_BATCH) throw tooMany(runTags.length, MAX_PARAMS_TAGS_PER_BATCH, "tags");
      const total = metrics.length + params.length + runTags.length;
      if (total > MAX_ENTITIES_PER_BATCH) throw tooMany(total, MAX_ENTITIES_PER_BATCH, "metrics, params, and tags");
      return done(s.logBatch(runId(p), { metrics, params, tags: runTags }));
    },
  },
  "runs/log-metric": { POST: (p, s) => done(s.logMetric(runId(p), metric(p))) },
  "runs/log-parameter": {
    POST: (p, s) => done(s.logParam(runId(p), { key: str(p, "key"), value: opt(p, "value") ?? "" })),
  },
  "runs/set-tag": { POST: (p, s) => done(s.setTag(runId(p), { key: str(p, "key"), value: opt(p, "value") ?? "" })) },
  "runs/delete-tag": { POST: (p, s) => done(s.deleteTag(runId(p), str(p, "key"))) },
  "runs/log-inputs": {
    POST: (p, s) => {
      const models = modelInputs(p);
      return done(s.logInputs(runId(p), datasetInputs(p), models.length > 0 ? models : undefined));
    },
  },
  "runs/outputs": {
    POST: (p, s) => {
      if (p.models === undefined || p.models === null) throw missing("models");
      return done(s.logOutputs(runId(p), modelOutputs(p)));
    },
  },
  "runs/log-model": {
    POST: async (p, s) => {
      const id = runId(p);
      let model: unknown;
      try {
        model = JSON.parse(str(p, "model_json"));
      } catch (e) {
        if (e instanceof HandgestureError) throw e;
        throw invalid("Malformed model info: model_json is not JSON");
      }
      const prev = (await s.getRun(id)).data.tags.find((t) => t.key === LOGGED_MODELS_TAG);
      let history: unknown[] = [];
      try {
        const parsed: unknown = prev ? JSON.parse(prev.value) : [];
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        // A hand-written tag that is not JSON is replaced, as MLflow would fail to read it anyway.
      }
      return done(s.setTag(id, { key: LOGGED_MODELS_TAG, value: JSON.stringify([...history, model]) }));
    },
  },
  "runs/search": {
    POST: async (p, s) => {
      const found = await s.searchRuns({
        ...search(p),
        experimentIds: list(p, "experiment_ids") ?? [],
        viewType: viewType(p, "run_view_type"),
      });
      return paged("runs", { ...found, items: found.items.map(asSearched) });
    },
  },
  "metrics/get-history": {
    GET: async (p, s) => {
      const points = await s.getMetricHistory(runId(p), str(p, "metric_key"));
      const history = historyPage(points, optInt(p, "max_results"), opt(p, "page_token"));
      return { metrics: history.items.map(historyPoint), next_page_token: history.next_page_token };
    },
  },
};
