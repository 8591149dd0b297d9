/**
 * Model versions: numbering, sources (`runs:/…`, MLflow 3's `models:/<model_id>`), stages with
 * archive_existing_versions, get_latest_versions, aliases, search by name and run_id, tags, delete.
 */
import { describe, expect, it } from "vitest";
import type { ModelVersion } from "../../src/tracking/entities.js";
import { allPages, expectCode, newRun, type SuiteContext, sleep, sorted, uniq, valuesByKey } from "./context.js";

const versions = (vs: ModelVersion[]) => sorted(vs.map((v) => `${v.version}:${v.current_stage}`));

export function describeModelVersions(ctx: SuiteContext): void {
  /** A registered model with `n` versions from runs:/ sources of one run. */
  async function modelWithVersions(n: number) {
    const run = await newRun(ctx);
    const name = uniq("mv");
    await ctx.store.createRegisteredModel(name);
    const made: ModelVersion[] = [];
    for (let i = 0; i < n; i++) {
      made.push(
        await ctx.store.createModelVersion({ name, source: `runs:/${run.info.run_id}/model`, runId: run.info.run_id }),
      );
    }
    return { name, runId: run.info.run_id, made };
  }

  describe("model versions", () => {
    it("are numbered 1, 2, 3 in stage None, READY, with source, run id, tags and description", async () => {
      const run = await newRun(ctx);
      const name = uniq("mv");
      await ctx.store.createRegisteredModel(name);
      const source = `runs:/${run.info.run_id}/model`;
      const v1 = await ctx.store.createModelVersion({
        name,
        source,
        runId: run.info.run_id,
        tags: [{ key: "k", value: "v" }],
        description: "first",
      });
      expect(v1).toMatchObject({
        name,
        version: "1",
        current_stage: "None",
        status: "READY",
        source,
        run_id: run.info.run_id,
        description: "first",
      });
      expect(v1.tags).toEqual([{ key: "k", value: "v" }]);
      const v2 = await ctx.store.createModelVersion({ name, source, runId: run.info.run_id });
      const v3 = await ctx.store.createModelVersion({ name, source, runId: run.info.run_id });
      expect([v2.version, v3.version]).toEqual(["2", "3"]);
      expect(await ctx.store.getModelVersion(name, "2")).toMatchObject({ name, version: "2", source });
      // a runs:/ source is kept as the download URI (MLflow resolves it in the client)
      expect(await ctx.store.getModelVersionDownloadUri(name, "1")).toBe(source);
      const latest = (await ctx.store.getRegisteredModel(name)).latest_versions;
      expect(latest.map((v) => [v.version, v.current_stage])).toEqual([["3", "None"]]);
    });

    it("from a logged model (models:/<model_id>): run id from the model, download URI its artifact location", async () => {
      const run = await newRun(ctx);
      const model = await ctx.store.createLoggedModel({
        experimentId: run.info.experiment_id,
        name: "model",
        sourceRunId: run.info.run_id,
      });
      const name = uniq("mv");
      await ctx.store.createRegisteredModel(name);
      const source = `models:/${model.info.model_id}`;
      const v = await ctx.store.createModelVersion({ name, source, modelId: model.info.model_id });
      expect(v).toMatchObject({ name, version: "1", source, run_id: run.info.run_id });
      expect(await ctx.store.getModelVersionDownloadUri(name, "1")).toBe(model.info.artifact_uri);
      // a models:/ source naming no logged model is refused, and no version is made
      const missing = ctx.store.createModelVersion({ name, source: "models:/m-00000000000000000000000000000000" });
      await expect(missing).rejects.toThrow();
      expect((await ctx.store.searchModelVersions({ filter: `name = '${name}'` })).items).toHaveLength(1);
    });

    it("update sets the description; tags are upserted and deleted", async () => {
      const { name } = await modelWithVersions(1);
      expect((await ctx.store.updateModelVersion(name, "1", "words")).description).toBe("words");
      await ctx.store.setModelVersionTag(name, "1", "k", "1");
      await ctx.store.setModelVersionTag(name, "1", "k", "2");
      await ctx.store.setModelVersionTag(name, "1", "x", "y");
      expect(valuesByKey((await ctx.store.getModelVersion(name, "1")).tags)).toEqual({ k: "2", x: "y" });
      await ctx.store.deleteModelVersionTag(name, "1", "k");
      expect(valuesByKey((await ctx.store.getModelVersion(name, "1")).tags)).toEqual({ x: "y" });
      await expectCode(ctx.store.getModelVersion(name, "9"), "RESOURCE_DOES_NOT_EXIST");
      await expectCode(ctx.store.getModelVersionDownloadUri(name, "9"), "RESOURCE_DOES_NOT_EXIST");
    });

    it("stages: archive_existing_versions archives the versions in the target stage only", async () => {
      const { name } = await modelWithVersions(4);
      await ctx.store.transitionModelVersionStage(name, "1", "Production", false);
      await ctx.store.transitionModelVersionStage(name, "2", "Staging", false);
      const v3 = await ctx.store.transitionModelVersionStage(name, "3", "Production", true);
      expect(v3.current_stage).toBe("Production");
      const all = (await ctx.store.searchModelVersions({ filter: `name = '${name}'` })).items;
      expect(versions(all)).toEqual(["1:Archived", "2:Staging", "3:Production", "4:None"]);
      // without archiving, two versions may share a stage
      await ctx.store.transitionModelVersionStage(name, "4", "Staging", false);
      expect((await ctx.store.getModelVersion(name, "2")).current_stage).toBe("Staging");
      // archiving is only for Staging and Production
      await expectCode(ctx.store.transitionModelVersionStage(name, "4", "Archived", true), "INVALID_PARAMETER_VALUE");
      await expectCode(
        ctx.store.transitionModelVersionStage(name, "4", "Bogus" as never, false),
        "INVALID_PARAMETER_VALUE",
      );
    });

    it("get_latest_versions: the highest version in each stage, or in the stages asked for", async () => {
      const { name } = await modelWithVersions(5);
      await ctx.store.transitionModelVersionStage(name, "1", "Production", false);
      await ctx.store.transitionModelVersionStage(name, "2", "Production", false);
      await ctx.store.transitionModelVersionStage(name, "3", "Staging", false);
      expect(versions(await ctx.store.getLatestVersions(name))).toEqual(["2:Production", "3:Staging", "5:None"]);
      expect(versions(await ctx.store.getLatestVersions(name, ["Production"]))).toEqual(["2:Production"]);
      expect(versions(await ctx.store.getLatestVersions(name, ["Staging", "None"]))).toEqual(["3:Staging", "5:None"]);
      expect(await ctx.store.getLatestVersions(name, ["Archived"])).toEqual([]);
      const latest = (await ctx.store.getRegisteredModel(name)).latest_versions;
      expect(versions(latest)).toEqual(["2:Production", "3:Staging", "5:None"]);
    });

    it("aliases: set, read, move to another version, delete", async () => {
      const { name } = await modelWithVersions(2);
      await ctx.store.setRegisteredModelAlias(name, "champion", "1");
      expect(await ctx.store.getModelVersionByAlias(name, "champion")).toMatchObject({ version: "1" });
      expect((await ctx.store.getModelVersion(name, "1")).aliases).toEqual(["champion"]);
      expect((await ctx.store.getRegisteredModel(name)).aliases).toEqual([{ alias: "champion", version: "1" }]);
      // moving: the alias names one version at a time
      await ctx.store.setRegisteredModelAlias(name, "champion", "2");
      expect((await ctx.store.getModelVersionByAlias(name, "champion")).version).toBe("2");
      expect((await ctx.store.getModelVersion(name, "1")).aliases ?? []).toEqual([]);
      expect((await ctx.store.getRegisteredModel(name)).aliases).toEqual([{ alias: "champion", version: "2" }]);
      await ctx.store.deleteRegisteredModelAlias(name, "champion");
      await expectCode(ctx.store.getModelVersionByAlias(name, "champion"), "RESOURCE_DOES_NOT_EXIST");
      expect((await ctx.store.getRegisteredModel(name)).aliases ?? []).toEqual([]);
      await expectCode(ctx.store.setRegisteredModelAlias(name, "champion", "7"), "RESOURCE_DOES_NOT_EXIST");
    });

    it("deleting a version drops its aliases; the next version still counts up", async () => {
      const { name, runId } = await modelWithVersions(3);
      await ctx.store.setRegisteredModelAlias(name, "champion", "2");
      await ctx.store.setRegisteredModelAlias(name, "keep", "3");
      await ctx.store.deleteModelVersion(name, "2");
      await expectCode(ctx.store.getModelVersion(name, "2"), "RESOURCE_DOES_NOT_EXIST");
      await expectCode(ctx.store.getModelVersionByAlias(name, "champion"), "RESOURCE_DOES_NOT_EXIST");
      expect((await ctx.store.getRegisteredModel(name)).aliases).toEqual([{ alias: "keep", version: "3" }]);
      const next = await ctx.store.createModelVersion({ name, source: `runs:/${runId}/model`, runId });
      expect(next.version).toBe("4");
    });

    it("search by name and by run_id", async () => {
      const a = await modelWithVersions(2);
      const b = await modelWithVersions(1);
      const byName = await ctx.store.searchModelVersions({ filter: `name = '${a.name}'` });
      expect(sorted(byName.items.map((v) => `${v.name}/${v.version}`))).toEqual([`${a.name}/1`, `${a.name}/2`]);
      const byRun = await ctx.store.searchModelVersions({ filter: `run_id = '${b.runId}'` });
      expect(byRun.items.map((v) => `${v.name}/${v.version}`)).toEqual([`${b.name}/1`]);
      const both = await ctx.store.searchModelVersions({ filter: `run_id IN ('${a.runId}', '${b.runId}')` });
      expect(sorted(both.items.map((v) => `${v.name}/${v.version}`))).toEqual(
        sorted([`${a.name}/1`, `${a.name}/2`, `${b.name}/1`]),
      );
      const none = await ctx.store.searchModelVersions({ filter: `name = '${uniq("none")}'` });
      expect(none.items).toEqual([]);
    });

    it("search pages cover every version exactly once", async () => {
      const { name } = await modelWithVersions(5);
      const pages = await allPages((pageToken) =>
        ctx.store.searchModelVersions({ filter: `name = '${name}'`, maxResults: 2, pageToken }),
      );
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(
        pages
          .flat()
          .map((v) => Number(v.version))
          .sort((x, y) => x - y),
      ).toEqual([1, 2, 3, 4, 5]);
    });

    it("a new version bumps the registered model's last_updated_timestamp; latest_versions follows deletes", async () => {
      const { name, runId } = await modelWithVersions(1);
      const before = await ctx.store.getRegisteredModel(name);
      await sleep(5);
      await ctx.store.createModelVersion({ name, source: `runs:/${runId}/model`, runId });
      const after = await ctx.store.getRegisteredModel(name);
      expect(after.last_updated_timestamp).toBeGreaterThan(before.last_updated_timestamp);
      expect(after.creation_timestamp).toBe(before.creation_timestamp);
      expect(versions(after.latest_versions)).toEqual(["2:None"]);
      await ctx.store.deleteModelVersion(name, "2");
      expect(versions((await ctx.store.getRegisteredModel(name)).latest_versions)).toEqual(["1:None"]);
    });
  });
}
