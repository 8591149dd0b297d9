/**
 * The landmarker worker (a module worker): runs a HandLandmarkerBackend on frames the page transfers to it, and
 * optionally the gesture model on the hands it finds. Started by WorkerLandmarker (client.ts); speaks protocol.ts.
 */
/// <reference lib="webworker" />
import { HAND_DIM, liveHandToDataset } from "../../core/index.js";
import { LocalClassifier } from "../classifiers.js";
import { TasksVisionLandmarker } from "../landmarkers/tasks.js";
import type { HandLandmarkerBackend } from "../landmarkers/types.js";
import { RecoveringLandmarker } from "../recovery.js";
import type { WorkerRequest, WorkerResponse } from "./protocol.js";

declare const self: DedicatedWorkerGlobalScope;

let landmarker: HandLandmarkerBackend | undefined;
// The page's own classifier class: the same probabilities, rejection score and decision as in the page.
let model: LocalClassifier | undefined;
let rows = new Float64Array(2 * HAND_DIM);

function post(message: WorkerResponse, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

/** Recovery asks the model in here how unlike a hand it tracks is to what the model knows (recovery.ts). */
function judgeWith(m: LocalClassifier | undefined): void {
  if (landmarker instanceof RecoveringLandmarker) landmarker.judge = m ? (row) => m.unlike(row) : undefined;
}

function need(): HandLandmarkerBackend {
  if (!landmarker) throw new Error("the worker's landmarker is not initialized (send init first)");
  return landmarker;
}

async function handle(m: WorkerRequest): Promise<void> {
  switch (m.type) {
    case "init": {
      await landmarker?.close();
      const tasks = await TasksVisionLandmarker.create(m.options, { base: m.base, moduleLoader: true });
      // Recovery in here, beside MediaPipe: its extra searches and thumbnails stay off the page's thread too.
      landmarker = m.recovery ? new RecoveringLandmarker(tasks, m.recovery) : tasks;
      judgeWith(model);
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
        const recovery = l instanceof RecoveringLandmarker ? l.lastTrigger : undefined;
        if (!m.classify || !model) {
          post({ type: "hands", id: m.id, hands, width, height, timings: { landmarkMs }, recovery });
          return;
        }
        const t1 = performance.now();
        const count = hands.length;
        if (rows.length < count * HAND_DIM) rows = new Float64Array(count * HAND_DIM);
        for (let h = 0; h < count; h++) {
          liveHandToDataset({ landmarks: hands[h].landmarks, width, height }, rows.subarray(h * HAND_DIM));
        }
        // Fresh vectors each frame: they are transferred to the page with the answer.
        const probs = hands.map(() => new Float64Array(model?.classes.length ?? 0));
        const scores = new Float64Array(count);
        const accepted = new Uint8Array(count);
        await model.classify(rows, count, probs, scores, accepted);
        const classifyMs = performance.now() - t1;
        post(
          {
            type: "hands",
            id: m.id,
            hands,
            width,
            height,
            timings: { landmarkMs, classifyMs },
            probabilities: probs,
            scores,
            accepted,
            recovery,
          },
          [...probs.map((p) => p.buffer), scores.buffer, accepted.buffer],
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
      model = new LocalClassifier(m.model, "worker");
      judgeWith(model);
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
