/**
 * A landmarker that can also run the gesture model where it runs, in the same round trip (the worker
 * landmarker: MediaPipe and the model both off the main thread). Optional beyond HandLandmarkerBackend: the
 * recognizer uses it when the landmarker has it and the model runs in the page.
 */
import type { DetectedHand, FrameSource, HandLandmarkerBackend } from "./types.js";

export interface ClassifyingLandmarker extends HandLandmarkerBackend {
  /** The model file (its JSON) the classify step runs; resolves with its class names, in its order. */
  setModel(model: unknown): Promise<readonly string[]>;
  /** A video frame's hands and their class probabilities (one vector per hand, in the model's class order). */
  detectAndClassify(
    frame: FrameSource,
    timestampMs: number,
  ): Promise<{
    hands: DetectedHand[];
    probabilities?: Float64Array[];
    /** Each hand's rejection score and acceptance (1 names a gesture, 0 "no gesture"), beside `probabilities`. */
    scores?: Float64Array;
    accepted?: Uint8Array;
    timings: { landmarkMs: number; classifyMs?: number };
  }>;
}

export function canClassify(landmarker: HandLandmarkerBackend): landmarker is ClassifyingLandmarker {
  const l = landmarker as Partial<ClassifyingLandmarker>;
  return typeof l.setModel === "function" && typeof l.detectAndClassify === "function";
}
