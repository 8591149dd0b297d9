/**
 * The model a scoring server answers with, from a model URI. Fixed URIs (a path, runs:/, models:/<name>/<version>)
 * load once. Stage, alias and `latest` URIs follow the registry: a poll asks which version the URI names now and,
 * when it changed, loads that version fully and then swaps one reference. A request reads the reference once, so
 * requests in flight finish on the model they started with and none is dropped.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { HandgestureError } from "../../core/errors.js";
import { readModel } from "../../node/model-io.js";
import { MODEL_FILE, TrackingClient } from "../../tracking/client.js";
import { modelVersionForUri, parseModelUri } from "../../tracking/model-uri.js";
import { openStore, trackingUri } from "../../tracking/open-store.js";
import type { TrackingStore } from "../../tracking/store.js";
import { ServedModel } from "./served-model.js";

export const DEFAULT_POLL_SECONDS = 5;

export interface LiveModelOptions {
  /** The tracking store for runs:/ and models:/ URIs (default: openStore of `trackingUri`). */
  store?: TrackingStore;
  /** Tracking URI when no store is given (default $MLFLOW_TRACKING_URI, else ./mlruns). */
  trackingUri?: string;
  /** How often a stage, alias or latest URI asks the registry again (default 5 s). */
  pollSeconds?: number;
  /** Where switches and poll failures are reported (default console.error). */
  log?: (message: string) => void;
}

/** What the app reads per request: the model answering now. */
export interface ModelProvider {
  readonly current: ServedModel;
}

export interface LiveModel extends ModelProvider {
  /** True for stage, alias and latest URIs, which follow the registry. */
  readonly follows: boolean;
  /** Asks the registry once now; true when another version was loaded and swapped in. */
  refresh(): Promise<boolean>;
  /** Stops polling. */
  close(): void;
}

/** Loads the model a URI names; for stage, alias and latest URIs, keeps following the registry until closed. */
export async function openLiveModel(uri: string, options: LiveModelOptions = {}): Promise<LiveModel> {
  const parsed = parseModelUri(uri);
  const log = options.log ?? ((m: string) => console.error(m));
  if (parsed.kind === "path") {
    const served = await loadPath(parsed.path, uri);
    return { current: served, follows: false, refresh: async () => false, close: () => {} };
  }
  const client = new TrackingClient(options.store ?? (await openStore(trackingUri(options.trackingUri))));
  const follows = parsed.kind === "models-stage" || parsed.kind === "models-alias" || parsed.kind === "models-latest";
  if (!follows) {
    const loaded = await client.loadModel(uri);
    const origin = { uri, runId: loaded.runId, version: loaded.version, name: nameOf(parsed) };
    return { current: new ServedModel(loaded.model, origin), follows, refresh: async () => false, close: () => {} };
  }

  const versionNow = async () => (await modelVersionForUri(parsed, client.store)).version;
  const load = async (version: string): Promise<ServedModel> => {
    const name = nameOf(parsed) as string;
    const loaded = await client.loadModel(`models:/${name}/${version}`);
    return new ServedModel(loaded.model, { uri, name, version, runId: loaded.runId });
  };
  let current = await load(await versionNow());
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let lastProblem = "";
  let refreshing: Promise<boolean> | undefined;

  const check = async (): Promise<boolean> => {
    const version = await versionNow();
    if (version === current.origin.version) return false;
    const next = await load(version); // fully loaded and warmed before anyone sees it
    if (closed) return false;
    const before = current.tag;
    current = next;
    log(`model: ${uri} now names ${next.tag} (was ${before}); switched`);
    return true;
  };
  const refresh = (): Promise<boolean> => {
    refreshing ??= check().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };
  const pollMs = Math.max(0.01, options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(async () => {
      try {
        await refresh();
        lastProblem = "";
      } catch (e) {
        // Keep answering with the model we have; say so once per distinct problem.
        const problem = (e as Error).message;
        if (problem !== lastProblem) log(`model: cannot follow ${uri} (still serving ${current.tag}): ${problem}`);
        lastProblem = problem;
      }
      schedule();
    }, pollMs);
    timer.unref();
  };
  schedule();
  return {
    get current() {
      return current;
    },
    follows,
    refresh,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}

function nameOf(parsed: ReturnType<typeof parseModelUri>): string | undefined {
  return "name" in parsed ? parsed.name : undefined;
}

/** A model file, or an MLflow model folder holding one (model.json beside MLmodel). */
async function loadPath(path: string, uri: string): Promise<ServedModel> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, MODEL_FILE);
  } catch {
    throw new HandgestureError(`cannot read model ${path}: no such file or folder`, "RESOURCE_DOES_NOT_EXIST");
  }
  const { model } = await readModel(file);
  return new ServedModel(model, { uri });
}
