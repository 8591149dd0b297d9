/**
 * What both servers put in front of their routes: a bearer token on writes (and on reads when asked), a request
 * body limit, and CORS only for the origins the user names. Options are resolved once, when the middleware is
 * built, not per request.
 */
import { timingSafeEqual } from "node:crypto";
import type { Context, Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { errorBody } from "./errors.js";

export interface SecurityOptions {
  /** Required as `Authorization: Bearer <token>` on every write; default none (open, for loopback use). */
  authToken?: string;
  /** Require the token on reads too. */
  authReads?: boolean;
  /** Origins allowed to call from a browser (exact matches, e.g. http://localhost:5173); default none. */
  corsOrigins?: readonly string[];
  /** Largest request body accepted, in bytes (default 16 MiB). */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** The environment variable that `--auth-token` defaults to. */
export const AUTH_TOKEN_ENV = "HANDGESTURE_AUTH_TOKEN";

/** Whether a request changes anything; the servers pass their own rule (MLflow searches are POSTs, yet reads). */
export type IsWrite = (c: Context) => boolean;

export const writesByMethod: IsWrite = (c) => !["GET", "HEAD", "OPTIONS"].includes(c.req.method);

function sameToken(given: string, expected: Buffer): boolean {
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

export function bearerAuth(token: string, needsAuth: IsWrite): MiddlewareHandler {
  const expected = Buffer.from(token);
  return async (c, next) => {
    if (c.req.method === "OPTIONS" || !needsAuth(c)) return next();
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m || !sameToken(m[1].trim(), expected)) {
      c.header("WWW-Authenticate", 'Bearer realm="handgesture"');
      return c.json(
        errorBody("UNAUTHENTICATED", m ? "invalid bearer token" : "this request needs Authorization: Bearer <token>"),
        401,
      );
    }
    return next();
  };
}

/** Installs CORS, the body limit and the token check on every route of `app` (call before adding routes). */
export function secure(app: Hono, options: SecurityOptions, isWrite: IsWrite = writesByMethod): void {
  const origins = [...(options.corsOrigins ?? [])];
  if (origins.length > 0) {
    app.use(
      "*",
      cors({
        origin: origins,
        allowHeaders: ["Authorization", "Content-Type"],
        exposeHeaders: ["X-Model-Version", "X-Worker"], // which model and worker answered: the page shows it
        maxAge: 600,
      }),
    );
  }
  const maxSize = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const tooLarge = (c: Context) =>
    c.json(errorBody("REQUEST_LIMIT_EXCEEDED", `request body larger than ${maxSize} bytes`), 413);
  const streamed = bodyLimit({ maxSize, onError: tooLarge });
  app.use("*", async (c, next) => {
    // A declared length is checked from the header (Node's parser enforces it on the body): wrapping the body in a
    // counting stream, as bodyLimit does, costs more than the rest of a small request. Chunked bodies are counted.
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      return Number(length) > maxSize ? tooLarge(c) : next();
    }
    return streamed(c, next);
  });
  const token = options.authToken;
  if (token) app.use("*", bearerAuth(token, options.authReads ? () => true : isWrite));
}
