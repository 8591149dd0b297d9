/**
 * searchLoggedModels as MLflow 3 answers it (docs/mlflow3-compat.md §3.4, and its SQL store): newest first by
 * default, deleted models left out, filters on attributes, metrics, params and tags joined by AND, order_by on
 * attributes and metrics (models without the metric last), datasets, paging.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { LoggedModel } from "../../src/tracking/entities.js";
import type { SearchLoggedModelsOptions } from "../../src/tracking/store.js";
import {
  allPages,
  expectCode,
  newExperiment,
  newRun,
  type SuiteContext,
  sleep,
  UNKNOWN_EXPERIMENT_ID,
} from "./context.js";

export function describeLoggedModelSearch(ctx: SuiteContext): void {
  describe("logged model search (MLflow 3)", () => {
    let exp = "";
    let other = "";
    let runId = "";
    const nameOf: Record<string, string> = {};

    beforeAll(async () => {
      exp = await newExperiment(ctx, "lmsearch");
      other = await newExperiment(ctx, "lmsearch-other");
      runId = (await newRun(ctx, exp)).info.run_id;
      const create = async (name: string, extra: Partial<Parameters<typeof ctx.store.createLoggedModel>[0]> = {}) => {
        const m = await ctx.store.createLoggedModel({ experimentId: exp, name, ...extra });
        nameOf[m.info.model_id] = name;
        await sleep(5); // distinct creation times: the default order is by them
        return m.info.model_id;
      };
      const alpha = await create("alpha", {
        modelType: "tiny",
        sourceRunId: runId,
        params: [{ key: "C", value: "1.0" }],
        tags: [{ key: "a", value: "b" }],
      });
      const beta = await create("beta", { modelType: "big", params: [{ key: "C", value: "2.0" }] });
      await create("gamma", { tags: [{ key: "a", value: "c" }] });
      const delta = await create("delta", { params: [{ key: "C", value: "1.0" }] });
      await ctx.store.deleteLoggedModel(delta);
      const t = 1796305325879;
      await ctx.store.logBatch(runId, {
        metrics: [
          {
            key: "acc",
            value: 0.9,
            timestamp: t,
            step: 0,
            model_id: alpha,
            dataset_name: "iris",
            dataset_digest: "d1",
          },
          { key: "acc", value: 0.3, timestamp: t, step: 0, model_id: beta },
        ],
      });
      const e = await ctx.store.createLoggedModel({ experimentId: other, name: "epsilon" });
      nameOf[e.info.model_id] = "epsilon";
    });

    const names = (models: LoggedModel[]) => models.map((m) => nameOf[m.info.model_id] ?? "?");
    const search = async (o: Partial<SearchLoggedModelsOptions> = {}) =>
      names((await ctx.store.searchLoggedModels({ experimentIds: [exp], ...o })).items);
    const matching = async (filter: string) => (await search({ filter })).sort();

    it("with no order_by: newest first, deleted models left out", async () => {
      expect(await search()).toEqual(["gamma", "beta", "alpha"]);
    });

    it("returns each model whole: info, params, metrics", async () => {
      const [alpha] = (await ctx.store.searchLoggedModels({ experimentIds: [exp], filter: "name = 'alpha'" })).items;
      expect(alpha.info).toMatchObject({ name: "alpha", model_type: "tiny", source_run_id: runId, experiment_id: exp });
      expect(alpha.info.tags).toEqual([{ key: "a", value: "b" }]);
      expect(alpha.data.params).toEqual([{ key: "C", value: "1.0" }]);
      expect(alpha.data.metrics.map((m) => [m.key, m.value])).toEqual([["acc", 0.9]]);
    });

    it("filters on attributes: name (= and LIKE), model_type, source_run_id", async () => {
      expect(await matching("name = 'beta'")).toEqual(["beta"]);
      expect(await matching("attributes.name LIKE 'a%'")).toEqual(["alpha"]);
      expect(await matching("model_type = 'tiny'")).toEqual(["alpha"]);
      expect(await matching(`source_run_id = '${runId}'`)).toEqual(["alpha"]);
    });

    it("filters on metrics, params and tags, and on several joined by AND", async () => {
      expect(await matching("metrics.acc > 0.5")).toEqual(["alpha"]);
      expect(await matching("metrics.acc > 0.1")).toEqual(["alpha", "beta"]);
      expect(await matching("params.C = '1.0'")).toEqual(["alpha"]);
      expect(await matching("tags.a = 'c'")).toEqual(["gamma"]);
      expect(await matching("metrics.acc > 0.1 AND params.C = '2.0'")).toEqual(["beta"]);
      expect(await matching("name LIKE '%a' AND tags.a = 'b'")).toEqual(["alpha"]);
    });

    it("orders by name and by a metric (models without it last, either way)", async () => {
      const by = (field_name: string, ascending: boolean) => search({ orderBy: [{ field_name, ascending }] });
      expect(await by("name", true)).toEqual(["alpha", "beta", "gamma"]);
      expect(await by("name", false)).toEqual(["gamma", "beta", "alpha"]);
      expect(await by("creation_time", true)).toEqual(["alpha", "beta", "gamma"]);
      expect(await by("metrics.acc", false)).toEqual(["alpha", "beta", "gamma"]);
      expect(await by("metrics.acc", true)).toEqual(["beta", "alpha", "gamma"]);
    });

    it("datasets: only models with a metric on that dataset (name and digest)", async () => {
      expect(await search({ datasets: [{ dataset_name: "iris", dataset_digest: "d1" }] })).toEqual(["alpha"]);
      expect(await search({ datasets: [{ dataset_name: "iris", dataset_digest: "other" }] })).toEqual([]);
    });

    it("pages cover every model exactly once, in the unpaged order", async () => {
      const pages = await allPages((pageToken) =>
        ctx.store.searchLoggedModels({ experimentIds: [exp], maxResults: 1, pageToken }),
      );
      expect(pages.map((p) => p.length)).toEqual([1, 1, 1]);
      expect(names(pages.flat())).toEqual(["gamma", "beta", "alpha"]);
    });

    it("several experiments at once; an unknown experiment has none", async () => {
      expect((await search({ experimentIds: [exp, other] })).sort()).toEqual(["alpha", "beta", "epsilon", "gamma"]);
      expect(await search({ experimentIds: [UNKNOWN_EXPERIMENT_ID] })).toEqual([]);
    });

    it("a bad filter or order_by field is INVALID_PARAMETER_VALUE", async () => {
      await expectCode(
        ctx.store.searchLoggedModels({ experimentIds: [exp], filter: "name ~ 'x'" }),
        "INVALID_PARAMETER_VALUE",
      );
      await expectCode(
        ctx.store.searchLoggedModels({ experimentIds: [exp], orderBy: [{ field_name: "bogus" }] }),
        "INVALID_PARAMETER_VALUE",
      );
    });
  });
}
