import type { FileLoggedModels } from "./file-logged-models.js";
import { FileRegistry } from "./file-registry.js";
import { FileTrackingStore, type FileTrackingStoreOptions } from "./file-tracking.js";
import type { TrackingStore } from "./store.js";

type Args<K extends Exclude<keyof TrackingStore, "close" | "importer">> = Parameters<TrackingStore[K]>;

/**
 * The whole TrackingStore over one mlruns/ folder (MLflow 2.12's file layout with MLflow 3's additions):
 * experiments, runs and artifacts from FileTrackingStore, logged models (mlruns/<exp>/models/) from
 * FileLoggedModels, the model registry (mlruns/models/) from FileRegistry. Pure delegation, one line each.
 */
export class FileStore implements TrackingStore {
  readonly tracking: FileTrackingStore;
  readonly registry: FileRegistry;
  readonly loggedModels: FileLoggedModels;

  /** rootDir: the mlruns folder, a path or a file: URI. `now` (tests) pins the clock of both halves. */
  constructor(rootDir: string, options: FileTrackingStoreOptions = {}) {
    this.tracking = new FileTrackingStore(rootDir, options);
    this.loggedModels = this.tracking.loggedModels;
    this.registry = new FileRegistry(this.tracking.rootDir, { now: options.now, loggedModels: this.loggedModels });
  }

  /** The absolute mlruns folder. */
  get rootDir(): string {
    return this.tracking.rootDir;
  }

  // experiments
  createExperiment(...a: Args<"createExperiment">) {
    return this.tracking.createExperiment(...a);
  }
  getExperiment(...a: Args<"getExperiment">) {
    return this.tracking.getExperiment(...a);
  }
  getExperimentByName(...a: Args<"getExperimentByName">) {
    return this.tracking.getExperimentByName(...a);
  }
  searchExperiments(...a: Args<"searchExperiments">) {
    return this.tracking.searchExperiments(...a);
  }
  setExperimentTag(...a: Args<"setExperimentTag">) {
    return this.tracking.setExperimentTag(...a);
  }
  deleteExperiment(...a: Args<"deleteExperiment">) {
    return this.tracking.deleteExperiment(...a);
  }

  // runs
  createRun(...a: Args<"createRun">) {
    return this.tracking.createRun(...a);
  }
  getRun(...a: Args<"getRun">) {
    return this.tracking.getRun(...a);
  }
  updateRunInfo(...a: Args<"updateRunInfo">) {
    return this.tracking.updateRunInfo(...a);
  }
  deleteRun(...a: Args<"deleteRun">) {
    return this.tracking.deleteRun(...a);
  }
  logBatch(...a: Args<"logBatch">) {
    return this.tracking.logBatch(...a);
  }
  logMetric(...a: Args<"logMetric">) {
    return this.tracking.logMetric(...a);
  }
  logParam(...a: Args<"logParam">) {
    return this.tracking.logParam(...a);
  }
  setTag(...a: Args<"setTag">) {
    return this.tracking.setTag(...a);
  }
  deleteTag(...a: Args<"deleteTag">) {
    return this.tracking.deleteTag(...a);
  }
  logInputs(...a: Args<"logInputs">) {
    return this.tracking.logInputs(...a);
  }
  logOutputs(...a: Args<"logOutputs">) {
    return this.tracking.logOutputs(...a);
  }
  getMetricHistory(...a: Args<"getMetricHistory">) {
    return this.tracking.getMetricHistory(...a);
  }
  searchRuns(...a: Args<"searchRuns">) {
    return this.tracking.searchRuns(...a);
  }

  // artifacts
  logArtifact(...a: Args<"logArtifact">) {
    return this.tracking.logArtifact(...a);
  }
  listArtifacts(...a: Args<"listArtifacts">) {
    return this.tracking.listArtifacts(...a);
  }
  readArtifact(...a: Args<"readArtifact">) {
    return this.tracking.readArtifact(...a);
  }

  // logged models
  createLoggedModel(...a: Args<"createLoggedModel">) {
    return this.loggedModels.createLoggedModel(...a);
  }
  getLoggedModel(...a: Args<"getLoggedModel">) {
    return this.loggedModels.getLoggedModel(...a);
  }
  finalizeLoggedModel(...a: Args<"finalizeLoggedModel">) {
    return this.loggedModels.finalizeLoggedModel(...a);
  }
  deleteLoggedModel(...a: Args<"deleteLoggedModel">) {
    return this.loggedModels.deleteLoggedModel(...a);
  }
  setLoggedModelTags(...a: Args<"setLoggedModelTags">) {
    return this.loggedModels.setLoggedModelTags(...a);
  }
  deleteLoggedModelTag(...a: Args<"deleteLoggedModelTag">) {
    return this.loggedModels.deleteLoggedModelTag(...a);
  }
  logLoggedModelParams(...a: Args<"logLoggedModelParams">) {
    return this.loggedModels.logLoggedModelParams(...a);
  }
  searchLoggedModels(...a: Args<"searchLoggedModels">) {
    return this.loggedModels.searchLoggedModels(...a);
  }
  logLoggedModelArtifact(...a: Args<"logLoggedModelArtifact">) {
    return this.loggedModels.logLoggedModelArtifact(...a);
  }
  listLoggedModelArtifacts(...a: Args<"listLoggedModelArtifacts">) {
    return this.loggedModels.listLoggedModelArtifacts(...a);
  }
  readLoggedModelArtifact(...a: Args<"readLoggedModelArtifact">) {
    return this.loggedModels.readLoggedModelArtifact(...a);
  }

  // registry
  createRegisteredModel(...a: Args<"createRegisteredModel">) {
    return this.registry.createRegisteredModel(...a);
  }
  getRegisteredModel(...a: Args<"getRegisteredModel">) {
    return this.registry.getRegisteredModel(...a);
  }
  searchRegisteredModels(...a: Args<"searchRegisteredModels">) {
    return this.registry.searchRegisteredModels(...a);
  }
  renameRegisteredModel(...a: Args<"renameRegisteredModel">) {
    return this.registry.renameRegisteredModel(...a);
  }
  updateRegisteredModel(...a: Args<"updateRegisteredModel">) {
    return this.registry.updateRegisteredModel(...a);
  }
  deleteRegisteredModel(...a: Args<"deleteRegisteredModel">) {
    return this.registry.deleteRegisteredModel(...a);
  }
  setRegisteredModelTag(...a: Args<"setRegisteredModelTag">) {
    return this.registry.setRegisteredModelTag(...a);
  }
  deleteRegisteredModelTag(...a: Args<"deleteRegisteredModelTag">) {
    return this.registry.deleteRegisteredModelTag(...a);
  }
  createModelVersion(...a: Args<"createModelVersion">) {
    return this.registry.createModelVersion(...a);
  }
  getModelVersion(...a: Args<"getModelVersion">) {
    return this.registry.getModelVersion(...a);
  }
  searchModelVersions(...a: Args<"searchModelVersions">) {
    return this.registry.searchModelVersions(...a);
  }
  updateModelVersion(...a: Args<"updateModelVersion">) {
    return this.registry.updateModelVersion(...a);
  }
  deleteModelVersion(...a: Args<"deleteModelVersion">) {
    return this.registry.deleteModelVersion(...a);
  }
  transitionModelVersionStage(...a: Args<"transitionModelVersionStage">) {
    return this.registry.transitionModelVersionStage(...a);
  }
  getLatestVersions(...a: Args<"getLatestVersions">) {
    return this.registry.getLatestVersions(...a);
  }
  setModelVersionTag(...a: Args<"setModelVersionTag">) {
    return this.registry.setModelVersionTag(...a);
  }
  deleteModelVersionTag(...a: Args<"deleteModelVersionTag">) {
    return this.registry.deleteModelVersionTag(...a);
  }
  setRegisteredModelAlias(...a: Args<"setRegisteredModelAlias">) {
    return this.registry.setRegisteredModelAlias(...a);
  }
  deleteRegisteredModelAlias(...a: Args<"deleteRegisteredModelAlias">) {
    return this.registry.deleteRegisteredModelAlias(...a);
  }
  getModelVersionByAlias(...a: Args<"getModelVersionByAlias">) {
    return this.registry.getModelVersionByAlias(...a);
  }
  getModelVersionDownloadUri(...a: Args<"getModelVersionDownloadUri">) {
    return this.registry.getModelVersionDownloadUri(...a);
  }
}
