/**
 * PostgreSQL for tests: each caller gets a fresh database of its own (CREATE DATABASE hg_<random>) on the server
 * that HANDGESTURE_TEST_POSTGRES_URL names (a URL whose user may create databases, e.g.
 * postgresql://postgres@127.0.0.1:5432/postgres; .ci/run starts a throwaway server and sets it).
 *
 * Unset: the PostgreSQL tests are skipped with a message, except under CI=true, where that is a failure, as is a
 * server that cannot be reached (the message names the URL).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
export const POSTGRES_URL_ENV = "HANDGESTURE_TEST_POSTGRES_URL";
const CONNECT_TIMEOUT_MS = 5000;
/** The URL with its password hidden, for messages. */
export function redactUrl(url) {
    try {
        const u = new URL(url);
        if (u.password)
            u.password = "***";
        return u.toString();
    }
    catch {
        return "<unparsable URL>";
    }
}
/**
 * True when a PostgreSQL server is configured for tests. Use with `describe.skipIf(!hasTestPostgres())`.
 * Under CI=true a missing setting throws instead.
 */
export function hasTestPostgres() {
    if (process.env[POSTGRES_URL_ENV])
        return true;
    if (process.env.CI === "true") {
        throw new Error(`${POSTGRES_URL_ENV} is not set under CI=true: the PostgreSQL tests need a server (.ci/run starts one)`);
    }
    console.warn(`skipping the PostgreSQL tests: set ${POSTGRES_URL_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/postgres) to run them`);
    return false;
}
async function withAdmin(adminUrl, use) {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    try {
        await client.connect();
    }
    catch (e) {
        throw new Error(`cannot reach the test PostgreSQL at ${redactUrl(adminUrl)} (${POSTGRES_URL_ENV}): ${e}`, {
            cause: e,
        });
    }
    try {
        return await use(client);
    }
    finally {
        await client.end();
    }
}
/** Created databases, by URL, with the admin URL that drops them. */
const created = new Map();
/**
 * A URL to a new, empty database on the configured server, or undefined when none is configured (outside CI).
 * Drop it with dropTestDatabase(url) when done.
 */
export async function testPostgresUrl() {
    const adminUrl = process.env[POSTGRES_URL_ENV];
    if (!adminUrl) {
        if (process.env.CI === "true")
            throw new Error(`${POSTGRES_URL_ENV} is not set under CI=true`);
        return undefined;
    }
    const database = `hg_${randomBytes(6).toString("hex")}`;
    await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${database}`));
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    created.set(url.toString(), adminUrl);
    return url.toString();
}
/** Drops a database testPostgresUrl made, closing its remaining connections first. */
export async function dropTestDatabase(url) {
    const adminUrl = created.get(url);
    if (adminUrl === undefined)
        throw new Error(`not a test database made here: ${redactUrl(url)}`);
    const database = new URL(url).pathname.slice(1);
    if (!/^hg_[0-9a-f]+$/.test(database))
        throw new Error(`refusing to drop '${database}': not a test database`);
    await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    created.delete(url);
}
//# sourceMappingURL=postgres.js.map