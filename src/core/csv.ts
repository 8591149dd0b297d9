/**
 * Reads and writes the HaGRID landmark CSV (63 coordinates and a label per row).
 *
 * Hand-written rather than a CSV library: we want the values straight in a Float64Array (no per-row string
 * arrays), every error with the file's physical line and the field's column, and the 17 MB full-size file in a
 * small fraction of a second. One pass over the string with charCodeAt; numbers go through a strict decimal
 * grammar (Number() alone would take "", "0x10", "Infinity").
 */
import { DataError, HandgestureError } from "./errors.js";
import { COLUMNS, HAND_DIM } from "./landmarks.js";
import type { Matrix } from "./matrix.js";

export interface SkippedRow {
  /** 1-based physical line where the row starts (or where the bad field starts). */
  line: number;
  /** 1-based field position. */
  column: number;
  reason: string;
}

export interface LandmarkTable {
  /** rows x 63, always interleaved x1,y1,z1,...,x21,y21,z21 (COLUMNS), whatever the file's column order. */
  X: Matrix;
  labels: string[];
  /** 1-based source line of each row. */
  lines: Int32Array;
  /** Rows left out under skipInvalid (always empty otherwise: the first bad row throws). */
  skipped: SkippedRow[];
  file: string;
}

export interface ParseOptions {
  /** Name used in error messages. */
  file?: string;
  /** Record bad data rows in `skipped` instead of throwing. Header errors still throw. */
  skipInvalid?: boolean;
}

const FIELDS = HAND_DIM + 1;
const LABEL_SLOT = HAND_DIM;
const HEADER_HINT = "x1,y1,z1,...,x21,y21,z21,label";

// Character codes.
const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
const SPACE = 32;
const TAB = 9;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

// What ended a field.
const END_COMMA = 0;
const END_LINE = 1;
const END_FILE = 2;

// Powers of ten that are exact doubles: m / 10^k with m < 2^53 is then one correctly rounded operation.
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
// Local copies: imported bindings can cost a getter call per use under some loaders (vitest, tsx).
const DIM: number = HAND_DIM;
const MAX_EXACT = 2 ** 53;
const NAMES: readonly string[] = COLUMNS.slice();

/** Where the last scanDecimal stopped (one past its last character). */
let scanEnd = 0;

/**
 * Reads the longest strict decimal at s[i]: [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?
 * and sets scanEnd. NaN when there is none (a valid number never reads as NaN); may be ±Infinity if huge.
 */
function scanDecimal(s: string, i: number): number {
  const start = i;
  let c = s.charCodeAt(i);
  const neg = c === MINUS;
  if (neg || c === PLUS) c = s.charCodeAt(++i);
  let m = 0;
  const int0 = i;
  while (c >= ZERO && c <= NINE) {
    m = m * 10 + (c - ZERO);
    c = s.charCodeAt(++i);
  }
  let digits = i - int0;
  let frac = 0; // digits after the point
  if (c === DOT) {
    const frac0 = ++i;
    c = s.charCodeAt(i);
    while (c >= ZERO && c <= NINE) {
      m = m * 10 + (c - ZERO);
      c = s.charCodeAt(++i);
    }
    frac = i - frac0;
    digits += frac;
  }
  if (digits === 0) return Number.NaN;
  let exp = 0;
  if (c === 101 || c === 69) {
    c = s.charCodeAt(++i);
    const eneg = c === MINUS;
    if (eneg || c === PLUS) c = s.charCodeAt(++i);
    const e0 = i;
    while (c >= ZERO && c <= NINE) {
      if (exp < 1e6) exp = exp * 10 + (c - ZERO);
      c = s.charCodeAt(++i);
    }
    if (i === e0) return Number.NaN;
    if (eneg) exp = -exp;
  }
  scanEnd = i;
  const e = exp - frac;
  // m only grows, so if it ends below 2^53 every step was exact (at 2^53 it may have rounded).
  if (m < MAX_EXACT && e >= -22 && e <= 22) {
    const v = e < 0 ? m / POW10[-e] : m * POW10[e];
    return neg ? -v : v;
  }
  // Long mantissas and far exponents: the grammar is checked, so Number() rounds it correctly.
  return Number(s.slice(start, i));
}

/** The whole of s as a strict decimal (see scanDecimal), else NaN. Refuses "", "0x10", "NaN", "Infinity". */
export function parseDecimal(s: string): number {
  const v = scanDecimal(s, 0);
  return scanEnd === s.length ? v : Number.NaN;
}

/** Walks fields of a CSV string, tracking physical lines across CR, LF, CRLF and quoted newlines. */
class Scanner {
  pos: number;
  line = 1;
  /** Field bounds (unquoted: in text, trimmed of spaces and tabs; quoted: in `value`). */
  start = 0;
  end = 0;
  quoted = false;
  value = "";
  fieldLine = 1;
  /** A structural problem with this field, or "". */
  err = "";

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  /** Skips blank (or whitespace-only) lines; false at end of file. */
  nextRecord(): boolean {
    const t = this.text;
    const n = t.length;
    for (;;) {
      let p = this.pos;
      let c = t.charCodeAt(p);
      while (c === SPACE || c === TAB) c = t.charCodeAt(++p);
      if (p >= n) {
        this.pos = p;
        return false;
      }
      if (c === LF) this.pos = p + 1;
      else if (c === CR) this.pos = t.charCodeAt(p + 1) === LF ? p + 2 : p + 1;
      else return true;
      this.line++;
    }
  }

  field(column: number): number {
    const t = this.text;
    const n = t.length;
    let p = this.pos;
    let c = t.charCodeAt(p);
    this.fieldLine = this.line;
    this.err = "";
    while (c === SPACE || c === TAB) c = t.charCodeAt(++p);
    if (c === QUOTE) {
      this.quoted = true;
      let chunk = ++p;
      let v = "";
      for (;;) {
        if (p >= n) {
          // Everything after an unclosed quote would be one field: never skippable.
          throw new DataError(this.file, this.fieldLine, column, 'unterminated quoted field (a " is never closed)');
        }
        c = t.charCodeAt(p);
        if (c === QUOTE) {
          v += t.slice(chunk, p);
          if (t.charCodeAt(p + 1) === QUOTE) {
            v += '"';
            p += 2;
            chunk = p;
            continue;
          }
          p++;
          break;
        }
        if (c === LF || (c === CR && t.charCodeAt(p + 1) !== LF)) this.line++;
        p++;
      }
      this.value = v;
      c = t.charCodeAt(p);
      while (c === SPACE || c === TAB) c = t.charCodeAt(++p);
      if (p < n && c !== COMMA && c !== LF && c !== CR) {
        this.err = "unexpected text after a closing quote";
        while (p < n && c !== COMMA && c !== LF && c !== CR) c = t.charCodeAt(++p);
      }
    } else {
      this.quoted = false;
      const s = p;
      while (p < n && c !== COMMA && c !== LF && c !== CR) {
        if (c === QUOTE) this.err = 'unexpected " in an unquoted field (quote the whole field and double inner quotes)';
        c = t.charCodeAt(++p);
      }
      let e = p;
      while (e > s && (t.charCodeAt(e - 1) === SPACE || t.charCodeAt(e - 1) === TAB)) e--;
      this.start = s;
      this.end = e;
    }
    if (p >= n) {
      this.pos = n;
      return END_FILE;
    }
    this.line += c === COMMA ? 0 : 1;
    this.pos = c === CR && t.charCodeAt(p + 1) === LF ? p + 2 : p + 1;
    return c === COMMA ? END_COMMA : END_LINE;
  }

  /** The field's text (quoted: unescaped content). */
  fieldText(): string {
    return this.quoted ? this.value : this.text.slice(this.start, this.end);
  }
}

function show(token: string): string {
  return JSON.stringify(token.length > 40 ? `${token.slice(0, 40)}…` : token);
}

/** Reads the header; returns the interleaved slot (0..62, or 63 for the label) of each field position. */
function readHeader(sc: Scanner): Int32Array {
  const slotOf = new Map<string, number>(COLUMNS.map((name, k) => [name, k]));
  slotOf.set("label", LABEL_SLOT);
  const seen = new Map<number, number>();
  const slots: number[] = [];
  const headerLine = sc.line;
  for (let column = 1; ; column++) {
    const end = sc.field(column);
    if (sc.err !== "") throw new DataError(sc.file, sc.fieldLine, column, sc.err);
    const raw = sc.fieldText();
    const name = raw.trim().toLowerCase();
    if (column === 1 && !Number.isNaN(parseDecimal(name))) {
      throw new DataError(
        sc.file,
        sc.fieldLine,
        1,
        `missing header: the first line holds numbers, expected ${HEADER_HINT}`,
      );
    }
    const slot = slotOf.get(name);
    if (slot === undefined) {
      throw new DataError(sc.file, sc.fieldLine, column, `unknown column ${show(raw)} (expected ${HEADER_HINT})`);
    }
    const prev = seen.get(slot);
    if (prev !== undefined) {
      throw new DataError(sc.file, sc.fieldLine, column, `duplicate column ${name} (also column ${prev})`);
    }
    seen.set(slot, column);
    slots.push(slot);
    if (end !== END_COMMA) break;
  }
  if (slots.length !== FIELDS) {
    const missing = [...COLUMNS, "label"].filter((_, k) => !seen.has(k));
    const list =
      missing.length > 6 ? `${missing.slice(0, 6).join(", ")} and ${missing.length - 6} more` : missing.join(", ");
    throw new DataError(
      sc.file,
      headerLine,
      1,
      `missing column${missing.length > 1 ? "s" : ""} ${list} (expected ${HEADER_HINT})`,
    );
  }
  return Int32Array.from(slots);
}

/** One numeric field's text (slow path): its value, or why it is refused. */
function numberField(raw: string, name: string): number | string {
  const s = raw.trim();
  if (s === "") return `empty value for column ${name} (expected a number)`;
  const v = parseDecimal(s);
  if (Number.isNaN(v)) return `expected a number for column ${name}, got ${show(s)}`;
  if (!Number.isFinite(v)) return `number out of range for column ${name}: ${show(s)}`;
  return v;
}

/** Parses a landmark CSV held in a string (see the module comment for what is accepted). */
export function parseLandmarkCsv(text: string, options: ParseOptions = {}): LandmarkTable {
  const file = options.file ?? "<csv>";
  const skipInvalid = options.skipInvalid === true;
  const sc = new Scanner(text, file);
  if (!sc.nextRecord()) throw new DataError(file, 1, 1, `empty file (expected a header ${HEADER_HINT})`);
  const slots = readHeader(sc);
  const n = text.length;
  const labelName = new Map<string, string>(); // interned labels (a copy, so rows don't pin the whole text)
  const labels: string[] = [];
  const skipped: SkippedRow[] = [];
  // One row per line after the header is an upper bound (unless lines end in a lone CR: then it grows).
  let cap = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) cap++;
  if (text.charCodeAt(n - 1) === LF) cap--;
  let X = new Float64Array(cap * DIM);
  let lines = new Int32Array(cap);
  let rows = 0;
  while (sc.nextRecord()) {
    if (rows === cap) {
      cap = cap * 2 + 16;
      const X2 = new Float64Array(cap * DIM);
      X2.set(X);
      X = X2;
      const l2 = new Int32Array(cap);
      l2.set(lines);
      lines = l2;
    }
    const rowLine = sc.line;
    const base = rows * DIM;
    let label = "";
    // First problem in the row; reported after the field count, which explains more when both are wrong.
    let errCol = 0;
    let errLine = 0;
    let err = "";
    let column = 0;
    let end = END_COMMA;
    while (end === END_COMMA) {
      column++;
      const slot = column <= FIELDS ? slots[column - 1] : -1;
      if (slot >= 0 && slot < DIM && errCol === 0) {
        // Fast path: a plain number followed directly by a separator.
        const p = sc.pos;
        const v = scanDecimal(text, p);
        const q = scanEnd;
        const c = text.charCodeAt(q);
        if (Number.isFinite(v) && (c === COMMA || c === LF || c === CR || q >= n)) {
          X[base + slot] = v;
          if (c === COMMA) {
            sc.pos = q + 1;
          } else if (q >= n) {
            sc.pos = n;
            end = END_FILE;
          } else {
            sc.line++;
            sc.pos = c === CR && text.charCodeAt(q + 1) === LF ? q + 2 : q + 1;
            end = END_LINE;
          }
          continue;
        }
      }
      end = sc.field(column);
      if (slot < 0 || errCol !== 0) continue;
      if (sc.err !== "") err = sc.err;
      else if (slot === LABEL_SLOT) {
        const raw = sc.fieldText();
        if (raw.trim() === "") err = "empty label";
        else {
          let l = labelName.get(raw);
          if (l === undefined) {
            l = Array.from(raw).join("");
            labelName.set(l, l);
          }
          label = l;
        }
      } else {
        const v = numberField(sc.fieldText(), NAMES[slot]);
        if (typeof v === "number") X[base + slot] = v;
        else err = v;
      }
      if (err !== "") {
        errCol = column;
        errLine = sc.fieldLine;
      }
    }
    if (column !== FIELDS) {
      errCol = 1;
      errLine = rowLine;
      err = `expected ${FIELDS} fields (${DIM} coordinates and label), got ${column}`;
    }
    if (errCol !== 0) {
      if (!skipInvalid) throw new DataError(file, errLine, errCol, err);
      skipped.push({ line: errLine, column: errCol, reason: err });
      continue;
    }
    labels.push(label);
    lines[rows++] = rowLine;
  }
  return {
    X: { rows, cols: DIM, data: X.length === rows * DIM ? X : X.subarray(0, rows * DIM) },
    labels,
    lines: lines.length === rows ? lines : lines.subarray(0, rows),
    skipped,
    file,
  };
}

function formatNumber(v: number): string {
  // String() is the shortest text that reads back to the same double; it only loses the sign of zero.
  return Object.is(v, -0) ? "-0" : String(v);
}

function quoteLabel(label: string): string {
  const needs = /[",\r\n]|^[ \t]|[ \t]$/.test(label);
  return needs ? `"${label.replaceAll('"', '""')}"` : label;
}

/** The header formatLandmarkCsv writes: x1,y1,z1,...,x21,y21,z21,label. */
export const LANDMARK_CSV_HEADER = `${COLUMNS.join(",")},label`;

/** Writes a table as CSV: interleaved header, LF line ends, numbers that read back bit-identical. */
export function formatLandmarkCsv(table: { X: Matrix; labels: readonly string[] }): string {
  return `${LANDMARK_CSV_HEADER}\n${formatLandmarkRows(table)}`;
}

/** formatLandmarkCsv without the header: rows to append to such a file. */
export function formatLandmarkRows(table: { X: Matrix; labels: readonly string[] }): string {
  const { X, labels } = table;
  if (X.cols !== HAND_DIM && X.rows > 0) throw new HandgestureError(`expected ${HAND_DIM} columns, got ${X.cols}`);
  if (labels.length !== X.rows) {
    throw new HandgestureError(`${X.rows} rows but ${labels.length} labels`);
  }
  const out: string[] = [];
  const d = X.data;
  for (let i = 0; i < X.rows; i++) {
    const label = labels[i];
    if (label.trim() === "") throw new HandgestureError(`row ${i} (0-based): empty label`);
    let s = "";
    for (let j = 0; j < HAND_DIM; j++) {
      const v = d[i * HAND_DIM + j];
      if (!Number.isFinite(v)) {
        throw new HandgestureError(`row ${i} (0-based), column ${COLUMNS[j]}: ${v} is not finite`);
      }
      s += `${formatNumber(v)},`;
    }
    out.push(`${s}${quoteLabel(label)}\n`);
  }
  return out.join("");
}
