/** Page tokens, max_results and view types, as MLflow's SearchUtils (shared by the file store's searches). */
import { HandgestureError } from "../core/errors.js";
import type { LifecycleStage, Page, ViewType } from "./entities.js";
import { SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD } from "./validation.js";

function invalid(message: string): HandgestureError {
  return new HandgestureError(message, "INVALID_PARAMETER_VALUE");
}

/** base64 of `{"offset": N}`, byte for byte as MLflow's SearchUtils writes it. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }).replace(":", ": "), "utf8").toString("base64");
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    throw invalid(`Invalid page token, could not base64-decode or parse: '${token}'`);
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw invalid(`Invalid page token, parsed value=${JSON.stringify(parsed)}`);
  }
  return offset;
}

/** The page of items after the token's offset; a next token when more remain. */
export function paginate<T>(items: readonly T[], pageToken: string | undefined, maxResults: number): Page<T> {
  const start = decodePageToken(pageToken);
  const end = start + maxResults;
  const page: Page<T> = { items: items.slice(start, end) };
  if (end < items.length) page.next_page_token = encodePageToken(end);
  return page;
}

/** max_results checked against MLflow's bounds (1 … threshold); the default when absent. */
export function checkMaxResults(
  maxResults: number | undefined,
  fallback = SEARCH_MAX_RESULTS_DEFAULT,
  threshold = SEARCH_MAX_RESULTS_THRESHOLD,
): number {
  const n = maxResults ?? fallback;
  if (!Number.isInteger(n) || n < 1) {
    throw invalid(`Invalid value for max_results. It must be a positive integer, but got ${n}`);
  }
  if (n > threshold) throw invalid(`Invalid value for max_results. It must be at most ${threshold}, but got ${n}`);
  return n;
}

export function inView(stage: LifecycleStage, view: ViewType): boolean {
  return view === "ALL" || (view === "ACTIVE_ONLY" ? stage === "active" : stage === "deleted");
}
