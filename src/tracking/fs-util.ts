/**
 * Small file-system helpers shared by the file tracking store and the file registry (MLflow's mlruns/ layout):
 * atomic writes, O_APPEND line appends, meta.yaml reading and writing in PyYAML's style, keys that can never
 * leave their folder, and MLflow's length limits.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { parse, stringify } from "yaml";
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

/** Parses a YAML file (YAML 1.1, as PyYAML reads and writes it). Throws RESOURCE_DOES_NOT_EXIST when missing. */
export async function readYaml<T = Record<string, unknown>>(path: string): Promise<T> {
  const text = await readTextOrNull(path);
  if (text === null) throw new HandgestureError(`${path} does not exist`, "RESOURCE_DOES_NOT_EXIST");
  try {
    return parse(text, { version: "1.1" }) as T;
  } catch (e) {
    throw new HandgestureError(`${path} is not valid YAML: ${(e as Error).message}`, "INTERNAL_ERROR");
  }
}

/**
 * YAML text laid out like MLflow's `yaml.safe_dump(obj, default_flow_style=False, sort_keys=True)`: `key: value`
 * lines with sorted keys, block collections (sequences not indented under their key), empty ones as `[]`/`{}`,
 * `null` for null, and strings quoted ('single') exactly when YAML 1.1 would read them back as something else
 * (`experiment_id: '0'`, `entry_point_name: ''`, `'yes'`).
 */
export function toYaml(obj: unknown): string {
  return stringify(obj, {
    version: "1.1",
    sortMapEntries: true,
    singleQuote: true,
    indentSeq: false,
    blockQuote: false,
    lineWidth: 0,
    nullStr: "null",
  });
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
