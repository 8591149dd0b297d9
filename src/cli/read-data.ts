import type { LandmarkTable } from "../core/csv.js";
import { readLandmarkCsv } from "../node/data.js";

const SHOW_SKIPPED = 20;

/**
 * Reads a landmark CSV for a command. With --skip-invalid, bad rows are left out and reported on stderr (how many,
 * and which: file:line:column and why), so nothing disappears silently.
 */
export async function readDataForCommand(path: string, skipInvalid?: boolean): Promise<LandmarkTable> {
  const table = await readLandmarkCsv(path, { skipInvalid });
  const n = table.skipped.length;
  if (n > 0) {
    console.error(
      `skipped ${n} invalid row${n === 1 ? "" : "s"}${n > SHOW_SKIPPED ? ` (first ${SHOW_SKIPPED})` : ""}:`,
    );
    for (const s of table.skipped.slice(0, SHOW_SKIPPED)) console.error(`  ${path}:${s.line}:${s.column}: ${s.reason}`);
  }
  return table;
}
