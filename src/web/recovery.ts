/**
 * Tracking recovery around any hand landmarker. MediaPipe's tracker goes wrong live in three ways (issue 12, the
 * photo ../shared/media/tracking/ok.jpg): after a hard cut it keeps the old hand's region and fits the new hand
 * into it, sometimes as a crossed, impossible skeleton; its palm detector misses some hands at some sizes (ok.jpg at
 * 360 to 420 px in a 640×480 frame) and finds them at others; and a dropped track is searched for at one scale only.
 * So each frame:
 *   - a hard cut (a tiny grey thumbnail of the frame changed a lot) resets the tracker: the new hand is searched
 *     for afresh, not fitted into the old region;
 *   - a skeleton no hand can make (core/hand-geometry.ts), or a hand that jumped, is searched for afresh at once,
 *     and dropped if the fresh search gives no plausible hand either: a wrong track lives at most this frame;
 *   - a frame with a hand fewer than a moment ago is searched again at once in another view: the frame shrunk
 *     inside a padded canvas of its own size, so a hand too large for the palm detector at full size is found; the
 *     view that found it is kept, and tracked in, for the next frames. While nothing is found the views take turns,
 *     one a frame, so an empty scene costs no more than without recovery;
 *   - with a model beside it (`judge`), a hand the model knew for the last 3 frames and now finds far from
 *     anything it knows (twice its rejection threshold) is searched for afresh once: after a change of gesture the
 *     tracker can fit the new pose into the old one's region, and a fresh search fits the new pose as it is.
 */
import { checkHand, HAND_DIM, HAND_OK, handJump, liveHandToDataset } from "../core/index.js";
import type {
  DetectedHand,
  FrameSource,
  HandLandmarkerBackend,
  LandmarkerOptions,
  LandmarkPoint,
} from "./landmarkers/types.js";

export interface RecoveryOptions {
  /** Mean change of an 8×6 grey thumbnail (0 to 255) above which a frame is a hard cut (default 24). */
  cutThreshold?: number;
  /** Views searched, as the frame's scale inside a canvas of its size; the first is the frame itself (default [1, 0.6]). */
  scales?: readonly number[];
  /** A hand that moved more than this share of its size since the last frame is searched for afresh (default 0.6). */
  jumpLimit?: number;
}

export type RecoveryTrigger = "cut" | "implausible" | "jump" | "lost" | "search" | "unknown";

/**
 * How unlike a hand (dataset convention, HAND_DIM numbers) is to what the model knows: its rejection score in units
 * of its threshold (under 1: accepted). Synchronous.
 */
export type HandJudge = (row: Float64Array) => number;

export interface RecoveryStats {
  frames: number;
  /** Frames with an extra, fresh detection. */
  redetects: number;
  /** Frames on which each trigger fired ("search": an empty frame that moved the next frame to another view). */
  triggers: Record<RecoveryTrigger, number>;
  /** Impossible skeletons dropped (no plausible hand found instead). */
  dropped: number;
  /** Frames tracked in a view other than the frame itself. */
  inView: number;
}

type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

function makeCanvas(width: number, height: number): { canvas: HTMLCanvasElement | OffscreenCanvas; ctx: Canvas2D } {
  const canvas: HTMLCanvasElement | OffscreenCanvas =
    typeof document !== "undefined" ? document.createElement("canvas") : new OffscreenCanvas(width, height);
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true }) as Canvas2D | null;
  if (!ctx) throw new Error("recovery: no 2D canvas context");
  return { canvas, ctx };
}

function frameSize(frame: FrameSource): { width: number; height: number } {
  if (typeof HTMLVideoElement !== "undefined" && frame instanceof HTMLVideoElement)
    return { width: frame.videoWidth, height: frame.videoHeight };
  if (typeof HTMLImageElement !== "undefined" && frame instanceof HTMLImageElement)
    return { width: frame.naturalWidth, height: frame.naturalHeight };
  if (typeof VideoFrame !== "undefined" && frame instanceof VideoFrame)
    return { width: frame.displayWidth, height: frame.displayHeight };
  return { width: (frame as ImageBitmap).width, height: (frame as ImageBitmap).height };
}

/** Frames a hand must have been known before its turning down is searched afresh. */
const KNOWN_RUN = 3;
/** How far (in rejection thresholds) a once-known hand must be to be searched afresh. */
const FAR = 2;

const THUMB_W = 8;
const THUMB_H = 6;

export class RecoveringLandmarker implements HandLandmarkerBackend {
  readonly kind: string;
  /** Whether the last frame needed a fresh detection, and why. */
  lastRecovery = false;
  lastTrigger: RecoveryTrigger | undefined;
  readonly stats: RecoveryStats = {
    frames: 0,
    redetects: 0,
    triggers: { cut: 0, implausible: 0, jump: 0, lost: 0, search: 0, unknown: 0 },
    dropped: 0,
    inView: 0,
  };
  private readonly cutThreshold: number;
  private readonly scales: readonly number[];
  private readonly jumpLimit: number;
  /** The model's word on a hand, set by whoever runs the model beside this landmarker (none: not asked). */
  judge: HandJudge | undefined;
  /** Frames in a row the model knew the first hand. */
  private knownRun = 0;
  private view = 0;
  private lastCount = 0;
  private ts = Number.NEGATIVE_INFINITY;
  private readonly thumb = new Float32Array(THUMB_W * THUMB_H);
  private hasThumb = false;
  private thumbCanvas: { ctx: Canvas2D } | undefined;
  private viewCanvas: { canvas: HTMLCanvasElement | OffscreenCanvas; ctx: Canvas2D } | undefined;
  private readonly row = new Float64Array(HAND_DIM);
  private readonly lastRow = new Float64Array(HAND_DIM);

  constructor(
    readonly inner: HandLandmarkerBackend,
    options: RecoveryOptions = {},
  ) {
    this.kind = `${inner.kind} + recovery`;
    this.cutThreshold = options.cutThreshold ?? 24;
    this.scales = options.scales ?? [1, 0.6];
    this.jumpLimit = options.jumpLimit ?? 0.6;
    if (this.scales.length === 0 || this.scales[0] !== 1 || this.scales.some((s) => !(s > 0 && s <= 1)))
      throw new RangeError(`recovery scales must start with 1 and lie in (0, 1], got ${JSON.stringify(this.scales)}`);
  }

  async detectVideo(frame: FrameSource, timestampMs: number): Promise<DetectedHand[]> {
    this.stats.frames++;
    this.lastRecovery = false;
    this.lastTrigger = undefined;
    const { width, height } = frameSize(frame);
    if (this.isCut(frame)) {
      this.trigger("cut");
      this.inner.reset();
      this.view = 0;
    }
    let hands = await this.detectIn(this.view, frame, timestampMs, width, height);
    // A skeleton no hand makes, or a jump with no cut: search afresh in this view at once.
    const bad = this.implausible(hands, width, height);
    if (bad) {
      this.trigger(bad);
      this.inner.reset();
      hands = await this.detectIn(this.view, frame, timestampMs, width, height);
      if (this.implausible(hands, width, height) === "implausible") {
        this.stats.dropped++;
        this.inner.reset();
        hands = hands.filter((h) => this.plausible(h, width, height));
      }
    }
    // Known for a few frames, far from anything known now, with nothing else wrong: the tracker may hold the old
    // pose's fit. Not again until the hand is known for as long: fits that alternate cost no searches. Only far
    // (twice the threshold): a fresh fit of a hand near the edge is as likely to be let in wrongly as rightly.
    if (this.judge && hands.length > 0) {
      const unlike = this.unlike(hands[0], width, height);
      let known = unlike <= 1;
      if (unlike >= FAR && !this.lastRecovery && this.knownRun >= KNOWN_RUN) {
        this.trigger("unknown");
        this.inner.reset();
        const fresh = (await this.detectIn(this.view, frame, timestampMs, width, height)).filter((h) =>
          this.plausible(h, width, height),
        );
        if (fresh.length >= hands.length) {
          hands = fresh;
          known = this.unlike(hands[0], width, height) <= 1;
        }
        this.knownRun = 0;
      }
      this.knownRun = known ? this.knownRun + 1 : 0;
    } else {
      this.knownRun = 0;
    }
    const next = this.scales.length > 1 ? (this.view + 1) % this.scales.length : 0;
    if (hands.length === 0 && this.lastCount === 0) {
      // Nothing now nor a moment ago: no track to lose, so no second detection on this frame; the next frame is
      // searched in the next view instead. An empty scene costs one detection a frame, as without recovery.
      this.stats.triggers.search++;
      this.view = next;
    } else if (hands.length < this.lastCount) {
      // A hand fewer than a moment ago: one more search at once, in the next view.
      this.trigger("lost");
      if (hands.length > 0) this.inner.reset(); // with no hand left there is no track to drop
      const found = await this.detectIn(next, frame, timestampMs, width, height);
      const plausible = found.filter((h) => this.plausible(h, width, height));
      if (plausible.length > hands.length) {
        hands = plausible;
        this.view = next;
      } else if (next !== this.view && found.length > 0) {
        this.inner.reset(); // the tracker's state belongs to the view it searched last
      }
    }
    if (this.view !== 0) this.stats.inView++;
    this.lastCount = hands.length;
    if (hands.length > 0) liveHandToDataset({ landmarks: hands[0].landmarks, width, height }, this.lastRow);
    return hands;
  }

  detectImage(image: FrameSource): Promise<DetectedHand[]> {
    return this.inner.detectImage(image);
  }

  configure(options: LandmarkerOptions): void {
    this.inner.configure(options);
  }

  reset(): void {
    this.inner.reset();
    this.view = 0;
    this.lastCount = 0;
    this.knownRun = 0;
    this.hasThumb = false;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private trigger(why: RecoveryTrigger): void {
    if (!this.lastRecovery) this.stats.redetects++;
    this.lastRecovery = true;
    this.lastTrigger ??= why;
    this.stats.triggers[why]++;
  }

  /** Timestamps for the inner landmarker: strictly increasing even with two detections on one frame. */
  private nextTs(t: number): number {
    this.ts = Math.max(t, this.ts + 1);
    return this.ts;
  }

  private async detectIn(
    view: number,
    frame: FrameSource,
    t: number,
    width: number,
    height: number,
  ): Promise<DetectedHand[]> {
    const s = this.scales[view];
    if (s === 1) return this.inner.detectVideo(frame, this.nextTs(t));
    if (!this.viewCanvas || this.viewCanvas.canvas.width !== width || this.viewCanvas.canvas.height !== height)
      this.viewCanvas = makeCanvas(width, height);
    const { canvas, ctx } = this.viewCanvas;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(frame as CanvasImageSource, ((1 - s) / 2) * width, ((1 - s) / 2) * height, s * width, s * height);
    const hands = await this.inner.detectVideo(canvas, this.nextTs(t));
    // Back to the frame's coordinates (z is relative to the wrist, in the view's width: scaled alike).
    return hands.map((h) => ({
      ...h,
      landmarks: h.landmarks.map(
        (p): LandmarkPoint => ({ x: 0.5 + (p.x - 0.5) / s, y: 0.5 + (p.y - 0.5) / s, z: p.z / s }),
      ),
    }));
  }

  private unlike(hand: DetectedHand, width: number, height: number): number {
    liveHandToDataset({ landmarks: hand.landmarks, width, height }, this.row);
    return (this.judge as HandJudge)(this.row);
  }

  private plausible(hand: DetectedHand, width: number, height: number): boolean {
    liveHandToDataset({ landmarks: hand.landmarks, width, height }, this.row);
    return checkHand(this.row) === HAND_OK;
  }

  /** Why these hands cannot be trusted, if they cannot. */
  private implausible(hands: DetectedHand[], width: number, height: number): RecoveryTrigger | undefined {
    for (const h of hands) if (!this.plausible(h, width, height)) return "implausible";
    if (hands.length > 0 && this.lastCount > 0) {
      liveHandToDataset({ landmarks: hands[0].landmarks, width, height }, this.row);
      if (handJump(this.lastRow, this.row) > this.jumpLimit) return "jump";
    }
    return undefined;
  }

  /** Whether the frame's thumbnail changed by more than the cut threshold since the last frame. */
  private isCut(frame: FrameSource): boolean {
    this.thumbCanvas ??= makeCanvas(THUMB_W, THUMB_H);
    const { ctx } = this.thumbCanvas;
    ctx.drawImage(frame as CanvasImageSource, 0, 0, THUMB_W, THUMB_H);
    const data = ctx.getImageData(0, 0, THUMB_W, THUMB_H).data;
    let diff = 0;
    for (let i = 0; i < this.thumb.length; i++) {
      const grey = (data[4 * i] + data[4 * i + 1] + data[4 * i + 2]) / 3;
      diff += Math.abs(grey - this.thumb[i]);
      this.thumb[i] = grey;
    }
    const cut = this.hasThumb && diff / this.thumb.length > this.cutThreshold;
    this.hasThumb = true;
    return cut;
  }
}
