/**
 * The SQL store's StoreImporter (for `handgesture migrate`): rows written as they are, ids and timestamps kept,
 * one transaction per entity, `ON CONFLICT DO NOTHING` on each primary key so a second run writes nothing.
 *
 * One exception to "ids kept", on PostgreSQL only: a file store's experiment ids are 18 random digits, more than
 * PostgreSQL's 32-bit SERIAL (MLflow's schema) holds. Such an experiment gets the next id of the database and
 * keeps its old one in the tag `handgesture.migrate.source_experiment_id`, by which a second run finds it again.
 * SQLite's 64-bit key keeps them, as MLflow's migrate-filestore does.
 */
import { HandgestureError } from "../../core/errors.js";
import {
  type Experiment,
  LOGGED_MODEL_STATUS_CODES,
  type LoggedModel,
  type Metric,
  type ModelVersion,
  type RegisteredModel,
  type Run,
} from "../entities.js";
import { loggedModelIdOf } from "../model-uri.js";
import type { StoreImporter } from "../store.js";
import { insertRows, WORKSPACE } from "./context.js";
import type { SqlDb, SqlExec, SqlValue } from "./db.js";
import { type ExperimentKey, experimentKey } from "./experiments.js";
import { storedValue, writeMetrics } from "./metrics.js";
import { writeInputs, writeOutputs } from "./runs.js";

export const SOURCE_EXPERIMENT_TAG = "handgesture.migrate.source_experiment_id";
const SOURCE_TYPES = new Set(["NOTEBOOK", "JOB", "LOCAL", "UNKNOWN", "PROJECT"]);

/** Run metrics name no logged models here: the models' own points come with them (loggedModel). */
const NO_MODELS: ReadonlySet<string> = new Set();
const tagOf = (run: Run, key: string) => run.data.tags.find((t) => t.key === key)?.value;

export function sqlImporter(db: SqlDb): StoreImporter {
  /** The id as the database keeps it, or null when it cannot (PostgreSQL's 32-bit key). */
  const keyOf = (id: string) => experimentKey(id, db.dialect);
  /** Source experiment id → the target's. */
  const ids = new Map<string, ExperimentKey>();

  async function targetExperiment(tx: SqlExec, sourceId: string): Promise<ExperimentKey> {
    const known = ids.get(sourceId);
    if (known !== undefined) return known;
    const key = keyOf(sourceId);
    if (key !== null) return key;
    const row = await tx.get<{ experiment_id: ExperimentKey }>(
      "SELECT experiment_id FROM experiment_tags WHERE key = ? AND value = ?",
      [SOURCE_EXPERIMENT_TAG, sourceId],
    );
    if (!row) throw new HandgestureError(`experiment ${sourceId} of the source has not been migrated`);
    ids.set(sourceId, row.experiment_id);
    return row.experiment_id;
  }

  return {
    experiment: (e: Experiment) =>
      db.transaction(async (tx) => {
        if (!/^\d+$/.test(e.experiment_id)) {
          throw new HandgestureError(`experiment id '${e.experiment_id}' is not a number: a database cannot keep it`);
        }
        const key = keyOf(e.experiment_id);
        const fits = key !== null;
        if (!fits) {
          const again = await tx.get<{ experiment_id: ExperimentKey }>(
            "SELECT experiment_id FROM experiment_tags WHERE key = ? AND value = ?",
            [SOURCE_EXPERIMENT_TAG, e.experiment_id],
          );
          if (again) {
            ids.set(e.experiment_id, again.experiment_id);
            return false;
          }
        }
        const clash = await tx.get<{ experiment_id: ExperimentKey }>(
          "SELECT experiment_id FROM experiments WHERE workspace = ? AND name = ?",
          [WORKSPACE, e.name],
        );
        if (clash && (!fits || String(clash.experiment_id) !== e.experiment_id)) {
          throw new HandgestureError(
            `the target already has an experiment named '${e.name}' (id ${clash.experiment_id}); the source's has id ${e.experiment_id}`,
            "RESOURCE_ALREADY_EXISTS",
          );
        }
        const values: SqlValue[] = [
          e.name,
          e.artifact_location,
          e.lifecycle_stage,
          e.creation_time,
          e.last_update_time,
        ];
        let target: ExperimentKey;
        if (key !== null) {
          target = key;
          const r = await tx.run(
            "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (experiment_id) DO NOTHING",
            [key, ...values, WORKSPACE],
          );
          if (r.changes === 0) return false;
          // Keep PostgreSQL's SERIAL ahead of the ids written by hand.
          if (db.dialect === "postgres") {
            await tx.run(
              "SELECT setval(pg_get_serial_sequence('experiments', 'experiment_id'), (SELECT MAX(experiment_id) FROM experiments))",
            );
          }
        } else {
          const row = await tx.get<{ experiment_id: ExperimentKey }>(
            "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) VALUES (?, ?, ?, ?, ?, ?) RETURNING experiment_id",
            [...values, WORKSPACE],
          );
          if (row === undefined) throw new HandgestureError(`experiment '${e.name}' was not created`, "INTERNAL_ERROR");
          target = row.experiment_id;
          await tx.run("INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)", [
            SOURCE_EXPERIMENT_TAG,
            e.experiment_id,
            target,
          ]);
        }
        ids.set(e.experiment_id, target);
        if (e.tags.length > 0) {
          await insertRows(
            tx,
            "experiment_tags",
            ["key", "value", "experiment_id"],
            e.tags.map((t) => [t.key, t.value, target]),
            "ON CONFLICT DO NOTHING",
          );
        }
        return true;
      }),

    run: (run: Run, history: Metric[]) =>
      db.transaction(async (tx) => {
        const info = run.info;
        const exp = await targetExperiment(tx, info.experiment_id);
        const sourceType = tagOf(run, "mlflow.source.type");
        const r = await tx.run(
          "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_uuid) DO NOTHING",
          [
            info.run_id,
            info.run_name,
            sourceType && SOURCE_TYPES.has(sourceType) ? sourceType : "UNKNOWN",
            tagOf(run, "mlflow.source.name") ?? "",
            info.user_id,
            info.status,
            info.start_time,
            info.end_time,
            tagOf(run, "mlflow.source.git.commit") ?? "",
            info.lifecycle_stage,
            info.artifact_uri,
            exp,
            info.lifecycle_stage === "deleted" ? (info.end_time ?? info.start_time) : null,
          ],
        );
        if (r.changes === 0) return false;
        const id = info.run_id;
        const kv = (list: { key: string; value: string }[]) => list.map((p) => [p.key, p.value, id]);
        await insertRows(tx, "params", ["key", "value", "run_uuid"], kv(run.data.params), "ON CONFLICT DO NOTHING");
        await insertRows(tx, "tags", ["key", "value", "run_uuid"], kv(run.data.tags), "ON CONFLICT DO NOTHING");
        // Every point, and latest_metrics derived from them by the rule logBatch keeps (the same latest values).
        await writeMetrics(tx, id, exp, history, NO_MODELS);
        await writeInputs(tx, id, exp, run.inputs.dataset_inputs, run.inputs.model_inputs ?? []);
        await writeOutputs(tx, id, run.outputs?.model_outputs ?? []);
        return true;
      }),

    loggedModel: (m: LoggedModel) =>
      db.transaction(async (tx) => {
        const i = m.info;
        const exp = await targetExperiment(tx, i.experiment_id);
        const r = await tx.run(
          "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, NULL) ON CONFLICT (model_id) DO NOTHING",
          [
            i.model_id,
            exp,
            i.name,
            i.artifact_uri,
            i.creation_timestamp_ms,
            i.last_updated_timestamp_ms,
            LOGGED_MODEL_STATUS_CODES[i.status],
            i.model_type,
            i.source_run_id,
          ],
        );
        if (r.changes === 0) return false;
        const kv = (list: { key: string; value: string }[]) => list.map((p) => [i.model_id, exp, p.key, p.value]);
        await insertRows(
          tx,
          "logged_model_params",
          ["model_id", "experiment_id", "param_key", "param_value"],
          kv(m.data.params),
          "ON CONFLICT DO NOTHING",
        );
        await insertRows(
          tx,
          "logged_model_tags",
          ["model_id", "experiment_id", "tag_key", "tag_value"],
          kv(i.tags),
          "ON CONFLICT DO NOTHING",
        );
        // Points whose run is not in the target (MLflow accepts unknown runs here) would break its foreign key.
        const runs = new Set<string>();
        for (const runId of new Set(m.data.metrics.map((p) => p.run_id))) {
          if (await tx.get("SELECT 1 AS x FROM runs WHERE run_uuid = ?", [runId])) runs.add(runId);
        }
        await insertRows(
          tx,
          "logged_model_metrics",
          [
            "model_id",
            "metric_name",
            "metric_timestamp_ms",
            "metric_step",
            "metric_value",
            "experiment_id",
            "run_id",
            "dataset_uuid",
            "dataset_name",
            "dataset_digest",
          ],
          m.data.metrics
            .filter((p) => runs.has(p.run_id))
            .map((p) => [
              i.model_id,
              p.key,
              p.timestamp,
              p.step,
              Number.isNaN(p.value) ? null : storedValue(p.value).value,
              exp,
              p.run_id,
              null,
              p.dataset_name ?? null,
              p.dataset_digest ?? null,
            ]),
          "ON CONFLICT DO NOTHING",
        );
        return true;
      }),

    registeredModel: (m: RegisteredModel) =>
      db.transaction(async (tx) => {
        const r = await tx.run(
          "INSERT INTO registered_models (name, creation_time, last_updated_time, description, workspace) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          [m.name, m.creation_timestamp, m.last_updated_timestamp, m.description || null, WORKSPACE],
        );
        if (r.changes === 0) return false;
        await insertRows(
          tx,
          "registered_model_tags",
          ["key", "value", "name", "workspace"],
          m.tags.map((t) => [t.key, t.value, m.name, WORKSPACE]),
          "ON CONFLICT DO NOTHING",
        );
        return true;
      }),

    modelVersion: (v: ModelVersion) =>
      db.transaction(async (tx) => {
        const modelId = v.model_id ?? loggedModelIdOf(v.source);
        const storage = modelId
          ? (
              await tx.get<{ artifact_location: string }>(
                "SELECT artifact_location FROM logged_models WHERE model_id = ?",
                [modelId],
              )
            )?.artifact_location
          : undefined;
        const r = await tx.run(
          "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location, workspace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          [
            v.name,
            Number(v.version),
            v.creation_timestamp,
            v.last_updated_timestamp,
            v.description ?? "",
            v.user_id ?? null,
            v.current_stage,
            v.source,
            v.run_id || null,
            v.status,
            v.status_message ?? null,
            v.run_link ?? "",
            storage ?? v.source,
            WORKSPACE,
          ],
        );
        if (r.changes === 0) return false;
        await insertRows(
          tx,
          "model_version_tags",
          ["key", "value", "name", "version", "workspace"],
          v.tags.map((t) => [t.key, t.value, v.name, Number(v.version), WORKSPACE]),
          "ON CONFLICT DO NOTHING",
        );
        return true;
      }),
  };
}
