/**
 * Where the recognizer's model comes from: a model file already parsed, its URL, the Production model of a
 * `handgesture ui` (run in the page), a scoring server's API, or a classifier of the caller's own.
 */
import { ApiClassifier, type Classifier, LocalClassifier, type RequestHeaders } from "./classifiers.js";

export type ModelSource =
  /** A model file's JSON (what `handgesture fit` writes), run in the page. */
  | Record<string, unknown>
  /** The URL of a model file, fetched once and run in the page. */
  | string
  | URL
  /**
   * The model a `handgesture ui` at `server` serves (its registry's Production model), or with `uri` the one that
   * names in its store (`models:/hand-gesture/3`, `models:/hand-gesture@champion`, `models:/<model_id>`), fetched
   * and run in the page.
   */
  | { server: string; uri?: string; headers?: RequestHeaders }
  /** A scoring server (`handgesture serve` or `ui`): every frame's hands are sent to its /invocations. */
  | { api: string; headers?: RequestHeaders }
  | Classifier;

const isClassifier = (m: unknown): m is Classifier =>
  typeof m === "object" && m !== null && typeof (m as Classifier).classify === "function";

/** Loads or connects to the model `source` names; a refused model throws with the reason. */
export async function loadClassifier(source: ModelSource, headers: RequestHeaders = {}): Promise<Classifier> {
  if (isClassifier(source)) return source;
  if (typeof source === "string" || source instanceof URL) {
    const url = String(source);
    const res = await fetch(url, { headers });
    if (!res.ok) throw new Error(`cannot load the model ${url}: ${res.status} ${await res.text()}`);
    return new LocalClassifier(await res.json(), url.split("/").pop() || url);
  }
  const {
    server,
    uri,
    api,
    headers: extra,
    name,
  } = source as { server?: unknown; uri?: unknown; api?: unknown; headers?: RequestHeaders; name?: unknown };
  if (typeof server === "string") {
    return LocalClassifier.fromServer(server, { ...headers, ...extra }, typeof uri === "string" ? uri : undefined);
  }
  if (typeof api === "string") return ApiClassifier.connect(api, { ...headers, ...extra });
  return new LocalClassifier(source, typeof name === "string" ? name : "model");
}
