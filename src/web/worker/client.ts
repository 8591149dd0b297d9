/**
 * WorkerLandmarker: a HandLandmarkerBackend whose MediaPipe runs in a Web Worker (landmarker-worker.ts), so the
 * page's thread only grabs frames and draws. Each frame is copied into an ImageBitmap (or a VideoFrame) and
 * transferred (no pixel copy across threads); answers come back in order, one per request.
 *
 *   const landmarker = await WorkerLandmarker.create({ maxHands: 2, cpuInference: true });
 *   const hands = await landmarker.detectVideo(video, performance.now());
 *   await landmarker.setModel(await (await fetch("/api/ui/model")).json()); // optional: classify in the worker
 *   const { hands, probabilities } = await landmarker.detectAndClassify(video, performance.now());
 */
import type { DetectedHand, FrameSource, HandLandmarkerBackend, LandmarkerOptions } from "../landmarkers/types.js";
import type { RecoveryOptions, RecoveryTrigger } from "../recovery.js";
import type { WorkerBackend, WorkerRequest, WorkerResponse, WorkerTimings } from "./protocol.js";

/** Distributive Omit: keeps each request type's own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

export interface WorkerLandmarkerOptions {
  backend?: WorkerBackend;
  /** Where tasks-vision's files are served (default /mediapipe/tasks/). */
  base?: string;
  /** A worker already started on landmarker-worker.js (a bundler may want to start it itself). */
  worker?: Worker;
  /**
   * How a video element's frame crosses: an ImageBitmap (default: an RGBA copy, awaited here some 3 ms, which the
   * worker uploads as is) or a VideoFrame (taken synchronously, 0.1 ms here, but converted from YUV in the
   * worker). bench:landmarkers, 5 rounds on 2 loaded cores: bitmaps 16.2 and 15.3 frames/s, VideoFrames 14.7
   * and 15.0 (two runs).
   */
  frames?: "video-frame" | "image-bitmap";
  /**
   * Tracking recovery in the worker (recovery.ts); none by default (MediaPipe's tracker alone), as with the other
   * backends: createLandmarker turns it on.
   */
  recovery?: RecoveryOptions | false;
}

export interface WorkerDetection {
  hands: DetectedHand[];
  width: number;
  height: number;
  timings: WorkerTimings;
  /** One probability vector per hand, in `classes` order (detectAndClassify with a model set). */
  probabilities?: Float64Array[];
  /** Each hand's rejection score and acceptance (1 names a gesture, 0 "no gesture"), with probabilities. */
  scores?: Float64Array;
  accepted?: Uint8Array;
}

/** What the last detection cost, ms: the caller's thread to copy and post the frame, and the whole round trip. */
export interface WorkerFrameStats extends WorkerTimings {
  postMs: number;
  roundTripMs: number;
}

export class WorkerLandmarker implements HandLandmarkerBackend {
  readonly kind: string;
  /** Class names of the model set by setModel. */
  classes: readonly string[] = [];
  /** Timings of the last detection that finished. */
  lastStats: WorkerFrameStats | undefined;
  /** Why tracking recovery (in the worker) searched the last frame afresh, when it did. */
  lastTrigger: RecoveryTrigger | undefined;
  private nextId = 1;
  /** A failed configure or reset (sent without waiting): thrown by the next detection. */
  private deferredError: Error | undefined;
  private readonly pending = new Map<number, { resolve: (r: WorkerResponse) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly worker: Worker,
    kind: string,
    private readonly frames: "video-frame" | "image-bitmap",
  ) {
    this.kind = `${kind} (worker)`;
  }

  static async create(options: LandmarkerOptions, where: WorkerLandmarkerOptions = {}): Promise<WorkerLandmarker> {
    const worker =
      where.worker ?? new Worker(new URL("./landmarker-worker.js", import.meta.url), { type: "module", name: "hands" });
    const client = new WorkerLandmarker(worker, "?", where.frames ?? "image-bitmap");
    worker.onmessage = (e: MessageEvent<WorkerResponse>) => client.settle(e.data);
    worker.onerror = (e) => client.failAll(new Error(`landmarker worker: ${e.message || "failed to start"}`));
    const ready = await client.request({
      type: "init",
      backend: where.backend ?? "tasks-vision",
      options,
      base: where.base,
      recovery: where.recovery,
    });
    if (ready.type !== "ready") throw new Error(`unexpected answer to init: ${ready.type}`);
    (client as { kind: string }).kind = `${ready.kind} (worker)`;
    return client;
  }

  private settle(r: WorkerResponse): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.type === "error") p.reject(new Error(r.message));
    else p.resolve(r);
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private request(m: WithoutId<WorkerRequest>, transfer: Transferable[] = []): Promise<WorkerResponse> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id } as WorkerRequest, transfer);
    });
  }

  /** A frame the worker may own: a new VideoFrame or ImageBitmap (the caller's own stays theirs). */
  private async transferable(frame: FrameSource, timestampMs: number): Promise<VideoFrame | ImageBitmap> {
    if (typeof VideoFrame !== "undefined" && this.frames === "video-frame") {
      if (frame instanceof VideoFrame) return frame.clone();
      // A VideoFrame of a video element is taken synchronously and shares its buffer: no pixel copy here.
      if (typeof HTMLVideoElement !== "undefined" && frame instanceof HTMLVideoElement) {
        return new VideoFrame(frame, { timestamp: Math.round(timestampMs * 1000) });
      }
    }
    return createImageBitmap(frame as ImageBitmapSource);
  }

  private async detect(
    mode: "video" | "image",
    frame: FrameSource,
    timestampMs: number,
    classify: boolean,
  ): Promise<WorkerDetection> {
    if (this.deferredError) {
      const e = this.deferredError;
      this.deferredError = undefined;
      throw e;
    }
    const t0 = performance.now();
    const owned = await this.transferable(frame, timestampMs);
    const sent = this.request({ type: "detect", mode, frame: owned, timestampMs, classify }, [owned]);
    const postMs = performance.now() - t0;
    const r = await sent;
    if (r.type !== "hands") throw new Error(`unexpected answer to detect: ${r.type}`);
    this.lastStats = { ...r.timings, postMs, roundTripMs: performance.now() - t0 };
    this.lastTrigger = r.recovery;
    return r;
  }

  async detectVideo(frame: FrameSource, timestampMs: number): Promise<DetectedHand[]> {
    return (await this.detect("video", frame, timestampMs, false)).hands;
  }

  async detectImage(image: FrameSource): Promise<DetectedHand[]> {
    return (await this.detect("image", image, performance.now(), false)).hands;
  }

  /** A video frame's hands and, with a model set, their probabilities: landmarks and model in one round trip. */
  detectAndClassify(frame: FrameSource, timestampMs: number): Promise<WorkerDetection> {
    return this.detect("video", frame, timestampMs, true);
  }

  /** The model the classify step runs (a model file's JSON); resolves with its class names. */
  async setModel(model: unknown): Promise<readonly string[]> {
    const r = await this.request({ type: "model", model });
    if (r.type !== "model") throw new Error(`unexpected answer to model: ${r.type}`);
    this.classes = r.classes;
    return r.classes;
  }

  private defer(m: WithoutId<WorkerRequest>): void {
    this.request(m).catch((e: Error) => {
      this.deferredError ??= e;
    });
  }

  configure(options: LandmarkerOptions): void {
    this.defer({ type: "configure", options });
  }

  /** Ordered with the frames: the next detectVideo posted after this searches afresh. */
  reset(): void {
    this.defer({ type: "reset" });
  }

  async close(): Promise<void> {
    try {
      await this.request({ type: "close" });
    } finally {
      this.worker.terminate();
      this.failAll(new Error("the landmarker worker was closed"));
    }
  }
}
