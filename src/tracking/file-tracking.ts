/**
 * The tracking half of MLflow's file store: experiments, runs, metrics, params, tags, dataset inputs and
 * artifacts under an mlruns/ folder, in MLflow 2.12's exact layout (so `mlflow ui` and the Python client read what
 * this writes, and the other way round). The registry half (mlruns/models/) is file-registry.ts.
 *
 * Concurrency: several processes may log to one run at once. Metric points are appended with O_APPEND (one write
 * per line, or per batch and key), params and tags are whole files replaced atomically, meta.yaml files are
 * rewritten atomically. Nothing logged is lost; only two racing updates of the same meta.yaml (e.g. a rename and
 * a status change at the same instant) can let the later write win.
 */
import { createHash, randomInt, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { HandgestureError } from "../core/errors.js";
import type {
  Dataset,
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
import {
  appendLines,
  checkLength,
  isTempName,
  MAX_DATASET_DIGEST_SIZE,
  MAX_DATASET_NAME_SIZE,
  MAX_DATASET_PROFILE_SIZE,
  MAX_DATASET_SCHEMA_SIZE,
  MAX_DATASET_SOURCE_SIZE,
  MAX_ENTITIES_PER_BATCH,
  MAX_ENTITY_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_VAL_LENGTH,
  MAX_INPUT_TAG_KEY_SIZE,
  MAX_INPUT_TAG_VALUE_SIZE,
  MAX_METRICS_PER_BATCH,
  MAX_PARAM_VAL_LENGTH,
  MAX_PARAMS_TAGS_PER_BATCH,
  MAX_TAG_VAL_LENGTH,
  readTextOrNull,
  readYaml,
  SEARCH_MAX_RESULTS_DEFAULT,
  SEARCH_MAX_RESULTS_THRESHOLD,
  safeJoin,
  validateEntityName,
  validateKey,
  writeFileAtomic,
  writeYaml,
} from "./fs-util.js";
import { filterExperiments, filterRuns, sortExperiments } from "./search.js";
import type {
  CreateRunOptions,
  RunBatch,
  SearchExperimentsOptions,
  SearchRunsOptions,
  TrackingStore,
} from "./store.js";

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
  /** user_id when createRun gets none (default: the OS user name, else "unknown"). */
  user?: string;
}

export const DEFAULT_EXPERIMENT_ID = "0";
export const DEFAULT_EXPERIMENT_NAME = "Default";
const META = "meta.yaml";
const TRASH = ".trash";
const MODELS = "models";
const RESERVED_EXPERIMENT_FOLDERS = new Set(["tags", "datasets"]);
const EXPERIMENT_ID_RE = /^[a-zA-Z0-9][\w-]{0,63}$/;
const RUN_ID_RE = /^[a-zA-Z0-9][\w-]{0,255}$/;
const STATUS_BY_CODE: Record<number, RunStatus> = Object.fromEntries(
  Object.entries(RUN_STATUS_CODES).map(([k, v]) => [v, k as RunStatus]),
);
const RUN_NAME_TAG = "mlflow.runName";

interface ExperimentMeta {
  artifact_location: string;
  creation_time?: number | null;
  experiment_id: string | number;
  last_update_time?: number | null;
  lifecycle_stage?: LifecycleStage;
  name: string;
}

interface RunMeta {
  artifact_uri: string;
  end_time: number | null;
  entry_point_name: string;
  experiment_id: string | number;
  lifecycle_stage: LifecycleStage;
  run_id: string;
  run_name?: string;
  run_uuid: string;
  source_name: string;
  source_type: number;
  source_version: string;
  start_time: number | null;
  status: number;
  tags: unknown[];
  user_id: string;
  deleted_time?: number;
}

export function err(
  message: string,
  code: "RESOURCE_DOES_NOT_EXIST" | "RESOURCE_ALREADY_EXISTS" | "INVALID_PARAMETER_VALUE",
) {
  return new HandgestureError(message, code);
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || (e as HandgestureError)?.code === "RESOURCE_DOES_NOT_EXIST";
}

// ---- metric values as Python writes and reads them

/** A number as Python's repr(float) writes it: `0.9`, `1.0`, `1e-05`, `1.5e+16`, `nan`, `inf`, `-inf`. */
export function formatMetricValue(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Number.POSITIVE_INFINITY) return "inf";
  if (v === Number.NEGATIVE_INFINITY) return "-inf";
  if (Object.is(v, -0)) return "-0.0";
  const [mant, expText] = v.toExponential().split("e");
  const exp = Number(expText);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  const sign = neg ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits.padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac === "" ? "0" : frac}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const a = Math.abs(exp);
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${a < 10 ? `0${a}` : a}`;
}

/** Python's float(): also `nan`, `inf`, `infinity` in any case, with a sign. */
export function parseMetricValue(text: string): number {
  const t = text.trim().toLowerCase();
  const body = t.replace(/^[+-]/, "");
  const neg = t.startsWith("-");
  if (body === "nan") return Number.NaN;
  if (body === "inf" || body === "infinity") return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const v = Number(t);
  if (t === "" || Number.isNaN(v)) throw new HandgestureError(`bad metric value '${text}'`, "INTERNAL_ERROR");
  return v;
}

/** One metric file line: `<timestamp> <value> <step>` (old files have no step: 0). */
function parseMetricLine(key: string, line: string): Metric {
  const parts = line.trim().split(/\s+/);
  if (parts.length !== 2 && parts.length !== 3) {
    throw new HandgestureError(
      `Metric '${key}' is malformed; persisted metric data contained '${line}'`,
      "INTERNAL_ERROR",
    );
  }
  return {
    key,
    value: parseMetricValue(parts[1]),
    timestamp: Number.parseInt(parts[0], 10),
    step: parts.length === 3 ? Number.parseInt(parts[2], 10) : 0,
  };
}

function metricLine(m: Metric): string {
  return `${m.timestamp} ${formatMetricValue(m.value)} ${m.step}\n`;
}

/** MLflow's choice of the latest point: greatest (step, timestamp, value), the first of equals. */
function latestOf(points: Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const p of points) {
    if (
      best === undefined ||
      p.step > best.step ||
      (p.step === best.step &&
        (p.timestamp > best.timestamp || (p.timestamp === best.timestamp && p.value > best.value)))
    ) {
      best = p;
    }
  }
  return best;
}

// ---- validation, as mlflow/utils/validation.py

export function validateExperimentId(id: string): void {
  if (typeof id !== "string" || !EXPERIMENT_ID_RE.test(id)) {
    throw err(`Invalid experiment ID: '${id}'`, "INVALID_PARAMETER_VALUE");
  }
}

export function validateRunId(id: string): void {
  if (typeof id !== "string" || !RUN_ID_RE.test(id)) throw err(`Invalid run ID: '${id}'`, "INVALID_PARAMETER_VALUE");
}

export function validateExperimentName(name: string): void {
  if (name === "" || name == null) throw err(`Invalid experiment name: '${name ?? "None"}'`, "INVALID_PARAMETER_VALUE");
  if (typeof name !== "string")
    throw err(`Invalid experiment name: ${name}. Expects a string.`, "INVALID_PARAMETER_VALUE");
}

export function validateMetric(m: Metric): void {
  validateEntityName("metric", m.key);
  if (typeof m.value !== "number") {
    throw err(
      `Got invalid value ${m.value} for metric '${m.key}' (timestamp=${m.timestamp}). Please specify value as a valid double (64-bit floating point)`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  if (typeof m.timestamp !== "number" || !Number.isSafeInteger(m.timestamp) || m.timestamp < 0) {
    throw err(
      `Got invalid timestamp ${m.timestamp} for metric '${m.key}' (value=${m.value}). Timestamp must be a nonnegative long (64-bit integer) `,
      "INVALID_PARAMETER_VALUE",
    );
  }
  if (typeof m.step !== "number" || !Number.isSafeInteger(m.step)) {
    throw err(
      `Got invalid step ${m.step} for metric '${m.key}' (value=${m.value}). Step must be a valid long (64-bit integer).`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}

/** null/undefined → "", other non-strings → String(v) (MLflow's _writeable_value). */
function writeable(v: unknown): string {
  return v == null ? "" : typeof v === "string" ? v : String(v);
}

/**
 * A validator for one kind of key/value entry: the key must be a valid name of that kind and at most maxKey long,
 * the value (made writeable) at most maxValue long. Returns the entry with the writeable value.
 */
function entryValidator(kind: "param" | "tag", maxKey: number, maxValue: number): (e: Param | Tag) => Param | Tag {
  const label = kind === "param" ? "Param" : "Tag";
  return (e) => {
    validateEntityName(kind, e.key);
    checkLength(`${label} key`, maxKey, e.key);
    const value = writeable(e.value);
    checkLength(`${label} value`, maxValue, value);
    return { key: e.key, value };
  };
}

export const validateParam = entryValidator("param", MAX_ENTITY_KEY_LENGTH, MAX_PARAM_VAL_LENGTH);
export const validateTag = entryValidator("tag", MAX_ENTITY_KEY_LENGTH, MAX_TAG_VAL_LENGTH);
export const validateExperimentTag = entryValidator(
  "tag",
  MAX_EXPERIMENT_TAG_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_VAL_LENGTH,
);

export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (what: string, n: number, limit: number) => {
    if (n > limit) {
      throw err(
        `A batch logging request can contain at most ${limit} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
  };
  over("metrics", metrics, MAX_METRICS_PER_BATCH);
  over("params", params, MAX_PARAMS_TAGS_PER_BATCH);
  over("tags", tags, MAX_PARAMS_TAGS_PER_BATCH);
  const total = metrics + params + tags;
  if (total > MAX_ENTITIES_PER_BATCH) {
    throw err(
      `A batch logging request can contain at most ${MAX_ENTITIES_PER_BATCH} metrics, params, and tags in total. Got ${total} total entities. Please split up entities across multiple requests and try again.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}

export function validateDatasetInput(input: DatasetInput): void {
  const d = input.dataset;
  if (!d || typeof d.name !== "string" || typeof d.digest !== "string") {
    throw err("Dataset input must have a dataset with a name and a digest", "INVALID_PARAMETER_VALUE");
  }
  checkLength("Dataset name", MAX_DATASET_NAME_SIZE, d.name);
  checkLength("Dataset digest", MAX_DATASET_DIGEST_SIZE, d.digest);
  checkLength("Dataset schema", MAX_DATASET_SCHEMA_SIZE, d.schema);
  checkLength("Dataset source", MAX_DATASET_SOURCE_SIZE, d.source);
  checkLength("Dataset profile", MAX_DATASET_PROFILE_SIZE, d.profile);
  for (const t of input.tags ?? []) {
    checkLength("Input tag key", MAX_INPUT_TAG_KEY_SIZE, t.key);
    checkLength("Input tag value", MAX_INPUT_TAG_VALUE_SIZE, t.value);
  }
}

function md5(...parts: string[]): string {
  const h = createHash("md5");
  for (const p of parts) h.update(p, "utf8");
  return h.digest("hex");
}

// ---- page tokens: base64 of {"offset": N}, as MLflow's SearchUtils

export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }).replace(":", ": "), "utf8").toString("base64");
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    throw err(`Invalid page token, could not base64-decode or parse: '${token}'`, "INVALID_PARAMETER_VALUE");
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw err(`Invalid page token, parsed value=${JSON.stringify(parsed)}`, "INVALID_PARAMETER_VALUE");
  }
  return offset;
}

function paginate<T>(items: T[], pageToken: string | undefined, maxResults: number): Page<T> {
  const start = decodePageToken(pageToken);
  const end = start + maxResults;
  const page: Page<T> = { items: items.slice(start, end) };
  if (end < items.length) page.next_page_token = encodePageToken(end);
  return page;
}

export function checkMaxResults(maxResults: number | undefined): number {
  const n = maxResults ?? SEARCH_MAX_RESULTS_DEFAULT;
  if (!Number.isInteger(n) || n < 1) {
    throw err(`Invalid value for max_results. It must be a positive integer, but got ${n}`, "INVALID_PARAMETER_VALUE");
  }
  if (n > SEARCH_MAX_RESULTS_THRESHOLD) {
    throw err(
      `Invalid value for max_results. It must be at most ${SEARCH_MAX_RESULTS_THRESHOLD}, but got ${n}`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  return n;
}

export function inView(stage: LifecycleStage, view: ViewType): boolean {
  return view === "ALL" || (view === "ACTIVE_ONLY" ? stage === "active" : stage === "deleted");
}

// ---- run names

const ADJECTIVES =
  "amber brave calm dapper eager fleet gentle hazy idle jolly keen lively mellow nimble orderly placid quiet rustic sunny tidy upbeat vivid witty zesty".split(
    " ",
  );
const NOUNS =
  "otter heron lynx finch badger comet delta ember fjord grove harbor island lagoon meadow nebula orchid pebble quarry river summit thicket valley willow yak".split(
    " ",
  );

export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}

function randomExperimentId(): string {
  let s = String(1 + randomInt(9));
  while (s.length < 18) s += String(randomInt(10));
  return s;
}

export function defaultUser(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    return "unknown";
  }
}

/** Files below dir, as `/`-joined keys relative to it (sorted; atomic-write temporaries skipped). */
async function listKeys(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string, prefix: string): Promise<void> => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(sub, { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return;
      throw e;
    }
    for (const e of entries) {
      if (isTempName(e.name)) continue;
      if (e.isDirectory()) await walk(join(sub, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, "");
  return out.sort();
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export class FileTrackingStore implements TrackingOnlyStore {
  /** The mlruns folder. */
  readonly rootDir: string;
  /** file:///abs/mlruns: experiments' default artifact locations are below it. */
  readonly artifactRootUri: string;
  private readonly now: () => number;
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
  }

  /** Creates mlruns/, mlruns/.trash and the Default experiment (id 0) on first use, as MLflow's FileStore. */
  private init(): Promise<void> {
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
  private async experimentDir(id: string): Promise<string | null> {
    validateExperimentId(id);
    await this.init();
    for (const dir of [join(this.rootDir, id), join(this.rootDir, TRASH, id)]) {
      if (await exists(join(dir, META))) return dir;
    }
    return null;
  }

  private async readExperiment(dir: string, id: string): Promise<Experiment> {
    const meta = await readYaml<ExperimentMeta>(join(dir, META));
    const tags: Tag[] = [];
    const tagDir = join(dir, "tags");
    for (const key of await listKeys(tagDir)) {
      const value = await readTextOrNull(join(tagDir, key));
      if (value !== null) tags.push({ key, value });
    }
    return {
      experiment_id: String(meta.experiment_id ?? id),
      name: String(meta.name),
      artifact_location: String(meta.artifact_location),
      lifecycle_stage: meta.lifecycle_stage ?? "active",
      creation_time: meta.creation_time ?? 0,
      last_update_time: meta.last_update_time ?? 0,
      tags,
    };
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const dir = await this.experimentDir(experimentId);
    if (dir === null) throw err(`Could not find experiment with ID ${experimentId}`, "RESOURCE_DOES_NOT_EXIST");
    return this.readExperiment(dir, experimentId);
  }

  /** Every readable experiment in the view (folders without a readable meta.yaml are skipped, as MLflow warns). */
  private async listExperiments(view: ViewType): Promise<Experiment[]> {
    await this.init();
    const dirs: [string, string][] = [];
    if (view !== "DELETED_ONLY") {
      for (const name of await subdirs(this.rootDir)) {
        if (name === TRASH || name === MODELS || name.startsWith(".")) continue;
        dirs.push([join(this.rootDir, name), name]);
      }
    }
    if (view !== "ACTIVE_ONLY") {
      for (const name of await subdirs(join(this.rootDir, TRASH))) dirs.push([join(this.rootDir, TRASH, name), name]);
    }
    const out: Experiment[] = [];
    for (const [dir, id] of dirs) {
      try {
        const exp = await this.readExperiment(dir, id);
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

  async createExperiment(name: string, tags: Tag[] = [], artifactLocation?: string): Promise<string> {
    validateExperimentName(name);
    const checked = tags.map(validateExperimentTag);
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
    if (!(await exists(join(dir, META)))) {
      throw err(`Could not find experiment with ID ${experimentId}`, "RESOURCE_DOES_NOT_EXIST");
    }
    const time = this.now();
    for (const runId of await this.runIdsIn(dir)) {
      const meta = await this.readRunMeta(join(dir, runId)).catch(() => null);
      if (meta && (meta.lifecycle_stage ?? "active") === "active") {
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
    const out: string[] = [];
    for (const name of await subdirs(experimentDir)) {
      if (RESERVED_EXPERIMENT_FOLDERS.has(name) || isTempName(name)) continue;
      out.push(name);
    }
    return out;
  }

  /** The run's folder and experiment id; RESOURCE_DOES_NOT_EXIST when no experiment (active or deleted) has it. */
  private async findRun(runId: string): Promise<{ experimentId: string; dir: string }> {
    validateRunId(runId);
    await this.init();
    const cached = this.runDirs.get(runId);
    if (cached && (await exists(join(cached.dir, META)))) return cached;
    const roots: [string, string[]][] = [
      [this.rootDir, (await subdirs(this.rootDir)).filter((n) => n !== TRASH && n !== MODELS && !n.startsWith("."))],
      [join(this.rootDir, TRASH), await subdirs(join(this.rootDir, TRASH))],
    ];
    for (const [root, ids] of roots) {
      for (const experimentId of ids) {
        const dir = join(root, experimentId, runId);
        if (await exists(join(dir, META))) {
          const found = { experimentId, dir };
          this.runDirs.set(runId, found);
          return found;
        }
      }
    }
    throw err(`Run '${runId}' not found`, "RESOURCE_DOES_NOT_EXIST");
  }

  private async readRunMeta(runDir: string): Promise<RunMeta> {
    return readYaml<RunMeta>(join(runDir, META));
  }

  private async runTagValue(runDir: string, key: string): Promise<string | null> {
    return readTextOrNull(safeJoin(runDir, "tags", key));
  }

  private async toRunInfo(meta: RunMeta, experimentId: string, runDir: string): Promise<RunInfo> {
    const runId = String(meta.run_id ?? meta.run_uuid);
    const runName = meta.run_name ?? (await this.runTagValue(runDir, RUN_NAME_TAG)) ?? "";
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

  private async runState(runId: string) {
    const where = await this.findRun(runId);
    const meta = await this.readRunMeta(where.dir);
    const info = await this.toRunInfo(meta, where.experimentId, where.dir);
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
    return this.assembleRun(info, dir);
  }

  private async assembleRun(info: RunInfo, dir: string): Promise<Run> {
    const metrics: Metric[] = [];
    for (const key of await listKeys(join(dir, "metrics"))) {
      const latest = latestOf(await this.readMetricFile(dir, key));
      if (latest) metrics.push(latest);
    }
    const params: Param[] = [];
    for (const key of await listKeys(join(dir, "params"))) {
      const value = await readTextOrNull(join(dir, "params", key));
      if (value !== null) params.push({ key, value });
    }
    const tags: Tag[] = [];
    for (const key of await listKeys(join(dir, "tags"))) {
      const value = await readTextOrNull(join(dir, "tags", key));
      if (value !== null) tags.push({ key, value });
    }
    return { info, data: { metrics, params, tags }, inputs: { dataset_inputs: await this.readInputs(dir) } };
  }

  private async readMetricFile(runDir: string, key: string): Promise<Metric[]> {
    const text = await readTextOrNull(safeJoin(runDir, "metrics", key));
    if (text === null) return [];
    const out: Metric[] = [];
    for (const line of text.split("\n")) if (line.trim() !== "") out.push(parseMetricLine(key, line));
    return out;
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
    return this.toRunInfo(next, experimentId, dir);
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
    const seen = new Map<string, number>();
    for (const p of params) seen.set(p.key, (seen.get(p.key) ?? 0) + 1);
    const dupes = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    if (dupes.length > 0) {
      throw err(
        `Duplicate parameter keys have been submitted: [${dupes.map((k) => `'${k}'`).join(", ")}]. Please ensure the request contains only one param value per param key.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const state = await this.runState(runId);
    FileTrackingStore.checkActive(state.info);
    const { dir } = state;

    // params are immutable: check them all before writing anything
    const toWrite: Param[] = [];
    for (const p of params) {
      const current = await readTextOrNull(safeJoin(dir, "params", p.key));
      if (current === null) toWrite.push(p);
      else if (current !== p.value) {
        throw err(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${current}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
          "INVALID_PARAMETER_VALUE",
        );
      }
    }
    for (const p of toWrite) await writeFileAtomic(safeJoin(dir, "params", p.key), p.value);

    // metrics: one O_APPEND write per key (the batch's points of a key stay together, in order)
    const byKey = new Map<string, string[]>();
    for (const m of metrics) {
      const lines = byKey.get(m.key) ?? [];
      lines.push(metricLine(m));
      byKey.set(m.key, lines);
    }
    for (const [key, lines] of byKey) await appendLines(safeJoin(dir, "metrics", key), lines);

    let meta = state.meta;
    for (const t of tags) {
      if (t.key === RUN_NAME_TAG && meta.run_name !== t.value) {
        meta = { ...meta, run_name: t.value };
        await this.writeRunMeta(dir, meta);
      }
      await writeFileAtomic(safeJoin(dir, "tags", t.key), t.value);
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

  /**
   * Datasets go to mlruns/<exp>/datasets/<md5(name+digest)>/meta.yaml (once per experiment), the link to
   * mlruns/<exp>/<run>/inputs/<md5(dataset_id+run_id)>/meta.yaml, as MLflow's FileStore.
   */
  async logOutputs(_runId: string, _models: ModelOutput[]): Promise<void> {
    throw new HandgestureError("logOutputs: not supported by the file store yet", "INTERNAL_ERROR");
  }

  async logInputs(runId: string, datasets: DatasetInput[], _models?: ModelInput[]): Promise<void> {
    validateRunId(runId);
    for (const d of datasets) validateDatasetInput(d);
    const { dir, info } = await this.runState(runId);
    FileTrackingStore.checkActive(info);
    const expDir = join(dir, "..");
    for (const input of datasets) {
      const d = input.dataset;
      const datasetId = md5(d.name, d.digest);
      const datasetDir = join(expDir, "datasets", datasetId);
      if (!(await exists(join(datasetDir, META)))) {
        await writeYaml(join(datasetDir, META), {
          digest: d.digest,
          name: d.name,
          profile: d.profile ?? null,
          schema: d.schema ?? null,
          source: d.source,
          source_type: d.source_type,
        });
      }
      const inputDir = join(dir, "inputs", md5(datasetId, runId));
      if (!(await exists(join(inputDir, META)))) {
        await writeYaml(join(inputDir, META), {
          destination_id: runId,
          destination_type: "RUN",
          source_id: datasetId,
          source_type: "DATASET",
          tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])),
        });
      }
    }
  }

  private async readInputs(runDir: string): Promise<DatasetInput[]> {
    const out: DatasetInput[] = [];
    const expDir = join(runDir, "..");
    for (const id of (await subdirs(join(runDir, "inputs"))).sort()) {
      const link = await readYaml<{ source_id: string; tags?: Record<string, unknown> | null }>(
        join(runDir, "inputs", id, META),
      ).catch((e) => (isMissing(e) ? null : Promise.reject(e)));
      if (!link) continue;
      const ds = await readYaml<Record<string, unknown>>(join(expDir, "datasets", String(link.source_id), META)).catch(
        (e) => (isMissing(e) ? null : Promise.reject(e)),
      );
      if (!ds) continue;
      const dataset: Dataset = {
        name: String(ds.name),
        digest: String(ds.digest),
        source_type: String(ds.source_type ?? ""),
        source: String(ds.source ?? ""),
      };
      if (ds.schema != null) dataset.schema = String(ds.schema);
      if (ds.profile != null) dataset.profile = String(ds.profile);
      const tags = Object.entries(link.tags ?? {}).map(([key, value]) => ({ key, value: String(value) }));
      out.push({ tags, dataset });
    }
    return out;
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    validateRunId(runId);
    validateEntityName("metric", key);
    const { dir } = await this.findRun(runId);
    return this.readMetricFile(dir, key);
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const maxResults = checkMaxResults(options.maxResults);
    const view = options.viewType ?? "ACTIVE_ONLY";
    const runs: Run[] = [];
    for (const experimentId of options.experimentIds ?? []) {
      const expDir = await this.experimentDir(String(experimentId));
      if (expDir === null) continue;
      for (const runId of await this.runIdsIn(expDir)) {
        const dir = join(expDir, runId);
        let meta: RunMeta;
        try {
          meta = await this.readRunMeta(dir);
        } catch (e) {
          if (isMissing(e)) continue; // a folder without meta.yaml is not a run (MLflow warns and skips)
          throw e;
        }
        const info = await this.toRunInfo(meta, String(experimentId), dir);
        if (!inView(info.lifecycle_stage, view)) continue;
        runs.push(await this.assembleRun(info, dir));
      }
    }
    // filter and order_by (MLflow's syntax) from search.ts; with neither: start_time DESC, run_id ASC
    const selected = filterRuns(runs, options.filter, options.orderBy);
    return paginate(selected, options.pageToken, maxResults);
  }

  // ---- artifacts: below the run's artifact_uri (a file: URI)

  private async artifactDir(runId: string): Promise<string> {
    const { info } = await this.runState(runId);
    if (!info.artifact_uri.startsWith("file:")) {
      throw err(
        `Run '${runId}' stores its artifacts at ${info.artifact_uri}, which the file store cannot reach`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    return fileURLToPath(info.artifact_uri);
  }

  async logArtifact(runId: string, path: string, data: Uint8Array | string): Promise<void> {
    validateKey("artifact path", path);
    const root = await this.artifactDir(runId);
    await writeFileAtomic(safeJoin(root, path), data);
  }

  /** The entries directly in `path` (the artifact root when omitted), sorted by path; [] when it is no folder. */
  async listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    const rel = path === undefined || path === "" ? "" : path.replace(/\/+$/, "");
    if (rel !== "") validateKey("artifact path", rel);
    const root = await this.artifactDir(runId);
    const dir = rel === "" ? root : safeJoin(root, rel);
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    const out: FileInfo[] = [];
    for (const e of entries) {
      if (isTempName(e.name)) continue;
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) out.push({ path: p, is_dir: true });
      else out.push({ path: p, is_dir: false, file_size: (await stat(join(dir, e.name))).size });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    validateKey("artifact path", path);
    const root = await this.artifactDir(runId);
    try {
      return new Uint8Array(await readFile(safeJoin(root, path)));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw err(`No such artifact: '${path}' in run '${runId}'`, "RESOURCE_DOES_NOT_EXIST");
      }
      if (code === "EISDIR") throw err(`Artifact '${path}' is a directory`, "INVALID_PARAMETER_VALUE");
      throw e;
    }
  }
}
