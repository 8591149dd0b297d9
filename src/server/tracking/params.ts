/**
 * Request parameters of MLflow's REST API, checked the way MLflow's handlers check them, and MLflow's JSON out.
 * Every check throws INVALID_PARAMETER_VALUE naming the parameter: no input, however malformed, reaches a store
 * as anything but the type it expects.
 */
import { HandgestureError } from "../../core/errors.js";
import type {
  Dataset,
  DatasetInput,
  LoggedModelStatus,
  Metric,
  ModelInput,
  ModelOutput,
  Tag,
  ViewType,
} from "../../tracking/entities.js";
import { LOGGED_MODEL_STATUS_CODES } from "../../tracking/entities.js";

/** One request's parameters: the JSON body's object, or the query string (repeated keys as arrays). */
export type Params = Record<string, unknown>;

export const invalid = (message: string) => new HandgestureError(message, "INVALID_PARAMETER_VALUE");
export const missing = (key: string) =>
  invalid(
    `Missing value for required parameter '${key}'. See the API docs for more information about request parameters.`,
  );

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** A required string (numbers are taken as their text, as protobuf's JSON parser does for int64 ids). */
export function str(p: Params, key: string): string {
  const v = p[key];
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v !== "string" || v === "") {
    if (v !== undefined && v !== null && v !== "") {
      throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}' supplied: expected a string`);
    }
    throw missing(key);
  }
  return v;
}

/** An optional scalar, as text. */
export function opt(p: Params, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (!isScalar(v))
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}' supplied: expected a string`);
  return String(v);
}

/** A number; MLflow's non-finite doubles arrive as "NaN", "Infinity", "-Infinity". */
export function num(v: unknown, what: string): number {
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || Number.isNaN(n)) throw invalid(`Invalid value ${JSON.stringify(v)} for ${what}`);
  return n;
}

export function optInt(p: Params, key: string): number | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  const n = num(v, `parameter '${key}'`);
  if (!Number.isSafeInteger(n)) {
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}': expected an integer`);
  }
  return n;
}

export function optBool(p: Params, key: string): boolean {
  const v = p[key];
  if (v === undefined || v === null || v === false || v === "false") return false;
  if (v === true || v === "true") return true;
  throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}': expected true or false`);
}

/** A repeated string field: a list, or one value (a query string with the key once). */
export function list(p: Params, key: string): string[] | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v : [v];
  for (const x of items) {
    if (!isScalar(x)) throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}': expected strings`);
  }
  return items.map(String);
}

/** A repeated message field: a list of JSON objects. */
export function objects(p: Params, key: string): Params[] {
  const v = p[key] ?? [];
  const isObject = (x: unknown) => x !== null && typeof x === "object" && !Array.isArray(x);
  if (!Array.isArray(v) || !v.every(isObject)) {
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}': expected a list of objects`);
  }
  return v as Params[];
}

export const tags = (p: Params, key = "tags"): Tag[] =>
  objects(p, key).map((t) => ({ key: str(t, "key"), value: opt(t, "value") ?? "" }));

/** The Python client sends both run_id and run_uuid (older clients only run_uuid). */
export const runId = (p: Params): string => str({ run_id: p.run_id || p.run_uuid }, "run_id");

/** A metric point; MLflow 3's may name the logged model and the dataset it is about. */
export function metric(m: Params): Metric {
  const out: Metric = {
    key: str(m, "key"),
    value: num(m.value ?? 0, "metric value"),
    timestamp: num(m.timestamp ?? Date.now(), "metric timestamp"),
    step: num(m.step ?? 0, "metric step"),
  };
  for (const k of ["model_id", "dataset_name", "dataset_digest"] as const) {
    const v = opt(m, k);
    if (v) out[k] = v;
  }
  return out;
}

/** runs/log-inputs' `models: [{model_id}]` (MLflow 3). */
export const modelInputs = (p: Params): ModelInput[] =>
  objects(p, "models").map((m) => ({ model_id: str(m, "model_id") }));

/** runs/outputs' `models: [{model_id, step}]`, both required (MLflow 3). */
export const modelOutputs = (p: Params): ModelOutput[] =>
  objects(p, "models").map((m) => {
    const step = optInt(m, "step");
    if (step === undefined) throw missing("step");
    return { model_id: str(m, "model_id"), step };
  });

const STATUS_BY_CODE = new Map(Object.entries(LOGGED_MODEL_STATUS_CODES).map(([name, code]) => [code, name]));

/** A logged model's status as protobuf's JSON takes an enum: its name, or its number (PENDING 1, READY 2, ...). */
export function loggedModelStatus(p: Params, key = "status"): LoggedModelStatus {
  const v = p[key];
  if (v === undefined || v === null || v === "") throw missing(key);
  const name =
    typeof v === "number"
      ? STATUS_BY_CODE.get(v)
      : typeof v === "string" && v in LOGGED_MODEL_STATUS_CODES
        ? v
        : undefined;
  if (name === undefined) throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${key}' supplied.`);
  return name as LoggedModelStatus;
}

/** MLflow's offset page token: base64 of Python's `json.dumps({"offset": n})`. */
export const offsetToken = (offset: number): string =>
  Buffer.from(JSON.stringify({ offset }).replace(":", ": ")).toString("base64");

function tokenOffset(token: string): number {
  let offset: unknown;
  try {
    offset = (JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { offset?: unknown }).offset;
  } catch {
    offset = undefined;
  }
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalid(`Invalid page token, could not base64-decode or read its offset: '${token.slice(0, 100)}'`);
  }
  return offset;
}

/** One page of `items` from the token's offset: at most `max` of them (all when absent), a token when more remain. */
export function offsetPage<T>(items: T[], max: number | undefined, token: string | undefined) {
  const from = token ? tokenOffset(token) : 0;
  const to = max === undefined ? items.length : from + max;
  return { items: items.slice(from, to), next_page_token: to < items.length ? offsetToken(to) : undefined };
}

export function viewType(p: Params, key: string): ViewType | undefined {
  const v = opt(p, key);
  if (v !== undefined && !["ACTIVE_ONLY", "DELETED_ONLY", "ALL"].includes(v)) {
    throw invalid(`Invalid value '${v}' for parameter '${key}': expected ACTIVE_ONLY, DELETED_ONLY or ALL`);
  }
  return v as ViewType | undefined;
}

export function search(p: Params) {
  return {
    filter: opt(p, "filter"),
    maxResults: optInt(p, "max_results"),
    orderBy: list(p, "order_by"),
    pageToken: opt(p, "page_token"),
  };
}

export const paged = (key: string, page: { items: unknown[]; next_page_token?: string }) => ({
  [key]: page.items,
  next_page_token: page.next_page_token,
});

const DATASET_FIELDS = ["name", "digest", "source_type", "source"] as const;

/** runs/log-inputs' datasets: [{tags, dataset: {name, digest, source_type, source, schema?, profile?}}]. */
export function datasetInputs(p: Params): DatasetInput[] {
  return objects(p, "datasets").map((d) => {
    const [ds] = objects({ dataset: d.dataset === undefined ? undefined : [d.dataset] }, "dataset");
    if (!ds) throw invalid("Missing value for required parameter 'dataset'.");
    const dataset = Object.fromEntries(DATASET_FIELDS.map((k) => [k, str(ds, k)])) as unknown as Dataset;
    const schema = opt(ds, "schema");
    const profile = opt(ds, "profile");
    if (schema !== undefined) dataset.schema = schema;
    if (profile !== undefined) dataset.profile = profile;
    return { tags: tags(d), dataset };
  });
}

/** protobuf's JSON: unset fields and empty repeated fields are left out; non-finite doubles become strings. */
export function wire(v: unknown): unknown {
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  if (Array.isArray(v)) return v.map(wire);
  if (v !== null && typeof v === "object") {
    const out: Params = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || x === null || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = wire(x);
    }
    return out;
  }
  return v;
}

/** A query string as parameters: a key given once is a string, given more often a list. */
export function queryParams(q: URLSearchParams): Params {
  const out: Params = {};
  for (const k of new Set(q.keys())) {
    const all = q.getAll(k);
    out[k] = all.length > 1 ? all : all[0];
  }
  return out;
}

/**
 * A JSON body as parameters. Empty is `{}`; a JSON string holding an object is decoded once more (older MLflow
 * clients double-encode, and MLflow's server accepts it); anything but an object is refused.
 */
export function bodyParams(text: string): Params {
  if (text.trim() === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
    if (typeof v === "string") v = JSON.parse(v);
  } catch {
    throw invalid("Malformed request: the body is not valid JSON");
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw invalid("Malformed request: the body must be a JSON object");
  }
  return v as Params;
}
