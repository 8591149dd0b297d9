/**
 * The schema we create equals the one ../shared/docs/mlflow3-compat.md §8 records from a fresh MLflow 3 database:
 * the doc is read here on its own (not through schema-tables.ts) and compared with what SQLite and PostgreSQL report
 * about a database the store created.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { hasShared, sharedPath } from "../../../test/shared.js";
import { openSqlStore } from "./sql-store.js";
import { freshPostgresDatabase, POSTGRES_URL } from "./testing.js";

interface DocTable {
  columns: { name: string; type: string; notNull: boolean; def: string | null }[];
  pk: string[];
}

/** §8 of the document: every table with its columns (name, type, NOT NULL, default) and primary key. */
function readDocSchema(): Map<string, DocTable> {
  const text = readFileSync(sharedPath("docs", "mlflow3-compat.md"), "utf8");
  const section = text.slice(text.indexOf("## 8."), text.indexOf("## 9."));
  const tables = new Map<string, DocTable>();
  const lines = section.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const big = /^\*\*`(\w+)`\*\*$/.exec(lines[i]);
    if (big) {
      const t: DocTable = { columns: [], pk: [] };
      while (!lines[i].startsWith("| column")) i++;
      for (i += 2; lines[i].startsWith("|"); i++) {
        const [name, type, nd] = lines[i]
          .split("|")
          .slice(1, 4)
          .map((c) => c.trim());
        t.columns.push({ name, type, notNull: nd.startsWith("no"), def: /default ('.*')/.exec(nd)?.[1] ?? null });
      }
      while (lines[i].trim() === "") i++;
      t.pk = /PK \(([^)]*)\)/.exec(lines[i])![1].split(", ");
      tables.set(big[1], t);
      continue;
    }
    const small = /^\| `(\w+)` \| (.*?) \| (.*?) \| .*\|$/.exec(lines[i]);
    if (small) {
      tables.set(small[1], {
        columns: small[2].split(", ").map((c) => {
          const m = /^(\w+) (\w+(?:\(\d+\))?)(!)?(?:=('.*'))?$/.exec(c.trim())!;
          return { name: m[1], type: m[2], notNull: m[3] === "!", def: m[4] ?? null };
        }),
        pk: small[3].split(", "),
      });
    }
  }
  return tables;
}

const dir = mkdtempSync(join(tmpdir(), "hg-sql-schema-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasShared("docs", "mlflow3-compat.md"))("schema of a new SQLite database", () => {
  const path = join(dir, "fresh.db");
  const created = openSqlStore(`sqlite:///${path}`, { defaultArtifactRoot: "/srv/mlruns" }).then((s) => s.close());

  it("has the document's 48 tables, each with its columns, types, nullability, defaults and primary key", async () => {
    await created;
    const doc = readDocSchema();
    expect(doc.size).toBe(48);
    const db = new Database(path, { readonly: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all()
        .map((r) => (r as { name: string }).name);
      expect(tables).toEqual([...doc.keys()].sort());
      for (const [name, t] of doc) {
        const info = db.prepare(`PRAGMA table_xinfo("${name}")`).all() as {
          name: string;
          type: string;
          notnull: number;
          dflt_value: string | null;
          pk: number;
        }[];
        expect(
          info.map((c) => ({ name: c.name, type: c.type, notNull: c.notnull === 1, def: c.dflt_value })),
          name,
        ).toEqual(t.columns);
        const pk = info
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name);
        expect(pk, `${name} primary key`).toEqual(t.pk);
      }
    } finally {
      db.close();
    }
  });

  it("has the revision, the default workspace, Default experiment 0, the indexes and the secrets trigger", async () => {
    await created;
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare("SELECT version_num FROM alembic_version").all()).toEqual([{ version_num: "7d34483879f0" }]);
      expect(db.prepare("SELECT * FROM workspaces").all()).toEqual([
        { name: "default", description: "Default workspace for legacy resources", default_artifact_root: null },
      ]);
      const exp = db.prepare("SELECT * FROM experiments").all() as Record<string, unknown>[];
      expect(exp).toMatchObject([
        { experiment_id: 0, name: "Default", artifact_location: "/srv/mlruns/0", lifecycle_stage: "active" },
      ]);
      const indexes = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
        .all()
        .map((r) => (r as { name: string }).name);
      // a few of §8's named indexes, MLflow's search paths
      for (const ix of ["index_metrics_run_uuid_key_step", "index_latest_metrics_run_uuid", "index_params_run_uuid"]) {
        expect(indexes).toContain(ix);
      }
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()).toEqual([
        { name: "prevent_secrets_aad_mutation" },
      ]);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
  });

  it("refuses a secret's id to change (the trigger works)", async () => {
    await created;
    const db = new Database(path);
    try {
      db.prepare(
        "INSERT INTO secrets (secret_id, secret_name, encrypted_value, wrapped_dek, kek_version, masked_value, created_at, last_updated_at) VALUES ('s1', 'n', x'00', x'00', 1, '*', 0, 0)",
      ).run();
      expect(() => db.prepare("UPDATE secrets SET secret_id = 's2'").run()).toThrow(/immutable/);
    } finally {
      db.close();
    }
  });
});

describe.skipIf(!POSTGRES_URL || !hasShared("docs", "mlflow3-compat.md"))("schema of a new PostgreSQL database", () => {
  it("has the 48 tables with the document's column names, nullability and the tracking and registry primary keys", async () => {
    const { uri, drop } = await freshPostgresDatabase();
    try {
      await (await openSqlStore(uri)).close();
      const doc = readDocSchema();
      const client = new pg.Client({ connectionString: uri });
      await client.connect();
      try {
        const cols = await client.query(
          "SELECT table_name, column_name, is_nullable, data_type, character_maximum_length FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        );
        const pks = await client.query(
          "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public' ORDER BY tc.table_name, kcu.ordinal_position",
        );
        const tables = [...new Set(cols.rows.map((r) => r.table_name as string))].sort();
        expect(tables).toEqual([...doc.keys()].sort());
        for (const [name, t] of doc) {
          const mine = cols.rows.filter((r) => r.table_name === name);
          expect(
            mine.map((r) => ({ name: r.column_name, notNull: r.is_nullable === "NO" })),
            name,
          ).toEqual(t.columns.map((c) => ({ name: c.name, notNull: c.notNull })));
          for (const c of t.columns) {
            const len = /VARCHAR\((\d+)\)/.exec(c.type)?.[1];
            const r = mine.find((x) => x.column_name === c.name)!;
            if (len) expect(r.character_maximum_length, `${name}.${c.name}`).toBe(Number(len));
            if (c.type === "BIGINT") expect(r.data_type).toBe("bigint");
            if (c.type === "FLOAT") expect(r.data_type).toBe("double precision");
          }
          expect(
            pks.rows.filter((r) => r.table_name === name).map((r) => r.column_name),
            `${name} primary key`,
          ).toEqual(t.pk);
        }
        expect((await client.query("SELECT version_num FROM alembic_version")).rows).toEqual([
          { version_num: "7d34483879f0" },
        ]);
      } finally {
        await client.end();
      }
    } finally {
      await drop();
    }
  });
});
