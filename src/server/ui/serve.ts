/**
 * `handgesture ui` without the command line: open the store, make sure its registry has a Production model (the
 * shipped default when it has none), follow that model, and serve the page, the scoring protocol and the tracking
 * API on one port.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { buildHandLandmarkerBundle } from "../../node/hand-landmarker-bundle.js";
import { PACKAGE_ROOT } from "../../node/package-root.js";
import { TrackingClient } from "../../tracking/client.js";
import { openStore, trackingUri } from "../../tracking/open-store.js";
import type { RunningServer } from "../http.js";
import { type LiveModel, openLiveModel } from "../scoring/live-model.js";
import type { SecurityOptions } from "../security.js";
import { checkSecurity, listenOn, storeWarnings } from "../tracking/serve.js";
import { createUiApp, type UiApp } from "./app.js";
import { DEFAULT_MODEL_FILE, ensureProductionModel } from "./default-model.js";

export const DEFAULT_PORT = 5000;
export const DEFAULT_MODEL_NAME = "hand-gesture";

export interface ServeUiOptions {
  /** The store served (default: $MLFLOW_TRACKING_URI, else ./mlruns if it holds runs, else sqlite:///mlflow.db). */
  trackingUri?: string;
  /** Registered model whose Production version the page and /invocations use (default "hand-gesture"). */
  modelName?: string;
  /** A model file or URI to use instead of the registry's Production model. */
  modelUri?: string;
  port?: number;
  host?: string;
  security?: SecurityOptions;
  maxArtifactBytes?: number;
  recordingsDir?: string;
  samplesFile?: string;
  pollSeconds?: number;
  /** Where the dashboard's dataset profiles may read CSV files (default: the working directory). */
  dataRoot?: string;
  log?: (message: string) => void;
}

export interface ServingUi {
  running: RunningServer;
  app: UiApp;
  model: LiveModel;
  storeUri: string;
  warnings: string[];
  close(): Promise<void>;
}

/** The built page: dist/page of this package (`npm run build` makes it). */
export const WEB_ROOT = join(PACKAGE_ROOT, "dist", "page");

/** The folder of the installed @mediapipe/hands package. */
export function mediapipeRoot(): string {
  return dirname(createRequire(import.meta.url).resolve("@mediapipe/hands/package.json"));
}

/** The wasm folder of the installed @mediapipe/tasks-vision package (its exports hide package.json). */
export function tasksVisionWasmRoot(): string {
  return dirname(createRequire(import.meta.url).resolve("@mediapipe/tasks-vision/vision_wasm_internal.wasm"));
}

export async function serveUi(options: ServeUiOptions = {}): Promise<ServingUi> {
  const log = options.log ?? ((m: string) => console.error(m));
  const storeUri = trackingUri(options.trackingUri);
  const host = options.host ?? "127.0.0.1";
  const security = options.security ?? {};
  checkSecurity(security);
  const store = await openStore(storeUri, { server: true });
  let modelUri = options.modelUri;
  if (!modelUri) {
    const name = options.modelName ?? DEFAULT_MODEL_NAME;
    const ensured = await ensureProductionModel(new TrackingClient(store), { name, modelFile: DEFAULT_MODEL_FILE });
    if (ensured.registered) {
      log(`registry had no Production "${name}": registered the shipped default model as version ${ensured.version}`);
    }
    modelUri = `models:/${name}/Production`;
  }
  const model = await openLiveModel(modelUri, { store, pollSeconds: options.pollSeconds, log });
  // Built from @mediapipe/hands at each start (some 50 ms): always the installed package's models, nothing to ship.
  const handLandmarkerTask = await buildHandLandmarkerBundle(mediapipeRoot());
  const app = createUiApp({
    store,
    model,
    webRoot: WEB_ROOT,
    mediapipeRoot: mediapipeRoot(),
    tasksVisionWasmRoot: tasksVisionWasmRoot(),
    handLandmarkerTask,
    recordingsDir: options.recordingsDir,
    samplesFile: options.samplesFile,
    security,
    maxArtifactBytes: options.maxArtifactBytes,
    dataRoot: options.dataRoot,
  });
  let running: RunningServer;
  try {
    running = await listenOn(app.fetch, host, options.port ?? DEFAULT_PORT);
  } catch (e) {
    model.close();
    await store.close?.();
    throw e;
  }
  return {
    running,
    app,
    model,
    storeUri,
    warnings: storeWarnings(host, security),
    close: async () => {
      model.close();
      await running.close();
      await store.close?.();
    },
  };
}
