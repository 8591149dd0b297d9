/**
 * Artifact paths from the wire, checked before any store sees them, and the artifact endpoints: the tracking
 * API's artifacts/list, MLflow's proxied artifact API (`/api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/
 * artifacts/<path>`: PUT uploads the raw body, GET downloads; GET `...artifacts?path=` lists), the same for MLflow
 * 3's logged models (`<exp>/models/<model_id>/artifacts/<path>`), and a logged model's file download.
 *
 * A path that tries to leave the run's artifact root is refused with INVALID_PARAMETER_VALUE: `.` and `..`
 * segments, absolute paths, backslashes, NUL, and each of these percent-encoded, once or several times over
 * (`%2e%2e`, `%2f`, `%5c`, `%00`, `%252e%252e`). Node's URL parsing folds `..` out of a request path before the
 * app sees it, so the path is read as the client sent it (rawPath).
 */
import type { Context } from "hono";
import { HandgestureError } from "../../core/errors.js";
import type { FileInfo } from "../../tracking/entities.js";
import type { TrackingStore } from "../../tracking/store.js";
import { HttpError } from "../errors.js";
import { invalid, opt, type Params, runId } from "./params.js";

export const ARTIFACTS_PREFIX = "/api/2.0/mlflow-artifacts/artifacts";
/** Percent-decoding is repeated at most this often when looking for a hidden `..` or separator. */
const MAX_DECODE_DEPTH = 8;

/** The request path exactly as the client sent it (no query), when the Node adapter gives the raw request. */
export function rawPath(c: Context): string {
  const incoming = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming;
  let target = typeof incoming?.url === "string" ? incoming.url : c.req.url;
  if (!target.startsWith("/")) target = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "") || "/";
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

function tryDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The longest file name the file systems we run on take, in bytes. */
const MAX_SEGMENT_BYTES = 255;

/** Why a segment (already decoded once) is unsafe at any depth of further decoding, or undefined if it is safe. */
function unsafeSegment(seg: string): string | undefined {
  if (Buffer.byteLength(seg) > MAX_SEGMENT_BYTES) return `segments longer than ${MAX_SEGMENT_BYTES} bytes`;
  let cur = seg;
  for (let depth = 0; depth < MAX_DECODE_DEPTH; depth++) {
    if (cur === "." || cur === "..") return "'.' or '..' path segments";
    if (cur.includes("/") || cur.includes("\\")) return "encoded path separators";
    if (cur.includes("\0")) return "NUL characters";
    const next = tryDecode(cur);
    if (next === undefined || next === cur) return undefined;
    cur = next;
  }
  return "too many levels of percent-encoding";
}

function refuse(path: string, why: string): never {
  throw invalid(`Invalid artifact path '${path}': it must stay inside the run's artifact root (no ${why}).`);
}

/**
 * Checks a relative artifact path (percent-decoded once, as a query parameter is) and returns it without a
 * trailing slash. `allowEmpty`: the artifact root itself (listing).
 */
export function checkArtifactPath(path: string, allowEmpty: boolean): string {
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) refuse(path, "absolute paths");
  if (path.includes("\\")) refuse(path, "backslashes");
  if (path.includes("\0")) refuse(path, "NUL characters");
  const rel = allowEmpty ? path.replace(/\/+$/, "") : path;
  if (rel === "") {
    if (allowEmpty) return rel;
    throw invalid("Missing value for required parameter 'path'.");
  }
  for (const seg of rel.split("/")) {
    if (seg === "") refuse(path, "empty path segments");
    const why = unsafeSegment(seg);
    if (why) refuse(path, why);
  }
  return rel;
}

/** Whether a raw request path has a `.`/`..` segment, literally or percent-encoded at any depth. */
export function hasDotSegment(path: string): boolean {
  return path.split("/").some((raw) => {
    let cur = raw;
    for (let depth = 0; depth < MAX_DECODE_DEPTH; depth++) {
      if (cur === "." || cur === "..") return true;
      const next = tryDecode(cur);
      if (next === undefined || next === cur) return false;
      cur = next;
    }
    return true;
  });
}

/** What a proxied artifact path names: a run's or a logged model's artifact, and the path under its root. */
type ArtifactTarget = { kind: "run"; id: string; rel: string } | { kind: "model"; id: string; rel: string };

/**
 * `<experiment_id>/<run_id>/artifacts[/<path>]` or `<experiment_id>/models/<model_id>/artifacts[/<path>]` → the
 * run or logged model (which must be in that experiment) and the path. A run id is 32 hex, never `models`.
 */
async function artifactTarget(s: TrackingStore, path: string, allowEmpty: boolean): Promise<ArtifactTarget> {
  const segs = path.split("/");
  if (segs[1] === "models") {
    if (segs.length < 4 || segs[3] !== "artifacts" || segs[0] === "" || segs[2] === "") {
      throw invalid(`Invalid artifact path '${path}': expected <experiment_id>/models/<model_id>/artifacts/<path>`);
    }
    const rel = checkArtifactPath(segs.slice(4).join("/"), allowEmpty);
    const model = await s.getLoggedModel(segs[2]);
    if (model.info.experiment_id !== segs[0]) {
      throw new HandgestureError(
        `Logged model '${segs[2]}' is not in experiment '${segs[0]}'`,
        "RESOURCE_DOES_NOT_EXIST",
      );
    }
    return { kind: "model", id: segs[2], rel };
  }
  if (segs.length < 3 || segs[2] !== "artifacts" || segs[0] === "" || segs[1] === "") {
    throw invalid(`Invalid artifact path '${path}': expected <experiment_id>/<run_id>/artifacts/<path>`);
  }
  const rel = checkArtifactPath(segs.slice(3).join("/"), allowEmpty);
  const run = await s.getRun(segs[1]);
  if (run.info.experiment_id !== segs[0]) {
    throw new HandgestureError(`Run '${segs[1]}' is not in experiment '${segs[0]}'`, "RESOURCE_DOES_NOT_EXIST");
  }
  return { kind: "run", id: segs[1], rel };
}

/** The part of a raw request path after the artifacts prefix, each segment decoded once and checked. */
function proxiedPath(raw: string): string {
  if (!raw.startsWith(`${ARTIFACTS_PREFIX}/`)) {
    throw invalid(`Invalid artifact request path '${raw}': write the ${ARTIFACTS_PREFIX}/ prefix unencoded`);
  }
  const segs = raw.slice(ARTIFACTS_PREFIX.length + 1).split("/");
  return segs
    .map((seg) => {
      const decoded = tryDecode(seg);
      if (decoded === undefined) throw invalid(`Malformed artifact path segment '${seg}'`);
      const why = unsafeSegment(decoded);
      if (why) refuse(raw, why);
      return decoded;
    })
    .join("/");
}

/** GET /api/2.0/mlflow/artifacts/list?run_id=&path= → {root_uri, files} (paths relative to the root). */
export async function listRunArtifacts(p: Params, s: TrackingStore) {
  const id = runId(p);
  const rel = checkArtifactPath(opt(p, "path") ?? "", true);
  const root = (await s.getRun(id)).info.artifact_uri;
  return { root_uri: root, files: await s.listArtifacts(id, rel) };
}

/** GET /api/2.0/mlflow-artifacts/artifacts?path=<exp>/<run>/artifacts/<dir> → {files} (names in that folder). */
export async function listProxied(p: Params, s: TrackingStore): Promise<{ files: FileInfo[] }> {
  const t = await artifactTarget(s, opt(p, "path") ?? "", true);
  const files = t.kind === "run" ? await s.listArtifacts(t.id, t.rel) : await s.listLoggedModelArtifacts(t.id, t.rel);
  return { files: files.map((f) => ({ ...f, path: f.path.slice(f.path.lastIndexOf("/") + 1) })) };
}

export async function uploadProxied(raw: string, body: Uint8Array, s: TrackingStore): Promise<void> {
  const t = await artifactTarget(s, proxiedPath(raw), false);
  if (t.kind === "run") await s.logArtifact(t.id, t.rel, body);
  else await s.logLoggedModelArtifact(t.id, t.rel, body);
}

export async function downloadProxied(raw: string, s: TrackingStore): Promise<Uint8Array> {
  const t = await artifactTarget(s, proxiedPath(raw), false);
  return t.kind === "run" ? s.readArtifact(t.id, t.rel) : s.readLoggedModelArtifact(t.id, t.rel);
}

/** Files a browser may show as text; anything else is sent as bytes (never as HTML: no script runs from a model). */
const TEXT_FILE = /(^|\/)(MLmodel|[^/]*\.(txt|yaml|yml|json|md|py|csv|log))$/;

/** GET logged-models/<id>/artifacts/files?artifact_file_path=<path> → the file's bytes, as MLflow's UI reads them. */
export async function loggedModelFile(modelId: string, p: Params, s: TrackingStore) {
  const path = opt(p, "artifact_file_path");
  if (!path) throw new HttpError(400, "BAD_REQUEST", 'Request must include the "artifact_file_path" query parameter.');
  const rel = checkArtifactPath(path, false);
  await s.getLoggedModel(modelId);
  const bytes = await s.readLoggedModelArtifact(modelId, rel);
  return { bytes, contentType: TEXT_FILE.test(rel) ? "text/plain; charset=utf-8" : "application/octet-stream" };
}
