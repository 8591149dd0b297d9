/** The model registry: registered models (tags, aliases, latest versions) and their versions (stages, tags). */
import type { LoggedModel, Stage } from "../../../tracking/entities.js";
import { loggedModelIdOf } from "../../../tracking/model-uri.js";
import type { TrackingStore } from "../../../tracking/store.js";
import { HttpError } from "../../errors.js";
import { list, opt, optBool, paged, search, str, tags } from "../params.js";
import { done, type Handler, type Route } from "./shared.js";

/**
 * The logged model a `models:/<model_id>` source names, as MLflow's registry looks it up: one that does not exist
 * is MLflow's 500 (§5), message and all.
 */
async function sourceModel(s: TrackingStore, source: string): Promise<LoggedModel | undefined> {
  const id = loggedModelIdOf(source);
  if (!id) return undefined;
  try {
    return await s.getLoggedModel(id);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== "RESOURCE_DOES_NOT_EXIST") throw e;
    throw new HttpError(
      500,
      "INTERNAL_ERROR",
      `Unable to fetch model from model URI source artifact location '${source}'.Error: Logged model with ID '${id}' not found.`,
    );
  }
}

const latestVersions: Handler = async (p, s) => ({
  model_versions: await s.getLatestVersions(str(p, "name"), list(p, "stages") as Stage[] | undefined),
});

export const registeredModels: Record<string, Route> = {
  "registered-models/create": {
    POST: async (p, s) => ({
      registered_model: await s.createRegisteredModel(str(p, "name"), tags(p), opt(p, "description")),
    }),
  },
  "registered-models/get": { GET: async (p, s) => ({ registered_model: await s.getRegisteredModel(str(p, "name")) }) },
  "registered-models/search": {
    GET: async (p, s) => paged("registered_models", await s.searchRegisteredModels(search(p))),
  },
  "registered-models/rename": {
    POST: async (p, s) => ({ registered_model: await s.renameRegisteredModel(str(p, "name"), str(p, "new_name")) }),
  },
  "registered-models/update": {
    PATCH: async (p, s) => ({
      registered_model: await s.updateRegisteredModel(str(p, "name"), opt(p, "description") ?? ""),
    }),
  },
  "registered-models/delete": { DELETE: (p, s) => done(s.deleteRegisteredModel(str(p, "name"))) },
  "registered-models/set-tag": {
    POST: (p, s) => done(s.setRegisteredModelTag(str(p, "name"), str(p, "key"), opt(p, "value") ?? "")),
  },
  "registered-models/delete-tag": {
    DELETE: (p, s) => done(s.deleteRegisteredModelTag(str(p, "name"), str(p, "key"))),
  },
  "registered-models/get-latest-versions": { POST: latestVersions, GET: latestVersions },
  "registered-models/alias": {
    POST: (p, s) => done(s.setRegisteredModelAlias(str(p, "name"), str(p, "alias"), str(p, "version"))),
    GET: async (p, s) => ({ model_version: await s.getModelVersionByAlias(str(p, "name"), str(p, "alias")) }),
    DELETE: (p, s) => done(s.deleteRegisteredModelAlias(str(p, "name"), str(p, "alias"))),
  },
};

export const modelVersions: Record<string, Route> = {
  "model-versions/create": {
    POST: async (p, s) => {
      const source = str(p, "source");
      const model = await sourceModel(s, source);
      return {
        model_version: await s.createModelVersion({
          name: str(p, "name"),
          source,
          // MLflow 3's client sends no run_id with a models:/<model_id> source: the logged model names its run.
          runId: opt(p, "run_id") || model?.info.source_run_id || undefined,
          tags: tags(p),
          description: opt(p, "description"),
          modelId: opt(p, "model_id") || model?.info.model_id,
        }),
      };
    },
  },
  "model-versions/get": {
    GET: async (p, s) => ({ model_version: await s.getModelVersion(str(p, "name"), str(p, "version")) }),
  },
  "model-versions/search": { GET: async (p, s) => paged("model_versions", await s.searchModelVersions(search(p))) },
  "model-versions/update": {
    PATCH: async (p, s) => ({
      model_version: await s.updateModelVersion(str(p, "name"), str(p, "version"), opt(p, "description") ?? ""),
    }),
  },
  "model-versions/delete": { DELETE: (p, s) => done(s.deleteModelVersion(str(p, "name"), str(p, "version"))) },
  "model-versions/transition-stage": {
    POST: async (p, s) => ({
      model_version: await s.transitionModelVersionStage(
        str(p, "name"),
        str(p, "version"),
        str(p, "stage") as Stage,
        optBool(p, "archive_existing_versions"),
      ),
    }),
  },
  "model-versions/set-tag": {
    POST: (p, s) => done(s.setModelVersionTag(str(p, "name"), str(p, "version"), str(p, "key"), opt(p, "value") ?? "")),
  },
  "model-versions/delete-tag": {
    DELETE: (p, s) => done(s.deleteModelVersionTag(str(p, "name"), str(p, "version"), str(p, "key"))),
  },
  "model-versions/get-download-uri": {
    GET: async (p, s) => ({ artifact_uri: await s.getModelVersionDownloadUri(str(p, "name"), str(p, "version")) }),
  },
};
