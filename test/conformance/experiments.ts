/** Experiments: create, duplicates, get / get-by-name, search (filter, order_by, paging, view types), tags, delete. */
import { beforeAll, describe, expect, it } from "vitest";
import { allPages, expectCode, newRun, type SuiteContext, sleep, UNKNOWN_EXPERIMENT_ID, uniq } from "./context.js";

export function describeExperiments(ctx: SuiteContext): void {
  describe("experiments", () => {
    it("Default is experiment '0', as both of MLflow's stores create it", async () => {
      const byName = await ctx.store.getExperimentByName("Default");
      expect(byName?.experiment_id).toBe("0");
      expect((await ctx.store.getExperiment("0")).name).toBe("Default");
    });

    it("creates an experiment with tags; ids are unique strings (their form is the store's own)", async () => {
      const name = uniq("exp");
      const before = Date.now();
      const id = await ctx.store.createExperiment(name, [{ key: "team", value: "hands" }]);
      const other = await ctx.store.createExperiment(uniq("exp"));
      expect(typeof id).toBe("string");
      expect(id).not.toBe("");
      expect(other).not.toBe(id);
      const exp = await ctx.store.getExperiment(id);
      expect(exp).toMatchObject({ experiment_id: id, name, lifecycle_stage: "active" });
      expect(exp.tags).toEqual([{ key: "team", value: "hands" }]);
      expect(typeof exp.artifact_location).toBe("string");
      expect(exp.artifact_location).not.toBe("");
      expect(exp.creation_time).toBeGreaterThanOrEqual(before - 1000);
      expect(exp.last_update_time).toBeGreaterThanOrEqual(exp.creation_time);
    });

    it("a taken name is RESOURCE_ALREADY_EXISTS, also when that experiment is deleted; an empty one is refused", async () => {
      const name = uniq("dup");
      const id = await ctx.store.createExperiment(name);
      await expectCode(ctx.store.createExperiment(name), "RESOURCE_ALREADY_EXISTS");
      await ctx.store.deleteExperiment(id);
      await expectCode(ctx.store.createExperiment(name), "RESOURCE_ALREADY_EXISTS");
      await expectCode(ctx.store.createExperiment(""), "INVALID_PARAMETER_VALUE");
    });

    it("get-by-name finds active and deleted experiments, null for an unknown name", async () => {
      const name = uniq("byname");
      const id = await ctx.store.createExperiment(name);
      expect((await ctx.store.getExperimentByName(name))?.experiment_id).toBe(id);
      await ctx.store.deleteExperiment(id);
      const deleted = await ctx.store.getExperimentByName(name);
      expect(deleted).toMatchObject({ experiment_id: id, lifecycle_stage: "deleted" });
      expect(await ctx.store.getExperimentByName(uniq("nobody"))).toBeNull();
    });

    it("tags are upserted; an unknown experiment is RESOURCE_DOES_NOT_EXIST", async () => {
      const id = await ctx.store.createExperiment(uniq("tags"), [{ key: "a", value: "1" }]);
      await ctx.store.setExperimentTag(id, "a", "2");
      await ctx.store.setExperimentTag(id, "b", "x y\nz");
      const tags = (await ctx.store.getExperiment(id)).tags;
      expect(Object.fromEntries(tags.map((t) => [t.key, t.value]))).toEqual({ a: "2", b: "x y\nz" });
      await expectCode(ctx.store.setExperimentTag(UNKNOWN_EXPERIMENT_ID, "a", "1"), "RESOURCE_DOES_NOT_EXIST");
    });

    it("delete marks the experiment and its runs deleted; a deleted experiment takes no new run", async () => {
      const id = await ctx.store.createExperiment(uniq("del"));
      const run = await newRun(ctx, id);
      await ctx.store.deleteExperiment(id);
      expect((await ctx.store.getExperiment(id)).lifecycle_stage).toBe("deleted");
      expect((await ctx.store.getRun(run.info.run_id)).info.lifecycle_stage).toBe("deleted");
      await expectCode(ctx.store.createRun({ experimentId: id }), "INVALID_PARAMETER_VALUE");
    });

    it("unknown experiment ids are RESOURCE_DOES_NOT_EXIST", async () => {
      await expectCode(ctx.store.getExperiment(UNKNOWN_EXPERIMENT_ID), "RESOURCE_DOES_NOT_EXIST");
      await expectCode(ctx.store.deleteExperiment(UNKNOWN_EXPERIMENT_ID), "RESOURCE_DOES_NOT_EXIST");
      await expectCode(ctx.store.createRun({ experimentId: UNKNOWN_EXPERIMENT_ID }), "RESOURCE_DOES_NOT_EXIST");
    });

    describe("search", () => {
      // Five experiments under one prefix: b, d, a, e, c (created in that order, a few ms apart), c deleted.
      const prefix = uniq("search");
      const letters = ["b", "d", "a", "e", "c"];
      const ids: Record<string, string> = {};
      const search = (o: Parameters<SuiteContext["store"]["searchExperiments"]>[0] = {}) =>
        ctx.store.searchExperiments({ filter: `name LIKE '${prefix}-%'`, ...o });
      const names = (items: { name: string }[]) => items.map((e) => e.name.slice(prefix.length + 1));
      beforeAll(async () => {
        for (const l of letters) {
          const tags = l === "a" || l === "e" ? [{ key: "kind", value: "vowel" }] : [];
          ids[l] = await ctx.store.createExperiment(`${prefix}-${l}`, tags);
          await sleep(3);
        }
        await ctx.store.deleteExperiment(ids.c);
      });

      it("filters by name and by tag; view types select active, deleted or both", async () => {
        expect(names((await search()).items).sort()).toEqual(["a", "b", "d", "e"]);
        expect(names((await search({ viewType: "DELETED_ONLY" })).items)).toEqual(["c"]);
        expect(names((await search({ viewType: "ALL" })).items).sort()).toEqual(["a", "b", "c", "d", "e"]);
        const vowels = await ctx.store.searchExperiments({ filter: `name LIKE '${prefix}-%' AND tags.kind = 'vowel'` });
        expect(names(vowels.items).sort()).toEqual(["a", "e"]);
        const one = await ctx.store.searchExperiments({ filter: `name = '${prefix}-d'` });
        expect(one.items.map((e) => e.experiment_id)).toEqual([ids.d]);
        const since = (await ctx.store.getExperiment(ids.a)).creation_time;
        const recent = await search({ filter: `name LIKE '${prefix}-%' AND creation_time >= ${since}` });
        expect(names(recent.items).sort()).toEqual(["a", "e"]);
      });

      it("orders by name either way; with no order_by, newest first", async () => {
        expect(names((await search({ orderBy: ["name ASC"] })).items)).toEqual(["a", "b", "d", "e"]);
        expect(names((await search({ orderBy: ["name DESC"] })).items)).toEqual(["e", "d", "b", "a"]);
        // MLflow's default: creation_time DESC, then experiment_id
        expect(names((await search()).items)).toEqual(["e", "a", "d", "b"]);
        expect(names((await search({ orderBy: ["creation_time ASC"] })).items)).toEqual(["b", "d", "a", "e"]);
      });

      it("pages of max_results cover every experiment exactly once, in order", async () => {
        const pages = await allPages((pageToken) =>
          search({ viewType: "ALL", orderBy: ["name ASC"], maxResults: 2, pageToken }),
        );
        expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
        expect(names(pages.flat())).toEqual(["a", "b", "c", "d", "e"]);
      });

      it("a bad filter or max_results is INVALID_PARAMETER_VALUE", async () => {
        await expectCode(ctx.store.searchExperiments({ filter: "name ~ 'x'" }), "INVALID_PARAMETER_VALUE");
        await expectCode(ctx.store.searchExperiments({ maxResults: 0 }), "INVALID_PARAMETER_VALUE");
        await expectCode(ctx.store.searchExperiments({ maxResults: 50001 }), "INVALID_PARAMETER_VALUE");
      });
    });
  });
}
