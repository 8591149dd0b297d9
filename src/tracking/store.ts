import type {
  Dataset,
  DatasetInput,
  Experiment,
  FileInfo,
  Metric,
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
}

/**
 * The one contract behind every tracking backend (MLflow's AbstractStore + the registry's, in camelCase and
 * async). The file store writes MLflow's mlruns/ layout; the REST store speaks MLflow's REST API 2.0. Errors are
 * TrackingError with MLflow's codes (RESOURCE_DOES_NOT_EXIST, RESOURCE_ALREADY_EXISTS, INVALID_PARAMETER_VALUE).
 */
export interface TrackingStore {
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
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void>;
  getMetricHistory(runId: string, key: string): Promise<Metric[]>;
  searchRuns(options: SearchRunsOptions): Promise<Page<Run>>;

  // artifacts (paths relative to the run's artifact root; never leaving it)
  logArtifact(runId: string, path: string, data: Uint8Array | string): Promise<void>;
  listArtifacts(runId: string, path?: string): Promise<FileInfo[]>;
  readArtifact(runId: string, path: string): Promise<Uint8Array>;

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
