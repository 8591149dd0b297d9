/**
 * The one place errors become HTTP answers, in MLflow's shape: `{"error_code": "...", "message": "..."}`.
 * Inner code throws (HandgestureError with its code, or HttpError with a status); only the edge converts.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { HandgestureError } from "../core/errors.js";

/** An error that already knows its HTTP status and MLflow error code. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** MLflow's statuses for its error codes; anything unknown is the server's fault. */
export function statusOf(code: string): ContentfulStatusCode {
  switch (code) {
    case "RESOURCE_DOES_NOT_EXIST":
      return 404;
    case "INTERNAL_ERROR":
      return 500;
    default:
      return 400;
  }
}

export function errorBody(errorCode: string, message: string): { error_code: string; message: string } {
  return { error_code: errorCode, message };
}

/** Hono's onError: HttpError and HandgestureError keep their status and code; anything else is a logged 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof HttpError) return c.json(errorBody(err.errorCode, err.message), err.status);
  if (err instanceof HandgestureError) return c.json(errorBody(err.code, err.message), statusOf(err.code));
  // Hono's own HTTPException (e.g. from a middleware) carries a status.
  const status = (err as { status?: unknown }).status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return c.json(errorBody("BAD_REQUEST", err.message || "bad request"), status as ContentfulStatusCode);
  }
  console.error(err);
  return c.json(errorBody("INTERNAL_ERROR", "internal server error"), 500);
}

export function notFound(c: Context): Response {
  return c.json(errorBody("ENDPOINT_NOT_FOUND", `no endpoint ${c.req.method} ${new URL(c.req.url).pathname}`), 404);
}
