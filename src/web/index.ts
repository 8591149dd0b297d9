/**
 * `handgesture/web`: gesture recognition for web apps. A recognizer watches a `<video>`, a camera stream or an
 * image, runs MediaPipe's hand landmarker and a handgesture model, and emits per-frame results and gesture
 * events (start, end). See the README for an example page.
 */

export type { DecisionOptions, GestureEventType } from "../core/index.js";
export { type GestureEvent, NO_GESTURE } from "../core/index.js";
export { MainThreadProbe } from "./busy-probe.js";
export {
  ApiClassifier,
  type Classifier,
  type ClassifyTiming,
  handRows,
  LocalClassifier,
  type RequestHeaders,
} from "./classifiers.js";
export { FrameLoop, type LoopFrame, type RecognizerSource } from "./frame-loop.js";
export { DEFAULT_MAX_JUMP, HandTracker, type HandTrackOptions } from "./hand-tracks.js";
export { anyOverlap, LABEL_GAP, type LabelBox, layoutLabels } from "./label-layout.js";
export {
  createLandmarker,
  DEFAULT_ASSETS_BASE,
  type LandmarkerChoice,
  type LandmarkerKind,
} from "./landmarkers/choose.js";
export { type ClassifyingLandmarker, canClassify } from "./landmarkers/classifying.js";
export type {
  DetectedHand,
  FrameSource,
  HandLandmarkerBackend,
  LandmarkerOptions,
  LandmarkPoint,
} from "./landmarkers/types.js";
export { loadClassifier, type ModelSource } from "./model-source.js";
export { defaultLabelText, drawFrame, drawHands, type OverlayOptions } from "./overlay.js";
export {
  createRecognizer,
  type FrameResult,
  type FrameTiming,
  MAX_HANDS,
  type RecognizedHand,
  Recognizer,
  type RecognizerEvents,
  type RecognizerOptions,
  type RecognizerSettings,
} from "./recognizer.js";
export {
  RecoveringLandmarker,
  type RecoveryOptions,
  type RecoveryStats,
  type RecoveryTrigger,
} from "./recovery.js";
