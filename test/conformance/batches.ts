/** logBatch: metrics, params and tags together; all or nothing; params immutable; MLflow's limits. */
import { describe, expect, it } from "vitest";
import type { Metric } from "../../src/tracking/entities.js";
import {
  MAX_ENTITY_KEY_LENGTH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAM_VAL_LENGTH,
  MAX_PARAMS_TAGS_PER_BATCH,
} from "../../src/tracking/validation.js";
import { expectCode, newRun, type SuiteContext, valuesByKey } from "./context.js";

const point = (key: string, value: number, step = 0, timestamp = 1795504138784): Metric => ({
  key,
  value,
  timestamp,
  step,
});

export function describeBatches(ctx: SuiteContext): void {
  describe("logBatch", () => {
    it("stores metrics, params and tags of one batch", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logBatch(id, {
        metrics: [point("acc", 0.5, 0), point("acc", 0.75, 1), point("cv/f1", 0.25)],
        params: [
          { key: "C", value: "1.0" },
          { key: "long", value: "x".repeat(MAX_PARAM_VAL_LENGTH) },
        ],
        tags: [{ key: "team", value: "hands" }],
      });
      const run = await ctx.store.getRun(id);
      expect(valuesByKey(run.data.params)).toEqual({ C: "1.0", long: "x".repeat(MAX_PARAM_VAL_LENGTH) });
      expect(valuesByKey(run.data.tags).team).toBe("hands");
      const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, [m.value, m.step]]));
      expect(metrics).toEqual({ acc: [0.75, 1], "cv/f1": [0.25, 0] });
      expect(await ctx.store.getMetricHistory(id, "acc")).toHaveLength(2);
    });

    it("an empty batch is accepted and changes nothing", async () => {
      const run = await newRun(ctx);
      await ctx.store.logBatch(run.info.run_id, {});
      await ctx.store.logBatch(run.info.run_id, { metrics: [], params: [], tags: [] });
      const got = await ctx.store.getRun(run.info.run_id);
      expect(got.data.metrics).toEqual([]);
      expect(got.data.params).toEqual([]);
    });

    it("a param logged again with the same value is fine; another value is INVALID_PARAMETER_VALUE", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logParam(id, { key: "lr", value: "0.1" });
      await ctx.store.logParam(id, { key: "lr", value: "0.1" });
      await ctx.store.logBatch(id, { params: [{ key: "lr", value: "0.1" }] });
      await expectCode(ctx.store.logParam(id, { key: "lr", value: "0.2" }), "INVALID_PARAMETER_VALUE");
      expect((await ctx.store.getRun(id)).data.params).toEqual([{ key: "lr", value: "0.1" }]);
    });

    it("a batch with a conflicting param stores nothing of the batch", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logParam(id, { key: "lr", value: "0.1" });
      await expectCode(
        ctx.store.logBatch(id, {
          metrics: [point("acc", 0.9)],
          params: [
            { key: "a", value: "1" },
            { key: "lr", value: "0.2" },
            { key: "z", value: "26" },
          ],
          tags: [{ key: "t", value: "v" }],
        }),
        "INVALID_PARAMETER_VALUE",
      );
      const run = await ctx.store.getRun(id);
      expect(run.data.params).toEqual([{ key: "lr", value: "0.1" }]);
      expect(run.data.metrics).toEqual([]);
      expect(valuesByKey(run.data.tags).t).toBeUndefined();
      expect(await ctx.store.getMetricHistory(id, "acc")).toEqual([]);
    });

    it("a batch with one invalid entry stores nothing of the batch", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const good = {
        metrics: [point("acc", 0.9)],
        params: [{ key: "a", value: "1" }],
        tags: [{ key: "t", value: "v" }],
      };
      const invalid = [
        { params: [{ key: "too-long", value: "x".repeat(MAX_PARAM_VAL_LENGTH + 1) }] },
        { params: [{ key: "k".repeat(MAX_ENTITY_KEY_LENGTH + 1), value: "1" }] },
        { params: [{ key: "../escape", value: "1" }] },
        { tags: [{ key: "/abs", value: "1" }] },
        { metrics: [point("bad", 1, 0, -1)] },
        // the same key twice in one batch, even with one value (MLflow's _validate_param_keys_unique)
        {
          params: [
            { key: "twice", value: "1" },
            { key: "twice", value: "1" },
          ],
        },
      ];
      for (const bad of invalid) {
        await expectCode(
          ctx.store.logBatch(id, {
            metrics: [...good.metrics, ...(bad.metrics ?? [])],
            params: [...good.params, ...(bad.params ?? [])],
            tags: [...good.tags, ...(bad.tags ?? [])],
          }),
          "INVALID_PARAMETER_VALUE",
        );
      }
      const run = await ctx.store.getRun(id);
      expect(run.data.params).toEqual([]);
      expect(run.data.metrics).toEqual([]);
      expect(valuesByKey(run.data.tags).t).toBeUndefined();
    });

    it("over MLflow's per-request limits: refused whole, or (REST store) split and stored whole", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const metrics = Array.from({ length: MAX_METRICS_PER_BATCH + 1 }, (_, i) => point("many", i, i));
      const params = Array.from({ length: MAX_PARAMS_TAGS_PER_BATCH + 1 }, (_, i) => ({ key: `p${i}`, value: "v" }));
      if (ctx.traits.splitsLargeBatches) {
        await ctx.store.logBatch(id, { metrics, params });
        expect(await ctx.store.getMetricHistory(id, "many")).toHaveLength(metrics.length);
        expect((await ctx.store.getRun(id)).data.params).toHaveLength(params.length);
        return;
      }
      await expectCode(ctx.store.logBatch(id, { metrics }), "INVALID_PARAMETER_VALUE");
      await expectCode(ctx.store.logBatch(id, { params }), "INVALID_PARAMETER_VALUE");
      await expectCode(
        ctx.store.logBatch(id, { tags: params.map((p) => ({ key: p.key, value: p.value })) }),
        "INVALID_PARAMETER_VALUE",
      );
      // exactly at the limits is fine
      await ctx.store.logBatch(id, { metrics: metrics.slice(0, MAX_METRICS_PER_BATCH) });
      await ctx.store.logBatch(id, { params: params.slice(0, MAX_PARAMS_TAGS_PER_BATCH) });
      expect(await ctx.store.getMetricHistory(id, "many")).toHaveLength(MAX_METRICS_PER_BATCH);
      expect((await ctx.store.getRun(id)).data.params).toHaveLength(MAX_PARAMS_TAGS_PER_BATCH);
    });
  });
}
