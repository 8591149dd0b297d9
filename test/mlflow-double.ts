/**
 * A test double of MLflow 2.12's tracking server (docs/mlflow-compat.md): the REST API 2.0 endpoints the Python
 * client calls, MLflow's JSON shapes (protobuf JSON: unset fields and empty lists left out, non-finite doubles as
 * "NaN"/"Infinity"/"-Infinity"), its error format and statuses, the proxied artifact API, /health and /version.
 * Each endpoint is routed to the TrackingStore it is given. Test code only: the project's own server replaces it.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HandgestureError } from "../src/core/errors.js";
import type { DatasetInput, Metric, Param, RunStatus, Stage, Tag, ViewType } from "../src/tracking/entities.js";
import type { TrackingStore } from "../src/tracking/store.js";

export const MLFLOW_VERSION = "2.12.2";
/** MLflow's limits for one runs/log-batch request. */
const MAX_METRICS_PER_BATCH = 1000;
const MAX_PARAMS_TAGS_PER_BATCH = 100;
const MAX_ENTITIES_PER_BATCH = 1000;
const RUN_STATUSES: readonly RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
const LOGGED_MODELS_TAG = "mlflow.log-model.history";

const API = "/api/2.0/mlflow/";
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
}

export interface MlflowDouble {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface MlflowDoubleOptions {
  /** When set, every request must carry `Authorization: Bearer <token>` (else 401, like an auth proxy). */
  token?: string;
}

type Params = Record<string, unknown>;
type Handler = (p: Params, s: TrackingStore) => Promise<object | undefined>;
type Verb = "GET" | "POST" | "PATCH" | "DELETE";

// ---- request parameters, checked the way MLflow's handlers check them ----

const invalid = (message: string) => new HandgestureError(message, "INVALID_PARAMETER_VALUE");
function str(p: Params, key: string): string {
  const v = p[key];
  if (typeof v === "number") return String(v);
  if (typeof v !== "string" || v === "") {
    throw invalid(
      `Missing value for required parameter '${key}'. See the API docs for more information about request parameters.`,
    );
  }
  return v;
}
function opt(p: Params, key: string): string | undefined {
  const v = p[key];
  return v === undefined || v === null ? undefined : String(v);
}
function num(v: unknown, what: string): number {
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || Number.isNaN(n)) throw invalid(`Invalid value ${JSON.stringify(v)} for ${what}`);
  return n;
}
function optInt(p: Params, key: string): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  const n = num(v, `parameter '${key}'`);
  if (!Number.isInteger(n))
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}': expected an integer`);
  return n;
}
function list(p: Params, key: string): string[] | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}
function objects(p: Params, key: string): Params[] {
  const v = p[key] ?? [];
  if (!Array.isArray(v)) throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}': expected a list`);
  return v as Params[];
}
const tags = (p: Params, key = "tags"): Tag[] =>
  objects(p, key).map((t) => ({ key: str(t, "key"), value: opt(t, "value") ?? "" }));
const runId = (p: Params): string => str({ run_id: p.run_id || p.run_uuid }, "run_id");
function metric(m: Params): Metric {
  return {
    key: str(m, "key"),
    value: num(m.value ?? 0, "metric value"),
    timestamp: num(m.timestamp ?? Date.now(), "metric timestamp"),
    step: num(m.step ?? 0, "metric step"),
  };
}
function viewType(p: Params, key: string): ViewType | undefined {
  const v = opt(p, key);
  if (v !== undefined && !["ACTIVE_ONLY", "DELETED_ONLY", "ALL"].includes(v)) {
    throw invalid(`Invalid value '${v}' for parameter '${key}': expected ACTIVE_ONLY, DELETED_ONLY or ALL`);
  }
  return v as ViewType | undefined;
}
function search(p: Params) {
  return {
    filter: opt(p, "filter"),
    maxResults: optInt(p, "max_results"),
    orderBy: list(p, "order_by"),
    pageToken: opt(p, "page_token"),
  };
}
const paged = (key: string, page: { items: unknown[]; next_page_token?: string }) => ({
  [key]: page.items,
  next_page_token: page.next_page_token,
});

/** protobuf's JSON: unset fields and empty repeated fields are left out; non-finite doubles become strings. */
function wire(v: unknown): unknown {
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (Array.isArray(v)) return v.map(wire);
  if (v !== null && typeof v === "object") {
    const out: Params = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || x === null || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = wire(x);
    }
    return out;
  }
  return v;
}

// ---- the REST API 2.0 routes: path under /api/2.0/mlflow/ → verb → handler ----

const ROUTES: Readonly<Record<string, Partial<Record<Verb, Handler>>>> = Object.freeze({
  "experiments/create": {
    POST: async (p, s) => ({
      experiment_id: await s.createExperiment(str(p, "name"), tags(p), opt(p, "artifact_location")),
    }),
  },
  "experiments/get": { GET: async (p, s) => ({ experiment: await s.getExperiment(str(p, "experiment_id")) }) },
  "experiments/get-by-name": {
    GET: async (p, s) => {
      const name = str(p, "experiment_name");
      const experiment = await s.getExperimentByName(name);
      if (!experiment)
        throw new HandgestureError(`Could not find experiment with name '${name}'`, "RESOURCE_DOES_NOT_EXIST");
      return { experiment };
    },
  },
  "experiments/search": {
    POST: async (p, s) => {
      str(p, "max_results");
      return paged("experiments", await s.searchExperiments({ ...search(p), viewType: viewType(p, "view_type") }));
    },
  },
  "experiments/set-experiment-tag": {
    POST: async (p, s) => {
      await s.setExperimentTag(str(p, "experiment_id"), str(p, "key"), opt(p, "value") ?? "");
      return {};
    },
  },
  "experiments/delete": { POST: async (p, s) => void (await s.deleteExperiment(str(p, "experiment_id"))) },
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
      const status = opt(p, "status");
      if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
        throw invalid(`Invalid value '${status}' for parameter 'status': expected one of ${RUN_STATUSES.join(", ")}`);
      }
      const current = status === undefined || p.end_time === undefined ? (await s.getRun(id)).info : undefined;
      const endTime = optInt(p, "end_time") ?? current?.end_time ?? null;
      const info = await s.updateRunInfo(id, (status as RunStatus) ?? current!.status, endTime, opt(p, "run_name"));
      return { run_info: info };
    },
  },
  "runs/delete": { POST: async (p, s) => void (await s.deleteRun(runId(p))) },
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
      await s.logBatch(runId(p), { metrics, params, tags: runTags });
      return {};
    },
  },
  "runs/log-metric": { POST: async (p, s) => void (await s.logMetric(runId(p), metric(p))) },
  "runs/log-parameter": {
    POST: async (p, s) => void (await s.logParam(runId(p), { key: str(p, "key"), value: opt(p, "value") ?? "" })),
  },
  "runs/set-tag": {
    POST: async (p, s) => void (await s.setTag(runId(p), { key: str(p, "key"), value: opt(p, "value") ?? "" })),
  },
  "runs/delete-tag": { POST: async (p, s) => void (await s.deleteTag(runId(p), str(p, "key"))) },
  "runs/log-inputs": {
    POST: async (p, s) => void (await s.logInputs(runId(p), objects(p, "datasets") as unknown as DatasetInput[])),
  },
  "runs/log-model": {
    POST: async (p, s) => {
      const id = runId(p);
      let model: unknown;
      try {
        model = JSON.parse(str(p, "model_json"));
      } catch {
        throw invalid("Malformed model info: model_json is not JSON");
      }
      const prev = (await s.getRun(id)).data.tags.find((t) => t.key === LOGGED_MODELS_TAG);
      const history = prev ? (JSON.parse(prev.value) as unknown[]) : [];
      await s.setTag(id, { key: LOGGED_MODELS_TAG, value: JSON.stringify([...history, model]) });
      return {};
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
  "artifacts/list": {
    GET: async (p, s) => {
      const id = runId(p);
      const root = (await s.getRun(id)).info.artifact_uri;
      return { root_uri: root, files: await s.listArtifacts(id, opt(p, "path") ?? "") };
    },
  },
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
    POST: async (p, s) => ({
      registered_model: await s.renameRegisteredModel(str(p, "name"), str(p, "new_name")),
    }),
  },
  "registered-models/update": {
    PATCH: async (p, s) => ({
      registered_model: await s.updateRegisteredModel(str(p, "name"), opt(p, "description") ?? ""),
    }),
  },
  "registered-models/delete": { DELETE: async (p, s) => void (await s.deleteRegisteredModel(str(p, "name"))) },
  "registered-models/set-tag": {
    POST: async (p, s) => void (await s.setRegisteredModelTag(str(p, "name"), str(p, "key"), opt(p, "value") ?? "")),
  },
  "registered-models/delete-tag": {
    DELETE: async (p, s) => void (await s.deleteRegisteredModelTag(str(p, "name"), str(p, "key"))),
  },
  "registered-models/get-latest-versions": {
    POST: latestVersions,
    GET: latestVersions,
  },
  "registered-models/alias": {
    POST: async (p, s) => void (await s.setRegisteredModelAlias(str(p, "name"), str(p, "alias"), str(p, "version"))),
    GET: async (p, s) => ({ model_version: await s.getModelVersionByAlias(str(p, "name"), str(p, "alias")) }),
    DELETE: async (p, s) => void (await s.deleteRegisteredModelAlias(str(p, "name"), str(p, "alias"))),
  },
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
  "model-versions/delete": {
    DELETE: async (p, s) => void (await s.deleteModelVersion(str(p, "name"), str(p, "version"))),
  },
  "model-versions/transition-stage": {
    POST: async (p, s) => ({
      model_version: await s.transitionModelVersionStage(
        str(p, "name"),
        str(p, "version"),
        str(p, "stage") as Stage,
        p.archive_existing_versions === true || p.archive_existing_versions === "true",
      ),
    }),
  },
  "model-versions/set-tag": {
    POST: async (p, s) =>
      void (await s.setModelVersionTag(str(p, "name"), str(p, "version"), str(p, "key"), opt(p, "value") ?? "")),
  },
  "model-versions/delete-tag": {
    DELETE: async (p, s) => void (await s.deleteModelVersionTag(str(p, "name"), str(p, "version"), str(p, "key"))),
  },
  "model-versions/get-download-uri": {
    GET: async (p, s) => ({ artifact_uri: await s.getModelVersionDownloadUri(str(p, "name"), str(p, "version")) }),
  },
});

async function latestVersions(p: Params, s: TrackingStore) {
  return { model_versions: await s.getLatestVersions(str(p, "name"), list(p, "stages") as Stage[] | undefined) };
}
function tooMany(got: number, limit: number, what: string): HandgestureError {
  return invalid(
    `A batch logging request can contain at most ${limit} ${what}. Got ${got} ${what}. Please split up ${what} across multiple requests and try again.`,
  );
}

// ---- the proxied artifact API: <exp>/<run>/artifacts/<path> ----

async function runArtifactPath(s: TrackingStore, path: string): Promise<{ runId: string; rel: string }> {
  const segs = path.split("/").filter((x) => x !== "");
  if (segs.length < 3 || segs[2] !== "artifacts") {
    throw invalid(`this double serves run artifacts only (<experiment_id>/<run_id>/artifacts/...), got '${path}'`);
  }
  const run = await s.getRun(segs[1]);
  if (run.info.experiment_id !== segs[0]) {
    throw new HandgestureError(`Run '${segs[1]}' is not in experiment '${segs[0]}'`, "RESOURCE_DOES_NOT_EXIST");
  }
  return { runId: segs[1], rel: segs.slice(3).join("/") };
}

// ---- the server ----

function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw invalid(`Malformed artifact path segment '${seg}'`);
  }
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type = "application/json"): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
function sendError(res: ServerResponse, e: unknown): void {
  const code = e instanceof HandgestureError ? e.code : "INTERNAL_ERROR";
  const status = code === "RESOURCE_DOES_NOT_EXIST" ? 404 : code === "INTERNAL_ERROR" ? 500 : 400;
  send(res, status, JSON.stringify({ error_code: code, message: e instanceof Error ? e.message : String(e) }));
}
const html = (res: ServerResponse, status: number, title: string) =>
  send(
    res,
    status,
    `<!doctype html>\n<html lang=en>\n<title>${title}</title>\n<h1>${title}</h1>\n`,
    "text/html; charset=utf-8",
  );

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function queryParams(q: URLSearchParams): Params {
  const out: Params = {};
  for (const k of new Set(q.keys())) {
    const all = q.getAll(k);
    out[k] = all.length > 1 ? all : all[0];
  }
  return out;
}

async function handle(store: TrackingStore, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  const body = await readBody(req);
  const path = url.pathname;
  if (path === "/health" && method === "GET") return send(res, 200, "OK", "text/plain; charset=utf-8");
  if (path === "/version" && method === "GET") return send(res, 200, MLFLOW_VERSION, "text/plain; charset=utf-8");

  if (path === ARTIFACTS && method === "GET") {
    const { runId: id, rel } = await runArtifactPath(store, url.searchParams.get("path") ?? "");
    const files = (await store.listArtifacts(id, rel)).map((f) => ({
      ...f,
      path: f.path.slice(f.path.lastIndexOf("/") + 1),
    }));
    return send(res, 200, JSON.stringify(wire({ files })));
  }
  if (path.startsWith(`${ARTIFACTS}/`)) {
    const { runId: id, rel } = await runArtifactPath(
      store,
      path
        .slice(ARTIFACTS.length + 1)
        .split("/")
        .map(decodeSegment)
        .join("/"),
    );
    if (method === "PUT") {
      await store.logArtifact(id, rel, new Uint8Array(body));
      return send(res, 200, "{}");
    }
    if (method === "GET") return send(res, 200, await store.readArtifact(id, rel), "application/octet-stream");
    return html(res, 405, "405 Method Not Allowed");
  }

  const route = path.startsWith(API) ? ROUTES[path.slice(API.length)] : undefined;
  if (!route) return html(res, 404, "404 Not Found");
  const handler = route[method as Verb];
  if (!handler) return html(res, 405, "405 Method Not Allowed");
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if ((method === "POST" || method === "PUT") && type !== "application/json") {
    throw invalid("Bad Request. Content-Type must be one of ['application/json'].");
  }
  let params: Params;
  if (method === "GET" && url.search) params = queryParams(url.searchParams);
  else {
    try {
      params = body.length ? (JSON.parse(body.toString("utf8")) as Params) : {};
    } catch {
      throw invalid("Malformed request: the body is not JSON");
    }
  }
  const out = await handler(params, store);
  send(res, 200, JSON.stringify(wire(out ?? {})));
}

/** Starts the double on 127.0.0.1 at an ephemeral port. */
export async function startMlflowDouble(
  store: TrackingStore,
  options: MlflowDoubleOptions = {},
): Promise<MlflowDouble> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push({ method: req.method ?? "", path: url.pathname, query: url.search, headers: req.headers });
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      req.resume();
      return send(res, 401, JSON.stringify({ error_code: "UNAUTHENTICATED", message: "You are not authenticated." }));
    }
    handle(store, req, res, url).catch((e) => sendError(res, e));
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((e) => (e ? fail(e) : ok()));
        server.closeAllConnections();
      }),
  };
}
