/**
 * MediaPipe Hands (the npm package @mediapipe/hands), loaded from this server: hands.js arrives by a classic script
 * tag (it sets window.Hands), and locateFile points its model and WebAssembly files at /mediapipe/hands/, so no
 * request leaves the machine.
 */
import type { Hands, InputImage, Results } from "@mediapipe/hands";

export interface DetectedHand {
  /** 21 points, x and y normalized to the frame, z relative to the wrist (MediaPipe's live convention). */
  landmarks: { x: number; y: number; z: number }[];
  /** The hand as seen by the person in front of the camera: "Left" or "Right". */
  handedness: string;
  score: number;
}

export interface LandmarkerOptions {
  maxHands: number;
  /** MediaPipe's undocumented CPU path: without it, software WebGL takes 1 to 3 s a frame. */
  cpuInference: boolean;
}

declare global {
  interface Window {
    Hands?: new (config: { locateFile: (file: string) => string }) => Hands;
  }
}

export class Landmarker {
  private hands: Hands;
  private last: Results | undefined;

  private constructor(hands: Hands) {
    this.hands = hands;
    hands.onResults((r) => {
      this.last = r;
    });
  }

  static async create(options: LandmarkerOptions, base = "/mediapipe/hands/"): Promise<Landmarker> {
    const HandsClass = window.Hands;
    if (!HandsClass) throw new Error(`MediaPipe Hands did not load from ${base}hands.js`);
    const hands = new HandsClass({ locateFile: (file) => base + file });
    const landmarker = new Landmarker(hands);
    landmarker.configure(options);
    await hands.initialize();
    return landmarker;
  }

  configure(options: LandmarkerOptions): void {
    // useCpuInference is not in the package's .d.ts; MediaPipe reads it from the same options object.
    this.hands.setOptions({
      maxNumHands: options.maxHands,
      modelComplexity: 1,
      minDetectionConfidence: 0.5,
      minTrackingConfidence: 0.5,
      selfieMode: false,
      useCpuInference: options.cpuInference,
    } as Parameters<Hands["setOptions"]>[0]);
  }

  /** Forgets the tracked hands, so the next frame is searched afresh (a new source is a hard cut). */
  reset(): void {
    this.hands.reset();
  }

  /** Runs the hand landmarker on one frame. */
  async detect(image: InputImage): Promise<DetectedHand[]> {
    this.last = undefined;
    await this.hands.send({ image });
    const r = this.last as Results | undefined;
    if (!r?.multiHandLandmarks) return [];
    return r.multiHandLandmarks.map((landmarks, i) => {
      const h = r.multiHandedness?.[i];
      // MediaPipe labels handedness as if the image were mirrored (a selfie view); these frames are not.
      const label = h?.label === "Left" ? "Right" : h?.label === "Right" ? "Left" : "?";
      return { landmarks, handedness: label, score: h?.score ?? 0 };
    });
  }
}
