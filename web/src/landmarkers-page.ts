/**
 * The landmarkers page (landmarkers.html): one backend at a time, opened and driven from outside (playwright) through
 * window.landmarkers, so a test or a benchmark compares them in one browser on the same frames.
 */
import { LegacyHandsLandmarker } from "../../src/web/landmarkers/legacy.js";
import { TasksVisionLandmarker } from "../../src/web/landmarkers/tasks.js";
import type { DetectedHand, HandLandmarkerBackend } from "../../src/web/landmarkers/types.js";
import { WorkerLandmarker } from "../../src/web/worker/client.js";

export type BackendName = "legacy" | "tasks";
/** "worker" sends ImageBitmaps (WorkerLandmarker's default), "worker-videoframe" VideoFrames. */
export type ThreadName = "main" | "worker" | "worker-videoframe";

export interface CameraRun {
  frames: number;
  wallMs: number;
  /** Per frame: from handing the frame over to having its hands, ms. */
  latencyMs: number[];
  /** Per frame: this thread's own time on it (all of it on the main thread; copy and post with a worker). */
  busyMs: number[];
  /** Per frame, worker only: the landmarker's time in the worker. */
  workerMs: number[];
  /** Frames in which a hand was found. */
  withHands: number;
  /** The main thread's responsiveness meanwhile: the gaps between animation frames, ms. */
  frameGapsMs: number[];
}

export interface LandmarkersPage {
  open(backend: BackendName, thread: ThreadName, maxHands?: number): Promise<string>;
  detectImage(url: string): Promise<DetectedHand[]>;
  runCamera(seconds: number): Promise<CameraRun>;
  close(): Promise<void>;
  /**
   * Worker only: the server's model set in the worker, then the photo's hands, their probabilities and the
   * model's rejection score and decision computed there (landmarks and model in one round trip).
   */
  classifyInWorker(url: string): Promise<{
    hands: DetectedHand[];
    width: number;
    height: number;
    probabilities: number[][];
    scores: number[];
    accepted: number[];
    classes: string[];
  }>;
  /** Whether the legacy package can start in a worker (it cannot be the worker backend otherwise). */
  legacyInWorker(): Promise<string>;
}

declare global {
  interface Window {
    landmarkers: LandmarksPageGlobal;
  }
}
type LandmarksPageGlobal = LandmarkersPage;

let current: HandLandmarkerBackend | undefined;
const log = (m: string) => {
  const el = document.getElementById("log");
  if (el) el.textContent += `${m}\n`;
};

async function open(backend: BackendName, thread: ThreadName, maxHands = 2): Promise<string> {
  await current?.close();
  current = undefined;
  const options = { maxHands, cpuInference: true };
  if (thread !== "main") {
    if (backend !== "tasks") throw new Error("only tasks-vision runs in the worker (see legacyInWorker)");
    current = await WorkerLandmarker.create(options, {
      frames: thread === "worker-videoframe" ? "video-frame" : "image-bitmap",
    });
  } else {
    current =
      backend === "tasks" ? await TasksVisionLandmarker.create(options) : await LegacyHandsLandmarker.create(options);
  }
  log(`opened ${current.kind}`);
  return current.kind;
}

function need(): HandLandmarkerBackend {
  if (!current) throw new Error("open a landmarker first");
  return current;
}

async function detectImage(url: string): Promise<DetectedHand[]> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const hands = await need().detectImage(img);
  // Plain objects: tasks-vision's landmarks carry a visibility field, legacy's are MediaPipe's own objects.
  return hands.map((h) => ({
    handedness: h.handedness,
    score: h.score,
    landmarks: h.landmarks.map((p) => ({ x: p.x, y: p.y, z: p.z })),
  }));
}

let video: HTMLVideoElement | undefined;
async function camera(): Promise<HTMLVideoElement> {
  if (video) return video;
  const v = document.getElementById("camera") as HTMLVideoElement;
  v.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  await v.play();
  video = v;
  return v;
}

async function runCamera(seconds: number): Promise<CameraRun> {
  const landmarker = need();
  const v = await camera();
  landmarker.reset();
  const run: CameraRun = {
    frames: 0,
    wallMs: 0,
    latencyMs: [],
    busyMs: [],
    workerMs: [],
    withHands: 0,
    frameGapsMs: [],
  };
  // Animation frames keep coming while MediaPipe works elsewhere; on this thread they wait for it.
  let lastFrame = performance.now();
  let watching = true;
  const tick = (t: number) => {
    run.frameGapsMs.push(t - lastFrame);
    lastFrame = t;
    if (watching) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const start = performance.now();
  const end = start + seconds * 1000;
  // The newest frame the video has shown, noted as it is shown, even while a detection is under way: a worker's
  // answer is then followed at once by the frame that came meanwhile (on this thread, callbacks wait for the work).
  let shown = -1;
  let wake: (() => void) | undefined;
  let watchingFrames = true;
  const onFrame: VideoFrameRequestCallback = (_, m) => {
    shown = m.mediaTime;
    wake?.();
    if (watchingFrames) v.requestVideoFrameCallback(onFrame);
  };
  v.requestVideoFrameCallback(onFrame);
  let lastMediaTime = -1;
  while (performance.now() < end) {
    if (shown === lastMediaTime) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
      continue;
    }
    const mediaTime = shown;
    lastMediaTime = mediaTime;
    const t0 = performance.now();
    const hands = await landmarker.detectVideo(v, mediaTime * 1000);
    const latency = performance.now() - t0;
    run.frames++;
    run.latencyMs.push(latency);
    if (hands.length) run.withHands++;
    if (landmarker instanceof WorkerLandmarker && landmarker.lastStats) {
      run.busyMs.push(landmarker.lastStats.postMs);
      run.workerMs.push(landmarker.lastStats.landmarkMs);
    } else {
      run.busyMs.push(latency);
    }
  }
  run.wallMs = performance.now() - start;
  watching = false;
  watchingFrames = false;
  // The camera stops between runs: an idle page decoding its own stream would load the one being measured.
  for (const track of (v.srcObject as MediaStream).getTracks()) track.stop();
  v.srcObject = null;
  video = undefined;
  return run;
}

async function classifyInWorker(url: string) {
  const landmarker = need();
  if (!(landmarker instanceof WorkerLandmarker)) throw new Error("open a worker landmarker first");
  const res = await fetch("/api/ui/model");
  if (!res.ok) throw new Error(`/api/ui/model: ${res.status}`);
  const classes = await landmarker.setModel(await res.json());
  const img = new Image();
  img.src = url;
  await img.decode();
  landmarker.reset();
  const r = await landmarker.detectAndClassify(img, performance.now());
  return {
    hands: r.hands.map((h) => ({
      handedness: h.handedness,
      score: h.score,
      landmarks: h.landmarks.map((p) => ({ x: p.x, y: p.y, z: p.z })),
    })),
    width: r.width,
    height: r.height,
    probabilities: (r.probabilities ?? []).map((p) => Array.from(p)),
    scores: Array.from(r.scores ?? []),
    accepted: Array.from(r.accepted ?? []),
    classes: [...classes],
  };
}

/** Starts @mediapipe/hands in a classic worker and sends it one frame; says how far it got. */
async function legacyInWorker(): Promise<string> {
  const source = `
    self.onmessage = async (e) => {
      const step = (s) => self.postMessage({ step: s });
      try {
        // The packed-assets loader resolves its .data file against the worker's own URL (a blob: here) unless
        // its Module says where: point it at the package's folder, as locateFile does for the rest.
        self.createMediapipeSolutionsPackedAssets = { locateFile: (f) => e.data.base + f };
        importScripts(e.data.base + "hands.js");
        step("hands.js loaded");
        const hands = new self.Hands({ locateFile: (f) => e.data.base + f });
        hands.setOptions({ maxNumHands: 2, modelComplexity: 1, useCpuInference: true });
        let got = false;
        hands.onResults(() => { got = true; });
        await hands.initialize();
        step("initialized");
        await hands.send({ image: e.data.frame });
        self.postMessage({ done: got ? "results received" : "send returned without results" });
      } catch (err) {
        self.postMessage({ done: "failed: " + (err && err.message ? err.message : String(err)) });
      }
    };`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url);
  const frame = await createImageBitmap(new ImageData(64, 64));
  const steps: string[] = [];
  const outcome = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve("timed out after 30 s"), 30_000);
    worker.onerror = (e) => {
      clearTimeout(timer);
      resolve(`failed: ${e.message}`);
    };
    worker.onmessage = (e) => {
      if (e.data.step) steps.push(e.data.step);
      if (e.data.done) {
        clearTimeout(timer);
        resolve(e.data.done);
      }
    };
    worker.postMessage({ base: new URL("/mediapipe/hands/", location.href).href, frame }, [frame]);
  });
  worker.terminate();
  URL.revokeObjectURL(url);
  return [...steps, outcome].join("; ");
}

window.landmarkers = {
  open,
  detectImage,
  runCamera,
  classifyInWorker,
  legacyInWorker,
  close: async () => {
    await current?.close();
    current = undefined;
  },
};
log("ready");
