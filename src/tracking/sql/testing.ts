/**
 * For the SQL store's tests: a fresh PostgreSQL database per test file (CREATE DATABASE with a random name on the
 * server HANDGESTURE_TEST_POSTGRES_URL names), dropped afterwards. Without that variable PostgreSQL tests are
 * skipped with a message, except under CI=true, where a missing server is a failure.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const POSTGRES_URL = process.env.HANDGESTURE_TEST_POSTGRES_URL;

if (!POSTGRES_URL) {
  if (process.env.CI === "true") {
    throw new Error("CI=true but HANDGESTURE_TEST_POSTGRES_URL is not set: the PostgreSQL tests cannot run");
  }
  console.warn("HANDGESTURE_TEST_POSTGRES_URL not set: skipping the PostgreSQL tests of the SQL store");
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url.replace(/^[^:]+:/, "postgresql:"));
  u.pathname = `/${database}`;
  return u.href;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(POSTGRES_URL as string, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a random name; returns its URI and a function that drops it. */
export async function freshPostgresDatabase(prefix = "hg"): Promise<{ uri: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    uri: withDatabase(POSTGRES_URL as string, name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
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
