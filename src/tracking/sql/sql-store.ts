/**
 * The whole TrackingStore over a SQL database in MLflow's own schema (SQLite or PostgreSQL): experiments, runs,
 * logged models and the registry from their modules, artifacts as local files. Pure delegation, one line each.
 */
import { resolve } from "node:path";
import type { FileInfo } from "../entities.js";
import { defaultUser } from "../file-names.js";
import type { StoreImporter, TrackingStore } from "../store.js";
import { listArtifactDir, localArtifactDir, readArtifactFile, writeArtifact } from "./artifacts.js";
import type { SqlContext } from "./context.js";
import type { SqlDb } from "./db.js";
import { SqlExperiments } from "./experiments.js";
import { sqlImporter } from "./import.js";
import { SqlLoggedModels } from "./logged-models.js";
import { openDatabase } from "./open.js";
import { SqlRegistry } from "./registry.js";
import { SqlRuns } from "./runs.js";

export interface SqlStoreOptions {
  /** Where new experiments' artifacts go; default: absolute `<cwd>/mlruns`, as MLflow's client straight on sqlite. */
  defaultArtifactRoot?: string;
  /** The folder `mlflow-artifacts:/` locations resolve under; default `<cwd>/mlartifacts` (as `mlflow server`). */
  artifactsDestination?: string;
  /** Clock in ms since the epoch (tests pin it). */
  now?: () => number;
}

type Args<K extends Exclude<keyof TrackingStore, "close" | "importer">> = Parameters<TrackingStore[K]>;

export class SqlStore implements TrackingStore {
  readonly db: SqlDb;
  readonly experiments: SqlExperiments;
  readonly runs: SqlRuns;
  readonly loggedModels: SqlLoggedModels;
  readonly registry: SqlRegistry;
  private readonly ctx: SqlContext;

  constructor(db: SqlDb, options: SqlStoreOptions = {}) {
    this.db = db;
    this.ctx = {
      db,
      now: options.now ?? Date.now,
      defaultArtifactRoot: defaultArtifactRoot(options),
      artifactsDestination: resolve(options.artifactsDestination ?? "mlartifacts"),
      user: defaultUser(),
    };
    this.experiments = new SqlExperiments(this.ctx);
    this.runs = new SqlRuns(this.ctx, this.experiments);
    this.loggedModels = new SqlLoggedModels(this.ctx, this.experiments);
    this.registry = new SqlRegistry(this.ctx, this.loggedModels);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** Writes entities with their own ids and timestamps (`handgesture migrate`). */
  importer(): StoreImporter {
    return sqlImporter(this.db);
  }

  // experiments
  createExperiment(...a: Args<"createExperiment">) {
    return this.experiments.createExperiment(...a);
  }
  getExperiment(...a: Args<"getExperiment">) {
    return this.experiments.getExperiment(...a);
  }
  getExperimentByName(...a: Args<"getExperimentByName">) {
    return this.experiments.getExperimentByName(...a);
  }
  searchExperiments(...a: Args<"searchExperiments">) {
    return this.experiments.searchExperiments(...a);
  }
  setExperimentTag(...a: Args<"setExperimentTag">) {
    return this.experiments.setExperimentTag(...a);
  }
  deleteExperiment(...a: Args<"deleteExperiment">) {
    return this.experiments.deleteExperiment(...a);
  }
  restoreExperiment(experimentId: string) {
    return this.experiments.restoreExperiment(experimentId);
  }

  // runs
  createRun(...a: Args<"createRun">) {
    return this.runs.createRun(...a);
  }
  getRun(...a: Args<"getRun">) {
    return this.runs.getRun(...a);
  }
  updateRunInfo(...a: Args<"updateRunInfo">) {
    return this.runs.updateRunInfo(...a);
  }
  deleteRun(...a: Args<"deleteRun">) {
    return this.runs.deleteRun(...a);
  }
  restoreRun(runId: string) {
    return this.runs.restoreRun(runId);
  }
  logBatch(...a: Args<"logBatch">) {
    return this.runs.logBatch(...a);
  }
  logMetric(runId: string, metric: Args<"logMetric">[1]) {
    return this.runs.logBatch(runId, { metrics: [metric] });
  }
  logParam(runId: string, param: Args<"logParam">[1]) {
    return this.runs.logBatch(runId, { params: [param] });
  }
  setTag(runId: string, tag: Args<"setTag">[1]) {
    return this.runs.logBatch(runId, { tags: [tag] });
  }
  deleteTag(...a: Args<"deleteTag">) {
    return this.runs.deleteTag(...a);
  }
  logInputs(...a: Args<"logInputs">) {
    return this.runs.logInputs(...a);
  }
  logOutputs(...a: Args<"logOutputs">) {
    return this.runs.logOutputs(...a);
  }
  getMetricHistory(...a: Args<"getMetricHistory">) {
    return this.runs.getMetricHistory(...a);
  }
  searchRuns(...a: Args<"searchRuns">) {
    return this.runs.searchRuns(...a);
  }

  // artifacts: below the run's artifact_uri
  private async runArtifactRoot(runId: string): Promise<string> {
    const row = await this.runs.row(runId);
    return localArtifactDir(row.artifact_uri ?? "", this.ctx.artifactsDestination);
  }
  async logArtifact(runId: string, path: string, data: Uint8Array | string): Promise<void> {
    await writeArtifact(await this.runArtifactRoot(runId), path, data);
  }
  async listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    return listArtifactDir(await this.runArtifactRoot(runId), path);
  }
  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    return readArtifactFile(await this.runArtifactRoot(runId), path, `run '${runId}'`);
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

function defaultArtifactRoot(options: SqlStoreOptions): string {
  const root = options.defaultArtifactRoot ?? resolve("mlruns");
  return root.replace(/\/+$/, "");
}

/**
 * Opens (and when empty, creates) the database a URI names and the store over it: `sqlite:///rel.db`,
 * `sqlite:////abs.db`, `postgresql://user:pw@host:port/db` (also `postgres://`, `postgresql+psycopg2://`).
 * Refuses databases at another schema revision or not MLflow's, leaving them untouched.
 */
export async function openSqlStore(uri: string, options: SqlStoreOptions = {}): Promise<SqlStore> {
  const now = options.now ?? Date.now;
  const db = await openDatabase(uri, defaultArtifactRoot(options), now);
  return new SqlStore(db, options);
}
