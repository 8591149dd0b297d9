import pg from "pg";
import { describe, expect, it } from "vitest";
import { dropTestDatabase, hasTestPostgres, POSTGRES_URL_ENV, redactUrl, testPostgresUrl } from "./postgres.js";

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("test PostgreSQL harness", () => {
  it("hides a password in the URLs it names", () => {
    expect(redactUrl("postgresql://u:secret@h:5/db")).toBe("postgresql://u:***@h:5/db");
  });

  describe.skipIf(!hasTestPostgres())("with a server", () => {
    it("gives each caller an empty database of its own, and drops it", async () => {
      const a = await testPostgresUrl();
      const b = await testPostgresUrl();
      expect(a).toBeDefined();
      expect(b).not.toBe(a);
      const urlA = a as string;
      const [row] = await query(
        urlA,
        "SELECT current_database() AS db, count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'",
      );
      expect(row).toEqual({ db: new URL(urlA).pathname.slice(1), tables: 0 });
      await query(urlA, "CREATE TABLE t (x int)");
      await dropTestDatabase(urlA);
      await dropTestDatabase(b as string);
      const admin = process.env[POSTGRES_URL_ENV] as string;
      const left = await query(admin, `SELECT datname FROM pg_database WHERE datname = '${row.db}'`);
      expect(left).toEqual([]);
    });

    it("an unreachable server is an error naming its URL", async () => {
      const saved = process.env[POSTGRES_URL_ENV];
      process.env[POSTGRES_URL_ENV] = "postgresql://postgres:pw@127.0.0.1:1/postgres";
      try {
        await expect(testPostgresUrl()).rejects.toThrow("postgresql://postgres:***@127.0.0.1:1/postgres");
      } finally {
        process.env[POSTGRES_URL_ENV] = saved;
      }
    });
  });
});
