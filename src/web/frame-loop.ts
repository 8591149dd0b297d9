/**
 * The frame clock of a live recognizer: resolves at each new video frame (requestVideoFrameCallback, with the
 * frame's capture time and stream position) or, for a still image, at each animation frame. Waiting once per
 * frame also yields to rendering, without which a loop that only awaits MediaPipe starves the page (a
 * MediaRecorder on its canvas then records nothing). A new source is a hard cut, reported once by `takeCut`.
 */
import type { FrameSource } from "./landmarkers/types.js";

/** What a recognizer can watch: a video element (playing), a camera stream, or a still image or canvas. */
export type RecognizerSource = HTMLVideoElement | MediaStream | HTMLImageElement | HTMLCanvasElement;

export interface LoopFrame {
  frame: FrameSource;
  /** Capture time (a camera), presentation time (a video file) or the animation frame's time, ms, page clock. */
  t: number;
  /** Position in the stream or file, seconds, for video. */
  mediaTime?: number;
  width: number;
  height: number;
}

interface Tick {
  t: number;
  mediaTime?: number;
}

/** A video's callback never comes once the video is replaced: give up on it after this long. */
const STALE_VIDEO_MS = 500;

export class FrameLoop {
  private source: HTMLVideoElement | HTMLImageElement | HTMLCanvasElement | undefined;
  /** The video made for a MediaStream source, reused for the next stream. */
  private ownVideo: HTMLVideoElement | undefined;
  private cut = false;
  private ahead: Promise<Tick> | undefined;

  constructor(source?: RecognizerSource) {
    if (source) this.setSource(source);
  }

  /** The element frames are read from (a MediaStream plays in a muted video of the loop's own). */
  get element(): HTMLVideoElement | HTMLImageElement | HTMLCanvasElement | undefined {
    return this.source;
  }

  /** Switches to another source: a hard cut, so nothing tracked on the old one carries over. */
  setSource(source: RecognizerSource | undefined): void {
    this.cut = true;
    this.ahead = undefined;
    if (typeof MediaStream !== "undefined" && source instanceof MediaStream) {
      this.ownVideo ??= document.createElement("video");
      const video = this.ownVideo;
      video.muted = true;
      video.playsInline = true;
      video.srcObject = source;
      video.play().catch(() => {}); // autoplay of a muted stream is allowed; a failure shows as no frames
      this.source = video;
    } else {
      this.source = source as HTMLVideoElement | HTMLImageElement | HTMLCanvasElement | undefined;
    }
  }

  /** A hard cut without a new source (the picture changed in another way). */
  markCut(): void {
    this.cut = true;
  }

  /** True once after each new source: the caller then forgets its hands before processing the next frame. */
  takeCut(): boolean {
    const cut = this.cut;
    this.cut = false;
    return cut;
  }

  /** Asks for the frame after this one now, while this one is still being worked on (an API request is out). */
  prefetch(): void {
    this.ahead ??= this.tick();
  }

  /** The next frame to process, or undefined when the source has none to give yet (not loaded, no size). */
  async next(): Promise<LoopFrame | undefined> {
    const tick = await (this.ahead ?? this.tick());
    this.ahead = undefined;
    const s = this.source;
    if (!s) return undefined;
    if (s instanceof HTMLVideoElement) {
      if (s.readyState < 2 || !s.videoWidth || !s.videoHeight) return undefined;
      return { frame: s, t: tick.t, mediaTime: tick.mediaTime, width: s.videoWidth, height: s.videoHeight };
    }
    const width = s instanceof HTMLImageElement ? s.naturalWidth : s.width;
    const height = s instanceof HTMLImageElement ? s.naturalHeight : s.height;
    if (!width || !height) return undefined;
    return { frame: s, t: tick.t, width, height };
  }

  private tick(): Promise<Tick> {
    const video = this.source instanceof HTMLVideoElement ? this.source : undefined;
    return new Promise((resolve) => {
      if (video && "requestVideoFrameCallback" in video && video.readyState >= 2) {
        video.requestVideoFrameCallback((now, meta) =>
          resolve({ t: meta.captureTime ?? meta.expectedDisplayTime ?? now, mediaTime: meta.mediaTime }),
        );
        setTimeout(() => resolve({ t: performance.now() }), STALE_VIDEO_MS);
      } else {
        requestAnimationFrame((now) => resolve({ t: now }));
      }
    });
  }
}
