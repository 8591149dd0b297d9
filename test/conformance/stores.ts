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
import { openSqlStore } from "../../src/tracking/sql/index.js";
import type { TrackingStore } from "../../src/tracking/store.js";
import { dropTestDatabase, testPostgresUrl } from "../postgres.js";
import type { OpenedStore } from "./suite.js";

/** The SQL store on `uri`, its artifacts under `dir` (mlruns/ for experiments, mlartifacts/ for mlflow-artifacts:). */
function openSql(uri: string, dir: string): Promise<TrackingStore> {
  return openSqlStore(uri, {
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
  const store = await openSql(`sqlite:///${join(dir, "mlflow.db")}`, dir).catch(async (e) => {
    await remove();
    throw e;
  });
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
    store = await openSql(url, dir);
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
