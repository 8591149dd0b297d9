/**
 * searchRuns with MLflow's filter and order_by syntax (metrics, params, tags, attributes, datasets), view types,
 * paging with tokens, max_results.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Run } from "../../src/tracking/entities.js";
import type { SearchRunsOptions } from "../../src/tracking/store.js";
import { allPages, expectCode, newExperiment, type SuiteContext, UNKNOWN_EXPERIMENT_ID } from "./context.js";

/** Six runs r1..r6, started at T+1..T+6 ms; r6 deleted. Metrics, params and tags chosen so each filter splits them. */
const T = 1795504138000;
const RUNS: {
  name: string;
  acc?: number;
  loss?: number;
  model?: string;
  team?: string;
  status?: "FINISHED" | "FAILED";
  dataset?: string;
}[] = [
  { name: "r1", acc: 0.9, loss: 0.1, model: "rf", team: "a", status: "FINISHED", dataset: "train-a" },
  { name: "r2", acc: 0.5, loss: 0.4, model: "knn", team: "b", status: "FINISHED" },
  { name: "r3", acc: 0.7, model: "rf", team: "a", status: "FAILED", dataset: "train-b" },
  { name: "r4", loss: 0.3, model: "mlp" },
  { name: "r5", acc: 0.2, team: "b", dataset: "train-a" },
  { name: "r6", acc: 0.99, model: "rf", team: "a" },
];

export function describeRunSearch(ctx: SuiteContext): void {
  describe("run search", () => {
    let exp = "";
    let other = "";
    const id: Record<string, string> = {};
    const nameOf: Record<string, string> = {};

    beforeAll(async () => {
      exp = await newExperiment(ctx, "runsearch");
      other = await newExperiment(ctx, "runsearch-other");
      for (const [i, r] of RUNS.entries()) {
        const run = await ctx.store.createRun({ experimentId: exp, runName: r.name, startTime: T + i + 1 });
        const runId = run.info.run_id;
        id[r.name] = runId;
        nameOf[runId] = r.name;
        const metrics = [];
        if (r.acc !== undefined) metrics.push({ key: "acc", value: r.acc, timestamp: T, step: 0 });
        if (r.loss !== undefined) metrics.push({ key: "loss", value: r.loss, timestamp: T, step: 0 });
        await ctx.store.logBatch(runId, {
          metrics,
          params: r.model ? [{ key: "model", value: r.model }] : [],
          tags: r.team ? [{ key: "team", value: r.team }] : [],
        });
        if (r.dataset) {
          const dataset = { name: r.dataset, digest: `d-${r.dataset}`, source_type: "local", source: "{}" };
          await ctx.store.logInputs(runId, [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset }]);
        }
        if (r.status) await ctx.store.updateRunInfo(runId, r.status, T + 100 + i);
      }
      await ctx.store.deleteRun(id.r6);
      await ctx.store.createRun({ experimentId: other, runName: "o1", startTime: T + 50 });
    });

    const search = async (o: Partial<SearchRunsOptions> = {}) =>
      (await ctx.store.searchRuns({ experimentIds: [exp], ...o })).items.map((r: Run) => nameOf[r.info.run_id] ?? "?");
    const matching = async (filter: string) => (await search({ filter })).sort();

    it("with no order_by: newest start_time first; deleted runs only in their views", async () => {
      expect(await search()).toEqual(["r5", "r4", "r3", "r2", "r1"]);
      expect(await search({ viewType: "DELETED_ONLY" })).toEqual(["r6"]);
      expect(await search({ viewType: "ALL" })).toEqual(["r6", "r5", "r4", "r3", "r2", "r1"]);
    });

    it("returns each run whole: latest metrics, params, tags, inputs", async () => {
      const [run] = (await ctx.store.searchRuns({ experimentIds: [exp], filter: "attributes.run_name = 'r1'" })).items;
      expect(run.info).toMatchObject({ run_id: id.r1, run_name: "r1", status: "FINISHED", experiment_id: exp });
      expect(run.data.metrics.map((m) => [m.key, m.value]).sort()).toEqual([
        ["acc", 0.9],
        ["loss", 0.1],
      ]);
      expect(run.data.params).toEqual([{ key: "model", value: "rf" }]);
      expect(run.data.tags).toContainEqual({ key: "team", value: "a" });
      expect(run.inputs?.dataset_inputs.map((d) => d.dataset.name)).toEqual(["train-a"]);
    });

    it("filters on metrics with numeric comparators", async () => {
      expect(await matching("metrics.acc > 0.6")).toEqual(["r1", "r3"]);
      expect(await matching("metrics.acc >= 0.7")).toEqual(["r1", "r3"]);
      expect(await matching("metrics.acc < 0.5")).toEqual(["r5"]);
      expect(await matching("metrics.acc <= 0.5")).toEqual(["r2", "r5"]);
      expect(await matching("metrics.acc = 0.5")).toEqual(["r2"]);
      // a run without the metric matches no comparison on it, != included
      expect(await matching("metrics.acc != 0.5")).toEqual(["r1", "r3", "r5"]);
      expect(await matching("metrics.loss > 0")).toEqual(["r1", "r2", "r4"]);
    });

    it("filters on params and tags: = != LIKE ILIKE", async () => {
      expect(await matching("params.model = 'rf'")).toEqual(["r1", "r3"]);
      expect(await matching("params.model != 'rf'")).toEqual(["r2", "r4"]);
      expect(await matching("params.model LIKE 'k%'")).toEqual(["r2"]);
      expect(await matching("params.model ILIKE 'M_P'")).toEqual(["r4"]);
      expect(await matching('tags.team = "b"')).toEqual(["r2", "r5"]);
      expect(await matching("tags.`mlflow.runName` = 'r3'")).toEqual(["r3"]);
      expect(await matching("tags.mlflow.runName = 'r2'")).toEqual(["r2"]);
    });

    it("LIKE is case-sensitive (MLflow turns SQLite's case_sensitive_like on), ILIKE is not", async () => {
      expect(await matching("params.model LIKE 'RF'")).toEqual([]);
      expect(await matching("params.model LIKE 'r_'")).toEqual(["r1", "r3"]);
      expect(await matching("params.model ILIKE 'RF'")).toEqual(["r1", "r3"]);
      expect(await matching("attributes.run_name LIKE 'R%'")).toEqual([]);
      expect(await matching("params.model = 'RF'")).toEqual([]);
    });

    it("filters on attributes: status, run_name, start_time, run_id IN", async () => {
      expect(await matching("attributes.status = 'FINISHED'")).toEqual(["r1", "r2"]);
      expect(await matching("attributes.status != 'RUNNING'")).toEqual(["r1", "r2", "r3"]);
      expect(await matching("attributes.run_name = 'r4'")).toEqual(["r4"]);
      expect(await matching("attributes.run_name LIKE 'r%'")).toEqual(["r1", "r2", "r3", "r4", "r5"]);
      expect(await matching(`attributes.start_time > ${T + 3}`)).toEqual(["r4", "r5"]);
      expect(await matching(`attributes.run_id IN ('${id.r2}', '${id.r4}')`)).toEqual(["r2", "r4"]);
      expect(await matching(`attributes.run_id NOT IN ('${id.r2}', '${id.r4}')`)).toEqual(["r1", "r3", "r5"]);
    });

    it("filters on datasets: name, digest, context", async () => {
      expect(await matching("datasets.name = 'train-a'")).toEqual(["r1", "r5"]);
      expect(await matching("datasets.digest = 'd-train-b'")).toEqual(["r3"]);
      expect(await matching("datasets.context = 'training'")).toEqual(["r1", "r3", "r5"]);
      expect(await matching("datasets.name IN ('train-b', 'nothing')")).toEqual(["r3"]);
    });

    it("joins clauses with AND (any case)", async () => {
      expect(await matching("metrics.acc > 0.4 and params.model = 'rf'")).toEqual(["r1", "r3"]);
      expect(await matching("params.model = 'rf' AND tags.team = 'a' AND attributes.status = 'FAILED'")).toEqual([
        "r3",
      ]);
      expect(await matching("metrics.acc > 0.95")).toEqual([]);
    });

    it("orders by metrics, params and attributes; runs without the value come last either way", async () => {
      expect(await search({ orderBy: ["metrics.acc DESC"] })).toEqual(["r1", "r3", "r2", "r5", "r4"]);
      expect(await search({ orderBy: ["metrics.acc ASC"] })).toEqual(["r5", "r2", "r3", "r1", "r4"]);
      expect(await search({ orderBy: ["metrics.loss"] })).toEqual(["r1", "r4", "r2", "r5", "r3"]);
      // ties broken by the default order: start_time DESC
      expect(await search({ orderBy: ["params.model ASC"] })).toEqual(["r2", "r4", "r3", "r1", "r5"]);
      expect(await search({ orderBy: ["attributes.start_time ASC"] })).toEqual(["r1", "r2", "r3", "r4", "r5"]);
      expect(await search({ orderBy: ["tags.team DESC", "attributes.run_name ASC"] })).toEqual([
        "r2",
        "r5",
        "r1",
        "r3",
        "r4",
      ]);
    });

    it("searches several experiments at once; an unknown experiment id adds nothing", async () => {
      const all = await search({ experimentIds: [exp, other], orderBy: ["attributes.start_time DESC"] });
      expect(all).toEqual(["?", "r5", "r4", "r3", "r2", "r1"]);
      expect(await search({ experimentIds: [UNKNOWN_EXPERIMENT_ID] })).toEqual([]);
      expect(await search({ experimentIds: [exp, UNKNOWN_EXPERIMENT_ID] })).toEqual(["r5", "r4", "r3", "r2", "r1"]);
    });

    it("filters and orders on the latest value of a metric, not on any logged point", async () => {
      const e = await newExperiment(ctx, "latest");
      const a = await ctx.store.createRun({ experimentId: e, runName: "a", startTime: T });
      const b = await ctx.store.createRun({ experimentId: e, runName: "b", startTime: T + 1 });
      // a: 0.9 then 0.1 (latest 0.1); b: 0.6 at step 1 logged before 0.2 at step 0 (latest still 0.6)
      await ctx.store.logBatch(a.info.run_id, { metrics: [{ key: "acc", value: 0.9, timestamp: T, step: 0 }] });
      await ctx.store.logBatch(a.info.run_id, { metrics: [{ key: "acc", value: 0.1, timestamp: T, step: 1 }] });
      await ctx.store.logBatch(b.info.run_id, { metrics: [{ key: "acc", value: 0.6, timestamp: T, step: 1 }] });
      await ctx.store.logBatch(b.info.run_id, { metrics: [{ key: "acc", value: 0.2, timestamp: T + 9, step: 0 }] });
      const names = async (o: Partial<SearchRunsOptions>) =>
        (await ctx.store.searchRuns({ experimentIds: [e], ...o })).items.map((r) => r.info.run_name);
      expect(await names({ filter: "metrics.acc > 0.5" })).toEqual(["b"]);
      expect(await names({ filter: "metrics.acc < 0.15" })).toEqual(["a"]);
      expect(await names({ orderBy: ["metrics.acc DESC"] })).toEqual(["b", "a"]);
      expect(await names({ orderBy: ["metrics.acc ASC"] })).toEqual(["a", "b"]);
    });

    it("pages cover every run exactly once, in the unpaged order", async () => {
      for (const orderBy of [undefined, ["metrics.acc DESC"], ["params.model ASC"]]) {
        const whole = await search({ orderBy, viewType: "ALL" });
        const pages = await allPages(async (pageToken) =>
          ctx.store.searchRuns({ experimentIds: [exp], orderBy, viewType: "ALL", maxResults: 2, pageToken }),
        );
        expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
        expect(pages.flat().map((r) => nameOf[r.info.run_id])).toEqual(whole);
      }
      const first = await ctx.store.searchRuns({ experimentIds: [exp], maxResults: 5 });
      expect(first.items).toHaveLength(5);
      expect(first.next_page_token ?? "").toBe("");
    });

    it("a bad filter, order_by or max_results is INVALID_PARAMETER_VALUE", async () => {
      for (const filter of ["metrics.acc >", "params.model = rf", "nonsense.x = 'a'", "metrics.acc > 'a'"]) {
        await expectCode(ctx.store.searchRuns({ experimentIds: [exp], filter }), "INVALID_PARAMETER_VALUE");
      }
      await expectCode(
        ctx.store.searchRuns({ experimentIds: [exp], orderBy: ["metrics.acc SIDEWAYS"] }),
        "INVALID_PARAMETER_VALUE",
      );
      await expectCode(ctx.store.searchRuns({ experimentIds: [exp], maxResults: 0 }), "INVALID_PARAMETER_VALUE");
      await expectCode(ctx.store.searchRuns({ experimentIds: [exp], maxResults: 50001 }), "INVALID_PARAMETER_VALUE");
    });
  });
}
