/**
 * The training worker: trainOwnGestures (core) off the page's thread, so the camera view and the controls stay
 * live while the model fits. Started by trainInWorker (trainer.ts).
 */
/// <reference lib="webworker" />
import { matrix } from "../../core/matrix.js";
import { toModelFile } from "../../core/model-file.js";
import { trainOwnGestures } from "../../core/own-gestures.js";
import type { TrainRequest, TrainResponse } from "./protocol.js";

declare const self: DedicatedWorkerGlobalScope;

const post = (m: TrainResponse) => self.postMessage(m);

self.onmessage = (event: MessageEvent<TrainRequest>) => {
  const m = event.data;
  const t0 = performance.now();
  try {
    const base = m.base ? { X: matrix(m.base.labels.length, 63, m.base.rows), labels: m.base.labels } : undefined;
    const r = trainOwnGestures(m.sessions, {
      base,
      pipeline: m.pipeline,
      onProgress: (done, what) => post({ type: "progress", done, what }),
    });
    const modelFile = toModelFile(r.model, { source: m.source ?? "own gestures recorded in the page" });
    post({
      type: "done",
      modelFile: modelFile as unknown as Record<string, unknown>,
      evaluation: r.evaluation,
      classes: [...r.classes],
      rows: r.rows,
      trainMs: performance.now() - t0,
    });
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
};
