import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { HandgestureError } from "../core/errors.js";
import type { ModelVersion, Page, RegisteredModel, RegisteredModelAlias, Stage, Tag } from "./entities.js";
import { STAGES } from "./entities.js";
import { decodePageToken, encodePageToken, type RegistryMethod } from "./file-tracking.js";
import {
  checkLength,
  isTempName,
  MAX_MODEL_REGISTRY_TAG_KEY_LENGTH,
  MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH,
  readYaml,
  safeJoin,
  validateEntityName,
  writeFileAtomic,
  writeYaml,
} from "./fs-util.js";
import { canonicalStage, modelVersionForUri, parseModelUri } from "./model-uri.js";
import { filterByName, filterModelVersions } from "./search.js";
import type { CreateModelVersionOptions, SearchRegistryOptions, TrackingStore } from "./store.js";

/** The registry half of TrackingStore. */
export type RegistryStore = Pick<TrackingStore, RegistryMethod>;

/** createModelVersion's options, plus what only the file registry records: the run link and the user. */
export interface FileCreateModelVersionOptions extends CreateModelVersionOptions {
  runLink?: string;
  userId?: string;
}

/** registered model meta.yaml, as MLflow writes it (keys sorted on write). */
interface ModelMeta {
  aliases: Record<string, string>;
  creation_timestamp: number;
  description: string | null;
  last_updated_timestamp: number;
  name: string;
}

/** version-<n>/meta.yaml, as MLflow writes it. current_stage may be Deleted_Internal (soft delete). */
interface VersionMeta {
  aliases?: string[];
  creation_timestamp: number;
  current_stage: string;
  description: string | null;
  last_updated_timestamp: number;
  /** MLflow 3: the logged model the version was made from. */
  model_id?: string;
  name: string;
  run_id: string | null;
  run_link: string | null;
  source: string;
  status: string;
  status_message: string | null;
  storage_location: string | null;
  user_id: string | null;
  version: number;
}

const MODELS_FOLDER = "models";
const META_FILE = "meta.yaml";
const TAGS_FOLDER = "tags";
const ALIASES_FOLDER = "aliases";
const VERSION_PREFIX = "version-";
/** MLflow soft-deletes versions with this stage, so their numbers are never given out again. */
const DELETED_STAGE = "Deleted_Internal";
export const ACTIVE_STAGES: readonly Stage[] = ["Staging", "Production"];
export const MAX_MODELS_RESULTS = 1000;
export const DEFAULT_MODELS_RESULTS = 100;
export const MAX_VERSIONS_RESULTS = 200_000;
export const DEFAULT_VERSIONS_RESULTS = 10_000;

export interface FileRegistryOptions {
  /** Clock in milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** MLflow 3's logged models of the same folder: versions made from one (`models:/m-<id>`) take its location. */
  loggedModels?: Pick<TrackingStore, "getLoggedModel">;
}

/** `models:/m-<id>`: a logged model's URI (MLflow 3), not a registered model's. */
const LOGGED_MODEL_URI = /^models:\/(m-[\w-]+)\/?$/;

function err(message: string, code: "RESOURCE_DOES_NOT_EXIST" | "RESOURCE_ALREADY_EXISTS" | "INVALID_PARAMETER_VALUE") {
  return new HandgestureError(message, code);
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === "object" && e !== null && (e as NodeJS.ErrnoException).code === code;
}

function isMissing(e: unknown): boolean {
  return e instanceof HandgestureError && e.code === "RESOURCE_DOES_NOT_EXIST";
}

/** MLflow's registry tag checks: a tag name (may hold '/'), key ≤ 250 and value ≤ 5000 characters. */
export function validateRegistryTag(key: string, value?: string): void {
  validateEntityName("tag", key);
  checkLength("Tag key", MAX_MODEL_REGISTRY_TAG_KEY_LENGTH, key);
  if (value !== undefined) {
    if (typeof value !== "string") throw err(`tag '${key}': value must be a string`, "INVALID_PARAMETER_VALUE");
    checkLength("Tag value", MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH, value);
  }
}

/** Registered model names become folder names: refuse anything that could leave or confuse models/. */
export function validateModelName(name: string): void {
  if (typeof name !== "string" || name === "")
    throw err("registered model name must not be empty", "INVALID_PARAMETER_VALUE");
  if (name.includes("/") || name.includes("\\") || name.includes("\0") || name.includes("..")) {
    throw err(
      `invalid registered model name '${name.replaceAll("\0", "\\0")}': names must not contain '/', '\\', '..' or NUL`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  if (name === "." || name.trim() !== name) {
    throw err(
      `invalid registered model name '${name}': no leading/trailing spaces, not '.'`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}

/** MLflow's alias rules: word characters and '-', at most 255, not 'latest', not a version ('v1'). */
export function validateAlias(alias: string): void {
  if (typeof alias !== "string" || !/^[\w-]{1,255}$/.test(alias)) {
    throw err(`invalid alias '${alias}': 1 to 255 letters, digits, '_' or '-'`, "INVALID_PARAMETER_VALUE");
  }
  if (alias.toLowerCase() === "latest") throw err("'latest' is a reserved alias name", "INVALID_PARAMETER_VALUE");
  if (/^v\d+$/i.test(alias)) {
    throw err(`invalid alias '${alias}': 'v<number>' is reserved for versions`, "INVALID_PARAMETER_VALUE");
  }
}

export function versionNumber(version: string | number): number {
  const s = String(version);
  if (!/^\d+$/.test(s) || Number(s) < 1) {
    throw err(`model version must be a positive integer, got '${s}'`, "INVALID_PARAMETER_VALUE");
  }
  return Number(s);
}

export function stageOf(stage: string): Stage {
  const s = canonicalStage(String(stage));
  if (!s) throw err(`invalid model version stage '${stage}': one of ${STAGES.join(", ")}`, "INVALID_PARAMETER_VALUE");
  return s;
}

/**
 * MLflow's model registry over mlruns/models/ (MLflow 2.12's file layout, readable by the real MLflow). Version
 * numbers come from mkdir of version-<n>, which fails when another writer took n, so concurrent processes never
 * share a number; meta.yaml is written last, atomically, and folders without it are not versions yet.
 */
export class FileRegistry implements RegistryStore {
  readonly rootDir: string;
  readonly modelsDir: string;
  private readonly now: () => number;
  private readonly loggedModels: FileRegistryOptions["loggedModels"];

  constructor(rootDir: string, options: FileRegistryOptions = {}) {
    this.rootDir = rootDir;
    this.modelsDir = join(rootDir, MODELS_FOLDER);
    this.now = options.now ?? Date.now;
    this.loggedModels = options.loggedModels;
  }

  // ---- paths and persisted state

  private modelDir(name: string): string {
    validateModelName(name);
    return join(this.modelsDir, name);
  }

  private versionDir(name: string, version: number): string {
    return join(this.modelDir(name), `${VERSION_PREFIX}${version}`);
  }

  private async readModelMeta(name: string): Promise<ModelMeta> {
    try {
      return await readYaml<ModelMeta>(join(this.modelDir(name), META_FILE));
    } catch (e) {
      if (isMissing(e)) {
        throw err(`Registered Model with name=${name} not found`, "RESOURCE_DOES_NOT_EXIST");
      }
      throw e;
    }
  }

  /** A live (not deleted) version's meta. */
  private async readVersionMeta(name: string, version: string | number): Promise<VersionMeta> {
    const n = versionNumber(version);
    await this.readModelMeta(name);
    const meta = await this.readVersionFile(join(this.versionDir(name, n), META_FILE));
    if (!meta || meta.current_stage === DELETED_STAGE) {
      throw err(`Model Version (name=${name}, version=${n}) not found`, "RESOURCE_DOES_NOT_EXIST");
    }
    return meta;
  }

  private async readVersionFile(path: string): Promise<VersionMeta | undefined> {
    try {
      return await readYaml<VersionMeta>(path);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** Every version folder's number (including deleted ones and ones still being written). */
  private async versionNumbers(name: string): Promise<number[]> {
    const entries = await readdir(this.modelDir(name)).catch((e) => {
      if (isErrno(e, "ENOENT")) return [] as string[];
      throw e;
    });
    return entries
      .filter((e) => e.startsWith(VERSION_PREFIX) && /^\d+$/.test(e.slice(VERSION_PREFIX.length)))
      .map((e) => Number(e.slice(VERSION_PREFIX.length)))
      .sort((a, b) => a - b);
  }

  /** All versions with a meta.yaml, deleted ones included when asked. */
  private async versionMetas(name: string, includeDeleted = false): Promise<VersionMeta[]> {
    const metas: VersionMeta[] = [];
    for (const n of await this.versionNumbers(name)) {
      const meta = await this.readVersionFile(join(this.versionDir(name, n), META_FILE));
      if (meta && (includeDeleted || meta.current_stage !== DELETED_STAGE)) metas.push(meta);
    }
    return metas;
  }

  private async writeModelMeta(name: string, meta: ModelMeta): Promise<void> {
    meta.aliases = await this.aliasMap(name);
    await writeYaml(join(this.modelDir(name), META_FILE), meta);
  }

  private async writeVersionMeta(name: string, meta: VersionMeta): Promise<void> {
    const aliases = await this.aliasMap(name);
    meta.aliases = Object.keys(aliases).filter((a) => aliases[a] === String(meta.version));
    await writeYaml(join(this.versionDir(name, meta.version), META_FILE), meta);
  }

  private async touchModel(name: string, time: number): Promise<void> {
    const meta = await this.readModelMeta(name);
    meta.last_updated_timestamp = time;
    await this.writeModelMeta(name, meta);
  }

  /** aliases/<alias> files: alias → version number (as a string), sorted by alias. */
  private async aliasMap(name: string): Promise<Record<string, string>> {
    const dir = join(this.modelDir(name), ALIASES_FOLDER);
    const entries = await readdir(dir).catch((e) => {
      if (isErrno(e, "ENOENT")) return [] as string[];
      throw e;
    });
    const map: Record<string, string> = {};
    for (const alias of entries.sort()) {
      if (isTempName(alias)) continue;
      map[alias] = (await readFile(join(dir, alias), "utf8")).trim();
    }
    return map;
  }

  private async readTags(dir: string, prefix = ""): Promise<Tag[]> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isErrno(e, "ENOENT")) return [];
      throw e;
    }
    const tags: Tag[] = [];
    for (const entry of entries) {
      const key = prefix + entry.name;
      if (entry.isDirectory()) tags.push(...(await this.readTags(join(dir, entry.name), `${key}/`)));
      else if (entry.isFile() && !isTempName(entry.name)) {
        tags.push({ key, value: await readFile(join(dir, entry.name), "utf8") });
      }
    }
    return tags.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async writeTag(dir: string, key: string, value: string): Promise<void> {
    validateRegistryTag(key, value);
    await writeFileAtomic(safeJoin(join(dir, TAGS_FOLDER), key), value);
  }

  private async removeTag(dir: string, key: string): Promise<void> {
    validateRegistryTag(key);
    await rm(safeJoin(join(dir, TAGS_FOLDER), key), { force: true });
  }

  private async toVersion(name: string, meta: VersionMeta): Promise<ModelVersion> {
    const aliases = await this.aliasMap(name);
    return {
      name: meta.name,
      version: String(meta.version),
      creation_timestamp: meta.creation_timestamp,
      last_updated_timestamp: meta.last_updated_timestamp,
      current_stage: stageOf(meta.current_stage ?? "None"),
      description: meta.description ?? "",
      source: meta.source ?? "",
      run_id: meta.run_id ?? "",
      run_link: meta.run_link ?? "",
      status: (meta.status as ModelVersion["status"]) ?? "READY",
      ...(meta.status_message != null ? { status_message: meta.status_message } : {}),
      ...(meta.user_id != null ? { user_id: meta.user_id } : {}),
      tags: await this.readTags(join(this.versionDir(name, meta.version), TAGS_FOLDER)),
      aliases: Object.keys(aliases).filter((a) => aliases[a] === String(meta.version)),
      ...(meta.model_id ? { model_id: String(meta.model_id) } : {}),
    };
  }

  private latestPerStage(metas: VersionMeta[], stages: readonly Stage[]): VersionMeta[] {
    const latest = new Map<string, VersionMeta>();
    for (const m of metas) {
      if (!stages.includes(m.current_stage as Stage)) continue;
      const best = latest.get(m.current_stage);
      if (!best || best.version < m.version) latest.set(m.current_stage, m);
    }
    return [...latest.values()].sort((a, b) => a.version - b.version);
  }

  private async toModel(meta: ModelMeta): Promise<RegisteredModel> {
    const name = meta.name;
    const aliases = await this.aliasMap(name);
    const latest = this.latestPerStage(await this.versionMetas(name), STAGES);
    return {
      name,
      creation_timestamp: meta.creation_timestamp,
      last_updated_timestamp: meta.last_updated_timestamp,
      description: meta.description ?? "",
      latest_versions: await Promise.all(latest.map((m) => this.toVersion(name, m))),
      tags: await this.readTags(join(this.modelDir(name), TAGS_FOLDER)),
      aliases: Object.entries(aliases).map(([alias, version]): RegisteredModelAlias => ({ alias, version })),
    };
  }

  // ---- registered models

  async createRegisteredModel(name: string, tags: Tag[] = [], description?: string): Promise<RegisteredModel> {
    const dir = this.modelDir(name);
    for (const t of tags) validateRegistryTag(t.key, t.value);
    await mkdir(this.modelsDir, { recursive: true });
    try {
      await mkdir(dir);
    } catch (e) {
      if (isErrno(e, "EEXIST")) throw err(`Registered Model (name=${name}) already exists.`, "RESOURCE_ALREADY_EXISTS");
      throw e;
    }
    const time = this.now();
    for (const t of tags) await this.writeTag(dir, t.key, t.value);
    const meta: ModelMeta = {
      aliases: {},
      creation_timestamp: time,
      description: description ?? null,
      last_updated_timestamp: time,
      name,
    };
    await this.writeModelMeta(name, meta);
    return this.toModel(meta);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.toModel(await this.readModelMeta(name));
  }

  async searchRegisteredModels(options: SearchRegistryOptions = {}): Promise<Page<RegisteredModel>> {
    const max = maxResults(options.maxResults, DEFAULT_MODELS_RESULTS, MAX_MODELS_RESULTS);
    const order = parseOrderBy(options.orderBy, ["name", "creation_timestamp", "last_updated_timestamp"], ["name ASC"]);
    const names = await readdir(this.modelsDir).catch((e) => {
      if (isErrno(e, "ENOENT")) return [] as string[];
      throw e;
    });
    const models: RegisteredModel[] = [];
    for (const dirName of names) {
      const meta = await this.readModelMeta(dirName).catch((e) => {
        if (e instanceof HandgestureError) return undefined;
        throw e;
      });
      if (!meta) continue;
      models.push(await this.toModel(meta));
    }
    return paginate(filterByName(models, options.filter).sort(order), max, options.pageToken);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(newName);
    await this.readModelMeta(name);
    const from = this.modelDir(name);
    const to = this.modelDir(newName);
    if (name !== newName) {
      if (await exists(to)) throw err(`Registered Model (name=${newName}) already exists.`, "RESOURCE_ALREADY_EXISTS");
      await rename(from, to);
    }
    const time = this.now();
    const meta = await this.readModelMeta(newName);
    meta.name = newName;
    meta.last_updated_timestamp = time;
    await this.writeModelMeta(newName, meta);
    for (const v of await this.versionMetas(newName, true)) {
      v.name = newName;
      v.last_updated_timestamp = time;
      await this.writeVersionMeta(newName, v);
    }
    return this.toModel(meta);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const meta = await this.readModelMeta(name);
    meta.description = description;
    meta.last_updated_timestamp = this.now();
    await this.writeModelMeta(name, meta);
    return this.toModel(meta);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.readModelMeta(name);
    await rm(this.modelDir(name), { recursive: true, force: true });
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.readModelMeta(name);
    await this.writeTag(this.modelDir(name), key, value);
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.readModelMeta(name);
    await this.removeTag(this.modelDir(name), key);
  }

  // ---- model versions

  async createModelVersion(options: FileCreateModelVersionOptions): Promise<ModelVersion> {
    const { name, source } = options;
    const tags = options.tags ?? [];
    for (const t of tags) validateRegistryTag(t.key, t.value);
    if (typeof source !== "string" || source === "")
      throw err("model version source must not be empty", "INVALID_PARAMETER_VALUE");
    await this.readModelMeta(name);
    let storageLocation = source;
    let runId = options.runId ?? null;
    const loggedModelId = options.modelId || LOGGED_MODEL_URI.exec(source)?.[1];
    if (loggedModelId) {
      const model = await this.loggedModelFor(loggedModelId, source);
      storageLocation = model.info.artifact_uri;
      runId = runId || model.info.source_run_id || null;
    } else if (/^models:/i.test(source)) {
      const target = await modelVersionForUri(parseModelUri(source), this);
      storageLocation = await this.getModelVersionDownloadUri(target.name, target.version);
    }
    const version = await this.allocateVersion(name);
    const dir = this.versionDir(name, version);
    const time = this.now();
    for (const t of tags) await this.writeTag(dir, t.key, t.value);
    const meta: VersionMeta = {
      aliases: [],
      creation_timestamp: time,
      current_stage: "None",
      description: options.description ?? null,
      last_updated_timestamp: time,
      ...(loggedModelId ? { model_id: loggedModelId } : {}),
      name,
      run_id: runId,
      run_link: options.runLink ?? null,
      source,
      status: "READY",
      status_message: null,
      storage_location: storageLocation,
      user_id: options.userId ?? null,
      version,
    };
    await this.writeVersionMeta(name, meta);
    await this.touchModel(name, time);
    return this.toVersion(name, meta);
  }

  /**
   * The logged model a version is made from. A missing one is INTERNAL_ERROR (500) with MLflow 3's message: its
   * server answers exactly that for `models:/m-…` of a model that does not exist (the URI itself is well formed,
   * so it is not the client's parameter that is wrong but the lookup behind it).
   */
  private async loggedModelFor(modelId: string, source: string) {
    const missing = (detail: string) =>
      new HandgestureError(
        `Unable to fetch model from model URI source artifact location '${source}'.Error: ${detail}`,
        "INTERNAL_ERROR",
      );
    if (!this.loggedModels) throw missing(`Logged model with ID '${modelId}' not found.`);
    try {
      return await this.loggedModels.getLoggedModel(modelId);
    } catch (e) {
      if (e instanceof HandgestureError && e.code === "RESOURCE_DOES_NOT_EXIST") throw missing(e.message);
      throw e;
    }
  }

  /** mkdir version-<n> fails when n is taken (by this or another process): then try the next number. */
  private async allocateVersion(name: string): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const taken = await this.versionNumbers(name);
      let n = (taken.at(-1) ?? 0) + 1;
      for (let i = 0; i < 50; i++, n++) {
        try {
          await mkdir(this.versionDir(name, n));
          return n;
        } catch (e) {
          if (isErrno(e, "ENOENT"))
            throw err(`Registered Model with name=${name} not found`, "RESOURCE_DOES_NOT_EXIST");
          if (!isErrno(e, "EEXIST")) throw e;
        }
      }
    }
    throw new HandgestureError(`could not allocate a version number for model '${name}'`, "INTERNAL_ERROR");
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.toVersion(name, await this.readVersionMeta(name, version));
  }

  async searchModelVersions(options: SearchRegistryOptions = {}): Promise<Page<ModelVersion>> {
    const max = maxResults(options.maxResults, DEFAULT_VERSIONS_RESULTS, MAX_VERSIONS_RESULTS);
    const order = parseOrderBy(
      options.orderBy,
      ["name", "version_number", "creation_timestamp", "last_updated_timestamp"],
      ["last_updated_timestamp DESC", "name ASC", "version_number DESC"],
    );
    const names = await readdir(this.modelsDir).catch((e) => {
      if (isErrno(e, "ENOENT")) return [] as string[];
      throw e;
    });
    const found: ModelVersion[] = [];
    for (const dirName of names) {
      try {
        validateModelName(dirName);
      } catch {
        continue;
      }
      for (const meta of await this.versionMetas(dirName)) found.push(await this.toVersion(dirName, meta));
    }
    return paginate(filterModelVersions(found, options.filter).sort(order), max, options.pageToken);
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    const meta = await this.readVersionMeta(name, version);
    meta.description = description;
    meta.last_updated_timestamp = this.now();
    await this.writeVersionMeta(name, meta);
    return this.toVersion(name, meta);
  }

  /** MLflow's soft delete: the folder stays with stage Deleted_Internal, so its number is never reused. */
  async deleteModelVersion(name: string, version: string): Promise<void> {
    const meta = await this.readVersionMeta(name, version);
    const aliases = await this.aliasMap(name);
    for (const [alias, v] of Object.entries(aliases)) {
      if (v === String(meta.version)) await rm(join(this.modelDir(name), ALIASES_FOLDER, alias), { force: true });
    }
    const time = this.now();
    meta.current_stage = DELETED_STAGE;
    meta.last_updated_timestamp = time;
    await this.writeVersionMeta(name, meta);
    await this.touchModel(name, time);
  }

  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion> {
    const target = stageOf(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw err(
        `archive_existing_versions only works for the stages ${ACTIVE_STAGES.join(", ")}, not '${target}'`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const meta = await this.readVersionMeta(name, version);
    const time = this.now();
    if (archiveExistingVersions) {
      for (const other of await this.versionMetas(name)) {
        if (other.version === meta.version || other.current_stage !== target) continue;
        other.current_stage = "Archived";
        other.last_updated_timestamp = time;
        await this.writeVersionMeta(name, other);
      }
    }
    meta.current_stage = target;
    meta.last_updated_timestamp = time;
    await this.writeVersionMeta(name, meta);
    await this.touchModel(name, time);
    return this.toVersion(name, meta);
  }

  async getLatestVersions(name: string, stages?: Stage[]): Promise<ModelVersion[]> {
    await this.readModelMeta(name);
    const wanted = stages && stages.length > 0 ? stages.map(stageOf) : STAGES;
    const latest = this.latestPerStage(await this.versionMetas(name), wanted);
    return Promise.all(latest.map((m) => this.toVersion(name, m)));
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    const meta = await this.readVersionMeta(name, version);
    await this.writeTag(this.versionDir(name, meta.version), key, value);
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    const meta = await this.readVersionMeta(name, version);
    await this.removeTag(this.versionDir(name, meta.version), key);
  }

  // ---- aliases

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateAlias(alias);
    const meta = await this.readVersionMeta(name, version);
    const previous = (await this.aliasMap(name))[alias];
    await writeFileAtomic(join(this.modelDir(name), ALIASES_FOLDER, alias), String(meta.version));
    await this.afterAliasChange(name, [previous, String(meta.version)]);
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateAlias(alias);
    await this.readModelMeta(name);
    const previous = (await this.aliasMap(name))[alias];
    if (previous === undefined) return;
    await rm(join(this.modelDir(name), ALIASES_FOLDER, alias), { force: true });
    await this.afterAliasChange(name, [previous]);
  }

  /** Keeps the aliases written in the model's and the affected versions' meta.yaml in step with aliases/. */
  private async afterAliasChange(name: string, versions: (string | undefined)[]): Promise<void> {
    const time = this.now();
    for (const v of new Set(versions)) {
      if (v === undefined) continue;
      const meta = await this.readVersionFile(join(this.versionDir(name, versionNumber(v)), META_FILE));
      if (meta) await this.writeVersionMeta(name, meta);
    }
    await this.touchModel(name, time);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateAlias(alias);
    await this.readModelMeta(name);
    const version = (await this.aliasMap(name))[alias];
    if (version === undefined) {
      throw err(`Registered model alias ${alias} not found for model ${name}`, "RESOURCE_DOES_NOT_EXIST");
    }
    return this.getModelVersion(name, version);
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const meta = await this.readVersionMeta(name, version);
    return meta.storage_location || meta.source;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export function maxResults(value: number | undefined, fallback: number, limit: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > limit) {
    throw err(`max_results must be an integer from 1 to ${limit}, got ${value}`, "INVALID_PARAMETER_VALUE");
  }
  return n;
}

/** One page from offset decoded from the token (MLflow's base64 {"offset": n}, shared with the tracking store). */
function paginate<T>(items: T[], max: number, pageToken?: string): Page<T> {
  const offset = decodePageToken(pageToken);
  const page: Page<T> = { items: items.slice(offset, offset + max) };
  if (offset + max < items.length) page.next_page_token = encodePageToken(offset + max);
  return page;
}

type Sortable = { name: string; creation_timestamp: number; last_updated_timestamp: number; version?: string };

function parseOrderBy<T extends Sortable>(
  orderBy: string[] | undefined,
  keys: readonly string[],
  fallback: string[],
): (a: T, b: T) => number {
  const clauses = (orderBy && orderBy.length > 0 ? orderBy : fallback).map((clause) => {
    const m = /^\s*(\w+)\s*(ASC|DESC)?\s*$/i.exec(clause);
    const key = m?.[1].toLowerCase() === "timestamp" ? "last_updated_timestamp" : m?.[1].toLowerCase();
    if (!m || !key || !keys.includes(key)) {
      throw err(`invalid order_by '${clause}': one of ${keys.join(", ")} with ASC or DESC`, "INVALID_PARAMETER_VALUE");
    }
    return { key, sign: m[2]?.toUpperCase() === "DESC" ? -1 : 1 };
  });
  if (!clauses.some((c) => c.key === "name")) clauses.push({ key: "name", sign: 1 });
  return (a, b) => {
    for (const { key, sign } of clauses) {
      const x = key === "version_number" ? Number(a.version) : (a[key as keyof Sortable] as string | number);
      const y = key === "version_number" ? Number(b.version) : (b[key as keyof Sortable] as string | number);
      if (x !== y) return (x < y ? -1 : 1) * sign;
    }
    return 0;
  };
}
