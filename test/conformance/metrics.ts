/**
 * Metrics: which point is the latest (MLflow: greatest step, then timestamp, then value), NaN and ±Infinity, and
 * getMetricHistory (every point, 10,000 of them).
 *
 * Special values, as each store keeps them: the file store writes `nan`/`inf`/`-inf` and reads them back as they
 * were. MLflow's SQL store (docs/mlflow3-compat.md §10) keeps NaN as 0.0 with is_nan = 1, so NaN comes back NaN,
 * but ±Infinity as ±1.7976931348623157e308 (Number.MAX_VALUE), which its own client reads back as that finite
 * number. So the contract promises: NaN round-trips everywhere; +Infinity comes back as +Infinity or
 * +Number.MAX_VALUE (−Infinity likewise), and orders above every finite value below it.
 */
import { describe, expect, it } from "vitest";
import type { Metric } from "../../src/tracking/entities.js";
import { newRun, type SuiteContext, sorted } from "./context.js";

const latestOf = async (ctx: SuiteContext, runId: string, key: string) =>
  (await ctx.store.getRun(runId)).data.metrics.find((m) => m.key === key);

const m = (value: number, step: number, timestamp: number, key = "acc"): Metric => ({ key, value, step, timestamp });

function expectPlusInfinity(v: number | undefined): void {
  expect(v === Number.POSITIVE_INFINITY || v === Number.MAX_VALUE, `+Infinity came back as ${v}`).toBe(true);
}
function expectMinusInfinity(v: number | undefined): void {
  expect(v === Number.NEGATIVE_INFINITY || v === -Number.MAX_VALUE, `-Infinity came back as ${v}`).toBe(true);
}

export function describeMetrics(ctx: SuiteContext): void {
  describe("metrics", () => {
    it("the latest value is the point with the greatest step, then timestamp, then value (logged one by one)", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logMetric(id, m(1, 0, 100));
      expect(await latestOf(ctx, id, "acc")).toMatchObject({ value: 1, step: 0, timestamp: 100 });
      await ctx.store.logMetric(id, m(2, 2, 50));
      // a later timestamp at a smaller step does not win
      await ctx.store.logMetric(id, m(9, 1, 900));
      expect(await latestOf(ctx, id, "acc")).toMatchObject({ value: 2, step: 2, timestamp: 50 });
      await ctx.store.logMetric(id, m(0.5, 2, 60));
      expect(await latestOf(ctx, id, "acc")).toMatchObject({ value: 0.5, step: 2, timestamp: 60 });
      // same step and timestamp: the greater value
      await ctx.store.logMetric(id, m(0.7, 2, 60));
      await ctx.store.logMetric(id, m(0.1, 2, 60));
      expect(await latestOf(ctx, id, "acc")).toMatchObject({ value: 0.7, step: 2, timestamp: 60 });
      // negative steps are steps too
      await ctx.store.logMetric(id, m(5, -1, 10_000, "neg"));
      await ctx.store.logMetric(id, m(6, -2, 20_000, "neg"));
      expect(await latestOf(ctx, id, "neg")).toMatchObject({ value: 5, step: -1 });
    });

    it("the same rules within one batch", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logBatch(id, { metrics: [m(3, 1, 10), m(1, 4, 5), m(2, 4, 5), m(8, 3, 99), m(1.5, 4, 5)] });
      expect(await latestOf(ctx, id, "acc")).toMatchObject({ value: 2, step: 4, timestamp: 5 });
      // and a later batch only replaces it with a greater point
      await ctx.store.logBatch(id, { metrics: [m(7, 4, 4), m(0, 3, 1000)] });
      expect(await latestOf(ctx, id, "acc")).toMatchObject({ value: 2, step: 4, timestamp: 5 });
      await ctx.store.logBatch(id, { metrics: [m(-1, 4, 6)] });
      expect(await latestOf(ctx, id, "acc")).toMatchObject({ value: -1, step: 4, timestamp: 6 });
    });

    it("NaN is kept as NaN; ±Infinity as ±Infinity or ±Number.MAX_VALUE (the SQL store's reading)", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logBatch(id, {
        metrics: [m(Number.NaN, 0, 1, "nan"), m(Number.POSITIVE_INFINITY, 0, 1, "pinf"), m(1e308, 1, 1, "pinf")],
      });
      await ctx.store.logMetric(id, m(Number.NEGATIVE_INFINITY, 0, 1, "ninf"));
      await ctx.store.logMetric(id, m(-0.5, 1, 2, "ninf"));
      expect((await latestOf(ctx, id, "nan"))?.value).toBeNaN();
      const [nan] = await ctx.store.getMetricHistory(id, "nan");
      expect(nan.value).toBeNaN();
      const pinf = sorted(await ctx.store.getMetricHistory(id, "pinf"), (p) => String(p.step));
      expectPlusInfinity(pinf[0].value);
      expect(pinf[1].value).toBe(1e308);
      const ninf = sorted(await ctx.store.getMetricHistory(id, "ninf"), (p) => String(p.step));
      expectMinusInfinity(ninf[0].value);
      expect(ninf[1].value).toBe(-0.5);
      // latest is by step: the finite points at step 1
      expect((await latestOf(ctx, id, "pinf"))?.value).toBe(1e308);
      expect((await latestOf(ctx, id, "ninf"))?.value).toBe(-0.5);
    });

    it("a point logged alone at +Infinity is the latest value, read back as the store keeps it", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logMetric(id, m(Number.POSITIVE_INFINITY, 0, 1, "only"));
      expectPlusInfinity((await latestOf(ctx, id, "only"))?.value);
    });

    it("history: every point with its value, step and timestamp; [] for a key never logged", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const points = [m(0.1, 0, 1000), m(0.2, 1, 1001), m(0.2, 1, 1002), m(0.05, 0, 1003), m(1e-7, 7, 5)];
      for (const p of points) await ctx.store.logMetric(id, p);
      const history = await ctx.store.getMetricHistory(id, "acc");
      const shape = (ps: Metric[]) => sorted(ps.map((p) => `${p.step}/${p.timestamp}/${p.value}/${p.key}`));
      expect(shape(history)).toEqual(shape(points));
      expect(await ctx.store.getMetricHistory(id, "never")).toEqual([]);
    });

    it("history of 10,000 points logged in batches of 1,000", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const n = 10_000;
      const t0 = 1795504138784;
      for (let start = 0; start < n; start += 1000) {
        const metrics = Array.from({ length: 1000 }, (_, i) => m((start + i) / 4, start + i, t0 + start + i, "loss"));
        await ctx.store.logBatch(id, { metrics });
      }
      const history = await ctx.store.getMetricHistory(id, "loss");
      expect(history).toHaveLength(n);
      const seen = new Uint8Array(n);
      for (const p of history) {
        expect(p.value).toBe(p.step / 4);
        expect(p.timestamp).toBe(t0 + p.step);
        seen[p.step] += 1;
      }
      expect(seen.every((c) => c === 1)).toBe(true);
      expect(await latestOf(ctx, id, "loss")).toMatchObject({ step: n - 1, value: (n - 1) / 4 });
    });
  });
}
