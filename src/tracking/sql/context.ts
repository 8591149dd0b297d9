/** What every part of the SQL store shares: the database, the clock, where artifacts go; small SQL helpers. */
import { HandgestureError } from "../../core/errors.js";
import type { SqlDb, SqlExec, SqlValue } from "./db.js";

export interface SqlContext {
  db: SqlDb;
  now: () => number;
  /** Where new experiments' artifacts go (an absolute path or a URI), without a trailing slash. */
  defaultArtifactRoot: string;
  /** The local folder `mlflow-artifacts:/...` locations resolve under. */
  artifactsDestination: string;
  /** user_id when createRun gets none. */
  user: string;
}

export const WORKSPACE = "default";

/** `(?, ?, ?)` for n values. */
export function placeholders(n: number): string {
  return `(${new Array(n).fill("?").join(", ")})`;
}

/**
 * One multi-row INSERT per chunk, `INSERT INTO t (cols) VALUES (...), (...) <suffix>`: few round trips on
 * PostgreSQL, and faster than a statement per row on SQLite too; chunks stay under the bound-parameter limits.
 */
export async function insertRows(
  db: SqlExec,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
  suffix = "",
): Promise<void> {
  if (rows.length === 0) return;
  const one = placeholders(columns.length);
  const perChunk = Math.max(1, Math.floor(30_000 / columns.length));
  for (let i = 0; i < rows.length; i += perChunk) {
    const chunk = rows.slice(i, i + perChunk);
    const params: SqlValue[] = [];
    for (const r of chunk) for (const v of r) params.push(v);
    await db.run(
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${new Array(chunk.length).fill(one).join(", ")} ${suffix}`,
      params,
    );
  }
}

/** Binary string order in ORDER BY (PostgreSQL would otherwise use the database's locale). */
export function collate(db: SqlExec): string {
  return db.dialect === "postgres" ? ' COLLATE "C"' : "";
}

/** A unique-key violation (two writers creating the same thing at once). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}

export function notFound(message: string): HandgestureError {
  return new HandgestureError(message, "RESOURCE_DOES_NOT_EXIST");
}

export function invalid(message: string): HandgestureError {
  return new HandgestureError(message, "INVALID_PARAMETER_VALUE");
}

/** SQLite answers 0/1, PostgreSQL true/false. */
export function bool(v: unknown): boolean {
  return v === true || v === 1 || v === "1" || v === "t";
}

/** Page tokens as the file store writes them: base64 of {"offset": N}. */
export { decodePageToken, encodePageToken } from "../file-tracking.js";
