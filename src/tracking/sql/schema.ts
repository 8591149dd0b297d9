/**
 * MLflow's schema at revision 7d34483879f0 rendered as DDL for SQLite and PostgreSQL, plus the rows a fresh MLflow
 * database starts with (the `default` workspace, the Default experiment 0, the alembic revision).
 */
import { TABLES, type TableSpec } from "./schema-tables.js";

export type Dialect = "sqlite" | "postgres";

/** The alembic head this store speaks; MLflow 3 opens a database at it with no upgrade. */
export const SCHEMA_REVISION = "7d34483879f0";
export { TABLES };

/** Column types as PostgreSQL spells what SQLAlchemy emits for them. */
function pgType(type: string): string {
  if (type === "FLOAT") return "DOUBLE PRECISION";
  if (type === "BLOB") return "BYTEA";
  return type;
}

function ident(name: string): string {
  // `key`, `value`, `timestamp`, `schema`... are fine unquoted in both dialects except a few PostgreSQL keywords.
  return `"${name}"`;
}

/** Computed columns (the document lists them as plain ones; MLflow declares them GENERATED ... STORED). */
const GENERATED: Readonly<Record<string, string>> = {
  "spans.duration_ns": "end_time_unix_nano - start_time_unix_nano",
};

function columnDdl(t: TableSpec, c: TableSpec["columns"][number], dialect: Dialect): string {
  const [name, type, notNull, def] = c;
  const generated = GENERATED[`${t.name}.${name}`];
  if (generated) return `${ident(name)} ${type} GENERATED ALWAYS AS (${generated}) STORED`;
  // experiments.experiment_id is autoincrementing: the rowid in SQLite, a SERIAL in PostgreSQL (as MLflow).
  const serial = dialect === "postgres" && t.name === "experiments" && name === "experiment_id";
  const sqlType = serial ? "SERIAL" : dialect === "postgres" ? pgType(type) : type;
  return `${ident(name)} ${sqlType}${notNull ? " NOT NULL" : ""}${def !== null ? ` DEFAULT ${def}` : ""}`;
}

function tableDdl(t: TableSpec, dialect: Dialect): string {
  const parts = t.columns.map((c) => columnDdl(t, c, dialect));
  parts.push(`PRIMARY KEY (${t.pk.map(ident).join(", ")})`);
  for (const u of t.uniques) parts.push(`UNIQUE (${u.map(ident).join(", ")})`);
  for (const fk of t.fks) {
    let s = `FOREIGN KEY (${fk.cols.map(ident).join(", ")}) REFERENCES ${ident(fk.ref)} (${fk.refCols.map(ident).join(", ")})`;
    if (fk.onDelete) s += ` ON DELETE ${fk.onDelete}`;
    if (fk.onUpdate) s += ` ON UPDATE ${fk.onUpdate}`;
    parts.push(s);
  }
  for (const check of t.checks) {
    // PostgreSQL has a native boolean: SQLAlchemy adds no 0/1 check there.
    if (dialect === "postgres" && /IN \(0, 1\)/.test(check)) continue;
    parts.push(`CHECK (${check})`);
  }
  return `CREATE TABLE ${ident(t.name)} (\n  ${parts.join(",\n  ")}\n)`;
}

/** Tables ordered so each comes after the tables its foreign keys name (PostgreSQL checks references at once). */
function dependencyOrder(tables: readonly TableSpec[]): TableSpec[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: TableSpec[] = [];
  const visit = (t: TableSpec) => {
    if (done.has(t.name)) return;
    done.add(t.name);
    for (const fk of t.fks) {
      const ref = byName.get(fk.ref);
      if (ref && ref !== t) visit(ref);
    }
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

const TRIGGER_MESSAGE = "secret_id and secret_name are immutable (used as AAD in encryption)";

function triggerDdl(dialect: Dialect): string[] {
  if (dialect === "sqlite") {
    return [
      `CREATE TRIGGER prevent_secrets_aad_mutation BEFORE UPDATE ON secrets FOR EACH ROW ` +
        `WHEN OLD.secret_id != NEW.secret_id OR OLD.secret_name != NEW.secret_name ` +
        `BEGIN SELECT RAISE(ABORT, '${TRIGGER_MESSAGE}'); END`,
    ];
  }
  return [
    `CREATE OR REPLACE FUNCTION prevent_secrets_aad_mutation() RETURNS TRIGGER AS $$ BEGIN ` +
      `IF OLD.secret_id != NEW.secret_id OR OLD.secret_name != NEW.secret_name THEN ` +
      `RAISE EXCEPTION '${TRIGGER_MESSAGE}'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql`,
    `CREATE TRIGGER prevent_secrets_aad_mutation BEFORE UPDATE ON secrets FOR EACH ROW ` +
      `EXECUTE FUNCTION prevent_secrets_aad_mutation()`,
  ];
}

/** Every statement that creates the schema (tables, indexes, the trigger), in order. */
export function schemaStatements(dialect: Dialect): string[] {
  const out: string[] = [];
  for (const t of dependencyOrder(TABLES)) {
    out.push(tableDdl(t, dialect));
    for (const ix of t.indexes) {
      out.push(
        `CREATE ${ix.unique ? "UNIQUE " : ""}INDEX ${ident(ix.name)} ON ${ident(t.name)} (${ix.cols.map(ident).join(", ")})`,
      );
    }
  }
  out.push(...triggerDdl(dialect));
  return out;
}

/** The rows of a fresh database; `?` placeholders, values alongside. */
export function seedStatements(defaultArtifactRoot: string, now: number): [string, unknown[]][] {
  return [
    ["INSERT INTO alembic_version (version_num) VALUES (?)", [SCHEMA_REVISION]],
    [
      "INSERT INTO workspaces (name, description, default_artifact_root) VALUES (?, ?, NULL)",
      ["default", "Default workspace for legacy resources"],
    ],
    [
      "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) VALUES (0, 'Default', ?, 'active', ?, ?, 'default')",
      [`${defaultArtifactRoot.replace(/\/+$/, "")}/0`, now, now],
    ],
  ];
}

/** MLflow's tracking and registry tables: a database holding none of them and no alembic_version is not MLflow's. */
export const MLFLOW_TABLE_NAMES: ReadonlySet<string> = new Set(TABLES.map((t) => t.name));
