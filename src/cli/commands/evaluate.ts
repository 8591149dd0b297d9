import type { Command } from "commander";
import { HandgestureError } from "../../core/errors.js";
import { argmaxRows } from "../../core/estimator.js";
import { encodeLabels } from "../../core/labels.js";
import { classificationReport, formatReport } from "../../core/metrics.js";
import { readModel } from "../../node/model-io.js";
import { readDataForCommand } from "../read-data.js";

export function registerEvaluate(program: Command): void {
  program
    .command("evaluate")
    .description("score a model file on a labelled landmark CSV")
    .requiredOption("--model <model.json>", "model file written by `handgesture fit`")
    .requiredOption("--data <csv>", "labelled HaGRID landmark CSV")
    .option("--json", "print one JSON object (accuracy, macro_f1, weighted_f1, per_class, confusion, ...)")
    .option("--skip-invalid", "skip malformed rows (and report them) instead of stopping")
    .action(async (opts: { model: string; data: string; json?: boolean; skipInvalid?: boolean }) => {
      const { model } = await readModel(opts.model);
      const table = await readDataForCommand(opts.data, opts.skipInvalid);
      const classes = model.classes;
      const unknown = [...new Set(table.labels)].filter((l) => !classes.includes(l));
      if (unknown.length > 0) {
        throw new HandgestureError(
          `${opts.data} has labels the model does not know: ${unknown.join(", ")} (model classes: ${classes.join(", ")})`,
        );
      }
      const y = encodeLabels(table.labels, classes);
      const pred = argmaxRows(model.predictProba(table.X));
      const report = classificationReport(y.codes, pred, classes);
      if (opts.json) console.log(JSON.stringify({ rows: table.X.rows, model: opts.model, ...report }));
      else {
        console.log(`${opts.model} on ${opts.data} (${table.X.rows} rows)\n`);
        console.log(formatReport(report));
      }
    });
}
