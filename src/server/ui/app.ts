/**
 * `handgesture ui`: one server on one port, as `mlflow ui` is.
 *   /                       the live page (dist/page, built by Vite from web/)
 *   /mediapipe/hands/*      the files of the npm package @mediapipe/hands, so the page needs no CDN
 *   /mediapipe/tasks/*      @mediapipe/tasks-vision's WebAssembly (wasm/) and hand_landmarker.task, the model
 *                           bundle built from @mediapipe/hands' network files (src/node/hand-landmarker-bundle.ts)
 *   /api/ui/*               the page's own calls: the model to run in the page, recordings, collected samples,
 *                           dataset profiles (datasets.ts), own-gesture recordings (own-samples.ts)
 *   /invocations, /predict/hands, /ping   the scoring protocol, answered by the registry's Production model
 *   /api/2.0/..., /health, /version       the tracking server (MLflow's REST API) over the same store
 * Each part is its own Hono app; a request goes to one of them by its path.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { toModelFile } from "../../core/model-file.js";
import { writeFileAtomic } from "../../node/model-io.js";
import { TrackingClient } from "../../tracking/client.js";
import type { TrackingStore } from "../../tracking/store.js";
import { errorBody, HttpError, notFound, onError } from "../errors.js";
import { createScoringApp } from "../scoring/app.js";
import type { ModelProvider } from "../scoring/live-model.js";
import type { ServedModel } from "../scoring/served-model.js";
import { type SecurityOptions, secure } from "../security.js";
import { createTrackingApp } from "../tracking/app.js";
import { addDatasetRoutes } from "./datasets.js";
import { addOwnSampleRoutes, OwnSampleStore } from "./own-samples.js";
import { jsonBody, SampleStore } from "./samples.js";

export const RECORDINGS_DIR = "output_videos";
export const DEFAULT_SAMPLES_FILE = "collected_samples.csv";
/** Largest recording accepted: about an hour of 640x480 VP8 at MediaRecorder's default rate. */
export const DEFAULT_MAX_RECORDING_BYTES = 1024 * 1024 * 1024;

export interface UiAppOptions {
  store: TrackingStore;
  /** The model /invocations and /api/ui/model answer with (the registry's Production model, or a file). */
  model: ModelProvider;
  /** The built page (dist/page). */
  webRoot: string;
  /** The files of @mediapipe/hands. */
  mediapipeRoot: string;
  /** The wasm folder of @mediapipe/tasks-vision. */
  tasksVisionWasmRoot?: string;
  /** hand_landmarker.task for tasks-vision's HandLandmarker (buildHandLandmarkerBundle). */
  handLandmarkerTask?: Uint8Array;
  /** Where recordings go (default ./output_videos). */
  recordingsDir?: string;
  /** Collect mode's CSV (default ./collected_samples.csv). */
  samplesFile?: string;
  security?: SecurityOptions;
  maxArtifactBytes?: number;
  maxRecordingBytes?: number;
  /** Where `/api/ui/datasets/profile` may read CSV files (default: the working directory). */
  dataRoot?: string;
}

export interface UiApp {
  fetch(request: Request): Response | Promise<Response>;
  samples: SampleStore;
}

/** A timestamp that sorts, and is a file name on every system: 2026-12-03T01-02-03-456Z. */
export function recordingName(now = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, "-")}.webm`;
}

export function createUiApp(options: UiAppOptions): UiApp {
  const security = options.security ?? {};
  const tracking = createTrackingApp({ store: options.store, security, maxArtifactBytes: options.maxArtifactBytes });
  const scoring = createScoringApp(options.model, security);
  const recordingsDir = options.recordingsDir ?? RECORDINGS_DIR;
  const samples = new SampleStore(options.samplesFile ?? DEFAULT_SAMPLES_FILE);
  const maxRecording = options.maxRecordingBytes ?? DEFAULT_MAX_RECORDING_BYTES;

  const page = new Hono();
  // Cross-origin isolation: the page's clock then resolves microseconds (it shows per-frame classification time),
  // and nothing from another origin can be embedded in it.
  page.use("*", async (c, next) => {
    await next();
    c.res.headers.set("Cross-Origin-Opener-Policy", "same-origin");
    c.res.headers.set("Cross-Origin-Embedder-Policy", "require-corp");
  });
  // The page and MediaPipe's files are public: a browser cannot put a token on a script tag. Anything else
  // (no file by that name) falls through to the security middleware and the routes below.
  page.get(
    "/mediapipe/hands/*",
    serveStatic({ root: options.mediapipeRoot, rewriteRequestPath: (p) => p.replace(/^\/mediapipe\/hands/, "") }),
  );
  if (options.tasksVisionWasmRoot) {
    page.get(
      "/mediapipe/tasks/wasm/*",
      serveStatic({
        root: options.tasksVisionWasmRoot,
        rewriteRequestPath: (p) => p.replace(/^\/mediapipe\/tasks\/wasm/, ""),
      }),
    );
  }
  const task = options.handLandmarkerTask;
  if (task) {
    page.get("/mediapipe/tasks/hand_landmarker.task", (c) =>
      c.body(new Uint8Array(task), 200, {
        "Content-Type": "application/octet-stream",
        "Cache-Control": "public, max-age=3600",
      }),
    );
  }
  page.get("/*", serveStatic({ root: options.webRoot }));
  secure(page, { ...security, maxBodyBytes: Math.max(maxRecording, security.maxBodyBytes ?? 0) });

  // The model file of whatever model answers now, serialized once per model.
  const modelJson = new WeakMap<ServedModel, string>();
  // ?uri=models:/name/3 (or models:/<model_id>, runs:/…): that model's file, from the store, for the page to run.
  page.get("/api/ui/model", async (c, next) => {
    const uri = c.req.query("uri");
    if (uri === undefined) return next();
    if (!/^(models|runs):\//.test(uri)) {
      throw new HttpError(
        400,
        "INVALID_PARAMETER_VALUE",
        `uri must be models:/… or runs:/…, got ${JSON.stringify(uri)}`,
      );
    }
    const loaded = await new TrackingClient(options.store).loadModel(uri);
    const tag = loaded.version ? `${uri} (version ${loaded.version})` : uri;
    return c.body(JSON.stringify(loaded.file), 200, {
      "Content-Type": "application/json",
      "X-Model-Version": tag,
    });
  });
  page.get("/api/ui/model", (c) => {
    const served = options.model.current;
    let json = modelJson.get(served);
    if (json === undefined) {
      json = JSON.stringify(toModelFile(served.model, { source: served.origin.uri }));
      modelJson.set(served, json);
    }
    return c.body(json, 200, { "Content-Type": "application/json", "X-Model-Version": served.tag });
  });

  page.post(
    "/api/ui/recordings",
    bodyLimit({
      maxSize: maxRecording,
      onError: (c) => c.json(errorBody("REQUEST_LIMIT_EXCEEDED", `recording larger than ${maxRecording} bytes`), 413),
    }),
    async (c) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
      if (type !== "video/webm") throw new HttpError(415, "BAD_REQUEST", "a recording must be sent as video/webm");
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      // WebM is Matroska: every file starts with the EBML magic 1A 45 DF A3.
      if (bytes.length < 4 || bytes[0] !== 0x1a || bytes[1] !== 0x45 || bytes[2] !== 0xdf || bytes[3] !== 0xa3) {
        throw new HttpError(400, "INVALID_PARAMETER_VALUE", "the body is not a WebM video (no EBML header)");
      }
      await mkdir(recordingsDir, { recursive: true });
      const name = recordingName();
      const file = join(recordingsDir, name);
      await writeFileAtomic(file, bytes); // through a temporary file: a crash never leaves a truncated .webm
      return c.json({ file, url: `/output_videos/${name}`, bytes: bytes.length }, 201);
    },
  );
  page.get("/output_videos/:name{[0-9A-Za-z_-]+\\.webm}", async (c) => {
    const bytes = await readFile(join(recordingsDir, c.req.param("name"))).catch(() => undefined);
    if (!bytes) throw new HttpError(404, "RESOURCE_DOES_NOT_EXIST", `no recording ${c.req.param("name")}`);
    return c.body(new Uint8Array(bytes), 200, { "Content-Type": "video/webm" });
  });

  page.get("/api/ui/samples", async (c) => c.json(await samples.summary()));
  page.post("/api/ui/samples", async (c) => c.json(await samples.append(await jsonBody(c))));

  addDatasetRoutes(page, { store: options.store, dataRoot: options.dataRoot });
  addOwnSampleRoutes(page, new OwnSampleStore(options.dataRoot ?? process.cwd()));

  page.onError(onError);
  page.notFound(notFound);

  const toScoring = new Set(["/invocations", "/predict/hands", "/ping"]);
  const toTracking = new Set(["/health", "/version"]);
  return {
    samples,
    fetch(request: Request) {
      const path = new URL(request.url).pathname;
      if (toScoring.has(path)) return scoring.fetch(request);
      if (toTracking.has(path) || path.startsWith("/api/2.0/") || path.startsWith("/ajax-api/")) {
        return tracking.fetch(request);
      }
      return page.fetch(request);
    },
  };
}
