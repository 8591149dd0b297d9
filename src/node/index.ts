/** Node-only helpers: reading data and model files from disk. Everything else comes from the core. */
export * from "./data.js";
/** hand_landmarker.task for @mediapipe/tasks-vision, built from @mediapipe/hands (for apps serving it themselves). */
export { buildHandLandmarkerBundle } from "./hand-landmarker-bundle.js";
export * from "./model-io.js";
export { VERSION } from "./version.js";
