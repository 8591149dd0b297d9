/**
 * A TrackingStore over MLflow's REST API 2.0 (tracking, registry and the proxied artifact API), as MLflow 3's
 * server speaks it (docs/mlflow3-compat.md: logged models, run outputs, metrics tied to a model) and MLflow 2.12's
 * still does (docs/mlflow-compat.md). Against a server without the LoggedModel API, its methods fail with an
 * error isEndpointMissing() recognises, so a caller can fall back to MLflow 2's forms. Isomorphic: only the global
 * fetch, so the web app can use it too. Every JSON request goes through one `call()`; the HTTP verb and path of
 * each method come from ENDPOINTS (`{model_id}` in a path is filled from the call's path parameters).
 */
import { type ErrorCode, HandgestureError } from "../core/errors.js";
import type {
  DatasetInput,
  Experiment,
  FileInfo,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  ModelInput,
  ModelOutput,
  ModelVersion,
  Page,
  Param,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
  Stage,
  Tag,
} from "./entities.js";
import {
  experimentFromWire,
  type Int,
  loggedModelFromWire,
  metricFromWire,
  metricToWire,
  modelFromWire,
  page,
  runFromWire,
  runInfoFromWire,
  versionFromWire,
  type WireExperiment,
  type WireLoggedModel,
  type WireMetric,
  type WireModelVersion,
  type WireRegisteredModel,
  type WireRun,
  type WireRunInfo,
} from "./rest-wire.js";
import type {
  CreateLoggedModelOptions,
  CreateModelVersionOptions,
  CreateRunOptions,
  RunBatch,
  SearchExperimentsOptions,
  SearchLoggedModelsOptions,
  SearchRegistryOptions,
  SearchRunsOptions,
  TrackingStore,
} from "./store.js";

export interface RestStoreOptions {
  /** Bearer token sent on every request; a function is called for each request (tokens that expire). */
  token?: string | (() => string | undefined);
  /** The fetch to use; default the global one. */
  fetch?: typeof fetch;
  /** Per-request timeout in milliseconds; default 120 000. */
  timeoutMs?: number;
}

type Verb = "GET" | "POST" | "PATCH" | "DELETE";

/** Each JSON call: [HTTP verb, path under /api/2.0/mlflow/]. */
export const ENDPOINTS = Object.freeze({
  createExperiment: ["POST", "experiments/create"],
  getExperiment: ["GET", "experiments/get"],
  getExperimentByName: ["GET", "experiments/get-by-name"],
  searchExperiments: ["POST", "experiments/search"],
  setExperimentTag: ["POST", "experiments/set-experiment-tag"],
  deleteExperiment: ["POST", "experiments/delete"],
  createRun: ["POST", "runs/create"],
  getRun: ["GET", "runs/get"],
  updateRunInfo: ["POST", "runs/update"],
  deleteRun: ["POST", "runs/delete"],
  logBatch: ["POST", "runs/log-batch"],
  logMetric: ["POST", "runs/log-metric"],
  logParam: ["POST", "runs/log-parameter"],
  setTag: ["POST", "runs/set-tag"],
  deleteTag: ["POST", "runs/delete-tag"],
  logInputs: ["POST", "runs/log-inputs"],
  getMetricHistory: ["GET", "metrics/get-history"],
  searchRuns: ["POST", "runs/search"],
  createRegisteredModel: ["POST", "registered-models/create"],
  getRegisteredModel: ["GET", "registered-models/get"],
  searchRegisteredModels: ["GET", "registered-models/search"],
  renameRegisteredModel: ["POST", "registered-models/rename"],
  updateRegisteredModel: ["PATCH", "registered-models/update"],
  deleteRegisteredModel: ["DELETE", "registered-models/delete"],
  setRegisteredModelTag: ["POST", "registered-models/set-tag"],
  deleteRegisteredModelTag: ["DELETE", "registered-models/delete-tag"],
  createModelVersion: ["POST", "model-versions/create"],
  getModelVersion: ["GET", "model-versions/get"],
  searchModelVersions: ["GET", "model-versions/search"],
  updateModelVersion: ["PATCH", "model-versions/update"],
  deleteModelVersion: ["DELETE", "model-versions/delete"],
  transitionModelVersionStage: ["POST", "model-versions/transition-stage"],
  getLatestVersions: ["POST", "registered-models/get-latest-versions"],
  setModelVersionTag: ["POST", "model-versions/set-tag"],
  deleteModelVersionTag: ["DELETE", "model-versions/delete-tag"],
  setRegisteredModelAlias: ["POST", "registered-models/alias"],
  deleteRegisteredModelAlias: ["DELETE", "registered-models/alias"],
  getModelVersionByAlias: ["GET", "registered-models/alias"],
  getModelVersionDownloadUri: ["GET", "model-versions/get-download-uri"],
  logOutputs: ["POST", "runs/outputs"],
  createLoggedModel: ["POST", "logged-models"],
  getLoggedModel: ["GET", "logged-models/{model_id}"],
  finalizeLoggedModel: ["PATCH", "logged-models/{model_id}"],
  deleteLoggedModel: ["DELETE", "logged-models/{model_id}"],
  setLoggedModelTags: ["PATCH", "logged-models/{model_id}/tags"],
  deleteLoggedModelTag: ["DELETE", "logged-models/{model_id}/tags/{tag_key}"],
  logLoggedModelParams: ["POST", "logged-models/{model_id}/params"],
  searchLoggedModels: ["POST", "logged-models/search"],
} as const satisfies Record<string, readonly [Verb, string]>);
export type Endpoint = keyof typeof ENDPOINTS;

/** MLflow's per-request limits for runs/log-batch; larger batches are split. */
export const BATCH_LIMITS = Object.freeze({ metrics: 1000, params: 100, tags: 100, total: 1000 });

export { metricValueFromWire, metricValueToWire } from "./rest-wire.js";

const API = "/api/2.0/mlflow/";
const ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts";
const DEFAULT_TIMEOUT_MS = 120_000;
/** What MLflow 3's client asks metrics/get-history for per page (MLflow 3 answers no points without it). */
export const HISTORY_PAGE_SIZE = 25_000;

/** An error from the server or the network; `status` is absent when no answer came. */
export class RestStoreError extends HandgestureError {
  readonly url: string;
  readonly status: number | undefined;
  /** The server's error_code as sent (may be one HandgestureError has no code for, e.g. PERMISSION_DENIED). */
  readonly serverCode: string | undefined;
  constructor(message: string, code: ErrorCode, url: string, status?: number, serverCode?: string) {
    super(message, code);
    this.url = url;
    this.status = status;
    this.serverCode = serverCode;
  }
}

/**
 * Whether `e` says the server has no such endpoint: our server's (and MLflow's) ENDPOINT_NOT_FOUND, or a 404 that
 * is not MLflow's JSON error at all (Flask's HTML page: MLflow 2.12 asked for `logged-models`). A caller that gets
 * this from createLoggedModel talks to a server without MLflow 3's LoggedModel API.
 */
export function isEndpointMissing(e: unknown): boolean {
  return e instanceof RestStoreError && e.serverCode === "ENDPOINT_NOT_FOUND";
}

const CODES: Readonly<Record<string, ErrorCode>> = Object.freeze({
  RESOURCE_DOES_NOT_EXIST: "RESOURCE_DOES_NOT_EXIST",
  NOT_FOUND: "RESOURCE_DOES_NOT_EXIST",
  ENDPOINT_NOT_FOUND: "RESOURCE_DOES_NOT_EXIST",
  RESOURCE_ALREADY_EXISTS: "RESOURCE_ALREADY_EXISTS",
  RESOURCE_CONFLICT: "RESOURCE_ALREADY_EXISTS",
  INVALID_PARAMETER_VALUE: "INVALID_PARAMETER_VALUE",
  BAD_REQUEST: "INVALID_PARAMETER_VALUE",
  MALFORMED_REQUEST: "INVALID_PARAMETER_VALUE",
  INVALID_STATE: "INVALID_PARAMETER_VALUE",
  INTERNAL_ERROR: "INTERNAL_ERROR",
});

function codeFor(serverCode: string | undefined, status: number): ErrorCode {
  const known = serverCode === undefined ? undefined : CODES[serverCode];
  if (known) return known;
  if (status === 404) return "RESOURCE_DOES_NOT_EXIST";
  if (status === 409) return "RESOURCE_ALREADY_EXISTS";
  return status >= 500 ? "INTERNAL_ERROR" : "INVALID_PARAMETER_VALUE";
}

/** Splits a relative artifact path into segments; rejects anything that could leave the run's artifact root. */
function artifactSegments(path: string, what: string): string[] {
  if (path.startsWith("/") || path.includes("\\") || /^[a-zA-Z]:/.test(path)) {
    throw new HandgestureError(`artifact ${what} must be relative to the run's artifact root, got '${path}'`);
  }
  const segs = path.split("/").filter((s) => s !== "" && s !== ".");
  if (segs.includes("..")) throw new HandgestureError(`artifact ${what} must not contain '..', got '${path}'`);
  return segs;
}

/**
 * Where artifacts sit under mlflow-artifacts/artifacts: from an mlflow-artifacts: URI, else `fallback` (a run's
 * <exp>/<run>/artifacts, a logged model's <exp>/models/<model_id>/artifacts: what the server maps them to).
 */
function artifactRoot(uri: string, fallback: string): string {
  if (uri.startsWith("mlflow-artifacts:")) {
    let rest = uri.slice("mlflow-artifacts:".length);
    if (rest.startsWith("//")) {
      const slash = rest.indexOf("/", 2);
      rest = slash < 0 ? "" : rest.slice(slash);
    }
    return rest.replace(/^\/+/, "").replace(/\/+$/, "");
  }
  return fallback;
}

type Query = Record<string, string | number | boolean | readonly string[] | undefined>;
type Body = Record<string, unknown>;

export class RestStore implements TrackingStore {
  readonly baseUrl: string;
  readonly #token: RestStoreOptions["token"];
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #roots = new Map<string, Promise<string>>();

  constructor(baseUrl: string, { token, fetch: fetchFn, timeoutMs = DEFAULT_TIMEOUT_MS }: RestStoreOptions = {}) {
    if (!/^https?:\/\//i.test(baseUrl)) {
      throw new HandgestureError(`the tracking server URL must start with http:// or https://, got '${baseUrl}'`);
    }
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#token = token;
    // A bare reference to the global fetch loses its `this` in browsers ("Illegal invocation").
    this.#fetch = fetchFn ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = timeoutMs;
  }

  // ---- transport ----

  /** One HTTP exchange: auth header, timeout, and server/network errors turned into RestStoreError. */
  async #send(method: string, url: string, body?: BodyInit, contentType?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (contentType) headers["Content-Type"] = contentType;
    const token = typeof this.#token === "function" ? this.#token() : this.#token;
    if (token) headers.Authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await this.#fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (e) {
      throw this.#networkError(e, method, url);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => "");
    let serverCode: string | undefined;
    let message = `${method} ${url} failed: HTTP ${res.status} ${res.statusText}`.trimEnd();
    try {
      const j = JSON.parse(text) as { error_code?: string; message?: string };
      serverCode = j.error_code;
      if (j.message) message = j.message;
    } catch {
      if (text) message += `: ${text.slice(0, 200)}`;
    }
    // A 404 that is not MLflow's JSON error comes from the router: the server has no such endpoint.
    if (res.status === 404 && serverCode === undefined) serverCode = "ENDPOINT_NOT_FOUND";
    throw new RestStoreError(message, codeFor(serverCode, res.status), url, res.status, serverCode);
  }

  #networkError(e: unknown, method: string, url: string): RestStoreError {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why =
      err.name === "TimeoutError" || err.name === "AbortError"
        ? `no answer within ${this.#timeoutMs} ms`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    return new RestStoreError(
      `cannot reach the MLflow tracking server at ${url} (${method}): ${why}`,
      "INTERNAL_ERROR",
      url,
    );
  }

  /** Reads an answer's body; a timeout or a dropped connection on the way is a RestStoreError too. */
  async #read<T>(res: Response, method: string, url: string, read: (r: Response) => Promise<T>): Promise<T> {
    try {
      return await read(res);
    } catch (e) {
      throw this.#networkError(e, method, url);
    }
  }

  /** One call of the tracking/registry API: GET with a query string, the other verbs with a JSON body. */
  async #call<T = Record<string, unknown>>(
    endpoint: Endpoint,
    params: Body | Query = {},
    pathParams: Readonly<Record<string, string>> = {},
  ): Promise<T> {
    const [verb, template] = ENDPOINTS[endpoint];
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathParams[name] ?? ""));
    let url = `${this.baseUrl}${API}${path}`;
    let res: Response;
    if (verb === "GET") {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params as Query)) {
        if (v === undefined) continue;
        for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
      }
      const qs = q.toString();
      if (qs) url += `?${qs}`;
      res = await this.#send(verb, url);
    } else {
      res = await this.#send(verb, url, JSON.stringify(params), "application/json");
    }
    const text = await this.#read(res, verb, url, (r) => r.text());
    if (!text.trim()) return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RestStoreError(
        `${verb} ${url}: the answer is not JSON: ${text.slice(0, 200)}`,
        "INTERNAL_ERROR",
        url,
        res.status,
      );
    }
  }

  // ---- experiments ----

  async createExperiment(name: string, tags: Tag[] = [], artifactLocation?: string): Promise<string> {
    const r = await this.#call<{ experiment_id: string }>("createExperiment", {
      name,
      tags,
      artifact_location: artifactLocation,
    });
    return String(r.experiment_id);
  }
  async getExperiment(experimentId: string): Promise<Experiment> {
    const r = await this.#call<{ experiment: WireExperiment }>("getExperiment", { experiment_id: experimentId });
    return experimentFromWire(r.experiment);
  }
  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      const r = await this.#call<{ experiment: WireExperiment }>("getExperimentByName", { experiment_name: name });
      return experimentFromWire(r.experiment);
    } catch (e) {
      if (e instanceof HandgestureError && e.code === "RESOURCE_DOES_NOT_EXIST") return null;
      throw e;
    }
  }
  async searchExperiments(o: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    const r = await this.#call<{ experiments?: WireExperiment[]; next_page_token?: string }>("searchExperiments", {
      max_results: o.maxResults ?? 1000,
      view_type: o.viewType ?? "ACTIVE_ONLY",
      filter: o.filter,
      order_by: o.orderBy,
      page_token: o.pageToken,
    });
    return page(r.experiments, r.next_page_token, experimentFromWire);
  }
  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.#call("setExperimentTag", { experiment_id: experimentId, key, value });
  }
  async deleteExperiment(experimentId: string): Promise<void> {
    await this.#call("deleteExperiment", { experiment_id: experimentId });
  }

  // ---- runs ----

  async createRun(o: CreateRunOptions): Promise<Run> {
    const r = await this.#call<{ run: WireRun }>("createRun", {
      experiment_id: o.experimentId,
      user_id: o.userId,
      run_name: o.runName,
      start_time: o.startTime ?? Date.now(),
      tags: o.tags ?? [],
    });
    return runFromWire(r.run);
  }
  async getRun(runId: string): Promise<Run> {
    const r = await this.#call<{ run: WireRun }>("getRun", { run_id: runId, run_uuid: runId });
    return runFromWire(r.run);
  }
  async updateRunInfo(runId: string, status: RunStatus, endTime: number | null, runName?: string): Promise<RunInfo> {
    const r = await this.#call<{ run_info: WireRunInfo }>("updateRunInfo", {
      run_id: runId,
      run_uuid: runId,
      status,
      end_time: endTime ?? undefined,
      run_name: runName,
    });
    return runInfoFromWire(r.run_info);
  }
  async deleteRun(runId: string): Promise<void> {
    await this.#call("deleteRun", { run_id: runId });
  }
  /** Sent in as many requests as MLflow's limits (BATCH_LIMITS) need, in order. */
  async logBatch(runId: string, batch: RunBatch): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = batch.tags ?? [];
    let [m, p, t] = [0, 0, 0];
    while (m < metrics.length || p < params.length || t < tags.length) {
      const ps = params.slice(p, p + BATCH_LIMITS.params);
      const ts = tags.slice(t, t + BATCH_LIMITS.tags);
      const room = Math.min(BATCH_LIMITS.metrics, BATCH_LIMITS.total - ps.length - ts.length);
      const ms = metrics.slice(m, m + room);
      [m, p, t] = [m + ms.length, p + ps.length, t + ts.length];
      await this.#call("logBatch", { run_id: runId, metrics: ms.map(metricToWire), params: ps, tags: ts });
    }
  }
  async logMetric(runId: string, metric: Metric): Promise<void> {
    await this.#call("logMetric", { run_id: runId, run_uuid: runId, ...metricToWire(metric) });
  }
  async logParam(runId: string, param: Param): Promise<void> {
    await this.#call("logParam", { run_id: runId, run_uuid: runId, key: param.key, value: param.value });
  }
  async setTag(runId: string, tag: Tag): Promise<void> {
    await this.#call("setTag", { run_id: runId, run_uuid: runId, key: tag.key, value: tag.value });
  }
  async deleteTag(runId: string, key: string): Promise<void> {
    await this.#call("deleteTag", { run_id: runId, key });
  }
  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    await this.#call("logOutputs", { run_id: runId, models });
  }
  async logInputs(runId: string, datasets: DatasetInput[], models?: ModelInput[]): Promise<void> {
    await this.#call("logInputs", { run_id: runId, datasets, models: models?.length ? models : undefined });
  }
  /**
   * Every point, page by page: max_results is sent as MLflow 3's client sends it (without it MLflow 3 answers no
   * points); MLflow 2.12 ignores it and answers everything at once. A server that sends the same token back
   * without a point would loop: that stops with an error.
   */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.#call<{ metrics?: WireMetric[]; next_page_token?: string }>("getMetricHistory", {
        run_id: runId,
        run_uuid: runId,
        metric_key: key,
        max_results: HISTORY_PAGE_SIZE,
        page_token: pageToken,
      });
      const points = r.metrics ?? [];
      out.push(...points.map(metricFromWire));
      const next = r.next_page_token || undefined;
      if (next !== undefined && points.length === 0 && next === pageToken) {
        throw new RestStoreError(
          `metrics/get-history for '${key}' of run ${runId}: the server answers the same page token without points`,
          "INTERNAL_ERROR",
          `${this.baseUrl}${API}metrics/get-history`,
          200,
        );
      }
      pageToken = next;
    } while (pageToken);
    return out;
  }
  async searchRuns(o: SearchRunsOptions): Promise<Page<Run>> {
    const r = await this.#call<{ runs?: WireRun[]; next_page_token?: string }>("searchRuns", {
      experiment_ids: o.experimentIds,
      filter: o.filter,
      run_view_type: o.viewType ?? "ACTIVE_ONLY",
      max_results: o.maxResults ?? 1000,
      order_by: o.orderBy,
      page_token: o.pageToken,
    });
    return page(r.runs, r.next_page_token, runFromWire);
  }

  // ---- MLflow 3 logged models ----

  async createLoggedModel(o: CreateLoggedModelOptions): Promise<LoggedModel> {
    const r = await this.#call<{ model: WireLoggedModel }>("createLoggedModel", {
      experiment_id: o.experimentId,
      name: o.name,
      model_type: o.modelType,
      source_run_id: o.sourceRunId,
      params: o.params?.length ? o.params : undefined,
      tags: o.tags?.length ? o.tags : undefined,
    });
    return loggedModelFromWire(r.model);
  }
  async getLoggedModel(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    const query = allowDeleted ? { allow_deleted: true } : {};
    const r = await this.#call<{ model: WireLoggedModel }>("getLoggedModel", query, { model_id: modelId });
    return loggedModelFromWire(r.model);
  }
  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const r = await this.#call<{ model: WireLoggedModel }>(
      "finalizeLoggedModel",
      { model_id: modelId, status },
      { model_id: modelId },
    );
    this.#roots.delete(`model:${modelId}`);
    return loggedModelFromWire(r.model);
  }
  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.#call("deleteLoggedModel", { model_id: modelId }, { model_id: modelId });
    this.#roots.delete(`model:${modelId}`);
  }
  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    await this.#call("setLoggedModelTags", { tags }, { model_id: modelId });
  }
  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.#call("deleteLoggedModelTag", {}, { model_id: modelId, tag_key: key });
  }
  async logLoggedModelParams(modelId: string, params: Param[]): Promise<void> {
    await this.#call("logLoggedModelParams", { model_id: modelId, params }, { model_id: modelId });
  }
  async searchLoggedModels(o: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    const r = await this.#call<{ models?: WireLoggedModel[]; next_page_token?: string }>("searchLoggedModels", {
      experiment_ids: o.experimentIds,
      filter: o.filter,
      datasets: o.datasets,
      max_results: o.maxResults,
      order_by: o.orderBy,
      page_token: o.pageToken,
    });
    return page(r.models, r.next_page_token, loggedModelFromWire);
  }

  // ---- artifacts (the proxied artifact API) ----

  /** The run's folder under mlflow-artifacts/artifacts, from runs/get once per run. */
  #artifactRoot(runId: string): Promise<string> {
    let root = this.#roots.get(runId);
    if (!root) {
      root = this.getRun(runId).then((r) =>
        artifactRoot(r.info.artifact_uri, `${r.info.experiment_id}/${r.info.run_id}/artifacts`),
      );
      root.catch(() => this.#roots.delete(runId));
      this.#roots.set(runId, root);
    }
    return root;
  }
  /** A logged model's folder under mlflow-artifacts/artifacts, from logged-models/<id> once per model. */
  #modelArtifactRoot(modelId: string): Promise<string> {
    const key = `model:${modelId}`;
    let root = this.#roots.get(key);
    if (!root) {
      root = this.getLoggedModel(modelId).then(({ info }) =>
        artifactRoot(info.artifact_uri, `${info.experiment_id}/models/${info.model_id}/artifacts`),
      );
      root.catch(() => this.#roots.delete(key));
      this.#roots.set(key, root);
    }
    return root;
  }
  /** The proxied URL of a file; the path is checked before the root is looked up (no request for a bad path). */
  async #fileUrl(root: () => Promise<string>, path: string): Promise<string> {
    const segs = artifactSegments(path, "path");
    if (segs.length === 0) throw new HandgestureError(`artifact path must name a file, got '${path}'`);
    const parts = [...(await root()).split("/"), ...segs];
    return `${this.baseUrl}${ARTIFACTS_API}/${parts.map(encodeURIComponent).join("/")}`;
  }
  async #upload(url: string, data: Uint8Array | string): Promise<void> {
    const body = typeof data === "string" ? new TextEncoder().encode(data) : data;
    await this.#send("PUT", url, body as Uint8Array<ArrayBuffer>, "application/octet-stream");
  }
  async #download(url: string): Promise<Uint8Array> {
    const res = await this.#send("GET", url);
    return new Uint8Array(await this.#read(res, "GET", url, (r) => r.arrayBuffer()));
  }
  async logArtifact(runId: string, path: string, data: Uint8Array | string): Promise<void> {
    await this.#upload(await this.#fileUrl(() => this.#artifactRoot(runId), path), data);
  }
  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    return this.#download(await this.#fileUrl(() => this.#artifactRoot(runId), path));
  }
  async listArtifacts(runId: string, path = ""): Promise<FileInfo[]> {
    return this.#list(() => this.#artifactRoot(runId), path);
  }
  async logLoggedModelArtifact(modelId: string, path: string, data: Uint8Array | string): Promise<void> {
    await this.#upload(await this.#fileUrl(() => this.#modelArtifactRoot(modelId), path), data);
  }
  async readLoggedModelArtifact(modelId: string, path: string): Promise<Uint8Array> {
    return this.#download(await this.#fileUrl(() => this.#modelArtifactRoot(modelId), path));
  }
  async listLoggedModelArtifacts(modelId: string, path = ""): Promise<FileInfo[]> {
    return this.#list(() => this.#modelArtifactRoot(modelId), path);
  }
  /** The proxied listing of `<root>/<path>`; paths come back relative to the root, as the store contract has them. */
  async #list(rootOf: () => Promise<string>, path: string): Promise<FileInfo[]> {
    const dir = artifactSegments(path, "folder").join("/");
    const root = await rootOf();
    const q = new URLSearchParams({ path: dir ? `${root}/${dir}` : root });
    const url = `${this.baseUrl}${ARTIFACTS_API}?${q}`;
    const res = await this.#send("GET", url);
    const text = await this.#read(res, "GET", url, (b) => b.text());
    let r: { files?: { path: string; is_dir?: boolean; file_size?: Int }[] };
    try {
      r = JSON.parse(text || "{}");
    } catch {
      throw new RestStoreError(`GET ${url}: the answer is not JSON: ${text.slice(0, 200)}`, "INTERNAL_ERROR", url, 200);
    }
    return (r.files ?? [])
      .map((f) => {
        const info: FileInfo = { path: dir ? `${dir}/${f.path}` : f.path, is_dir: f.is_dir === true };
        if (!info.is_dir && f.file_size !== undefined) info.file_size = Number(f.file_size);
        return info;
      })
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  // ---- registry ----

  async createRegisteredModel(name: string, tags: Tag[] = [], description?: string): Promise<RegisteredModel> {
    const r = await this.#call<{ registered_model: WireRegisteredModel }>("createRegisteredModel", {
      name,
      tags,
      description,
    });
    return modelFromWire(r.registered_model);
  }
  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const r = await this.#call<{ registered_model: WireRegisteredModel }>("getRegisteredModel", { name });
    return modelFromWire(r.registered_model);
  }
  async searchRegisteredModels(o: SearchRegistryOptions = {}): Promise<Page<RegisteredModel>> {
    const r = await this.#call<{ registered_models?: WireRegisteredModel[]; next_page_token?: string }>(
      "searchRegisteredModels",
      { filter: o.filter, max_results: o.maxResults, order_by: o.orderBy, page_token: o.pageToken },
    );
    return page(r.registered_models, r.next_page_token, modelFromWire);
  }
  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const r = await this.#call<{ registered_model: WireRegisteredModel }>("renameRegisteredModel", {
      name,
      new_name: newName,
    });
    return modelFromWire(r.registered_model);
  }
  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const r = await this.#call<{ registered_model: WireRegisteredModel }>("updateRegisteredModel", {
      name,
      description,
    });
    return modelFromWire(r.registered_model);
  }
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.#call("deleteRegisteredModel", { name });
  }
  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.#call("setRegisteredModelTag", { name, key, value });
  }
  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.#call("deleteRegisteredModelTag", { name, key });
  }
  async createModelVersion(o: CreateModelVersionOptions): Promise<ModelVersion> {
    const r = await this.#call<{ model_version: WireModelVersion }>("createModelVersion", {
      name: o.name,
      source: o.source,
      run_id: o.runId,
      tags: o.tags ?? [],
      description: o.description,
      model_id: o.modelId,
    });
    return versionFromWire(r.model_version);
  }
  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.#call<{ model_version: WireModelVersion }>("getModelVersion", { name, version });
    return versionFromWire(r.model_version);
  }
  async searchModelVersions(o: SearchRegistryOptions = {}): Promise<Page<ModelVersion>> {
    const r = await this.#call<{ model_versions?: WireModelVersion[]; next_page_token?: string }>(
      "searchModelVersions",
      { filter: o.filter, max_results: o.maxResults, order_by: o.orderBy, page_token: o.pageToken },
    );
    return page(r.model_versions, r.next_page_token, versionFromWire);
  }
  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    const r = await this.#call<{ model_version: WireModelVersion }>("updateModelVersion", {
      name,
      version,
      description,
    });
    return versionFromWire(r.model_version);
  }
  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.#call("deleteModelVersion", { name, version });
  }
  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion> {
    const r = await this.#call<{ model_version: WireModelVersion }>("transitionModelVersionStage", {
      name,
      version,
      stage,
      archive_existing_versions: archiveExistingVersions,
    });
    return versionFromWire(r.model_version);
  }
  async getLatestVersions(name: string, stages?: Stage[]): Promise<ModelVersion[]> {
    const r = await this.#call<{ model_versions?: WireModelVersion[] }>("getLatestVersions", { name, stages });
    return (r.model_versions ?? []).map(versionFromWire);
  }
  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.#call("setModelVersionTag", { name, version, key, value });
  }
  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.#call("deleteModelVersionTag", { name, version, key });
  }
  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.#call("setRegisteredModelAlias", { name, alias, version });
  }
  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.#call("deleteRegisteredModelAlias", { name, alias });
  }
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const r = await this.#call<{ model_version: WireModelVersion }>("getModelVersionByAlias", { name, alias });
    return versionFromWire(r.model_version);
  }
  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const r = await this.#call<{ artifact_uri: string }>("getModelVersionDownloadUri", { name, version });
    return r.artifact_uri;
  }
}
