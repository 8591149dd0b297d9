/**
 * One loaded model as the scoring server uses it: the pipeline, its recognizer and the buffers every request
 * reuses (one row in, one row of probabilities out), so predicting a row allocates nothing beyond its answer.
 */
import { HAND_DIM, type LiveHand } from "../../core/landmarks.js";
import type { Pipeline } from "../../core/pipeline.js";
import { GestureRecognizer, type Recognition } from "../../core/recognize.js";
import { warmUp } from "../../core/warm-up.js";
import { invalidValue, type Rows } from "./inputs.js";

/**
 * What `"params": {"output": ...}` may ask for: the decided label ("no gesture" when the model's rejector turns the
 * hand down), every class's probability (MLflow's pyfunc form, no decision), the top 3 with the decision, or the
 * decision with every probability (what the page's API mode asks for, so it decides as the server does).
 */
export const OUTPUTS = ["label", "proba", "top3", "decision"] as const;
export type OutputForm = (typeof OUTPUTS)[number];

/** Where a served model came from; `version` is set for models:/ URIs. */
export interface ModelOrigin {
  /** The URI or path the server was started with. */
  uri: string;
  name?: string;
  version?: string;
  runId?: string;
}

export interface TopEntry {
  label: string;
  probability: number;
}

export class ServedModel {
  readonly model: Pipeline;
  readonly classes: readonly string[];
  readonly origin: ModelOrigin;
  /** Says which model answers, e.g. `gesture/3` (registered) or the URI it was loaded from. */
  readonly tag: string;
  private readonly recognizer: GestureRecognizer;
  private readonly row = new Float64Array(HAND_DIM);
  private readonly proba: Float64Array;

  constructor(model: Pipeline, origin: ModelOrigin) {
    this.model = model;
    this.classes = model.classes;
    this.origin = origin;
    this.tag = origin.name && origin.version ? `${origin.name}/${origin.version}` : origin.uri;
    this.recognizer = new GestureRecognizer(model);
    this.proba = new Float64Array(this.classes.length);
    // The first real request should not pay for lazy set-up, cold code or code the JIT specialised on odd input.
    warmUp(model);
  }

  /** Predicts every row in the form asked for; a bad value throws before anything is returned. */
  predict(rows: Rows, form: OutputForm): unknown[] {
    const n = rows.count;
    const out = new Array<unknown>(n);
    const { row, proba, classes } = this;
    for (let i = 0; i < n; i++) {
      rows.fill(i, row);
      if (form === "top3") {
        const r = this.recognizer.recognizeRow(row);
        out[i] = { label: r.label, best: r.best, probability: r.probability, score: r.score, top: r.top };
        continue;
      }
      if (form === "label") {
        out[i] = this.model.rejector ? this.recognizer.recognizeRow(row).label : this.labelOf(row);
        continue;
      }
      if (form === "decision") {
        const r = this.recognizer.recognizeRow(row);
        const p = this.recognizer.probabilities;
        const o: Record<string, number> = {};
        for (let j = 0; j < classes.length; j++) o[classes[j]] = p[j];
        out[i] = { label: r.label, best: r.best, probability: r.probability, score: r.score, probabilities: o };
        continue;
      }
      this.model.predictProbaRow(row, proba);
      const o: Record<string, number> = {};
      for (let j = 0; j < classes.length; j++) o[classes[j]] = proba[j];
      out[i] = o;
    }
    return out;
  }

  private labelOf(row: Float64Array): string {
    this.model.predictProbaRow(row, this.proba);
    return this.classes[argmax(this.proba)];
  }

  /** The rejection threshold the decisions use (null: the model never rejects). */
  get threshold(): number | null {
    return this.model.rejector?.threshold ?? null;
  }

  /** A live MediaPipe hand through liveHandToDataset and the recognizer. */
  recognize(hand: LiveHand): Recognition {
    return this.recognizer.recognize(hand);
  }
}

/** Index of the largest value; ties go to the lowest index, as the estimators' predict does. */
function argmax(p: Float64Array): number {
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
  return best;
}

/** The output form named by `params.output` (default labels). */
export function outputForm(params: Readonly<Record<string, unknown>>): OutputForm {
  const v = params.output;
  if (v === undefined || v === null) return "label";
  if (typeof v === "string" && (OUTPUTS as readonly string[]).includes(v)) return v as OutputForm;
  throw invalidValue(`params.output must be one of ${OUTPUTS.join(", ")}; got ${JSON.stringify(v)}`);
}
