/**
 * MLflow 3's logged models in the file store, in MLflow 3's layout (/work/shared/docs/mlflow3-compat.md §12):
 *   mlruns/<exp>/models/<model_id>/meta.yaml        artifact_location, creation_timestamp, experiment_id,
 *                                                   last_updated_timestamp, model_id, model_type, name,
 *                                                   source_run_id, status (1 PENDING, 2 READY, 3 UPLOAD_FAILED),
 *                                                   status_message; `lifecycle_stage: deleted` once deleted
 *   mlruns/<exp>/models/<model_id>/params/<key>     the raw value
 *   mlruns/<exp>/models/<model_id>/tags/<key>       the raw value
 *   mlruns/<exp>/models/<model_id>/metrics/<key>    `<ts> <value> <step> <run_id> [<dataset_name> <dataset_digest>]`
 *   mlruns/<exp>/models/<model_id>/artifacts/...    the model's files (artifact_location points here)
 * A deleted model's folder stays (soft delete). Searches read each model folder in one synchronous pass.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { HandgestureError } from "../core/errors.js";
import type {
  FileInfo,
  LoggedModel,
  LoggedModelInfo,
  LoggedModelMetric,
  LoggedModelStatus,
  Metric,
  Page,
  Param,
  Tag,
} from "./entities.js";
import { LOGGED_MODEL_STATUS_CODES } from "./entities.js";
import { artifactRootOf, listArtifactDir, readArtifactFile, writeArtifact } from "./file-artifacts.js";
import { err, validateModelId, validateParam, validateParamKeysUnique, writeable } from "./file-checks.js";
import { latestModelMetrics, modelMetricLine } from "./file-metrics.js";
import { randomRunName } from "./file-names.js";
import { checkSameParam, writeParam } from "./file-params.js";
import type { FileTrackingStore } from "./file-tracking.js";
import {
  appendLines,
  checkLength,
  exists,
  isMissing,
  isTempName,
  listKeysSync,
  MAX_ENTITY_KEY_LENGTH,
  readdirSyncOrEmpty,
  readKeyValuesSync,
  readTextOrNull,
  readTextSyncOrNull,
  readYamlSync,
  safeJoin,
  validateEntityName,
  writeFileAtomic,
  writeYaml,
  yieldToEventLoop,
} from "./fs-util.js";
import { filterLoggedModels, sortLoggedModels } from "./search.js";
import type { CreateLoggedModelOptions, SearchLoggedModelsOptions } from "./store.js";

const META = "meta.yaml";
const MODELS = "models";
const SEARCH_DEFAULT_MAX_RESULTS = 100;
const BAD_NAME_CHARACTERS = ["/", ":", ".", "%", '"', "'"];

/** models/<id>/meta.yaml as MLflow 3 writes it (keys sorted on write). */
interface ModelMeta {
  artifact_location: string;
  creation_timestamp: number;
  experiment_id: string;
  last_updated_timestamp: number;
  lifecycle_stage?: "deleted";
  model_id: string;
  model_type: string | null;
  name: string;
  source_run_id: string | null;
  status: number;
  status_message: string | null;
}

const STATUS_BY_CODE = Object.fromEntries(
  Object.entries(LOGGED_MODEL_STATUS_CODES).map(([k, v]) => [v, k as LoggedModelStatus]),
) as Record<number, LoggedModelStatus>;

/** Python's repr() of a str, enough for MLflow's messages: '…', or "…" when it holds a ' and no ". */
function pyRepr(s: string): string {
  if (s.includes("'") && !s.includes('"')) return `"${s}"`;
  return `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** MLflow's _validate_logged_model_name: absent is fine; empty or holding one of / : . % " ' is not. */
function validateModelName(name: string | undefined): void {
  if (name === undefined || name === null) return;
  if (typeof name !== "string" || name === "" || BAD_NAME_CHARACTERS.some((c) => name.includes(c))) {
    throw err(
      `Invalid model name (${pyRepr(String(name))}) provided. Model name must be a non-empty string and cannot contain the following characters: (${BAD_NAME_CHARACTERS.map(pyRepr).join(", ")})`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}

function statusCode(status: LoggedModelStatus | number): number {
  if (typeof status === "number" && STATUS_BY_CODE[status]) return status;
  if (typeof status === "string" && Object.hasOwn(LOGGED_MODEL_STATUS_CODES, status)) {
    return LOGGED_MODEL_STATUS_CODES[status];
  }
  throw err(`Invalid value "${status}" for parameter 'status' supplied`, "INVALID_PARAMETER_VALUE");
}

function notFound(modelId: string): HandgestureError {
  return err(`Logged model with ID '${modelId}' not found.`, "RESOURCE_DOES_NOT_EXIST");
}

function validateModelTag(t: Tag): Tag {
  validateEntityName("tag", t?.key);
  checkLength("Tag key", MAX_ENTITY_KEY_LENGTH, t.key);
  return { key: t.key, value: writeable(t.value) };
}

export interface FileLoggedModelsOptions {
  now?: () => number;
  /** New model ids (default `m-` + 32 hex, as MLflow 3). */
  newModelId?: () => string;
  /** Names for models created without one (default MLflow-like `<adjective>-<noun>-<n>`). */
  newName?: () => string;
}

interface ModelLocation {
  dir: string;
  experimentId: string;
}

export class FileLoggedModels {
  readonly tracking: FileTrackingStore;
  private readonly now: () => number;
  private readonly newModelId: () => string;
  private readonly newName: () => string;
  /** model id → its folder (checked on every use: experiments move to .trash). */
  private readonly locations = new Map<string, ModelLocation>();

  constructor(tracking: FileTrackingStore, options: FileLoggedModelsOptions = {}) {
    this.tracking = tracking;
    this.now = options.now ?? Date.now;
    this.newModelId = options.newModelId ?? (() => `m-${randomUUID().replaceAll("-", "")}`);
    this.newName = options.newName ?? randomRunName;
  }

  // ---- where models are, and reading them

  /** The model's folder in whichever experiment (active or deleted) holds it, or null. */
  private async locate(modelId: string): Promise<ModelLocation | null> {
    const cached = this.locations.get(modelId);
    if (cached && (await exists(join(cached.dir, META)))) return cached;
    if (typeof modelId !== "string" || !/^[\w-]{1,256}$/.test(modelId)) return null;
    for (const [expDir, experimentId] of await this.tracking.experimentFolders("ALL")) {
      const dir = join(expDir, MODELS, modelId);
      if (await exists(join(dir, META))) {
        const found = { dir, experimentId };
        this.locations.set(modelId, found);
        return found;
      }
    }
    return null;
  }

  /** A live model's folder and meta (deleted ones too when allowDeleted); RESOURCE_DOES_NOT_EXIST otherwise. */
  private async state(modelId: string, allowDeleted = false): Promise<{ dir: string; meta: ModelMeta }> {
    const where = await this.locate(modelId);
    if (where === null) throw notFound(modelId);
    const meta = readYamlSync<ModelMeta>(join(where.dir, META));
    if (!allowDeleted && meta.lifecycle_stage === "deleted") throw notFound(modelId);
    return { dir: where.dir, meta };
  }

  /** The whole model from its folder (synchronous: searches read many). */
  private readModel(dir: string, meta: ModelMeta): LoggedModel {
    const modelId = String(meta.model_id);
    const info: LoggedModelInfo = {
      model_id: modelId,
      experiment_id: String(meta.experiment_id),
      name: String(meta.name ?? ""),
      creation_timestamp_ms: Number(meta.creation_timestamp ?? 0),
      last_updated_timestamp_ms: Number(meta.last_updated_timestamp ?? meta.creation_timestamp ?? 0),
      artifact_uri: String(meta.artifact_location ?? ""),
      status: STATUS_BY_CODE[Number(meta.status)] ?? "LOGGED_MODEL_PENDING",
      model_type: meta.model_type == null ? "" : String(meta.model_type),
      source_run_id: meta.source_run_id == null ? "" : String(meta.source_run_id),
      tags: readKeyValuesSync(join(dir, "tags")),
    };
    const metrics: LoggedModelMetric[] = [];
    const metricsDir = join(dir, "metrics");
    for (const key of listKeysSync(metricsDir)) {
      const text = readTextSyncOrNull(join(metricsDir, key));
      if (text !== null) metrics.push(...latestModelMetrics(modelId, key, text));
    }
    return { info, data: { params: readKeyValuesSync(join(dir, "params")), metrics } };
  }

  private async writeMeta(dir: string, meta: ModelMeta): Promise<void> {
    await writeYaml(join(dir, META), meta);
  }

  // ---- the entity

  async createLoggedModel(o: CreateLoggedModelOptions): Promise<LoggedModel> {
    validateModelName(o.name);
    const params = (o.params ?? []).map(validateParam);
    validateParamKeysUnique(params);
    const tags = (o.tags ?? []).map(validateModelTag);
    const experimentId = String(o.experimentId ?? "");
    let experiment: Awaited<ReturnType<FileTrackingStore["getExperiment"]>>;
    try {
      experiment = await this.tracking.getExperiment(experimentId);
    } catch (e) {
      if (isMissing(e) || (e as HandgestureError).code === "INVALID_PARAMETER_VALUE") {
        throw err(`No Experiment with id=${experimentId} exists`, "RESOURCE_DOES_NOT_EXIST");
      }
      throw e;
    }
    if (experiment.lifecycle_stage !== "active") {
      throw err(
        `Could not create model under non-active experiment with ID ${experimentId}.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const modelId = this.newModelId();
    validateModelId(modelId);
    const expDir = await this.tracking.experimentDir(experimentId);
    if (expDir === null) throw err(`No Experiment with id=${experimentId} exists`, "RESOURCE_DOES_NOT_EXIST");
    const dir = join(expDir, MODELS, modelId);
    if (await exists(dir)) throw err(`Logged model '${modelId}' already exists.`, "RESOURCE_ALREADY_EXISTS");
    const time = this.now();
    // params and tags first, meta.yaml last: a folder without meta.yaml is no model yet (a crash leaves none).
    // metrics/ and params/ exist from the start, as MLflow creates them.
    for (const sub of ["metrics", "params"]) await mkdir(join(dir, sub), { recursive: true });
    for (const p of params) await writeFileAtomic(safeJoin(dir, "params", p.key), p.value);
    for (const t of tags) await writeFileAtomic(safeJoin(dir, "tags", t.key), t.value);
    const meta: ModelMeta = {
      artifact_location: `${experiment.artifact_location.replace(/\/+$/, "")}/${MODELS}/${modelId}/artifacts`,
      creation_timestamp: time,
      experiment_id: experimentId,
      last_updated_timestamp: time,
      model_id: modelId,
      model_type: o.modelType || null,
      name: o.name ?? this.newName(),
      source_run_id: o.sourceRunId || null,
      status: LOGGED_MODEL_STATUS_CODES.LOGGED_MODEL_PENDING,
      status_message: null,
    };
    await this.writeMeta(dir, meta);
    this.locations.set(modelId, { dir, experimentId });
    return this.readModel(dir, meta);
  }

  async getLoggedModel(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    const { dir, meta } = await this.state(modelId, allowDeleted);
    return this.readModel(dir, meta);
  }

  /** Sets the status and bumps last_updated_timestamp. */
  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const code = statusCode(status);
    const { dir, meta } = await this.state(modelId);
    const next: ModelMeta = { ...meta, status: code, last_updated_timestamp: this.now() };
    await this.writeMeta(dir, next);
    return this.readModel(dir, next);
  }

  /** Soft delete: `lifecycle_stage: deleted` in meta.yaml, the folder stays; a second delete does nothing. */
  async deleteLoggedModel(modelId: string): Promise<void> {
    const { dir, meta } = await this.state(modelId, true);
    if (meta.lifecycle_stage === "deleted") return;
    await this.writeMeta(dir, { ...meta, lifecycle_stage: "deleted", last_updated_timestamp: this.now() });
  }

  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    const checked = (tags ?? []).map(validateModelTag);
    const { dir } = await this.state(modelId);
    for (const t of checked) await writeFileAtomic(safeJoin(dir, "tags", t.key), t.value);
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    validateEntityName("tag", key);
    const { dir } = await this.state(modelId);
    const path = safeJoin(dir, "tags", key);
    if (!(await exists(path))) {
      throw err(
        `No tag with key ${pyRepr(key)} found for model with ID ${pyRepr(modelId)}.`,
        "RESOURCE_DOES_NOT_EXIST",
      );
    }
    await rm(path, { force: true });
  }

  /** Params are immutable: a key logged again with another value is refused, the same value is fine. */
  async logLoggedModelParams(modelId: string, params: Param[]): Promise<void> {
    const checked = (params ?? []).map(validateParam);
    const { dir } = await this.state(modelId);
    const toWrite = new Map<string, string>();
    for (const p of checked) {
      const current = toWrite.get(p.key) ?? (await readTextOrNull(safeJoin(dir, "params", p.key)));
      if (current !== null) checkSameParam(p, current, modelId, "logged model ID");
      else toWrite.set(p.key, p.value);
    }
    for (const [key, value] of toWrite) await writeParam(dir, { key, value }, modelId, "logged model ID");
  }

  /**
   * Appends the points of a run's batch that carry a model_id to those models' metric files (with the run id).
   * A model id that names no logged model of this store is skipped: MLflow accepts such points for the run and
   * would create a stray models/<id>/ folder without meta.yaml; the run's copy is kept either way.
   */
  async appendModelMetrics(runId: string, metrics: readonly Metric[]): Promise<void> {
    const byFile = new Map<string, string[]>();
    for (const m of metrics) {
      if (m.model_id == null) continue;
      const where = await this.locate(m.model_id);
      if (where === null) continue;
      const path = safeJoin(where.dir, "metrics", m.key);
      const lines = byFile.get(path) ?? [];
      lines.push(modelMetricLine(m, runId));
      byFile.set(path, lines);
    }
    for (const [path, lines] of byFile) await appendLines(path, lines);
  }

  // ---- search

  /** The live models of the experiments, filtered and ordered as MLflow 3 (newest first by default). */
  async searchLoggedModels(o: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    const experimentIds = (o.experimentIds ?? []).map(String);
    const datasets = o.datasets ?? [];
    if (datasets.some((d) => !d?.dataset_name)) {
      throw err("`dataset_name` in the `datasets` clause must be specified.", "INVALID_PARAMETER_VALUE");
    }
    const maxResults = o.maxResults ?? SEARCH_DEFAULT_MAX_RESULTS;
    if (!Number.isInteger(maxResults) || maxResults < 1) {
      throw err(
        `Invalid value for max_results. It must be a positive integer, but got ${maxResults}`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const token = decodeModelsPageToken(o.pageToken, experimentIds, o.filter);
    const models: LoggedModel[] = [];
    for (const experimentId of experimentIds) {
      let expDir: string | null;
      try {
        expDir = await this.tracking.experimentDir(experimentId);
      } catch {
        expDir = null; // an id that cannot be an experiment: nothing to find there, as MLflow answers {}
      }
      if (expDir === null) continue;
      const modelsDir = join(expDir, MODELS);
      for (const entry of readdirSyncOrEmpty(modelsDir)) {
        if (!entry.isDirectory() || isTempName(entry.name)) continue;
        const dir = join(modelsDir, entry.name);
        let meta: ModelMeta;
        try {
          meta = readYamlSync<ModelMeta>(join(dir, META));
        } catch {
          continue; // a model being created (no meta.yaml yet) or a damaged one: skipped, as MLflow warns
        }
        if (meta.lifecycle_stage === "deleted" || String(meta.experiment_id) !== experimentId) continue;
        models.push(this.readModel(dir, meta));
        await yieldToEventLoop();
      }
    }
    const sorted = sortLoggedModels(filterLoggedModels(models, o.filter, datasets), o.orderBy ?? []);
    const items = sorted.slice(token, token + maxResults);
    const page: Page<LoggedModel> = { items };
    if (token + maxResults < sorted.length) {
      page.next_page_token = encodeModelsPageToken(experimentIds, o.filter, o.orderBy, token + maxResults);
    }
    return page;
  }

  // ---- artifacts: below the model's artifact_location (a file: URI), never leaving it

  private async artifactRoot(modelId: string): Promise<string> {
    const { meta } = await this.state(modelId);
    return artifactRootOf(String(meta.artifact_location), `Logged model '${modelId}'`);
  }

  async logLoggedModelArtifact(modelId: string, path: string, data: Uint8Array | string): Promise<void> {
    await writeArtifact(await this.artifactRoot(modelId), path, data);
  }

  async listLoggedModelArtifacts(modelId: string, path?: string): Promise<FileInfo[]> {
    return listArtifactDir(await this.artifactRoot(modelId), path);
  }

  async readLoggedModelArtifact(modelId: string, path: string): Promise<Uint8Array> {
    return readArtifactFile(await this.artifactRoot(modelId), path, `logged model '${modelId}'`);
  }
}

// ---- page tokens as MLflow 3's SearchLoggedModelsPaginationToken: base64 of json.dumps of
// {"experiment_ids": [...], "filter_string": ..., "order_by": ..., "offset": N}

/** JSON with Python json.dumps' separators (", " and ": "). */
function pyJson(v: unknown): string {
  if (v === undefined || v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(pyJson).join(", ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(v);
}

function encodeModelsPageToken(
  experimentIds: string[],
  filter: string | undefined,
  orderBy: unknown[] | undefined,
  offset: number,
): string {
  const body = {
    experiment_ids: experimentIds,
    filter_string: filter || null,
    order_by: orderBy?.length ? orderBy : null,
    offset,
  };
  return Buffer.from(pyJson(body), "utf8").toString("base64");
}

function decodeModelsPageToken(token: string | undefined, experimentIds: string[], filter: string | undefined): number {
  if (token === undefined || token === "") return 0;
  let parsed: { experiment_ids?: unknown; filter_string?: unknown; offset?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch (e) {
    throw err(`Invalid page token: ${token}. ${(e as Error).message}`, "INVALID_PARAMETER_VALUE");
  }
  const offset = parsed?.offset ?? 0;
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw err(`Invalid page token: ${token}. The offset must be a non-negative integer.`, "INVALID_PARAMETER_VALUE");
  }
  if (JSON.stringify(parsed.experiment_ids ?? null) !== JSON.stringify(experimentIds)) {
    throw err(
      `Experiment IDs in the page token do not match the requested experiment IDs. Got ${pyJson(experimentIds)}, expected ${pyJson(parsed.experiment_ids)}.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  if ((parsed.filter_string || null) !== (filter || null)) {
    throw err(
      `Filter string in the page token does not match the requested filter string. Got ${filter ?? "None"}, expected ${parsed.filter_string ?? "None"}.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  return offset;
}
