/**
 * MLflow's entities, with MLflow's field names (snake_case, as they travel over REST and sit in meta.yaml), so
 * the file store, the REST store and the server pass them through without renaming.
 */

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
/** meta.yaml stores status as an integer. */
export const RUN_STATUS_CODES: Readonly<Record<RunStatus, number>> = Object.freeze({
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
});
export type LifecycleStage = "active" | "deleted";
export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";
export type Stage = "None" | "Staging" | "Production" | "Archived";
export const STAGES: readonly Stage[] = ["None", "Staging", "Production", "Archived"];

export interface Tag {
  key: string;
  value: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: number;
  last_update_time: number;
  tags: Tag[];
}

export interface Metric {
  key: string;
  /** NaN and ±Infinity allowed (files write nan/inf/-inf; REST sends "NaN"/"Infinity"/"-Infinity"). */
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
  /** MLflow 3: the logged model this point is about; such a point is also kept with the model. */
  model_id?: string;
  /** MLflow 3: the dataset the point was computed on (name and digest of a dataset input). */
  dataset_name?: string;
  dataset_digest?: string;
}

export interface Param {
  key: string;
  value: string;
}

export interface RunInfo {
  run_id: string;
  /** Same as run_id (MLflow keeps both). */
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  /** JSON text, e.g. {"mlflow_colspec": [{"type": "double", "name": "x1", "required": true}, ...]} */
  schema?: string;
  /** JSON text, e.g. {"num_rows": 942, "num_elements": 60288} */
  profile?: string;
}

export interface DatasetInput {
  /** e.g. [{key: "mlflow.data.context", value: "training"}] */
  tags: Tag[];
  dataset: Dataset;
}

export interface RunData {
  /** Latest value of each metric. */
  metrics: Metric[];
  params: Param[];
  tags: Tag[];
}

/** MLflow 3: a logged model a run used (runs/log-inputs `models`). */
export interface ModelInput {
  model_id: string;
}

/** MLflow 3: a logged model a run produced, at a step (runs/outputs). */
export interface ModelOutput {
  model_id: string;
  step: number;
}

export interface RunInputs {
  dataset_inputs: DatasetInput[];
  /** MLflow 3; absent or empty when the run used no logged model. */
  model_inputs?: ModelInput[];
}

export interface RunOutputs {
  model_outputs?: ModelOutput[];
}

export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: RunInputs;
  /** MLflow 3: the logged models the run produced ({} when none). */
  outputs?: RunOutputs;
}

// ---- MLflow 3 logged models -----------------------------------------------------------------------------------

export type LoggedModelStatus = "LOGGED_MODEL_PENDING" | "LOGGED_MODEL_READY" | "LOGGED_MODEL_UPLOAD_FAILED";
/** The SQL store and the file store's meta.yaml keep the status as these integers. */
export const LOGGED_MODEL_STATUS_CODES: Readonly<Record<LoggedModelStatus, number>> = Object.freeze({
  LOGGED_MODEL_PENDING: 1,
  LOGGED_MODEL_READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
});

export interface LoggedModelInfo {
  /** `m-` and 32 lowercase hex digits. */
  model_id: string;
  experiment_id: string;
  name: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  /** Where the model's files are: `<experiment artifact location>/models/<model_id>/artifacts`. */
  artifact_uri: string;
  status: LoggedModelStatus;
  /** "" when not set (always present on the wire). */
  model_type: string;
  /** "" when not set (always present on the wire). */
  source_run_id: string;
  /** Sorted by key. */
  tags: Tag[];
}

/** A metric point kept with a logged model. */
export interface LoggedModelMetric extends Metric {
  model_id: string;
  run_id: string;
}

export interface LoggedModel {
  info: LoggedModelInfo;
  data: {
    /** Sorted by key. */
    params: Param[];
    metrics: LoggedModelMetric[];
  };
}

export interface RegisteredModelAlias {
  alias: string;
  version: string;
}

export interface ModelVersion {
  name: string;
  /** A string over REST ("1"); an integer in meta.yaml. */
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: Stage;
  description: string;
  source: string;
  run_id: string;
  run_link: string;
  status: "READY" | "PENDING_REGISTRATION" | "FAILED_REGISTRATION";
  status_message?: string;
  user_id?: string;
  tags: Tag[];
  aliases: string[];
  /**
   * MLflow 3: the logged model this version was made from (source `models:/<model_id>`). MLflow's SQL store does
   * not keep it (its table has no such column); the file store does.
   */
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  latest_versions: ModelVersion[];
  tags: Tag[];
  aliases: RegisteredModelAlias[];
}

/** One page of a search: MLflow's PagedList. */
export interface Page<T> {
  items: T[];
  next_page_token?: string;
}

export interface FileInfo {
  /** Relative to the run's artifact root. */
  path: string;
  is_dir: boolean;
  file_size?: number;
}
