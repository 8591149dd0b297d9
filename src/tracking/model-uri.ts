import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { HandgestureError } from "../core/errors.js";
import type { ModelVersion, Stage } from "./entities.js";
import { STAGES } from "./entities.js";
import type { TrackingStore } from "./store.js";

/** What a model URI names, before any store is asked. */
export type ModelUri =
  | { kind: "runs"; runId: string; artifactPath: string }
  | { kind: "models-version"; name: string; version: string }
  | { kind: "models-stage"; name: string; stage: Stage }
  | { kind: "models-latest"; name: string }
  | { kind: "models-alias"; name: string; alias: string }
  | { kind: "logged-model"; modelId: string }
  | { kind: "path"; path: string };

/**
 * Where a model's folder is: a logged model's artifacts (modelId set; MLflow 3), inside a run's artifacts (runId
 * set, artifactPath relative), or a local path.
 */
export interface ResolvedModelUri {
  /** The logged model whose artifacts hold the model (artifactPath is then relative to them, usually ""). */
  modelId?: string;
  runId?: string;
  /** Relative to the logged model's or run's artifact root when modelId or runId is set (may be ""), else an absolute local path. */
  artifactPath: string;
  /** The registered model and version, for models:/ URIs. */
  name?: string;
  version?: string;
  /** The version's source, for models:/ URIs. */
  source?: string;
}

/** What naming a registered version takes. */
export type RegistryUriStore = Pick<TrackingStore, "getModelVersion" | "getLatestVersions" | "getModelVersionByAlias">;
/** What resolving any model URI takes: the registry, and the logged models that MLflow 3 versions point at. */
export type ModelUriStore = RegistryUriStore & Pick<TrackingStore, "getLoggedModel">;

const ACCEPTED =
  "accepted forms: runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>/<stage> " +
  `(${STAGES.join(", ")}), models:/<name>/latest, models:/<name>@<alias>, models:/<model_id> (a logged model, ` +
  "m-<32 hex>), file:///abs/path or a plain path";

/** MLflow 3's logged-model ids. */
export const LOGGED_MODEL_ID_RE = /^m-[0-9a-f]{32}$/;
const LOGGED_MODEL_SOURCE_RE = /^models:\/(m-[0-9a-f]{32})\/?$/;

/** The logged model a version's source `models:/m-<32 hex>` names (MLflow 3), or undefined for any other source. */
export function loggedModelIdOf(source: string): string | undefined {
  return LOGGED_MODEL_SOURCE_RE.exec(source)?.[1];
}

function malformed(uri: string, why: string): HandgestureError {
  return new HandgestureError(`not a proper model URI '${uri}': ${why}; ${ACCEPTED}`, "INVALID_PARAMETER_VALUE");
}

/** MLflow's stage names, case-insensitively ("production" → "Production"); undefined when not a stage. */
export function canonicalStage(stage: string): Stage | undefined {
  const key = stage.toLowerCase();
  return STAGES.find((s) => s.toLowerCase() === key);
}

/** Parses a model URI without touching any store; malformed URIs throw INVALID_PARAMETER_VALUE. */
export function parseModelUri(uri: string): ModelUri {
  if (typeof uri !== "string" || uri.trim() === "") throw malformed(String(uri), "empty");
  if (uri.includes("\0")) throw malformed(uri, "contains a NUL character");
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1];
  // One letter before ':' is a Windows drive, not a scheme.
  if (scheme === undefined || scheme.length === 1) return { kind: "path", path: resolve(uri) };
  const lower = scheme.toLowerCase();
  if (lower === "file") {
    try {
      return { kind: "path", path: fileURLToPath(uri) };
    } catch (e) {
      throw malformed(uri, `bad file: URI (${(e as Error).message})`);
    }
  }
  const rest = uri.slice(scheme.length + 1);
  if (lower === "runs") return parseRuns(uri, rest);
  if (lower === "models") return parseModels(uri, rest);
  throw malformed(uri, `unsupported scheme '${scheme}:'`);
}

function parseRuns(uri: string, rest: string): ModelUri {
  if (!rest.startsWith("/") || rest.startsWith("//")) throw malformed(uri, "runs: must be followed by one '/'");
  const [runId, ...parts] = rest.slice(1).split("/");
  if (!runId) throw malformed(uri, "no run id");
  const segments = parts.filter((p) => p !== "" && p !== ".");
  if (segments.includes("..")) throw malformed(uri, "the artifact path must not contain '..'");
  return { kind: "runs", runId, artifactPath: segments.join("/") };
}

function parseModels(uri: string, rest: string): ModelUri {
  if (!rest.startsWith("/") || rest.startsWith("//")) throw malformed(uri, "models: must be followed by one '/'");
  const parts = rest.slice(1).split("/");
  if (parts.length > 2) throw malformed(uri, "too many '/' (model names cannot contain '/')");
  if (parts.length === 2) {
    const [name, suffix] = parts;
    if (name.trim() === "") throw malformed(uri, "no model name");
    if (suffix.trim() === "") throw malformed(uri, "no version, stage or 'latest' after the name");
    if (/^\d+$/.test(suffix)) return { kind: "models-version", name, version: String(Number(suffix)) };
    if (suffix.toLowerCase() === "latest") return { kind: "models-latest", name };
    const stage = canonicalStage(suffix);
    if (!stage) throw malformed(uri, `'${suffix}' is neither a version number, a stage nor 'latest'`);
    return { kind: "models-stage", name, stage };
  }
  const at = parts[0].lastIndexOf("@");
  // MLflow 3: models:/<model_id> names a logged model.
  if (at < 0 && LOGGED_MODEL_ID_RE.test(parts[0])) return { kind: "logged-model", modelId: parts[0] };
  if (at < 0) throw malformed(uri, "no version, stage or alias, and not a logged model id (m-<32 hex>)");
  const name = parts[0].slice(0, at);
  const alias = parts[0].slice(at + 1);
  if (name.trim() === "") throw malformed(uri, "no model name");
  if (alias.trim() === "") throw malformed(uri, "empty alias after '@'");
  return { kind: "models-alias", name, alias };
}

function notFound(message: string, cause?: unknown): HandgestureError {
  const detail = cause instanceof Error ? ` (${cause.message})` : "";
  return new HandgestureError(`${message}${detail}`, "RESOURCE_DOES_NOT_EXIST");
}

function isNotFound(e: unknown): boolean {
  return e instanceof HandgestureError && e.code === "RESOURCE_DOES_NOT_EXIST";
}

/** The registered model version a models:/ URI names (throws RESOURCE_DOES_NOT_EXIST naming model and stage/alias). */
export async function modelVersionForUri(uri: ModelUri, store: RegistryUriStore): Promise<ModelVersion> {
  switch (uri.kind) {
    case "models-version":
      try {
        return await store.getModelVersion(uri.name, uri.version);
      } catch (e) {
        if (isNotFound(e)) throw notFound(`registered model '${uri.name}' has no version ${uri.version}`, e);
        throw e;
      }
    case "models-alias":
      try {
        return await store.getModelVersionByAlias(uri.name, uri.alias);
      } catch (e) {
        if (isNotFound(e)) throw notFound(`registered model '${uri.name}' has no alias '${uri.alias}'`, e);
        throw e;
      }
    case "models-stage":
    case "models-latest": {
      const stages = uri.kind === "models-stage" ? [uri.stage] : undefined;
      const versions = await store.getLatestVersions(uri.name, stages);
      const latest = versions.reduce<ModelVersion | undefined>(
        (best, v) => (best === undefined || Number(v.version) > Number(best.version) ? v : best),
        undefined,
      );
      if (latest) return latest;
      throw notFound(
        uri.kind === "models-stage"
          ? `registered model '${uri.name}' has no version in stage '${uri.stage}'`
          : `registered model '${uri.name}' has no versions`,
      );
    }
    default:
      throw new HandgestureError(`a ${uri.kind} URI names no registered model version`, "INVALID_PARAMETER_VALUE");
  }
}

/**
 * Where the model a URI names lives. runs:/ → that run's artifacts; models:/ → the version's source (itself a
 * runs:/ URI, a path, or a URI whose path holds `<run_id>/artifacts/...` of the version's run, then read as that
 * run's artifacts); paths and file: URIs → absolute local paths.
 */
export async function resolveModelUri(uri: string, store: ModelUriStore): Promise<ResolvedModelUri> {
  return resolveAt(parseModelUri(uri), store, 0);
}

const MAX_SOURCE_HOPS = 5;

async function resolveAt(parsed: ModelUri, store: ModelUriStore, hops: number): Promise<ResolvedModelUri> {
  if (parsed.kind === "runs") return { runId: parsed.runId, artifactPath: parsed.artifactPath };
  if (parsed.kind === "path") return { artifactPath: parsed.path };
  if (parsed.kind === "logged-model") {
    const model = await store.getLoggedModel(parsed.modelId).catch((e: unknown) => {
      if (isNotFound(e)) throw notFound(`no logged model '${parsed.modelId}'`, e);
      throw e;
    });
    return { modelId: model.info.model_id, runId: model.info.source_run_id || undefined, artifactPath: "" };
  }
  const mv = await modelVersionForUri(parsed, store);
  const named = { name: mv.name, version: mv.version, source: mv.source };
  // MLflow 3 versions name their logged model (source models:/<model_id>; model_id where the store keeps it).
  if (mv.model_id && !/^models:/i.test(mv.source)) {
    return { ...(await resolveAt({ kind: "logged-model", modelId: mv.model_id }, store, hops + 1)), ...named };
  }
  const inRun = mv.run_id
    ? new RegExp(`(?:^|/)${escapeRegExp(mv.run_id)}/artifacts(?:/(.*))?$`).exec(pathOf(mv.source))
    : null;
  if (inRun) return { runId: mv.run_id, artifactPath: (inRun[1] ?? "").replace(/\/+$/, ""), ...named };
  let source: ModelUri;
  try {
    source = parseModelUri(mv.source);
  } catch (e) {
    throw new HandgestureError(
      `model '${mv.name}' version ${mv.version}: its source '${mv.source}' is not a location this project can read: ${(e as Error).message}`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  if (hops >= MAX_SOURCE_HOPS && source.kind !== "runs" && source.kind !== "path") {
    throw new HandgestureError(`model '${mv.name}' version ${mv.version}: too many models:/ sources in a chain`);
  }
  return { ...(await resolveAt(source, store, hops + 1)), ...named };
}

/** The path part of a URI (scheme and authority dropped), or the string itself for plain paths. */
function pathOf(source: string): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]+:(?:\/\/[^/]*)?(.*)$/.exec(source);
  return m ? m[1] : source;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
