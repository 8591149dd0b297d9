/** Registered models: create, get, search (filter, order_by, paging), rename, update, delete, tags; unknown names. */
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelVersion } from "../../src/tracking/entities.js";
import { allPages, expectCode, newRun, type SuiteContext, uniq, valuesByKey } from "./context.js";

const UNKNOWN = "conf-no-such-model";

export function describeRegistry(ctx: SuiteContext): void {
  describe("registered models", () => {
    it("create with tags and a description; get returns the same; no versions or aliases yet", async () => {
      const name = uniq("rm");
      const before = Date.now();
      const model = await ctx.store.createRegisteredModel(name, [{ key: "team", value: "hands" }], "the model");
      expect(model).toMatchObject({ name, description: "the model", tags: [{ key: "team", value: "hands" }] });
      expect(model.creation_timestamp).toBeGreaterThanOrEqual(before - 1000);
      expect(model.latest_versions ?? []).toEqual([]);
      expect(model.aliases ?? []).toEqual([]);
      const got = await ctx.store.getRegisteredModel(name);
      expect(got).toMatchObject({ name, description: "the model", creation_timestamp: model.creation_timestamp });
      expect(got.tags).toEqual([{ key: "team", value: "hands" }]);
    });

    it("a taken name is RESOURCE_ALREADY_EXISTS; an empty name INVALID_PARAMETER_VALUE", async () => {
      const name = uniq("rm");
      await ctx.store.createRegisteredModel(name);
      await expectCode(ctx.store.createRegisteredModel(name), "RESOURCE_ALREADY_EXISTS");
      await expectCode(ctx.store.createRegisteredModel(""), "INVALID_PARAMETER_VALUE");
    });

    it("update sets the description; tags are upserted and deleted", async () => {
      const name = uniq("rm");
      await ctx.store.createRegisteredModel(name);
      expect((await ctx.store.updateRegisteredModel(name, "new words")).description).toBe("new words");
      expect((await ctx.store.getRegisteredModel(name)).description).toBe("new words");
      await ctx.store.setRegisteredModelTag(name, "k", "1");
      await ctx.store.setRegisteredModelTag(name, "k", "2");
      await ctx.store.setRegisteredModelTag(name, "other", "x");
      expect(valuesByKey((await ctx.store.getRegisteredModel(name)).tags)).toEqual({ k: "2", other: "x" });
      await ctx.store.deleteRegisteredModelTag(name, "k");
      expect(valuesByKey((await ctx.store.getRegisteredModel(name)).tags)).toEqual({ other: "x" });
    });

    it("rename moves the model and its versions; the old name is gone; a taken new name is refused", async () => {
      const run = await newRun(ctx);
      const name = uniq("rm");
      const newName = uniq("rm");
      await ctx.store.createRegisteredModel(name);
      await ctx.store.createModelVersion({ name, source: `runs:/${run.info.run_id}/model`, runId: run.info.run_id });
      await ctx.store.setRegisteredModelTag(name, "k", "v");
      await ctx.store.setRegisteredModelAlias(name, "champion", "1");
      const renamed = await ctx.store.renameRegisteredModel(name, newName);
      expect(renamed.name).toBe(newName);
      await expectCode(ctx.store.getRegisteredModel(name), "RESOURCE_DOES_NOT_EXIST");
      await expectCode(ctx.store.getModelVersion(name, "1"), "RESOURCE_DOES_NOT_EXIST");
      const v1: ModelVersion = await ctx.store.getModelVersion(newName, "1");
      expect(v1).toMatchObject({ name: newName, version: "1", run_id: run.info.run_id });
      // tags and aliases move with it
      const moved = await ctx.store.getRegisteredModel(newName);
      expect(moved.tags).toEqual([{ key: "k", value: "v" }]);
      expect(moved.aliases).toEqual([{ alias: "champion", version: "1" }]);
      expect((await ctx.store.getModelVersionByAlias(newName, "champion")).version).toBe("1");
      expect((await ctx.store.searchModelVersions({ filter: `name = '${newName}'` })).items).toHaveLength(1);
      const taken = uniq("rm");
      await ctx.store.createRegisteredModel(taken);
      await expectCode(ctx.store.renameRegisteredModel(newName, taken), "RESOURCE_ALREADY_EXISTS");
    });

    it("delete removes the model with its versions", async () => {
      const name = uniq("rm");
      await ctx.store.createRegisteredModel(name);
      await ctx.store.createModelVersion({ name, source: "file:///tmp/model" });
      await ctx.store.deleteRegisteredModel(name);
      await expectCode(ctx.store.getRegisteredModel(name), "RESOURCE_DOES_NOT_EXIST");
      await expectCode(ctx.store.getModelVersion(name, "1"), "RESOURCE_DOES_NOT_EXIST");
      // the name is free again, and numbering starts over
      await ctx.store.createRegisteredModel(name);
      expect((await ctx.store.createModelVersion({ name, source: "file:///tmp/model" })).version).toBe("1");
    });

    it("unknown names are RESOURCE_DOES_NOT_EXIST", async () => {
      const s = ctx.store;
      const calls: [string, () => Promise<unknown>][] = [
        ["getRegisteredModel", () => s.getRegisteredModel(UNKNOWN)],
        ["renameRegisteredModel", () => s.renameRegisteredModel(UNKNOWN, uniq("rm"))],
        ["updateRegisteredModel", () => s.updateRegisteredModel(UNKNOWN, "d")],
        ["deleteRegisteredModel", () => s.deleteRegisteredModel(UNKNOWN)],
        ["setRegisteredModelTag", () => s.setRegisteredModelTag(UNKNOWN, "k", "v")],
        ["createModelVersion", () => s.createModelVersion({ name: UNKNOWN, source: "file:///tmp/m" })],
        ["getModelVersion", () => s.getModelVersion(UNKNOWN, "1")],
        ["updateModelVersion", () => s.updateModelVersion(UNKNOWN, "1", "d")],
        ["deleteModelVersion", () => s.deleteModelVersion(UNKNOWN, "1")],
        ["transitionModelVersionStage", () => s.transitionModelVersionStage(UNKNOWN, "1", "Production", false)],
        ["getLatestVersions", () => s.getLatestVersions(UNKNOWN)],
        ["setModelVersionTag", () => s.setModelVersionTag(UNKNOWN, "1", "k", "v")],
        ["setRegisteredModelAlias", () => s.setRegisteredModelAlias(UNKNOWN, "champion", "1")],
        ["getModelVersionByAlias", () => s.getModelVersionByAlias(UNKNOWN, "champion")],
        ["getModelVersionDownloadUri", () => s.getModelVersionDownloadUri(UNKNOWN, "1")],
      ];
      for (const [name, call] of calls) {
        const e = await call().then(
          () => new Error(`${name}: resolved`),
          (error: Error) => error,
        );
        expect(`${name}: ${(e as { code?: string }).code}`, e.message).toBe(`${name}: RESOURCE_DOES_NOT_EXIST`);
      }
    });

    describe("search", () => {
      const prefix = uniq("rmsearch");
      const letters = ["c", "a", "d", "b", "e"];
      const short = (items: { name: string }[]) => items.map((m) => m.name.slice(prefix.length + 1));
      beforeAll(async () => {
        for (const l of letters) {
          const tags = l === "a" || l === "e" ? [{ key: "kind", value: "vowel" }] : [];
          await ctx.store.createRegisteredModel(`${prefix}-${l}`, tags);
        }
      });

      it("filters by name (= and LIKE) and by tag", async () => {
        const like = await ctx.store.searchRegisteredModels({ filter: `name LIKE '${prefix}-%'` });
        expect(short(like.items).sort()).toEqual(["a", "b", "c", "d", "e"]);
        const one = await ctx.store.searchRegisteredModels({ filter: `name = '${prefix}-d'` });
        expect(short(one.items)).toEqual(["d"]);
        const vowels = await ctx.store.searchRegisteredModels({
          filter: `name LIKE '${prefix}-%' AND tags.kind = 'vowel'`,
        });
        expect(short(vowels.items).sort()).toEqual(["a", "e"]);
      });

      it("orders by name either way (MLflow's default is name ASC)", async () => {
        const filter = `name LIKE '${prefix}-%'`;
        expect(short((await ctx.store.searchRegisteredModels({ filter })).items)).toEqual(["a", "b", "c", "d", "e"]);
        const desc = await ctx.store.searchRegisteredModels({ filter, orderBy: ["name DESC"] });
        expect(short(desc.items)).toEqual(["e", "d", "c", "b", "a"]);
      });

      it("pages cover every model exactly once", async () => {
        const pages = await allPages((pageToken) =>
          ctx.store.searchRegisteredModels({ filter: `name LIKE '${prefix}-%'`, maxResults: 2, pageToken }),
        );
        expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
        expect(short(pages.flat())).toEqual(["a", "b", "c", "d", "e"]);
      });
    });
  });
}
