/**
 * Reading a run folder of the file store in one synchronous pass: meta.yaml, latest metric values, params, tags,
 * inputs and outputs. Search and get share it; search yields to the event loop between runs, so a 100-run search
 * is a few thousand small reads without a thread-pool round trip for each.
 *
 * meta.yaml is read as MLflow 2.12 writes it (`run_uuid` and `run_id`) and as MLflow 3 does (no `run_uuid`, and
 * keys 2.12 never wrote, which are ignored).
 */
import { join } from "node:path";
import type { LifecycleStage, Metric, Run, RunInfo, RunStatus } from "./entities.js";
import { RUN_STATUS_CODES } from "./entities.js";
import { type DatasetCache, readRunInputsSync, readRunOutputsSync } from "./file-inputs.js";
import { latestOf, parseMetricText } from "./file-metrics.js";
import { listKeysSync, readKeyValuesSync, readTextSyncOrNull, readYamlSync } from "./fs-util.js";

export const META = "meta.yaml";
export const RUN_NAME_TAG = "mlflow.runName";

/** A run's meta.yaml, as MLflow 2.12 writes it (what we write; MLflow 3 reads it too). */
export interface RunMeta {
  artifact_uri: string;
  end_time: number | null;
  entry_point_name: string;
  experiment_id: string | number;
  lifecycle_stage: LifecycleStage;
  run_id: string;
  run_name?: string;
  /** MLflow 2.12 needs it; MLflow 3 no longer writes it. */
  run_uuid?: string;
  source_name: string;
  source_type: number;
  source_version: string;
  start_time: number | null;
  status: number;
  tags: unknown[];
  user_id: string;
  deleted_time?: number;
}

const STATUS_BY_CODE: Record<number, RunStatus> = Object.fromEntries(
  Object.entries(RUN_STATUS_CODES).map(([k, v]) => [v, k as RunStatus]),
);

export function readRunMetaSync(runDir: string): RunMeta {
  return readYamlSync<RunMeta>(join(runDir, META));
}

/** RunInfo from meta.yaml; the run name from the mlflow.runName tag when meta.yaml has none (older runs). */
export function toRunInfo(meta: RunMeta, experimentId: string, runDir: string): RunInfo {
  const runId = String(meta.run_id ?? meta.run_uuid);
  const runName = meta.run_name ?? readTextSyncOrNull(join(runDir, "tags", RUN_NAME_TAG)) ?? "";
  return {
    run_id: runId,
    run_uuid: runId,
    run_name: String(runName),
    experiment_id: String(meta.experiment_id ?? experimentId),
    user_id: String(meta.user_id ?? ""),
    status: STATUS_BY_CODE[meta.status] ?? "RUNNING",
    start_time: meta.start_time ?? 0,
    end_time: meta.end_time ?? null,
    artifact_uri: String(meta.artifact_uri),
    lifecycle_stage: meta.lifecycle_stage ?? "active",
  };
}

/** The latest value of each metric (no model or dataset fields: those belong to the history and the model). */
function latestMetricsSync(runDir: string): Metric[] {
  const dir = join(runDir, "metrics");
  const out: Metric[] = [];
  for (const key of listKeysSync(dir)) {
    const text = readTextSyncOrNull(join(dir, key));
    if (text === null) continue;
    const latest = latestOf(parseMetricText(key, text));
    if (latest) out.push({ key, value: latest.value, timestamp: latest.timestamp, step: latest.step });
  }
  return out;
}

/**
 * The whole run: info, data (latest metrics, params, tags sorted by key), inputs (model_inputs only when the run
 * has some) and outputs ({} when none, as MLflow 3's runs/get).
 */
export function readRunSync(info: RunInfo, runDir: string, datasets?: DatasetCache): Run {
  const { dataset_inputs, model_inputs } = readRunInputsSync(runDir, datasets);
  const model_outputs = readRunOutputsSync(runDir);
  return {
    info,
    data: {
      metrics: latestMetricsSync(runDir),
      params: readKeyValuesSync(join(runDir, "params")),
      tags: readKeyValuesSync(join(runDir, "tags")),
    },
    inputs: model_inputs.length > 0 ? { dataset_inputs, model_inputs } : { dataset_inputs },
    outputs: model_outputs.length > 0 ? { model_outputs } : {},
  };
}
