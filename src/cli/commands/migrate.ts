import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { HandgestureError } from "../../core/errors.js";
import { countMismatches, type MigrationCounts, migrate } from "../../tracking/migrate.js";
import { openStore } from "../../tracking/open-store.js";

const LABELS: Record<keyof MigrationCounts, string> = {
  experiments: "experiments",
  runs: "runs",
  params: "params",
  tags: "run tags",
  metricPoints: "metric points",
  datasetInputs: "dataset inputs",
  loggedModels: "logged models",
  registeredModels: "registered models",
  modelVersions: "model versions",
  aliases: "aliases",
};

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description(
      "copy a tracking store into another, ids and timestamps kept (e.g. ./mlruns → sqlite:///mlflow.db or " +
        "postgresql://…); safe to run again: what the target has already is skipped",
    )
    .argument("<from-uri>", "the store to copy: an mlruns folder, sqlite:///…, postgresql://… or http(s)://…")
    .argument("<to-uri>", "the store to fill: sqlite:///…, postgresql://… or an mlruns folder")
    .option("--json", "print the counts as one JSON object")
    .option("--quiet", "no progress bar")
    .action(async (fromUri: string, toUri: string, o: { json?: boolean; quiet?: boolean }) => {
      if (fromUri === toUri) throw new HandgestureError("the source and the target are the same store");
      const source = await openStore(fromUri);
      try {
        const target = await openStore(toUri);
        try {
          const bar =
            o.quiet || o.json || !process.stderr.isTTY
              ? undefined
              : new SingleBar({ format: "migrating [{bar}] {value}/{total} {what}", stream: process.stderr });
          let started = false;
          const report = await migrate(source, target, {
            onProgress: (done, total, what) => {
              if (!bar) return;
              if (!started) {
                bar.start(total, 0, { what });
                started = true;
              }
              bar.update(done, { what });
            },
          });
          bar?.stop();
          const missing = countMismatches(report);
          if (o.json) console.log(JSON.stringify({ ...report, missing }));
          else {
            console.log(`${"".padEnd(18)}${"source".padStart(10)}${"target".padStart(10)}`);
            for (const k of Object.keys(LABELS) as (keyof MigrationCounts)[]) {
              console.log(
                `${LABELS[k].padEnd(18)}${String(report.source[k]).padStart(10)}${String(report.target[k]).padStart(10)}`,
              );
            }
            console.log(`${report.written} entities written, ${report.skipped} already in the target`);
          }
          if (missing.length > 0) {
            throw new HandgestureError(
              `the target has fewer ${missing.map((k) => LABELS[k]).join(", ")} than the source`,
            );
          }
        } finally {
          await target.close?.();
        }
      } finally {
        await source.close?.();
      }
    });
}
