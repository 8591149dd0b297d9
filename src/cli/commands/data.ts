import type { Command } from "commander";
import { formatInspection, inspectTable } from "../../core/inspect.js";
import { readLandmarkCsv } from "../../node/data.js";

const SHOW_SKIPPED = 20;

export function registerData(program: Command): void {
  const data = program.command("data").description("look at landmark CSV files");
  data
    .command("inspect")
    .description("rows, class balance, duplicate rows and value ranges of a HaGRID landmark CSV")
    .argument("<csv>", "HaGRID landmark CSV (x1,y1,z1,...,z21,label)")
    .option("--json", "print one JSON object")
    .option("--skip-invalid", "skip malformed rows (and report them on stderr) instead of stopping")
    .action(async (csv: string, opts: { json?: boolean; skipInvalid?: boolean }) => {
      const table = await readLandmarkCsv(csv, { skipInvalid: opts.skipInvalid });
      if (table.skipped.length > 0) {
        const n = table.skipped.length;
        console.error(
          `skipped ${n} invalid row${n === 1 ? "" : "s"}${n > SHOW_SKIPPED ? ` (first ${SHOW_SKIPPED})` : ""}:`,
        );
        for (const s of table.skipped.slice(0, SHOW_SKIPPED))
          console.error(`  ${csv}:${s.line}:${s.column}: ${s.reason}`);
      }
      const ins = inspectTable(table);
      console.log(opts.json ? JSON.stringify(ins) : formatInspection(ins));
    });
}
