/**
 * Small file-system helpers shared by the file tracking store and the file registry (MLflow's mlruns/ layout):
 * atomic writes, O_APPEND line appends, meta.yaml reading and writing in PyYAML's style, keys that can never
 * leave their folder, and MLflow's length limits.
 */
import { randomBytes } from "node:crypto";
import { closeSync, type Dirent, openSync, readdirSync, readSync } from "node:fs";
import { link, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { parseDocument, visit } from "yaml";
import { HandgestureError } from "../core/errors.js";

/** Prefix of the temporary files writeFileAtomic leaves for a moment beside its target; listings skip them. */
export const TEMP_PREFIX = ".~tmp-";

/** True for names writeFileAtomic uses for its temporary files (never a valid MLflow key). */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/**
 * Writes a file atomically: a temporary file in the same folder, then a rename over the target, so readers (and
 * other processes) see either the old or the new content, never a half-written file. Creates missing folders.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new HandgestureError(`could not write ${path}: ${(e as Error).message}`, "INTERNAL_ERROR");
  }
}

/**
 * Creates a file with its whole content only if it does not exist yet: a temporary file, then link() to the
 * target, which fails when the target exists — so of several writers (processes too) exactly one wins, and
 * readers never see a partial file. Returns false when the file was already there. Creates missing folders.
 */
export async function writeFileExclusive(path: string, data: string | Uint8Array): Promise<boolean> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    await writeFile(tmp, data);
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new HandgestureError(`could not write ${path}: ${(e as Error).message}`, "INTERNAL_ERROR");
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

const LOCK_STALE_MS = 30_000;
const inProcessLocks = new Map<string, Promise<void>>();

/**
 * Runs fn while holding a lock file (created with O_EXCL, removed after), so check-then-create sequences such as
 * "no experiment has this name, so create it" are not raced by other processes; callers in this process queue
 * in memory first. A lock left by a crashed process is taken over once older than 30 s.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  const previous = inProcessLocks.get(lockPath) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((done) => {
    release = done;
  });
  const chained = previous.then(() => mine);
  inProcessLocks.set(lockPath, chained);
  await previous;
  try {
    await mkdir(dirname(lockPath), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        const fh = await open(lockPath, "wx");
        await fh.close();
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const age = await stat(lockPath).then(
          (st) => Date.now() - st.mtimeMs,
          () => 0,
        );
        if (age > LOCK_STALE_MS) await unlink(lockPath).catch(() => {});
        else await new Promise((done) => setTimeout(done, Math.min(50, 2 + attempt)));
      }
    }
    try {
      return await fn();
    } finally {
      await unlink(lockPath).catch(() => {});
    }
  } finally {
    release();
    if (inProcessLocks.get(lockPath) === chained) inProcessLocks.delete(lockPath);
  }
}

/**
 * Appends one line (a newline is added when missing) with a single write on a descriptor opened O_APPEND: the
 * kernel positions every write at the end, so several processes appending at once never interleave within a line.
 * Creates missing folders.
 */
export async function appendLine(path: string, line: string): Promise<void> {
  await appendLines(path, [line]);
}

/** Like appendLine for several lines, all in one write call (so they also stay together). */
export async function appendLines(path: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const text = lines.map((l) => (l.endsWith("\n") ? l : `${l}\n`)).join("");
  const buf = Buffer.from(text, "utf8");
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, "a");
  try {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await fh.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
  } finally {
    await fh.close();
  }
}

/** Reads a file as UTF-8; null when it does not exist. */
export async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw e;
  }
}

/** True for "no such file" errors (the file, or a folder on its path, is missing) and RESOURCE_DOES_NOT_EXIST. */
export function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || (e as HandgestureError)?.code === "RESOURCE_DOES_NOT_EXIST";
}

/** True when the path exists (file or folder). */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The names of the folders directly in dir ([] when dir is missing). */
export async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
}

// ---- synchronous reads for the hot read paths (search, get): one run's or model's few dozen small files are
// read in one go without a thread-pool round trip per file (4 for fs/promises' readFile: open, fstat, read,
// close), which is what made a 100-run search take hundreds of ms. Callers yield between runs.

let readBuffer = Buffer.allocUnsafe(64 * 1024);

/** A file's text read synchronously (open, read until EOF, close); null when it does not exist. */
export function readTextSyncOrNull(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === readBuffer.length) {
        const bigger = Buffer.allocUnsafe(readBuffer.length * 2);
        readBuffer.copy(bigger, 0, 0, length);
        readBuffer = bigger;
      }
      const room = readBuffer.length - length;
      const n = readSync(fd, readBuffer, length, room, null);
      length += n;
      // A short read of a regular file is its end: no second read() just to be told 0.
      if (n < room) break;
    }
    return readBuffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}

/** The entries of a folder, synchronously ([] when it is missing or not a folder). */
export function readdirSyncOrEmpty(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
}

/** Files below dir as `/`-joined keys relative to it, sorted (atomic-write temporaries skipped). Synchronous. */
export function listKeysSync(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string, prefix: string): void => {
    for (const e of readdirSyncOrEmpty(sub)) {
      if (isTempName(e.name)) continue;
      if (e.isDirectory()) walk(join(sub, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) out.push(`${prefix}${e.name}`);
    }
  };
  walk(dir, "");
  return out.sort();
}

/** Every file below dir as {key, value} (keys as listKeysSync), sorted by key. Synchronous. */
export function readKeyValuesSync(dir: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const key of listKeysSync(dir)) {
    const value = readTextSyncOrNull(join(dir, key));
    if (value !== null) out.push({ key, value });
  }
  return out;
}

/** Lets other work (HTTP requests) run between the synchronous reads of two runs. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((done) => setImmediate(done));
}

/**
 * Parses the flat `key: scalar` mappings MLflow writes as meta.yaml, without a YAML parser: plain scalars
 * (resolved as PyYAML does), 'single quoted' strings, `[]` and `{}`. Returns null for anything else (nested
 * blocks, double quotes, folded lines, comments, documents markers), so the caller falls back to parseYaml.
 */
export function parseFlatYaml(text: string): Record<string, unknown> | null {
  if (text.trim() === "") return null;
  const out: Record<string, unknown> = {};
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(line.slice(0, colon))) return null;
    const key = line.slice(0, colon);
    const rest = line.slice(colon + 1);
    if (rest === "") {
      out[key] = null;
      continue;
    }
    if (rest[0] !== " ") return null;
    const raw = rest.slice(1).trimEnd();
    if (raw === "[]") out[key] = [];
    else if (raw === "{}") out[key] = {};
    else if (raw.startsWith("'")) {
      if (raw.length < 2 || !raw.endsWith("'")) return null;
      const inner = raw.slice(1, -1);
      if (inner.replaceAll("''", "").includes("'")) return null;
      out[key] = inner.replaceAll("''", "'");
    } else {
      if (/^[-?:,[\]{}#&*!|>"%@`]/.test(raw) || raw.includes(": ") || raw.includes(" #") || raw.endsWith(":")) {
        return null;
      }
      out[key] = resolvePlain(raw);
    }
  }
  return out;
}

/**
 * Parses YAML as PyYAML's safe loader does (YAML 1.1 implicit types): a plain scalar is null (`~`, `null`, empty),
 * a bool (`yes`/`no`/`true`/`false`/`on`/`off` in 3 cases), an int or a float only when PyYAML's resolver says so
 * (`1e5` stays a string, as in Python); quoted scalars are always strings; timestamps stay strings.
 */
export function parseYaml<T = unknown>(text: string): T {
  const doc = parseDocument(text, { schema: "failsafe", version: "1.1" });
  if (doc.errors.length > 0) throw doc.errors[0];
  visit(doc, {
    Scalar(key, node) {
      if (key !== "key" && node.type === "PLAIN" && typeof node.value === "string") {
        node.value = resolvePlain(node.value);
      }
    },
  });
  return doc.toJS() as T;
}

/** Parses a YAML file (as PyYAML reads it: see parseYaml). Throws RESOURCE_DOES_NOT_EXIST when missing. */
export async function readYaml<T = Record<string, unknown>>(path: string): Promise<T> {
  return yamlOf<T>(path, await readTextOrNull(path));
}

/** readYaml, synchronously (for the hot read paths). */
export function readYamlSync<T = Record<string, unknown>>(path: string): T {
  return yamlOf<T>(path, readTextSyncOrNull(path));
}

function yamlOf<T>(path: string, text: string | null): T {
  if (text === null) throw new HandgestureError(`${path} does not exist`, "RESOURCE_DOES_NOT_EXIST");
  try {
    return (parseFlatYaml(text) as T | null) ?? parseYaml<T>(text);
  } catch (e) {
    throw new HandgestureError(`${path} is not valid YAML: ${(e as Error).message}`, "INTERNAL_ERROR");
  }
}

// PyYAML's implicit resolvers (yaml/resolver.py, YAML 1.1).
const PY_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PY_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_NULL = /^(?:~|null|Null|NULL|)$/;
const PY_TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const PY_OTHER = /^(?:<<|=)$/;

/** True when PyYAML would read the text, written plain, as something other than a string. */
function resolvesToNonString(text: string): boolean {
  return (
    PY_BOOL.test(text) ||
    PY_FLOAT.test(text) ||
    PY_INT.test(text) ||
    PY_NULL.test(text) ||
    PY_TIMESTAMP.test(text) ||
    PY_OTHER.test(text)
  );
}

function sexagesimal(text: string): number {
  let v = 0;
  for (const part of text.split(":")) v = v * 60 + Number(part);
  return v;
}

/** A plain scalar's value as PyYAML's safe loader constructs it (timestamps, `<<`, `=` stay strings). */
function resolvePlain(text: string): unknown {
  if (PY_NULL.test(text)) return null;
  if (PY_BOOL.test(text)) return /^(?:yes|true|on)$/i.test(text);
  if (PY_INT.test(text)) {
    let t = text.replace(/_/g, "");
    const sign = t.startsWith("-") ? -1 : 1;
    if (t[0] === "-" || t[0] === "+") t = t.slice(1);
    if (t === "0") return 0;
    if (t.startsWith("0b")) return sign * Number.parseInt(t.slice(2), 2);
    if (t.startsWith("0x")) return sign * Number.parseInt(t.slice(2), 16);
    if (t.startsWith("0")) return sign * Number.parseInt(t.slice(1), 8);
    if (t.includes(":")) return sign * sexagesimal(t);
    return sign * Number(t);
  }
  if (PY_FLOAT.test(text)) {
    let t = text.replace(/_/g, "").toLowerCase();
    const sign = t.startsWith("-") ? -1 : 1;
    if (t[0] === "-" || t[0] === "+") t = t.slice(1);
    if (t === ".inf") return sign * Number.POSITIVE_INFINITY;
    if (t === ".nan") return Number.NaN;
    if (t.includes(":")) return sign * sexagesimal(t);
    return sign * Number(t);
  }
  return text;
}

// ---- a YAML writer that lays text out byte for byte as PyYAML's emitter (yaml.safe_dump with
// default_flow_style=False, allow_unicode=True, sort_keys=True, width 80), which MLflow's write_yaml calls.

const BEST_WIDTH = 80;
const BREAKS = "\n\x85\u2028\u2029";
const WHITESPACE = "\0 \t\r\n\x85\u2028\u2029";

interface Analysis {
  empty: boolean;
  multiline: boolean;
  plain: boolean;
  single: boolean;
}

function isPrintableUnicode(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (
    c === 0x85 ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) ||
    (c >= 0x10000 && c < 0x10ffff)
  );
}

/** PyYAML's Emitter.analyze_scalar, for block context (allow_unicode on). */
function analyzeScalar(chars: string[]): Analysis {
  if (chars.length === 0) return { empty: true, multiline: false, plain: true, single: true };
  const text = chars.join("");
  let blockIndicators = text.startsWith("---") || text.startsWith("...");
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || WHITESPACE.includes(chars[1]);
  let previousSpace = false;
  let previousBreak = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) blockIndicators = true;
      if ("?:".includes(ch) && followedByWhitespace) blockIndicators = true;
      if (ch === "-" && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ":" && followedByWhitespace) blockIndicators = true;
      if (ch === "#" && precededByWhitespace) blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    if (!(ch === "\n" || (ch >= "\x20" && ch <= "\x7e"))) {
      if (!isPrintableUnicode(ch)) special = true;
    }
    if (ch === " ") {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WHITESPACE.includes(ch);
    followedByWhitespace = i + 2 >= chars.length || WHITESPACE.includes(chars[i + 2]);
  }
  let plain = true;
  let single = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) plain = false;
  if (breakSpace) plain = single = false;
  if (spaceBreak || special) plain = single = false;
  if (lineBreaks) plain = false;
  if (blockIndicators) plain = false;
  return { empty: false, multiline: lineBreaks, plain, single };
}

/** Writes scalars and keeps PyYAML's column, so long values fold where PyYAML folds them. */
class ScalarWriter {
  out = "";
  column: number;
  private readonly indent: number;
  constructor(column: number, indent: number) {
    this.column = column;
    this.indent = indent;
  }
  private write(s: string, width = [...s].length): void {
    this.out += s;
    this.column += width;
  }
  private lineBreak(br = "\n"): void {
    this.out += br;
    this.column = 0;
  }
  /** write_indent in the middle of a scalar: a new line (unless at a fresh line already), then the indent. */
  private newIndentedLine(atLineStart: boolean): void {
    if (!atLineStart || this.column > this.indent) this.lineBreak();
    if (this.column < this.indent) this.write(" ".repeat(this.indent - this.column));
  }

  plain(chars: string[], split: boolean): void {
    if (chars.length === 0) return;
    this.write(" ");
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : null;
      if (spaces) {
        if (ch !== " ") {
          if (start + 1 === end && this.column > BEST_WIDTH && split) this.newIndentedLine(false);
          else this.write(chars.slice(start, end).join(""), end - start);
          start = end;
        }
      } else if (ch === null || ` ${BREAKS}`.includes(ch)) {
        this.write(chars.slice(start, end).join(""), end - start);
        start = end;
      }
      if (ch !== null) spaces = ch === " ";
    }
  }

  single(chars: string[], split: boolean): void {
    this.write(" '");
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : null;
      if (spaces) {
        if (ch === null || ch !== " ") {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== chars.length) {
            this.newIndentedLine(false);
          } else {
            this.write(chars.slice(start, end).join(""), end - start);
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !BREAKS.includes(ch)) {
          if (chars[start] === "\n") this.lineBreak();
          for (const br of chars.slice(start, end)) this.lineBreak(br);
          this.newIndentedLine(true);
          start = end;
        }
      } else if (ch === null || ` ${BREAKS}'`.includes(ch)) {
        if (start < end) {
          this.write(chars.slice(start, end).join(""), end - start);
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === " ";
        breaks = BREAKS.includes(ch);
      }
    }
    this.write("'");
  }

  double(chars: string[], split: boolean): void {
    const ESC: Record<string, string> = {
      "\0": "0",
      "\x07": "a",
      "\x08": "b",
      "\t": "t",
      "\n": "n",
      "\v": "v",
      "\f": "f",
      "\r": "r",
      "\x1b": "e",
      '"': '"',
      "\\": "\\",
      "\x85": "N",
      "\xa0": "_",
      "\u2028": "L",
      "\u2029": "P",
    };
    this.write(' "');
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : null;
      if (
        ch === null ||
        '"\\\x85\u2028\u2029\ufeff'.includes(ch) ||
        !(
          (ch >= "\x20" && ch <= "\x7e") ||
          (ch.length === 1 && ch >= "\xa0" && ch <= "\ud7ff") ||
          (ch.length === 1 && ch >= "\ue000" && ch <= "\ufffd")
        )
      ) {
        if (start < end) {
          this.write(chars.slice(start, end).join(""), end - start);
          start = end;
        }
        if (ch !== null) {
          const code = ch.codePointAt(0) ?? 0;
          const hex = (n: number) => code.toString(16).toUpperCase().padStart(n, "0");
          const data =
            ch in ESC
              ? `\\${ESC[ch]}`
              : code <= 0xff
                ? `\\x${hex(2)}`
                : code <= 0xffff
                  ? `\\u${hex(4)}`
                  : `\\U${hex(8)}`;
          this.write(data);
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < chars.length - 1 &&
        (ch === " " || start >= end) &&
        this.column + (end - start) > BEST_WIDTH &&
        split
      ) {
        const data = `${chars.slice(start, end).join("")}\\`;
        if (start < end) start = end;
        this.write(data);
        this.newIndentedLine(false);
        if (chars[start] === " ") this.write("\\");
      }
    }
    this.write('"');
  }
}

/** A string scalar after `column` characters of its line; continuation lines indented by `indent`. */
function emitString(text: string, column: number, indent: number, simpleKey: boolean): string {
  const chars = Array.from(text);
  const a = analyzeScalar(chars);
  const w = new ScalarWriter(column, indent);
  const implicit = !resolvesToNonString(text);
  if (implicit && !(simpleKey && (a.empty || a.multiline)) && a.plain) w.plain(chars, !simpleKey);
  else if (a.single && !(simpleKey && a.multiline)) w.single(chars, !simpleKey);
  else w.double(chars, !simpleKey);
  return w.out;
}

function pyFloat(v: number): string {
  if (Number.isNaN(v)) return ".nan";
  if (v === Number.POSITIVE_INFINITY) return ".inf";
  if (v === Number.NEGATIVE_INFINITY) return "-.inf";
  const [mant, expText] = v.toExponential().split("e");
  const exp = Number(expText);
  const digits = mant.replace("-", "").replace(".", "");
  const sign = v < 0 || Object.is(v, -0) ? "-" : "";
  let r: string;
  if (exp >= -4 && exp < 16) {
    if (exp < 0) r = `0.${"0".repeat(-exp - 1)}${digits}`;
    else {
      const intPart = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits.padEnd(exp + 1, "0");
      const frac = digits.slice(exp + 1);
      r = `${intPart}.${frac === "" ? "0" : frac}`;
    }
  } else {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : `${digits}.0`;
    const e = Math.abs(exp);
    r = `${m}e${exp < 0 ? "-" : "+"}${e < 10 ? `0${e}` : e}`;
  }
  return sign + r;
}

/** A non-collection value after `column` characters (leading space included in the result). */
function emitScalar(v: unknown, column: number, indent: number): string {
  if (v === null || v === undefined) return " null";
  if (typeof v === "boolean") return v ? " true" : " false";
  if (typeof v === "number") return ` ${Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : pyFloat(v)}`;
  if (typeof v === "bigint") return ` ${v}`;
  return emitString(String(v), column, indent, false);
}

function isCollection(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === "object" && v !== null;
}

function isEmptyCollection(v: Record<string, unknown> | unknown[]): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).filter((k) => v[k] !== undefined).length === 0;
}

function codePointCompare(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * The lines of a block mapping at `indent`. When `inline` the first key continues the current line (after
 * `- `), at column `indent`.
 */
function emitMapping(obj: Record<string, unknown>, indent: number, inline: boolean): string {
  let out = "";
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort(codePointCompare);
  keys.forEach((key, i) => {
    const pad = " ".repeat(indent);
    const head = i === 0 && inline ? "" : pad;
    const keyText = emitString(key, indent, indent, true).slice(1);
    out += `${head}${keyText}:`;
    const value = obj[key];
    const column = indent + [...keyText].length + 1;
    if (isCollection(value) && !isEmptyCollection(value)) {
      out += "\n";
      out += Array.isArray(value) ? emitSequence(value, indent, false) : emitMapping(value, indent + 2, false);
    } else if (isCollection(value)) {
      out += Array.isArray(value) ? " []\n" : " {}\n";
    } else {
      out += `${emitScalar(value, column, indent + 2)}\n`;
    }
  });
  return out;
}

/** The lines of a block sequence whose dashes sit at `indent`. */
function emitSequence(items: unknown[], indent: number, inline: boolean): string {
  let out = "";
  items.forEach((item, i) => {
    out += `${i === 0 && inline ? "" : " ".repeat(indent)}-`;
    if (isCollection(item) && !isEmptyCollection(item)) {
      out += " ";
      out += Array.isArray(item) ? emitSequence(item, indent + 2, true) : emitMapping(item, indent + 2, true);
    } else if (isCollection(item)) {
      out += Array.isArray(item) ? " []\n" : " {}\n";
    } else {
      out += `${emitScalar(item, indent + 1, indent + 2)}\n`;
    }
  });
  return out;
}

/**
 * YAML text byte for byte as MLflow's write_yaml (PyYAML's `yaml.safe_dump(obj, default_flow_style=False,
 * allow_unicode=True, sort_keys=True)`): `key: value` lines with keys sorted, block collections (sequences not
 * indented under their key), `[]`/`{}` when empty, `null`, strings plain unless PyYAML would read them back as
 * something else or they hold indicators (`experiment_id: '0'`, `entry_point_name: ''`, `'yes'`), then 'single'
 * quoted, or "double" quoted with escapes when they hold control characters; long values folded at 80 columns
 * as PyYAML folds them.
 */
export function toYaml(obj: unknown): string {
  if (isCollection(obj)) {
    if (isEmptyCollection(obj)) return Array.isArray(obj) ? "[]\n" : "{}\n";
    return Array.isArray(obj) ? emitSequence(obj, 0, false) : emitMapping(obj, 0, false);
  }
  const text = emitScalar(obj, 0, 0).slice(1);
  return typeof obj === "string" && !text.startsWith("'") && !text.startsWith('"') ? `${text}\n...\n` : `${text}\n`;
}

/** Writes toYaml(obj) atomically. */
export async function writeYaml(path: string, obj: unknown): Promise<void> {
  await writeFileAtomic(path, toYaml(obj));
}

/**
 * Checks one key that becomes a file path below its folder (a param, metric or tag key, an artifact path, a
 * model name): no `..` or `.` segment, no empty segment (`a//b`, trailing `/`), not absolute, no backslash, no
 * NUL. `kind` names the key in the error ("param key", "artifact path").
 */
export function validateKey(kind: string, key: string): void {
  const bad = (why: string): never => {
    throw new HandgestureError(`Invalid ${kind}: '${key}'. ${why}`, "INVALID_PARAMETER_VALUE");
  };
  if (typeof key !== "string") bad("It must be a string.");
  if (key.length === 0) bad("It must not be empty.");
  if (key.includes("\0")) bad("It must not contain NUL characters.");
  if (key.includes("\\")) bad("It must not contain backslashes.");
  if (key.startsWith("/") || isAbsolute(key) || /^[A-Za-z]:/.test(key)) bad("It must be a relative path.");
  for (const seg of key.split("/")) {
    if (seg === "") bad("It must not contain empty path segments.");
    if (seg === "." || seg === "..") bad("It must not contain '.' or '..' path segments.");
  }
}

/**
 * join(root, ...parts) after validateKey on every part, and a final check that the result is inside root.
 * Parts may contain `/` (a key `cv/f1` becomes sub-folders).
 */
export function safeJoin(root: string, ...parts: string[]): string {
  for (const p of parts) validateKey("path", p);
  const base = resolve(root);
  const full = resolve(base, ...parts);
  if (full !== base && !full.startsWith(base.endsWith(sep) ? base : base + sep)) {
    throw new HandgestureError(`Invalid path: '${parts.join("/")}' leaves ${base}`, "INVALID_PARAMETER_VALUE");
  }
  return full;
}

/** The last segment of a key (for error messages and listings). */
export function keyBase(key: string): string {
  return basename(key);
}

// The limits and name checks every store shares live in validation.ts; re-exported for the file store.
export * from "./validation.js";
