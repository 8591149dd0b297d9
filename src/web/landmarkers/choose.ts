/**
 * Which hand landmarker the recognizer runs, by option: the MediaPipe package (`legacy` @mediapipe/hands or
 * `tasks` @mediapipe/tasks-vision), on the main thread or in a worker, with or without tracking recovery around it.
 * Backends are loaded only when chosen, so an app that never picks one does not download it.
 */
import type { RecoveryOptions } from "../recovery.js";
import type { HandLandmarkerBackend, LandmarkerOptions } from "./types.js";

export type LandmarkerKind = "legacy" | "tasks";

export interface LandmarkerChoice {
  /** The MediaPipe package, or a backend of the caller's own (then `worker` and `recovery` do not apply). */
  landmarker?: LandmarkerKind | HandLandmarkerBackend;
  /**
   * MediaPipe (tasks-vision) and, for a model run in the page, the model too in a Web Worker: the main thread only
   * sends frames and draws.
   */
  worker?: boolean;
  /**
   * Tracking recovery (src/web/recovery.ts): hard cuts, impossible skeletons and jumps searched afresh, lost hands
   * searched again at another scale. Default true; false runs MediaPipe's tracker alone.
   */
  recovery?: boolean | RecoveryOptions;
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
  let backend: HandLandmarkerBackend;
  if (kind !== "legacy" && kind !== "tasks")
    throw new Error(`unknown landmarker ${JSON.stringify(kind)}: "legacy" or "tasks"`);
  if (choice.worker) {
    // The legacy package cannot run in a worker (its loader needs a document): a worker runs tasks-vision.
    if (kind === "legacy")
      throw new Error('worker: true runs landmarker "tasks" (the legacy package needs a document)');
    const { WorkerLandmarker } = await import("../worker/client.js");
    // Recovery runs inside the worker, so the model can run there too (the worker classifies what it found).
    const recovery = choice.recovery === false ? false : choice.recovery === true ? {} : (choice.recovery ?? {});
    return WorkerLandmarker.create(options, { backend: "tasks-vision", base: `${base}tasks/`, recovery });
  } else if (kind === "tasks") {
    const { TasksVisionLandmarker } = await import("./tasks.js");
    backend = await TasksVisionLandmarker.create(options, { base: `${base}tasks/` });
  } else {
    const { LegacyHandsLandmarker } = await import("./legacy.js");
    backend = await LegacyHandsLandmarker.create(options, `${base}hands/`);
  }
  if (choice.recovery === false) return backend;
  const { RecoveringLandmarker } = await import("../recovery.js");
  return new RecoveringLandmarker(backend, choice.recovery === true ? {} : choice.recovery);
}
