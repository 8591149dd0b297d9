/**
 * The MLflow-compatible tracking server as a Hono app over any TrackingStore: MLflow's REST API 2.0 (./routes.ts),
 * the proxied artifact API (./artifacts.ts), /health and /version, behind the shared security middleware.
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
  rawPath,
  uploadProxied,
} from "./artifacts.js";
import { bodyParams, invalid, type Params, queryParams, wire } from "./params.js";
import { type Handler, isWriteCall, ROUTES, type Verb } from "./routes.js";

/** The MLflow version this server answers as (GET /version); its REST API is what the routes follow. */
export const MLFLOW_VERSION = "2.12.2";
export const API_PREFIX = "/api/2.0/mlflow/";

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
  return isWriteCall(c.req.method, path.startsWith(API_PREFIX) ? path.slice(API_PREFIX.length) : path);
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
  return async (c: Context) => c.json(wire((await handler(await requestParams(c), store)) ?? {}) as object);
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
  app.use(`${API_PREFIX}*`, bodyLimit({ maxSize: maxJson, onError: tooLarge(maxJson) }));
  app.use(`${ARTIFACTS_PREFIX}/*`, bodyLimit({ maxSize: maxArtifactBytes, onError: tooLarge(maxArtifactBytes) }));
  app.use("*", async (c, next) => {
    if (hasDotSegment(rawPath(c))) {
      throw invalid("Invalid request path: '.' and '..' segments (literal or percent-encoded) are not allowed.");
    }
    return next();
  });

  app.get("/version", (c) => c.text(MLFLOW_VERSION));

  for (const [path, route] of Object.entries(ROUTES)) {
    const verbs = Object.keys(route) as Verb[];
    for (const verb of verbs) app.on(verb, API_PREFIX + path, jsonEndpoint(store, route[verb]!));
    app.all(API_PREFIX + path, methodNotAllowed(verbs));
  }
  app.get(`${API_PREFIX}artifacts/list`, jsonEndpoint(store, listRunArtifacts));
  app.all(`${API_PREFIX}artifacts/list`, methodNotAllowed(["GET"]));

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
