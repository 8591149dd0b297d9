/**
 * The one place errors become HTTP answers, in MLflow 3's shape: `{"error_code": "...", "message": "...",
 * "sqlstate": "...", "error_class": "..."}` (the last two for the codes MLflow classifies; MLflow 2 clients read
 * only the first two). Inner code throws (HandgestureError with its code, or HttpError with a status); only the
 * edge converts.
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

/** MLflow 3's client-side classification of an error code: [sqlstate, error_class] (docs/mlflow3-compat.md §2). */
const CLASSIFICATION: Readonly<Record<string, readonly [string, string]>> = Object.freeze({
  BAD_REQUEST: ["KAM00", "INVALID_PARAMETER_VALUE"],
  ENDPOINT_NOT_FOUND: ["KAM00", "RESOURCE_NOT_FOUND"],
  INTERNAL_ERROR: ["XXM00", "CLIENT_INTERNAL_ERROR"],
  INVALID_PARAMETER_VALUE: ["KAM00", "INVALID_PARAMETER_VALUE"],
  INVALID_STATE: ["XXM00", "CLIENT_INTERNAL_ERROR"],
  NOT_FOUND: ["KAM00", "RESOURCE_NOT_FOUND"],
  PERMISSION_DENIED: ["KAM00", "PERMISSION_DENIED"],
  RESOURCE_ALREADY_EXISTS: ["KAM00", "RESOURCE_ALREADY_EXISTS"],
  RESOURCE_DOES_NOT_EXIST: ["KAM00", "RESOURCE_NOT_FOUND"],
  TEMPORARILY_UNAVAILABLE: ["XXM00", "CLIENT_INTERNAL_ERROR"],
});
/** A refused order_by field is classed apart by MLflow (KAM04), though its code is INVALID_PARAMETER_VALUE. */
const ATTRIBUTE_NOT_FOUND = /^Invalid order by field name/;

export interface ErrorBody {
  error_code: string;
  message: string;
  sqlstate?: string;
  error_class?: string;
}

export function errorBody(errorCode: string, message: string): ErrorBody {
  const body: ErrorBody = { error_code: errorCode, message };
  const classified =
    errorCode === "INVALID_PARAMETER_VALUE" && ATTRIBUTE_NOT_FOUND.test(message)
      ? (["KAM04", "ATTRIBUTE_NOT_FOUND"] as const)
      : CLASSIFICATION[errorCode];
  if (classified) [body.sqlstate, body.error_class] = classified;
  return body;
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
