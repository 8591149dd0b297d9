import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { HandgestureError } from "../../core/errors.js";
import { DEFAULT_FAMILIES, type GridFamily, parseGridFile } from "../../core/grid.js";
import { TrackingClient } from "../../tracking/client.js";
import { killRunsOnInterrupt } from "../../tracking/interrupt.js";
import { openStore, trackingUri } from "../../tracking/open-store.js";
import {
  DEFAULT_EXPERIMENT,
  DEFAULT_REGISTERED_MODEL,
  type TrainProgress,
  type TrainSummary,
  train,
} from "../../train/train.js";
import { readDataForCommand } from "../read-data.js";
import { fmt, integer, positiveInt } from "../util.js";
import { TRACKING_URI_HELP } from "./tracking.js";

interface TrainCliOptions {
  data: string;
  experiment: string;
  register: string | false;
  models?: string;
  grid?: string;
  folds: number;
  seed: number;
  testSize: number;
  jobs?: number;
  trackingUri?: string;
  skipInvalid?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Families from a grid file (JSON or YAML), else the defaults; `--models` picks and orders them. */
async function chooseFamilies(gridPath: string | undefined, models: string | undefined): Promise<GridFamily[]> {
  let available: readonly GridFamily[] = DEFAULT_FAMILIES;
  if (gridPath) {
    let text: string;
    try {
      text = await readFile(gridPath, "utf8");
    } catch (e) {
      throw new HandgestureError(`${gridPath}: cannot read grid file (${(e as Error).message})`);
    }
    let doc: unknown;
    try {
      doc = /\.ya?ml$/i.test(gridPath) ? parseYaml(text) : JSON.parse(text);
    } catch (e) {
      throw new HandgestureError(
        `${gridPath}: not valid ${/\.ya?ml$/i.test(gridPath) ? "YAML" : "JSON"}: ${(e as Error).message}`,
      );
    }
    try {
      available = parseGridFile(doc, "object");
    } catch (e) {
      throw new HandgestureError(`${gridPath}: ${(e as Error).message}`);
    }
  }
  if (!models) return [...available];
  const names = models
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new HandgestureError("--models needs at least one family name");
  return names.map((name) => {
    const f = available.find((x) => x.name === name);
    if (!f) {
      throw new HandgestureError(
        `unknown model family "${name}"; ${gridPath ? `${gridPath} defines` : "known families:"} ${available.map((x) => x.name).join(", ")}`,
      );
    }
    return f;
  });
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** One status line on stderr: rewritten in place on a terminal, printed every tenth of the work otherwise. */
function progressPrinter(quiet: boolean | undefined): (p: TrainProgress) => void {
  if (quiet) return () => {};
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  return (p) => {
    const line =
      `grid points ${p.pointsDone}/${p.pointsTotal} · CV tasks ${p.tasksDone}/${p.tasksTotal} · ` +
      `final fits ${p.fitsDone}/${p.fitsTotal} · ${duration(p.elapsedMs)} elapsed` +
      (p.etaMs !== null && p.fitsDone < p.fitsTotal ? ` · ETA ${duration(p.etaMs)}` : "");
    if (tty) {
      process.stderr.write(`\r\x1b[K${line}`);
      if (p.fitsDone === p.fitsTotal) process.stderr.write("\n");
      return;
    }
    const decile = Math.floor(((p.tasksDone + p.fitsDone) / (p.tasksTotal + p.fitsTotal)) * 10);
    if (decile !== lastDecile || p.message) {
      lastDecile = decile;
      process.stderr.write(`${line}${p.message ? ` · ${p.message}` : ""}\n`);
    }
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((v, c) => v.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function printSummary(s: TrainSummary, uri: string): void {
  const shortParams = (params: Record<string, unknown>) =>
    Object.entries(params)
      .map(([k, v]) => `${k.split("__").pop()}=${v === null ? "none" : v}`)
      .join(" ") || "(defaults)";
  console.log(
    `\n${s.data.name}: ${s.data.rows} rows, ${s.data.classes} classes; train ${s.data.trainRows} / held-out ${s.data.testRows} ` +
      `(seed ${s.seed}); ${s.folds}-fold CV; ${s.jobs} worker thread${s.jobs === 1 ? "" : "s"}; ${fmt(s.elapsedSeconds, 1)} s\n`,
  );
  console.log(
    table([
      ["family", "pipeline", "points", "best params", "CV macro-F1", "held-out acc", "held-out macro-F1", "fit (s)"],
      ...s.families.map((f) => [
        f.family === s.winner.family ? `${f.family} *` : f.family,
        f.pipeline,
        String(f.points),
        shortParams(f.best.params),
        `${fmt(f.best.cv.macro_f1.mean)} ± ${fmt(f.best.cv.macro_f1.std)}`,
        fmt(f.test.accuracy),
        fmt(f.test.macro_f1),
        fmt(f.fitSeconds, 2),
      ]),
    ]),
  );
  console.log(`\nwinner: ${s.winner.family}, held-out macro-F1 ${fmt(s.winner.testMacroF1)}`);
  if (s.registered) {
    const [a, b] = s.registered.versions;
    console.log(
      `registered "${s.registered.name}": version ${a.version} (fitted on ${a.rows} training rows), ` +
        `version ${b.version} (refitted on all ${b.rows} rows) → ${b.stage}`,
    );
  }
  console.log(`runs: experiment "${s.experiment}" (id ${s.experimentId}), session run ${s.sessionRunId} in ${uri}`);
  for (const w of s.warnings) console.error(`warning: ${w}`);
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description(
      "grid search with stratified k-fold CV per model family, every run tracked, the winner registered (Production)",
    )
    .requiredOption("--data <csv>", "labelled HaGRID landmark CSV")
    .option("--experiment <name>", "experiment to log the runs in", DEFAULT_EXPERIMENT)
    .option("--register <name>", "registered model name for the winner", DEFAULT_REGISTERED_MODEL)
    .option("--no-register", "do not register the winner")
    .option(
      "--models <list>",
      `model families, comma-separated (default: all: ${DEFAULT_FAMILIES.map((f) => f.name).join(",")})`,
    )
    .option(
      "--grid <file>",
      'grid file, JSON or YAML: {"families": {name: {"pipeline": ..., "grid": {param: [values]}}}}',
    )
    .option("--folds <n>", "cross-validation folds", positiveInt("--folds"), 5)
    .option("--seed <n>", "seed of the split and the folds", integer("--seed"), 42)
    .option("--test-size <fraction>", "held-out share of the rows", parseFraction, 0.2)
    .option("--jobs <n>", "worker threads (default: the machine's cores)", positiveInt("--jobs"))
    .option("--tracking-uri <uri>", TRACKING_URI_HELP)
    .option("--skip-invalid", "skip malformed rows (and report them) instead of stopping")
    .option("--json", "print the summary as one JSON object")
    .option("--quiet", "no progress display")
    .action(async (opts: TrainCliOptions) => {
      const families = await chooseFamilies(opts.grid, opts.models);
      const uri = trackingUri(opts.trackingUri);
      const client = new TrackingClient(await openStore(uri));
      const table = await readDataForCommand(opts.data, opts.skipInvalid);
      const stopHandlers = killRunsOnInterrupt(client, (ids) => {
        if (ids.length > 0) console.error(`\ninterrupted: marked ${ids.length} open run(s) KILLED`);
      });
      try {
        const summary = await train({
          table,
          source: opts.data,
          families,
          store: client.store,
          client,
          experiment: opts.experiment,
          register: opts.register === false ? null : opts.register,
          folds: opts.folds,
          seed: opts.seed,
          testSize: opts.testSize,
          jobs: opts.jobs,
          onProgress: progressPrinter(opts.quiet || opts.json),
        });
        if (opts.json) console.log(JSON.stringify(summary));
        else printSummary(summary, uri);
      } finally {
        stopHandlers();
        await client.store.close?.();
      }
    });
}

function parseFraction(value: string): number {
  const x = Number(value);
  if (!(x > 0 && x < 1)) throw new HandgestureError(`--test-size must be a fraction between 0 and 1, got "${value}"`);
  return x;
}
