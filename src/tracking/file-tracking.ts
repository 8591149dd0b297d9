/**
 * The tracking half of MLflow's file store: experiments, runs, metrics, params, tags, inputs, outputs and
 * artifacts under an mlruns/ folder, in MLflow 2.12's layout plus MLflow 3's additions (so `mlflow ui` 2.12 and
 * MLflow 3 with MLFLOW_ALLOW_FILE_STORE read what this writes, and the other way round). The registry half
 * (mlruns/models/) is file-registry.ts; logged models (mlruns/<exp>/models/) are file-logged-models.ts. Reading a
 * run folder is file-run-reader.ts; metric lines file-metrics.ts; inputs and outputs file-inputs.ts.
 *
 * Concurrency: several processes may log to one run at once. Metric points are appended with O_APPEND (one write
 * per line, or per batch and key), params and tags are whole files replaced atomically, meta.yaml files are
 * rewritten atomically. Nothing logged is lost; only two racing updates of the same meta.yaml (e.g. a rename and
 * a status change at the same instant) can let the later write win.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type {
  DatasetInput,
  Experiment,
  FileInfo,
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
  ViewType,
} from "./entities.js";
import { RUN_STATUS_CODES } from "./entities.js";
import { artifactRootOf, listArtifactDir, readArtifactFile, writeArtifact } from "./file-artifacts.js";
import {
  err,
  validateBatchLimits,
  validateDatasetInput,
  validateExperimentId,
  validateExperimentName,
  validateExperimentTag,
  validateMetric,
  validateModelId,
  validateParam,
  validateParamKeysUnique,
  validateRunId,
  validateTag,
} from "./file-checks.js";
import { type DatasetCache, writeDatasetInputs, writeModelInputs, writeModelOutputs } from "./file-inputs.js";
import { FileLoggedModels } from "./file-logged-models.js";
import { formatMetricValue, metricLine, parseMetricText } from "./file-metrics.js";
import { defaultUser, randomExperimentId, randomRunName } from "./file-names.js";
import { checkMaxResults, inView, paginate } from "./file-paging.js";
import { checkSameParam, writeParam } from "./file-params.js";
import { META, RUN_NAME_TAG, type RunMeta, readRunMetaSync, readRunSync, toRunInfo } from "./file-run-reader.js";
import {
  appendLines,
  checkLength,
  exists,
  isMissing,
  isTempName,
  MAX_TAG_VAL_LENGTH,
  readKeyValuesSync,
  readTextOrNull,
  readYaml,
  readYamlSync,
  safeJoin,
  subdirs,
  validateEntityName,
  withFileLock,
  writeFileAtomic,
  writeYaml,
  yieldToEventLoop,
} from "./fs-util.js";
import { filterExperiments, filterRuns, sortExperiments } from "./search.js";
import type {
  CreateRunOptions,
  RunBatch,
  SearchExperimentsOptions,
  SearchRunsOptions,
  TrackingStore,
} from "./store.js";

export { formatMetricValue, parseMetricValue } from "./file-metrics.js";
export { decodePageToken, encodePageToken } from "./file-paging.js";

/** The registry methods of TrackingStore (file-registry.ts implements those). */
export type RegistryMethod =
  | "createRegisteredModel"
  | "getRegisteredModel"
  | "searchRegisteredModels"
  | "renameRegisteredModel"
  | "updateRegisteredModel"
  | "deleteRegisteredModel"
  | "setRegisteredModelTag"
  | "deleteRegisteredModelTag"
  | "createModelVersion"
  | "getModelVersion"
  | "searchModelVersions"
  | "updateModelVersion"
  | "deleteModelVersion"
  | "transitionModelVersionStage"
  | "getLatestVersions"
  | "setModelVersionTag"
  | "deleteModelVersionTag"
  | "setRegisteredModelAlias"
  | "deleteRegisteredModelAlias"
  | "getModelVersionByAlias"
  | "getModelVersionDownloadUri";

/** The logged-model methods of TrackingStore (file-logged-models.ts implements those). */
export type LoggedModelMethod =
  | "createLoggedModel"
  | "getLoggedModel"
  | "finalizeLoggedModel"
  | "deleteLoggedModel"
  | "setLoggedModelTags"
  | "deleteLoggedModelTag"
  | "logLoggedModelParams"
  | "searchLoggedModels"
  | "logLoggedModelArtifact"
  | "listLoggedModelArtifacts"
  | "readLoggedModelArtifact";

/** Everything in TrackingStore except the registry and the logged models. */
export type TrackingOnlyStore = Omit<TrackingStore, RegistryMethod | LoggedModelMethod>;

export interface FileTrackingStoreOptions {
  /** Clock in ms since the epoch (tests pin it). */
  now?: () => number;
  /** New run ids (default: randomUUID without dashes, 32 lowercase hex). */
  newRunId?: () => string;
  /** New experiment ids (default: random 18-digit numeric strings, as MLflow). */
  newExperimentId?: () => string;
  /** New run names when none is given (default: MLflow-like `<adjective>-<noun>-<n>`). */
  newRunName?: () => string;
  /** New logged model ids (default: `m-` + randomUUID without dashes, as MLflow 3). */
  newModelId?: () => string;
  /** user_id when createRun gets none (default: the OS user name, else "unknown"). */
  user?: string;
}

export const DEFAULT_EXPERIMENT_ID = "0";
export const DEFAULT_EXPERIMENT_NAME = "Default";
const TRASH = ".trash";
const EXPERIMENTS_LOCK = ".experiments.lock";
/** mlruns/models/ is the registry (MLflow 2 and 3), never an experiment. */
const REGISTRY_FOLDER = "models";
/** Folders of an experiment that are not runs (MLflow 3's RESERVED_EXPERIMENT_FOLDERS). */
const RESERVED_EXPERIMENT_FOLDERS = new Set(["tags", "datasets", "traces", "models"]);

interface ExperimentMeta {
  artifact_location: string;
  creation_time?: number | null;
  experiment_id: string | number;
  last_update_time?: number | null;
  lifecycle_stage?: LifecycleStage;
  name: string;
}

function isExperimentFolderName(name: string): boolean {
  return name !== TRASH && name !== REGISTRY_FOLDER && !name.startsWith(".");
}

/** The same point written the same way: what makes two metric lines duplicates. */
function pointKey(m: Metric): string {
  return `${m.timestamp} ${formatMetricValue(m.value)} ${m.step}`;
}

export class FileTrackingStore implements TrackingOnlyStore {
  /** The mlruns folder. */
  readonly rootDir: string;
  /** file:///abs/mlruns: experiments' default artifact locations are below it. */
  readonly artifactRootUri: string;
  /** MLflow 3's logged models of this folder (metrics logged with a model_id also go there). */
  readonly loggedModels: FileLoggedModels;
  readonly now: () => number;
  private readonly newRunId: () => string;
  private readonly newExperimentId: () => string;
  private readonly newRunName: () => string;
  private readonly user: string;
  private ready: Promise<void> | null = null;
  /** run id → experiment folder holding it (checked on every use: experiments move to .trash). */
  private readonly runDirs = new Map<string, { experimentId: string; dir: string }>();

  constructor(rootDir: string, options: FileTrackingStoreOptions = {}) {
    this.rootDir = resolve(rootDir.startsWith("file:") ? fileURLToPath(rootDir) : rootDir);
    this.artifactRootUri = pathToFileURL(this.rootDir).href.replace(/\/$/, "");
    this.now = options.now ?? Date.now;
    this.newRunId = options.newRunId ?? (() => randomUUID().replaceAll("-", ""));
    this.newExperimentId = options.newExperimentId ?? randomExperimentId;
    this.newRunName = options.newRunName ?? randomRunName;
    this.user = options.user ?? defaultUser();
    this.loggedModels = new FileLoggedModels(this, {
      now: this.now,
      newModelId: options.newModelId,
      newName: options.newRunName,
    });
  }

  /** Creates mlruns/, mlruns/.trash and the Default experiment (id 0) on first use, as MLflow's FileStore. */
  init(): Promise<void> {
    if (this.ready === null) {
      this.ready = (async () => {
        await mkdir(join(this.rootDir, TRASH), { recursive: true });
        const hasDefault =
          (await exists(join(this.rootDir, DEFAULT_EXPERIMENT_ID, META))) ||
          (await exists(join(this.rootDir, TRASH, DEFAULT_EXPERIMENT_ID)));
        if (!hasDefault) {
          await this.writeNewExperiment(DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, undefined, []);
        }
      })().catch((e) => {
        this.ready = null;
        throw e;
      });
    }
    return this.ready;
  }

  // ---- experiments

  private async writeNewExperiment(id: string, name: string, artifactLocation: string | undefined, tags: Tag[]) {
    const dir = join(this.rootDir, id);
    const time = this.now();
    const meta: ExperimentMeta = {
      artifact_location: artifactLocation ?? `${this.artifactRootUri}/${id}`,
      creation_time: time,
      experiment_id: id,
      last_update_time: time,
      lifecycle_stage: "active",
      name,
    };
    await mkdir(dir, { recursive: true });
    for (const t of tags) await writeFileAtomic(safeJoin(dir, "tags", t.key), t.value);
    await writeYaml(join(dir, META), meta);
  }

  /** The folder of an experiment (active in mlruns/, deleted in mlruns/.trash/), or null. */
  async experimentDir(id: string): Promise<string | null> {
    validateExperimentId(id);
    await this.init();
    for (const dir of [join(this.rootDir, id), join(this.rootDir, TRASH, id)]) {
      if (await exists(join(dir, META))) return dir;
    }
    return null;
  }

  /** Every experiment folder, active then deleted, as [folder, id] (meta.yaml not checked). */
  async experimentFolders(view: ViewType = "ALL"): Promise<[string, string][]> {
    await this.init();
    const dirs: [string, string][] = [];
    if (view !== "DELETED_ONLY") {
      for (const name of await subdirs(this.rootDir)) {
        if (isExperimentFolderName(name)) dirs.push([join(this.rootDir, name), name]);
      }
    }
    if (view !== "ACTIVE_ONLY") {
      for (const name of await subdirs(join(this.rootDir, TRASH))) dirs.push([join(this.rootDir, TRASH, name), name]);
    }
    return dirs;
  }

  /** An experiment's meta.yaml and tags (MLflow 3's extra keys, trace_location and workspace, are ignored). */
  private readExperiment(dir: string, id: string): Experiment {
    const meta = readYamlSync<ExperimentMeta>(join(dir, META));
    return {
      experiment_id: String(meta.experiment_id ?? id),
      name: String(meta.name),
      artifact_location: String(meta.artifact_location),
      lifecycle_stage: meta.lifecycle_stage ?? "active",
      creation_time: meta.creation_time ?? 0,
      last_update_time: meta.last_update_time ?? 0,
      tags: readKeyValuesSync(join(dir, "tags")),
    };
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const dir = await this.experimentDir(experimentId);
    if (dir === null) throw err(`Could not find experiment with ID ${experimentId}`, "RESOURCE_DOES_NOT_EXIST");
    return this.readExperiment(dir, experimentId);
  }

  /** Every readable experiment in the view (folders without a readable meta.yaml are skipped, as MLflow warns). */
  private async listExperiments(view: ViewType): Promise<Experiment[]> {
    const out: Experiment[] = [];
    for (const [dir, id] of await this.experimentFolders(view)) {
      try {
        const exp = this.readExperiment(dir, id);
        if (inView(exp.lifecycle_stage, view)) out.push(exp);
      } catch (e) {
        if (!isMissing(e)) throw e;
      }
    }
    return out;
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    const all = await this.listExperiments("ALL");
    return all.find((e) => e.name === name) ?? null;
  }

  /**
   * Names are unique: the check and the creation run under a lock file (mlruns/.experiments.lock, a plain file,
   * which MLflow's folder listing ignores), so writers racing on one name get one experiment.
   */
  async createExperiment(name: string, tags: Tag[] = [], artifactLocation?: string): Promise<string> {
    validateExperimentName(name);
    const checked = tags.map(validateExperimentTag);
    await this.init();
    return withFileLock(join(this.rootDir, EXPERIMENTS_LOCK), () =>
      this.createUniqueExperiment(name, checked, artifactLocation),
    );
  }

  private async createUniqueExperiment(name: string, checked: Tag[], artifactLocation?: string): Promise<string> {
    const existing = await this.getExperimentByName(name);
    if (existing !== null) {
      if (existing.lifecycle_stage === "deleted") {
        throw err(
          `Experiment '${name}' already exists in deleted state. You can restore the experiment, or permanently delete the experiment from the .trash folder (under tracking server's root folder) in order to use this experiment name again.`,
          "RESOURCE_ALREADY_EXISTS",
        );
      }
      throw err(`Experiment '${name}' already exists.`, "RESOURCE_ALREADY_EXISTS");
    }
    for (let attempt = 0; ; attempt++) {
      const id = this.newExperimentId();
      validateExperimentId(id);
      if (!isExperimentFolderName(id)) throw err(`Invalid experiment ID: '${id}'`, "INVALID_PARAMETER_VALUE");
      if ((await exists(join(this.rootDir, id))) || (await exists(join(this.rootDir, TRASH, id)))) {
        if (attempt < 10) continue;
        throw err(`Experiment with id '${id}' already exists.`, "RESOURCE_ALREADY_EXISTS");
      }
      await this.writeNewExperiment(id, name, artifactLocation, checked);
      return id;
    }
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    const maxResults = checkMaxResults(options.maxResults);
    const all = await this.listExperiments(options.viewType ?? "ACTIVE_ONLY");
    const sorted = sortExperiments(filterExperiments(all, options.filter), options.orderBy);
    return paginate(sorted, options.pageToken, maxResults);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    const tag = validateExperimentTag({ key, value });
    const exp = await this.getExperiment(experimentId);
    if (exp.lifecycle_stage !== "active") {
      throw err(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    await writeFileAtomic(safeJoin(join(this.rootDir, experimentId), "tags", tag.key), tag.value);
  }

  /** Marks the experiment and its active runs deleted, then moves its folder to mlruns/.trash/ (as MLflow). */
  async deleteExperiment(experimentId: string): Promise<void> {
    validateExperimentId(experimentId);
    await this.init();
    const dir = join(this.rootDir, experimentId);
    if (!isExperimentFolderName(experimentId) || !(await exists(join(dir, META)))) {
      throw err(`Could not find experiment with ID ${experimentId}`, "RESOURCE_DOES_NOT_EXIST");
    }
    const time = this.now();
    for (const runId of await this.runIdsIn(dir)) {
      let meta: RunMeta;
      try {
        meta = readRunMetaSync(join(dir, runId));
      } catch {
        continue;
      }
      if ((meta.lifecycle_stage ?? "active") === "active") {
        await writeYaml(join(dir, runId, META), { ...meta, lifecycle_stage: "deleted", deleted_time: time });
      }
    }
    const meta = await readYaml<ExperimentMeta>(join(dir, META));
    await writeYaml(join(dir, META), { ...meta, lifecycle_stage: "deleted", last_update_time: time });
    const target = join(this.rootDir, TRASH, experimentId);
    await rm(target, { recursive: true, force: true });
    await rename(dir, target);
    for (const [runId, where] of this.runDirs) if (where.experimentId === experimentId) this.runDirs.delete(runId);
  }

  /** Moves a deleted experiment back from .trash and marks it (and its runs deleted with it) active. */
  async restoreExperiment(experimentId: string): Promise<void> {
    validateExperimentId(experimentId);
    await this.init();
    const trashed = join(this.rootDir, TRASH, experimentId);
    if (!(await exists(join(trashed, META)))) {
      throw err(
        `Cannot restore experiment with ID ${experimentId}: not in the deleted state`,
        "RESOURCE_DOES_NOT_EXIST",
      );
    }
    const dir = join(this.rootDir, experimentId);
    if (await exists(dir)) {
      throw err(
        `Cannot restore experiment with ID ${experimentId}: an experiment with that ID already exists`,
        "RESOURCE_ALREADY_EXISTS",
      );
    }
    const meta = await readYaml<ExperimentMeta>(join(trashed, META));
    await writeYaml(join(trashed, META), { ...meta, lifecycle_stage: "active", last_update_time: this.now() });
    await rename(trashed, dir);
    for (const [runId, where] of this.runDirs) if (where.experimentId === experimentId) this.runDirs.delete(runId);
  }

  // ---- runs: where they are, their meta.yaml

  private async runIdsIn(experimentDir: string): Promise<string[]> {
    return (await subdirs(experimentDir)).filter((n) => !RESERVED_EXPERIMENT_FOLDERS.has(n) && !isTempName(n));
  }

  /** The run's folder and experiment id; RESOURCE_DOES_NOT_EXIST when no experiment (active or deleted) has it. */
  private async findRun(runId: string): Promise<{ experimentId: string; dir: string }> {
    validateRunId(runId);
    await this.init();
    const cached = this.runDirs.get(runId);
    if (cached && (await exists(join(cached.dir, META)))) return cached;
    if (!RESERVED_EXPERIMENT_FOLDERS.has(runId)) {
      for (const [expDir, experimentId] of await this.experimentFolders("ALL")) {
        const dir = join(expDir, runId);
        if (await exists(join(dir, META))) {
          const found = { experimentId, dir };
          this.runDirs.set(runId, found);
          return found;
        }
      }
    }
    throw err(`Run '${runId}' not found`, "RESOURCE_DOES_NOT_EXIST");
  }

  private async runState(runId: string) {
    const where = await this.findRun(runId);
    const meta = readRunMetaSync(where.dir);
    const info = toRunInfo(meta, where.experimentId, where.dir);
    return { ...where, meta, info };
  }

  private static checkActive(info: RunInfo): void {
    if (info.lifecycle_stage !== "active") {
      throw err(
        `The run ${info.run_id} must be in the 'active' state. Current state is ${info.lifecycle_stage}.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
  }

  // ---- runs

  async createRun(options: CreateRunOptions): Promise<Run> {
    const experimentId = options.experimentId ?? DEFAULT_EXPERIMENT_ID;
    const exp = await this.getExperiment(experimentId);
    if (exp.lifecycle_stage !== "active") {
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
    const runName = options.runName || nameTag || this.newRunName();
    checkLength("Tag value", MAX_TAG_VAL_LENGTH, runName);
    const userId = options.userId ?? this.user;
    const has = (k: string) => tags.some((t) => t.key === k);
    if (!has(RUN_NAME_TAG)) tags.push({ key: RUN_NAME_TAG, value: runName });
    if (!has("mlflow.user")) tags.push({ key: "mlflow.user", value: userId });
    if (!has("mlflow.source.type")) tags.push({ key: "mlflow.source.type", value: "LOCAL" });

    const runId = this.newRunId();
    validateRunId(runId);
    if (RESERVED_EXPERIMENT_FOLDERS.has(runId)) throw err(`Invalid run ID: '${runId}'`, "INVALID_PARAMETER_VALUE");
    const expDir = join(this.rootDir, experimentId);
    const dir = join(expDir, runId);
    if (await exists(dir)) throw err(`Run '${runId}' already exists.`, "RESOURCE_ALREADY_EXISTS");
    const meta: RunMeta = {
      artifact_uri: `${exp.artifact_location.replace(/\/+$/, "")}/${runId}/artifacts`,
      end_time: null,
      entry_point_name: "",
      experiment_id: experimentId,
      lifecycle_stage: "active",
      run_id: runId,
      run_name: runName,
      run_uuid: runId,
      source_name: "",
      source_type: 4,
      source_version: "",
      start_time: options.startTime ?? this.now(),
      status: RUN_STATUS_CODES.RUNNING,
      tags: [],
      user_id: userId,
    };
    await mkdir(dir, { recursive: true });
    await writeYaml(join(dir, META), meta);
    for (const sub of ["metrics", "params", "artifacts"]) await mkdir(join(dir, sub), { recursive: true });
    for (const t of tags) await writeFileAtomic(safeJoin(dir, "tags", t.key), t.value);
    this.runDirs.set(runId, { experimentId, dir });
    return this.getRun(runId);
  }

  async getRun(runId: string): Promise<Run> {
    const { dir, info } = await this.runState(runId);
    return readRunSync(info, dir);
  }

  private async writeRunMeta(dir: string, meta: RunMeta): Promise<void> {
    await writeYaml(join(dir, META), meta);
  }

  async updateRunInfo(runId: string, status: RunStatus, endTime: number | null, runName?: string): Promise<RunInfo> {
    const { dir, meta, info, experimentId } = await this.runState(runId);
    FileTrackingStore.checkActive(info);
    if (!(status in RUN_STATUS_CODES)) throw err(`Invalid run status: '${status}'`, "INVALID_PARAMETER_VALUE");
    const next: RunMeta = { ...meta, status: RUN_STATUS_CODES[status], end_time: endTime ?? null };
    if (runName) {
      const tag = validateTag({ key: RUN_NAME_TAG, value: runName });
      next.run_name = runName;
      await writeFileAtomic(safeJoin(dir, "tags", RUN_NAME_TAG), tag.value);
    }
    await this.writeRunMeta(dir, next);
    return toRunInfo(next, experimentId, dir);
  }

  /** Marks the run deleted (lifecycle_stage deleted, deleted_time), as MLflow's FileStore; files stay. */
  async deleteRun(runId: string): Promise<void> {
    const { dir, meta } = await this.runState(runId);
    await this.writeRunMeta(dir, { ...meta, lifecycle_stage: "deleted", deleted_time: this.now() });
  }

  /** Marks a deleted run active again (removes deleted_time). */
  async restoreRun(runId: string): Promise<void> {
    const { dir, meta } = await this.runState(runId);
    const { deleted_time: _dropped, ...rest } = meta;
    await this.writeRunMeta(dir, { ...rest, lifecycle_stage: "active" });
  }

  async logBatch(runId: string, batch: RunBatch): Promise<void> {
    validateRunId(runId);
    const metrics = batch.metrics ?? [];
    for (const m of metrics) validateMetric(m);
    const params = (batch.params ?? []).map(validateParam);
    const tags = (batch.tags ?? []).map(validateTag);
    validateBatchLimits(metrics.length, params.length, tags.length);
    validateParamKeysUnique(params);
    const state = await this.runState(runId);
    FileTrackingStore.checkActive(state.info);
    const { dir } = state;

    // params are immutable: check them all before writing anything
    const toWrite: Param[] = [];
    for (const p of params) {
      const current = await readTextOrNull(safeJoin(dir, "params", p.key));
      if (current === null) toWrite.push(p);
      else checkSameParam(p, current, runId, "run ID");
    }
    for (const p of toWrite) await writeParam(dir, p, runId, "run ID");

    await this.appendRunMetrics(dir, metrics);
    const forModels = metrics.filter((m) => m.model_id != null);
    if (forModels.length > 0) await this.loggedModels.appendModelMetrics(runId, forModels);

    let meta = state.meta;
    for (const t of tags) {
      if (t.key === RUN_NAME_TAG && meta.run_name !== t.value) {
        meta = { ...meta, run_name: t.value };
        await this.writeRunMeta(dir, meta);
      }
      await writeFileAtomic(safeJoin(dir, "tags", t.key), t.value);
    }
  }

  /**
   * One O_APPEND write per key (the batch's points of a key stay together, in order). A point is never written
   * twice: repeats within the batch are dropped, and a point carrying a model_id (MLflow 3's log_model re-logs the
   * run's points at the output step with the model's id) is dropped when the run's file already has it — MLflow
   * 3's own file store writes it again, which breaks `mlflow migrate-filestore` (SQL keys metrics by the point).
   */
  private async appendRunMetrics(runDir: string, metrics: readonly Metric[]): Promise<void> {
    const byKey = new Map<string, Metric[]>();
    for (const m of metrics) {
      const points = byKey.get(m.key) ?? [];
      points.push(m);
      byKey.set(m.key, points);
    }
    for (const [key, points] of byKey) {
      const path = safeJoin(runDir, "metrics", key);
      const seen = new Set<string>();
      if (points.some((m) => m.model_id != null)) {
        const text = await readTextOrNull(path);
        if (text !== null) for (const p of parseMetricText(key, text)) seen.add(pointKey(p));
      }
      const lines: string[] = [];
      for (const m of points) {
        const k = pointKey(m);
        if (seen.has(k)) continue;
        seen.add(k);
        lines.push(metricLine(m));
      }
      await appendLines(path, lines);
    }
  }

  async logMetric(runId: string, metric: Metric): Promise<void> {
    await this.logBatch(runId, { metrics: [metric] });
  }

  async logParam(runId: string, param: Param): Promise<void> {
    await this.logBatch(runId, { params: [param] });
  }

  async setTag(runId: string, tag: Tag): Promise<void> {
    await this.logBatch(runId, { tags: [tag] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    validateEntityName("tag", key);
    const { dir, info } = await this.runState(runId);
    FileTrackingStore.checkActive(info);
    const path = safeJoin(dir, "tags", key);
    try {
      await unlink(path);
    } catch (e) {
      if (isMissing(e)) throw err(`No tag with name: ${key} in run with id ${runId}`, "RESOURCE_DOES_NOT_EXIST");
      throw e;
    }
  }

  /** Dataset inputs (MLflow 2.12's layout) and model inputs (MLflow 3's); an unknown model id is accepted, as MLflow. */
  async logInputs(runId: string, datasets: DatasetInput[], models: ModelInput[] = []): Promise<void> {
    validateRunId(runId);
    for (const d of datasets) validateDatasetInput(d);
    for (const m of models) validateModelId(m?.model_id);
    const { dir, info } = await this.runState(runId);
    FileTrackingStore.checkActive(info);
    await writeDatasetInputs(dir, runId, datasets);
    await writeModelInputs(dir, runId, models);
  }

  /** MLflow 3's runs/outputs: <run>/outputs/<model_id>/meta.yaml; an unknown model id is accepted, as MLflow. */
  async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    validateRunId(runId);
    for (const m of models) {
      validateModelId(m?.model_id);
      if (typeof m.step !== "number" || !Number.isSafeInteger(m.step)) {
        throw err(`Invalid step ${m.step} for model output '${m.model_id}'`, "INVALID_PARAMETER_VALUE");
      }
    }
    const { dir, info } = await this.runState(runId);
    FileTrackingStore.checkActive(info);
    await writeModelOutputs(dir, models);
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateRunId(runId);
    validateEntityName("metric", key);
    const { dir } = await this.findRun(runId);
    const text = await readTextOrNull(safeJoin(dir, "metrics", key));
    return text === null ? [] : parseMetricText(key, text);
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const maxResults = checkMaxResults(options.maxResults);
    const view = options.viewType ?? "ACTIVE_ONLY";
    const runs: Run[] = [];
    const datasets: DatasetCache = new Map();
    for (const experimentId of options.experimentIds ?? []) {
      const expDir = await this.experimentDir(String(experimentId));
      if (expDir === null) continue;
      for (const runId of await this.runIdsIn(expDir)) {
        const dir = join(expDir, runId);
        let meta: RunMeta;
        try {
          meta = readRunMetaSync(dir);
        } catch (e) {
          if (isMissing(e)) continue; // a folder without meta.yaml is not a run (MLflow warns and skips)
          throw e;
        }
        const info = toRunInfo(meta, String(experimentId), dir);
        if (!inView(info.lifecycle_stage, view)) continue;
        runs.push(readRunSync(info, dir, datasets));
        await yieldToEventLoop();
      }
    }
    // filter and order_by (MLflow's syntax) from search.ts; with neither: start_time DESC, run_id ASC
    const selected = filterRuns(runs, options.filter, options.orderBy);
    return paginate(selected, options.pageToken, maxResults);
  }

  // ---- artifacts: below the run's artifact_uri (a file: URI)

  private async artifactRoot(runId: string): Promise<string> {
    const { info } = await this.runState(runId);
    return artifactRootOf(info.artifact_uri, `Run '${runId}'`);
  }

  async logArtifact(runId: string, path: string, data: Uint8Array | string): Promise<void> {
    await writeArtifact(await this.artifactRoot(runId), path, data);
  }

  /** The entries directly in `path` (the artifact root when omitted), sorted by path; [] when it is no folder. */
  async listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    return listArtifactDir(await this.artifactRoot(runId), path);
  }

  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    return readArtifactFile(await this.artifactRoot(runId), path, `run '${runId}'`);
  }
}
