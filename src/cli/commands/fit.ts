import type { Command } from "commander";
import { tableDigest } from "../../core/digest.js";
import { HandgestureError } from "../../core/errors.js";
import { encodeLabels } from "../../core/labels.js";
import type { ParamValue } from "../../core/params.js";
import { buildPipeline, DEFAULT_PIPELINE } from "../../core/pipelines.js";
import { DEFAULT_TARGET_RECALL, Rejector } from "../../core/rejection.js";
import { saveModel } from "../../node/model-io.js";
import { VERSION } from "../../node/version.js";
import { readDataForCommand } from "../read-data.js";
import { collectParam, fmt, formatBytes, positiveNumber } from "../util.js";
import { pipelinesHelp } from "./pipelines-help.js";

export function registerFit(program: Command): void {
  program
    .command("fit")
    .description("fit one pipeline on all rows of a landmark CSV and write the model file")
    .requiredOption("--data <csv>", "HaGRID landmark CSV (x1,y1,z1,...,z21,label)")
    .requiredOption("--out <model.json>", "where to write the model file")
    .option("--pipeline <name>", "pipeline to fit", DEFAULT_PIPELINE)
    .option("--param <key=value>", "override a parameter (repeatable), e.g. mlp__alpha=0.3", collectParam, {})
    .option("--no-reject", 'fit no rejector: the model never says "no gesture" by itself')
    .option(
      "--reject-recall <r>",
      'share of held-out gestures the rejection threshold keeps (the rest become "no gesture")',
      positiveNumber("--reject-recall"),
      DEFAULT_TARGET_RECALL,
    )
    .option("--skip-invalid", "skip malformed rows (and report them) instead of stopping")
    .option("--json", "print a JSON summary")
    .addHelpText("after", pipelinesHelp)
    .action(
      async (opts: {
        data: string;
        out: string;
        pipeline: string;
        param: Record<string, ParamValue>;
        skipInvalid?: boolean;
        json?: boolean;
        reject: boolean;
        rejectRecall: number;
      }) => {
        const model = buildPipeline(opts.pipeline, opts.param);
        const table = await readDataForCommand(opts.data, opts.skipInvalid);
        const y = encodeLabels(table.labels);
        const t0 = performance.now();
        model.fit(table.X, y);
        if (opts.reject) {
          try {
            model.rejector = Rejector.fit(table.X, y, { targetRecall: opts.rejectRecall });
          } catch (e) {
            if (!(e instanceof HandgestureError)) throw e;
            console.error(`warning: no rejector (the model will never say "no gesture"): ${e.message}`);
          }
        }
        const fitMs = performance.now() - t0;
        const counts: Record<string, number> = {};
        for (const l of table.labels) counts[l] = (counts[l] ?? 0) + 1;
        const bytes = await saveModel(opts.out, model, {
          pipeline_name: opts.pipeline,
          params: model.getParams(),
          created_at: new Date().toISOString(),
          rows: table.X.rows,
          class_counts: counts,
          data_source: opts.data,
          data_digest: await tableDigest(table),
          fit_seconds: fitMs / 1000,
          library_version: VERSION,
        });
        const summary = {
          model: opts.out,
          pipeline: opts.pipeline,
          rows: table.X.rows,
          classes: y.classes.length,
          skipped: table.skipped.length,
          fit_seconds: fitMs / 1000,
          bytes,
          rejection: model.rejector
            ? { method: model.rejector.method, threshold: model.rejector.threshold, ...model.rejector.calibration }
            : null,
        };
        if (opts.json) console.log(JSON.stringify(summary));
        else {
          console.log(
            `fitted ${opts.pipeline} on ${table.X.rows} rows, ${y.classes.length} classes in ${fmt(fitMs / 1000, 2)} s`,
          );
          const r = model.rejector;
          if (r) {
            console.log(
              `rejection: ${r.method}, threshold ${fmt(r.threshold, 3)} (keeps ${fmt(r.calibration.heldout_acceptance, 3)} of ${r.calibration.heldout_rows} held-out gestures)`,
            );
          }
          console.log(`wrote ${opts.out} (${formatBytes(bytes)})`);
        }
      },
    );
}
