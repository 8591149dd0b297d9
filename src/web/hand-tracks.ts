/**
 * Stable hand ids across frames: each detected hand is matched to the nearest hand of the previous frame on the
 * same side (by the middle of its palm); one that moved further than a hand can between two frames, turned from a
 * left hand into a right one (another hand cut in at the same place), or has no near match, is a new hand with a
 * new id. Smoothing and gesture events key on these ids, so a hand that appears where another
 * was (a cut, a second hand coming in) never inherits the old one's history. Isomorphic; no allocation per frame
 * once the tracks exist.
 */
import type { LandmarkPoint } from "./landmarkers/types.js";

/** Palm landmarks: wrist and the four finger bases (MediaPipe's 0, 5, 9, 13, 17). */
const PALM = [0, 5, 9, 13, 17] as const;

export interface HandTrackOptions {
  /**
   * Largest move of the palm's middle between two frames that is still the same hand, as a share of the frame's
   * larger side. Default 0.25: a quick hand at 7 frames a second moves less; the other hand, or a new hand after
   * a cut, is usually further.
   */
  maxJump?: number;
}

export const DEFAULT_MAX_JUMP = 0.25;

class Track {
  id = 0;
  /** `String(id)`, made once: smoothing and events key on it. */
  key = "";
  x = 0;
  y = 0;
  handedness = "";
  /** Matched already in this frame. */
  taken = false;
}

/** The palm's middle of a hand, in pixels of a `width` × `height` frame, into `out[at]`, `out[at + 1]`. */
function palmCentre(landmarks: readonly LandmarkPoint[], width: number, height: number, out: Float64Array, at: number) {
  let x = 0;
  let y = 0;
  for (const i of PALM) {
    x += landmarks[i].x;
    y += landmarks[i].y;
  }
  out[at] = (x / PALM.length) * width;
  out[at + 1] = (y / PALM.length) * height;
}

/** Unknown sides ("", "?") match either. */
const sameSide = (a: string, b: string) => a === b || a === "" || b === "" || a === "?" || b === "?";

export class HandTracker {
  maxJump: number;
  /** This frame's tracks (the first `count`), and the last frame's: two lists swapped each frame, never made anew. */
  private tracks: Track[] = [];
  private previous: Track[] = [];
  private count = 0;
  private nextId = 1;
  private centres = new Float64Array(8);
  private matched = new Uint8Array(4);

  constructor(options: HandTrackOptions = {}) {
    this.maxJump = options.maxJump ?? DEFAULT_MAX_JUMP;
  }

  /**
   * Gives each of this frame's hands (landmarks normalized to a `width` × `height` frame) an id, written to
   * `ids[h]`, and its key (`String(id)`) to `keys[h]`. Tracks of the last frame that no hand matched end.
   */
  assign(
    hands: readonly { landmarks: readonly LandmarkPoint[]; handedness?: string }[],
    width: number,
    height: number,
    ids: Int32Array | number[],
    keys: string[],
  ): void {
    const n = hands.length;
    if (this.centres.length < 2 * n) this.centres = new Float64Array(4 * n);
    if (this.matched.length < n) this.matched = new Uint8Array(2 * n);
    const c = this.centres;
    for (let h = 0; h < n; h++) palmCentre(hands[h].landmarks, width, height, c, 2 * h);
    const last = this.tracks;
    const lastCount = this.count;
    this.tracks = this.previous;
    this.previous = last;
    while (this.tracks.length < n) this.tracks.push(new Track());
    for (let t = 0; t < lastCount; t++) last[t].taken = false;
    this.matched.fill(0, 0, n);
    const limit = this.maxJump * Math.max(width, height);
    // Greedy: the closest (hand, track) pair first, then the closest among the rest, none beyond the limit.
    for (let round = 0; round < n; round++) {
      let bestH = -1;
      let bestT = -1;
      let bestD = limit * limit;
      for (let h = 0; h < n; h++) {
        if (this.matched[h]) continue;
        const side = hands[h].handedness ?? "";
        for (let t = 0; t < lastCount; t++) {
          if (last[t].taken || !sameSide(side, last[t].handedness)) continue;
          const dx = c[2 * h] - last[t].x;
          const dy = c[2 * h + 1] - last[t].y;
          const d = dx * dx + dy * dy;
          if (d <= bestD) {
            bestD = d;
            bestH = h;
            bestT = t;
          }
        }
      }
      if (bestH < 0) break;
      this.matched[bestH] = 1;
      last[bestT].taken = true;
      this.tracks[bestH].id = last[bestT].id;
      this.tracks[bestH].key = last[bestT].key;
    }
    for (let h = 0; h < n; h++) {
      const t = this.tracks[h];
      if (!this.matched[h]) {
        t.id = this.nextId++;
        t.key = String(t.id);
      }
      t.x = c[2 * h];
      t.y = c[2 * h + 1];
      t.handedness = hands[h].handedness ?? "";
      ids[h] = t.id;
      keys[h] = t.key;
    }
    this.count = n;
  }

  /** Forgets every hand (a hard cut): the next hands get new ids. */
  reset(): void {
    this.count = 0;
  }
}
