/** Dataset inputs (dedup, tags, every field) and MLflow 3's model inputs and outputs of a run. */
import { describe, expect, it } from "vitest";
import type { Dataset, DatasetInput } from "../../src/tracking/entities.js";
import { MAX_DATASET_NAME_SIZE } from "../../src/tracking/validation.js";
import { expectCode, newExperiment, newRun, type SuiteContext, sorted } from "./context.js";

const DATASET: Dataset = {
  name: "iris-head",
  digest: "4198cf1b",
  source_type: "code",
  source: '{"tags": {"mlflow.user": "root", "mlflow.source.type": "LOCAL"}}',
  schema: '{"mlflow_colspec": [{"type": "double", "name": "x1", "required": true}]}',
  profile: '{"num_rows": 20, "num_elements": 80}',
};
const training = (dataset: Dataset, context = "training"): DatasetInput => ({
  tags: [{ key: "mlflow.data.context", value: context }],
  dataset,
});

export function describeInputs(ctx: SuiteContext): void {
  describe("dataset inputs", () => {
    it("a run lists its dataset with every field and its input tags", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logInputs(id, [training(DATASET)]);
      const inputs = (await ctx.store.getRun(id)).inputs.dataset_inputs;
      expect(inputs).toEqual([training(DATASET)]);
    });

    it("the same dataset logged again is listed once; another one is added", async () => {
      const id = (await newRun(ctx)).info.run_id;
      await ctx.store.logInputs(id, [training(DATASET)]);
      await ctx.store.logInputs(id, [training(DATASET)]);
      const tail: Dataset = { name: "iris-tail", digest: "abc123", source_type: "local", source: '{"uri": "x.csv"}' };
      await ctx.store.logInputs(id, [training(DATASET), training(tail, "eval")]);
      const inputs = (await ctx.store.getRun(id)).inputs.dataset_inputs;
      expect(sorted(inputs, (i) => i.dataset.name)).toEqual([training(DATASET), training(tail, "eval")]);
      // the one without schema or profile has none (absent, not "")
      const got = inputs.find((i) => i.dataset.name === "iris-tail")?.dataset;
      expect(got?.schema ?? undefined).toBeUndefined();
      expect(got?.profile ?? undefined).toBeUndefined();
    });

    it("two runs of one experiment share a dataset; each lists it", async () => {
      const exp = await newExperiment(ctx);
      const a = (await newRun(ctx, exp)).info.run_id;
      const b = (await newRun(ctx, exp)).info.run_id;
      await ctx.store.logInputs(a, [training(DATASET)]);
      await ctx.store.logInputs(b, [training(DATASET, "eval")]);
      expect((await ctx.store.getRun(a)).inputs.dataset_inputs).toEqual([training(DATASET)]);
      expect((await ctx.store.getRun(b)).inputs.dataset_inputs).toEqual([training(DATASET, "eval")]);
    });

    it("a dataset name over MLflow's limit is INVALID_PARAMETER_VALUE and nothing is logged", async () => {
      const id = (await newRun(ctx)).info.run_id;
      const long = { ...DATASET, name: "n".repeat(MAX_DATASET_NAME_SIZE + 1) };
      await expectCode(ctx.store.logInputs(id, [training(DATASET), training(long)]), "INVALID_PARAMETER_VALUE");
      expect((await ctx.store.getRun(id)).inputs.dataset_inputs).toEqual([]);
    });
  });

  describe("model inputs and outputs (MLflow 3)", () => {
    it("logOutputs lists the run's logged models with their steps", async () => {
      const run = await newRun(ctx);
      const id = run.info.run_id;
      const model = await ctx.store.createLoggedModel({ experimentId: run.info.experiment_id, sourceRunId: id });
      const other = await ctx.store.createLoggedModel({ experimentId: run.info.experiment_id });
      await ctx.store.logOutputs(id, [{ model_id: model.info.model_id, step: 0 }]);
      await ctx.store.logOutputs(id, [{ model_id: other.info.model_id, step: 3 }]);
      const outputs = (await ctx.store.getRun(id)).outputs?.model_outputs ?? [];
      expect(sorted(outputs, (o) => String(o.step))).toEqual([
        { model_id: model.info.model_id, step: 0 },
        { model_id: other.info.model_id, step: 3 },
      ]);
    });

    it("logInputs with models lists them as the run's model inputs, with or without datasets", async () => {
      const run = await newRun(ctx);
      const id = run.info.run_id;
      const model = await ctx.store.createLoggedModel({ experimentId: run.info.experiment_id });
      await ctx.store.logInputs(id, [], [{ model_id: model.info.model_id }]);
      let got = await ctx.store.getRun(id);
      expect(got.inputs.model_inputs).toEqual([{ model_id: model.info.model_id }]);
      const second = await ctx.store.createLoggedModel({ experimentId: run.info.experiment_id });
      await ctx.store.logInputs(id, [training(DATASET)], [{ model_id: second.info.model_id }]);
      got = await ctx.store.getRun(id);
      expect(sorted(got.inputs.model_inputs ?? [], (i) => i.model_id)).toEqual(
        sorted([{ model_id: model.info.model_id }, { model_id: second.info.model_id }], (i) => i.model_id),
      );
      expect(got.inputs.dataset_inputs).toEqual([training(DATASET)]);
    });

    it("a run with neither has no model inputs or outputs", async () => {
      const got = await ctx.store.getRun((await newRun(ctx)).info.run_id);
      expect(got.inputs.model_inputs ?? []).toEqual([]);
      expect(got.outputs?.model_outputs ?? []).toEqual([]);
    });
  });
}
