/**
 * MLflow 3's logged models in logged_models, logged_model_params, logged_model_tags and logged_model_metrics:
 * status stored as 1/2/3, soft delete (lifecycle_stage), artifacts under
 * `<experiment artifact location>/models/<model_id>/artifacts`.
 */
import { randomInt, randomUUID } from "node:crypto";
import type { FileInfo, LoggedModel, LoggedModelMetric, LoggedModelStatus, Page, Param, Tag } from "../entities.js";
import { LOGGED_MODEL_STATUS_CODES } from "../entities.js";
import { validateParam } from "../file-checks.js";
import { checkMaxResults, decodePageToken } from "../file-paging.js";
import type { CreateLoggedModelOptions, SearchLoggedModelsOptions } from "../store.js";
import { checkLength, MAX_TAG_VAL_LENGTH } from "../validation.js";
import { listArtifactDir, localArtifactDir, readArtifactFile, writeArtifact } from "./artifacts.js";
import { insertRows, invalid, notFound, placeholders, type SqlContext } from "./context.js";
import type { SqlExec } from "./db.js";
import { type ExperimentKey, experimentKey, missingExperiment, type SqlExperiments } from "./experiments.js";
import { readValue } from "./metrics.js";
import { loggedModelSearchSql } from "./search.js";

const SEARCH_DEFAULT = 100;
const STATUS_BY_CODE: Record<number, LoggedModelStatus> = Object.fromEntries(
  Object.entries(LOGGED_MODEL_STATUS_CODES).map(([k, v]) => [v, k as LoggedModelStatus]),
);
const BAD_NAME_CHARS = ["/", ":", ".", "%", '"', "'"];
const COLUMNS =
  "model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id";

interface ModelRow {
  model_id: string;
  experiment_id: ExperimentKey;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: number;
  lifecycle_stage: string | null;
  model_type: string | null;
  source_run_id: string | null;
}

const WORDS_A = "bold calm eager fancy gentle happy keen lucky merry noble proud quick sharp unleashed wise".split(" ");
const WORDS_B = "ant bear crane dove eagle fox hare ibis koala lark mole newt owl puma robin".split(" ");

function generatedName(): string {
  return `${WORDS_A[randomInt(WORDS_A.length)]}-${WORDS_B[randomInt(WORDS_B.length)]}-${randomInt(1000)}`;
}

function validateModelName(name: string): void {
  if (!name || BAD_NAME_CHARS.some((c) => name.includes(c))) {
    throw invalid(
      `Invalid model name ('${name}') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
    );
  }
}

function statusCode(status: LoggedModelStatus | number | string): number {
  if (typeof status === "number" && STATUS_BY_CODE[status]) return status;
  const code = LOGGED_MODEL_STATUS_CODES[status as LoggedModelStatus];
  if (code === undefined) throw invalid(`Invalid value "${status}" for parameter 'status' supplied`);
  return code;
}

function missingModel(id: string) {
  return notFound(`Logged model with ID '${id}' not found.`);
}

function byKey<T extends { key: string }>(a: T, b: T): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export class SqlLoggedModels {
  constructor(
    private readonly ctx: SqlContext,
    private readonly experiments: SqlExperiments,
  ) {}

  async row(modelId: string, allowDeleted = false, db: SqlExec = this.ctx.db): Promise<ModelRow> {
    if (typeof modelId !== "string" || modelId === "") throw missingModel(String(modelId));
    const row = await db.get<ModelRow>(`SELECT ${COLUMNS} FROM logged_models WHERE model_id = ?`, [modelId]);
    if (row === undefined || (!allowDeleted && row.lifecycle_stage === "deleted")) throw missingModel(modelId);
    return row;
  }

  async createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    const experimentId = String(options.experimentId);
    const exp = await this.experiments.row(experimentId);
    if (exp === null) throw missingExperiment(experimentId);
    const name = options.name ?? generatedName();
    validateModelName(name);
    const params = (options.params ?? []).map(validateParam);
    const tags = (options.tags ?? []).map((t) => {
      checkLength("Tag value", MAX_TAG_VAL_LENGTH, t.value);
      return { key: String(t.key), value: t.value == null ? "" : String(t.value) };
    });
    const modelId = `m-${randomUUID().replaceAll("-", "")}`;
    const time = this.ctx.now();
    const row: ModelRow = {
      model_id: modelId,
      experiment_id: exp.experiment_id,
      name,
      artifact_location: `${(exp.artifact_location ?? "").replace(/\/+$/, "")}/models/${modelId}/artifacts`,
      creation_timestamp_ms: time,
      last_updated_timestamp_ms: time,
      status: LOGGED_MODEL_STATUS_CODES.LOGGED_MODEL_PENDING,
      lifecycle_stage: "active",
      model_type: options.modelType ?? "",
      source_run_id: options.sourceRunId ?? "",
    };
    await this.ctx.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO logged_models (${COLUMNS}, status_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        [
          row.model_id,
          row.experiment_id,
          row.name,
          row.artifact_location,
          row.creation_timestamp_ms,
          row.last_updated_timestamp_ms,
          row.status,
          row.lifecycle_stage,
          row.model_type,
          row.source_run_id,
        ],
      );
      await this.insertParams(tx, row, params);
      await this.upsertTags(tx, row, tags);
    });
    return (await this.assemble([row]))[0];
  }

  async getLoggedModel(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    return (await this.assemble([await this.row(modelId, allowDeleted)]))[0];
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const code = statusCode(status);
    const row = await this.row(modelId);
    const time = this.ctx.now();
    await this.ctx.db.run("UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?", [
      code,
      time,
      modelId,
    ]);
    return (await this.assemble([{ ...row, status: code, last_updated_timestamp_ms: time }]))[0];
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.row(modelId, true);
    await this.ctx.db.run(
      "UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = ? WHERE model_id = ? AND lifecycle_stage != 'deleted'",
      [this.ctx.now(), modelId],
    );
  }

  private async upsertTags(tx: SqlExec, row: ModelRow, tags: Tag[]): Promise<void> {
    const unique = [...new Map(tags.map((t) => [t.key, t])).values()];
    await insertRows(
      tx,
      "logged_model_tags",
      ["model_id", "experiment_id", "tag_key", "tag_value"],
      unique.map((t) => [row.model_id, row.experiment_id, t.key, t.value]),
      "ON CONFLICT (model_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
    );
  }

  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    const checked = tags.map((t) => {
      checkLength("Tag value", MAX_TAG_VAL_LENGTH, t.value);
      return { key: String(t.key), value: t.value == null ? "" : String(t.value) };
    });
    await this.ctx.db.transaction(async (tx) => this.upsertTags(tx, await this.row(modelId, false, tx), checked));
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.row(modelId);
    const { changes } = await this.ctx.db.run("DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ?", [
      modelId,
      key,
    ]);
    if (changes === 0) throw notFound(`No tag with key '${key}' found for model with ID '${modelId}'.`);
  }

  /** New keys inserted; the same value again is fine; another value for a logged key is an error (all rolled back). */
  private async insertParams(tx: SqlExec, row: ModelRow, params: Param[]): Promise<void> {
    if (params.length === 0) return;
    const unique = [...new Map(params.map((p) => [p.key, p])).values()];
    const inserted = new Set(
      (
        await tx.all<{ param_key: string }>(
          `INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES ${unique.map(() => "(?, ?, ?, ?)").join(", ")} ON CONFLICT (model_id, param_key) DO NOTHING RETURNING param_key`,
          unique.flatMap((p) => [row.model_id, row.experiment_id, p.key, p.value]),
        )
      ).map((r) => r.param_key),
    );
    const existing = unique.filter((p) => !inserted.has(p.key));
    if (existing.length === 0) return;
    const current = new Map(
      (
        await tx.all<{ param_key: string; param_value: string }>(
          `SELECT param_key, param_value FROM logged_model_params WHERE model_id = ? AND param_key IN ${placeholders(existing.length)}`,
          [row.model_id, ...existing.map((p) => p.key)],
        )
      ).map((r) => [r.param_key, r.param_value]),
    );
    for (const p of existing) {
      const value = current.get(p.key);
      if (value !== undefined && value !== p.value) {
        throw invalid(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${value}' for logged model ID='${row.model_id}'. Attempted logging new value '${p.value}'.`,
        );
      }
    }
  }

  async logLoggedModelParams(modelId: string, params: Param[]): Promise<void> {
    const checked = params.map(validateParam);
    await this.ctx.db.transaction(async (tx) => this.insertParams(tx, await this.row(modelId, false, tx), checked));
  }

  async searchLoggedModels(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    const maxResults = checkMaxResults(options.maxResults ?? SEARCH_DEFAULT);
    const offset = decodePageToken(options.pageToken);
    const ids: ExperimentKey[] = [];
    for (const id of options.experimentIds ?? []) {
      const key = experimentKey(String(id), this.ctx.db.dialect);
      if (key !== null) ids.push(key);
    }
    const q = loggedModelSearchSql(this.ctx.db, ids, options.filter, options.datasets, options.orderBy);
    if (ids.length === 0) return { items: [] };
    const rows = await this.ctx.db.all<ModelRow>(
      `SELECT ${COLUMNS.split(", ")
        .map((c) => `lm.${c}`)
        .join(", ")} FROM logged_models lm WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`,
      [...q.params, maxResults + 1, offset],
    );
    const page: Page<LoggedModel> = { items: await this.assemble(rows.slice(0, maxResults)) };
    if (rows.length > maxResults) {
      page.next_page_token = encodeToken(options, offset + maxResults);
    }
    return page;
  }

  private async assemble(rows: ModelRow[]): Promise<LoggedModel[]> {
    if (rows.length === 0) return [];
    const db = this.ctx.db;
    const ids = rows.map((r) => r.model_id);
    const inList = placeholders(ids.length);
    const [params, tags, metrics] = await Promise.all([
      db.all<{ model_id: string; param_key: string; param_value: string }>(
        `SELECT model_id, param_key, param_value FROM logged_model_params WHERE model_id IN ${inList}`,
        ids,
      ),
      db.all<{ model_id: string; tag_key: string; tag_value: string }>(
        `SELECT model_id, tag_key, tag_value FROM logged_model_tags WHERE model_id IN ${inList}`,
        ids,
      ),
      db.all<{
        model_id: string;
        metric_name: string;
        metric_timestamp_ms: number;
        metric_step: number;
        metric_value: number | null;
        run_id: string;
        dataset_name: string | null;
        dataset_digest: string | null;
      }>(
        `SELECT model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, run_id, dataset_name, dataset_digest FROM logged_model_metrics WHERE model_id IN ${inList} ORDER BY metric_name, metric_timestamp_ms, metric_step`,
        ids,
      ),
    ]);
    return rows.map((r) => {
      const p = params
        .filter((x) => x.model_id === r.model_id)
        .map((x) => ({ key: x.param_key, value: x.param_value }));
      const t = tags.filter((x) => x.model_id === r.model_id).map((x) => ({ key: x.tag_key, value: x.tag_value }));
      const m = metrics
        .filter((x) => x.model_id === r.model_id)
        .map(
          (x): LoggedModelMetric => ({
            key: x.metric_name,
            value: x.metric_value === null ? Number.NaN : readValue(x.metric_value, false),
            timestamp: x.metric_timestamp_ms,
            step: x.metric_step,
            model_id: x.model_id,
            run_id: x.run_id,
            ...(x.dataset_name != null ? { dataset_name: x.dataset_name } : {}),
            ...(x.dataset_digest != null ? { dataset_digest: x.dataset_digest } : {}),
          }),
        );
      return {
        info: {
          model_id: r.model_id,
          experiment_id: String(r.experiment_id),
          name: r.name,
          creation_timestamp_ms: r.creation_timestamp_ms,
          last_updated_timestamp_ms: r.last_updated_timestamp_ms,
          artifact_uri: r.artifact_location,
          status: STATUS_BY_CODE[r.status] ?? "LOGGED_MODEL_PENDING",
          model_type: r.model_type ?? "",
          source_run_id: r.source_run_id ?? "",
          tags: t.sort(byKey),
        },
        data: { params: p.sort(byKey), metrics: m },
      };
    });
  }

  // ---- artifacts: <experiment artifact location>/models/<model_id>/artifacts

  private async artifactRoot(modelId: string): Promise<string> {
    const row = await this.row(modelId, true);
    return localArtifactDir(row.artifact_location, this.ctx.artifactsDestination);
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

/** MLflow's token: base64 of {"experiment_ids", "filter_string", "order_by", "offset"}. */
function encodeToken(options: SearchLoggedModelsOptions, offset: number): string {
  const body = {
    experiment_ids: options.experimentIds,
    filter_string: options.filter ?? null,
    order_by: options.orderBy ?? null,
    offset,
  };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64");
}
