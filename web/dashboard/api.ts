/**
 * The dashboard's one way to the server: MLflow's REST API through the library's own RestStore (the same client the
 * CLI uses against a real MLflow), so the dashboard works the same over a `handgesture ui` on a file store, SQLite,
 * PostgreSQL or another MLflow server. The only other calls are the artifact downloads of MLflow's proxied artifact
 * API and `handgesture ui`'s own /api/ui/* (dataset profiles, the model the page runs now).
 */
import type { Run } from "../../src/tracking/entities.js";
import { RestStore, RestStoreError } from "../../src/tracking/rest-store.js";

const TOKEN_KEY = "handgesture.token";

/** The bearer token for a server started with --auth-token: asked once, kept for this tab. */
let token: string | undefined = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
const tokenListeners = new Set<(asked: boolean) => void>();

/** Called with true when the server asks for a token (a 401), false once one is given. */
export function onTokenNeeded(f: (asked: boolean) => void): () => void {
  tokenListeners.add(f);
  return () => tokenListeners.delete(f);
}

function askForToken(): void {
  for (const f of tokenListeners) f(true);
}

export function setToken(value: string): void {
  const t = value.trim();
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
  token = t || undefined;
  for (const f of tokenListeners) f(false);
}

export const hasToken = (): boolean => token !== undefined;

export const store = new RestStore(location.origin, { token: () => token, timeoutMs: 60_000 });

/** A message a person understands for any failure of a call; a 401 also asks for the token. */
export function explain(e: unknown): string {
  if (e instanceof RestStoreError) {
    if (e.status === 401) {
      askForToken();
      return "This server needs a token (it was started with --auth-token): enter it above.";
    }
    if (e.status === 403) return `Refused: ${e.message}`;
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** The Authorization header for the page's own calls (none without a token). */
export function authHeaders(): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The proxied artifact API's URL of a run's artifact (MLflow's `mlflow-artifacts` route, as its UI uses). */
export function artifactUrl(run: Run, path: string): string {
  const enc = path.split("/").map(encodeURIComponent).join("/");
  return `/api/2.0/mlflow-artifacts/artifacts/${encodeURIComponent(run.info.experiment_id)}/${encodeURIComponent(run.info.run_id)}/artifacts/${enc}`;
}

/** A run's artifact as text, through the same client as every other call. */
export async function artifactText(run: Run, path: string): Promise<string> {
  return new TextDecoder().decode(await store.readArtifact(run.info.run_id, path));
}

/** An artifact as an object URL (images behind a token cannot be <img src>'d directly). */
export async function artifactBlobUrl(run: Run, path: string, type: string): Promise<string> {
  const bytes = await store.readArtifact(run.info.run_id, path);
  return URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
}

/** GET of one of `handgesture ui`'s own JSON endpoints; errors carry the server's message. */
export async function uiJson<T>(path: string): Promise<{ body: T; headers: Headers }> {
  const res = await fetch(path, { headers: authHeaders() });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    if (res.status === 401) askForToken();
    const message = (body as { message?: string } | undefined)?.message ?? `${res.status} ${res.statusText}`;
    throw new Error(`${path.split("?")[0]}: ${message}`);
  }
  return { body: body as T, headers: res.headers };
}

/** Every run of the experiments matching the filter, page by page (the server's largest page is 1000 runs). */
export async function allRuns(experimentIds: string[], filter: string, onPage?: (runs: Run[]) => void): Promise<Run[]> {
  const out: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchRuns({ experimentIds, filter: filter || undefined, maxResults: 1000, pageToken });
    out.push(...page.items);
    onPage?.(out.slice());
    pageToken = page.next_page_token;
  } while (pageToken);
  return out;
}

export const tag = (run: Run, key: string): string | undefined => run.data.tags.find((t) => t.key === key)?.value;
export const metric = (run: Run, key: string): number | undefined => run.data.metrics.find((m) => m.key === key)?.value;
export const param = (run: Run, key: string): string | undefined => run.data.params.find((p) => p.key === key)?.value;
