/**
 * What the page keeps about its work, as `window.handgesture`: its own figures, and what tests and benchmarks read
 * (test/ui.browser.test.ts, bench/ui.ts).
 */
import type { GestureEvent } from "../../src/core/index.js";
import type { Classifier } from "../../src/web/classifiers.js";

/** One hand of a processed frame. */
export interface HandRecord {
  handedness: string;
  /** The smoothed label ("no gesture" under the threshold). */
  label: string;
  probability: number;
  best: string;
  /** The recognizer's stable id for this hand. */
  id: number;
  /** The decided gesture (what the events say), or "no gesture". */
  gesture: string;
  /** False when the model's rejection said "no gesture" for this frame. */
  accepted: boolean;
  /** The model's rejection score for this frame (0 without rejection; accepted when ≤ the model's threshold). */
  rejectionScore: number;
  /** With ?trace=1: the 21 landmarks as MediaPipe gave them ([x, y, z], x and y normalized to the frame). */
  landmarks?: number[][];
}

/** One processed frame. */
export interface FrameRecord {
  /** When the frame was captured or presented (ms, page clock). */
  t: number;
  /** The frame's position in its stream or file, seconds (requestVideoFrameCallback's mediaTime), when known. */
  mediaTime?: number;
  hands: HandRecord[];
  /** Drawing the frame and its overlay on the canvas. */
  drawMs?: number;
  /** Waiting for this frame after the last one was done (the camera's pace, or the browser's next repaint). */
  waitMs: number;
  landmarkMs: number;
  classifyMs: number;
  rttMs?: number;
  /** With ?busy=1: main-thread busy time since the previous frame (MainThreadProbe). */
  mainBusyMs?: number;
  /** Gesture events decided at this frame. */
  events?: number;
  /** Why tracking recovery searched this frame afresh, if it did. */
  recovery?: string;
  mode: "local" | "api";
}

export interface PageState {
  /** The last frames processed (at most 20,000; the older half goes when full). */
  frames: FrameRecord[];
  /** Gesture events, oldest first (at most 20,000 likewise). */
  events: GestureEvent[];
  /** The hand landmarker and a model are loaded. */
  ready: boolean;
  /** The error on show, "" when none. */
  error: string;
  classifier: Classifier | undefined;
  /** Which landmarker runs: its kind ("legacy-hands", …), and whether in a worker, with recovery. */
  landmarker: { kind: string; worker: boolean; recovery: boolean | object } | undefined;
  recordings: { file: string; url: string; bytes: number }[];
  /** Collected samples per label. */
  counts: Record<string, number>;
}

declare global {
  interface Window {
    handgesture: PageState;
  }
}

export const LOG_LIMIT = 20_000;

export const state: PageState = {
  frames: [],
  events: [],
  ready: false,
  error: "",
  classifier: undefined,
  landmarker: undefined,
  recordings: [],
  counts: {},
};

/** Appends to a log, dropping its older half when full. */
export function logPush<T>(log: T[], item: T): void {
  if (log.length >= LOG_LIMIT) log.splice(0, LOG_LIMIT / 2);
  log.push(item);
}
