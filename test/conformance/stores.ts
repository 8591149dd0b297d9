/**
 * How the conformance runners open each store: the file store on a temp folder, the SQL store on a temp SQLite
 * file or a fresh PostgreSQL database (test/postgres.ts), and the REST store through the tracking app (the one
 * `handgesture ui` serves) over any of those, on loopback at an ephemeral port.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listen } from "../../src/server/http.js";
import { createTrackingApp } from "../../src/server/tracking/app.js";
import { FileStore } from "../../src/tracking/file-store.js";
import { RestStore } from "../../src/tracking/rest-store.js";
import type { TrackingStore } from "../../src/tracking/store.js";
import { dropTestDatabase, testPostgresUrl } from "../postgres.js";
import type { OpenedStore } from "./suite.js";

type OpenSqlStore = (uri: string, options?: Record<string, unknown>) => TrackingStore | Promise<TrackingStore>;

/**
 * The SQL store's entry (src/tracking/sql/index.ts), imported by a computed path so this file type-checks before
 * that module exists on a branch; a missing module fails the SQL runners with this message.
 */
const SQL_MODULE = ["..", "..", "src", "tracking", "sql", "index.js"].join("/");
/** The SQL store on `uri`, its artifacts under `dir` (mlruns/ for experiments, mlartifacts/ for mlflow-artifacts:). */
async function openSqlStore(uri: string, dir: string): Promise<TrackingStore> {
  let mod: { openSqlStore?: OpenSqlStore };
  try {
    mod = (await import(/* @vite-ignore */ SQL_MODULE)) as { openSqlStore?: OpenSqlStore };
  } catch (e) {
    throw new Error(`the SQL store (src/tracking/sql/index.ts, openSqlStore) is not there: ${e}`, { cause: e });
  }
  if (typeof mod.openSqlStore !== "function") throw new Error("src/tracking/sql/index.ts exports no openSqlStore");
  return mod.openSqlStore(uri, {
    defaultArtifactRoot: join(dir, "mlruns"),
    artifactsDestination: join(dir, "mlartifacts"),
  });
}

async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function openFileStore(): Promise<OpenedStore> {
  const { dir, remove } = await tempDir("hg-conf-file-");
  return { store: new FileStore(join(dir, "mlruns")), cleanup: remove };
}

export async function openSqliteStore(): Promise<OpenedStore> {
  const { dir, remove } = await tempDir("hg-conf-sqlite-");
  // sqlite:/// + an absolute path: four slashes in all
  const store = await openSqlStore(`sqlite:///${join(dir, "mlflow.db")}`, dir);
  return {
    store,
    cleanup: async () => {
      await store.close?.();
      await remove();
    },
  };
}

export async function openPostgresStore(): Promise<OpenedStore> {
  const url = await testPostgresUrl();
  if (url === undefined) throw new Error("no test PostgreSQL configured (the runner should have skipped)");
  const { dir, remove } = await tempDir("hg-conf-pg-");
  let store: TrackingStore;
  try {
    store = await openSqlStore(url, dir);
  } catch (e) {
    await dropTestDatabase(url);
    await remove();
    throw e;
  }
  return {
    store,
    cleanup: async () => {
      await store.close?.();
      await dropTestDatabase(url);
      await remove();
    },
  };
}

/** The REST store talking to the tracking app served over the store `backing` opens. */
export function overRest(backing: () => Promise<OpenedStore>): () => Promise<OpenedStore> {
  return async () => {
    const behind = await backing();
    const server = await listen(createTrackingApp({ store: behind.store }).fetch, { port: 0 }).catch(async (e) => {
      await behind.cleanup();
      throw e;
    });
    return {
      store: new RestStore(server.url),
      cleanup: async () => {
        await server.close(1000);
        await behind.cleanup();
      },
    };
  };
}
