/**
 * Trains a model on gestures recorded in the page, in a Web Worker (train-worker.ts), with the core library's
 * estimators and rejector: the same model `handgesture fit` makes from the same rows.
 *
 *   const result = await trainInWorker({ sessions, base }, (done, what) => (bar.value = done));
 *   recognizer.setModel(result.modelFile);
 */
import type { TrainRequest, TrainResponse } from "./protocol.js";

export type TrainResult = Extract<TrainResponse, { type: "done" }>;

export function trainInWorker(
  request: Omit<TrainRequest, "type">,
  onProgress: (done: number, what: string) => void = () => {},
): Promise<TrainResult> {
  const worker = new Worker(new URL("./train-worker.js", import.meta.url), { type: "module", name: "train" });
  return new Promise<TrainResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<TrainResponse>) => {
      const m = e.data;
      if (m.type === "progress") onProgress(m.done, m.what);
      else {
        worker.terminate();
        if (m.type === "done") resolve(m);
        else reject(new Error(m.message));
      }
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`training worker: ${e.message || "failed to start"}`));
    };
    // Copies of the rows go over (the page keeps its own: nothing recorded is lost if training fails).
    worker.postMessage({ type: "train", ...request } satisfies TrainRequest);
  });
}
