export { createScoringApp, MODEL_HEADER, type ScoringAppOptions, WORKER_HEADER } from "./app.js";
export { type GestureScore, type HandAnswer, recognizeHands } from "./hands.js";
export { INPUT_KEYS, parseCsvInput, parseJsonInput, type Rows, type ScoringInput } from "./inputs.js";
export {
  DEFAULT_POLL_SECONDS,
  type LiveModel,
  type LiveModelOptions,
  type ModelProvider,
  openLiveModel,
} from "./live-model.js";
export { type ModelOrigin, OUTPUTS, type OutputForm, outputForm, ServedModel } from "./served-model.js";
export {
  DEFAULT_PORT,
  type ScoringServer,
  type ScoringServerOptions,
  serveScoring,
  startScoringServer,
} from "./server.js";
