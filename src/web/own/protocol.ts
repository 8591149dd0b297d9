/** Messages between the page and the training worker (train-worker.ts). Rows travel as transferred buffers. */
import type { SessionEvaluation } from "../../core/own-gestures.js";

export interface TrainRequest {
  type: "train";
  sessions: { id: string; label: string; rows: Float64Array }[];
  /** HaGRID rows to add the gestures to (63 values each, pixel convention) and their labels. */
  base?: { rows: Float64Array; labels: string[] };
  pipeline?: string;
  /** Written into the model file's training block. */
  source?: string;
}

export type TrainResponse =
  | { type: "progress"; done: number; what: string }
  | {
      type: "done";
      /** The model file (handgesture's JSON), ready for LocalClassifier, the tracking server or a download. */
      modelFile: Record<string, unknown>;
      evaluation: SessionEvaluation;
      classes: string[];
      rows: { own: number; base: number };
      trainMs: number;
    }
  | { type: "error"; message: string };
