/** Runs: create (tags, name), get, update (status, end time, name), delete, tags. */
import { describe, expect, it } from "vitest";
import { expectCode, newExperiment, newRun, type SuiteContext, UNKNOWN_RUN_ID, uniq, valuesByKey } from "./context.js";

export function describeRuns(ctx: SuiteContext): void {
  describe("runs", () => {
    it("creates a run with its name, user, start time and tags; the name is also the mlflow.runName tag", async () => {
      const exp = await newExperiment(ctx);
      const run = await ctx.store.createRun({
        experimentId: exp,
        runName: "first-run",
        userId: "ada",
        startTime: 1795504138784,
        tags: [
          { key: "team", value: "hands" },
          { key: "note", value: "two\nlines" },
        ],
      });
      const info = run.info;
      expect(info.run_id).toMatch(/^[0-9a-f]{32}$/);
      expect(info).toMatchObject({
        run_uuid: info.run_id,
        experiment_id: exp,
        run_name: "first-run",
        user_id: "ada",
        status: "RUNNING",
        start_time: 1795504138784,
        lifecycle_stage: "active",
      });
      expect(info.end_time ?? null).toBeNull();
      // MLflow: <experiment artifact location>/<run id>/artifacts
      const location = (await ctx.store.getExperiment(exp)).artifact_location.replace(/\/+$/, "");
      expect(info.artifact_uri).toBe(`${location}/${info.run_id}/artifacts`);
      const tags = valuesByKey(run.data.tags);
      expect(tags).toMatchObject({ team: "hands", note: "two\nlines", "mlflow.runName": "first-run" });

      const got = await ctx.store.getRun(info.run_id);
      expect(got.info).toEqual(run.info);
      expect(valuesByKey(got.data.tags)).toEqual(tags);
      expect(got.data.metrics).toEqual([]);
      expect(got.data.params).toEqual([]);
      expect(got.inputs?.dataset_inputs ?? []).toEqual([]);
    });

    it("a run without a name gets a generated one, also in its mlflow.runName tag", async () => {
      const run = await newRun(ctx);
      expect(run.info.run_name).not.toBe("");
      expect(valuesByKey(run.data.tags)["mlflow.runName"]).toBe(run.info.run_name);
    });

    it("the name can come from the mlflow.runName tag; a run_name that disagrees with it is refused", async () => {
      const exp = await newExperiment(ctx);
      const tagged = await ctx.store.createRun({ experimentId: exp, tags: [{ key: "mlflow.runName", value: "t" }] });
      expect(tagged.info.run_name).toBe("t");
      await expectCode(
        ctx.store.createRun({ experimentId: exp, runName: "a", tags: [{ key: "mlflow.runName", value: "b" }] }),
        "INVALID_PARAMETER_VALUE",
      );
    });

    it("run ids are unique", async () => {
      const exp = await newExperiment(ctx);
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) ids.add((await newRun(ctx, exp)).info.run_id);
      expect(ids.size).toBe(5);
    });

    it("update sets status, end time and name (and the mlflow.runName tag)", async () => {
      const run = await newRun(ctx, undefined, "before");
      const id = run.info.run_id;
      const end = run.info.start_time + 5000;
      const info = await ctx.store.updateRunInfo(id, "FINISHED", end, "after");
      expect(info).toMatchObject({ run_id: id, status: "FINISHED", end_time: end, run_name: "after" });
      const got = await ctx.store.getRun(id);
      expect(got.info).toMatchObject({ status: "FINISHED", end_time: end, run_name: "after" });
      expect(valuesByKey(got.data.tags)["mlflow.runName"]).toBe("after");
      // without a name the name stays
      await ctx.store.updateRunInfo(id, "FAILED", end + 1);
      expect((await ctx.store.getRun(id)).info).toMatchObject({
        status: "FAILED",
        end_time: end + 1,
        run_name: "after",
      });
    });

    it("setting the mlflow.runName tag renames the run", async () => {
      const run = await newRun(ctx, undefined, "old-name");
      await ctx.store.setTag(run.info.run_id, { key: "mlflow.runName", value: "new-name" });
      expect((await ctx.store.getRun(run.info.run_id)).info.run_name).toBe("new-name");
    });

    it("tags are upserted and deleted; deleting a missing tag is RESOURCE_DOES_NOT_EXIST", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.setTag(id, { key: "k", value: "1" });
      await ctx.store.setTag(id, { key: "k", value: "2" });
      await ctx.store.setTag(id, { key: "dotted.key/with slash", value: "v" });
      let tags = valuesByKey((await ctx.store.getRun(id)).data.tags);
      expect(tags).toMatchObject({ k: "2", "dotted.key/with slash": "v" });
      await ctx.store.deleteTag(id, "k");
      tags = valuesByKey((await ctx.store.getRun(id)).data.tags);
      expect(tags.k).toBeUndefined();
      expect(tags["dotted.key/with slash"]).toBe("v");
      await expectCode(ctx.store.deleteTag(id, "k"), "RESOURCE_DOES_NOT_EXIST");
    });

    it("delete keeps the run readable as deleted; a deleted run takes no more data", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.deleteRun(id);
      expect((await ctx.store.getRun(id)).info.lifecycle_stage).toBe("deleted");
      await expectCode(ctx.store.logParam(id, { key: "p", value: "1" }), "INVALID_PARAMETER_VALUE");
      await expectCode(
        ctx.store.logMetric(id, { key: "m", value: 1, timestamp: 1, step: 0 }),
        "INVALID_PARAMETER_VALUE",
      );
      await expectCode(ctx.store.setTag(id, { key: "t", value: "1" }), "INVALID_PARAMETER_VALUE");
      await expectCode(ctx.store.updateRunInfo(id, "FINISHED", 1), "INVALID_PARAMETER_VALUE");
    });

    it("unknown run ids are RESOURCE_DOES_NOT_EXIST", async () => {
      const s = ctx.store;
      const calls: [string, () => Promise<unknown>][] = [
        ["getRun", () => s.getRun(UNKNOWN_RUN_ID)],
        ["updateRunInfo", () => s.updateRunInfo(UNKNOWN_RUN_ID, "FINISHED", 1)],
        ["deleteRun", () => s.deleteRun(UNKNOWN_RUN_ID)],
        ["logBatch", () => s.logBatch(UNKNOWN_RUN_ID, { params: [{ key: "p", value: "1" }] })],
        ["logMetric", () => s.logMetric(UNKNOWN_RUN_ID, { key: "m", value: 1, timestamp: 1, step: 0 })],
        ["logParam", () => s.logParam(UNKNOWN_RUN_ID, { key: "p", value: "1" })],
        ["setTag", () => s.setTag(UNKNOWN_RUN_ID, { key: "t", value: "1" })],
        ["deleteTag", () => s.deleteTag(UNKNOWN_RUN_ID, "t")],
        ["getMetricHistory", () => s.getMetricHistory(UNKNOWN_RUN_ID, "m")],
        ["logInputs", () => s.logInputs(UNKNOWN_RUN_ID, [])],
        ["logOutputs", () => s.logOutputs(UNKNOWN_RUN_ID, [{ model_id: uniq("m"), step: 0 }])],
        ["logArtifact", () => s.logArtifact(UNKNOWN_RUN_ID, "a.txt", "x")],
        ["listArtifacts", () => s.listArtifacts(UNKNOWN_RUN_ID)],
        ["readArtifact", () => s.readArtifact(UNKNOWN_RUN_ID, "a.txt")],
      ];
      for (const [name, call] of calls) {
        const e = await call().then(
          () => new Error(`${name}: resolved`),
          (error: Error) => error,
        );
        expect(`${name}: ${(e as { code?: string }).code}`, e.message).toBe(`${name}: RESOURCE_DOES_NOT_EXIST`);
      }
    });
  });
}
