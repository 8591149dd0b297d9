/**
 * MLflow's scoring-server input formats, parsed into rows that are read one at a time into a 63-value buffer in
 * the dataset's column order (x1, y1, z1, ..., z21). Columns are matched by name; extra columns are ignored.
 * Parsing checks the shape once per request; `fill` checks each value as it copies it, so predicting allocates
 * nothing per row.
 */
import { parseDecimal } from "../../core/csv.js";
import { COLUMNS, HAND_DIM } from "../../core/landmarks.js";
import { HttpError } from "../errors.js";

/** Rows of one request. */
export interface Rows {
  readonly count: number;
  /** Writes row i into `out` in COLUMNS order; throws a 400 naming the row and column of a value that is no number. */
  fill(i: number, out: Float64Array): void;
}

export interface ScoringInput {
  rows: Rows;
  /** MLflow's optional `"params"` (always an object; empty when not given). */
  params: Readonly<Record<string, unknown>>;
}

/** The JSON keys MLflow accepts, in the order its error message prints them. */
export const INPUT_KEYS = ["inputs", "dataframe_records", "dataframe_split", "instances"] as const;

const SUPPORTED = `{${INPUT_KEYS.map((k) => `'${k}'`).join(", ")}}`;
export const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields ${SUPPORTED}`;
const PROTOCOL_CHANGE_INFO =
  "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, " +
  "you are likely using an outdated scoring request format. To resolve the error, either update your request " +
  "format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, " +
  "change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow " +
  "client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use " +
  "the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, " +
  "see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.";

export function badRequest(message: string): HttpError {
  return new HttpError(400, "BAD_REQUEST", message);
}

export function invalidValue(message: string): HttpError {
  return new HttpError(400, "INVALID_PARAMETER_VALUE", message);
}

/** Python's repr of a list of strings, as MLflow prints column lists: ['x3', 'y3']. */
export function pyList(names: readonly string[]): string {
  return `[${names.map((n) => `'${n.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`).join(", ")}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function shown(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function notANumber(row: number, column: string, value: unknown): HttpError {
  return invalidValue(
    `Incompatible input types in row ${row}, column ${column}: expected a number, got ${shown(value)}`,
  );
}

/** Throws MLflow's "Model is missing inputs" unless every column is present; `extra` only feeds its note. */
function checkColumns(has: (column: string) => boolean, given: () => readonly string[]): void {
  const missing = COLUMNS.filter((c) => !has(c));
  if (missing.length === 0) return;
  const wanted = new Set(COLUMNS);
  const extra = given().filter((c) => !wanted.has(c));
  const note = extra.length ? ` Note that there were extra inputs: ${pyList(extra)}` : "";
  throw invalidValue(`Model is missing inputs ${pyList(missing)}.${note}`);
}

const NO_ROWS: Rows = { count: 0, fill: () => {} };
const IN_ORDER = Int32Array.from(COLUMNS, (_, k) => k);

/** Where each of the 63 columns sits among `names`; the last answer is kept, as clients send the same header. */
let lastNames: readonly unknown[] = [];
let lastIndex: Int32Array | undefined;
function columnIndex(names: readonly unknown[]): Int32Array {
  if (lastIndex && names.length === lastNames.length && names.every((n, i) => n === lastNames[i])) return lastIndex;
  const given = names.map(String);
  const at = new Map<string, number>();
  given.forEach((n, i) => {
    if (!at.has(n)) at.set(n, i);
  });
  checkColumns(
    (c) => at.has(c),
    () => given,
  );
  lastIndex = Int32Array.from(COLUMNS, (c) => at.get(c) as number);
  lastNames = names.slice();
  return lastIndex;
}

/** Rows as arrays of values, either named by `columns` or (without names) the 63 values in COLUMNS order. */
function arrayRows(data: readonly unknown[], columns: readonly unknown[] | undefined, what: string): Rows {
  const index = columns ? columnIndex(columns) : IN_ORDER;
  const width = columns ? columns.length : HAND_DIM;
  return {
    count: data.length,
    fill(i, out) {
      const r = data[i];
      if (!Array.isArray(r) || (columns ? r.length < width : r.length !== HAND_DIM)) {
        throw invalidValue(
          columns
            ? `${what}: row ${i} must be a list of ${width} values (one per column), got ${shown(r)}`
            : `${what}: row ${i} must be a list of the ${HAND_DIM} values x1, y1, z1, ..., z21 in that order ` +
                `(or give column names), got ${Array.isArray(r) ? `${r.length} values` : shown(r)}`,
        );
      }
      for (let k = 0; k < HAND_DIM; k++) {
        const v = r[index[k]];
        if (typeof v !== "number") throw notANumber(i, COLUMNS[k], v);
        out[k] = v;
      }
    },
  };
}

/** A list of {column: value} objects (pandas' records orient). */
function recordRows(records: readonly unknown[], what: string): Rows {
  if (records.length === 0) return NO_ROWS;
  const first = records[0];
  if (isObject(first)) {
    checkColumns(
      (c) => c in first || records.some((r) => isObject(r) && c in r),
      () => Object.keys(first),
    );
  }
  return {
    count: records.length,
    fill(i, out) {
      const r = records[i];
      if (!isObject(r)) throw invalidValue(`${what}: row ${i} must be an object {column: value}, got ${shown(r)}`);
      for (let k = 0; k < HAND_DIM; k++) {
        const v = r[COLUMNS[k]];
        if (typeof v !== "number") throw notANumber(i, COLUMNS[k], v);
        out[k] = v;
      }
    },
  };
}

/** A dict of columns: {column: [values]} (or {column: value} for one row). */
function columnRows(cols: Record<string, unknown>, what: string): Rows {
  checkColumns(
    (c) => c in cols,
    () => Object.keys(cols),
  );
  const values = COLUMNS.map((c) => cols[c]);
  if (values.every((v) => !Array.isArray(v))) {
    return { count: 1, fill: (i, out) => fillScalars(values, i, out) };
  }
  const count = Array.isArray(values[0]) ? values[0].length : -1;
  values.forEach((v, k) => {
    if (!Array.isArray(v) || v.length !== count) {
      throw invalidValue(
        `${what}: every column must be a list of the same length; ${COLUMNS[k]} has ` +
          `${Array.isArray(v) ? v.length : "no list"}, ${COLUMNS[0]} has ${count < 0 ? "no list" : count}`,
      );
    }
  });
  const lists = values as unknown[][];
  return {
    count,
    fill(i, out) {
      for (let k = 0; k < HAND_DIM; k++) {
        const v = lists[k][i];
        if (typeof v !== "number") throw notANumber(i, COLUMNS[k], v);
        out[k] = v;
      }
    },
  };
}

function fillScalars(values: readonly unknown[], i: number, out: Float64Array): void {
  for (let k = 0; k < HAND_DIM; k++) {
    const v = values[k];
    if (typeof v !== "number") throw notANumber(i, COLUMNS[k], v);
    out[k] = v;
  }
}

/** `instances` / `inputs`: a list of records, a list of 63-value rows, or a dict of columns. */
function tfServingRows(v: unknown, key: string): Rows {
  if (isObject(v)) return columnRows(v, key);
  if (Array.isArray(v)) {
    if (v.length === 0) return NO_ROWS;
    if (Array.isArray(v[0])) return arrayRows(v, undefined, key);
    return recordRows(v, key);
  }
  throw badRequest(`'${key}' must be a list of records, a list of rows or a dict of columns, got ${shown(v)}`);
}

function splitRows(v: unknown): Rows {
  if (!isObject(v) || !Array.isArray(v.data)) {
    throw badRequest(`'dataframe_split' must be {"columns": [...], "data": [[...], ...]}, got ${shown(v)}`);
  }
  if (v.columns !== undefined && !Array.isArray(v.columns)) {
    throw badRequest(`'dataframe_split.columns' must be a list of column names, got ${shown(v.columns)}`);
  }
  if (v.index !== undefined && !(Array.isArray(v.index) && v.index.length === v.data.length)) {
    throw badRequest(`'dataframe_split.index' must be a list with one entry per row of 'data'`);
  }
  return arrayRows(v.data, v.columns as unknown[] | undefined, "dataframe_split");
}

/** A JSON body in one of MLflow's four forms, plus optional params. */
export function parseJsonInput(text: string): ScoringInput {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("Failed to parse input from JSON. Ensure that input is a valid JSON formatted string.");
  }
  if (!isObject(body)) throw badRequest(`${REQUIRED_INPUT_FORMAT}. ${PROTOCOL_CHANGE_INFO}`);
  const keys = INPUT_KEYS.filter((k) => k in body);
  if (keys.length !== 1) {
    const fields = pyList(Object.keys(body));
    throw badRequest(
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ${fields}. ${PROTOCOL_CHANGE_INFO}`,
    );
  }
  const params = body.params ?? {};
  if (!isObject(params)) throw badRequest(`'params' must be a dictionary of parameters, got ${shown(params)}`);
  const key = keys[0];
  const value = body[key];
  let rows: Rows;
  if (key === "dataframe_split") rows = splitRows(value);
  else if (key === "dataframe_records") {
    if (!Array.isArray(value)) throw badRequest(`'dataframe_records' must be a list of records, got ${shown(value)}`);
    rows = recordRows(value, key);
  } else rows = tfServingRows(value, key);
  return { rows, params };
}

/** Splits CSV text into rows of fields: quotes ("" inside), CR, LF or CRLF, a UTF-8 BOM; blank lines skipped. */
function csvRecords(text: string): string[][] {
  const out: string[][] = [];
  let fields: string[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let field = "";
  let atStart = true;
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0].trim() !== "") out.push(fields);
    fields = [];
    field = "";
    atStart = true;
  };
  while (i < n) {
    const ch = text[i];
    if (atStart && ch === '"') {
      let j = i + 1;
      let value = "";
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw badRequest("Failed to parse input as CSV: a quoted field is not closed");
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      field = value;
      atStart = false;
      continue;
    }
    if (ch === ",") {
      fields.push(field);
      field = "";
      atStart = true;
      i++;
    } else if (ch === "\n" || ch === "\r") {
      endRecord();
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      const stop = nextSpecial(text, i);
      field += text.slice(i, stop);
      atStart = false;
      i = stop;
    }
  }
  if (field !== "" || fields.length > 0) endRecord();
  return out;
}

function nextSpecial(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 10 || c === 13) break;
    i++;
  }
  return i;
}

/** `text/csv` with a header row (pandas' to_csv; a leading unnamed index column is just an extra column). */
export function parseCsvInput(text: string): ScoringInput {
  const records = csvRecords(text);
  if (records.length === 0) throw badRequest("Failed to parse input as CSV: no header row");
  const header = records[0].map((h) => h.trim());
  const index = columnIndex(header);
  const data = records.slice(1);
  return {
    params: {},
    rows: {
      count: data.length,
      fill(i, out) {
        const r = data[i];
        if (r.length !== header.length) {
          throw invalidValue(`CSV row ${i} has ${r.length} fields; the header has ${header.length}`);
        }
        for (let k = 0; k < HAND_DIM; k++) {
          const s = r[index[k]];
          const v = parseDecimal(s.trim());
          if (Number.isNaN(v)) throw notANumber(i, COLUMNS[k], s);
          out[k] = v;
        }
      },
    },
  };
}
