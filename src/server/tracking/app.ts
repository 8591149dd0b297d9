/**
 * The MLflow-compatible tracking server as a Hono app over any TrackingStore: MLflow's REST API (./routes.ts) under
 * /api/2.0/mlflow/ and, as MLflow answers its web UI, /ajax-api/2.0/mlflow/; the proxied artifact API for runs and
 * logged models (./artifacts.ts), /health and /version, behind the shared security middleware.
 * `handgesture ui` serves it over the file store; tests serve it with listen(app.fetch, { port: 0 }).
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { TrackingStore } from "../../tracking/store.js";
import { errorBody, notFound, onError } from "../errors.js";
import { DEFAULT_MAX_BODY_BYTES, type SecurityOptions, secure } from "../security.js";
import {
  ARTIFACTS_PREFIX,
  downloadProxied,
  hasDotSegment,
  listProxied,
  listRunArtifacts,
  loggedModelFile,
  rawPath,
  uploadProxied,
} from "./artifacts.js";
import { bodyParams, invalid, type Params, queryParams, wire } from "./params.js";
import { type Handler, isWriteCall, ROUTES, type Verb } from "./routes.js";

/**
 * The MLflow version this server answers as (GET /version): the REST API the routes follow is MLflow 3.11's (the
 * LoggedModel API and the rest observed in docs/mlflow3-compat.md, from 3.11.2.dev0); 3.11.1 is its last release.
 * MLflow 2.12's calls are all still answered as 2.12 answered them.
 */
export const MLFLOW_VERSION = "3.11.1";
export const API_PREFIX = "/api/2.0/mlflow/";
/** MLflow serves every endpoint under this prefix too (its web UI calls it). */
export const AJAX_API_PREFIX = "/ajax-api/2.0/mlflow/";
const PREFIXES = [API_PREFIX, AJAX_API_PREFIX] as const;

export interface TrackingAppOptions {
  store: TrackingStore;
  /** Token, CORS origins, JSON body limit (see SecurityOptions); default open, for loopback use. */
  security?: SecurityOptions;
  /** Largest artifact upload, in bytes (default 512 MiB): model files outgrow JSON bodies (a KNN keeps its rows). */
  maxArtifactBytes?: number;
}

export const DEFAULT_MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;

const tooLarge = (limit: number) => (c: Context) =>
  c.json(errorBody("REQUEST_LIMIT_EXCEEDED", `request body larger than ${limit} bytes`), 413);

/**
 * Errors on their way to onError: a name longer than the file system takes (ENAMETOOLONG, bare or wrapped by the
 * file store) is the request's fault, a 400; any other internal error is answered without its message (which may
 * name the store's paths) and logged by onError.
 */
function forClient(err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENAMETOOLONG" || (code === "INTERNAL_ERROR" && err.message.includes("ENAMETOOLONG"))) {
    return invalid("A name, key or artifact path is too long for the tracking store (at most 255 bytes a segment).");
  }
  if (code === "INTERNAL_ERROR") return new Error("internal error", { cause: err }); // logged, not sent
  return err;
}

/** A write is decided per endpoint: MLflow's search POSTs are reads. */
function isWrite(c: Context): boolean {
  const path = c.req.path;
  const prefix = PREFIXES.find((p) => path.startsWith(p));
  return isWriteCall(c.req.method, prefix ? path.slice(prefix.length) : path);
}

/** 405 with an Allow header naming the verbs the endpoint takes. */
function methodNotAllowed(allowed: readonly string[]) {
  const message = `Method not allowed; this endpoint takes ${allowed.join(", ")}`;
  return (c: Context) => c.json(errorBody("BAD_REQUEST", message), 405, { Allow: allowed.join(", ") });
}

/** A JSON endpoint's parameters: the query string for a GET that has one, else the JSON body (MLflow's rule). */
async function requestParams(c: Context): Promise<Params> {
  const method = c.req.method;
  const url = new URL(c.req.url);
  if ((method === "GET" || method === "HEAD") && url.search.length > 1) return queryParams(url.searchParams);
  if (method === "POST") {
    const type = c.req.header("content-type");
    if (type === undefined) throw invalid("Bad Request. Content-Type header is missing.");
    if (type.split(";")[0].trim().toLowerCase() !== "application/json") {
      throw invalid("Bad Request. Content-Type must be one of ['application/json'].");
    }
  }
  return bodyParams(await c.req.text());
}

function jsonEndpoint(store: TrackingStore, handler: Handler) {
  return async (c: Context) =>
    c.json(
      wire((await handler(await requestParams(c), store, c.req.param() as Record<string, string>)) ?? {}) as object,
    );
}

export function createTrackingApp({
  store,
  security = {},
  maxArtifactBytes = DEFAULT_MAX_ARTIFACT_BYTES,
}: TrackingAppOptions): Hono {
  const app = new Hono();
  // Before the middleware: liveness probes carry no token, even with authReads.
  app.get("/health", (c) => c.text("OK"));
  // The shared middleware's limit is the larger one; JSON endpoints get theirs below.
  const maxJson = security.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  secure(app, { ...security, maxBodyBytes: Math.max(maxJson, maxArtifactBytes) }, isWrite);
  for (const prefix of PREFIXES) app.use(`${prefix}*`, bodyLimit({ maxSize: maxJson, onError: tooLarge(maxJson) }));
  app.use(`${ARTIFACTS_PREFIX}/*`, bodyLimit({ maxSize: maxArtifactBytes, onError: tooLarge(maxArtifactBytes) }));
  app.use("*", async (c, next) => {
    if (hasDotSegment(rawPath(c))) {
      throw invalid("Invalid request path: '.' and '..' segments (literal or percent-encoded) are not allowed.");
    }
    return next();
  });

  app.get("/version", (c) => c.text(MLFLOW_VERSION));

  for (const prefix of PREFIXES) {
    for (const [path, route] of Object.entries(ROUTES)) {
      const verbs = Object.keys(route) as Verb[];
      for (const verb of verbs) app.on(verb, prefix + path, jsonEndpoint(store, route[verb]!));
      app.all(prefix + path, methodNotAllowed(verbs));
    }
    app.get(`${prefix}artifacts/list`, jsonEndpoint(store, listRunArtifacts));
    app.all(`${prefix}artifacts/list`, methodNotAllowed(["GET"]));
    // A logged model's file, raw (MLflow's UI reads it under /ajax-api/ only; cheap to answer on both).
    app.get(`${prefix}logged-models/:model_id/artifacts/files`, async (c) => {
      const file = await loggedModelFile(c.req.param("model_id"), queryParams(new URL(c.req.url).searchParams), store);
      return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, { "Content-Type": file.contentType });
    });
    app.all(`${prefix}logged-models/:model_id/artifacts/files`, methodNotAllowed(["GET"]));
  }

  app.get(ARTIFACTS_PREFIX, async (c) =>
    c.json(wire(await listProxied(queryParams(new URL(c.req.url).searchParams), store)) as object),
  );
  app.all(ARTIFACTS_PREFIX, methodNotAllowed(["GET"]));
  app.put(`${ARTIFACTS_PREFIX}/*`, async (c) => {
    await uploadProxied(rawPath(c), new Uint8Array(await c.req.arrayBuffer()), store);
    return c.json({});
  });
  app.get(`${ARTIFACTS_PREFIX}/*`, async (c) => {
    const bytes = await downloadProxied(rawPath(c), store);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "Content-Type": "application/octet-stream" });
  });
  app.all(`${ARTIFACTS_PREFIX}/*`, methodNotAllowed(["GET", "PUT"]));

  app.onError((err, c) => onError(forClient(err), c));
  app.notFound(notFound);
  return app;
}
