import type { Command } from "commander";
import { HandgestureError } from "../../core/errors.js";
import { encodeLabels, type Labels } from "../../core/labels.js";
import type { Matrix } from "../../core/matrix.js";
import { CV_METRICS, crossValidate } from "../../core/model-selection.js";
import type { ParamValue } from "../../core/params.js";
import { buildPipeline, DEFAULT_PIPELINE } from "../../core/pipelines.js";
import { DEFAULT_TARGET_RECALL } from "../../core/rejection.js";
import { crossValidateWithRejection } from "../../core/rejection-metrics.js";
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
    .option(
      "--reject [recall]",
      "also fit a rejector in each fold (threshold keeping this share of held-out gestures, default 0.99) and " +
        'score with a rejected gesture counted as an error; "no gesture" acceptance on synthetic negatives',
    )
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
        reject?: boolean | string;
      }) => {
        buildPipeline(opts.pipeline, opts.param); // validate names and params before reading data
        const table = await readDataForCommand(opts.data, opts.skipInvalid);
        const y = encodeLabels(table.labels);
        if (opts.reject !== undefined) return cvWithRejection(opts, table.X, y);
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

/** `cv --reject`: the same folds, each with its rejector; figures with and without rejection side by side. */
function cvWithRejection(
  opts: {
    pipeline: string;
    param: Record<string, ParamValue>;
    folds: number;
    seed: number;
    json?: boolean;
    reject?: boolean | string;
  },
  X: Matrix,
  y: Labels,
): void {
  const targetRecall = opts.reject === true ? DEFAULT_TARGET_RECALL : Number(opts.reject);
  if (!(targetRecall > 0 && targetRecall <= 1)) {
    throw new HandgestureError(`--reject must be a share in (0, 1], got "${opts.reject}"`);
  }
  const res = crossValidateWithRejection(() => buildPipeline(opts.pipeline, opts.param), X, y, opts.folds, {
    seed: opts.seed,
    rejection: { targetRecall },
    onFold: opts.json
      ? undefined
      : (f, r) => console.error(`fold ${f + 1}/${opts.folds}: macro-F1 with rejection ${fmt(r.macro_f1)}`),
  });
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  if (opts.json) {
    console.log(
      JSON.stringify({
        pipeline: opts.pipeline,
        params: buildPipeline(opts.pipeline, opts.param).getParams(),
        folds: opts.folds,
        seed: opts.seed,
        rows: X.rows,
        ...res.plain,
        reject_target_recall: targetRecall,
        with_rejection: res.scores,
        gesture_acceptance: res.acceptance,
        nongesture_acceptance: res.nongesture_acceptance,
      }),
    );
    return;
  }
  console.log(
    `${opts.pipeline}, ${opts.folds}-fold stratified CV (seed ${opts.seed}), ${X.rows} rows; rejection keeping ${targetRecall} of held-out gestures`,
  );
  console.log(`  ${"metric".padEnd(16)} ${"without".padEnd(17)} with rejection (a rejected gesture is an error)`);
  for (const m of CV_METRICS) {
    const a = res.plain[m];
    const b = res.scores[m];
    console.log(
      `  ${m.padEnd(16)} ${fmt(a.mean)} ± ${fmt(a.std)}   ${fmt(b.mean)} ± ${fmt(b.std)}  [${b.values.map((v) => fmt(v, 3)).join(" ")}]`,
    );
  }
  console.log(`  gestures accepted      ${fmt(mean(res.acceptance))}`);
  console.log(`  non-gestures accepted  ${fmt(mean(res.nongesture_acceptance))} (synthetic, from held-out hands)`);
}
