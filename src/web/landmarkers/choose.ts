/**
 * Which hand landmarker the recognizer runs, by option: the MediaPipe package (`legacy` @mediapipe/hands or
 * `tasks` @mediapipe/tasks-vision), on the main thread or in a worker, with or without tracking recovery around it.
 * Backends are loaded only when chosen, so an app that never picks one does not download it.
 */
import type { HandLandmarkerBackend, LandmarkerOptions } from "./types.js";

export type LandmarkerKind = "legacy" | "tasks";

export interface LandmarkerChoice {
  /** The MediaPipe package, or a backend of the caller's own (then `worker` and `recovery` do not apply). */
  landmarker?: LandmarkerKind | HandLandmarkerBackend;
  /** MediaPipe in a Web Worker, the main thread only sending frames and drawing. */
  worker?: boolean;
  /** Tracking recovery: implausible, jumping or stale tracks re-detected. */
  recovery?: boolean;
  /** Where `handgesture ui` (or your server) serves MediaPipe's files: `<base>hands/`, `<base>tasks-vision/`. */
  assetsBase?: string;
}

export const DEFAULT_ASSETS_BASE = "/mediapipe/";

const isBackend = (x: unknown): x is HandLandmarkerBackend =>
  typeof x === "object" && x !== null && typeof (x as HandLandmarkerBackend).detectVideo === "function";

/** Creates and loads the landmarker `choice` names. */
export async function createLandmarker(
  choice: LandmarkerChoice,
  options: LandmarkerOptions,
): Promise<HandLandmarkerBackend> {
  if (isBackend(choice.landmarker)) return choice.landmarker;
  const kind = choice.landmarker ?? "legacy";
  const base = choice.assetsBase ?? DEFAULT_ASSETS_BASE;
  if (choice.worker) throw new Error("worker: true is not in this build yet (the worker landmarker)");
  let backend: HandLandmarkerBackend;
  if (kind === "legacy") {
    const { LegacyHandsLandmarker } = await import("./legacy.js");
    backend = await LegacyHandsLandmarker.create(options, `${base}hands/`);
  } else if (kind === "tasks") {
    throw new Error('landmarker: "tasks" is not in this build yet');
  } else {
    throw new Error(`unknown landmarker ${JSON.stringify(kind)}: "legacy" or "tasks"`);
  }
  if (choice.recovery) throw new Error("recovery: true is not in this build yet");
  return backend;
}
