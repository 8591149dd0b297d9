/**
 * MLflow's limits and checks on names and values, shared by every store (file, SQL, the server's routes), so a
 * value refused by one is refused by all. Isomorphic: no Node imports.
 */
import { HandgestureError } from "../core/errors.js";

// ---- MLflow 2.12's limits (mlflow/utils/validation.py) ----

export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_ENTITIES_PER_BATCH = 1000;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 5000;
export const MAX_EXPERIMENT_TAG_KEY_LENGTH = 250;
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 5000;
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_MODEL_REGISTRY_TAG_KEY_LENGTH = 250;
export const MAX_MODEL_REGISTRY_TAG_VALUE_LENGTH = 5000;
export const MAX_DATASET_NAME_SIZE = 500;
export const MAX_DATASET_DIGEST_SIZE = 36;
export const MAX_DATASET_SCHEMA_SIZE = 1048575;
export const MAX_DATASET_SOURCE_SIZE = 65535;
export const MAX_DATASET_PROFILE_SIZE = 16777215;
export const MAX_INPUT_TAG_KEY_SIZE = 255;
export const MAX_INPUT_TAG_VALUE_SIZE = 500;
export const MAX_REGISTERED_MODEL_ALIAS_LENGTH = 255;
export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
export const SEARCH_MAX_RESULTS_THRESHOLD = 50000;

/**
 * MLflow's length check: "Param value '<first 250 chars>' had length N, which exceeded length limit of 6000".
 * `entity` is e.g. "Param value", "Tag key".
 */
export function checkLength(entity: string, limit: number, value: string | null | undefined): void {
  if (value != null && value.length > limit) {
    throw new HandgestureError(
      `${entity} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}

const VALID_NAME = /^[/\p{L}\p{N}_.\- ]*$/u;
const BAD_CHARACTERS =
  "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).";

/** posixpath.normpath, enough for MLflow's "must not resolve to other names" check. */
function normpath(p: string): string {
  if (p === "") return ".";
  const abs = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (seg === ".." && abs) continue;
    else out.push(seg);
  }
  const s = (abs ? "/" : "") + out.join("/");
  return s === "" ? "." : s;
}

/**
 * MLflow's name check for param, metric and tag keys (`kind`: "param", "metric", "tag"): only alphanumerics,
 * `_ - . space /`, and the name must be its own normal path (no `..`, `.`, empty segments, leading `/`).
 */
export function validateEntityName(kind: "param" | "metric" | "tag", name: string): void {
  if (typeof name !== "string") {
    throw new HandgestureError(
      `${kind[0].toUpperCase()}${kind.slice(1)} name cannot be None. A key name must be provided.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  if (!VALID_NAME.test(name)) {
    throw new HandgestureError(`Invalid ${kind} name: '${name}'. ${BAD_CHARACTERS}`, "INVALID_PARAMETER_VALUE");
  }
  const norm = normpath(name);
  if (norm !== name || norm === "." || norm.startsWith("..") || norm.startsWith("/")) {
    throw new HandgestureError(
      `Invalid ${kind} name: '${name}'. Names may be treated as files in certain cases, and must not resolve to ` +
        `other names when treated as such. This name would resolve to '${norm}'`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}
