/**
 * Opening databases (mlflow3-compat.md §11): an empty one gets the schema, ours is used, an older MLflow revision
 * gets MLflow's upgrade advice, an unknown one is refused naming both revisions, one that is not MLflow's is
 * refused; every refused database is left byte for byte as it was. URIs follow SQLAlchemy's rules.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { isSqlUri, parseSqlUri } from "./open.js";
import { openSqlStore } from "./sql-store.js";
import { freshPostgresDatabase, POSTGRES_URL, runOn } from "./testing.js";

const dir = mkdtempSync(join(tmpdir(), "hg-sql-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database of ours, then edited with `sql` (as a copy of an older or newer MLflow database would be). */
async function ourDatabaseEdited(name: string, sql: string): Promise<string> {
  const path = join(dir, name);
  await (await openSqlStore(`sqlite:///${path}`)).close();
  const db = new Database(path);
  db.pragma("journal_mode = DELETE"); // one file, so its bytes say everything
  db.exec(sql);
  db.close();
  return path;
}

async function refusal(path: string): Promise<{ message: string; unchanged: boolean }> {
  const before = readFileSync(path);
  const message = await openSqlStore(`sqlite:///${path}`).then(
    () => "opened",
    (e: Error) => e.message,
  );
  return { message, unchanged: Buffer.compare(before, readFileSync(path)) === 0 };
}

describe("parseSqlUri and isSqlUri", () => {
  it("reads SQLAlchemy's sqlite forms: three slashes relative, four absolute", () => {
    expect(parseSqlUri("sqlite:///mlflow.db")).toEqual({ dialect: "sqlite", path: resolve("mlflow.db") });
    expect(parseSqlUri("sqlite:///sub/dir/x.db")).toEqual({ dialect: "sqlite", path: resolve("sub/dir/x.db") });
    expect(parseSqlUri("sqlite:////abs/path.db")).toEqual({ dialect: "sqlite", path: "/abs/path.db" });
    expect(() => parseSqlUri("sqlite://x.db")).toThrow(/sqlite:\/\/\//);
    expect(() => parseSqlUri("sqlite:///:memory:")).toThrow(/in-memory/);
  });

  it("reads PostgreSQL URIs with every accepted scheme, defaults and escapes", () => {
    const target = { host: "db.example", port: 6543, database: "mlflow", user: "me", password: "p@ss" };
    for (const scheme of ["postgresql", "postgres", "postgresql+psycopg2"]) {
      expect(parseSqlUri(`${scheme}://me:p%40ss@db.example:6543/mlflow`)).toEqual({ dialect: "postgres", target });
    }
    expect(parseSqlUri("postgresql://localhost/x")).toMatchObject({ target: { host: "localhost", port: 5432 } });
    expect(() => parseSqlUri("postgresql://host:1/")).toThrow(/no database name/);
    expect(() => parseSqlUri("mysql://x/y")).toThrow(/sqlite:\/\/\/<path>, postgresql:\/\//);
  });

  it("tells database URIs from others", () => {
    expect(["sqlite:///a.db", "postgresql://h/d", "postgres://h/d", "postgresql+psycopg2://h/d"].every(isSqlUri)).toBe(
      true,
    );
    expect(["./mlruns", "file:///x", "http://h:5000", "/abs/mlruns"].some(isSqlUri)).toBe(false);
  });
});

describe("revision checks on SQLite", () => {
  it("creates the schema in an empty file and uses it when opened again", async () => {
    const path = join(dir, "empty.db");
    writeFileSync(path, "");
    const store = await openSqlStore(`sqlite:///${path}`);
    const id = await store.createExperiment("kept");
    await store.close();
    const again = await openSqlStore(`sqlite:///${path}`);
    expect((await again.getExperiment(id)).name).toBe("kept");
    await again.close();
  });

  it("refuses an older MLflow revision with MLflow's advice, untouched", async () => {
    const path = await ourDatabaseEdited("older.db", "UPDATE alembic_version SET version_num = 'ae8bbe7743c9'");
    const { message, unchanged } = await refusal(path);
    expect(message).toBe(
      "Detected out-of-date database schema (found version ae8bbe7743c9, but expected 7d34483879f0). Take a backup " +
        `of your database, then run 'mlflow db upgrade sqlite:///${path}' to migrate your database to the latest ` +
        "schema. NOTE: schema migration may result in database downtime - please consult your database's " +
        "documentation for more detail.",
    );
    expect(unchanged).toBe(true);
  });

  it("refuses a revision it does not know (a newer MLflow's), naming both, untouched", async () => {
    const path = await ourDatabaseEdited("newer.db", "UPDATE alembic_version SET version_num = '0123456789ab'");
    const { message, unchanged } = await refusal(path);
    expect(message).toMatch(/revision 0123456789ab/);
    expect(message).toMatch(/7d34483879f0/);
    expect(unchanged).toBe(true);
  });

  it("refuses a database that is not MLflow's and creates nothing in it", async () => {
    const path = join(dir, "other.db");
    const db = new Database(path);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'a')");
    db.close();
    const { message, unchanged } = await refusal(path);
    expect(message).toMatch(/not an MLflow database/);
    expect(unchanged).toBe(true);
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: "customers" }]);
    check.close();
  });

  it("refuses MLflow tables without alembic_version, and a file that is not SQLite, untouched", async () => {
    const noRevision = await ourDatabaseEdited("norev.db", "DROP TABLE alembic_version");
    const r1 = await refusal(noRevision);
    expect(r1.message).toMatch(/no alembic revision/);
    expect(r1.unchanged).toBe(true);
    const text = join(dir, "notes.db");
    writeFileSync(text, "these are not the bytes of a database, and they must stay as they are\n".repeat(20));
    const r2 = await refusal(text);
    expect(r2.message).toMatch(/not a SQLite database/);
    expect(r2.unchanged).toBe(true);
  });

  it("refuses our revision with tables missing, untouched", async () => {
    const path = await ourDatabaseEdited("partial.db", "DROP TABLE webhook_events");
    const { message, unchanged } = await refusal(path);
    expect(message).toMatch(/lacks the tables webhook_events/);
    expect(unchanged).toBe(true);
  });
});

describe("PostgreSQL connections", () => {
  it("an unreachable server is an error naming host and port", async () => {
    const started = Date.now();
    await expect(openSqlStore("postgresql://u:p@127.0.0.1:5999/db")).rejects.toThrow(
      "cannot reach PostgreSQL at 127.0.0.1:5999: connection refused",
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe.skipIf(!POSTGRES_URL)("revision checks on PostgreSQL", () => {
  it("creates the schema in an empty database, refuses older and unknown revisions and foreign tables", async () => {
    const { uri, drop } = await freshPostgresDatabase();
    try {
      await (await openSqlStore(uri)).close();
      await (await openSqlStore(uri)).close(); // ours: used
      await runOn(uri, "UPDATE alembic_version SET version_num = 'ae8bbe7743c9'");
      await expect(openSqlStore(uri)).rejects.toThrow(
        /Detected out-of-date database schema \(found version ae8bbe7743c9/,
      );
      await runOn(uri, "UPDATE alembic_version SET version_num = '0123456789ab'");
      await expect(openSqlStore(uri)).rejects.toThrow(/revision 0123456789ab.*7d34483879f0/s);
    } finally {
      await drop();
    }
    const other = await freshPostgresDatabase();
    try {
      await runOn(other.uri, "CREATE TABLE customers (id INTEGER PRIMARY KEY)");
      await expect(openSqlStore(other.uri)).rejects.toThrow(/not an MLflow database/);
      // nothing created
      const client = new (await import("pg")).default.Client({ connectionString: other.uri });
      await client.connect();
      const tables = await client.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      await client.end();
      expect(tables.rows).toEqual([{ table_name: "customers" }]);
    } finally {
      await other.drop();
    }
  });
});
