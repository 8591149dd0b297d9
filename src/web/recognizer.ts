/**
 * The recognizer of `handgesture/web`: watches a `<video>`, a camera stream or an image, finds hands (a
 * MediaPipe landmarker behind src/web/landmarkers/types.ts), gives each a stable id (hand-tracks.ts), brings it to
 * the dataset's convention (the core's liveHandToDataset: the same code as training and the CLI), names its
 * gesture (a model in the page or a scoring API), smooths that over recent frames (GestureSmoother) and decides
 * when a gesture starts and ends (GestureDecider). Per frame it emits a result, per decision a gesture event.
 */
import {
  DEFAULT_SMOOTHING_FRAMES,
  DEFAULT_THRESHOLD,
  GestureDecider,
  type GestureEvent,
  GestureSmoother,
  HAND_DIM,
  liveHandToDataset,
  NO_GESTURE,
} from "../core/index.js";
import { MainThreadProbe } from "./busy-probe.js";
import type { Classifier, LocalClassifier, RequestHeaders } from "./classifiers.js";
import { FrameLoop, type LoopFrame, type RecognizerSource } from "./frame-loop.js";
import { HandTracker } from "./hand-tracks.js";
import { createLandmarker } from "./landmarkers/choose.js";
import { type ClassifyingLandmarker, canClassify } from "./landmarkers/classifying.js";
import type { DetectedHand, FrameSource, HandLandmarkerBackend } from "./landmarkers/types.js";
import { FrameMirror } from "./mirror.js";
import { loadClassifier, type ModelSource } from "./model-source.js";
import {
  type FrameResult,
  MAX_HANDS,
  type RecognizedHand,
  type RecognizerEvents,
  type RecognizerOptions,
  type RecognizerSettings,
} from "./recognizer-types.js";
import type { HandJudge } from "./recovery.js";

export {
  type FrameResult,
  type FrameTiming,
  MAX_HANDS,
  type RecognizedHand,
  type RecognizerEvents,
  type RecognizerOptions,
  type RecognizerSettings,
} from "./recognizer-types.js";

type Listener<T> = (value: T) => void;

const clampHands = (n: number | undefined) => Math.min(MAX_HANDS, Math.max(1, Math.round(n ?? MAX_HANDS) || MAX_HANDS));

export class Recognizer {
  readonly landmarker: HandLandmarkerBackend;
  private classifierNow: Classifier;
  private smoother: GestureSmoother;
  private readonly decider: GestureDecider;
  private readonly tracker = new HandTracker();
  private readonly mirror = new FrameMirror();
  /** The classifier the landmarker runs itself (its model sent there), if any. */
  private modelInLandmarker: Classifier | undefined;
  private readonly classifyInLandmarker: boolean;
  private readonly loop: FrameLoop;
  private readonly listeners: { [K in keyof RecognizerEvents]: Set<Listener<RecognizerEvents[K]>> } = {
    frame: new Set(),
    start: new Set(),
    end: new Set(),
    gesture: new Set(),
    error: new Set(),
  };
  private settings: Required<Omit<RecognizerSettings, "decision">>;
  private readonly headers: RequestHeaders;
  private readonly probe: MainThreadProbe | undefined;
  private lastBusy = 0;
  private running: Promise<void> | undefined;
  private stopping = false;
  private lastDone = 0;

  // Per-frame buffers, made once.
  private readonly rows = new Float64Array(MAX_HANDS * HAND_DIM);
  private probs: Float64Array[] = [];
  private readonly ids = new Int32Array(MAX_HANDS);
  private readonly keys: string[] = new Array(MAX_HANDS).fill("");
  private readonly pool: RecognizedHand[] = Array.from({ length: MAX_HANDS }, () => ({
    id: 0,
    landmarks: [],
    handedness: "",
    score: 0,
    label: NO_GESTURE,
    probability: 0,
    best: "",
    gesture: NO_GESTURE,
    accepted: true,
    rejectionScore: 0,
  }));
  private readonly scores = new Float64Array(MAX_HANDS);
  private readonly accepted = new Uint8Array(MAX_HANDS);

  private readonly result: FrameResult;

  private constructor(landmarker: HandLandmarkerBackend, classifier: Classifier, options: RecognizerOptions) {
    this.landmarker = landmarker;
    this.classifierNow = classifier;
    this.judgeWith(classifier);
    this.headers = options.headers ?? {};
    this.classifyInLandmarker = options.modelInWorker ?? true;
    this.settings = {
      maxHands: clampHands(options.maxHands),
      threshold: options.threshold ?? DEFAULT_THRESHOLD,
      smoothing: options.smoothing ?? DEFAULT_SMOOTHING_FRAMES,
      selfie: options.selfie ?? false,
      cpuInference: options.cpuInference ?? true,
    };
    this.smoother = new GestureSmoother(classifier.classes, this.smoothingOptions());
    this.decider = new GestureDecider(options.decision);
    this.decider.on((e) => this.onDecision(e));
    this.loop = new FrameLoop(options.source);
    this.ensureProbBuffers();
    if (options.measureMainThread) {
      this.probe = new MainThreadProbe();
      this.probe.start();
    }
    this.result = {
      frame: undefined as unknown as FrameSource,
      t: 0,
      width: 0,
      height: 0,
      hands: [],
      rows: this.rows,
      events: [],
      cut: false,
      mode: classifier.kind,
      timing: { waitMs: 0, landmarkMs: 0, classifyMs: 0, totalMs: 0 },
    };
  }

  /** Loads the landmarker and the model; the recognizer is ready to start (or to process frames you give it). */
  static async create(options: RecognizerOptions): Promise<Recognizer> {
    const maxHands = clampHands(options.maxHands);
    const [landmarker, classifier] = await Promise.all([
      createLandmarker(options, { maxHands, cpuInference: options.cpuInference ?? true }),
      loadClassifier(options.model, options.headers),
    ]);
    const recognizer = new Recognizer(landmarker, classifier, options);
    await recognizer.placeModel(classifier);
    return recognizer;
  }

  /** The model in use. */
  get classifier(): Classifier {
    return this.classifierNow;
  }

  /** The element frames are read from (for drawing): the video, image or canvas; undefined before a source. */
  get sourceElement(): HTMLVideoElement | HTMLImageElement | HTMLCanvasElement | undefined {
    return this.loop.element;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Subscribes to frames, gesture events or errors; returns the unsubscribe function. */
  on<K extends keyof RecognizerEvents>(type: K, listener: Listener<RecognizerEvents[K]>): () => void {
    const set = this.listeners[type] as Set<Listener<RecognizerEvents[K]>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Watches another source: a hard cut (held gestures end as "lost", every hand starts afresh). */
  setSource(source: RecognizerSource | undefined): void {
    this.loop.setSource(source);
  }

  /** A hard cut without a new source (a scene change you know of): every hand starts afresh at the next frame. */
  reset(): void {
    this.loop.markCut();
  }

  /** Switches the model live (the next frame uses it); smoothing restarts. A refused model throws, the old stays. */
  async setModel(model: ModelSource): Promise<Classifier> {
    const next = await loadClassifier(model, this.headers);
    await this.placeModel(next);
    this.classifierNow = next;
    this.judgeWith(next);
    this.smoother = new GestureSmoother(next.classes, this.smoothingOptions());
    this.ensureProbBuffers();
    return next;
  }

  /** Changes settings live. */
  configure(settings: RecognizerSettings): void {
    const s = this.settings;
    const hands = settings.maxHands === undefined ? s.maxHands : clampHands(settings.maxHands);
    const cpu = settings.cpuInference ?? s.cpuInference;
    const landmarkerChanged = hands !== s.maxHands || cpu !== s.cpuInference;
    this.settings = {
      maxHands: hands,
      threshold: settings.threshold ?? s.threshold,
      smoothing: settings.smoothing ?? s.smoothing,
      selfie: settings.selfie ?? s.selfie,
      cpuInference: cpu,
    };
    this.smoother.configure(this.smoothingOptions());
    if (settings.decision) this.decider.configure(settings.decision);
    if (landmarkerChanged) this.landmarker.configure({ maxHands: hands, cpuInference: cpu });
    // The landmarker sees the other picture now: nothing tracked on the old one holds.
    if (this.settings.selfie !== s.selfie) this.loop.markCut();
  }

  /** Starts the frame loop (it runs until stop or close). */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.run().finally(() => {
      this.running = undefined;
    });
  }

  /** Stops the frame loop after the frame in progress; held gestures end ("lost"). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.forget(performance.now());
  }

  /** Stops and frees MediaPipe. */
  async close(): Promise<void> {
    await this.stop();
    this.probe?.stop();
    await this.landmarker.close();
  }

  /**
   * Processes one frame of your own loop (a video: `t` grows from frame to frame). Resolves with the frame's
   * result, after the "frame" listeners ran.
   */
  async process(frame: FrameSource, t: number, size?: { width: number; height: number }): Promise<FrameResult> {
    const width = size?.width ?? frameWidth(frame);
    const height = size?.height ?? frameHeight(frame);
    return this.recognize({ frame, t, width, height }, performance.now(), false);
  }

  private async run(): Promise<void> {
    this.lastDone = performance.now();
    while (!this.stopping) {
      const f = await this.loop.next();
      if (this.stopping) break;
      if (!f) continue;
      const arrived = performance.now();
      try {
        await this.recognize(f, arrived, true);
      } catch (e) {
        this.emit("error", e instanceof Error ? e : new Error(String(e)));
      }
      this.lastDone = performance.now();
    }
  }

  private async recognize(f: LoopFrame, arrived: number, looped: boolean): Promise<FrameResult> {
    const r = this.result;
    r.events.length = 0;
    r.cut = this.loop.takeCut();
    if (r.cut) this.forget(f.t);
    const classifier = this.classifierNow;
    const smoother = this.smoother;
    const timing = r.timing;
    timing.waitMs = looped ? arrived - this.lastDone : 0;
    timing.rttMs = undefined;
    timing.classifyMs = 0;
    const t0 = performance.now();
    const { width, height } = f;
    const selfie = this.settings.selfie;
    const seen = selfie ? this.mirror.unmirror(f.frame, width, height) : f.frame;
    // The model where the landmarker runs (a worker), when it runs it: one round trip for both.
    const together = this.modelInLandmarker === classifier && canClassify(this.landmarker);
    let detected: DetectedHand[];
    let probabilities: Float64Array[] | undefined;
    let scores: Float64Array | undefined;
    let accepted: Uint8Array | undefined;
    try {
      if (together) {
        const both = await (this.landmarker as ClassifyingLandmarker).detectAndClassify(seen, f.t);
        detected = both.hands;
        probabilities = both.probabilities;
        scores = both.scores;
        accepted = both.accepted;
        timing.classifyMs = both.timings.classifyMs ?? 0;
      } else {
        detected = await this.landmarker.detectVideo(seen, f.t);
      }
    } catch (e) {
      throw new Error(`landmarks: ${(e as Error).message}`);
    }
    timing.landmarkMs = performance.now() - t0;
    // A RecoveringLandmarker says why it searched afresh (read by shape: the class stays out of apps without it).
    r.recovery = (this.landmarker as { lastTrigger?: string }).lastTrigger;
    const count = Math.min(detected.length, this.settings.maxHands);
    for (let h = 0; h < count; h++) {
      liveHandToDataset({ landmarks: detected[h].landmarks, width, height }, this.rows.subarray(h * HAND_DIM));
    }
    this.tracker.assign(
      count === detected.length ? detected : detected.slice(0, count),
      width,
      height,
      this.ids,
      this.keys,
    );
    r.hands.length = 0;
    this.scores.fill(0);
    this.accepted.fill(1);
    if (count > 0 && together) {
      if (!probabilities || probabilities.length < count)
        throw new Error("classification: the landmarker sent no probabilities");
      for (let h = 0; h < count; h++) this.probs[h].set(probabilities[h]);
      // The worker decides "no gesture" with the model's rejector; without its answer the hand is accepted.
      if (scores) this.scores.set(scores.subarray(0, count));
      if (accepted) this.accepted.set(accepted.subarray(0, count));
    } else if (count > 0) {
      // While an API request is out, a new frame may arrive: ask for it now and take it at once after.
      if (looped && classifier.kind === "api") this.loop.prefetch();
      const timed = await classifier
        .classify(this.rows, count, this.probs, this.scores, this.accepted)
        .catch((e: Error) => {
          throw new Error(`classification: ${e.message}`);
        });
      timing.classifyMs = timed.classifyMs;
      timing.rttMs = timed.rttMs;
    }
    smoother.beginFrame();
    this.decider.beginFrame();
    for (let h = 0; h < count; h++) {
      const d = detected[h];
      const handedness = d.handedness;
      const key = this.keys[h];
      const accepted = this.accepted[h] === 1;
      const s = smoother.update(key, this.probs[h], accepted);
      // Rejected in most smoothed frames: no gesture is sure enough to start, and a held one fades.
      const decision = this.decider.update(key, handedness, s.best, s.accepted >= 0.5 ? s.probability : 0, f.t);
      const out = this.pool[h];
      out.id = this.ids[h];
      out.landmarks = selfie ? this.mirror.mirrorLandmarks(d.landmarks, h) : d.landmarks;
      out.handedness = handedness;
      out.score = d.score;
      out.label = s.label;
      out.probability = s.probability;
      out.best = s.best;
      out.accepted = accepted;
      out.rejectionScore = this.scores[h];
      out.gesture = decision.label;
      r.hands.push(out);
    }
    this.decider.endFrame(f.t);
    r.frame = f.frame;
    r.t = f.t;
    r.mediaTime = f.mediaTime;
    r.width = width;
    r.height = height;
    r.mode = classifier.kind;
    timing.totalMs = performance.now() - arrived;
    if (this.probe) {
      timing.mainBusyMs = this.probe.busyMs - this.lastBusy;
      this.lastBusy = this.probe.busyMs;
    }
    this.emit("frame", r);
    return r;
  }

  /**
   * Sends a model run in the page to a landmarker that can run it beside MediaPipe (the worker), unless told not
   * to; frames then take one round trip for landmarks and probabilities.
   */
  private async placeModel(classifier: Classifier): Promise<void> {
    this.modelInLandmarker = undefined;
    if (!this.classifyInLandmarker || classifier.kind !== "local" || !canClassify(this.landmarker)) return;
    const file = (classifier as LocalClassifier).modelFile;
    if (file === undefined) return;
    const classes = await this.landmarker.setModel(file);
    if (classes.join() !== classifier.classes.join())
      throw new Error("the worker's model has other classes than the page's");
    this.modelInLandmarker = classifier;
  }

  /**
   * Tracking recovery on this thread asks the model in the page how unlike a tracked hand is to what it knows
   * (recovery.ts). A model behind an API is not asked (a round trip inside every frame's landmarks): after a switch
   * to an API the last model that ran in the page stays recovery's judge, as it does in the worker (it only decides
   * when to search afresh; the API names the gesture). A worker's recovery asks the worker's model there.
   */
  private judgeWith(classifier: Classifier): void {
    const l = this.landmarker as HandLandmarkerBackend & { judge?: HandJudge };
    if (!("judge" in l) || classifier.kind !== "local") return;
    const local = classifier as Partial<LocalClassifier>;
    l.judge = typeof local.unlike === "function" ? (row) => local.unlike?.(row) ?? 0 : undefined;
  }

  /** A hard cut: the landmarker's tracking, the ids, the smoothing and held gestures all end. */
  private forget(t: number): void {
    this.landmarker.reset();
    this.tracker.reset();
    this.smoother.reset();
    this.decider.reset(t);
  }

  private onDecision(e: GestureEvent): void {
    this.result.events.push(e);
    this.emit("gesture", e);
    this.emit(e.type, e);
  }

  private emit<K extends keyof RecognizerEvents>(type: K, value: RecognizerEvents[K]): void {
    for (const listener of this.listeners[type] as Set<Listener<RecognizerEvents[K]>>) {
      try {
        listener(value);
      } catch (e) {
        // A listener's bug must not stop the loop; it shows in the console.
        console.error(e);
      }
    }
  }

  private smoothingOptions() {
    return { threshold: this.settings.threshold, frames: this.settings.smoothing };
  }

  private ensureProbBuffers(): void {
    const k = this.classifierNow.classes.length;
    if (this.probs[0]?.length !== k) this.probs = Array.from({ length: MAX_HANDS }, () => new Float64Array(k));
  }
}

/**
 * Creates a recognizer, its landmarker and model loaded, and starts its frame loop (unless `start: false`): it
 * processes the source's frames as they come (none until a source is set).
 */
export async function createRecognizer(options: RecognizerOptions): Promise<Recognizer> {
  const recognizer = await Recognizer.create(options);
  if (options.start !== false) recognizer.start();
  return recognizer;
}

function frameWidth(f: FrameSource): number {
  if (f instanceof HTMLVideoElement) return f.videoWidth;
  if (f instanceof HTMLImageElement) return f.naturalWidth;
  if (typeof VideoFrame !== "undefined" && f instanceof VideoFrame) return f.displayWidth;
  return (f as { width: number }).width;
}

function frameHeight(f: FrameSource): number {
  if (f instanceof HTMLVideoElement) return f.videoHeight;
  if (f instanceof HTMLImageElement) return f.naturalHeight;
  if (typeof VideoFrame !== "undefined" && f instanceof VideoFrame) return f.displayHeight;
  return (f as { height: number }).height;
}
