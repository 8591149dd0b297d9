/**
 * Runs with their params, tags, metrics, dataset inputs and model inputs/outputs, in MLflow's tables. Every
 * multi-row change is one transaction: a batch is all there or not at all, also when its writer is killed.
 */
import { randomUUID } from "node:crypto";
import type {
  DatasetInput,
  LifecycleStage,
  Metric,
  ModelInput,
  ModelOutput,
  Page,
  Param,
  Run,
  RunInfo,
  RunStatus,
  Tag,
} from "../entities.js";
import { RUN_STATUS_CODES } from "../entities.js";
import {
  err,
  validateBatchLimits,
  validateDatasetInput,
  validateMetric,
  validateParam,
  validateRunId,
  validateTag,
} from "../file-checks.js";
import { randomRunName } from "../file-names.js";
import { checkMaxResults } from "../file-paging.js";
import type { CreateRunOptions, RunBatch, SearchRunsOptions } from "../store.js";
import { checkLength, MAX_TAG_VAL_LENGTH, validateEntityName } from "../validation.js";
import { decodePageToken, encodePageToken, insertRows, placeholders, type SqlContext } from "./context.js";
import type { SqlExec } from "./db.js";
import { type ExperimentKey, experimentKey, missingExperiment, type SqlExperiments } from "./experiments.js";
import { readValue, writeMetrics } from "./metrics.js";
import { runSearchSql } from "./search.js";

const RUN_NAME_TAG = "mlflow.runName";
const RUN_COLUMNS =
  "run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, experiment_id";

interface RunRow {
  run_uuid: string;
  name: string | null;
  user_id: string | null;
  status: string | null;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: LifecycleStage | null;
  artifact_uri: string | null;
  experiment_id: ExperimentKey;
}

function toInfo(r: RunRow): RunInfo {
  return {
    run_id: r.run_uuid,
    run_uuid: r.run_uuid,
    run_name: r.name ?? "",
    experiment_id: String(r.experiment_id),
    user_id: r.user_id ?? "",
    status: (r.status as RunStatus) ?? "RUNNING",
    start_time: r.start_time ?? 0,
    end_time: r.end_time ?? null,
    artifact_uri: r.artifact_uri ?? "",
    lifecycle_stage: r.lifecycle_stage ?? "active",
  };
}

function notActive(r: RunRow) {
  return err(
    `The run ${r.run_uuid} must be in the 'active' state. Current state is ${r.lifecycle_stage}.`,
    "INVALID_PARAMETER_VALUE",
  );
}

function missingRun(runId: string) {
  return err(`Run '${runId}' not found`, "RESOURCE_DOES_NOT_EXIST");
}

function group<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    let list = out.get(k);
    if (list === undefined) {
      list = [];
      out.set(k, list);
    }
    list.push(r);
  }
  return out;
}

function newId(): string {
  return randomUUID().replaceAll("-", "");
}

export class SqlRuns {
  constructor(
    private readonly ctx: SqlContext,
    private readonly experiments: SqlExperiments,
  ) {}

  /** The run's row; RESOURCE_DOES_NOT_EXIST when there is none. */
  async row(runId: string, db: SqlExec = this.ctx.db): Promise<RunRow> {
    validateRunId(runId);
    const row = await db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_uuid = ?`, [runId]);
    if (row === undefined) throw missingRun(runId);
    return row;
  }

  async activeRow(runId: string, db: SqlExec = this.ctx.db): Promise<RunRow> {
    const row = await this.row(runId, db);
    if ((row.lifecycle_stage ?? "active") !== "active") throw notActive(row);
    return row;
  }

  async createRun(options: CreateRunOptions): Promise<Run> {
    const experimentId = options.experimentId ?? "0";
    const exp = await this.experiments.row(experimentId);
    if (exp === null) throw missingExperiment(experimentId);
    if ((exp.lifecycle_stage ?? "active") !== "active") {
      throw err(`Could not create run under non-active experiment with ID ${experimentId}.`, "INVALID_PARAMETER_VALUE");
    }
    const tags = (options.tags ?? []).map(validateTag);
    const nameTag = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (options.runName && nameTag && options.runName !== nameTag) {
      throw err(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${options.runName}', mlflow.runName='${nameTag}').`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const runName = options.runName || nameTag || randomRunName();
    checkLength("Tag value", MAX_TAG_VAL_LENGTH, runName);
    const userId = options.userId ?? this.ctx.user;
    const has = (k: string) => tags.some((t) => t.key === k);
    if (!has(RUN_NAME_TAG)) tags.push({ key: RUN_NAME_TAG, value: runName });
    if (!has("mlflow.user")) tags.push({ key: "mlflow.user", value: userId });
    if (!has("mlflow.source.type")) tags.push({ key: "mlflow.source.type", value: "LOCAL" });
    // The last value of a key given twice wins, as files overwritten in turn would.
    const unique = [...new Map(tags.map((t) => [t.key, t])).values()];

    const runId = newId();
    const row: RunRow = {
      run_uuid: runId,
      name: runName,
      user_id: userId,
      status: "RUNNING",
      start_time: options.startTime ?? this.ctx.now(),
      end_time: null,
      lifecycle_stage: "active",
      artifact_uri: `${(exp.artifact_location ?? "").replace(/\/+$/, "")}/${runId}/artifacts`,
      experiment_id: exp.experiment_id,
    };
    // source_type UNKNOWN and '' sources: what MLflow's server stores for runs created over REST.
    const insertRun =
      "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, 'UNKNOWN', '', '', ?, ?, ?, NULL, '', 'active', ?, ?)";
    const runValues = [runId, runName, userId, row.status, row.start_time, row.artifact_uri, row.experiment_id];
    if (this.ctx.db.dialect === "postgres") {
      // One statement (atomic by itself): one round trip instead of BEGIN, two inserts and COMMIT.
      await this.ctx.db.run(
        `WITH new_run AS (${insertRun} RETURNING run_uuid) INSERT INTO tags (key, value, run_uuid) SELECT v.key, v.value, new_run.run_uuid FROM new_run, (VALUES ${unique.map(() => "(?, ?)").join(", ")}) AS v (key, value)`,
        [...runValues, ...unique.flatMap((t) => [t.key, t.value])],
      );
    } else {
      await this.ctx.db.transaction(async (tx) => {
        await tx.run(insertRun, runValues);
        await insertRows(
          tx,
          "tags",
          ["key", "value", "run_uuid"],
          unique.map((t) => [t.key, t.value, runId]),
        );
      });
    }
    unique.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return {
      info: toInfo(row),
      data: { metrics: [], params: [], tags: unique },
      inputs: { dataset_inputs: [] },
      outputs: {},
    };
  }

  async getRun(runId: string): Promise<Run> {
    const row = await this.row(runId);
    return (await this.assemble([row], true))[0];
  }

  /** Runs with their latest metrics, params, tags, inputs and outputs: one query per table for all of them. */
  private async assemble(rows: RunRow[], withModelInputs: boolean): Promise<Run[]> {
    if (rows.length === 0) return [];
    const db = this.ctx.db;
    const ids = rows.map((r) => r.run_uuid);
    const inList = `(${ids.map(() => "?").join(", ")})`;
    const [metrics, params, tags, datasets, inputTags, links] = await Promise.all([
      db.all<{ run_uuid: string; key: string; value: number; timestamp: number | null; step: number; is_nan: unknown }>(
        `SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid IN ${inList} ORDER BY key`,
        ids,
      ),
      db.all<{ run_uuid: string; key: string; value: string }>(
        `SELECT run_uuid, key, value FROM params WHERE run_uuid IN ${inList} ORDER BY key`,
        ids,
      ),
      db.all<{ run_uuid: string; key: string; value: string | null }>(
        `SELECT run_uuid, key, value FROM tags WHERE run_uuid IN ${inList} ORDER BY key`,
        ids,
      ),
      db.all<Record<string, string | null>>(
        `SELECT i.destination_id AS run_uuid, i.input_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, d.dataset_profile FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN ${inList} ORDER BY i.input_uuid`,
        ids,
      ),
      db.all<{ input_uuid: string; name: string; value: string }>(
        `SELECT t.input_uuid, t.name, t.value FROM input_tags t JOIN inputs i ON i.input_uuid = t.input_uuid WHERE i.destination_type = 'RUN' AND i.destination_id IN ${inList} ORDER BY t.name`,
        ids,
      ),
      db.all<{ source_type: string; source_id: string; destination_id: string; step: number }>(
        `SELECT source_type, source_id, destination_id, step FROM inputs WHERE source_type IN ('RUN_INPUT', 'RUN_OUTPUT') AND source_id IN ${inList} ORDER BY destination_id`,
        ids,
      ),
    ]);
    const metricsBy = group(metrics, (m) => m.run_uuid);
    const paramsBy = group(params, (p) => p.run_uuid);
    const tagsBy = group(tags, (t) => t.run_uuid);
    const datasetsBy = group(datasets, (d) => String(d.run_uuid));
    const inputTagsBy = group(inputTags, (t) => t.input_uuid);
    const linksBy = group(links, (l) => l.source_id);
    return rows.map((r) => {
      const id = r.run_uuid;
      const dataset_inputs: DatasetInput[] = (datasetsBy.get(id) ?? []).map((d) => ({
        tags: (inputTagsBy.get(String(d.input_uuid)) ?? []).map((t) => ({ key: t.name, value: t.value })),
        dataset: {
          name: String(d.name),
          digest: String(d.digest),
          source_type: String(d.dataset_source_type ?? ""),
          source: String(d.dataset_source ?? ""),
          ...(d.dataset_schema != null ? { schema: d.dataset_schema } : {}),
          ...(d.dataset_profile != null ? { profile: d.dataset_profile } : {}),
        },
      }));
      const runLinks = linksBy.get(id) ?? [];
      const modelInputs: ModelInput[] = runLinks
        .filter((l) => l.source_type === "RUN_INPUT")
        .map((l) => ({ model_id: l.destination_id }));
      const modelOutputs: ModelOutput[] = runLinks
        .filter((l) => l.source_type === "RUN_OUTPUT")
        .map((l) => ({ model_id: l.destination_id, step: l.step }));
      return {
        info: toInfo(r),
        data: {
          metrics: (metricsBy.get(id) ?? []).map(
            (m): Metric => ({
              key: m.key,
              value: readValue(m.value, m.is_nan),
              timestamp: m.timestamp ?? 0,
              step: m.step,
            }),
          ),
          params: (paramsBy.get(id) ?? []).map((p) => ({ key: p.key, value: p.value })),
          tags: (tagsBy.get(id) ?? []).map((t) => ({ key: t.key, value: t.value ?? "" })),
        },
        inputs: {
          dataset_inputs,
          ...(withModelInputs && modelInputs.length > 0 ? { model_inputs: modelInputs } : {}),
        },
        outputs: modelOutputs.length > 0 ? { model_outputs: modelOutputs } : {},
      };
    });
  }

  async updateRunInfo(runId: string, status: RunStatus, endTime: number | null, runName?: string): Promise<RunInfo> {
    const row = await this.activeRow(runId);
    if (!(status in RUN_STATUS_CODES)) throw err(`Invalid run status: '${status}'`, "INVALID_PARAMETER_VALUE");
    const next: RunRow = { ...row, status, end_time: endTime ?? null };
    if (runName) {
      const tag = validateTag({ key: RUN_NAME_TAG, value: runName });
      next.name = runName;
      await this.ctx.db.transaction(async (tx) => {
        await tx.run("UPDATE runs SET status = ?, end_time = ?, name = ? WHERE run_uuid = ?", [
          status,
          next.end_time,
          runName,
          runId,
        ]);
        await this.upsertTags(tx, runId, [tag]);
      });
    } else {
      await this.ctx.db.run("UPDATE runs SET status = ?, end_time = ? WHERE run_uuid = ?", [
        status,
        next.end_time,
        runId,
      ]);
    }
    return toInfo(next);
  }

  async deleteRun(runId: string): Promise<void> {
    await this.row(runId);
    await this.ctx.db.run("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?", [
      this.ctx.now(),
      runId,
    ]);
  }

  async restoreRun(runId: string): Promise<void> {
    await this.row(runId);
    await this.ctx.db.run("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE run_uuid = ?", [
      runId,
    ]);
  }

  private async upsertTags(tx: SqlExec, runId: string, tags: Tag[]): Promise<void> {
    const unique = [...new Map(tags.map((t) => [t.key, t])).values()];
    await insertRows(
      tx,
      "tags",
      ["key", "value", "run_uuid"],
      unique.map((t) => [t.key, t.value, runId]),
      "ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value",
    );
  }

  async logBatch(runId: string, batch: RunBatch): Promise<void> {
    validateRunId(runId);
    const metrics = batch.metrics ?? [];
    for (const m of metrics) validateMetric(m);
    const params = (batch.params ?? []).map(validateParam);
    const tags = (batch.tags ?? []).map(validateTag);
    validateBatchLimits(metrics.length, params.length, tags.length);
    const seen = new Map<string, number>();
    for (const p of params) seen.set(p.key, (seen.get(p.key) ?? 0) + 1);
    const dupes = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    if (dupes.length > 0) {
      throw err(
        `Duplicate parameter keys have been submitted: [${dupes.map((k) => `'${k}'`).join(", ")}]. Please ensure the request contains only one param value per param key.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const modelIds = [...new Set(metrics.filter((m) => m.model_id).map((m) => m.model_id as string))];
    await this.ctx.db.transaction(async (tx) => {
      const row = await this.activeRow(runId, tx);
      if (params.length > 0) await this.insertParams(tx, runId, params);
      if (metrics.length > 0) {
        const known =
          modelIds.length === 0
            ? new Set<string>()
            : new Set(
                (
                  await tx.all<{ model_id: string }>(
                    `SELECT model_id FROM logged_models WHERE model_id IN ${placeholders(modelIds.length)}`,
                    modelIds,
                  )
                ).map((r) => r.model_id),
              );
        await writeMetrics(tx, runId, row.experiment_id, metrics, known);
      }
      if (tags.length > 0) {
        await this.upsertTags(tx, runId, tags);
        const name = tags.filter((t) => t.key === RUN_NAME_TAG).at(-1);
        if (name) await tx.run("UPDATE runs SET name = ? WHERE run_uuid = ?", [name.value, runId]);
      }
    });
  }

  /**
   * Params are immutable: new keys are inserted, a key already there with the same value is fine, another value is
   * an error that rolls the whole batch back. The insert comes first, so two writers racing on one key see each
   * other's committed value.
   */
  private async insertParams(tx: SqlExec, runId: string, params: Param[]): Promise<void> {
    const inserted = new Set<string>();
    const perChunk = 5000;
    for (let i = 0; i < params.length; i += perChunk) {
      const chunk = params.slice(i, i + perChunk);
      const rows = await tx.all<{ key: string }>(
        `INSERT INTO params (key, value, run_uuid) VALUES ${chunk.map(() => "(?, ?, ?)").join(", ")} ON CONFLICT (key, run_uuid) DO NOTHING RETURNING key`,
        chunk.flatMap((p) => [p.key, p.value, runId]),
      );
      for (const r of rows) inserted.add(r.key);
    }
    const existing = params.filter((p) => !inserted.has(p.key));
    if (existing.length === 0) return;
    const current = new Map(
      (
        await tx.all<{ key: string; value: string }>(
          `SELECT key, value FROM params WHERE run_uuid = ? AND key IN ${placeholders(existing.length)}`,
          [runId, ...existing.map((p) => p.key)],
        )
      ).map((r) => [r.key, r.value]),
    );
    for (const p of existing) {
      const value = current.get(p.key);
      if (value !== undefined && value !== p.value) {
        throw err(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${value}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
          "INVALID_PARAMETER_VALUE",
        );
      }
    }
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    validateEntityName("tag", key);
    await this.activeRow(runId);
    const { changes } = await this.ctx.db.run("DELETE FROM tags WHERE run_uuid = ? AND key = ?", [runId, key]);
    if (changes === 0) throw err(`No tag with name: ${key} in run with id ${runId}`, "RESOURCE_DOES_NOT_EXIST");
  }

  async logInputs(runId: string, datasets: DatasetInput[], models: ModelInput[] = []): Promise<void> {
    validateRunId(runId);
    for (const d of datasets) validateDatasetInput(d);
    await this.ctx.db.transaction(async (tx) => {
      const row = await this.activeRow(runId, tx);
      await writeInputs(tx, runId, row.experiment_id, datasets, models);
    });
  }

  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    validateRunId(runId);
    await this.ctx.db.transaction(async (tx) => {
      await this.activeRow(runId, tx);
      await writeOutputs(tx, runId, models);
    });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateRunId(runId);
    validateEntityName("metric", key);
    await this.row(runId);
    const rows = await this.ctx.db.all<{ value: number; timestamp: number; step: number; is_nan: unknown }>(
      "SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND key = ? ORDER BY step, timestamp, value",
      [runId, key],
    );
    const out: Metric[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      out[i] = { key, value: readValue(r.value, r.is_nan), timestamp: r.timestamp, step: r.step };
    }
    return out;
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const maxResults = checkMaxResults(options.maxResults);
    const offset = decodePageToken(options.pageToken);
    const ids: ExperimentKey[] = [];
    for (const id of options.experimentIds ?? []) {
      const key = experimentKey(String(id), this.ctx.db.dialect);
      if (key !== null) ids.push(key);
    }
    const q = runSearchSql(this.ctx.db, ids, options.viewType ?? "ACTIVE_ONLY", options.filter, options.orderBy);
    if (ids.length === 0) return { items: [] };
    const rows = await this.ctx.db.all<RunRow>(
      `SELECT ${RUN_COLUMNS.split(", ")
        .map((c) => `r.${c}`)
        .join(", ")} FROM runs r WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`,
      [...q.params, maxResults + 1, offset],
    );
    // runs/search leaves model_inputs out (as MLflow 3's server).
    const page: Page<Run> = { items: await this.assemble(rows.slice(0, maxResults), false) };
    if (rows.length > maxResults) page.next_page_token = encodePageToken(offset + maxResults);
    return page;
  }
}

/**
 * A run's inputs, inside the caller's transaction: a dataset is stored once per experiment (datasets, keyed by name
 * and digest), linked to the run in inputs (DATASET → RUN) with its tags in input_tags; model inputs are inputs rows
 * RUN_INPUT → MODEL_INPUT. Inputs the run has already are left as they are.
 */
export async function writeInputs(
  tx: SqlExec,
  runId: string,
  experimentId: ExperimentKey,
  datasets: readonly DatasetInput[],
  models: readonly ModelInput[],
): Promise<void> {
  for (const input of datasets) {
    const d = input.dataset;
    await tx.run(
      "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (experiment_id, name, digest) DO NOTHING",
      [
        newId(),
        experimentId,
        d.name,
        d.digest,
        d.source_type ?? "",
        d.source ?? "",
        d.schema ?? null,
        d.profile ?? null,
      ],
    );
    const ds = await tx.get<{ dataset_uuid: string }>(
      "SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?",
      [experimentId, d.name, d.digest],
    );
    const inputId = newId();
    const added = await tx.run(
      "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'DATASET', ?, 'RUN', ?, 0) ON CONFLICT DO NOTHING",
      [inputId, ds!.dataset_uuid, runId],
    );
    if (added.changes > 0) {
      const tagRows = [...new Map((input.tags ?? []).map((t) => [t.key, t])).values()];
      await insertRows(
        tx,
        "input_tags",
        ["input_uuid", "name", "value"],
        tagRows.map((t) => [inputId, t.key, t.value]),
      );
    }
  }
  for (const m of models) {
    await tx.run(
      "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'RUN_INPUT', ?, 'MODEL_INPUT', ?, 0) ON CONFLICT DO NOTHING",
      [newId(), runId, m.model_id],
    );
  }
}

/** Logged models the run produced, inside the caller's transaction: inputs rows RUN_OUTPUT → MODEL_OUTPUT with the step (as MLflow). */
export async function writeOutputs(tx: SqlExec, runId: string, models: readonly ModelOutput[]): Promise<void> {
  for (const m of models) {
    await tx.run(
      "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, ?) ON CONFLICT (source_type, source_id, destination_type, destination_id) DO UPDATE SET step = excluded.step",
      [newId(), runId, m.model_id, m.step ?? 0],
    );
  }
}
