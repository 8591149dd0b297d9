/**
 * The model bundle `@mediapipe/tasks-vision`'s HandLandmarker loads (`hand_landmarker.task`), built from the
 * network files the npm package `@mediapipe/hands` ships, since tasks-vision ships none and nothing may be fetched
 * from elsewhere. A .task is a zip of stored files; HandLandmarkerGraph takes `hand_detector.tflite` (the palm
 * detector) and `hand_landmarks_detector.tflite` from it. The legacy package's own choice at modelComplexity 1 is
 * used: palm_detection_full (packed inside hands_solution_packed_assets.data, at the place its loader script
 * names) and hand_landmark_full.tflite. Both take [0, 1] pixels, which tasks-vision reads from model metadata.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { storedZip } from "./stored-zip.js";
import { imageInputMetadata, withTfliteMetadata } from "./tflite-metadata.js";

export const HAND_DETECTOR_MEMBER = "hand_detector.tflite";
export const HAND_LANDMARKS_MEMBER = "hand_landmarks_detector.tflite";
const PALM_DETECTOR_FILE = "/third_party/mediapipe/modules/palm_detection/palm_detection_full.tflite";
const LANDMARK_FILE = "hand_landmark_full.tflite";
/** The legacy graphs feed both models pixels scaled to [0, 1]: (x - 0) / 255. */
const ZERO_TO_ONE = { mean: 0, std: 255 };

/** The folder of the installed @mediapipe/hands package. */
export function legacyHandsRoot(): string {
  return dirname(createRequire(import.meta.url).resolve("@mediapipe/hands/package.json"));
}

interface PackedFile {
  filename: string;
  start: number;
  end: number;
}

/** The files packed in hands_solution_packed_assets.data, as its Emscripten loader script lists them. */
export function packedFiles(loaderScript: string): PackedFile[] {
  const match = /loadPackage\((\{"files":.*?\})\)/.exec(loaderScript);
  if (!match) throw new Error("no loadPackage({...}) in the packed assets loader");
  const files = (JSON.parse(match[1]) as { files: PackedFile[] }).files;
  for (const f of files) {
    if (typeof f.filename !== "string" || !Number.isInteger(f.start) || !(f.end > f.start)) {
      throw new Error(`a packed file without a name or range: ${JSON.stringify(f)}`);
    }
  }
  return files;
}

export interface HandLandmarkerModels {
  handDetector: Uint8Array;
  handLandmarks: Uint8Array;
}

/** The two network files, as @mediapipe/hands ships them. */
export async function readLegacyModels(handsRoot = legacyHandsRoot()): Promise<HandLandmarkerModels> {
  const [loader, packed, handLandmarks] = await Promise.all([
    readFile(join(handsRoot, "hands_solution_packed_assets_loader.js"), "utf8"),
    readFile(join(handsRoot, "hands_solution_packed_assets.data")),
    readFile(join(handsRoot, LANDMARK_FILE)),
  ]);
  const palm = packedFiles(loader).find((f) => f.filename === PALM_DETECTOR_FILE);
  if (!palm) throw new Error(`${PALM_DETECTOR_FILE} is not in hands_solution_packed_assets.data`);
  if (palm.end > packed.length) throw new Error("hands_solution_packed_assets.data is shorter than its loader says");
  return { handDetector: new Uint8Array(packed.subarray(palm.start, palm.end)), handLandmarks };
}

/** hand_landmarker.task from the two models: each given its input metadata, zipped stored. */
export function handLandmarkerBundle(models: HandLandmarkerModels): Uint8Array {
  const detector = imageInputMetadata({
    name: "hand_detector",
    description: "MediaPipe palm detection (full), from @mediapipe/hands",
    ...ZERO_TO_ONE,
  });
  const landmarks = imageInputMetadata({
    name: "hand_landmarks_detector",
    description: "MediaPipe hand landmarks (full), from @mediapipe/hands",
    ...ZERO_TO_ONE,
  });
  return storedZip([
    { name: HAND_DETECTOR_MEMBER, data: withTfliteMetadata(models.handDetector, detector) },
    { name: HAND_LANDMARKS_MEMBER, data: withTfliteMetadata(models.handLandmarks, landmarks) },
  ]);
}

/** Reads @mediapipe/hands and builds hand_landmarker.task (about 8 MB, a few milliseconds). */
export async function buildHandLandmarkerBundle(handsRoot = legacyHandsRoot()): Promise<Uint8Array> {
  return handLandmarkerBundle(await readLegacyModels(handsRoot));
}
