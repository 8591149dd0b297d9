/**
 * The live page, built on `handgesture/web`: the camera (or a video or image file) → the library's recognizer
 * (MediaPipe landmarks, stable hand ids, the model in this page or a scoring API, smoothing, gesture events) →
 * drawn over the frame (what the recorder records), logged in window.handgesture, events listed as they come.
 * The controls and the address's parameters: controls.ts.
 */
import type { Classifier } from "../../src/web/classifiers.js";
import { Recognizer } from "../../src/web/recognizer.js";
import { collectFrame, wireCollect } from "./collect.js";
import { landmarkerChoice, measureMainThread, onSettingsChange, params, settings } from "./controls.js";
import { $, setStatus } from "./dom.js";
import { showEvent, showFrame, viewCanvas } from "./frame-view.js";
import { chooseClassifier, wireModelControls } from "./model-choice.js";
import { state } from "./page-state.js";
import { wireRecording } from "./recording.js";
import { pageVideo, useCamera, wireSources } from "./sources.js";
import "./style.css";

window.handgesture = state;

async function start(): Promise<void> {
  wireCollect();
  wireRecording(viewCanvas);
  let first: Classifier | undefined;
  const model = chooseClassifier((c) => {
    first = c;
  });
  const camera =
    params.get("source") === "none"
      ? Promise.resolve(false)
      : useCamera(undefined).then(
          () => true,
          (e) => {
            setStatus(`camera: ${(e as Error).message} (open a video or image file)`, true);
            return false;
          },
        );
  await model;
  if (!first) return; // the status line says why
  const recognizer = await Recognizer.create({
    ...settings(),
    ...landmarkerChoice,
    model: first,
    measureMainThread,
  });
  state.landmarker = { kind: recognizer.landmarker.kind, ...landmarkerChoice };
  // The backend's kind says what runs where ("tasks-vision (worker)"); recovery wraps it.
  const { kind } = recognizer.landmarker;
  $("landmarker").textContent = landmarkerChoice.recovery && !kind.includes("recover") ? `${kind} + recovery` : kind;
  recognizer.on("frame", (r) => {
    showFrame(r);
    collectFrame(r);
  });
  recognizer.on("gesture", showEvent);
  recognizer.on("error", (e) => setStatus(e.message, true));
  onSettingsChange((s) => recognizer.configure(s));
  wireModelControls((c) => recognizer.setModel(c));
  wireSources(recognizer);
  if (await camera) recognizer.setSource(pageVideo);
  recognizer.start();
  state.ready = true;
  if (!state.error) setStatus("running");
}

start().catch((e) => setStatus(`start: ${(e as Error).message}`, true));
