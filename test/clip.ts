import { readFileSync } from "node:fs";
import type { FrameRecord } from "../web/src/page-state.js";
import { sharedPath } from "./shared.js";

/**
 * ../shared/media/webcam-6-gestures.mjpeg as Chromium's fake camera plays it. The file is 180 JPEG frames, 30 of
 * each gesture in this order; raw MJPEG carries no frame rate and Chromium's file capture device plays it at
 * 30 frames a second, looping: each gesture is on screen for one second of the stream's mediaTime, the loop is 6 s.
 */
export const CLIP = sharedPath("media", "webcam-6-gestures.mjpeg");
export const CLIP_GESTURES = ["palm", "fist", "like", "peace", "call", "two_up"] as const;
export const CAMERA_FPS = 30;

/** JPEG frames in the clip (start-of-image markers FF D8 FF). */
export function clipFrames(file = CLIP): number {
  const bytes = readFileSync(file);
  let n = 0;
  for (let i = 0; i + 2 < bytes.length; i++)
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd8 && bytes[i + 2] === 0xff) n++;
  return n;
}

/** The gesture on screen at a stream position (seconds), the clip played at `fps` frames a second. */
export function gestureAt(mediaTime: number, frames: number, fps = CAMERA_FPS): string {
  const frame = Math.floor(mediaTime * fps + 1e-6) % frames;
  return CLIP_GESTURES[Math.floor((frame * CLIP_GESTURES.length) / frames)];
}

export interface GestureScore {
  gesture: string;
  /** Frames processed while it was on screen. */
  frames: number;
  /** Of those, frames where the page named it (first hand). */
  named: number;
  share: number;
}

/** For each gesture of the clip: how often the page named it while it was on screen. */
export function scoreTimeline(frames: readonly FrameRecord[], clipLength: number, fps = CAMERA_FPS): GestureScore[] {
  return CLIP_GESTURES.map((gesture) => {
    const on = frames.filter((f) => f.mediaTime !== undefined && gestureAt(f.mediaTime, clipLength, fps) === gesture);
    const named = on.filter((f) => f.hands[0]?.label === gesture).length;
    return { gesture, frames: on.length, named, share: on.length ? named / on.length : 0 };
  });
}

/** The page's labels in time order, runs collapsed, runs shorter than `minRun` frames dropped. */
export function labelRuns(frames: readonly FrameRecord[], minRun = 2): string[] {
  const runs: { label: string; n: number }[] = [];
  for (const f of frames) {
    const label = f.hands[0]?.label ?? "(no hand)";
    const last = runs.at(-1);
    if (last && last.label === label) last.n++;
    else runs.push({ label, n: 1 });
  }
  const kept: string[] = [];
  for (const r of runs) if (r.n >= minRun && kept.at(-1) !== r.label) kept.push(r.label);
  return kept;
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
