/**
 * MLflow 2.12's search filter and order_by syntax, for the stores that search in memory (the file store, tests).
 * Isomorphic: no Node imports.
 *
 * Filter: clauses joined by AND (case-insensitive; there is no OR), each `<entity>.<key> <comparator> <value>`:
 * - `metrics.<key>` (also `metric`): `= != < <= > >=` against a number.
 * - `params.<key>` (`param`, `parameter`, `parameters`), `tags.<key>` (`tag`): `= != LIKE ILIKE` against a quoted
 *   string.
 * - `attributes.<key>` (`attribute`, `attr`, `run`): `start_time`, `end_time` (alias `created`) numeric; `run_id`,
 *   `run_name` (alias `run name`), `status`, `artifact_uri`, `user_id` string (`= != LIKE ILIKE`; `run_id` also
 *   `IN (...)`/`NOT IN (...)`). `lifecycle_stage` is not searchable, as in MLflow (the view type selects it).
 * - `datasets.name|digest|context` (also `dataset`): `= != LIKE ILIKE IN NOT IN`; matches when any of the run's
 *   dataset inputs does.
 * Keys may be quoted with backticks, double or single quotes (`metrics.\`cv/f1\``, `params."my key"`) and may
 * contain dots (`tags.mlflow.runName`). String values are in single or double quotes (a doubled quote inside stands
 * for one). LIKE/ILIKE take `%` (any run of characters) and `_` (one character).
 * A run without the metric, param, tag or attribute value (end_time null) a clause names does not match it, even
 * with `!=`, as in MLflow.
 *
 * Errors are HandgestureError(INVALID_PARAMETER_VALUE) naming the filter, the bad token and its 1-based column.
 */
import { HandgestureError } from "../core/errors.js";
import type { Experiment, LoggedModel, LoggedModelMetric, ModelVersion, Run, Tag } from "./entities.js";
import { LOGGED_MODEL_STATUS_CODES } from "./entities.js";

export type EntityType = "metric" | "parameter" | "tag" | "attribute" | "dataset";
export type Comparator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";

/** One parsed clause: keys are unquoted and aliases resolved (`created` → `start_time`). */
export interface Clause {
  type: EntityType;
  key: string;
  comparator: Comparator;
  /** A number for numeric keys, a string for string keys, a list for IN / NOT IN. */
  value: number | string | string[];
}

export interface OrderByKey {
  type: Exclude<EntityType, "dataset">;
  key: string;
  ascending: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Scanner: the grammar shared by every search (runs, experiments, registered models, model versions)

type RawValue =
  | { kind: "number"; value: number; text: string }
  | { kind: "string"; value: string; text: string }
  | { kind: "list"; values: string[]; text: string };

interface RawIdentifier {
  /** null when the identifier has no `<entity>.` prefix (allowed for experiment and registry searches). */
  entity: string | null;
  key: string;
  /** The identifier as written. */
  text: string;
  pos: number;
}

interface RawClause {
  id: RawIdentifier;
  comparator: string;
  comparatorPos: number;
  value: RawValue;
  valuePos: number;
}

const NUMERIC_OPS: readonly Comparator[] = ["=", "!=", "<", "<=", ">", ">="];
const STRING_OPS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE"];
const STRING_LIST_OPS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];
const LIST_OPS: readonly Comparator[] = ["IN", "NOT IN"];
const ALL_OPS: readonly Comparator[] = ["=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"];

const QUOTES = new Set(["'", '"', "`"]);
/** Characters that end an unquoted key. */
const KEY_STOP = /[\s=!<>(),'"`]/;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;

class Scanner {
  pos = 0;
  constructor(
    readonly src: string,
    /** "filter" or "order_by clause": the first words of every error. */
    readonly what: string,
  ) {}

  fail(detail: string, pos = this.pos): never {
    throw new HandgestureError(`Invalid ${this.what} '${this.src}': ${detail} at column ${pos + 1}`);
  }

  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /** The token at pos, for error messages. */
  peekToken(): string {
    if (this.atEnd()) return "end of input";
    const rest = this.src.slice(this.pos);
    const m = /^(?:[A-Za-z0-9_.]+|[=!<>]+|\S)/.exec(rest);
    return `'${m ? m[0] : rest[0]}'`;
  }

  word(): string | null {
    WORD.lastIndex = this.pos;
    const m = WORD.exec(this.src);
    if (!m) return null;
    this.pos += m[0].length;
    return m[0];
  }

  /** A quoted run starting at pos (which holds the quote); a doubled quote inside stands for one. */
  quoted(): string {
    const q = this.src[this.pos];
    const start = this.pos;
    let out = "";
    let i = this.pos + 1;
    for (;;) {
      if (i >= this.src.length) this.fail(`unclosed quote ${q}`, start);
      const c = this.src[i];
      if (c === q) {
        if (this.src[i + 1] === q) {
          out += q;
          i += 2;
          continue;
        }
        break;
      }
      out += c;
      i++;
    }
    this.pos = i + 1;
    return out;
  }

  identifier(): RawIdentifier {
    this.skipSpace();
    const pos = this.pos;
    if (this.atEnd()) this.fail("expected an identifier such as metrics.<key>, found end of input");
    const c = this.src[this.pos];
    if (QUOTES.has(c)) {
      // A quoted identifier without an entity: `"name"`.
      const key = this.quoted();
      return { entity: null, key, text: this.src.slice(pos, this.pos), pos };
    }
    const entity = this.word();
    if (entity === null) this.fail(`expected an identifier such as metrics.<key>, found ${this.peekToken()}`);
    if (this.src[this.pos] !== ".") return { entity: null, key: entity, text: entity, pos };
    this.pos++;
    let key: string;
    const keyPos = this.pos;
    if (QUOTES.has(this.src[this.pos] ?? "")) {
      key = this.quoted();
    } else {
      while (this.pos < this.src.length && !KEY_STOP.test(this.src[this.pos])) this.pos++;
      key = this.src.slice(keyPos, this.pos);
    }
    if (key === "") this.fail(`empty key after '${entity}.'`, keyPos);
    return { entity, key, text: this.src.slice(pos, this.pos), pos };
  }

  comparator(after: string): { op: string; pos: number } {
    this.skipSpace();
    const pos = this.pos;
    if (this.atEnd()) this.fail(`expected a comparator after '${after}', found end of input`);
    const c = this.src[this.pos];
    if ("=!<>".includes(c)) {
      while (this.pos < this.src.length && "=!<>".includes(this.src[this.pos])) this.pos++;
      return { op: this.src.slice(pos, this.pos), pos };
    }
    const w = this.word();
    if (w === null) this.fail(`expected a comparator after '${after}', found ${this.peekToken()}`);
    const upper = w.toUpperCase();
    if (upper === "NOT") {
      this.skipSpace();
      const inPos = this.pos;
      const next = this.word();
      if (next === null || next.toUpperCase() !== "IN") {
        this.pos = inPos;
        this.fail(`expected IN after NOT, found ${this.peekToken()}`);
      }
      return { op: "NOT IN", pos };
    }
    return { op: upper, pos };
  }

  value(): { value: RawValue; pos: number } {
    this.skipSpace();
    const pos = this.pos;
    if (this.atEnd()) this.fail("expected a value, found end of input");
    const c = this.src[this.pos];
    if (c === "'" || c === '"') {
      const value = this.quoted();
      return { value: { kind: "string", value, text: this.src.slice(pos, this.pos) }, pos };
    }
    if (c === "(") {
      this.pos++;
      const values: string[] = [];
      for (;;) {
        this.skipSpace();
        const q = this.src[this.pos];
        if (q !== "'" && q !== '"') {
          this.fail(`expected a quoted string in the list, found ${this.peekToken()}`);
        }
        values.push(this.quoted());
        this.skipSpace();
        if (this.src[this.pos] === ",") {
          this.pos++;
          continue;
        }
        if (this.src[this.pos] === ")") {
          this.pos++;
          break;
        }
        if (this.atEnd()) this.fail("unclosed parenthesis", pos);
        this.fail(`expected ',' or ')' in the list, found ${this.peekToken()}`);
      }
      return { value: { kind: "list", values, text: this.src.slice(pos, this.pos) }, pos };
    }
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.src);
    if (m) {
      const end = this.pos + m[0].length;
      if (end >= this.src.length || KEY_STOP.test(this.src[end])) {
        this.pos = end;
        return { value: { kind: "number", value: Number(m[0]), text: m[0] }, pos };
      }
    }
    return this.fail(`expected a quoted string or a number, found ${this.peekToken()}`);
  }

  /** The clauses of a filter; [] for an empty or blank one. */
  clauses(): RawClause[] {
    const out: RawClause[] = [];
    this.skipSpace();
    if (this.atEnd()) return out;
    for (;;) {
      const id = this.identifier();
      const { op, pos: comparatorPos } = this.comparator(id.text);
      const { value, pos: valuePos } = this.value();
      out.push({ id, comparator: op, comparatorPos, value, valuePos });
      this.skipSpace();
      if (this.atEnd()) return out;
      const joinPos = this.pos;
      const w = this.word();
      const upper = w?.toUpperCase();
      if (upper === "AND" && (this.atEnd() || /\s/.test(this.src[this.pos]))) {
        this.skipSpace();
        if (this.atEnd()) this.fail("expected a clause after AND, found end of input");
        continue;
      }
      this.pos = joinPos;
      if (upper === "OR") this.fail("OR is not supported (join clauses with AND)");
      this.fail(`expected AND or the end of the filter, found ${this.peekToken()}`);
    }
  }
}

/** The checked comparator and value of a raw clause against the comparators and value kind its key allows. */
function checkClause(
  s: Scanner,
  raw: RawClause,
  type: EntityType,
  key: string,
  kind: "number" | "string",
  ops: readonly Comparator[],
): Clause {
  const op = raw.comparator as Comparator;
  const name = raw.id.text;
  if (!ALL_OPS.includes(op)) s.fail(`invalid comparator '${raw.comparator}'`, raw.comparatorPos);
  if (!ops.includes(op)) {
    s.fail(`comparator '${op}' is not allowed on ${name} (allowed: ${ops.join(", ")})`, raw.comparatorPos);
  }
  const v = raw.value;
  if (LIST_OPS.includes(op)) {
    if (v.kind !== "list") s.fail(`${op} needs a parenthesised list of quoted strings, found ${v.text}`, raw.valuePos);
    return { type, key, comparator: op, value: v.values };
  }
  if (v.kind === "list") s.fail(`a list is only allowed with IN or NOT IN, found ${v.text}`, raw.valuePos);
  if (kind === "number") {
    if (v.kind !== "number") s.fail(`${name} needs a number, found ${v.text}`, raw.valuePos);
    return { type, key, comparator: op, value: v.value };
  }
  if (v.kind !== "string") s.fail(`${name} needs a quoted string, found ${v.text}`, raw.valuePos);
  return { type, key, comparator: op, value: v.value };
}

// ---------------------------------------------------------------------------------------------------------------
// Runs

const ENTITY_ALIASES: Readonly<Record<string, EntityType>> = {
  metric: "metric",
  metrics: "metric",
  param: "parameter",
  params: "parameter",
  parameter: "parameter",
  parameters: "parameter",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
  dataset: "dataset",
  datasets: "dataset",
};

const ATTRIBUTE_ALIASES: Readonly<Record<string, string>> = {
  created: "start_time",
  Created: "start_time",
  "run name": "run_name",
  "Run name": "run_name",
  "Run Name": "run_name",
};
const NUMERIC_RUN_ATTRIBUTES = new Set(["start_time", "end_time"]);
const SEARCHABLE_RUN_ATTRIBUTES = ["artifact_uri", "end_time", "run_id", "run_name", "start_time", "status", "user_id"];
const ORDERABLE_RUN_ATTRIBUTES = [
  "artifact_uri",
  "end_time",
  "experiment_id",
  "lifecycle_stage",
  "run_id",
  "run_name",
  "start_time",
  "status",
  "user_id",
];
const DATASET_KEYS = ["name", "digest", "context"];

function runEntity(s: Scanner, id: RawIdentifier): EntityType {
  if (id.entity === null) {
    s.fail(`expected '<entity>.<key>' (metrics, params, tags, attributes or datasets), found '${id.text}'`, id.pos);
  }
  const type = ENTITY_ALIASES[id.entity];
  if (type === undefined) {
    s.fail(`unknown entity '${id.entity}' (expected metrics, params, tags, attributes or datasets)`, id.pos);
  }
  return type;
}

/** Parses a run filter (MLflow's search_runs syntax) into clauses; [] for undefined, empty or blank. */
export function parseFilter(filter: string | undefined): Clause[] {
  if (filter === undefined) return [];
  const s: Scanner = new Scanner(filter, "filter");
  return s.clauses().map((raw) => runClause(s, raw));
}

/** A metrics.<k> (a number), params.<k> or tags.<k> (a string) clause, as runs and logged models share them. */
function entryClause(s: Scanner, raw: RawClause, type: "metric" | "parameter" | "tag"): Clause {
  return type === "metric"
    ? checkClause(s, raw, type, raw.id.key, "number", NUMERIC_OPS)
    : checkClause(s, raw, type, raw.id.key, "string", STRING_OPS);
}

function runClause(s: Scanner, raw: RawClause): Clause {
  const type = runEntity(s, raw.id);
  const key = raw.id.key;
  switch (type) {
    case "metric":
    case "parameter":
    case "tag":
      return entryClause(s, raw, type);
    case "dataset":
      if (!DATASET_KEYS.includes(key)) {
        s.fail(`unknown dataset key '${key}' (expected ${DATASET_KEYS.join(", ")})`, raw.id.pos);
      }
      return checkClause(s, raw, type, key, "string", STRING_LIST_OPS);
    case "attribute": {
      const attr = ATTRIBUTE_ALIASES[key] ?? key;
      if (!SEARCHABLE_RUN_ATTRIBUTES.includes(attr)) {
        s.fail(`unknown attribute '${key}' (expected ${SEARCHABLE_RUN_ATTRIBUTES.join(", ")})`, raw.id.pos);
      }
      if (NUMERIC_RUN_ATTRIBUTES.has(attr)) return checkClause(s, raw, type, attr, "number", NUMERIC_OPS);
      return checkClause(s, raw, type, attr, "string", attr === "run_id" ? STRING_LIST_OPS : STRING_OPS);
    }
  }
}

const likeCache = new Map<string, RegExp>();

/** SQL LIKE: `%` any run of characters, `_` exactly one; everything else literal. */
function likeRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = `${ignoreCase ? "i" : "c"}${pattern}`;
  let re = likeCache.get(cacheKey);
  if (re === undefined) {
    let body = "";
    for (const ch of pattern) {
      if (ch === "%") body += "[\\s\\S]*";
      else if (ch === "_") body += "[\\s\\S]";
      else body += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
    re = new RegExp(`^${body}$`, ignoreCase ? "iu" : "u");
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(cacheKey, re);
  }
  return re;
}

/** Compares a present value against a clause; false for a missing one (undefined or null). */
function compare(lhs: number | string | null | undefined, op: Comparator, rhs: Clause["value"]): boolean {
  if (lhs === undefined || lhs === null) return false;
  if (Array.isArray(rhs)) {
    const found = rhs.includes(String(lhs));
    return op === "IN" ? found : !found;
  }
  switch (op) {
    case "=":
      return lhs === rhs;
    case "!=":
      return lhs !== rhs;
    case "<":
      return lhs < rhs;
    case "<=":
      return lhs <= rhs;
    case ">":
      return lhs > rhs;
    case ">=":
      return lhs >= rhs;
    case "LIKE":
    case "ILIKE":
      return likeRegExp(String(rhs), op === "ILIKE").test(String(lhs));
    default:
      return false;
  }
}

function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  if (tags === undefined) return undefined;
  for (const t of tags) if (t.key === key) return t.value;
  return undefined;
}

function runAttribute(run: Run, key: string): number | string | null | undefined {
  const v = (run.info as unknown as Record<string, unknown>)[key];
  return typeof v === "number" || typeof v === "string" ? v : null;
}

function matchesClause(run: Run, c: Clause): boolean {
  switch (c.type) {
    case "metric": {
      const m = run.data.metrics.find((x) => x.key === c.key);
      return compare(m?.value, c.comparator, c.value);
    }
    case "parameter":
      return compare(tagValue(run.data.params, c.key), c.comparator, c.value);
    case "tag":
      return compare(tagValue(run.data.tags, c.key), c.comparator, c.value);
    case "attribute":
      return compare(runAttribute(run, c.key), c.comparator, c.value);
    case "dataset":
      return (run.inputs?.dataset_inputs ?? []).some((input) => {
        const v =
          c.key === "context"
            ? tagValue(input.tags, "mlflow.data.context")
            : c.key === "name"
              ? input.dataset.name
              : input.dataset.digest;
        return compare(v, c.comparator, c.value);
      });
  }
}

/** Whether the run satisfies every clause. */
export function matchesRun(run: Run, clauses: Clause[]): boolean {
  return clauses.every((c) => matchesClause(run, c));
}

/** Parses order_by entries such as "metrics.f1 DESC", "attributes.start_time", "params.model ASC" (default ASC). */
export function parseOrderBy(list: readonly string[] | undefined): OrderByKey[] {
  return (list ?? []).map((entry) => {
    const s: Scanner = new Scanner(entry, "order_by clause");
    const id = s.identifier();
    const entity = runEntity(s, id);
    if (entity === "dataset") s.fail("datasets cannot be ordered by", id.pos);
    const type: OrderByKey["type"] = entity;
    let key = id.key;
    if (type === "attribute") {
      key = ATTRIBUTE_ALIASES[key] ?? key;
      if (!ORDERABLE_RUN_ATTRIBUTES.includes(key)) {
        s.fail(`unknown attribute '${id.key}' (expected ${ORDERABLE_RUN_ATTRIBUTES.join(", ")})`, id.pos);
      }
    }
    return { type, key, ascending: direction(s) };
  });
}

/** The optional ASC / DESC at the end of an order_by entry. */
function direction(s: Scanner): boolean {
  s.skipSpace();
  if (s.atEnd()) return true;
  const pos = s.pos;
  const w = s.word()?.toUpperCase();
  if (w !== "ASC" && w !== "DESC") {
    s.pos = pos;
    s.fail(`expected ASC or DESC, found ${s.peekToken()}`);
  }
  s.skipSpace();
  if (!s.atEnd()) s.fail(`unexpected ${s.peekToken()} after ${w}`);
  return w === "ASC";
}

type SortValue = number | string | null | undefined;

/** Compares two sort values; missing and NaN values go last whatever the direction (as MLflow). */
function compareSortValues(a: SortValue, b: SortValue, ascending: boolean): number {
  const aMissing = a === undefined || a === null || Number.isNaN(a);
  const bMissing = b === undefined || b === null || Number.isNaN(b);
  if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  const c = a! < b! ? -1 : a! > b! ? 1 : 0;
  return ascending ? c : -c;
}

function runSortValue(run: Run, k: OrderByKey): SortValue {
  switch (k.type) {
    case "metric":
      return run.data.metrics.find((x) => x.key === k.key)?.value;
    case "parameter":
      return tagValue(run.data.params, k.key);
    case "tag":
      return tagValue(run.data.tags, k.key);
    case "attribute":
      return runAttribute(run, k.key);
  }
}

/** Sorts by the keys, then start_time DESC, then run_id ASC (MLflow's order when none is given). */
export function sortRuns(runs: readonly Run[], orderBy: readonly OrderByKey[]): Run[] {
  return [...runs].sort((a, b) => {
    for (const k of orderBy) {
      const c = compareSortValues(runSortValue(a, k), runSortValue(b, k), k.ascending);
      if (c !== 0) return c;
    }
    if (a.info.start_time !== b.info.start_time) return b.info.start_time - a.info.start_time;
    return a.info.run_id < b.info.run_id ? -1 : a.info.run_id > b.info.run_id ? 1 : 0;
  });
}

/** The runs matching the filter, ordered by orderBy (a new array; the input is left as it is). */
export function filterRuns(runs: readonly Run[], filter: string | undefined, orderBy: string[] | undefined): Run[] {
  const clauses = parseFilter(filter);
  const keys = parseOrderBy(orderBy);
  return sortRuns(
    runs.filter((r) => matchesRun(r, clauses)),
    keys,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Experiments and the registry: `attributes.` may be left out (`name = 'x'`)

type Resolve = (s: Scanner, raw: RawClause) => Clause;

function parseWith(filter: string | undefined, resolve: Resolve): Clause[] {
  if (filter === undefined) return [];
  const s: Scanner = new Scanner(filter, "filter");
  return s.clauses().map((raw) => resolve(s, raw));
}

/** `tags.<k>` / `tag.<k>` → "tag"; no prefix, `attribute(s).<k>` → "attribute"; anything else an error. */
function registryEntity(s: Scanner, id: RawIdentifier): "tag" | "attribute" {
  if (id.entity === null) return "attribute";
  const type = ENTITY_ALIASES[id.entity];
  if (type === "tag" || type === "attribute") return type;
  return s.fail(`unknown entity '${id.entity}' (expected attributes or tags)`, id.pos);
}

/** Resolves an attribute key against a table of key → [value kind, comparators]. */
function resolveAttribute(
  s: Scanner,
  raw: RawClause,
  table: Readonly<Record<string, readonly ["number" | "string", readonly Comparator[]]>>,
): Clause {
  const type = registryEntity(s, raw.id);
  if (type === "tag") return checkClause(s, raw, "tag", raw.id.key, "string", STRING_OPS);
  const spec = Object.hasOwn(table, raw.id.key) ? table[raw.id.key] : undefined;
  if (spec === undefined) {
    s.fail(`unknown attribute '${raw.id.key}' (expected ${Object.keys(table).join(", ")} or tags.<key>)`, raw.id.pos);
  }
  return checkClause(s, raw, "attribute", raw.id.key, spec[0], spec[1]);
}

const EXPERIMENT_ATTRIBUTES = {
  name: ["string", STRING_OPS],
  creation_time: ["number", NUMERIC_OPS],
  last_update_time: ["number", NUMERIC_OPS],
} as const;

/** Parses a search_experiments filter: name, creation_time, last_update_time, tags.<key>. */
export function parseExperimentFilter(filter: string | undefined): Clause[] {
  return parseWith(filter, (s, raw) => resolveAttribute(s, raw, EXPERIMENT_ATTRIBUTES));
}

/** The experiments matching a search_experiments filter (order kept). */
export function filterExperiments<T extends Experiment>(experiments: readonly T[], filter: string | undefined): T[] {
  const clauses = parseExperimentFilter(filter);
  return experiments.filter((e) =>
    clauses.every((c) => {
      const lhs = c.type === "tag" ? tagValue(e.tags, c.key) : (e as unknown as Record<string, number | string>)[c.key];
      return compare(lhs, c.comparator, c.value);
    }),
  );
}

const EXPERIMENT_ORDER_KEYS = ["name", "experiment_id", "creation_time", "last_update_time"];

/**
 * Orders experiments by order_by entries over name, experiment_id, creation_time, last_update_time (optionally
 * `attributes.`-prefixed; ASC by default), then creation_time DESC, then experiment_id ASC (MLflow's default).
 */
export function sortExperiments<T extends Experiment>(experiments: readonly T[], orderBy: string[] | undefined): T[] {
  const keys = (orderBy ?? []).map((entry) => {
    const s: Scanner = new Scanner(entry, "order_by clause");
    const id = s.identifier();
    if ((id.entity !== null && ENTITY_ALIASES[id.entity] !== "attribute") || !EXPERIMENT_ORDER_KEYS.includes(id.key)) {
      s.fail(`cannot order experiments by '${id.text}' (expected ${EXPERIMENT_ORDER_KEYS.join(", ")})`, id.pos);
    }
    return { key: id.key as keyof Experiment, ascending: direction(s) };
  });
  return [...experiments].sort((a, b) => {
    for (const k of keys) {
      const c = compareSortValues(a[k.key] as SortValue, b[k.key] as SortValue, k.ascending);
      if (c !== 0) return c;
    }
    if (a.creation_time !== b.creation_time) return b.creation_time - a.creation_time;
    return a.experiment_id < b.experiment_id ? -1 : a.experiment_id > b.experiment_id ? 1 : 0;
  });
}

const MODEL_ATTRIBUTES = { name: ["string", STRING_OPS] } as const;

/** Parses a search_registered_models filter: name, tags.<key> (the SQL store translates the clauses). */
export function parseRegisteredModelFilter(filter: string | undefined): Clause[] {
  return parseWith(filter, (s, raw) => resolveAttribute(s, raw, MODEL_ATTRIBUTES));
}

/**
 * MLflow 3's client adds ``tag.`mlflow.prompt.is_prompt` != 'true'`` to every registry search (prompts live in
 * the registry too): a model without that tag is no prompt, so a missing tag reads as 'false', as MLflow's stores do.
 */
export const IS_PROMPT_TAG = "mlflow.prompt.is_prompt";
const registryTagValue = (tags: Tag[] | undefined, key: string): string | undefined =>
  tagValue(tags, key) ?? (key === IS_PROMPT_TAG ? "false" : undefined);

/**
 * The items matching a search_registered_models filter: `name = 'x'`, `name LIKE 'x%'`, `name ILIKE ...`,
 * `name != ...`, and `tags.<key>` comparisons for items that have tags; joined by AND. Order kept.
 */
export function filterByName<T extends { name: string; tags?: Tag[] }>(
  items: readonly T[],
  filter: string | undefined,
): T[] {
  const clauses = parseRegisteredModelFilter(filter);
  return items.filter((item) =>
    clauses.every((c) =>
      compare(c.type === "tag" ? registryTagValue(item.tags, c.key) : item.name, c.comparator, c.value),
    ),
  );
}

const MODEL_VERSION_ATTRIBUTES = {
  name: ["string", STRING_OPS],
  run_id: ["string", ["=", "!=", "IN", "NOT IN"]],
  source_path: ["string", STRING_OPS],
  version_number: ["number", NUMERIC_OPS],
} as const;

/** Parses a search_model_versions filter: name, run_id (also IN / NOT IN), source_path, version_number, tags.<key>. */
export function parseModelVersionFilter(filter: string | undefined): Clause[] {
  return parseWith(filter, (s, raw) => resolveAttribute(s, raw, MODEL_VERSION_ATTRIBUTES));
}

function modelVersionValue(v: ModelVersion, c: Clause): number | string | undefined {
  if (c.type === "tag") return registryTagValue(v.tags, c.key);
  switch (c.key) {
    case "name":
      return v.name;
    case "run_id":
      return v.run_id;
    case "source_path":
      return v.source;
    case "version_number":
      return Number(v.version);
    default:
      return undefined;
  }
}

/** The model versions matching a search_model_versions filter (order kept). */
export function filterModelVersions<T extends ModelVersion>(versions: readonly T[], filter: string | undefined): T[] {
  const clauses = parseModelVersionFilter(filter);
  return versions.filter((v) => clauses.every((c) => compare(modelVersionValue(v, c), c.comparator, c.value)));
}

// ---------------------------------------------------------------------------------------------------------------
// Logged models (MLflow 3's SearchLoggedModelsUtils): `name`, `model_id`, `model_type`, `source_run_id` strings
// (also IN / NOT IN), `status` as the stored integer (`status = 2`; a string such as 'READY' matches nothing),
// `creation_timestamp` / `creation_time` / `last_updated_timestamp` / `last_updated_time` numbers, `metrics.<k>`,
// `params.<k>`, `tags.<k>`; `attributes.` may be left out.

const LOGGED_MODEL_STRING_ATTRIBUTES = new Set(["name", "model_id", "model_type", "source_run_id"]);
const LOGGED_MODEL_TIME_ALIASES: Readonly<Record<string, string>> = {
  creation_time: "creation_timestamp_ms",
  creation_timestamp: "creation_timestamp_ms",
  last_updated_time: "last_updated_timestamp_ms",
  last_updated_timestamp: "last_updated_timestamp_ms",
};

function loggedModelClause(s: Scanner, raw: RawClause): Clause {
  const type = raw.id.entity === null ? "attribute" : ENTITY_ALIASES[raw.id.entity];
  const key = raw.id.key;
  switch (type) {
    case "metric":
    case "parameter":
    case "tag":
      return entryClause(s, raw, type);
    case "attribute": {
      if (LOGGED_MODEL_STRING_ATTRIBUTES.has(key)) return checkClause(s, raw, type, key, "string", STRING_LIST_OPS);
      if (Object.hasOwn(LOGGED_MODEL_TIME_ALIASES, key)) {
        return checkClause(s, raw, type, LOGGED_MODEL_TIME_ALIASES[key], "number", NUMERIC_OPS);
      }
      if (key === "status") {
        return checkClause(s, raw, type, key, raw.value.kind === "string" ? "string" : "number", NUMERIC_OPS);
      }
      return s.fail(`Invalid logged model search key '${key}'`, raw.id.pos);
    }
    default:
      return s.fail(`unknown entity '${raw.id.entity}' (expected attributes, metrics, params or tags)`, raw.id.pos);
  }
}

/** Parses a search_logged_models filter into clauses; [] for undefined, empty or blank. */
export function parseLoggedModelFilter(filter: string | undefined): Clause[] {
  return parseWith(filter, loggedModelClause);
}

/** A dataset filter of search_logged_models: the name, and the digest when given. */
export interface LoggedModelDatasetFilter {
  dataset_name: string;
  dataset_digest?: string;
}

function onDataset(m: LoggedModelMetric, d: LoggedModelDatasetFilter): boolean {
  return m.dataset_name === d.dataset_name && (!d.dataset_digest || m.dataset_digest === d.dataset_digest);
}

function loggedModelValue(
  model: LoggedModel,
  c: Clause,
  datasets: readonly LoggedModelDatasetFilter[],
): number | string | undefined {
  switch (c.type) {
    case "metric": {
      const m = model.data.metrics.find(
        (x) => x.key === c.key && (datasets.length === 0 || datasets.some((d) => onDataset(x, d))),
      );
      return m?.value;
    }
    case "parameter":
      return tagValue(model.data.params, c.key);
    case "tag":
      return tagValue(model.info.tags, c.key);
    default: {
      if (c.key === "status")
        return typeof c.value === "string" ? undefined : LOGGED_MODEL_STATUS_CODES[model.info.status];
      const v = (model.info as unknown as Record<string, unknown>)[c.key];
      return typeof v === "number" || typeof v === "string" ? v : undefined;
    }
  }
}

/**
 * The models matching a filter and dataset filters, as MLflow 3: metric clauses only see metrics on the datasets;
 * with datasets but no metric clause, a model needs some metric on one of them. Order kept.
 */
export function filterLoggedModels<T extends LoggedModel>(
  models: readonly T[],
  filter: string | undefined,
  datasets: readonly LoggedModelDatasetFilter[] = [],
): T[] {
  const clauses = parseLoggedModelFilter(filter);
  return models.filter((model) => {
    if (datasets.length > 0 && !clauses.some((c) => c.type === "metric")) {
      if (!model.data.metrics.some((m) => datasets.some((d) => onDataset(m, d)))) return false;
    }
    return clauses.every((c) => compare(loggedModelValue(model, c, datasets), c.comparator, c.value));
  });
}

/** One search_logged_models order_by entry, as MLflow 3 sends it. */
export interface LoggedModelSortKey {
  field_name: string;
  ascending?: boolean;
  dataset_name?: string;
  dataset_digest?: string;
}

const LOGGED_MODEL_ORDER_FIELDS: Readonly<Record<string, keyof LoggedModel["info"]>> = {
  name: "name",
  model_id: "model_id",
  model_type: "model_type",
  status: "status",
  source_run_id: "source_run_id",
  creation_time: "creation_timestamp_ms",
  creation_timestamp: "creation_timestamp_ms",
  last_updated_time: "last_updated_timestamp_ms",
  last_updated_timestamp: "last_updated_timestamp_ms",
};

function invalidOrderBy(message: string): HandgestureError {
  return new HandgestureError(message, "INVALID_PARAMETER_VALUE");
}

/**
 * Sorts as MLflow 3: by the entries (attributes, or `metrics.<key>` by the newest point, on the entry's dataset
 * when given; models without it last), then creation time DESC, then model_id ASC. Bad entries are
 * INVALID_PARAMETER_VALUE `Invalid order by field name: <name>`.
 */
export function sortLoggedModels<T extends LoggedModel>(
  models: readonly T[],
  orderBy: readonly LoggedModelSortKey[] = [],
): T[] {
  const keys = orderBy.map((o) => {
    const field = typeof o?.field_name === "string" ? o.field_name.trim() : "";
    if (field === "") throw invalidOrderBy("`field_name` in the `order_by` clause must be specified.");
    if (o.dataset_digest && !o.dataset_name) {
      throw invalidOrderBy("`dataset_digest` can only be specified if `dataset_name` is also specified.");
    }
    const ascending = o.ascending ?? true;
    if (field.includes(".")) {
      const [entity, metric] = [field.slice(0, field.indexOf(".")), field.slice(field.indexOf(".") + 1)];
      if (entity !== "metrics")
        throw invalidOrderBy(`Invalid order by field name: ${entity}, only \`metrics.<name>\` is allowed.`);
      return {
        metric,
        ascending,
        dataset: o.dataset_name ? { dataset_name: o.dataset_name, dataset_digest: o.dataset_digest } : undefined,
      };
    }
    const attribute = LOGGED_MODEL_ORDER_FIELDS[field];
    if (attribute === undefined || !Object.hasOwn(LOGGED_MODEL_ORDER_FIELDS, field)) {
      throw invalidOrderBy(`Invalid order by field name: ${field}`);
    }
    return { attribute, ascending };
  });
  const value = (m: LoggedModel, k: (typeof keys)[number]): SortValue => {
    if ("attribute" in k) {
      const v = m.info[k.attribute as keyof LoggedModel["info"]];
      return typeof v === "number" || typeof v === "string" ? v : undefined;
    }
    let newest: LoggedModelMetric | undefined;
    for (const x of m.data.metrics) {
      if (x.key !== k.metric || (k.dataset && !onDataset(x, k.dataset))) continue;
      if (newest === undefined || x.timestamp > newest.timestamp) newest = x;
    }
    return newest?.value;
  };
  return [...models].sort((a, b) => {
    for (const k of keys) {
      const c = compareSortValues(value(a, k), value(b, k), k.ascending);
      if (c !== 0) return c;
    }
    if (a.info.creation_timestamp_ms !== b.info.creation_timestamp_ms) {
      return b.info.creation_timestamp_ms - a.info.creation_timestamp_ms;
    }
    return a.info.model_id < b.info.model_id ? -1 : a.info.model_id > b.info.model_id ? 1 : 0;
  });
}
