/** Experiment tracking and the model registry in MLflow's formats: stores, client, search, model URIs. */

export { FLAVOR, MODEL_FILE, TrackingClient } from "./client.js";
export * from "./entities.js";
export { FileStore } from "./file-store.js";
export { logLocalArtifacts } from "./local-artifacts.js";
export { parseModelUri, resolveModelUri } from "./model-uri.js";
export { openStore, trackingUri } from "./open-store.js";
export { RestStore } from "./rest-store.js";
export { filterRuns, parseFilter, parseOrderBy } from "./search.js";
export type { TrackingStore } from "./store.js";
