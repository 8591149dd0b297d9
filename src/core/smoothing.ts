/**
 * Live predictions smoothed over recent frames, so a label does not flicker when one frame is ambiguous, and a
 * "no gesture" answer when the smoothed probability is below a threshold. Isomorphic and allocation-free per frame:
 * the browser runs it on every frame, the tests run it in Node.
 */

/** What a smoothed hand is called when the model is not confident enough. */
export const NO_GESTURE = "no gesture";

export interface SmoothingOptions {
  /** Frames averaged (1 = no smoothing). Default 3: a label changes one frame after the hand does (at 4 to 30 frames a second, 0.03 to 0.25 s). */
  frames?: number;
  /** Smallest smoothed probability that names a gesture; below it the hand is NO_GESTURE. Default 0.5. */
  threshold?: number;
  /**
   * A frame at least this sure (and accepted) of a class the window gave less than 1 − this (and was not led by)
   * is a new pose, not an odd frame: the hand's history restarts from it, so a label changes in the frame the
   * gesture does instead of a frame or two later (at 6 frames a second, a tenth of a 2 s gesture). Unsure frames
   * (the flicker smoothing is for) never restart it. Default 0.8; 1 turns it off.
   */
  restart?: number;
}

export const DEFAULT_SMOOTHING_FRAMES = 3;
export const DEFAULT_THRESHOLD = 0.5;
export const DEFAULT_RESTART = 0.8;

export interface SmoothedGesture {
  /** The gesture, or NO_GESTURE. */
  label: string;
  /** Smoothed probability of the most probable class (even when it is under the threshold). */
  probability: number;
  /** The most probable class, whatever its probability. */
  best: string;
  /** Frames averaged for this answer (fewer than `frames` while a hand's history fills). */
  frames: number;
  /** Share of those frames the model's rejector accepted (1 when the caller passes no acceptance). */
  accepted: number;
}

/** One tracked hand's last probability vectors in a ring, and their running sum. */
class Track {
  readonly ring: Float64Array;
  readonly sum: Float64Array;
  /** Per frame 1 if the rejector accepted the hand, and their running sum. */
  readonly acc: Uint8Array;
  accSum = 0;
  next = 0;
  count = 0;
  seen = 0;
  constructor(frames: number, classes: number) {
    this.ring = new Float64Array(frames * classes);
    this.sum = new Float64Array(classes);
    this.acc = new Uint8Array(frames);
  }

  clear(): void {
    this.ring.fill(0);
    this.sum.fill(0);
    this.acc.fill(0);
    this.accSum = 0;
    this.next = 0;
    this.count = 0;
  }
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < v.length; j++) if (v[j] > v[best]) best = j;
  return best;
}

/**
 * Averages each hand's class probabilities over its last `frames` frames. Hands are tracked by a key the caller
 * chooses (handedness works for two hands); a hand missing from a frame loses its history, so a new hand starts
 * fresh instead of inheriting the last one's gesture.
 */
export class GestureSmoother {
  readonly classes: readonly string[];
  frames: number;
  threshold: number;
  restart: number;
  private tracks = new Map<string, Track>();
  private frameNo = 0;

  constructor(classes: readonly string[], options: SmoothingOptions = {}) {
    this.classes = classes;
    this.frames = checkFrames(options.frames ?? DEFAULT_SMOOTHING_FRAMES);
    this.threshold = checkThreshold(options.threshold ?? DEFAULT_THRESHOLD);
    this.restart = checkRestart(options.restart ?? DEFAULT_RESTART);
  }

  /** Changes the window (histories restart) or the threshold (takes effect at once). */
  configure(options: SmoothingOptions): void {
    if (options.threshold !== undefined) this.threshold = checkThreshold(options.threshold);
    if (options.restart !== undefined) this.restart = checkRestart(options.restart);
    if (options.frames !== undefined && options.frames !== this.frames) {
      this.frames = checkFrames(options.frames);
      this.tracks.clear();
    }
  }

  /** Starts a frame: hands not updated during it are forgotten at the next beginFrame. */
  beginFrame(): void {
    this.frameNo++;
    for (const [key, track] of this.tracks) if (track.seen < this.frameNo - 1) this.tracks.delete(key);
  }

  /**
   * Adds one hand's probabilities (in `classes` order) for this frame and answers its smoothed gesture. `accepted`
   * is the model's rejection decision for this frame (Classifier.classify's `accepted`, GestureRecognizer's label):
   * the hand is NO_GESTURE while fewer than half of the window's frames were accepted, so one odd frame neither
   * names nor hides a gesture.
   */
  update(key: string, proba: ArrayLike<number>, accepted = true): SmoothedGesture {
    const k = this.classes.length;
    if (proba.length !== k) throw new RangeError(`expected ${k} probabilities, got ${proba.length}`);
    let track = this.tracks.get(key);
    if (!track) {
      track = new Track(this.frames, k);
      this.tracks.set(key, track);
    }
    track.seen = this.frameNo;
    if (track.count > 0 && accepted && this.restart < 1) {
      const now = argmax(proba);
      const was = argmax(track.sum);
      if (now !== was && proba[now] >= this.restart && track.sum[now] / track.count < 1 - this.restart) {
        track.clear();
      }
    }
    const { ring, sum } = track;
    const base = track.next * k;
    const full = track.count === this.frames;
    for (let j = 0; j < k; j++) {
      if (full) sum[j] -= ring[base + j];
      ring[base + j] = proba[j];
      sum[j] += proba[j];
    }
    if (full) track.accSum -= track.acc[track.next];
    track.acc[track.next] = accepted ? 1 : 0;
    track.accSum += track.acc[track.next];
    track.next = (track.next + 1) % this.frames;
    if (!full) track.count++;
    const best = argmax(sum);
    const probability = sum[best] / track.count;
    const acceptedShare = track.accSum / track.count;
    return {
      label: probability >= this.threshold && acceptedShare >= 0.5 ? this.classes[best] : NO_GESTURE,
      probability,
      best: this.classes[best],
      frames: track.count,
      accepted: acceptedShare,
    };
  }

  /** Forgets every hand. */
  reset(): void {
    this.tracks.clear();
  }
}

function checkFrames(frames: number): number {
  if (!Number.isInteger(frames) || frames < 1 || frames > 1000) {
    throw new RangeError(`smoothing frames must be an integer from 1 to 1000, got ${frames}`);
  }
  return frames;
}

function checkRestart(restart: number): number {
  if (!(restart > 0.5 && restart <= 1)) throw new RangeError(`restart must be above 0.5 and at most 1, got ${restart}`);
  return restart;
}

function checkThreshold(threshold: number): number {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be from 0 to 1, got ${threshold}`);
  return threshold;
}
