/**
 * The recognizer's options and what it emits: per-frame results and gesture events (src/web/recognizer.ts).
 */
import type { DecisionOptions, GestureEvent } from "../core/index.js";
import type { RequestHeaders } from "./classifiers.js";
import type { RecognizerSource } from "./frame-loop.js";
import type { LandmarkerChoice } from "./landmarkers/choose.js";
import type { FrameSource, LandmarkPoint } from "./landmarkers/types.js";
import type { ModelSource } from "./model-source.js";

/** The most hands a recognizer follows (MediaPipe's maxNumHands). */
export const MAX_HANDS = 2;

export interface RecognizerSettings {
  /** Hands searched for, 1 or 2. Default 2. */
  maxHands?: number;
  /** Smallest smoothed probability that names a gesture in `label` (else "no gesture"). Default 0.5. */
  threshold?: number;
  /** Frames the probabilities are averaged over (1: none). Default 3. */
  smoothing?: number;
  /** When gestures start and end (hysteresis, minimum duration): see GestureDecider. */
  decision?: DecisionOptions;
  /**
   * The frames are a mirrored (selfie) view, as many front cameras and video calls give them: each is flipped
   * back before MediaPipe sees it (a canvas draw, about a millisecond at 640×480), so hands are named as in the
   * unmirrored view (handedness and gesture); landmarks are given in the frame's own coordinates, for drawing.
   */
  selfie?: boolean;
  /** MediaPipe's CPU inference (for machines without a usable GPU: software WebGL takes 1 to 3 s a frame). */
  cpuInference?: boolean;
}

export interface RecognizerOptions extends RecognizerSettings, LandmarkerChoice {
  /** What to watch; may be set later with setSource. A MediaStream plays in a muted video of the recognizer's. */
  source?: RecognizerSource;
  /** The model: a model file's JSON, its URL, `{ server }` (a `handgesture ui`'s Production model), `{ api }`. */
  model: ModelSource;
  /** Headers for the recognizer's own requests (model, API), e.g. a bearer token. */
  headers?: RequestHeaders;
  /** Measure the main thread's busy time per frame (FrameTiming.mainBusyMs): for benchmarks. */
  measureMainThread?: boolean;
  /**
   * With a landmarker that can run the model too (`worker: true`), a model run in the page runs there, beside
   * MediaPipe (default true); false keeps it on the main thread.
   */
  modelInWorker?: boolean;
  /** Start the frame loop at once (default true); else call start(). */
  start?: boolean;
}

/** One hand in one frame. The recognizer reuses these objects: copy what you keep past the frame's listeners. */
export interface RecognizedHand {
  /** Stable while the hand stays in view; a hand that leaves and comes back, or a hard cut, gets a new one. */
  id: number;
  /** 21 points, x and y normalized to the frame as given (a mirrored frame's own coordinates when selfie). */
  landmarks: LandmarkPoint[];
  /** "Left" or "Right", as the person in front of the camera sees their hand. */
  handedness: string;
  /** MediaPipe's handedness score. */
  score: number;
  /** The smoothed gesture, or "no gesture" when its probability is under the threshold. */
  label: string;
  /** Smoothed probability of `best`. */
  probability: number;
  /** The most probable class, whatever its probability. */
  best: string;
  /** The decided gesture (what start and end events say): held, or "no gesture". */
  gesture: string;
  /**
   * This frame's own verdict of the model's rejection (a calibrated "no gesture"): false when the hand makes no
   * gesture the model knows. `label` is "no gesture" while fewer than half of the smoothed frames were accepted
   * (GestureSmoother), and no gesture starts then. Always true for a model without rejection.
   */
  accepted: boolean;
  /** The model's rejection score for this frame (0 without rejection). */
  rejectionScore: number;
}

export interface FrameTiming {
  /** Waiting for this frame since the last one was done (the camera's pace). */
  waitMs: number;
  /** The landmarker's time for the frame. */
  landmarkMs: number;
  /** Classification: in the page, or the API's round trip. */
  classifyMs: number;
  /** API only: the request's round trip. */
  rttMs?: number;
  /** From the frame's arrival to its result, everything included. */
  totalMs: number;
  /**
   * With measureMainThread: main-thread busy time from the previous frame's result to this one's (so the
   * previous frame's listeners, drawing included, count here). Summed over frames: all the main thread's work.
   */
  mainBusyMs?: number;
}

/** One processed frame. The same object every frame: copy what you keep. */
export interface FrameResult {
  frame: FrameSource;
  t: number;
  mediaTime?: number;
  width: number;
  height: number;
  hands: RecognizedHand[];
  /**
   * The hands as the model saw them: HAND_DIM values each (hand h from h × HAND_DIM) in the dataset's convention
   * (pixels; unmirrored when selfie), e.g. to collect training samples.
   */
  rows: Float64Array;
  /** Gesture events decided at this frame (also sent to "start", "end" and "gesture" listeners). */
  events: GestureEvent[];
  /** A hard cut (a new source) came just before this frame: every hand in it is new. */
  cut: boolean;
  /** Tracking recovery searched this frame afresh, and why ("cut", "implausible", "jump", "lost", "unknown"). */
  recovery?: string;
  mode: "local" | "api";
  timing: FrameTiming;
}

export interface RecognizerEvents {
  frame: FrameResult;
  /** A gesture started. */
  start: GestureEvent;
  /** A gesture ended (changed, faded, or its hand was lost). */
  end: GestureEvent;
  /** Either of the two. */
  gesture: GestureEvent;
  /** A frame failed (the landmarker or the API); the loop goes on with the next. */
  error: Error;
}
