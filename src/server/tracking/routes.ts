/**
 * MLflow's REST API 2.0 as a table: path under /api/2.0/mlflow/ → HTTP verb → handler over a TrackingStore
 * (docs/mlflow-compat.md). Handlers check their parameters (./params.ts), call one store method and return the
 * entity; the app turns it into protobuf-style JSON. Which calls change anything is decided per endpoint
 * (MLflow's searches are POSTs, yet reads): see isWriteCall.
 */
import { HandgestureError } from "../../core/errors.js";
import type { Param, RunStatus, Stage } from "../../tracking/entities.js";
import { MAX_ENTITIES_PER_BATCH, MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH } from "../../tracking/fs-util.js";
import type { TrackingStore } from "../../tracking/store.js";
import {
  datasetInputs,
  invalid,
  list,
  metric,
  objects,
  opt,
  optBool,
  optInt,
  type Params,
  paged,
  runId,
  search,
  str,
  tags,
  viewType,
} from "./params.js";

export type Verb = "GET" | "POST" | "PATCH" | "DELETE";
export type Handler = (p: Params, s: TrackingStore) => Promise<object | undefined>;
export type Route = Readonly<Partial<Record<Verb, Handler>>>;

const RUN_STATUSES: readonly RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
/** The run tag runs/log-model appends each logged model's MLmodel (as JSON) to. */
export const LOGGED_MODELS_TAG = "mlflow.log-model.history";

/** POSTs that only read: MLflow's searches (their filters do not fit a query string). */
export const READ_POSTS: ReadonlySet<string> = new Set([
  "experiments/search",
  "runs/search",
  "registered-models/get-latest-versions",
]);

/** Whether a call to `path` (under /api/2.0/mlflow/) with `method` changes the store. */
export function isWriteCall(method: string, path: string): boolean {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return false;
  return !(method === "POST" && READ_POSTS.has(path));
}

const done = async (work: Promise<unknown>) => {
  await work;
  return {};
};

function tooMany(got: number, limit: number, what: string): HandgestureError {
  return invalid(
    `A batch logging request can contain at most ${limit} ${what}. Got ${got} ${what}. Please split up ${what} across multiple requests and try again.`,
  );
}

const searchExperiments: Handler = async (p, s) => {
  str(p, "max_results"); // required by MLflow's handler
  return paged("experiments", await s.searchExperiments({ ...search(p), viewType: viewType(p, "view_type") }));
};

const latestVersions: Handler = async (p, s) => ({
  model_versions: await s.getLatestVersions(str(p, "name"), list(p, "stages") as Stage[] | undefined),
});

const experiments: Record<string, Route> = {
  "experiments/create": {
    POST: async (p, s) => {
      // The store decides where artifacts live: a client-chosen location would let uploads land anywhere on disk.
      if (opt(p, "artifact_location")) {
        throw invalid("artifact_location cannot be set through this server: it keeps artifacts in its own store");
      }
      return { experiment_id: await s.createExperiment(str(p, "name"), tags(p)) };
    },
  },
  "experiments/get": { GET: async (p, s) => ({ experiment: await s.getExperiment(str(p, "experiment_id")) }) },
  "experiments/get-by-name": {
    GET: async (p, s) => {
      const name = str(p, "experiment_name");
      const experiment = await s.getExperimentByName(name);
      if (!experiment) {
        throw new HandgestureError(`Could not find experiment with name '${name}'`, "RESOURCE_DOES_NOT_EXIST");
      }
      return { experiment };
    },
  },
  "experiments/search": { POST: searchExperiments, GET: searchExperiments },
  "experiments/set-experiment-tag": {
    POST: (p, s) => done(s.setExperimentTag(str(p, "experiment_id"), str(p, "key"), opt(p, "value") ?? "")),
  },
  "experiments/delete": { POST: (p, s) => done(s.deleteExperiment(str(p, "experiment_id"))) },
};

const runs: Record<string, Route> = {
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
  "runs/get": { GET: async (p, s) => ({ run: await s.getRun(runId(p)) }) },
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
  "runs/log-inputs": { POST: (p, s) => done(s.logInputs(runId(p), datasetInputs(p))) },
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
    POST: async (p, s) =>
      paged(
        "runs",
        await s.searchRuns({
          ...search(p),
          experimentIds: list(p, "experiment_ids") ?? [],
          viewType: viewType(p, "run_view_type"),
        }),
      ),
  },
  "metrics/get-history": {
    GET: async (p, s) => ({ metrics: await s.getMetricHistory(runId(p), str(p, "metric_key")) }),
  },
};

const registeredModels: Record<string, Route> = {
  "registered-models/create": {
    POST: async (p, s) => ({
      registered_model: await s.createRegisteredModel(str(p, "name"), tags(p), opt(p, "description")),
    }),
  },
  "registered-models/get": { GET: async (p, s) => ({ registered_model: await s.getRegisteredModel(str(p, "name")) }) },
  "registered-models/search": {
    GET: async (p, s) => paged("registered_models", await s.searchRegisteredModels(search(p))),
  },
  "registered-models/rename": {
    POST: async (p, s) => ({ registered_model: await s.renameRegisteredModel(str(p, "name"), str(p, "new_name")) }),
  },
  "registered-models/update": {
    PATCH: async (p, s) => ({
      registered_model: await s.updateRegisteredModel(str(p, "name"), opt(p, "description") ?? ""),
    }),
  },
  "registered-models/delete": { DELETE: (p, s) => done(s.deleteRegisteredModel(str(p, "name"))) },
  "registered-models/set-tag": {
    POST: (p, s) => done(s.setRegisteredModelTag(str(p, "name"), str(p, "key"), opt(p, "value") ?? "")),
  },
  "registered-models/delete-tag": {
    DELETE: (p, s) => done(s.deleteRegisteredModelTag(str(p, "name"), str(p, "key"))),
  },
  "registered-models/get-latest-versions": { POST: latestVersions, GET: latestVersions },
  "registered-models/alias": {
    POST: (p, s) => done(s.setRegisteredModelAlias(str(p, "name"), str(p, "alias"), str(p, "version"))),
    GET: async (p, s) => ({ model_version: await s.getModelVersionByAlias(str(p, "name"), str(p, "alias")) }),
    DELETE: (p, s) => done(s.deleteRegisteredModelAlias(str(p, "name"), str(p, "alias"))),
  },
};

const modelVersions: Record<string, Route> = {
  "model-versions/create": {
    POST: async (p, s) => ({
      model_version: await s.createModelVersion({
        name: str(p, "name"),
        source: str(p, "source"),
        runId: opt(p, "run_id"),
        tags: tags(p),
        description: opt(p, "description"),
      }),
    }),
  },
  "model-versions/get": {
    GET: async (p, s) => ({ model_version: await s.getModelVersion(str(p, "name"), str(p, "version")) }),
  },
  "model-versions/search": { GET: async (p, s) => paged("model_versions", await s.searchModelVersions(search(p))) },
  "model-versions/update": {
    PATCH: async (p, s) => ({
      model_version: await s.updateModelVersion(str(p, "name"), str(p, "version"), opt(p, "description") ?? ""),
    }),
  },
  "model-versions/delete": { DELETE: (p, s) => done(s.deleteModelVersion(str(p, "name"), str(p, "version"))) },
  "model-versions/transition-stage": {
    POST: async (p, s) => ({
      model_version: await s.transitionModelVersionStage(
        str(p, "name"),
        str(p, "version"),
        str(p, "stage") as Stage,
        optBool(p, "archive_existing_versions"),
      ),
    }),
  },
  "model-versions/set-tag": {
    POST: (p, s) => done(s.setModelVersionTag(str(p, "name"), str(p, "version"), str(p, "key"), opt(p, "value") ?? "")),
  },
  "model-versions/delete-tag": {
    DELETE: (p, s) => done(s.deleteModelVersionTag(str(p, "name"), str(p, "version"), str(p, "key"))),
  },
  "model-versions/get-download-uri": {
    GET: async (p, s) => ({ artifact_uri: await s.getModelVersionDownloadUri(str(p, "name"), str(p, "version")) }),
  },
};

/** Every JSON endpoint (artifacts/list lives with the artifact routes). */
export const ROUTES: Readonly<Record<string, Route>> = Object.freeze({
  ...experiments,
  ...runs,
  ...registeredModels,
  ...modelVersions,
});
