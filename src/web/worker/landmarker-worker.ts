/**
 * The landmarker worker (a module worker): runs a HandLandmarkerBackend on frames the page transfers to it, and
 * optionally the gesture model on the hands it finds. Started by WorkerLandmarker (client.ts); speaks protocol.ts.
 */
/// <reference lib="webworker" />
import { fromModelFile, HAND_DIM, liveHandToDataset, type Pipeline } from "../../core/index.js";
import { TasksVisionLandmarker } from "../landmarkers/tasks.js";
import type { HandLandmarkerBackend } from "../landmarkers/types.js";
import type { WorkerRequest, WorkerResponse } from "./protocol.js";

declare const self: DedicatedWorkerGlobalScope;

let landmarker: HandLandmarkerBackend | undefined;
let model: Pipeline | undefined;
const row = new Float64Array(HAND_DIM);

function post(message: WorkerResponse, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

function need(): HandLandmarkerBackend {
  if (!landmarker) throw new Error("the worker's landmarker is not initialized (send init first)");
  return landmarker;
}

async function handle(m: WorkerRequest): Promise<void> {
  switch (m.type) {
    case "init": {
      await landmarker?.close();
      landmarker = await TasksVisionLandmarker.create(m.options, { base: m.base, moduleLoader: true });
      post({ type: "ready", id: m.id, kind: landmarker.kind });
      return;
    }
    case "detect": {
      const frame = m.frame;
      const width = "displayWidth" in frame ? frame.displayWidth : frame.width;
      const height = "displayHeight" in frame ? frame.displayHeight : frame.height;
      try {
        const t0 = performance.now();
        const l = need();
        const hands = m.mode === "video" ? await l.detectVideo(frame, m.timestampMs) : await l.detectImage(frame);
        const landmarkMs = performance.now() - t0;
        if (!m.classify || !model) {
          post({ type: "hands", id: m.id, hands, width, height, timings: { landmarkMs } });
          return;
        }
        const t1 = performance.now();
        const probabilities = hands.map((hand) => {
          liveHandToDataset({ landmarks: hand.landmarks, width, height }, row);
          const p = new Float64Array(model?.classes.length ?? 0);
          model?.predictProbaRow(row, p);
          return p;
        });
        const classifyMs = performance.now() - t1;
        post(
          { type: "hands", id: m.id, hands, width, height, timings: { landmarkMs, classifyMs }, probabilities },
          probabilities.map((p) => p.buffer),
        );
      } finally {
        frame.close();
      }
      return;
    }
    case "configure":
      need().configure(m.options);
      post({ type: "done", id: m.id });
      return;
    case "reset":
      need().reset();
      post({ type: "done", id: m.id });
      return;
    case "model":
      model = fromModelFile(m.model).model;
      post({ type: "model", id: m.id, classes: [...model.classes] });
      return;
    case "close":
      await landmarker?.close();
      landmarker = undefined;
      post({ type: "done", id: m.id });
      return;
  }
}

// One request at a time, in arrival order: a reset lands between the frames it was sent between.
let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const m = event.data;
  queue = queue.then(() =>
    handle(m).catch((e: unknown) =>
      post({ type: "error", id: m.id, message: e instanceof Error ? e.message : String(e) }),
    ),
  );
};
