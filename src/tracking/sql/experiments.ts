/** Experiments and their tags in MLflow's `experiments` and `experiment_tags` tables. */
import type { Experiment, LifecycleStage, Page, Tag } from "../entities.js";
import { err, validateExperimentId, validateExperimentName, validateExperimentTag } from "../file-checks.js";
import { checkMaxResults } from "../file-paging.js";
import type { SearchExperimentsOptions } from "../store.js";
import {
  decodePageToken,
  encodePageToken,
  insertRows,
  isUniqueViolation,
  type SqlContext,
  WORKSPACE,
} from "./context.js";
import type { SqlExec } from "./db.js";
import type { Dialect } from "./schema.js";
import { experimentSearchSql } from "./search.js";

interface ExperimentRow {
  experiment_id: ExperimentKey;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: LifecycleStage | null;
  creation_time: number | null;
  last_update_time: number | null;
}

const COLUMNS = "experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time";
const INT_MAX = 2_147_483_647;
const INT64_MAX = 9_223_372_036_854_775_807n;

/** An experiment id as bound in SQL: a number, or the decimal string of one beyond 2^53 (SQLite only). */
export type ExperimentKey = number | string;

/**
 * The key of a wire id, or null when no experiment can have it. PostgreSQL's experiment_id is MLflow's 32-bit
 * SERIAL; SQLite's is 64-bit, and MLflow's migrate-filestore fills it with a file store's 18-digit ids, which a
 * JavaScript number cannot hold: those stay strings (SQLite compares them as integers, the column's affinity).
 */
export function experimentKey(id: string, dialect: Dialect): ExperimentKey | null {
  validateExperimentId(id);
  if (!/^\d+$/.test(id)) return null;
  const n = BigInt(id);
  if (dialect === "postgres") return n <= BigInt(INT_MAX) ? Number(n) : null;
  if (n > INT64_MAX) return null;
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

export function missingExperiment(id: string) {
  return err(`Could not find experiment with ID ${id}`, "RESOURCE_DOES_NOT_EXIST");
}

async function tagsOf(db: SqlExec, ids: ExperimentKey[]): Promise<Map<ExperimentKey, Tag[]>> {
  const out = new Map<ExperimentKey, Tag[]>();
  if (ids.length === 0) return out;
  const rows = await db.all<{ experiment_id: ExperimentKey; key: string; value: string | null }>(
    `SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (${ids.map(() => "?").join(", ")}) ORDER BY key`,
    ids,
  );
  for (const r of rows) {
    let list = out.get(r.experiment_id);
    if (list === undefined) {
      list = [];
      out.set(r.experiment_id, list);
    }
    list.push({ key: r.key, value: r.value ?? "" });
  }
  return out;
}

function toExperiment(row: ExperimentRow, tags: Tag[]): Experiment {
  return {
    experiment_id: String(row.experiment_id),
    name: row.name,
    artifact_location: row.artifact_location ?? "",
    lifecycle_stage: row.lifecycle_stage ?? "active",
    creation_time: row.creation_time ?? 0,
    last_update_time: row.last_update_time ?? 0,
    tags,
  };
}

export class SqlExperiments {
  constructor(private readonly ctx: SqlContext) {}

  /** The row, or null; `db` lets a transaction read it. */
  async row(experimentId: string, db: SqlExec = this.ctx.db): Promise<ExperimentRow | null> {
    const key = experimentKey(experimentId, db.dialect);
    if (key === null) return null;
    return (await db.get<ExperimentRow>(`SELECT ${COLUMNS} FROM experiments WHERE experiment_id = ?`, [key])) ?? null;
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const row = await this.row(experimentId);
    if (row === null) throw missingExperiment(experimentId);
    return toExperiment(row, (await tagsOf(this.ctx.db, [row.experiment_id])).get(row.experiment_id) ?? []);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    const row = await this.ctx.db.get<ExperimentRow>(
      `SELECT ${COLUMNS} FROM experiments WHERE workspace = ? AND name = ?`,
      [WORKSPACE, name],
    );
    if (row === undefined) return null;
    return toExperiment(row, (await tagsOf(this.ctx.db, [row.experiment_id])).get(row.experiment_id) ?? []);
  }

  async createExperiment(name: string, tags: Tag[] = [], artifactLocation?: string): Promise<string> {
    validateExperimentName(name);
    const checked = tags.map(validateExperimentTag);
    const exists = async () => {
      const existing = await this.getExperimentByName(name);
      if (existing === null) return;
      if (existing.lifecycle_stage === "deleted") {
        throw err(
          `Experiment '${name}' already exists in deleted state. You can restore the experiment, or permanently delete the experiment from the .trash folder (under tracking server's root folder) in order to use this experiment name again.`,
          "RESOURCE_ALREADY_EXISTS",
        );
      }
      throw err(`Experiment '${name}' already exists.`, "RESOURCE_ALREADY_EXISTS");
    };
    await exists();
    const time = this.ctx.now();
    try {
      return await this.ctx.db.transaction(async (tx) => {
        const row = await tx.get<{ experiment_id: number }>(
          "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) VALUES (?, ?, 'active', ?, ?, ?) RETURNING experiment_id",
          [name, artifactLocation ?? null, time, time, WORKSPACE],
        );
        const id = row!.experiment_id;
        if (artifactLocation === undefined) {
          // As MLflow: the default location names the id, known only after the insert.
          await tx.run("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?", [
            `${this.ctx.defaultArtifactRoot}/${id}`,
            id,
          ]);
        }
        await insertRows(
          tx,
          "experiment_tags",
          ["key", "value", "experiment_id"],
          checked.map((t) => [t.key, t.value, id]),
        );
        return String(id);
      });
    } catch (e) {
      if (isUniqueViolation(e)) await exists();
      throw e;
    }
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    const maxResults = checkMaxResults(options.maxResults);
    const offset = decodePageToken(options.pageToken);
    const q = experimentSearchSql(this.ctx.db, options.viewType ?? "ACTIVE_ONLY", options.filter, options.orderBy);
    const rows = await this.ctx.db.all<ExperimentRow>(
      `SELECT ${COLUMNS.split(", ")
        .map((c) => `e.${c}`)
        .join(", ")} FROM experiments e WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`,
      [...q.params, maxResults + 1, offset],
    );
    const page = rows.slice(0, maxResults);
    const tags = await tagsOf(
      this.ctx.db,
      page.map((r) => r.experiment_id),
    );
    const result: Page<Experiment> = { items: page.map((r) => toExperiment(r, tags.get(r.experiment_id) ?? [])) };
    if (rows.length > maxResults) result.next_page_token = encodePageToken(offset + maxResults);
    return result;
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    const tag = validateExperimentTag({ key, value });
    const exp = await this.row(experimentId);
    if (exp === null) throw missingExperiment(experimentId);
    if ((exp.lifecycle_stage ?? "active") !== "active") {
      throw err(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    await this.ctx.db.run(
      "INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?) ON CONFLICT (key, experiment_id) DO UPDATE SET value = excluded.value",
      [tag.key, tag.value, exp.experiment_id],
    );
  }

  /** Marks the experiment and its active runs deleted, in one transaction (as MLflow's SQL store). */
  async deleteExperiment(experimentId: string): Promise<void> {
    const exp = await this.row(experimentId);
    if (exp === null || exp.lifecycle_stage === "deleted") throw missingExperiment(experimentId);
    const time = this.ctx.now();
    await this.ctx.db.transaction(async (tx) => {
      await tx.run("UPDATE experiments SET lifecycle_stage = 'deleted', last_update_time = ? WHERE experiment_id = ?", [
        time,
        exp.experiment_id,
      ]);
      await tx.run(
        "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = 'active'",
        [time, exp.experiment_id],
      );
    });
  }

  /** Marks a deleted experiment and its runs active again. */
  async restoreExperiment(experimentId: string): Promise<void> {
    const exp = await this.row(experimentId);
    if (exp === null || exp.lifecycle_stage !== "deleted") {
      throw err(
        `Cannot restore experiment with ID ${experimentId}: not in the deleted state`,
        "RESOURCE_DOES_NOT_EXIST",
      );
    }
    await this.ctx.db.transaction(async (tx) => {
      await tx.run("UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? WHERE experiment_id = ?", [
        this.ctx.now(),
        exp.experiment_id,
      ]);
      await tx.run(
        "UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ? AND lifecycle_stage = 'deleted'",
        [exp.experiment_id],
      );
    });
  }
}
