import { existsSync, readdirSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HandgestureError } from "../core/errors.js";
import { FileStore } from "./file-store.js";
import { RestStore } from "./rest-store.js";
import type { TrackingStore } from "./store.js";

/** What MLflow ≥ 3.7 picks when nothing names a store: an SQLite file in the working directory. */
export const DEFAULT_SQLITE_URI = "sqlite:///mlflow.db";
const LEGACY_FILE_STORE = "./mlruns";

const ACCEPTED =
  "http://host:port or https://… (a tracking server), sqlite:///relative.db or sqlite:////absolute.db, " +
  "postgresql://user:password@host:port/database, file:///path or a plain path (an mlruns folder)";

/**
 * Where tracking goes: --tracking-uri, else MLFLOW_TRACKING_URI, else MLflow ≥ 3.7's default: an existing
 * ./mlruns that holds data keeps the file store (nobody's runs vanish), otherwise sqlite:///mlflow.db.
 */
export function trackingUri(explicit?: string, cwd = process.cwd()): string {
  return explicit || process.env.MLFLOW_TRACKING_URI || defaultTrackingUri(cwd);
}

/** MLflow ≥ 3.7's default store for a working directory (see trackingUri). */
export function defaultTrackingUri(cwd = process.cwd()): string {
  return holdsFileStoreData(join(cwd, "mlruns")) ? LEGACY_FILE_STORE : DEFAULT_SQLITE_URI;
}

/** Whether an mlruns folder has anything in it: an experiment (a folder with meta.yaml) or registered models. */
function holdsFileStoreData(dir: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return false;
  }
  return entries.some((name) => {
    if (name.startsWith(".")) return false;
    if (name === "models") return readdirSync(join(dir, name)).length > 0;
    return existsSync(join(dir, name, "meta.yaml"));
  });
}

export type StoreKind = "rest" | "sql" | "file";

/** Which kind of store a tracking URI names; an unknown scheme is refused (never taken for a folder name). */
export function storeKind(uri: string): StoreKind {
  if (typeof uri !== "string" || uri.trim() === "") throw badUri(String(uri), "it is empty");
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  // No scheme, or one letter (a Windows drive): a path.
  if (scheme === undefined || scheme.length === 1) return "file";
  if (scheme === "http" || scheme === "https") return "rest";
  if (scheme === "file") return "file";
  if (scheme === "sqlite" || scheme === "postgresql" || scheme === "postgres" || scheme.startsWith("postgresql+")) {
    return "sql";
  }
  throw badUri(uri, `the scheme '${scheme}:' is not one this tool can open`);
}

function badUri(uri: string, why: string): HandgestureError {
  return new HandgestureError(`tracking URI '${uri}': ${why}; accepted: ${ACCEPTED}`, "INVALID_PARAMETER_VALUE");
}

export interface OpenStoreOptions {
  /**
   * The store backs a tracking server (`ui`, `serve`): new experiments in a database then keep their artifacts
   * as `mlflow-artifacts:/<id>` under ./mlartifacts, as `mlflow server` does, so clients upload through the server.
   * Otherwise they go to ./mlruns/<id>, as MLflow's client does when it writes to a database itself.
   */
  server?: boolean;
  /** The working directory the defaults are relative to. */
  cwd?: string;
}

/**
 * Opens the store a tracking URI names: http(s):// → a tracking server over REST (bearer token from
 * MLFLOW_TRACKING_TOKEN); sqlite:// and postgresql:// → MLflow's SQL schema in that database; file: URIs and
 * plain paths → an mlruns/ folder. Call close() on the store when done (a database keeps connections open).
 */
export async function openStore(uri: string = trackingUri(), options: OpenStoreOptions = {}): Promise<TrackingStore> {
  const cwd = options.cwd ?? process.cwd();
  switch (storeKind(uri)) {
    case "rest":
      return new RestStore(uri.replace(/\/+$/, ""), { token: () => process.env.MLFLOW_TRACKING_TOKEN });
    case "sql": {
      const { openSqlStore } = await import("./sql/index.js");
      return openSqlStore(uri, {
        defaultArtifactRoot: options.server ? "mlflow-artifacts:/" : resolve(cwd, "mlruns"),
        artifactsDestination: resolve(cwd, "mlartifacts"),
      });
    }
    case "file": {
      let path: string;
      try {
        path = uri.startsWith("file:") ? fileURLToPath(uri) : uri;
      } catch (e) {
        throw badUri(uri, `it is not a proper file: URI (${(e as Error).message})`);
      }
      return new FileStore(isAbsolute(path) ? path : resolve(cwd, path));
    }
  }
}
