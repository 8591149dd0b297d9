/**
 * The file store's checks on ids, names and batches, worded as mlflow/utils/validation.py words them (the limits
 * themselves are shared with every store in validation.ts).
 */
import { HandgestureError } from "../core/errors.js";
import type { DatasetInput, Metric, Param, Tag } from "./entities.js";
import {
  checkLength,
  MAX_DATASET_DIGEST_SIZE,
  MAX_DATASET_NAME_SIZE,
  MAX_DATASET_PROFILE_SIZE,
  MAX_DATASET_SCHEMA_SIZE,
  MAX_DATASET_SOURCE_SIZE,
  MAX_ENTITIES_PER_BATCH,
  MAX_ENTITY_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_VAL_LENGTH,
  MAX_INPUT_TAG_KEY_SIZE,
  MAX_INPUT_TAG_VALUE_SIZE,
  MAX_METRICS_PER_BATCH,
  MAX_PARAM_VAL_LENGTH,
  MAX_PARAMS_TAGS_PER_BATCH,
  MAX_TAG_VAL_LENGTH,
  validateEntityName,
} from "./validation.js";

export type StoreErrorCode = "RESOURCE_DOES_NOT_EXIST" | "RESOURCE_ALREADY_EXISTS" | "INVALID_PARAMETER_VALUE";

export function err(message: string, code: StoreErrorCode): HandgestureError {
  return new HandgestureError(message, code);
}

const EXPERIMENT_ID_RE = /^[a-zA-Z0-9][\w-]{0,63}$/;
const RUN_ID_RE = /^[a-zA-Z0-9][\w-]{0,255}$/;

export function validateExperimentId(id: string): void {
  if (typeof id !== "string" || !EXPERIMENT_ID_RE.test(id)) {
    throw err(`Invalid experiment ID: '${id}'`, "INVALID_PARAMETER_VALUE");
  }
}

export function validateRunId(id: string): void {
  if (typeof id !== "string" || !RUN_ID_RE.test(id)) throw err(`Invalid run ID: '${id}'`, "INVALID_PARAMETER_VALUE");
}

export function validateExperimentName(name: string): void {
  if (name === "" || name == null) throw err(`Invalid experiment name: '${name ?? "None"}'`, "INVALID_PARAMETER_VALUE");
  if (typeof name !== "string")
    throw err(`Invalid experiment name: ${name}. Expects a string.`, "INVALID_PARAMETER_VALUE");
}

export function validateMetric(m: Metric): void {
  validateEntityName("metric", m.key);
  if (typeof m.value !== "number") {
    throw err(
      `Got invalid value ${m.value} for metric '${m.key}' (timestamp=${m.timestamp}). Please specify value as a valid double (64-bit floating point)`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  if (typeof m.timestamp !== "number" || !Number.isSafeInteger(m.timestamp) || m.timestamp < 0) {
    throw err(
      `Got invalid timestamp ${m.timestamp} for metric '${m.key}' (value=${m.value}). Timestamp must be a nonnegative long (64-bit integer) `,
      "INVALID_PARAMETER_VALUE",
    );
  }
  if (typeof m.step !== "number" || !Number.isSafeInteger(m.step)) {
    throw err(
      `Got invalid step ${m.step} for metric '${m.key}' (value=${m.value}). Step must be a valid long (64-bit integer).`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  // These two become path segments and line fields: ids only (MLflow's are m-<hex>), no spaces.
  if (m.model_id != null && (typeof m.model_id !== "string" || !/^[\w-]{1,256}$/.test(m.model_id))) {
    throw err(`Invalid model ID: '${m.model_id}' for metric '${m.key}'`, "INVALID_PARAMETER_VALUE");
  }
  for (const [field, v] of [
    ["dataset_name", m.dataset_name],
    ["dataset_digest", m.dataset_digest],
  ] as const) {
    if (v != null && (typeof v !== "string" || /\s/.test(v) || v === "")) {
      throw err(
        `Invalid ${field} '${v}' for metric '${m.key}': it must be a non-empty string without whitespace`,
        "INVALID_PARAMETER_VALUE",
      );
    }
  }
}

/** null/undefined → "", other non-strings → String(v) (MLflow's _writeable_value). */
export function writeable(v: unknown): string {
  return v == null ? "" : typeof v === "string" ? v : String(v);
}

/**
 * A validator for one kind of key/value entry: the key must be a valid name of that kind and at most maxKey long,
 * the value (made writeable) at most maxValue long. Returns the entry with the writeable value.
 */
function entryValidator(kind: "param" | "tag", maxKey: number, maxValue: number): (e: Param | Tag) => Param | Tag {
  const label = kind === "param" ? "Param" : "Tag";
  return (e) => {
    validateEntityName(kind, e.key);
    checkLength(`${label} key`, maxKey, e.key);
    const value = writeable(e.value);
    checkLength(`${label} value`, maxValue, value);
    return { key: e.key, value };
  };
}

export const validateParam = entryValidator("param", MAX_ENTITY_KEY_LENGTH, MAX_PARAM_VAL_LENGTH);
export const validateTag = entryValidator("tag", MAX_ENTITY_KEY_LENGTH, MAX_TAG_VAL_LENGTH);
export const validateExperimentTag = entryValidator(
  "tag",
  MAX_EXPERIMENT_TAG_KEY_LENGTH,
  MAX_EXPERIMENT_TAG_VAL_LENGTH,
);

export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (what: string, n: number, limit: number) => {
    if (n > limit) {
      throw err(
        `A batch logging request can contain at most ${limit} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
  };
  over("metrics", metrics, MAX_METRICS_PER_BATCH);
  over("params", params, MAX_PARAMS_TAGS_PER_BATCH);
  over("tags", tags, MAX_PARAMS_TAGS_PER_BATCH);
  const total = metrics + params + tags;
  if (total > MAX_ENTITIES_PER_BATCH) {
    throw err(
      `A batch logging request can contain at most ${MAX_ENTITIES_PER_BATCH} metrics, params, and tags in total. Got ${total} total entities. Please split up entities across multiple requests and try again.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}

/** Duplicate keys in one list of params: MLflow's message naming them. */
export function validateParamKeysUnique(params: readonly Param[]): void {
  const seen = new Map<string, number>();
  for (const p of params) seen.set(p.key, (seen.get(p.key) ?? 0) + 1);
  const dupes = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  if (dupes.length > 0) {
    throw err(
      `Duplicate parameter keys have been submitted: [${dupes.map((k) => `'${k}'`).join(", ")}]. Please ensure the request contains only one param value per param key.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}

export function validateDatasetInput(input: DatasetInput): void {
  const d = input.dataset;
  if (!d || typeof d.name !== "string" || typeof d.digest !== "string") {
    throw err("Dataset input must have a dataset with a name and a digest", "INVALID_PARAMETER_VALUE");
  }
  checkLength("Dataset name", MAX_DATASET_NAME_SIZE, d.name);
  checkLength("Dataset digest", MAX_DATASET_DIGEST_SIZE, d.digest);
  checkLength("Dataset schema", MAX_DATASET_SCHEMA_SIZE, d.schema);
  checkLength("Dataset source", MAX_DATASET_SOURCE_SIZE, d.source);
  checkLength("Dataset profile", MAX_DATASET_PROFILE_SIZE, d.profile);
  for (const t of input.tags ?? []) {
    checkLength("Input tag key", MAX_INPUT_TAG_KEY_SIZE, t.key);
    checkLength("Input tag value", MAX_INPUT_TAG_VALUE_SIZE, t.value);
  }
}

/** A logged model id as a path segment: `m-<hex>` from us and MLflow; anything that stays in its folder from others. */
export function validateModelId(id: string): void {
  if (typeof id !== "string" || !/^[\w-]{1,256}$/.test(id)) {
    throw err(`Invalid model ID: '${id}'`, "INVALID_PARAMETER_VALUE");
  }
}
