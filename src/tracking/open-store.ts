import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FileStore } from "./file-store.js";
import { RestStore } from "./rest-store.js";
import type { TrackingStore } from "./store.js";

/** Where tracking goes: --tracking-uri, else MLFLOW_TRACKING_URI, else ./mlruns (MLflow's own order). */
export function trackingUri(explicit?: string): string {
  return explicit || process.env.MLFLOW_TRACKING_URI || "./mlruns";
}

/**
 * Opens the store a tracking URI names: http(s):// → a tracking server over REST (bearer token from
 * MLFLOW_TRACKING_TOKEN), file: URIs and plain paths → the mlruns/ folder.
 */
export function openStore(uri: string = trackingUri()): TrackingStore {
  if (/^https?:\/\//i.test(uri)) {
    return new RestStore(uri.replace(/\/+$/, ""), { token: () => process.env.MLFLOW_TRACKING_TOKEN });
  }
  const path = uri.startsWith("file:") ? fileURLToPath(uri) : uri;
  return new FileStore(isAbsolute(path) ? path : resolve(path));
}
