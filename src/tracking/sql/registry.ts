/**
 * The model registry in registered_models, model_versions, their tags and registered_model_aliases, every key in
 * workspace 'default'. Semantics are the file registry's (file-registry.ts): soft-deleted versions keep their
 * number (stage Deleted_Internal, as MLflow's SQL store), stages with archive_existing_versions, aliases, latest
 * versions per stage. Every change of several rows is one transaction.
 */
import { HandgestureError } from "../../core/errors.js";
import type { ModelVersion, Page, RegisteredModel, Stage, Tag } from "../entities.js";
import { STAGES } from "../entities.js";
import {
  ACTIVE_STAGES,
  DEFAULT_MODELS_RESULTS,
  DEFAULT_VERSIONS_RESULTS,
  MAX_MODELS_RESULTS,
  MAX_VERSIONS_RESULTS,
  maxResults,
  stageOf,
  validateAlias,
  validateModelName,
  validateRegistryTag,
  versionNumber,
} from "../file-registry.js";
import { loggedModelIdOf, modelVersionForUri, parseModelUri } from "../model-uri.js";
import type { CreateModelVersionOptions, SearchRegistryOptions } from "../store.js";
import {
  decodePageToken,
  encodePageToken,
  insertRows,
  invalid,
  isUniqueViolation,
  notFound,
  placeholders,
  type SqlContext,
  WORKSPACE,
} from "./context.js";
import type { SqlDb, SqlExec } from "./db.js";
import type { SqlLoggedModels } from "./logged-models.js";
import { modelVersionSearchSql, registeredModelSearchSql } from "./search.js";

const DELETED_STAGE = "Deleted_Internal";
const VERSION_COLUMNS =
  "name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location";

interface ModelRow {
  name: string;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
}

interface VersionRow {
  name: string;
  version: number;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
  user_id: string | null;
  current_stage: string | null;
  source: string | null;
  run_id: string | null;
  status: string | null;
  status_message: string | null;
  run_link: string | null;
  storage_location: string | null;
}

function missingModel(name: string) {
  return notFound(`Registered Model with name=${name} not found`);
}

function missingVersion(name: string, n: number) {
  return notFound(`Model Version (name=${name}, version=${n}) not found`);
}

function byKey(a: Tag, b: Tag): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** A key for (name, version) maps. */
const vkey = (name: string, version: number) => `${version}\u0000${name}`;

export class SqlRegistry {
  constructor(
    private readonly ctx: SqlContext,
    private readonly loggedModels: SqlLoggedModels,
  ) {}

  private get db(): SqlDb {
    return this.ctx.db;
  }

  private async modelRow(name: string, db: SqlExec = this.db): Promise<ModelRow> {
    validateModelName(name);
    const row = await db.get<ModelRow>(
      "SELECT name, creation_time, last_updated_time, description FROM registered_models WHERE workspace = ? AND name = ?",
      [WORKSPACE, name],
    );
    if (row === undefined) throw missingModel(name);
    return row;
  }

  /** A live version's row (the model checked first, as the file registry). */
  private async versionRow(name: string, version: string | number, db: SqlExec = this.db): Promise<VersionRow> {
    const n = versionNumber(version);
    await this.modelRow(name, db);
    const row = await db.get<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE workspace = ? AND name = ? AND version = ?`,
      [WORKSPACE, name, n],
    );
    if (row === undefined || row.current_stage === DELETED_STAGE) throw missingVersion(name, n);
    return row;
  }

  /** Versions with their tags and aliases (two queries for all of them). */
  private async toVersions(rows: VersionRow[]): Promise<ModelVersion[]> {
    if (rows.length === 0) return [];
    const names = [...new Set(rows.map((r) => r.name))];
    const inNames = placeholders(names.length);
    const [tags, aliases] = await Promise.all([
      this.db.all<{ name: string; version: number; key: string; value: string | null }>(
        `SELECT name, version, key, value FROM model_version_tags WHERE workspace = ? AND name IN ${inNames}`,
        [WORKSPACE, ...names],
      ),
      this.db.all<{ name: string; version: number; alias: string }>(
        `SELECT name, version, alias FROM registered_model_aliases WHERE workspace = ? AND name IN ${inNames} ORDER BY alias`,
        [WORKSPACE, ...names],
      ),
    ]);
    const tagsBy = new Map<string, Tag[]>();
    for (const t of tags) {
      const k = vkey(t.name, t.version);
      tagsBy.set(k, [...(tagsBy.get(k) ?? []), { key: t.key, value: t.value ?? "" }]);
    }
    const aliasesBy = new Map<string, string[]>();
    for (const a of aliases) {
      const k = vkey(a.name, a.version);
      aliasesBy.set(k, [...(aliasesBy.get(k) ?? []), a.alias]);
    }
    return rows.map((r) => {
      const k = vkey(r.name, r.version);
      const modelId = loggedModelIdOf(r.source ?? "");
      return {
        name: r.name,
        version: String(r.version),
        creation_timestamp: r.creation_time ?? 0,
        last_updated_timestamp: r.last_updated_time ?? 0,
        current_stage: stageOf(r.current_stage ?? "None"),
        description: r.description ?? "",
        source: r.source ?? "",
        run_id: r.run_id ?? "",
        run_link: r.run_link ?? "",
        status: (r.status as ModelVersion["status"]) ?? "READY",
        ...(r.status_message != null ? { status_message: r.status_message } : {}),
        ...(r.user_id != null ? { user_id: r.user_id } : {}),
        tags: (tagsBy.get(k) ?? []).sort(byKey),
        aliases: aliasesBy.get(k) ?? [],
        ...(modelId ? { model_id: modelId } : {}),
      };
    });
  }

  private static latestPerStage(rows: VersionRow[], stages: readonly Stage[]): VersionRow[] {
    const latest = new Map<string, VersionRow>();
    for (const r of rows) {
      const stage = r.current_stage ?? "None";
      if (!stages.includes(stage as Stage)) continue;
      const best = latest.get(stage);
      if (!best || best.version < r.version) latest.set(stage, r);
    }
    return [...latest.values()].sort((a, b) => a.version - b.version);
  }

  private async toModels(rows: ModelRow[]): Promise<RegisteredModel[]> {
    if (rows.length === 0) return [];
    const names = rows.map((r) => r.name);
    const inNames = placeholders(names.length);
    const [versions, tags, aliases] = await Promise.all([
      this.db.all<VersionRow>(
        `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE workspace = ? AND name IN ${inNames} AND current_stage != ?`,
        [WORKSPACE, ...names, DELETED_STAGE],
      ),
      this.db.all<{ name: string; key: string; value: string | null }>(
        `SELECT name, key, value FROM registered_model_tags WHERE workspace = ? AND name IN ${inNames}`,
        [WORKSPACE, ...names],
      ),
      this.db.all<{ name: string; alias: string; version: number }>(
        `SELECT name, alias, version FROM registered_model_aliases WHERE workspace = ? AND name IN ${inNames} ORDER BY alias`,
        [WORKSPACE, ...names],
      ),
    ]);
    const latest = await this.toVersions(
      rows.flatMap((m) =>
        SqlRegistry.latestPerStage(
          versions.filter((v) => v.name === m.name),
          STAGES,
        ),
      ),
    );
    return rows.map((m) => ({
      name: m.name,
      creation_timestamp: m.creation_time ?? 0,
      last_updated_timestamp: m.last_updated_time ?? 0,
      description: m.description ?? "",
      latest_versions: latest.filter((v) => v.name === m.name),
      tags: tags
        .filter((t) => t.name === m.name)
        .map((t) => ({ key: t.key, value: t.value ?? "" }))
        .sort(byKey),
      aliases: aliases.filter((a) => a.name === m.name).map((a) => ({ alias: a.alias, version: String(a.version) })),
    }));
  }

  private async touch(tx: SqlExec, name: string, time: number): Promise<void> {
    await tx.run("UPDATE registered_models SET last_updated_time = ? WHERE workspace = ? AND name = ?", [
      time,
      WORKSPACE,
      name,
    ]);
  }

  // ---- registered models

  async createRegisteredModel(name: string, tags: Tag[] = [], description?: string): Promise<RegisteredModel> {
    validateModelName(name);
    for (const t of tags) validateRegistryTag(t.key, t.value);
    const time = this.ctx.now();
    try {
      await this.db.transaction(async (tx) => {
        await tx.run(
          "INSERT INTO registered_models (name, creation_time, last_updated_time, description, workspace) VALUES (?, ?, ?, ?, ?)",
          [name, time, time, description ?? null, WORKSPACE],
        );
        await insertRows(
          tx,
          "registered_model_tags",
          ["key", "value", "name", "workspace"],
          [...new Map(tags.map((t) => [t.key, t])).values()].map((t) => [t.key, t.value, name, WORKSPACE]),
        );
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new HandgestureError(`Registered Model (name=${name}) already exists.`, "RESOURCE_ALREADY_EXISTS");
      }
      throw e;
    }
    return this.getRegisteredModel(name);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return (await this.toModels([await this.modelRow(name)]))[0];
  }

  async searchRegisteredModels(options: SearchRegistryOptions = {}): Promise<Page<RegisteredModel>> {
    const max = maxResults(options.maxResults, DEFAULT_MODELS_RESULTS, MAX_MODELS_RESULTS);
    const offset = decodePageToken(options.pageToken);
    const q = registeredModelSearchSql(this.db, options.filter, options.orderBy);
    const rows = await this.db.all<ModelRow>(
      `SELECT rm.name, rm.creation_time, rm.last_updated_time, rm.description FROM registered_models rm WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`,
      [...q.params, max + 1, offset],
    );
    const page: Page<RegisteredModel> = { items: await this.toModels(rows.slice(0, max)) };
    if (rows.length > max) page.next_page_token = encodePageToken(offset + max);
    return page;
  }

  /** The new name cascades (ON UPDATE CASCADE) to versions, their tags, the model's tags and aliases. */
  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    validateModelName(newName);
    await this.modelRow(name);
    const time = this.ctx.now();
    try {
      await this.db.transaction(async (tx) => {
        if (name !== newName) {
          await this.cascadeRename(tx, name, newName);
        }
        await tx.run("UPDATE registered_models SET last_updated_time = ? WHERE workspace = ? AND name = ?", [
          time,
          WORKSPACE,
          newName,
        ]);
        await tx.run("UPDATE model_versions SET last_updated_time = ? WHERE workspace = ? AND name = ?", [
          time,
          WORKSPACE,
          newName,
        ]);
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new HandgestureError(`Registered Model (name=${newName}) already exists.`, "RESOURCE_ALREADY_EXISTS");
      }
      throw e;
    }
    return this.getRegisteredModel(newName);
  }

  /**
   * Renames through the foreign keys' ON UPDATE CASCADE: registered_model_tags, registered_model_aliases and
   * model_versions follow registered_models, model_version_tags follow model_versions.
   */
  private async cascadeRename(tx: SqlExec, name: string, newName: string): Promise<void> {
    const taken = await tx.get("SELECT 1 AS x FROM registered_models WHERE workspace = ? AND name = ?", [
      WORKSPACE,
      newName,
    ]);
    if (taken) {
      throw new HandgestureError(`Registered Model (name=${newName}) already exists.`, "RESOURCE_ALREADY_EXISTS");
    }
    await tx.run("UPDATE registered_models SET name = ? WHERE workspace = ? AND name = ?", [newName, WORKSPACE, name]);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    await this.modelRow(name);
    await this.db.run(
      "UPDATE registered_models SET description = ?, last_updated_time = ? WHERE workspace = ? AND name = ?",
      [description, this.ctx.now(), WORKSPACE, name],
    );
    return this.getRegisteredModel(name);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.modelRow(name);
    await this.db.transaction(async (tx) => {
      for (const table of [
        "model_version_tags",
        "model_versions",
        "registered_model_aliases",
        "registered_model_tags",
      ]) {
        await tx.run(`DELETE FROM ${table} WHERE workspace = ? AND name = ?`, [WORKSPACE, name]);
      }
      await tx.run("DELETE FROM registered_models WHERE workspace = ? AND name = ?", [WORKSPACE, name]);
    });
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.modelRow(name);
    validateRegistryTag(key, value);
    await this.db.run(
      "INSERT INTO registered_model_tags (key, value, name, workspace) VALUES (?, ?, ?, ?) ON CONFLICT (workspace, key, name) DO UPDATE SET value = excluded.value",
      [key, value, name, WORKSPACE],
    );
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.modelRow(name);
    validateRegistryTag(key);
    await this.db.run("DELETE FROM registered_model_tags WHERE workspace = ? AND name = ? AND key = ?", [
      WORKSPACE,
      name,
      key,
    ]);
  }

  // ---- model versions

  /**
   * Where the version's files are and which run made them: a `models:/m-<id>` source (MLflow 3's logged model)
   * gives the model's artifact location and source run; another `models:/` URI the version it names; anything else
   * is its own location.
   */
  private async resolveSource(options: CreateModelVersionOptions): Promise<{ storage: string; runId: string | null }> {
    const modelId = options.modelId ?? loggedModelIdOf(options.source);
    if (modelId) {
      const model = await this.loggedModels.row(modelId, true).catch((e) => {
        throw notFound(
          `Unable to fetch model from model URI source artifact location '${options.source}'.Error: ${(e as Error).message}`,
        );
      });
      return { storage: model.artifact_location, runId: options.runId || model.source_run_id || null };
    }
    if (/^models:/i.test(options.source)) {
      const target = await modelVersionForUri(parseModelUri(options.source), this);
      return {
        storage: await this.getModelVersionDownloadUri(target.name, target.version),
        runId: options.runId ?? null,
      };
    }
    return { storage: options.source, runId: options.runId ?? null };
  }

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    const { name, source } = options;
    const tags = options.tags ?? [];
    for (const t of tags) validateRegistryTag(t.key, t.value);
    if (typeof source !== "string" || source === "") throw invalid("model version source must not be empty");
    await this.modelRow(name);
    const { storage, runId } = await this.resolveSource(options);
    const time = this.ctx.now();
    const version = await this.db.transaction(async (tx) => {
      // Touching the model first locks its row (PostgreSQL): concurrent creators take numbers one after another.
      await this.touch(tx, name, time);
      const top = await tx.get<{ v: number | null }>(
        "SELECT MAX(version) AS v FROM model_versions WHERE workspace = ? AND name = ?",
        [WORKSPACE, name],
      );
      const n = (top?.v ?? 0) + 1;
      await tx.run(
        `INSERT INTO model_versions (${VERSION_COLUMNS}, workspace) VALUES (?, ?, ?, ?, ?, NULL, 'None', ?, ?, 'READY', NULL, NULL, ?, ?)`,
        [name, n, time, time, options.description ?? null, source, runId, storage, WORKSPACE],
      );
      await insertRows(
        tx,
        "model_version_tags",
        ["key", "value", "name", "version", "workspace"],
        [...new Map(tags.map((t) => [t.key, t])).values()].map((t) => [t.key, t.value, name, n, WORKSPACE]),
      );
      return n;
    });
    return this.getModelVersion(name, String(version));
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return (await this.toVersions([await this.versionRow(name, version)]))[0];
  }

  async searchModelVersions(options: SearchRegistryOptions = {}): Promise<Page<ModelVersion>> {
    const max = maxResults(options.maxResults, DEFAULT_VERSIONS_RESULTS, MAX_VERSIONS_RESULTS);
    const offset = decodePageToken(options.pageToken);
    const q = modelVersionSearchSql(this.db, options.filter, options.orderBy);
    const rows = await this.db.all<VersionRow>(
      `SELECT ${VERSION_COLUMNS.split(", ")
        .map((c) => `mv.${c}`)
        .join(", ")} FROM model_versions mv WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`,
      [...q.params, max + 1, offset],
    );
    const page: Page<ModelVersion> = { items: await this.toVersions(rows.slice(0, max)) };
    if (rows.length > max) page.next_page_token = encodePageToken(offset + max);
    return page;
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    const row = await this.versionRow(name, version);
    await this.db.run(
      "UPDATE model_versions SET description = ?, last_updated_time = ? WHERE workspace = ? AND name = ? AND version = ?",
      [description, this.ctx.now(), WORKSPACE, name, row.version],
    );
    return this.getModelVersion(name, version);
  }

  /** MLflow's soft delete: the row stays with stage Deleted_Internal (its number is never given again). */
  async deleteModelVersion(name: string, version: string): Promise<void> {
    const row = await this.versionRow(name, version);
    const time = this.ctx.now();
    await this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM registered_model_aliases WHERE workspace = ? AND name = ? AND version = ?", [
        WORKSPACE,
        name,
        row.version,
      ]);
      await tx.run(
        "UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE workspace = ? AND name = ? AND version = ?",
        [DELETED_STAGE, time, WORKSPACE, name, row.version],
      );
      await this.touch(tx, name, time);
    });
  }

  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExistingVersions: boolean,
  ): Promise<ModelVersion> {
    const target = stageOf(stage);
    if (archiveExistingVersions && !ACTIVE_STAGES.includes(target)) {
      throw invalid(`archive_existing_versions only works for the stages ${ACTIVE_STAGES.join(", ")}, not '${target}'`);
    }
    const row = await this.versionRow(name, version);
    const time = this.ctx.now();
    await this.db.transaction(async (tx) => {
      if (archiveExistingVersions) {
        await tx.run(
          "UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ? WHERE workspace = ? AND name = ? AND version != ? AND current_stage = ?",
          [time, WORKSPACE, name, row.version, target],
        );
      }
      await tx.run(
        "UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE workspace = ? AND name = ? AND version = ?",
        [target, time, WORKSPACE, name, row.version],
      );
      await this.touch(tx, name, time);
    });
    return this.getModelVersion(name, version);
  }

  async getLatestVersions(name: string, stages?: Stage[]): Promise<ModelVersion[]> {
    await this.modelRow(name);
    const wanted = stages && stages.length > 0 ? stages.map(stageOf) : STAGES;
    const rows = await this.db.all<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions WHERE workspace = ? AND name = ? AND current_stage != ?`,
      [WORKSPACE, name, DELETED_STAGE],
    );
    return this.toVersions(SqlRegistry.latestPerStage(rows, wanted));
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    const row = await this.versionRow(name, version);
    validateRegistryTag(key, value);
    await this.db.run(
      "INSERT INTO model_version_tags (key, value, name, version, workspace) VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace, key, name, version) DO UPDATE SET value = excluded.value",
      [key, value, name, row.version, WORKSPACE],
    );
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    const row = await this.versionRow(name, version);
    validateRegistryTag(key);
    await this.db.run("DELETE FROM model_version_tags WHERE workspace = ? AND name = ? AND version = ? AND key = ?", [
      WORKSPACE,
      name,
      row.version,
      key,
    ]);
  }

  // ---- aliases

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    validateAlias(alias);
    const row = await this.versionRow(name, version);
    const time = this.ctx.now();
    await this.db.transaction(async (tx) => {
      await tx.run(
        "INSERT INTO registered_model_aliases (alias, version, name, workspace) VALUES (?, ?, ?, ?) ON CONFLICT (workspace, name, alias) DO UPDATE SET version = excluded.version",
        [alias, row.version, name, WORKSPACE],
      );
      await this.touch(tx, name, time);
    });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    validateAlias(alias);
    await this.modelRow(name);
    await this.db.transaction(async (tx) => {
      const { changes } = await tx.run(
        "DELETE FROM registered_model_aliases WHERE workspace = ? AND name = ? AND alias = ?",
        [WORKSPACE, name, alias],
      );
      if (changes > 0) await this.touch(tx, name, this.ctx.now());
    });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    validateAlias(alias);
    await this.modelRow(name);
    const row = await this.db.get<{ version: number }>(
      "SELECT version FROM registered_model_aliases WHERE workspace = ? AND name = ? AND alias = ?",
      [WORKSPACE, name, alias],
    );
    if (row === undefined) throw notFound(`Registered model alias ${alias} not found for model ${name}`);
    return this.getModelVersion(name, String(row.version));
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const row = await this.versionRow(name, version);
    return row.storage_location || row.source || "";
  }
}
