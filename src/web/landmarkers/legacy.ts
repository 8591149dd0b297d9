/**
 * MediaPipe Hands (the npm package @mediapipe/hands), loaded from where its files are served (`handgesture ui`
 * serves them at /mediapipe/hands/): hands.js is a classic script that sets window.Hands, and locateFile points
 * its model and WebAssembly files at the same folder, so no request leaves the machine.
 */
import type { Hands, InputImage, Results } from "@mediapipe/hands";
import type { DetectedHand, FrameSource, HandLandmarkerBackend, LandmarkerOptions } from "./types.js";

declare global {
  interface Window {
    Hands?: new (config: { locateFile: (file: string) => string }) => Hands;
  }
}

/** Adds hands.js to the page once (the page may already carry it as a script tag). */
async function loadHandsScript(base: string): Promise<NonNullable<Window["Hands"]>> {
  if (window.Hands) return window.Hands;
  await new Promise<void>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = `${base}hands.js`;
    script.crossOrigin = "anonymous";
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`MediaPipe Hands did not load from ${base}hands.js`));
    document.head.append(script);
  });
  if (!window.Hands) throw new Error(`${base}hands.js loaded but set no window.Hands`);
  return window.Hands;
}

/** One MediaPipe Hands graph: it keeps tracking state between send() calls. */
class HandsGraph {
  private last: Results | undefined;
  private constructor(readonly hands: Hands) {
    hands.onResults((r) => {
      this.last = r;
    });
  }

  static async create(base: string, options: LandmarkerOptions): Promise<HandsGraph> {
    const HandsClass = await loadHandsScript(base);
    const graph = new HandsGraph(new HandsClass({ locateFile: (file) => base + file }));
    graph.configure(options);
    await graph.hands.initialize();
    return graph;
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

  async send(image: InputImage): Promise<DetectedHand[]> {
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

/** The legacy package takes only DOM images: other frames are drawn into a canvas first. */
function asInputImage(frame: FrameSource, scratch: () => HTMLCanvasElement): InputImage {
  if (frame instanceof HTMLVideoElement || frame instanceof HTMLImageElement || frame instanceof HTMLCanvasElement) {
    return frame;
  }
  const canvas = scratch();
  const width = "displayWidth" in frame ? frame.displayWidth : frame.width;
  const height = "displayHeight" in frame ? frame.displayHeight : frame.height;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  canvas.getContext("2d")?.drawImage(frame, 0, 0);
  return canvas;
}

export class LegacyHandsLandmarker implements HandLandmarkerBackend {
  readonly kind = "legacy-hands";
  private video: HandsGraph;
  /** A second graph for still images, created on first use, so re-detection never disturbs the video's tracking. */
  private still: Promise<HandsGraph> | undefined;
  private canvas: HTMLCanvasElement | undefined;

  private constructor(
    video: HandsGraph,
    private options: LandmarkerOptions,
    private readonly base: string,
  ) {
    this.video = video;
  }

  static async create(options: LandmarkerOptions, base = "/mediapipe/hands/"): Promise<LegacyHandsLandmarker> {
    return new LegacyHandsLandmarker(await HandsGraph.create(base, options), options, base);
  }

  private scratch = (): HTMLCanvasElement => {
    this.canvas ??= document.createElement("canvas");
    return this.canvas;
  };

  configure(options: LandmarkerOptions): void {
    this.options = options;
    this.video.configure(options);
    this.still?.then((g) => g.configure(options));
  }

  detectVideo(frame: FrameSource, _timestampMs: number): Promise<DetectedHand[]> {
    return this.video.send(asInputImage(frame, this.scratch));
  }

  async detectImage(image: FrameSource): Promise<DetectedHand[]> {
    this.still ??= HandsGraph.create(this.base, this.options);
    const graph = await this.still;
    graph.hands.reset(); // a still image: palm detection every time
    return graph.send(asInputImage(image, this.scratch));
  }

  reset(): void {
    this.video.hands.reset();
  }

  async close(): Promise<void> {
    await this.video.hands.close();
    if (this.still) await (await this.still).hands.close();
  }
}
