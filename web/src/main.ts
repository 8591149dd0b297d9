/**
 * The live page: camera (or a video or image file) → MediaPipe Hands → each hand brought to the dataset's
 * convention by the core's liveHandToDataset → class probabilities (in this page, or from a scoring API) →
 * smoothed over recent frames → drawn over the frame, which is what the recorder records.
 *
 * Query parameters preset the controls (for links and tests): mode=local|api, api=<url>, cpu=0|1, hands=1|2,
 * threshold=<0..1>, smoothing=<frames>, source=camera|none, token=<bearer token of a server with --auth-token>.
 */
import {
  DEFAULT_SMOOTHING_FRAMES,
  DEFAULT_THRESHOLD,
  GestureSmoother,
  HAGRID_LABELS,
  HAND_DIM,
  liveHandToDataset,
  NO_GESTURE,
  type SmoothedGesture,
} from "../../src/core/index.js";
import { LegacyHandsLandmarker } from "../../src/web/landmarkers/legacy.js";
import type { DetectedHand, HandLandmarkerBackend } from "../../src/web/landmarkers/types.js";
import { authHeaders } from "./auth.js";
import { ApiClassifier, handRows, LocalClassifier } from "./classifiers.js";
import { drawFrame, type HandLabel } from "./overlay.js";
import type { FrameRecord, PageState } from "./page-state.js";
import { CanvasRecorder } from "./recorder.js";
import "./style.css";

const MAX_HANDS = 2;
const LOG_LIMIT = 20_000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>("view");
const ctx = canvas.getContext("2d", { alpha: false }) as CanvasRenderingContext2D;
const video = $<HTMLVideoElement>("video");
const status = $("status");
const params = new URLSearchParams(location.search);

const state: PageState = { frames: [], ready: false, error: "", classifier: undefined, recordings: [], counts: {} };
window.handgesture = state;

function setStatus(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle("error", isError);
  state.error = isError ? text : "";
}

// ---- controls -------------------------------------------------------------------------------------------------

const cpu = $<HTMLInputElement>("cpu");
const maxHands = $<HTMLInputElement>("max-hands");
const apiUrl = $<HTMLInputElement>("api-url");
const threshold = $<HTMLInputElement>("threshold");
const smoothing = $<HTMLInputElement>("smoothing");
if (params.has("cpu")) cpu.checked = params.get("cpu") !== "0";
if (params.has("hands")) maxHands.value = params.get("hands") as string;
if (params.has("api")) apiUrl.value = params.get("api") as string;
threshold.value = params.get("threshold") ?? String(DEFAULT_THRESHOLD);
smoothing.value = params.get("smoothing") ?? String(DEFAULT_SMOOTHING_FRAMES);
const modeRadio = (mode: string) => document.querySelector<HTMLInputElement>(`input[name=mode][value=${mode}]`);
if (params.get("mode") === "api") (modeRadio("api") as HTMLInputElement).checked = true;

const currentMode = (): "local" | "api" => (modeRadio("api")?.checked ? "api" : "local");
const landmarkerOptions = () => ({
  maxHands: Math.min(MAX_HANDS, Math.max(1, Number(maxHands.value) || MAX_HANDS)),
  cpuInference: cpu.checked,
});

let smoother: GestureSmoother | undefined;
function smoothingOptions() {
  const t = Number(threshold.value);
  const f = Math.round(Number(smoothing.value));
  return {
    threshold: t >= 0 && t <= 1 ? t : DEFAULT_THRESHOLD,
    frames: f >= 1 && f <= 60 ? f : DEFAULT_SMOOTHING_FRAMES,
  };
}

let localModelFile: { json: unknown; name: string } | undefined;

/** Switches the classifier to what the controls say; the frame loop picks it up at its next frame. */
async function chooseClassifier(): Promise<void> {
  const mode = currentMode();
  try {
    setStatus(mode === "api" ? "connecting to the scoring API…" : "loading the model…");
    const next =
      mode === "api"
        ? await ApiClassifier.connect(apiUrl.value.trim() || location.origin)
        : localModelFile
          ? new LocalClassifier(localModelFile.json, localModelFile.name)
          : await LocalClassifier.fromServer();
    state.classifier = next;
    smoother = new GestureSmoother(next.classes, smoothingOptions());
    $("model-name").textContent = `${next.kind === "local" ? "in page" : "API"}: ${next.name}`;
    setStatus(state.ready ? "running" : "starting the hand landmarker…");
  } catch (e) {
    setStatus(`model: ${(e as Error).message}`, true);
  }
}
for (const r of document.querySelectorAll<HTMLInputElement>("input[name=mode]")) {
  r.addEventListener("change", chooseClassifier);
}
apiUrl.addEventListener("change", () => currentMode() === "api" && chooseClassifier());
$<HTMLInputElement>("model-file").addEventListener("change", async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  const previous = localModelFile;
  try {
    localModelFile = { json: JSON.parse(await file.text()), name: file.name };
  } catch (err) {
    setStatus(`model file ${file.name}: not JSON (${(err as Error).message})`, true);
    return;
  }
  (modeRadio("local") as HTMLInputElement).checked = true;
  await chooseClassifier();
  if (state.classifier?.name !== file.name) localModelFile = previous; // refused: keep what ran before
});
for (const input of [threshold, smoothing])
  input.addEventListener("change", () => smoother?.configure(smoothingOptions()));

// ---- sources: camera, video file, image file -------------------------------------------------------------------

let image: HTMLImageElement | undefined;

let cutPending = false;

/**
 * A new source is a hard cut: nothing tracked or smoothed on the old one may carry over to its hands. The loop
 * does the forgetting before its next frame, never while MediaPipe is busy with a frame of the old source.
 */
function forgetHands(): void {
  cutPending = true;
}

async function useCamera(): Promise<void> {
  forgetHands();
  image = undefined;
  video.removeAttribute("src"); // a video file played before
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 480 },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
}

async function useFile(file: File): Promise<void> {
  const url = URL.createObjectURL(file);
  if (file.type.startsWith("image/")) {
    const img = new Image();
    img.src = url;
    await img.decode();
    forgetHands();
    image = img;
    return;
  }
  forgetHands();
  image = undefined;
  video.srcObject = null;
  video.src = url;
  video.loop = true;
  await video.play();
}

$<HTMLInputElement>("file").addEventListener("change", async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  // The camera button becomes the way back to the camera.
  const camera = document.querySelector<HTMLInputElement>("input[name=source][value=camera]");
  if (camera) camera.checked = false;
  await useFile(file).catch((err) => setStatus(`file: ${(err as Error).message}`, true));
});
for (const r of document.querySelectorAll<HTMLInputElement>("input[name=source]")) {
  r.addEventListener("change", () => useCamera().catch((err) => setStatus(`camera: ${err.message}`, true)));
}

/** Resolves at the next frame to process: a new video frame, or the next animation frame for a still image. */
function nextFrame(): Promise<{ t: number; mediaTime?: number }> {
  return new Promise((resolve) => {
    if (!image && "requestVideoFrameCallback" in video && video.readyState >= 2) {
      video.requestVideoFrameCallback((now, meta) =>
        resolve({ t: meta.captureTime ?? meta.expectedDisplayTime ?? now, mediaTime: meta.mediaTime }),
      );
      // A video replaced meanwhile (another source chosen) never calls back: go on without it.
      setTimeout(() => resolve({ t: performance.now() }), 500);
    } else {
      requestAnimationFrame((now) => resolve({ t: now }));
    }
  });
}

// ---- the frame loop ---------------------------------------------------------------------------------------------

const rows = new Float64Array(MAX_HANDS * HAND_DIM);
const probs = Array.from({ length: MAX_HANDS }, () => new Float64Array(0));
const handList = $("hands");
let fps = 0;
let lastT = 0;
let collectBusy = false;

function ensureProbBuffers(k: number): void {
  if (probs[0].length !== k) for (let h = 0; h < MAX_HANDS; h++) probs[h] = new Float64Array(k);
}

function show(id: string, ms: number | undefined): void {
  $(id).textContent = ms === undefined ? "–" : ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`;
}

async function loop(landmarker: HandLandmarkerBackend): Promise<void> {
  let ahead: ReturnType<typeof nextFrame> | undefined;
  for (;;) {
    const w0 = performance.now();
    // Yields to rendering once a frame, so the recorder gets frames too.
    const { t, mediaTime } = await (ahead ?? nextFrame());
    ahead = undefined;
    const source: HTMLVideoElement | HTMLImageElement | undefined =
      image ?? (video.readyState >= 2 ? video : undefined);
    if (!source) continue;
    const width = image ? image.naturalWidth : video.videoWidth;
    const height = image ? image.naturalHeight : video.videoHeight;
    if (!width || !height) continue;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    if (cutPending) {
      cutPending = false;
      landmarker.reset();
      smoother?.reset();
    }
    const t0 = performance.now();
    let hands: DetectedHand[];
    try {
      hands = await landmarker.detectVideo(source, t);
    } catch (e) {
      setStatus(`landmarks: ${(e as Error).message}`, true);
      continue;
    }
    const landmarkMs = performance.now() - t0;
    const count = Math.min(hands.length, MAX_HANDS);
    for (let h = 0; h < count; h++) {
      liveHandToDataset({ landmarks: hands[h].landmarks, width, height }, rows.subarray(h * HAND_DIM));
    }

    const classifier = state.classifier;
    const labels: HandLabel[] = [];
    const record: FrameRecord = {
      waitMs: t0 - w0,
      t,
      mediaTime,
      hands: [],
      landmarkMs,
      classifyMs: 0,
      mode: classifier?.kind ?? "local",
    };
    if (classifier && smoother && count > 0) {
      ensureProbBuffers(classifier.classes.length);
      try {
        // While an API request is out, a new frame may arrive: ask for it now and take it at once after.
        if (classifier.kind === "api") ahead = nextFrame();
        const timing = await classifier.classify(rows, count, probs);
        record.classifyMs = timing.classifyMs;
        record.rttMs = timing.rttMs;
        smoother.beginFrame();
        const seen: Record<string, number> = {};
        for (let h = 0; h < count; h++) {
          const hd = hands[h].handedness;
          seen[hd] = (seen[hd] ?? 0) + 1; // two hands called the same side still get a track each
          const s: SmoothedGesture = smoother.update(`${hd}${seen[hd]}`, probs[h]);
          labels.push({ handedness: hd, label: s.label, probability: s.probability });
          record.hands.push({ handedness: hd, label: s.label, probability: s.probability, best: s.best });
        }
      } catch (e) {
        setStatus(`classification: ${(e as Error).message}`, true);
      }
    } else if (count === 0) {
      smoother?.beginFrame();
    }
    const d0 = performance.now();
    drawFrame(ctx, source, hands, labels); // never more than MAX_HANDS: maxNumHands caps them
    record.drawMs = performance.now() - d0;

    if (lastT > 0 && t > lastT) fps = fps === 0 ? 1000 / (t - lastT) : 0.9 * fps + 0.1 * (1000 / (t - lastT));
    lastT = t;
    $("fps").textContent = fps.toFixed(1);
    show("landmark-ms", landmarkMs);
    show("classify-ms", count > 0 ? record.classifyMs : undefined);
    show("rtt-ms", record.rttMs);
    handList.replaceChildren(
      ...record.hands.map((h) => {
        const li = document.createElement("li");
        li.dataset.label = h.label;
        li.textContent =
          h.label === NO_GESTURE
            ? `${h.handedness}: no gesture (${h.best}? ${(h.probability * 100).toFixed(0)}%)`
            : `${h.handedness}: ${h.label} ${(h.probability * 100).toFixed(0)}%`;
        return li;
      }),
    );
    if (state.frames.length >= LOG_LIMIT) state.frames.splice(0, LOG_LIMIT / 2);
    state.frames.push(record);
    if (collect.checked && count > 0 && !collectBusy) {
      collectBusy = true;
      sendSamples(handRows(rows, count)).finally(() => {
        collectBusy = false;
      });
    }
  }
}

// ---- recording --------------------------------------------------------------------------------------------------

const recorder = new CanvasRecorder(canvas);
const recordButton = $<HTMLButtonElement>("record");
recordButton.addEventListener("click", async () => {
  if (!recorder.recording) {
    recorder.start();
    recordButton.textContent = "stop recording";
    return;
  }
  recordButton.disabled = true;
  try {
    const saved = await recorder.stop();
    state.recordings.push({ file: saved.file, url: saved.url, bytes: saved.bytes });
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = saved.blobUrl;
    a.download = saved.file.split("/").pop() ?? "recording.webm";
    a.textContent = `${saved.file} (${(saved.bytes / 1e6).toFixed(1)} MB)`;
    li.append(a);
    $("recordings").append(li);
  } catch (e) {
    setStatus((e as Error).message, true);
  } finally {
    recordButton.textContent = "start recording";
    recordButton.disabled = false;
  }
});

// ---- collect mode -------------------------------------------------------------------------------------------------

const collect = $<HTMLInputElement>("collect");
const collectLabel = $<HTMLInputElement>("collect-label");
$("labels").replaceChildren(
  ...HAGRID_LABELS.map((l) => {
    const o = document.createElement("option");
    o.value = l;
    return o;
  }),
);
collect.addEventListener("change", () => {
  if (collect.checked && !collectLabel.value.trim()) {
    collect.checked = false;
    setStatus("collect: choose a label first", true);
  }
});

function showCounts(counts: Record<string, number>, file?: string): void {
  state.counts = counts;
  if (file) $("collect-file").textContent = file;
  const body = $("counts").querySelector("tbody") as HTMLElement;
  body.replaceChildren(
    ...Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, n]) => {
        const tr = document.createElement("tr");
        const th = document.createElement("th");
        th.textContent = label;
        const td = document.createElement("td");
        td.textContent = String(n);
        tr.append(th, td);
        return tr;
      }),
  );
}

/** Appends this frame's hands, in the dataset's pixel convention, to the server's CSV under the chosen label. */
async function sendSamples(data: number[][]): Promise<void> {
  const res = await fetch("/api/ui/samples", {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json" }),
    body: JSON.stringify({ label: collectLabel.value.trim(), rows: data }),
  });
  const body = await res.json();
  if (!res.ok) {
    collect.checked = false;
    setStatus(`collect: ${body.message ?? res.status}`, true);
    return;
  }
  showCounts(body.counts, body.file);
}

// ---- start ------------------------------------------------------------------------------------------------------

async function start(): Promise<void> {
  fetch("/api/ui/samples", { headers: authHeaders() })
    .then((r) => (r.ok ? r.json() : undefined))
    .then((b) => b && showCounts(b.counts, b.file))
    .catch(() => {});
  const model = chooseClassifier();
  if (params.get("source") !== "none") {
    await useCamera().catch((e) => setStatus(`camera: ${(e as Error).message} (open a video or image file)`, true));
  }
  const landmarker = await LegacyHandsLandmarker.create(landmarkerOptions());
  for (const input of [cpu, maxHands])
    input.addEventListener("change", () => landmarker.configure(landmarkerOptions()));
  await model;
  state.ready = true;
  if (!state.error) setStatus("running");
  await loop(landmarker);
}

start().catch((e) => setStatus(`start: ${(e as Error).message}`, true));
