import type { Command } from "commander";
import { formatInspection, inspectTable } from "../../core/inspect.js";
import { readDataForCommand } from "../read-data.js";

export function registerData(program: Command): void {
  const data = program.command("data").description("look at landmark CSV files");
  data
    .command("inspect")
    .description("rows, class balance, duplicate rows and value ranges of a HaGRID landmark CSV")
    .argument("<csv>", "HaGRID landmark CSV (x1,y1,z1,...,z21,label)")
    .option("--json", "print one JSON object")
    .option("--skip-invalid", "skip malformed rows (and report them on stderr) instead of stopping")
    .action(async (csv: string, opts: { json?: boolean; skipInvalid?: boolean }) => {
      const table = await readDataForCommand(csv, opts.skipInvalid);
      const ins = inspectTable(table);
      console.log(opts.json ? JSON.stringify(ins) : formatInspection(ins));
    });
}
