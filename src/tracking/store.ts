import type {
  Dataset,
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
  ViewType,
} from "./entities.js";

/** searchExperiments' options. */
export interface SearchExperimentsOptions {
  viewType?: ViewType;
  maxResults?: number;
  filter?: string;
  orderBy?: string[];
  pageToken?: string;
}

/** createRun's options. */
export interface CreateRunOptions {
  experimentId: string;
  userId?: string;
  startTime?: number;
  tags?: Tag[];
  runName?: string;
}

/** What logBatch logs in one call. */
export interface RunBatch {
  metrics?: Metric[];
  params?: Param[];
  tags?: Tag[];
}

/** searchRuns' options. */
export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** searchRegisteredModels' and searchModelVersions' options. */
export interface SearchRegistryOptions {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** createModelVersion's options. */
export interface CreateModelVersionOptions {
  name: string;
  source: string;
  runId?: string;
  tags?: Tag[];
  description?: string;
  /** MLflow 3: the logged model (source `models:/<model_id>`); the run id is then taken from the model. */
  modelId?: string;
}

/** createLoggedModel's options (MLflow 3's POST logged-models). */
export interface CreateLoggedModelOptions {
  experimentId: string;
  /** A generated two-word name when absent, as MLflow does. */
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params?: Param[];
  tags?: Tag[];
}

/** searchLoggedModels' order_by entries, as MLflow 3 sends them. */
export interface LoggedModelOrderBy {
  /** `creation_time`, `last_updated_timestamp`, `name`, `model_id`, ... or `metrics.<key>`. */
  field_name: string;
  ascending?: boolean;
  dataset_name?: string;
  dataset_digest?: string;
}

/** searchLoggedModels' options (MLflow 3's POST logged-models/search). */
export interface SearchLoggedModelsOptions {
  experimentIds: string[];
  /** MLflow's syntax: `name = 'model'`, `metrics.acc > 0.1`, `params.C = '1.0'`, `tags.a = 'b'`, joined by AND. */
  filter?: string;
  /** Only models with a metric logged against one of these datasets. */
  datasets?: { dataset_name: string; dataset_digest?: string }[];
  maxResults?: number;
  orderBy?: LoggedModelOrderBy[];
  pageToken?: string;
}

/**
 * The one contract behind every tracking backend (MLflow's AbstractStore + the registry's, in camelCase and
 * async). The file store writes MLflow's mlruns/ layout; the REST store speaks MLflow's REST API 2.0. Errors are
 * TrackingError with MLflow's codes (RESOURCE_DOES_NOT_EXIST, RESOURCE_ALREADY_EXISTS, INVALID_PARAMETER_VALUE).
 */
/**
 * Writes entities with the ids and timestamps they already have (migration between stores). Each call is one
 * transaction and answers whether it wrote anything: an entity already there (same id) is left as it is, so a
 * migration can be run again without duplicates.
 */
export interface StoreImporter {
  experiment(experiment: Experiment): Promise<boolean>;
  /** The run with its params, tags, dataset and model inputs, outputs, and every point of every metric. */
  run(run: Run, metricHistory: Metric[]): Promise<boolean>;
  /** With its params, tags and metrics; after the runs its metrics were logged in. */
  loggedModel(model: LoggedModel): Promise<boolean>;
  /** The model and its tags (versions and aliases come separately). */
  registeredModel(model: RegisteredModel): Promise<boolean>;
  /** With its tags, stage and source as they are. */
  modelVersion(version: ModelVersion): Promise<boolean>;
}

export interface TrackingStore {
  /** Releases what the store holds (a database connection pool); the store is unusable afterwards. */
  close?(): Promise<void>;
  /** Stores that can keep ids and timestamps (databases, mlruns folders) give an importer; a REST store does not. */
  importer?(): StoreImporter;

  // experiments
  createExperiment(name: string, tags?: Tag[], artifactLocation?: string): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** null when no experiment has that name. */
  getExperimentByName(name: string): Promise<Experiment | null>;
  searchExperiments(options?: SearchExperimentsOptions): Promise<Page<Experiment>>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  deleteExperiment(experimentId: string): Promise<void>;

  // runs
  createRun(options: CreateRunOptions): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRunInfo(runId: string, status: RunStatus, endTime: number | null, runName?: string): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  /** Metrics, params and tags in one call; logMetric/logParam/setTag are built on it. */
  logBatch(runId: string, batch: RunBatch): Promise<void>;
  logMetric(runId: string, metric: Metric): Promise<void>;
  logParam(runId: string, param: Param): Promise<void>;
  setTag(runId: string, tag: Tag): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  /** Dataset inputs and (MLflow 3) the logged models the run used. */
  logInputs(runId: string, datasets: DatasetInput[], models?: ModelInput[]): Promise<void>;
  /** MLflow 3: records logged models the run produced (runs/outputs). */
  logOutputs(runId: string, models: ModelOutput[]): Promise<void>;
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
  searchRuns(options: SearchRunsOptions): Promise<Page<Run>>;

  // artifacts (paths relative to the run's artifact root; never leaving it)
  logArtifact(runId: string, path: string, data: Uint8Array | string): Promise<void>;
  listArtifacts(runId: string, path?: string): Promise<FileInfo[]>;
  readArtifact(runId: string, path: string): Promise<Uint8Array>;

  // MLflow 3 logged models (ids `m-<32 hex>`); artifacts under the model's own artifact_uri
  createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel>;
  /** A deleted model is RESOURCE_DOES_NOT_EXIST unless allowDeleted. */
  getLoggedModel(modelId: string, allowDeleted?: boolean): Promise<LoggedModel>;
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  /** Soft delete (lifecycle_stage deleted); deleting twice is not an error. */
  deleteLoggedModel(modelId: string): Promise<void>;
  /** Upserts. */
  setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  /** A key already logged with another value is INVALID_PARAMETER_VALUE; the same value again is fine. */
  logLoggedModelParams(modelId: string, params: Param[]): Promise<void>;
  searchLoggedModels(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>>;
  logLoggedModelArtifact(modelId: string, path: string, data: Uint8Array | string): Promise<void>;
  listLoggedModelArtifacts(modelId: string, path?: string): Promise<FileInfo[]>;
  readLoggedModelArtifact(modelId: string, path: string): Promise<Uint8Array>;

  // registry
  createRegisteredModel(name: string, tags?: Tag[], description?: string): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  searchRegisteredModels(options?: SearchRegistryOptions): Promise<Page<RegisteredModel>>;
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string): Promise<void>;
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  searchModelVersions(options?: SearchRegistryOptions): Promise<Page<ModelVersion>>;
  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: string): Promise<void>;
  transitionModelVersionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion>;
  getLatestVersions(name: string, stages?: Stage[]): Promise<ModelVersion[]>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;
  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void>;
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;
}

export type { Dataset };
