import type { Command } from "commander";
import { HandgestureError } from "../../core/errors.js";
import { argmaxRows } from "../../core/estimator.js";
import { encodeLabels } from "../../core/labels.js";
import { HAND_DIM } from "../../core/landmarks.js";
import { classificationReport, formatReport } from "../../core/metrics.js";
import { synthesizeNegatives } from "../../core/negatives.js";
import { rejectionSummary, reportWithRejection } from "../../core/rejection-metrics.js";
import { readModel, writeFileAtomic } from "../../node/model-io.js";
import { rejectionCurvePng } from "../../report/charts.js";
import { readDataForCommand } from "../read-data.js";
import { fmt, positiveInt } from "../util.js";

export function registerEvaluate(program: Command): void {
  program
    .command("evaluate")
    .description("score a model file on a labelled landmark CSV (and its rejection, when the model has one)")
    .requiredOption("--model <model.json>", "model file written by `handgesture fit`")
    .requiredOption("--data <csv>", "labelled HaGRID landmark CSV")
    .option("--json", "print one JSON object (accuracy, macro_f1, weighted_f1, per_class, confusion, ...)")
    .option(
      "--negatives <n>",
      "synthetic non-gestures per kind made from the data's hands, for the rejection figures",
      positiveInt("--negatives"),
      100,
    )
    .option("--curve <png>", "write the rejection curve (gestures named against non-gestures accepted) as a PNG")
    .option("--skip-invalid", "skip malformed rows (and report them) instead of stopping")
    .action(
      async (opts: {
        model: string;
        data: string;
        json?: boolean;
        skipInvalid?: boolean;
        negatives: number;
        curve?: string;
      }) => {
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
        const P = model.predictProba(table.X);
        const pred = argmaxRows(P);
        const report = classificationReport(y.codes, pred, classes);
        const rejector = model.rejector;
        if (!rejector && opts.curve) throw new HandgestureError(`${opts.model} has no rejector: no curve to draw`);
        let rejection: Record<string, unknown> | null = null;
        let withRejection: ReturnType<typeof reportWithRejection> | null = null;
        if (rejector) {
          const rejected = Array.from({ length: table.X.rows }, (_, i) => {
            const x = table.X.data.subarray(i * HAND_DIM, (i + 1) * HAND_DIM);
            return !rejector.accepts(rejector.scoreRow(x, P.data.subarray(i * P.cols, (i + 1) * P.cols)));
          });
          withRejection = reportWithRejection(y.codes, pred, rejected, classes);
          const negs = synthesizeNegatives(table.X, y, opts.negatives);
          const summary = rejectionSummary(model, table.X, y, negs.X, negs.kinds);
          rejection = { method: rejector.method, ...summary };
          if (opts.curve) {
            const png = await rejectionCurvePng(summary.curve, [
              {
                label: `threshold ${fmt(summary.threshold, 2)}`,
                gesture_recall: summary.gesture_recall,
                nongesture_acceptance: summary.nongesture_acceptance,
              },
            ]);
            await writeFileAtomic(opts.curve, png);
          }
        }
        if (opts.json) {
          console.log(
            JSON.stringify({
              rows: table.X.rows,
              model: opts.model,
              ...report,
              with_rejection: withRejection
                ? {
                    accuracy: withRejection.accuracy,
                    macro_f1: withRejection.macro_f1,
                    weighted_f1: withRejection.weighted_f1,
                  }
                : null,
              rejection,
            }),
          );
          return;
        }
        console.log(`${opts.model} on ${opts.data} (${table.X.rows} rows)\n`);
        console.log(formatReport(report));
        if (rejection && withRejection) {
          const s = rejection as unknown as ReturnType<typeof rejectionSummary> & { method: string };
          console.log(
            `\nrejection (${s.method}, threshold ${fmt(s.threshold, 3)}): macro-F1 ${fmt(withRejection.macro_f1)} with a rejected gesture counted as an error`,
          );
          console.log(`  gestures named correctly   ${fmt(s.gesture_recall)}  (accepted ${fmt(s.gesture_acceptance)})`);
          console.log(
            `  non-gestures accepted      ${fmt(s.nongesture_acceptance)} of ${s.nongestures} synthetic: ${Object.entries(
              s.by_kind,
            )
              .map(([k, v]) => `${k} ${fmt(v, 3)}`)
              .join(", ")}`,
          );
          console.log(`  area under the curve       ${fmt(s.auc)}`);
          if (opts.curve) console.log(`  curve written to ${opts.curve}`);
        }
      },
    );
}
