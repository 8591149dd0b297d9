/**
 * For the SQL store's tests: a fresh PostgreSQL database per caller through the shared harness (test/postgres.ts:
 * HANDGESTURE_TEST_POSTGRES_URL; unset skips with a message, except under CI=true, where it fails).
 */
import pg from "pg";
import { dropTestDatabase, hasTestPostgres, testPostgresUrl } from "../../../test/postgres.js";

/** The test server's URL, or undefined (tests skipped) when none is configured. */
export const POSTGRES_URL = hasTestPostgres() ? process.env.HANDGESTURE_TEST_POSTGRES_URL : undefined;

/** An empty database of its own (random name) and a function that drops it. */
export async function freshPostgresDatabase(): Promise<{ uri: string; drop: () => Promise<void> }> {
  const uri = await testPostgresUrl();
  if (uri === undefined) throw new Error("no test PostgreSQL configured");
  return { uri, drop: () => dropTestDatabase(uri) };
}

/** Runs SQL on a database of the test server (setting up a database the store must refuse). */
export async function runOn(uri: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
