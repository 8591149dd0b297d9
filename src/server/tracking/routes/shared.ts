/** What every route module shares: the handler types and small helpers. */
import type { TrackingStore } from "../../../tracking/store.js";
import type { Params } from "../params.js";

export type Verb = "GET" | "POST" | "PATCH" | "DELETE";
/** `path`: the `:name` segments of the route's path (e.g. `logged-models/:model_id`), percent-decoded. */
export type Handler = (
  p: Params,
  s: TrackingStore,
  path: Readonly<Record<string, string>>,
) => Promise<object | undefined>;
export type Route = Readonly<Partial<Record<Verb, Handler>>>;

/** Runs a store call that answers nothing, and answers MLflow's `{}`. */
export const done = async (work: Promise<unknown>) => {
  await work;
  return {};
};
