/**
 * MLflow's search syntax (parsed by ../search.ts, so every store accepts and refuses the same filters) translated
 * into SQL WHERE and ORDER BY with bound parameters: the database filters, orders and pages; nothing is loaded to
 * be thrown away. A missing metric, param, tag or NULL attribute never matches a clause, even `!=` (as the file
 * store); missing sort values go last in both directions.
 */

import type { ViewType } from "../entities.js";
import type { Clause, Comparator } from "../search.js";
import {
  IS_PROMPT_TAG,
  parseExperimentFilter,
  parseFilter,
  parseLoggedModelFilter,
  parseModelVersionFilter,
  parseOrderBy,
  parseRegisteredModelFilter,
  sortExperiments,
} from "../search.js";
import type { LoggedModelOrderBy } from "../store.js";
import { invalid } from "./context.js";
import type { SqlExec, SqlValue } from "./db.js";

export interface SqlFragment {
  where: string;
  orderBy: string;
  params: SqlValue[];
}

/** LIKE's `%` and `_` as GLOB's `*` and `?`, everything else literal (SQLite's LIKE ignores case). */
function likeToGlob(pattern: string): string {
  let out = "";
  for (const ch of pattern) {
    if (ch === "%") out += "*";
    else if (ch === "_") out += "?";
    else if (ch === "*" || ch === "?" || ch === "[") out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

/** `<expr> <op> <value>` with the value bound; LIKE case-sensitive and ILIKE not, in both dialects. */
function compare(db: SqlExec, expr: string, op: Comparator, value: Clause["value"], params: SqlValue[]): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return op === "IN" ? "1 = 0" : `${expr} IS NOT NULL`;
    params.push(...value);
    return `${expr} ${op} (${value.map(() => "?").join(", ")})`;
  }
  if (op === "LIKE") {
    if (db.dialect === "sqlite") {
      params.push(likeToGlob(String(value)));
      return `${expr} GLOB ?`;
    }
    params.push(String(value));
    return `${expr} LIKE ? ESCAPE ''`;
  }
  if (op === "ILIKE") {
    params.push(String(value));
    return db.dialect === "sqlite" ? `lower(${expr}) LIKE lower(?)` : `${expr} ILIKE ? ESCAPE ''`;
  }
  params.push(value);
  return `${expr} ${op} ?`;
}

/** A comparison on a stored metric value that may be NaN (is_nan): NaN equals nothing and differs from all. */
function metricCompare(db: SqlExec, value: string, isNan: string, c: Clause, params: SqlValue[]): string {
  const base = compare(db, value, c.comparator, c.value, params);
  return c.comparator === "!=" ? `(${isNan} = TRUE OR ${base})` : `${isNan} = FALSE AND ${base}`;
}

function viewWhere(alias: string, view: ViewType): string {
  if (view === "ALL") return "1 = 1";
  return `${alias}.lifecycle_stage = '${view === "DELETED_ONLY" ? "deleted" : "active"}'`;
}

function text(db: SqlExec, expr: string): string {
  return db.dialect === "postgres" ? `${expr} COLLATE "C"` : expr;
}

// ---- runs

const RUN_COLUMNS: Readonly<Record<string, string>> = {
  run_id: "r.run_uuid",
  run_name: "r.name",
  status: "r.status",
  artifact_uri: "r.artifact_uri",
  user_id: "r.user_id",
  start_time: "r.start_time",
  end_time: "r.end_time",
  experiment_id: "r.experiment_id",
  lifecycle_stage: "r.lifecycle_stage",
};
const NUMERIC_RUN_COLUMNS = new Set(["start_time", "end_time", "experiment_id"]);

function runClause(db: SqlExec, c: Clause, params: SqlValue[]): string {
  switch (c.type) {
    case "metric": {
      params.push(c.key);
      const cond = metricCompare(db, "m.value", "m.is_nan", c, params);
      return `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = r.run_uuid AND m.key = ? AND ${cond})`;
    }
    case "parameter":
    case "tag": {
      const table = c.type === "tag" ? "tags" : "params";
      params.push(c.key);
      const cond = compare(db, "x.value", c.comparator, c.value, params);
      return `EXISTS (SELECT 1 FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ? AND ${cond})`;
    }
    case "attribute":
      return compare(db, RUN_COLUMNS[c.key], c.comparator, c.value, params);
    case "dataset": {
      const head =
        "EXISTS (SELECT 1 FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id" +
        (c.key === "context"
          ? " JOIN input_tags it ON it.input_uuid = i.input_uuid AND it.name = 'mlflow.data.context'"
          : "") +
        " WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id = r.run_uuid AND ";
      const expr = c.key === "context" ? "it.value" : c.key === "name" ? "d.name" : "d.digest";
      return `${head}${compare(db, expr, c.comparator, c.value, params)})`;
    }
  }
}

/** WHERE and ORDER BY over `runs r` for searchRuns; experimentIds are the integer keys. */
export function runSearchSql(
  db: SqlExec,
  experimentIds: (number | string)[],
  view: ViewType,
  filter: string | undefined,
  orderBy: string[] | undefined,
): SqlFragment {
  const clauses = parseFilter(filter);
  const keys = parseOrderBy(orderBy);
  const params: SqlValue[] = [...experimentIds];
  const where = [`r.experiment_id IN (${experimentIds.map(() => "?").join(", ")})`, viewWhere("r", view)];
  for (const c of clauses) where.push(runClause(db, c, params));
  const order: string[] = [];
  for (const k of keys) {
    const dir = k.ascending ? "ASC" : "DESC";
    if (k.type === "metric") {
      params.push(k.key);
      order.push(
        `(SELECT CASE WHEN m.is_nan = TRUE THEN NULL ELSE m.value END FROM latest_metrics m WHERE m.run_uuid = r.run_uuid AND m.key = ?) ${dir} NULLS LAST`,
      );
    } else if (k.type === "parameter" || k.type === "tag") {
      params.push(k.key);
      const table = k.type === "tag" ? "tags" : "params";
      order.push(
        `${text(db, `(SELECT x.value FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ?)`)} ${dir} NULLS LAST`,
      );
    } else {
      const col = RUN_COLUMNS[k.key];
      order.push(`${NUMERIC_RUN_COLUMNS.has(k.key) ? col : text(db, col)} ${dir} NULLS LAST`);
    }
  }
  order.push("r.start_time DESC", text(db, "r.run_uuid"));
  return { where: where.join(" AND "), orderBy: order.join(", "), params };
}

// ---- experiments

const EXPERIMENT_COLUMNS: Readonly<Record<string, string>> = {
  name: "e.name",
  experiment_id: "e.experiment_id",
  creation_time: "e.creation_time",
  last_update_time: "e.last_update_time",
};

export function experimentSearchSql(
  db: SqlExec,
  view: ViewType,
  filter: string | undefined,
  orderBy: string[] | undefined,
): SqlFragment {
  const clauses = parseExperimentFilter(filter);
  sortExperiments([], orderBy); // the same checks (and messages) as the file store's order_by
  const params: SqlValue[] = [];
  const where = ["e.workspace = 'default'", viewWhere("e", view)];
  for (const c of clauses) {
    if (c.type === "tag") {
      params.push(c.key);
      const cond = compare(db, "t.value", c.comparator, c.value, params);
      where.push(
        `EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ? AND ${cond})`,
      );
    } else {
      where.push(compare(db, EXPERIMENT_COLUMNS[c.key], c.comparator, c.value, params));
    }
  }
  const order: string[] = [];
  for (const entry of orderBy ?? []) {
    const m = /^\s*(?:\w+\.)?[`"']?(\w+)[`"']?\s*(ASC|DESC)?\s*$/i.exec(entry);
    if (!m) continue;
    const col = EXPERIMENT_COLUMNS[m[1]];
    order.push(
      `${m[1] === "name" ? text(db, col) : col} ${m[2]?.toUpperCase() === "DESC" ? "DESC" : "ASC"} NULLS LAST`,
    );
  }
  order.push("e.creation_time DESC", "e.experiment_id ASC");
  return { where: where.join(" AND "), orderBy: order.join(", "), params };
}

// ---- registry

/** The file registry's order_by rules: `<key> [ASC|DESC]`, `timestamp` = last_updated_timestamp, then name ASC. */
function registryOrder(
  db: SqlExec,
  orderBy: string[] | undefined,
  columns: Readonly<Record<string, string>>,
  fallback: string[],
): string {
  const keys = Object.keys(columns);
  const clauses = (orderBy && orderBy.length > 0 ? orderBy : fallback).map((clause) => {
    const m = /^\s*(\w+)\s*(ASC|DESC)?\s*$/i.exec(clause);
    const key = m?.[1].toLowerCase() === "timestamp" ? "last_updated_timestamp" : m?.[1].toLowerCase();
    if (!m || !key || !keys.includes(key)) {
      throw invalid(`invalid order_by '${clause}': one of ${keys.join(", ")} with ASC or DESC`);
    }
    return { key, desc: m[2]?.toUpperCase() === "DESC" };
  });
  if (!clauses.some((c) => c.key === "name")) clauses.push({ key: "name", desc: false });
  return clauses
    .map((c) => `${c.key === "name" ? text(db, columns[c.key]) : columns[c.key]} ${c.desc ? "DESC" : "ASC"}`)
    .join(", ");
}

export function registeredModelSearchSql(
  db: SqlExec,
  filter: string | undefined,
  orderBy: string[] | undefined,
): SqlFragment {
  const params: SqlValue[] = [];
  const where = ["rm.workspace = 'default'"];
  for (const c of parseRegisteredModelFilter(filter)) {
    if (c.type === "tag" && c.key === IS_PROMPT_TAG) {
      // MLflow 3's client adds `tags.mlflow.prompt.is_prompt != 'true'` to every registry search: no tag is 'false'.
      params.push(c.key);
      const value = `COALESCE((SELECT t.value FROM registered_model_tags t WHERE t.workspace = rm.workspace AND t.name = rm.name AND t.key = ?), 'false')`;
      where.push(compare(db, value, c.comparator, c.value, params));
    } else if (c.type === "tag") {
      params.push(c.key);
      const cond = compare(db, "t.value", c.comparator, c.value, params);
      where.push(
        `EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.workspace = rm.workspace AND t.name = rm.name AND t.key = ? AND ${cond})`,
      );
    } else where.push(compare(db, "rm.name", c.comparator, c.value, params));
  }
  const order = registryOrder(
    db,
    orderBy,
    { name: "rm.name", creation_timestamp: "rm.creation_time", last_updated_timestamp: "rm.last_updated_time" },
    ["name ASC"],
  );
  return { where: where.join(" AND "), orderBy: order, params };
}

const VERSION_COLUMNS: Readonly<Record<string, string>> = {
  name: "mv.name",
  run_id: "mv.run_id",
  source_path: "mv.source",
  version_number: "mv.version",
};

export function modelVersionSearchSql(
  db: SqlExec,
  filter: string | undefined,
  orderBy: string[] | undefined,
): SqlFragment {
  const params: SqlValue[] = [];
  const where = ["mv.workspace = 'default'", "mv.current_stage != 'Deleted_Internal'"];
  for (const c of parseModelVersionFilter(filter)) {
    if (c.type === "tag") {
      params.push(c.key);
      const cond = compare(db, "t.value", c.comparator, c.value, params);
      where.push(
        `EXISTS (SELECT 1 FROM model_version_tags t WHERE t.workspace = mv.workspace AND t.name = mv.name AND t.version = mv.version AND t.key = ? AND ${cond})`,
      );
    } else where.push(compare(db, VERSION_COLUMNS[c.key], c.comparator, c.value, params));
  }
  const order = registryOrder(
    db,
    orderBy,
    {
      name: "mv.name",
      version_number: "mv.version",
      creation_timestamp: "mv.creation_time",
      last_updated_timestamp: "mv.last_updated_time",
    },
    ["last_updated_timestamp DESC", "name ASC", "version_number DESC"],
  );
  return { where: where.join(" AND "), orderBy: order, params };
}

// ---- logged models

const LOGGED_MODEL_COLUMNS: Readonly<Record<string, string>> = {
  name: "lm.name",
  model_id: "lm.model_id",
  model_type: "lm.model_type",
  source_run_id: "lm.source_run_id",
  status: "lm.status",
  experiment_id: "lm.experiment_id",
  creation_time: "lm.creation_timestamp_ms",
  creation_timestamp: "lm.creation_timestamp_ms",
  creation_timestamp_ms: "lm.creation_timestamp_ms",
  last_updated_timestamp: "lm.last_updated_timestamp_ms",
  last_updated_timestamp_ms: "lm.last_updated_timestamp_ms",
};
const TEXT_LOGGED_MODEL_COLUMNS = new Set(["name", "model_id", "model_type", "source_run_id"]);

function datasetCondition(dataset: { dataset_name?: string; dataset_digest?: string } | undefined, params: SqlValue[]) {
  if (!dataset?.dataset_name) return "";
  params.push(dataset.dataset_name);
  if (!dataset.dataset_digest) return " AND mm.dataset_name = ?";
  params.push(dataset.dataset_digest);
  return " AND mm.dataset_name = ? AND mm.dataset_digest = ?";
}

export function loggedModelSearchSql(
  db: SqlExec,
  experimentIds: (number | string)[],
  filter: string | undefined,
  datasets: { dataset_name: string; dataset_digest?: string }[] | undefined,
  orderBy: LoggedModelOrderBy[] | undefined,
): SqlFragment {
  const params: SqlValue[] = [...experimentIds];
  const where = [`lm.experiment_id IN (${experimentIds.map(() => "?").join(", ")})`, "lm.lifecycle_stage = 'active'"];
  for (const c of parseLoggedModelFilter(filter)) {
    if (c.type === "metric") {
      params.push(c.key);
      const cond = compare(db, "mm.metric_value", c.comparator, c.value, params);
      where.push(
        `EXISTS (SELECT 1 FROM logged_model_metrics mm WHERE mm.model_id = lm.model_id AND mm.metric_name = ? AND ${cond})`,
      );
    } else if (c.type === "parameter" || c.type === "tag") {
      const [table, k, v] =
        c.type === "tag"
          ? ["logged_model_tags", "tag_key", "tag_value"]
          : ["logged_model_params", "param_key", "param_value"];
      params.push(c.key);
      const cond = compare(db, `x.${v}`, c.comparator, c.value, params);
      where.push(`EXISTS (SELECT 1 FROM ${table} x WHERE x.model_id = lm.model_id AND x.${k} = ? AND ${cond})`);
    } else {
      where.push(compare(db, LOGGED_MODEL_COLUMNS[c.key], c.comparator, c.value, params));
    }
  }
  const wanted = (datasets ?? []).filter((d) => d.dataset_name);
  if (datasets && datasets.length > 0 && wanted.length !== datasets.length) {
    throw invalid("`dataset_name` in the `datasets` clause must be specified.");
  }
  if (wanted.length > 0) {
    const any = wanted.map((d) => {
      const cond = datasetCondition(d, params);
      return `EXISTS (SELECT 1 FROM logged_model_metrics mm WHERE mm.model_id = lm.model_id${cond})`;
    });
    where.push(`(${any.join(" OR ")})`);
  }
  const order: string[] = [];
  for (const o of orderBy ?? []) {
    const dir = o.ascending === false ? "DESC" : "ASC";
    const field = String(o.field_name ?? "");
    if (field.startsWith("metrics.")) {
      params.push(field.slice("metrics.".length));
      const cond = datasetCondition(o, params);
      order.push(
        `(SELECT mm.metric_value FROM logged_model_metrics mm WHERE mm.model_id = lm.model_id AND mm.metric_name = ?${cond} ORDER BY mm.metric_timestamp_ms DESC, mm.metric_step DESC LIMIT 1) ${dir} NULLS LAST`,
      );
      continue;
    }
    const key = field.replace(/^attributes?\./, "");
    const col = LOGGED_MODEL_COLUMNS[key];
    if (col === undefined) throw invalid(`Invalid order by field name: ${field}`);
    order.push(`${TEXT_LOGGED_MODEL_COLUMNS.has(key) ? text(db, col) : col} ${dir} NULLS LAST`);
  }
  order.push("lm.creation_timestamp_ms DESC", text(db, "lm.model_id"));
  return { where: where.join(" AND "), orderBy: order.join(", "), params };
}
