/**
 * Messages between the page and the landmarker worker (landmarker-worker.ts). Every request carries an id; the
 * worker answers each in order, with the same id. Frames are transferred (ImageBitmap or VideoFrame): the worker
 * owns and closes them. The optional classify step runs the core library's model on the hands in the worker, so
 * a frame costs one round trip whether or not it is classified there; with the model's rejector, so "no gesture"
 * is decided there by the same code as in the page, the CLI and the servers.
 */
import type { DetectedHand, LandmarkerOptions } from "../landmarkers/types.js";
import type { RecoveryOptions, RecoveryTrigger } from "../recovery.js";

/** Which MediaPipe package runs in the worker (tasks-vision: legacy @mediapipe/hands needs a document). */
export type WorkerBackend = "tasks-vision";

export type WorkerRequest =
  | {
      type: "init";
      id: number;
      backend: WorkerBackend;
      options: LandmarkerOptions;
      base?: string;
      /** Tracking recovery around the worker's landmarker (recovery.ts), in the worker; none when absent or false. */
      recovery?: RecoveryOptions | false;
    }
  | {
      type: "detect";
      id: number;
      /** "video": tracked from frame to frame; "image": searched afresh, the track untouched. */
      mode: "video" | "image";
      frame: ImageBitmap | VideoFrame;
      timestampMs: number;
      /** Run the model set by "model" on the hands found, and answer with their probabilities. */
      classify?: boolean;
    }
  | { type: "configure"; id: number; options: LandmarkerOptions }
  | { type: "reset"; id: number }
  /** A model file (the JSON `handgesture` writes, or /api/ui/model's answer) for the classify step. */
  | { type: "model"; id: number; model: unknown }
  | { type: "close"; id: number };

export interface WorkerTimings {
  /** The landmarker's own time on the frame, in the worker, ms. */
  landmarkMs: number;
  /** The model's time on the frame's hands, in the worker, ms (classify requests only). */
  classifyMs?: number;
}

export type WorkerResponse =
  | { type: "ready"; id: number; kind: string }
  | {
      type: "hands";
      id: number;
      hands: DetectedHand[];
      /** Frame size in pixels (the classify step needs it; so do callers drawing the hands). */
      width: number;
      height: number;
      timings: WorkerTimings;
      /** With classify: one probability vector per hand, in the model's class order. */
      probabilities?: Float64Array[];
      /** With classify: each hand's rejection score (0 when the model has no rejector). */
      scores?: Float64Array;
      /** With classify: 1 where the model names a gesture, 0 for "no gesture" (its rejector's decision). */
      accepted?: Uint8Array;
      /** Why tracking recovery searched this frame afresh, when it did. */
      recovery?: RecoveryTrigger;
    }
  | { type: "model"; id: number; classes: string[] }
  | { type: "done"; id: number }
  | { type: "error"; id: number; message: string };
