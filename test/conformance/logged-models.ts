/**
 * MLflow 3's logged models (docs/mlflow3-compat.md §3): create, get, finalize, soft delete, tags, params, metrics
 * with model_id, artifacts; unknown ids.
 */
import { describe, expect, it } from "vitest";
import type { TrackingStore } from "../../src/tracking/store.js";
import { expectCode, newExperiment, newRun, type SuiteContext, sorted, UNKNOWN_MODEL_ID } from "./context.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export function describeLoggedModels(ctx: SuiteContext): void {
  describe("logged models (MLflow 3)", () => {
    it("create: m-<32 hex> id, PENDING, params and tags sorted by key, under the experiment's artifact location", async () => {
      const run = await newRun(ctx);
      const exp = run.info.experiment_id;
      const before = Date.now();
      const model = await ctx.store.createLoggedModel({
        experimentId: exp,
        name: "model",
        modelType: "agent",
        sourceRunId: run.info.run_id,
        params: [
          { key: "solver", value: "lbfgs" },
          { key: "C", value: "1.0" },
        ],
        tags: [
          { key: "z", value: "last" },
          { key: "k", value: "v" },
        ],
      });
      const info = model.info;
      expect(info.model_id).toMatch(/^m-[0-9a-f]{32}$/);
      expect(info).toMatchObject({
        experiment_id: exp,
        name: "model",
        status: "LOGGED_MODEL_PENDING",
        model_type: "agent",
        source_run_id: run.info.run_id,
      });
      expect(info.creation_timestamp_ms).toBeGreaterThanOrEqual(before - 1000);
      expect(info.last_updated_timestamp_ms).toBe(info.creation_timestamp_ms);
      const location = (await ctx.store.getExperiment(exp)).artifact_location.replace(/\/+$/, "");
      expect(info.artifact_uri).toBe(`${location}/models/${info.model_id}/artifacts`);
      expect(info.tags).toEqual([
        { key: "k", value: "v" },
        { key: "z", value: "last" },
      ]);
      expect(model.data.params).toEqual([
        { key: "C", value: "1.0" },
        { key: "solver", value: "lbfgs" },
      ]);
      expect(await ctx.store.getLoggedModel(info.model_id)).toEqual(model);
    });

    it("create without a name gets a generated one; model_type and source_run_id are '' when not given", async () => {
      const model = await ctx.store.createLoggedModel({ experimentId: await newExperiment(ctx) });
      expect(model.info.name).not.toBe("");
      expect(model.info.model_type).toBe("");
      expect(model.info.source_run_id).toBe("");
      expect(model.info.tags ?? []).toEqual([]);
      expect(model.data.params ?? []).toEqual([]);
      expect(model.data.metrics ?? []).toEqual([]);
      const again = await ctx.store.createLoggedModel({ experimentId: model.info.experiment_id });
      expect(again.info.model_id).not.toBe(model.info.model_id);
    });

    it("create refuses an unknown experiment and a name with '/', ':', '.', '%', quotes", async () => {
      await expectCode(ctx.store.createLoggedModel({ experimentId: "999999" }), "RESOURCE_DOES_NOT_EXIST");
      const exp = await newExperiment(ctx);
      for (const name of ["bad/name", "a:b", "a.b", "50%", 'say"hi', "it's"]) {
        await expectCode(ctx.store.createLoggedModel({ experimentId: exp, name }), "INVALID_PARAMETER_VALUE");
      }
    });

    it("finalize sets READY or UPLOAD_FAILED and bumps last_updated_timestamp_ms", async () => {
      const exp = await newExperiment(ctx);
      const model = await ctx.store.createLoggedModel({ experimentId: exp, name: "fin" });
      await new Promise((r) => setTimeout(r, 5));
      const ready = await ctx.store.finalizeLoggedModel(model.info.model_id, "LOGGED_MODEL_READY");
      expect(ready.info.status).toBe("LOGGED_MODEL_READY");
      expect(ready.info.last_updated_timestamp_ms).toBeGreaterThan(model.info.last_updated_timestamp_ms);
      expect((await ctx.store.getLoggedModel(model.info.model_id)).info.status).toBe("LOGGED_MODEL_READY");
      const failed = await ctx.store.createLoggedModel({ experimentId: exp });
      const f = await ctx.store.finalizeLoggedModel(failed.info.model_id, "LOGGED_MODEL_UPLOAD_FAILED");
      expect(f.info.status).toBe("LOGGED_MODEL_UPLOAD_FAILED");
      await expectCode(ctx.store.finalizeLoggedModel(model.info.model_id, "READY" as never), "INVALID_PARAMETER_VALUE");
    });

    it("delete is soft: gone unless allowDeleted, twice is fine, the model keeps its data", async () => {
      const model = await ctx.store.createLoggedModel({
        experimentId: await newExperiment(ctx),
        params: [{ key: "p", value: "1" }],
      });
      const id = model.info.model_id;
      await ctx.store.deleteLoggedModel(id);
      await ctx.store.deleteLoggedModel(id);
      await expectCode(ctx.store.getLoggedModel(id), "RESOURCE_DOES_NOT_EXIST");
      const kept = await ctx.store.getLoggedModel(id, true);
      expect(kept.info.model_id).toBe(id);
      expect(kept.data.params).toEqual([{ key: "p", value: "1" }]);
    });

    it("tags are upserted and deleted; a missing tag key is RESOURCE_DOES_NOT_EXIST", async () => {
      const model = await ctx.store.createLoggedModel({
        experimentId: await newExperiment(ctx),
        tags: [{ key: "stage", value: "dev" }],
      });
      const id = model.info.model_id;
      await ctx.store.setLoggedModelTags(id, [
        { key: "stage", value: "prod" },
        { key: "owner", value: "me" },
      ]);
      expect((await ctx.store.getLoggedModel(id)).info.tags).toEqual([
        { key: "owner", value: "me" },
        { key: "stage", value: "prod" },
      ]);
      await ctx.store.deleteLoggedModelTag(id, "owner");
      expect((await ctx.store.getLoggedModel(id)).info.tags).toEqual([{ key: "stage", value: "prod" }]);
      await expectCode(ctx.store.deleteLoggedModelTag(id, "owner"), "RESOURCE_DOES_NOT_EXIST");
    });

    it("params: new keys added, the same value again fine, another value INVALID_PARAMETER_VALUE", async () => {
      const model = await ctx.store.createLoggedModel({
        experimentId: await newExperiment(ctx),
        params: [{ key: "C", value: "1.0" }],
      });
      const id = model.info.model_id;
      await ctx.store.logLoggedModelParams(id, [
        { key: "alpha", value: "0.1" },
        { key: "C", value: "1.0" },
      ]);
      await expectCode(ctx.store.logLoggedModelParams(id, [{ key: "C", value: "2.0" }]), "INVALID_PARAMETER_VALUE");
      expect((await ctx.store.getLoggedModel(id)).data.params).toEqual([
        { key: "C", value: "1.0" },
        { key: "alpha", value: "0.1" },
      ]);
    });

    it("a run's metric with model_id (and dataset) is in the model's data.metrics and in the run", async () => {
      const run = await newRun(ctx);
      const runId = run.info.run_id;
      const model = await ctx.store.createLoggedModel({ experimentId: run.info.experiment_id, sourceRunId: runId });
      const mid = model.info.model_id;
      await ctx.store.logBatch(runId, {
        metrics: [
          { key: "acc", value: 0.5, timestamp: 1796305317867, step: 0, model_id: mid },
          {
            key: "val_acc",
            value: 0.9,
            timestamp: 1796305325879,
            step: 0,
            model_id: mid,
            dataset_name: "iris-head",
            dataset_digest: "4198cf1b",
          },
        ],
      });
      await ctx.store.logMetric(runId, { key: "plain", value: 1, timestamp: 1796305325880, step: 0 });
      const metrics = sorted((await ctx.store.getLoggedModel(mid)).data.metrics, (x) => x.key);
      expect(metrics).toHaveLength(2);
      expect(metrics[0]).toMatchObject({ key: "acc", value: 0.5, step: 0, model_id: mid, run_id: runId });
      expect(metrics[1]).toMatchObject({
        key: "val_acc",
        value: 0.9,
        timestamp: 1796305325879,
        model_id: mid,
        run_id: runId,
        dataset_name: "iris-head",
        dataset_digest: "4198cf1b",
      });
      const runMetrics = (await ctx.store.getRun(runId)).data.metrics.map((x) => x.key).sort();
      expect(runMetrics).toEqual(["acc", "plain", "val_acc"]);
    });

    it("artifacts: logged, listed (nested folders) and read back under the model's root", async () => {
      const model = await ctx.store.createLoggedModel({ experimentId: await newExperiment(ctx) });
      const id = model.info.model_id;
      const bytes = new Uint8Array([0, 1, 2, 254, 255]);
      const mlmodel = "artifact_path: x\nflavors: {}\n";
      await ctx.store.logLoggedModelArtifact(id, "MLmodel", mlmodel);
      await ctx.store.logLoggedModelArtifact(id, "data/model.pkl", bytes);
      expect(sorted(await ctx.store.listLoggedModelArtifacts(id), (f) => f.path)).toEqual([
        { path: "MLmodel", is_dir: false, file_size: mlmodel.length },
        { path: "data", is_dir: true },
      ]);
      expect(await ctx.store.listLoggedModelArtifacts(id, "data")).toEqual([
        { path: "data/model.pkl", is_dir: false, file_size: 5 },
      ]);
      expect(text(await ctx.store.readLoggedModelArtifact(id, "MLmodel"))).toBe(mlmodel);
      expect([...(await ctx.store.readLoggedModelArtifact(id, "data/model.pkl"))]).toEqual([...bytes]);
      await expectCode(ctx.store.readLoggedModelArtifact(id, "missing.txt"), "RESOURCE_DOES_NOT_EXIST");
      for (const bad of ["../escape.txt", "data/../../x", "/etc/passwd"]) {
        await expectCode(ctx.store.logLoggedModelArtifact(id, bad, "x"), "INVALID_PARAMETER_VALUE");
        await expectCode(ctx.store.readLoggedModelArtifact(id, bad), "INVALID_PARAMETER_VALUE");
      }
    });

    it("unknown (or malformed) model ids are RESOURCE_DOES_NOT_EXIST everywhere", async () => {
      const s: TrackingStore = ctx.store;
      for (const id of [UNKNOWN_MODEL_ID, "not-an-id"]) {
        const calls: [string, () => Promise<unknown>][] = [
          ["getLoggedModel", () => s.getLoggedModel(id)],
          ["getLoggedModel(allowDeleted)", () => s.getLoggedModel(id, true)],
          ["finalizeLoggedModel", () => s.finalizeLoggedModel(id, "LOGGED_MODEL_READY")],
          ["deleteLoggedModel", () => s.deleteLoggedModel(id)],
          ["setLoggedModelTags", () => s.setLoggedModelTags(id, [{ key: "a", value: "b" }])],
          ["deleteLoggedModelTag", () => s.deleteLoggedModelTag(id, "a")],
          ["logLoggedModelParams", () => s.logLoggedModelParams(id, [{ key: "a", value: "b" }])],
          ["logLoggedModelArtifact", () => s.logLoggedModelArtifact(id, "f.txt", "x")],
          ["listLoggedModelArtifacts", () => s.listLoggedModelArtifacts(id)],
          ["readLoggedModelArtifact", () => s.readLoggedModelArtifact(id, "f.txt")],
        ];
        for (const [name, call] of calls) {
          const e = await call().then(
            () => new Error(`${name}: resolved`),
            (error: Error) => error,
          );
          expect(`${name}(${id}): ${(e as { code?: string }).code}`, e.message).toBe(
            `${name}(${id}): RESOURCE_DOES_NOT_EXIST`,
          );
        }
      }
    });
  });
}
