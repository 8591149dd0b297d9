/**
 * Calls in flight at once on one store (as several `train` processes or server requests make them): nothing
 * lost, numbers handed out once, a unique name taken once, a param's first value kept.
 */
import { describe, expect, it } from "vitest";
import { newRun, type SuiteContext, uniq } from "./context.js";

/** The outcomes of calls started together: values of the fulfilled ones, codes of the rejected ones. */
async function together<T>(calls: (() => Promise<T>)[]) {
  const settled = await Promise.allSettled(calls.map((c) => c()));
  const values = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const codes = settled.flatMap((s) =>
    s.status === "rejected" ? [(s.reason as { code?: string }).code ?? String(s.reason)] : [],
  );
  return { values, codes };
}

export function describeConcurrency(ctx: SuiteContext): void {
  describe("calls at once", () => {
    it("batches logged at once to one run are all kept", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const { codes } = await together(
        Array.from(
          { length: 12 },
          (_, i) => () =>
            ctx.store.logBatch(id, {
              metrics: Array.from({ length: 50 }, (_, j) => ({
                key: "loss",
                value: j,
                timestamp: 1000 + i,
                step: i * 50 + j,
              })),
              params: [{ key: `p${i}`, value: String(i) }],
              tags: [{ key: `t${i}`, value: String(i) }],
            }),
        ),
      );
      expect(codes).toEqual([]);
      const run = await ctx.store.getRun(id);
      expect(run.data.params).toHaveLength(12);
      expect(run.data.tags.filter((t) => /^t\d+$/.test(t.key))).toHaveLength(12);
      expect(await ctx.store.getMetricHistory(id, "loss")).toHaveLength(600);
      expect(run.data.metrics.find((m) => m.key === "loss")).toMatchObject({ step: 599, value: 49 });
    });

    it("versions created at once get the numbers 1..n, each once", async () => {
      const name = uniq("mv-race");
      await ctx.store.createRegisteredModel(name);
      const { values, codes } = await together(
        Array.from({ length: 8 }, () => () => ctx.store.createModelVersion({ name, source: "file:///tmp/model" })),
      );
      expect(codes).toEqual([]);
      expect(values.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it("one experiment name created at once: one experiment, the others RESOURCE_ALREADY_EXISTS", async () => {
      const exp = uniq("exp-race");
      const made = await together(Array.from({ length: 5 }, () => () => ctx.store.createExperiment(exp)));
      expect(made.values).toHaveLength(1);
      expect(made.codes).toEqual(Array(4).fill("RESOURCE_ALREADY_EXISTS"));
      expect((await ctx.store.getExperimentByName(exp))?.experiment_id).toBe(made.values[0]);
    });

    it("one registered model name created at once: one model, the others RESOURCE_ALREADY_EXISTS", async () => {
      const model = uniq("rm-race");
      const models = await together(Array.from({ length: 5 }, () => () => ctx.store.createRegisteredModel(model)));
      expect(models.values).toHaveLength(1);
      expect(models.codes).toEqual(Array(4).fill("RESOURCE_ALREADY_EXISTS"));
    });

    it("one param logged at once with different values: one value wins and stays, the others are refused", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const { codes } = await together(
        Array.from({ length: 6 }, (_, i) => () => ctx.store.logParam(id, { key: "lr", value: `0.${i + 1}` })),
      );
      expect(codes).toEqual(Array(5).fill("INVALID_PARAMETER_VALUE"));
      const params = (await ctx.store.getRun(id)).data.params;
      expect(params).toHaveLength(1);
      // the value kept is one that was logged, and logging it again is still fine
      await ctx.store.logParam(id, params[0]);
    });
  });
}
