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

export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: { dataset_inputs: DatasetInput[] };
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
