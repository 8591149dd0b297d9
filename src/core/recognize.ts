import { HAND_DIM, type LiveHand, liveHandToDataset } from "./landmarks.js";
import type { Pipeline } from "./pipeline.js";
import type { Rejector } from "./rejection.js";
import { NO_GESTURE } from "./smoothing.js";

export interface GestureScore {
  label: string;
  probability: number;
}

export interface Recognition extends GestureScore {
  /** The gesture, or "no gesture" when the model's rejector turns the hand down (see `best`). */
  label: string;
  /** The most probable class, named or not; `probability` is its probability. */
  best: string;
  /** The rejection score (higher: less like any trained gesture); null when the model has no rejector. */
  score: number | null;
  /** The best three classes, most probable first. */
  top: GestureScore[];
}

/**
 * Names the gesture of one hand with a fitted pipeline, and its rejector when the model file has one. Holds its
 * buffers, so the only allocation per call is the small result object; CLI, server and browser all go through
 * here, so a model behaves the same everywhere.
 */
export class GestureRecognizer {
  readonly model: Pipeline;
  readonly classes: readonly string[];
  readonly rejector: Rejector | null;
  private readonly row = new Float64Array(HAND_DIM);
  private readonly proba: Float64Array;

  constructor(model: Pipeline) {
    this.model = model;
    this.classes = model.classes;
    this.rejector = model.rejector;
    this.proba = new Float64Array(this.classes.length);
  }

  /** A live MediaPipe hand (normalized x, y; frame size) → gesture. */
  recognize(hand: LiveHand, topK = 3): Recognition {
    liveHandToDataset(hand, this.row);
    return this.recognizeRow(this.row, topK);
  }

  /** 63 values in the dataset convention → gesture. */
  recognizeRow(x: Float64Array, topK = 3): Recognition {
    this.model.predictProbaRow(x, this.proba);
    return this.result(topK, this.rejector ? this.rejector.scoreRow(x, this.proba) : null);
  }

  /** Probabilities of the last call, in `classes` order (a view: copy it to keep it). */
  get probabilities(): Float64Array {
    return this.proba;
  }

  private result(topK: number, score: number | null): Recognition {
    const p = this.proba;
    const k = Math.min(topK, p.length);
    const idx: number[] = [];
    for (let i = 0; i < p.length; i++) {
      let pos = idx.length;
      while (pos > 0 && p[idx[pos - 1]] < p[i]) pos--;
      if (pos < k) {
        idx.splice(pos, 0, i);
        if (idx.length > k) idx.pop();
      }
    }
    const top = idx.map((i) => ({ label: this.classes[i], probability: p[i] }));
    const accepted = score === null || (this.rejector as Rejector).accepts(score);
    return {
      label: accepted ? top[0].label : NO_GESTURE,
      best: top[0].label,
      probability: top[0].probability,
      score,
      top,
    };
  }
}
