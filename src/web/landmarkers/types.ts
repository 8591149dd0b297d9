/**
 * What every hand landmarker behind `handgesture/web` does, whichever MediaPipe package runs it (the legacy
 * `@mediapipe/hands` solution or `@mediapipe/tasks-vision`'s HandLandmarker), so that tracking recovery, the
 * recognizer and the worker are written once.
 */

/** One landmark in MediaPipe's live convention: x and y normalized to the frame, z relative to the wrist. */
export interface LandmarkPoint {
  x: number;
  y: number;
  z: number;
}

export interface DetectedHand {
  /** 21 points in MediaPipe's live convention. */
  landmarks: LandmarkPoint[];
  /** The hand as seen by the person in front of the camera: "Left" or "Right" ("?" when unknown). */
  handedness: string;
  /** MediaPipe's handedness score, 0 to 1. */
  score: number;
}

/** Frames a landmarker takes: what a page, a worker or an app holds. */
export type FrameSource =
  | HTMLVideoElement
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageBitmap
  | VideoFrame;

export interface LandmarkerOptions {
  /** Hands searched for, 1 or 2. */
  maxHands: number;
  /** CPU inference: software WebGL (no GPU) takes 1 to 3 s a frame otherwise. */
  cpuInference: boolean;
}

export interface HandLandmarkerBackend {
  /** Which MediaPipe package runs it, for reports: "legacy-hands" or "tasks-vision". */
  readonly kind: string;
  /**
   * One frame of a video: MediaPipe may track the previous frame's hand regions instead of searching again.
   * `timestampMs` grows from frame to frame.
   */
  detectVideo(frame: FrameSource, timestampMs: number): Promise<DetectedHand[]>;
  /** A still image searched afresh (palm detection on the whole image, no tracking state used or changed). */
  detectImage(image: FrameSource): Promise<DetectedHand[]>;
  configure(options: LandmarkerOptions): void;
  /** Forgets the tracked regions: the next detectVideo searches afresh (a hard cut, a new source). */
  reset(): void;
  close(): Promise<void>;
}
