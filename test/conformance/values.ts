/**
 * Values that stores get wrong at their edges: text beyond ASCII (SQL encodings), numbers beyond 32 bits (BIGINT
 * columns read back as strings), floating point kept exactly, an experiment's own artifact location.
 */
import { describe, expect, it } from "vitest";
import { MAX_PARAM_VAL_LENGTH } from "../../src/tracking/validation.js";
import { expectCode, newRun, type SuiteContext, uniq, valuesByKey } from "./context.js";

const TEXT = "ünïcødé ✋🏽 \"quoted\" 'single' back\\slash\nnew line\ttab 日本語";

export function describeValues(ctx: SuiteContext): void {
  describe("values at the edges", () => {
    it("text beyond ASCII round-trips in names, params, tags and descriptions", async () => {
      const expName = uniq("exp-ünï-日本");
      const exp = await ctx.store.createExperiment(expName, [{ key: "nötes", value: TEXT }]);
      expect((await ctx.store.getExperimentByName(expName))?.experiment_id).toBe(exp);
      expect((await ctx.store.getExperiment(exp)).tags).toEqual([{ key: "nötes", value: TEXT }]);
      const run = await ctx.store.createRun({ experimentId: exp, runName: "rün-✋" });
      const id = run.info.run_id;
      const long = "é".repeat(MAX_PARAM_VAL_LENGTH); // the limit counts characters, not bytes
      await ctx.store.logBatch(id, {
        params: [
          { key: "text", value: TEXT },
          { key: "long", value: long },
          { key: "empty", value: "" },
        ],
        tags: [{ key: "größe", value: TEXT }],
      });
      const got = await ctx.store.getRun(id);
      expect(got.info.run_name).toBe("rün-✋");
      expect(valuesByKey(got.data.params)).toEqual({ text: TEXT, long, empty: "" });
      expect(valuesByKey(got.data.tags).größe).toBe(TEXT);
      const filtered = await ctx.store.searchRuns({ experimentIds: [exp], filter: "tags.`größe` LIKE 'ünï%'" });
      expect(filtered.items.map((r) => r.info.run_id)).toEqual([id]);
      const model = uniq("modèle-✋");
      await ctx.store.createRegisteredModel(model, [{ key: "k", value: TEXT }], TEXT);
      expect(await ctx.store.getRegisteredModel(model)).toMatchObject({ name: model, description: TEXT });
    });

    it("steps and timestamps beyond 32 bits come back as the same numbers", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const big = { key: "big", value: 1, timestamp: 4102444800000, step: 3_000_000_000 };
      const neg = { key: "big", value: 2, timestamp: 4102444800001, step: -3_000_000_000 };
      await ctx.store.logBatch(id, { metrics: [big, neg] });
      const history = (await ctx.store.getMetricHistory(id, "big")).sort((a, b) => a.step - b.step);
      expect(history.map((p) => [typeof p.step, p.step, typeof p.timestamp, p.timestamp])).toEqual([
        ["number", neg.step, "number", neg.timestamp],
        ["number", big.step, "number", big.timestamp],
      ]);
      const latest = (await ctx.store.getRun(id)).data.metrics[0];
      expect([latest.step, latest.timestamp, latest.value]).toEqual([big.step, big.timestamp, 1]);
      const info = await ctx.store.updateRunInfo(id, "FINISHED", 4102444800123);
      expect(info.end_time).toBe(4102444800123);
      expect((await ctx.store.getRun(id)).info.end_time).toBe(4102444800123);
    });

    it("metric values keep every bit of a double", async () => {
      const id = (await newRun(ctx)).info.run_id;
      // (not ±Number.MAX_VALUE: a SQL store may read that back as ±Infinity, see metrics.ts)
      const values = [0.1 + 0.2, 1 / 3, 1e-300, -1e308, 123456789.12345679, 2 ** 53 + 2, -0.5];
      await ctx.store.logBatch(id, { metrics: values.map((value, step) => ({ key: "x", value, timestamp: 1, step })) });
      const history = (await ctx.store.getMetricHistory(id, "x")).sort((a, b) => a.step - b.step);
      expect(history.map((p) => p.value)).toEqual(values);
    });

    it("an experiment's own artifact location is kept, and its runs' artifacts go under it", async () => {
      const location = "file:///tmp/hg-conformance-artifacts/own-place";
      if (ctx.traits.refusesArtifactLocation) {
        await expectCode(ctx.store.createExperiment(uniq("located"), [], location), "INVALID_PARAMETER_VALUE");
        return;
      }
      const exp = await ctx.store.createExperiment(uniq("located"), [], location);
      expect((await ctx.store.getExperiment(exp)).artifact_location).toBe(location);
      const run = await ctx.store.createRun({ experimentId: exp });
      expect(run.info.artifact_uri).toBe(`${location}/${run.info.run_id}/artifacts`);
    });
  });
}
