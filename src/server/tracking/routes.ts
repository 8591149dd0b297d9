/**
 * MLflow's REST API (2.0, as MLflow 3 serves it) as a table: path under /api/2.0/mlflow/ → HTTP verb → handler over
 * a TrackingStore (docs/mlflow-compat.md, docs/mlflow3-compat.md). A path is exact, or has `:name` segments
 * (`logged-models/:model_id`) that reach the handler decoded. Handlers check their parameters (./params.ts), call
 * the store and return the entity; the app turns it into protobuf-style JSON. Which calls change anything is
 * decided per endpoint (MLflow's searches are POSTs, yet reads): see isWriteCall. The entities' routes live in
 * ./routes/.
 */
import { experiments } from "./routes/experiments.js";
import { loggedModels } from "./routes/logged-models.js";
import { modelVersions, registeredModels } from "./routes/registry.js";
import { runs } from "./routes/runs.js";
import type { Route } from "./routes/shared.js";

export { LOGGED_MODELS_TAG } from "./routes/runs.js";
export type { Handler, Route, Verb } from "./routes/shared.js";

/** POSTs that only read: MLflow's searches (their filters do not fit a query string). */
export const READ_POSTS: ReadonlySet<string> = new Set([
  "experiments/search",
  "runs/search",
  "registered-models/get-latest-versions",
  "logged-models/search",
]);

/** Whether a call to `path` (under /api/2.0/mlflow/) with `method` changes the store. */
export function isWriteCall(method: string, path: string): boolean {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return false;
  return !(method === "POST" && READ_POSTS.has(path));
}

/**
 * Every JSON endpoint (artifacts/list and the logged-model file download live with the artifact routes). Exact
 * paths come before the `:name` ones that could also match them (`logged-models/search` before
 * `logged-models/:model_id`): the app registers them in this order.
 */
export const ROUTES: Readonly<Record<string, Route>> = Object.freeze({
  ...experiments,
  ...runs,
  ...registeredModels,
  ...modelVersions,
  ...loggedModels,
});
