/**
 * Opens a database URI as MLflow names them (SQLAlchemy's rules) and checks its schema revision before anything
 * is written: an empty database gets MLflow's schema at 7d34483879f0; one at that revision is used; anything else
 * (an older or unknown MLflow revision, tables that are not MLflow's) is refused and left untouched.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { HandgestureError } from "../../core/errors.js";
import { type PgTarget, PostgresDb, type SqlDb, type SqlExec, SqliteDb } from "./db.js";
import { KNOWN_REVISIONS } from "./revisions.js";
import { MLFLOW_TABLE_NAMES, SCHEMA_REVISION, schemaStatements, seedStatements } from "./schema.js";

export type SqlTarget = { dialect: "sqlite"; path: string } | { dialect: "postgres"; target: PgTarget };

const SCHEMES = "sqlite:///<path>, postgresql://user:password@host:port/database";

/** Whether a tracking URI names a database this store opens. */
export function isSqlUri(uri: string): boolean {
  return /^(sqlite|postgres|postgresql(\+psycopg2)?):/i.test(uri);
}

/**
 * `sqlite:///relative.db` (relative to the working directory), `sqlite:////abs/path.db`; `postgresql://`,
 * `postgres://`, `postgresql+psycopg2://` with user, password, host (default localhost), port (default 5432) and
 * database; `?host=/socket/dir` also names the host.
 */
export function parseSqlUri(uri: string): SqlTarget {
  const m = /^([a-z0-9+]+):/i.exec(uri);
  const scheme = m?.[1].toLowerCase();
  if (scheme === "sqlite") {
    if (!uri.startsWith("sqlite:///")) {
      throw new HandgestureError(
        `invalid SQLite URI '${uri}': write sqlite:///relative/path.db or sqlite:////absolute/path.db`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const raw = decodeURIComponent(uri.slice("sqlite:///".length).replace(/\?.*$/, ""));
    if (raw === "" || raw === ":memory:") {
      throw new HandgestureError(
        `invalid SQLite URI '${uri}': an in-memory database keeps nothing; name a file`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    return { dialect: "sqlite", path: isAbsolute(raw) ? raw : resolve(raw) };
  }
  if (scheme === "postgres" || scheme === "postgresql" || scheme === "postgresql+psycopg2") {
    let url: URL;
    try {
      url = new URL(uri.replace(/^[^:]+:/, "postgresql:"));
    } catch {
      throw new HandgestureError(`invalid PostgreSQL URI '${uri}'`, "INVALID_PARAMETER_VALUE");
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
    if (database === "") {
      throw new HandgestureError(`invalid PostgreSQL URI '${uri}': no database name`, "INVALID_PARAMETER_VALUE");
    }
    return {
      dialect: "postgres",
      target: {
        host: url.searchParams.get("host") ?? (url.hostname ? decodeURIComponent(url.hostname) : "localhost"),
        port: url.port ? Number(url.port) : 5432,
        database,
        user: url.username ? decodeURIComponent(url.username) : undefined,
        password: url.password ? decodeURIComponent(url.password) : undefined,
      },
    };
  }
  throw new HandgestureError(`not a database URI '${uri}': accepted forms ${SCHEMES}`, "INVALID_PARAMETER_VALUE");
}

/** What the database holds, read without writing. */
interface SchemaState {
  tables: Set<string>;
  revision: string | null;
}

async function readState(db: SqlExec): Promise<SchemaState> {
  const rows =
    db.dialect === "sqlite"
      ? await db.all<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
      : await db.all<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
        );
  const tables = new Set(rows.map((r) => r.name));
  let revision: string | null = null;
  if (tables.has("alembic_version")) {
    const row = await db.get<{ version_num: string }>("SELECT version_num FROM alembic_version");
    revision = row?.version_num ?? null;
  }
  return { tables, revision };
}

/** null when the state is usable as it is, "create" for an empty database, else throws the refusal. */
function judge(state: SchemaState, uri: string): "use" | "create" {
  if (state.tables.size === 0) return "create";
  if (state.revision === null) {
    const ours = [...state.tables].filter((t) => MLFLOW_TABLE_NAMES.has(t));
    throw new HandgestureError(
      ours.length === 0
        ? `the database at ${uri} is not an MLflow database (it has tables, none of them MLflow's, and no ` +
            `alembic_version); refusing to use it, nothing was changed`
        : `the database at ${uri} has MLflow tables but no alembic revision; refusing to use it, nothing was ` +
            `changed (let MLflow repair it with 'mlflow db upgrade ${uri}')`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  if (state.revision !== SCHEMA_REVISION) {
    if (KNOWN_REVISIONS.has(state.revision)) {
      throw new HandgestureError(
        `Detected out-of-date database schema (found version ${state.revision}, but expected ${SCHEMA_REVISION}). ` +
          `Take a backup of your database, then run 'mlflow db upgrade ${uri}' to migrate your database to the ` +
          "latest schema. NOTE: schema migration may result in database downtime - please consult your " +
          "database's documentation for more detail.",
        "INVALID_PARAMETER_VALUE",
      );
    }
    throw new HandgestureError(
      `the database at ${uri} is at schema revision ${state.revision}, which this version does not know (it ` +
        `speaks MLflow's revision ${SCHEMA_REVISION}); it may come from a newer MLflow. Refusing to use it, ` +
        "nothing was changed",
      "INVALID_PARAMETER_VALUE",
    );
  }
  const missing = [...MLFLOW_TABLE_NAMES].filter((t) => !state.tables.has(t));
  if (missing.length > 0) {
    throw new HandgestureError(
      `the database at ${uri} is at revision ${SCHEMA_REVISION} but lacks the tables ${missing.join(", ")}; ` +
        `refusing to use it, nothing was changed (let MLflow repair it with 'mlflow db upgrade ${uri}')`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  return "use";
}

async function createSchema(tx: SqlExec, defaultArtifactRoot: string, now: number): Promise<void> {
  for (const sql of schemaStatements(tx.dialect)) await tx.run(sql);
  for (const [sql, params] of seedStatements(defaultArtifactRoot, now)) await tx.run(sql, params as never[]);
}

function redact(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

/**
 * Opens the database, creating MLflow's schema in one transaction when it is empty; refuses (and closes) when the
 * revision is not ours. The check runs again inside the creating transaction, so two processes opening one fresh
 * database at once do not both create it.
 */
export async function openDatabase(uri: string, defaultArtifactRoot: string, now: () => number): Promise<SqlDb> {
  const target = parseSqlUri(uri);
  const shown = redact(uri);
  if (target.dialect === "sqlite") {
    const fresh = !existsSync(target.path) || statSync(target.path).size === 0;
    if (!fresh) {
      // Judge on a read-only connection: a refused database is never written (not even WAL's header).
      const probe = new SqliteDb(target.path, { readonly: true });
      try {
        judge(await readState(probe), shown);
      } catch (e) {
        throw notADatabase(e, shown);
      } finally {
        await probe.close();
      }
    }
    const db = new SqliteDb(target.path);
    try {
      db.enableWal();
      await db.transaction(async (tx) => {
        if (judge(await readState(tx), shown) === "create") await createSchema(tx, defaultArtifactRoot, now());
      });
    } catch (e) {
      await db.close();
      throw notADatabase(e, shown);
    }
    return db;
  }
  const db = new PostgresDb(target.target);
  try {
    judge(await readState(db), shown);
    await db.transaction(async (tx) => {
      // One creator at a time per database (released at commit).
      await tx.run("SELECT pg_advisory_xact_lock(7034483879)");
      if (judge(await readState(tx), shown) === "create") await createSchema(tx, defaultArtifactRoot, now());
    });
  } catch (e) {
    await db.close().catch(() => {});
    throw db.describe(e);
  }
  return db;
}

/** SQLite's "file is not a database" as a clear refusal. */
function notADatabase(e: unknown, uri: string): unknown {
  if ((e as { code?: string })?.code === "SQLITE_NOTADB") {
    return new HandgestureError(`${uri} is not a SQLite database; refusing to use it, nothing was changed`);
  }
  return e;
}
