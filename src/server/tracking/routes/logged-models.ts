/**
 * MLflow 3's LoggedModel API (docs/mlflow3-compat.md §3): create, get, finalize, delete, tags, params, search and
 * the artifact listing. Paths carry the model id (`logged-models/:model_id`); answers are `{"model": {info, data}}`.
 */
import type { LoggedModel } from "../../../tracking/entities.js";
import type { LoggedModelOrderBy, SearchLoggedModelsOptions } from "../../../tracking/store.js";
import { checkArtifactPath } from "../artifacts.js";
import { invalid, list, loggedModelStatus, objects, opt, optBool, optInt, type Params, str, tags } from "../params.js";
import { done, type Route } from "./shared.js";

/** A model id from the path (Hono decodes it); the id format is not checked, as MLflow does not (§3.2). */
const idOf = (path: Readonly<Record<string, string>>) => path.model_id ?? "";

/** The entity as MLflow sends it: `model_type` and `source_run_id` always there, `data` `{}` when empty. */
const entity = (m: LoggedModel) => ({ model: m });

function isString(v: unknown, key: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}' supplied.`);
  return v;
}

/** experiment_id must be a string on the wire: MLflow refuses `1` (§2 "Invalid value 1"). */
function experimentId(p: Params): string {
  const v = p.experiment_id;
  if (typeof v === "number") {
    throw invalid(`Invalid value ${v} for parameter 'experiment_id' supplied:  Hint: Value was of type 'int'.`);
  }
  return str(p, "experiment_id");
}

function orderBy(p: Params): LoggedModelOrderBy[] | undefined {
  if (p.order_by === undefined || p.order_by === null) return undefined;
  return objects(p, "order_by").map((o) => {
    const out: LoggedModelOrderBy = { field_name: str(o, "field_name") };
    if (o.ascending !== undefined && o.ascending !== null) out.ascending = optBool(o, "ascending");
    const name = isString(o.dataset_name, "dataset_name");
    const digest = isString(o.dataset_digest, "dataset_digest");
    if (name) out.dataset_name = name;
    if (digest) out.dataset_digest = digest;
    return out;
  });
}

function datasets(p: Params): SearchLoggedModelsOptions["datasets"] {
  if (p.datasets === undefined || p.datasets === null) return undefined;
  return objects(p, "datasets").map((d) => {
    const digest = isString(d.dataset_digest, "dataset_digest");
    return digest
      ? { dataset_name: str(d, "dataset_name"), dataset_digest: digest }
      : { dataset_name: str(d, "dataset_name") };
  });
}

export const loggedModels: Record<string, Route> = {
  "logged-models": {
    POST: async (p, s) =>
      entity(
        await s.createLoggedModel({
          experimentId: experimentId(p),
          name: isString(p.name, "name") || undefined,
          modelType: isString(p.model_type, "model_type") || undefined,
          sourceRunId: isString(p.source_run_id, "source_run_id") || undefined,
          params: tags(p, "params"),
          tags: tags(p),
        }),
      ),
  },
  "logged-models/search": {
    POST: async (p, s) => {
      const experimentIds = list(p, "experiment_ids");
      if (!experimentIds || experimentIds.length === 0)
        throw invalid("Missing value for required parameter 'experiment_ids'.");
      const found = await s.searchLoggedModels({
        experimentIds,
        filter: opt(p, "filter") || undefined,
        datasets: datasets(p),
        maxResults: optInt(p, "max_results") || undefined,
        orderBy: orderBy(p),
        pageToken: opt(p, "page_token") || undefined,
      });
      return { models: found.items, next_page_token: found.next_page_token };
    },
  },
  "logged-models/:model_id": {
    // MLflow reads `allow_deleted` as "true" in any case, and anything else as false.
    GET: async (p, s, path) =>
      entity(await s.getLoggedModel(idOf(path), String(p.allow_deleted ?? "").toLowerCase() === "true")),
    PATCH: async (p, s, path) => {
      str(p, "model_id"); // required by MLflow's handler; the path names the model
      return entity(await s.finalizeLoggedModel(idOf(path), loggedModelStatus(p)));
    },
    DELETE: (_p, s, path) => done(s.deleteLoggedModel(idOf(path))),
  },
  "logged-models/:model_id/tags": {
    PATCH: (p, s, path) => done(s.setLoggedModelTags(idOf(path), tags(p))),
  },
  "logged-models/:model_id/tags/:tag_key": {
    DELETE: (_p, s, path) => done(s.deleteLoggedModelTag(idOf(path), path.tag_key ?? "")),
  },
  "logged-models/:model_id/params": {
    POST: (p, s, path) => {
      str(p, "model_id"); // required by MLflow's handler
      return done(s.logLoggedModelParams(idOf(path), tags(p, "params")));
    },
  },
  "logged-models/:model_id/artifacts/directories": {
    GET: async (p, s, path) => {
      const id = idOf(path);
      const dir = checkArtifactPath(opt(p, "artifact_directory_path") ?? "", true);
      const model = await s.getLoggedModel(id);
      return { root_uri: model.info.artifact_uri, files: await s.listLoggedModelArtifacts(id, dir) };
    },
  },
};
