/**
 * The selfie view undone: a mirrored frame is drawn flipped back into a canvas before MediaPipe sees it, so the
 * landmarker gets the very picture a rear camera would have given (its handedness and landmarks are not exactly
 * mirror-symmetric: flipping its answers instead named some hands with the other side, or another gesture). The
 * landmarks are then mirrored again, into pooled points, for drawing over the frame as it was given.
 */
import type { FrameSource, LandmarkPoint } from "./landmarkers/types.js";

export class FrameMirror {
  private canvas: HTMLCanvasElement | OffscreenCanvas | undefined;
  private ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | undefined;
  /** Per hand slot, 21 points reused frame after frame. */
  private readonly points: LandmarkPoint[][] = [];

  /** `frame` flipped left to right, in a canvas of the mirror's (valid until the next call). */
  unmirror(frame: FrameSource, width: number, height: number): HTMLCanvasElement | OffscreenCanvas {
    if (!this.canvas) {
      this.canvas =
        typeof document !== "undefined" ? document.createElement("canvas") : new OffscreenCanvas(width, height);
      this.ctx = this.canvas.getContext("2d", { alpha: false }) as CanvasRenderingContext2D;
    }
    const canvas = this.canvas;
    const ctx = this.ctx as CanvasRenderingContext2D;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    ctx.setTransform(-1, 0, 0, 1, width, 0);
    ctx.drawImage(frame as CanvasImageSource, 0, 0, width, height);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    return canvas;
  }

  /** The landmarks of hand slot `slot` in the mirrored frame's coordinates (x → 1 − x), in pooled points. */
  mirrorLandmarks(landmarks: readonly LandmarkPoint[], slot: number): LandmarkPoint[] {
    while (this.points.length <= slot) this.points.push([]);
    const out = this.points[slot];
    while (out.length < landmarks.length) out.push({ x: 0, y: 0, z: 0 });
    out.length = landmarks.length;
    for (let i = 0; i < landmarks.length; i++) {
      out[i].x = 1 - landmarks[i].x;
      out[i].y = landmarks[i].y;
      out[i].z = landmarks[i].z;
    }
    return out;
  }
}
