/**
 * The page's training as a run on the tracking server, like any `handgesture train` run: params, metrics, the
 * held-out-session evaluation and its confusion matrix, the recorded hands as the dataset input (with the digest
 * of the CSV the server saved), the model as a logged model, registered as a new version (and, if asked, moved to
 * Production). All through MLflow's REST API with the library's TrackingClient.
 */
import type { Matrix } from "../../src/core/matrix.js";
import { TrackingClient } from "../../src/tracking/client.js";
import { RestStoreError } from "../../src/tracking/rest-store.js";
import type { TrainResult } from "../../src/web/own/trainer.js";
import { store } from "../dashboard/api.js";

export const OWN_EXPERIMENT = "own-gestures";

export interface Logged {
  runId: string;
  experimentId: string;
  modelUri: string;
  registered: { name: string; version: string; stage: string };
}

export async function logTraining(
  result: TrainResult,
  own: { X: Matrix; labels: string[] },
  o: { dataset: string; file: string; base: string | null; sessions: number; modelName: string; production: boolean },
): Promise<Logged> {
  const client = new TrackingClient(store);
  const experimentId = await client.getOrCreateExperiment(OWN_EXPERIMENT);
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  return client.withRun(
    experimentId,
    {
      runName: `${o.dataset}-${stamp}`,
      tags: { "handgesture.kind": "own-gestures", "handgesture.dataset": o.dataset },
    },
    async (run) => {
      const runId = run.info.run_id;
      const ev = result.evaluation;
      await client.logParams(runId, {
        pipeline: (result.modelFile.training as { pipeline?: string } | undefined)?.pipeline ?? "handshape-logreg",
        dataset: o.dataset,
        gestures: result.classes.filter((c) => own.labels.includes(c)).join(","),
        sessions: o.sessions,
        base: o.base ?? "none",
        evaluation: "held-out recording sessions",
      });
      const metrics: Record<string, number> = {
        heldout_macro_f1: ev.report.macro_f1,
        heldout_accuracy: ev.report.accuracy,
        heldout_folds: ev.folds,
        rows_own: result.rows.own,
        rows_base: result.rows.base,
        train_seconds: result.trainMs / 1000,
      };
      for (const a of ev.advice) if (Number.isFinite(a.recall)) metrics[`heldout_recall_${a.label}`] = a.recall;
      await client.logMetrics(runId, metrics);
      await client.logDataset(runId, own, { name: o.dataset, source: o.file, context: "training" });
      await store.logArtifact(runId, "evaluation/sessions.json", JSON.stringify(ev, null, 2));
      const modelUri = await client.logModel(runId, result.modelFile as never);
      try {
        await store.getRegisteredModel(o.modelName);
      } catch (e) {
        if (!(e instanceof RestStoreError) || e.status !== 404) throw e;
        await store.createRegisteredModel(o.modelName, [], "Own gestures recorded and trained in the page");
      }
      const v = await client.createModelVersionFrom(modelUri, {
        name: o.modelName,
        description: `${o.dataset}: held-out-session macro-F1 ${ev.report.macro_f1.toFixed(3)}`,
      });
      let stage = v.current_stage as string;
      if (o.production) {
        stage = (await store.transitionModelVersionStage(o.modelName, v.version, "Production", true)).current_stage;
      }
      return { runId, experimentId, modelUri, registered: { name: o.modelName, version: v.version, stage } };
    },
  );
}
