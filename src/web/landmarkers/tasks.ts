/**
 * MediaPipe's maintained HandLandmarker (`@mediapipe/tasks-vision`), loaded from where `handgesture ui` serves
 * it: the WebAssembly at /mediapipe/tasks/wasm/ and hand_landmarker.task (built from @mediapipe/hands' network
 * files, src/node/hand-landmarker-bundle.ts) at /mediapipe/tasks/, so no request leaves the machine. It runs in a
 * page or in a worker (tasks-vision was made for both). A VIDEO-mode landmarker tracks; an IMAGE-mode one,
 * created on first use, searches still images afresh without disturbing the track.
 */
import { FilesetResolver, HandLandmarker, type HandLandmarkerResult } from "@mediapipe/tasks-vision";
import type { DetectedHand, FrameSource, HandLandmarkerBackend, LandmarkerOptions } from "./types.js";

export const TASKS_BASE = "/mediapipe/tasks/";

/**
 * tasks-vision 1.1.0 reports usage to Google (a POST to this host every minute and when a task closes, with no
 * option to turn it off). Nothing of a handgesture page may leave the machine: where tasks-vision runs, fetch
 * refuses that host, and tasks-vision stops logging after its first failed send.
 */
const TELEMETRY = "https://odml.pa.googleapis.com/";
let telemetryRefused = false;

function refuseTelemetry(): void {
  if (telemetryRefused) return;
  telemetryRefused = true;
  const original = globalThis.fetch.bind(globalThis);
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(TELEMETRY)) return Promise.reject(new TypeError(`handgesture sends nothing to ${TELEMETRY}`));
    return original(input, init);
  };
}

export interface TasksVisionLocation {
  /** Where wasm/ and hand_landmarker.task are served (default /mediapipe/tasks/). */
  base?: string;
  /**
   * The ES-module build of the WebAssembly loader: needed in module workers (no importScripts there), wrong in a
   * page (loaded by a script tag). Default: true where there is no document.
   */
  moduleLoader?: boolean;
}

/** tasks-vision wants absolute URLs for its files (it may fetch them from a worker, or via import()). */
function absolute(base: string): string {
  return new URL(base, self.location.href).href.replace(/\/?$/, "/");
}

/**
 * tasks-vision's handedness is already the hand as the person sees it in an unmirrored frame (checked against the
 * legacy package on the shared tiles: legacy says "Left" where tasks-vision says "Right", and legacy.ts flips).
 */
function toHands(result: HandLandmarkerResult): DetectedHand[] {
  const hands: DetectedHand[] = [];
  for (let i = 0; i < result.landmarks.length; i++) {
    const h = result.handedness[i]?.[0];
    const label = h?.categoryName === "Left" || h?.categoryName === "Right" ? h.categoryName : "?";
    hands.push({ landmarks: result.landmarks[i], handedness: label, score: h?.score ?? 0 });
  }
  return hands;
}

function taskOptions(options: LandmarkerOptions) {
  return {
    numHands: options.maxHands,
    // The legacy package's thresholds (legacy.ts), so both backends keep and drop hands alike.
    minHandDetectionConfidence: 0.5,
    minHandPresenceConfidence: 0.5,
    minTrackingConfidence: 0.5,
  };
}

/**
 * tasks-vision hands the page's global `Module`, if any, to its WebAssembly factory, then clears it. The legacy
 * package leaves its own there (an Emscripten build too, which aborts when another uses it): hidden while
 * tasks-vision loads and put back after, both run in one page.
 */
async function withoutGlobalModule<T>(load: () => Promise<T>): Promise<T> {
  const g = globalThis as { Module?: unknown };
  const saved = g.Module;
  g.Module = undefined;
  try {
    return await load();
  } finally {
    g.Module = saved;
  }
}

/** A 16x16 black frame: detecting on it loses every track, the only reset tasks-vision's API offers. */
function blankFrame(): OffscreenCanvas | HTMLCanvasElement {
  const canvas =
    typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(16, 16) : document.createElement("canvas");
  canvas.width = 16;
  canvas.height = 16;
  const ctx = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (ctx) {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, 16, 16);
  }
  return canvas;
}

export class TasksVisionLandmarker implements HandLandmarkerBackend {
  readonly kind = "tasks-vision";
  private still: Promise<HandLandmarker> | undefined;
  private lastTimestamp = -1;
  private blank: OffscreenCanvas | HTMLCanvasElement | undefined;

  private constructor(
    private readonly video: HandLandmarker,
    private options: LandmarkerOptions,
    private readonly create: (mode: "VIDEO" | "IMAGE", options: LandmarkerOptions) => Promise<HandLandmarker>,
  ) {}

  static async create(options: LandmarkerOptions, where: TasksVisionLocation = {}): Promise<TasksVisionLandmarker> {
    refuseTelemetry();
    const base = absolute(where.base ?? TASKS_BASE);
    const moduleLoader = where.moduleLoader ?? typeof document === "undefined";
    const [fileset, bundle] = await Promise.all([
      FilesetResolver.forVisionTasks(`${base}wasm`, moduleLoader),
      fetch(`${base}hand_landmarker.task`).then(async (res) => {
        if (!res.ok) throw new Error(`${base}hand_landmarker.task: ${res.status}`);
        return new Uint8Array(await res.arrayBuffer());
      }),
    ]);
    // One download for both landmarkers; each gets its own copy (tasks-vision may keep or detach the buffer).
    // Each landmarker is its own WebAssembly instance, made by the factory the loader script sets and tasks-vision
    // then clears: a module worker's import() runs a URL once, so the second loader URL differs by its query.
    let loads = 0;
    const create = (mode: "VIDEO" | "IMAGE", o: LandmarkerOptions) =>
      withoutGlobalModule(() =>
        HandLandmarker.createFromOptions(
          loads++ ? { ...fileset, wasmLoaderPath: `${fileset.wasmLoaderPath}?${mode}` } : fileset,
          {
            baseOptions: { modelAssetBuffer: bundle.slice(), delegate: o.cpuInference ? "CPU" : "GPU" },
            runningMode: mode,
            ...taskOptions(o),
          },
        ),
      );
    return new TasksVisionLandmarker(await create("VIDEO", options), options, create);
  }

  configure(options: LandmarkerOptions): void {
    const delegateChanged = options.cpuInference !== this.options.cpuInference;
    this.options = options;
    const set = (l: HandLandmarker) =>
      l.setOptions({
        ...taskOptions(options),
        ...(delegateChanged ? { baseOptions: { delegate: options.cpuInference ? "CPU" : "GPU" } } : {}),
      });
    void set(this.video);
    this.still?.then(set);
  }

  /** tasks-vision wants strictly increasing timestamps: a repeated or earlier one moves on by a millisecond. */
  private nextTimestamp(timestampMs: number): number {
    const t = Math.max(Math.round(timestampMs), this.lastTimestamp + 1);
    this.lastTimestamp = t;
    return t;
  }

  async detectVideo(frame: FrameSource, timestampMs: number): Promise<DetectedHand[]> {
    return toHands(this.video.detectForVideo(frame, this.nextTimestamp(timestampMs)));
  }

  async detectImage(image: FrameSource): Promise<DetectedHand[]> {
    this.still ??= this.create("IMAGE", this.options);
    return toHands((await this.still).detect(image));
  }

  reset(): void {
    this.blank ??= blankFrame();
    this.video.detectForVideo(this.blank, this.nextTimestamp(this.lastTimestamp + 1));
  }

  async close(): Promise<void> {
    this.video.close();
    if (this.still) (await this.still).close();
  }
}
