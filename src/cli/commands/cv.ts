import type { Command } from "commander";
import { encodeLabels } from "../../core/labels.js";
import { CV_METRICS, crossValidate } from "../../core/model-selection.js";
import type { ParamValue } from "../../core/params.js";
import { buildPipeline, DEFAULT_PIPELINE } from "../../core/pipelines.js";
import { readDataForCommand } from "../read-data.js";
import { collectParam, fmt, integer, positiveInt } from "../util.js";
import { pipelinesHelp } from "./pipelines-help.js";

export function registerCv(program: Command): void {
  program
    .command("cv")
    .description("stratified k-fold cross-validation of a pipeline: mean and spread of each metric")
    .requiredOption("--data <csv>", "labelled HaGRID landmark CSV")
    .option("--pipeline <name>", "pipeline to evaluate", DEFAULT_PIPELINE)
    .option("--param <key=value>", "override a parameter (repeatable)", collectParam, {})
    .option("--folds <n>", "number of folds", positiveInt("--folds"), 5)
    .option("--seed <n>", "shuffle seed for the folds", integer("--seed"), 42)
    .option("--skip-invalid", "skip malformed rows (and report them) instead of stopping")
    .option("--json", "print one JSON object")
    .addHelpText("after", pipelinesHelp)
    .action(
      async (opts: {
        data: string;
        pipeline: string;
        param: Record<string, ParamValue>;
        folds: number;
        seed: number;
        skipInvalid?: boolean;
        json?: boolean;
      }) => {
        buildPipeline(opts.pipeline, opts.param); // validate names and params before reading data
        const table = await readDataForCommand(opts.data, opts.skipInvalid);
        const y = encodeLabels(table.labels);
        const res = crossValidate(() => buildPipeline(opts.pipeline, opts.param), table.X, y, opts.folds, {
          seed: opts.seed,
          onFold: opts.json
            ? undefined
            : (f) =>
                console.error(
                  `fold ${f.fold + 1}/${opts.folds}: macro-F1 ${fmt(f.report.macro_f1)} (fit ${fmt(f.fitMs / 1000, 2)} s)`,
                ),
        });
        for (const w of res.warnings) console.error(`warning: ${w}`);
        if (opts.json) {
          const scores = Object.fromEntries(CV_METRICS.map((m) => [m, res.scores[m]]));
          console.log(
            JSON.stringify({
              pipeline: opts.pipeline,
              params: buildPipeline(opts.pipeline, opts.param).getParams(),
              folds: opts.folds,
              seed: opts.seed,
              rows: table.X.rows,
              ...scores,
              fit_seconds: res.fitTimesMs.map((t) => t / 1000),
            }),
          );
          return;
        }
        console.log(`${opts.pipeline}, ${opts.folds}-fold stratified CV (seed ${opts.seed}), ${table.X.rows} rows`);
        for (const m of CV_METRICS) {
          const s = res.scores[m];
          console.log(
            `  ${m.padEnd(16)} ${fmt(s.mean)} ± ${fmt(s.std)}  [${s.values.map((v) => fmt(v, 3)).join(" ")}]`,
          );
        }
      },
    );
}
