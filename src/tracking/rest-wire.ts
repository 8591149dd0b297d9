/**
 * MLflow's JSON on the REST API ↔ the entities, for the REST store: what MLflow's answers may hold (protobuf JSON:
 * empty lists and unset fields are left out, int64 may come as strings, non-finite doubles as "NaN"/"Infinity"/
 * "-Infinity", enums as names or numbers) read into complete entities, and metrics written as MLflow takes them.
 * Isomorphic, like the store.
 */
import {
  type DatasetInput,
  type Experiment,
  LOGGED_MODEL_STATUS_CODES,
  type LoggedModel,
  type LoggedModelInfo,
  type LoggedModelStatus,
  type Metric,
  type ModelInput,
  type ModelVersion,
  type Page,
  type Param,
  type RegisteredModel,
  type Run,
  type RunInfo,
  type Tag,
} from "./entities.js";

// ---- wire shapes: what MLflow's JSON may hold (protobuf JSON: empty lists and unset fields are left out,
// int64 may come as strings, non-finite doubles as "NaN"/"Infinity"/"-Infinity") ----
export type Int = number | string;
export interface WireMetric {
  key: string;
  value: number | string;
  timestamp?: Int;
  step?: Int;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
  run_id?: string;
}
export interface WireExperiment extends Partial<Omit<Experiment, "creation_time" | "last_update_time">> {
  creation_time?: Int;
  last_update_time?: Int;
}
export interface WireRunInfo extends Partial<Omit<RunInfo, "start_time" | "end_time">> {
  start_time?: Int;
  end_time?: Int | null;
}
export interface WireRun {
  info: WireRunInfo;
  data?: { metrics?: WireMetric[]; params?: Param[]; tags?: Tag[] };
  inputs?: { dataset_inputs?: DatasetInput[]; model_inputs?: ModelInput[] };
  outputs?: { model_outputs?: { model_id: string; step?: Int }[] };
}
export interface WireLoggedModel {
  info?: Partial<Omit<LoggedModelInfo, "creation_timestamp_ms" | "last_updated_timestamp_ms" | "status">> & {
    creation_timestamp_ms?: Int;
    last_updated_timestamp_ms?: Int;
    status?: LoggedModelStatus | number;
  };
  data?: { params?: Param[]; metrics?: WireMetric[] };
}
export interface WireModelVersion
  extends Partial<Omit<ModelVersion, "version" | "creation_timestamp" | "last_updated_timestamp">> {
  version: Int;
  creation_timestamp?: Int;
  last_updated_timestamp?: Int;
}
export interface WireRegisteredModel
  extends Partial<Omit<RegisteredModel, "latest_versions" | "creation_timestamp" | "last_updated_timestamp">> {
  creation_timestamp?: Int;
  last_updated_timestamp?: Int;
  latest_versions?: WireModelVersion[];
}

/** JSON has no NaN/Infinity: MLflow sends them as strings. */
export function metricValueToWire(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  return v;
}
export function metricValueFromWire(v: number | string | undefined): number {
  if (typeof v === "number") return v;
  if (v === undefined) return 0;
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return Number(v);
}
export const int = (v: Int | undefined | null, dflt = 0): number => (v === undefined || v === null ? dflt : Number(v));
/** MLflow 3's fields of a metric point, sent only when set (an MLflow 2.12 server ignores them then anyway). */
const METRIC_LINKS = ["model_id", "dataset_name", "dataset_digest"] as const;
export function metricToWire(m: Metric): WireMetric {
  const out: WireMetric = { key: m.key, value: metricValueToWire(m.value), timestamp: m.timestamp, step: m.step };
  for (const k of METRIC_LINKS) if (m[k]) out[k] = m[k];
  return out;
}
export function metricFromWire(m: WireMetric): Metric {
  const out: Metric = {
    key: m.key,
    value: metricValueFromWire(m.value),
    timestamp: int(m.timestamp),
    step: int(m.step),
  };
  for (const k of METRIC_LINKS) if (m[k]) out[k] = m[k];
  return out;
}
const STATUS_NAMES = new Map(Object.entries(LOGGED_MODEL_STATUS_CODES).map(([name, code]) => [code, name]));
export function loggedModelFromWire(w: WireLoggedModel): LoggedModel {
  const i = w.info ?? {};
  const status = typeof i.status === "number" ? STATUS_NAMES.get(i.status) : i.status;
  const id = i.model_id ?? "";
  return {
    info: {
      model_id: id,
      experiment_id: String(i.experiment_id ?? ""),
      name: i.name ?? "",
      creation_timestamp_ms: int(i.creation_timestamp_ms),
      last_updated_timestamp_ms: int(i.last_updated_timestamp_ms),
      artifact_uri: i.artifact_uri ?? "",
      status: (status ?? "LOGGED_MODEL_PENDING") as LoggedModelStatus,
      model_type: i.model_type ?? "",
      source_run_id: i.source_run_id ?? "",
      tags: i.tags ?? [],
    },
    data: {
      params: w.data?.params ?? [],
      metrics: (w.data?.metrics ?? []).map((m) => ({
        ...metricFromWire(m),
        model_id: m.model_id ?? id,
        run_id: m.run_id ?? "",
      })),
    },
  };
}

export function experimentFromWire(e: WireExperiment): Experiment {
  return {
    experiment_id: String(e.experiment_id ?? ""),
    name: e.name ?? "",
    artifact_location: e.artifact_location ?? "",
    lifecycle_stage: e.lifecycle_stage ?? "active",
    creation_time: int(e.creation_time),
    last_update_time: int(e.last_update_time),
    tags: e.tags ?? [],
  };
}
export function runInfoFromWire(i: WireRunInfo): RunInfo {
  const id = i.run_id ?? i.run_uuid ?? "";
  return {
    run_id: id,
    run_uuid: i.run_uuid ?? id,
    run_name: i.run_name ?? "",
    experiment_id: String(i.experiment_id ?? ""),
    user_id: i.user_id ?? "",
    status: i.status ?? "RUNNING",
    start_time: int(i.start_time),
    end_time: i.end_time === undefined || i.end_time === null ? null : Number(i.end_time),
    artifact_uri: i.artifact_uri ?? "",
    lifecycle_stage: i.lifecycle_stage ?? "active",
  };
}
export function runFromWire(r: WireRun): Run {
  return {
    info: runInfoFromWire(r.info),
    data: {
      metrics: (r.data?.metrics ?? []).map(metricFromWire),
      params: r.data?.params ?? [],
      tags: r.data?.tags ?? [],
    },
    inputs: r.inputs?.model_inputs?.length
      ? { dataset_inputs: r.inputs.dataset_inputs ?? [], model_inputs: r.inputs.model_inputs }
      : { dataset_inputs: r.inputs?.dataset_inputs ?? [] },
    outputs: r.outputs?.model_outputs?.length
      ? { model_outputs: r.outputs.model_outputs.map((o) => ({ model_id: o.model_id, step: int(o.step) })) }
      : {},
  };
}
export function versionFromWire(v: WireModelVersion): ModelVersion {
  const out: ModelVersion = {
    name: v.name ?? "",
    version: String(v.version),
    creation_timestamp: int(v.creation_timestamp),
    last_updated_timestamp: int(v.last_updated_timestamp),
    current_stage: v.current_stage ?? "None",
    description: v.description ?? "",
    source: v.source ?? "",
    run_id: v.run_id ?? "",
    run_link: v.run_link ?? "",
    status: v.status ?? "READY",
    tags: v.tags ?? [],
    aliases: v.aliases ?? [],
  };
  if (v.status_message !== undefined) out.status_message = v.status_message;
  if (v.user_id !== undefined) out.user_id = v.user_id;
  if (v.model_id) out.model_id = v.model_id;
  return out;
}
export function modelFromWire(m: WireRegisteredModel): RegisteredModel {
  return {
    name: m.name ?? "",
    creation_timestamp: int(m.creation_timestamp),
    last_updated_timestamp: int(m.last_updated_timestamp),
    description: m.description ?? "",
    latest_versions: (m.latest_versions ?? []).map(versionFromWire),
    tags: m.tags ?? [],
    aliases: (m.aliases ?? []).map((a) => ({ alias: a.alias, version: String(a.version) })),
  };
}
export function page<W, T>(items: W[] | undefined, token: string | undefined, conv: (w: W) => T): Page<T> {
  const out: Page<T> = { items: (items ?? []).map(conv) };
  if (token) out.next_page_token = token;
  return out;
}
