/**
 * The temporal decision layer: per hand, a gesture is *held* only after it has been the smoothed best class for a
 * minimum duration and is then sure enough (so a stray frame never names one), and it stays held until the
 * evidence against it lasts as long (hysteresis: a lower probability keeps a held gesture than starts one). Each
 * change is a gesture event an app subscribes to: `start` and `end`, with the hand's id and handedness, the label,
 * the probability and timestamps. Isomorphic, and no allocation per frame but for the events themselves.
 */
import { NO_GESTURE } from "./smoothing.js";

export type GestureEventType = "start" | "end";

export interface GestureEvent {
  type: GestureEventType;
  /** A number of its own for each tracked hand, stable while the hand stays in view. */
  handId: number;
  /** As MediaPipe names it ("Left", "Right"), or "" when unknown. */
  handedness: string;
  label: string;
  /** start: the smoothed probability when the gesture was taken; end: the last probability it was held with. */
  probability: number;
  /** When the gesture began: the timestamp of the first frame of the run that started it (ms). */
  startTime: number;
  /** When this event was decided (ms): for start, the frame that completed the minimum duration. */
  time: number;
  /** end only: why it ended. */
  reason?: "changed" | "faded" | "lost";
}

export interface DecisionOptions {
  /** Smallest smoothed probability that can start a gesture. Default 0.6. */
  enter?: number;
  /** Smallest smoothed probability that keeps a held gesture. Default 0.4 (below `enter`: hysteresis). */
  exit?: number;
  /** How long (ms) a new gesture, or the evidence against a held one, must last before it counts. Default 150. */
  minDurationMs?: number;
}

export const DEFAULT_DECISION: Readonly<Required<DecisionOptions>> = Object.freeze({
  enter: 0.6,
  exit: 0.4,
  minDurationMs: 150,
});

/** What the layer decides for one hand in one frame (the same object each frame for a hand: copy to keep). */
export interface HandDecision {
  handId: number;
  /** The held gesture, or NO_GESTURE. */
  label: string;
  probability: number;
}

class HandState {
  readonly decision: HandDecision;
  held = "";
  heldProbability = 0;
  heldSince = 0;
  /** The class that would start (or the "not held" evidence that would end), and since when. */
  candidate = "";
  candidateSince = 0;
  candidateProbability = 0;
  against = false;
  againstSince = 0;
  seenFrame = 0;
  constructor(
    readonly handId: number,
    public handedness: string,
  ) {
    this.decision = { handId, label: NO_GESTURE, probability: 0 };
  }
}

export type GestureListener = (event: GestureEvent) => void;

export class GestureDecider {
  enter: number;
  exit: number;
  minDurationMs: number;
  private readonly hands = new Map<string, HandState>();
  private readonly listeners = new Set<GestureListener>();
  private nextId = 1;
  private frame = 0;

  constructor(options: DecisionOptions = {}) {
    this.enter = DEFAULT_DECISION.enter;
    this.exit = DEFAULT_DECISION.exit;
    this.minDurationMs = DEFAULT_DECISION.minDurationMs;
    this.configure(options);
  }

  configure(options: DecisionOptions): void {
    const enter = options.enter ?? this.enter;
    const exit = options.exit ?? this.exit;
    const min = options.minDurationMs ?? this.minDurationMs;
    if (!(enter >= 0 && enter <= 1)) throw new RangeError(`enter must be from 0 to 1, got ${enter}`);
    if (!(exit >= 0 && exit <= enter)) throw new RangeError(`exit must be from 0 to enter (${enter}), got ${exit}`);
    if (!(min >= 0 && Number.isFinite(min))) throw new RangeError(`minDurationMs must be 0 or more, got ${min}`);
    this.enter = enter;
    this.exit = exit;
    this.minDurationMs = min;
  }

  /** Subscribes to gesture events; returns the unsubscribe function. */
  on(listener: GestureListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a frame; hands not updated in it end ("lost") at endFrame. */
  beginFrame(): void {
    this.frame++;
  }

  /**
   * One hand's smoothed answer for this frame: its best class and that class's probability (whatever the
   * threshold said). `key` tracks the hand across frames (a tracker's id, or handedness for two hands).
   */
  update(key: string, handedness: string, best: string, probability: number, time: number): HandDecision {
    let hand = this.hands.get(key);
    if (hand === undefined) {
      hand = new HandState(this.nextId++, handedness);
      this.hands.set(key, hand);
    }
    hand.seenFrame = this.frame;
    hand.handedness = handedness;
    if (hand.held !== "") {
      const keeps = best === hand.held && probability >= this.exit;
      if (keeps) {
        hand.against = false;
        hand.heldProbability = probability;
      } else if (!hand.against) {
        hand.against = true;
        hand.againstSince = time;
      }
      if (hand.against && time - hand.againstSince >= this.minDurationMs) {
        this.end(hand, best !== hand.held && probability >= this.enter ? "changed" : "faded", time);
      }
    }
    // A new gesture starts once it has led (over `exit`) for the minimum duration and is, at that moment, sure
    // enough (over `enter`). While another is held, that one ends as "changed" above first.
    if (best !== hand.held && probability >= this.exit) {
      if (hand.candidate !== best) {
        hand.candidate = best;
        hand.candidateSince = time;
      }
      hand.candidateProbability = probability;
      const lasted = time - hand.candidateSince >= this.minDurationMs;
      if (hand.held === "" && lasted && probability >= this.enter) this.start(hand, time);
    } else {
      hand.candidate = "";
    }
    hand.decision.label = hand.held === "" ? NO_GESTURE : hand.held;
    hand.decision.probability = hand.held === "" ? probability : hand.heldProbability;
    return hand.decision;
  }

  /** Ends the frame: a hand that was not in it has left, and its gesture ends ("lost"). */
  endFrame(time: number): void {
    for (const [key, hand] of this.hands) {
      if (hand.seenFrame === this.frame) continue;
      if (hand.held !== "") this.end(hand, "lost", time);
      this.hands.delete(key);
    }
  }

  /** Ends every held gesture ("lost") and forgets every hand, e.g. when the video stops. */
  reset(time: number): void {
    this.frame++;
    this.endFrame(time);
  }

  private start(hand: HandState, time: number): void {
    hand.held = hand.candidate;
    hand.heldProbability = hand.candidateProbability;
    hand.heldSince = hand.candidateSince;
    hand.candidate = "";
    hand.against = false;
    this.emit({
      type: "start",
      handId: hand.handId,
      handedness: hand.handedness,
      label: hand.held,
      probability: hand.heldProbability,
      startTime: hand.heldSince,
      time,
    });
  }

  private end(hand: HandState, reason: NonNullable<GestureEvent["reason"]>, time: number): void {
    const label = hand.held;
    hand.held = "";
    hand.against = false;
    this.emit({
      type: "end",
      handId: hand.handId,
      handedness: hand.handedness,
      label,
      probability: hand.heldProbability,
      startTime: hand.heldSince,
      time,
      reason,
    });
  }

  private emit(event: GestureEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** One frame of a recorded sequence, for the measures below: when, what was on screen, what was decided. */
export interface DecidedFrame {
  time: number;
  /** The gesture truly shown (NO_GESTURE for none). */
  truth: string;
  /** What the page showed. */
  label: string;
}

export interface DecisionMeasures {
  /**
   * Label changes per second while one gesture is held on screen, counted from the frame that first names it
   * (the onset itself is no flicker) to the cut; while no gesture is shown, over the whole stretch.
   */
  flickerPerSecond: number;
  /** For each shown gesture that was ever named: ms from its first frame to the first frame naming it. */
  onsetMs: number[];
  /** Shown gestures never named while on screen. */
  missed: number;
}

/** Flicker and onset latency of a decided sequence (frames in time order). */
export function measureDecisions(frames: readonly DecidedFrame[]): DecisionMeasures {
  let changes = 0;
  let heldMs = 0;
  const onsetMs: number[] = [];
  let missed = 0;
  let i = 0;
  while (i < frames.length) {
    // One segment: consecutive frames with the same truth.
    let j = i;
    while (j + 1 < frames.length && frames[j + 1].truth === frames[i].truth) j++;
    const truth = frames[i].truth;
    let from = i;
    if (truth !== NO_GESTURE) {
      while (from <= j && frames[from].label !== truth) from++;
      if (from > j) missed++;
      else onsetMs.push(frames[from].time - frames[i].time);
    }
    if (from <= j) {
      for (let k = from + 1; k <= j; k++) if (frames[k].label !== frames[k - 1].label) changes++;
      heldMs += frames[j].time - frames[from].time;
    }
    i = j + 1;
  }
  return { flickerPerSecond: heldMs > 0 ? (changes * 1000) / heldMs : 0, onsetMs, missed };
}
