/**
 * What the page keeps about its work, as `window.handgesture`: its own figures, and what tests and benchmarks read
 * (test/ui.browser.test.ts, bench/ui.ts). Types only.
 */
import type { Classifier } from "./classifiers.js";

/** One processed frame. */
export interface FrameRecord {
  /** When the frame was captured or presented (ms, page clock). */
  t: number;
  /** The frame's position in its stream or file, seconds (requestVideoFrameCallback's mediaTime), when known. */
  mediaTime?: number;
  hands: { handedness: string; label: string; probability: number; best: string }[];
  /** Drawing the frame and its overlay on the canvas. */
  drawMs?: number;
  /** Waiting for this frame after the last one was done (the camera's pace, or the browser's next repaint). */
  waitMs: number;
  landmarkMs: number;
  classifyMs: number;
  rttMs?: number;
  mode: "local" | "api";
}

export interface PageState {
  /** The last frames processed (at most 20,000; the older half goes when full). */
  frames: FrameRecord[];
  /** The hand landmarker and a model are loaded. */
  ready: boolean;
  /** The error on show, "" when none. */
  error: string;
  classifier: Classifier | undefined;
  recordings: { file: string; url: string; bytes: number }[];
  /** Collected samples per label. */
  counts: Record<string, number>;
}

declare global {
  interface Window {
    handgesture: PageState;
  }
}
