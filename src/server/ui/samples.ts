/**
 * Collect mode's store: hands sent by the page, already in the dataset's pixel convention, appended under a label
 * to a landmark CSV in the training data's own format (header x1,y1,z1,...,z21,label), so `handgesture fit` and
 * `train` take it as it is. Appends are serialized and each request is one write, so a crash loses at most the
 * request in flight and never leaves half a row behind another.
 */
import { appendFile, readFile, stat } from "node:fs/promises";
import type { Context } from "hono";
import { formatLandmarkRows, LANDMARK_CSV_HEADER as HEADER, parseLandmarkCsv } from "../../core/csv.js";
import { COLUMNS, HAND_DIM } from "../../core/landmarks.js";
import { fromRows } from "../../core/matrix.js";
import { HttpError } from "../errors.js";

/** Rows a single request may append (a page sends one or two hands a frame). */
export const MAX_ROWS_PER_REQUEST = 1000;
const LABEL = /^[A-Za-z0-9_.-]{1,64}$/;

export interface SampleCounts {
  /** The CSV, as given to the server. */
  file: string;
  counts: Record<string, number>;
}

function invalid(message: string): HttpError {
  return new HttpError(400, "INVALID_PARAMETER_VALUE", message);
}

export class SampleStore {
  readonly file: string;
  private counts: Map<string, number> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(file: string) {
    this.file = file;
  }

  /** Counts per label, read from the file the first time (a malformed file is reported, never overwritten). */
  async summary(): Promise<SampleCounts> {
    const counts = await this.load();
    return { file: this.file, counts: Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))) };
  }

  /** Checks a request body and appends its rows; answers the new counts. */
  append(body: unknown): Promise<SampleCounts & { added: number }> {
    const { label, rows } = parseSamples(body);
    const lines = formatLandmarkRows({ X: fromRows(rows), labels: rows.map(() => label) });
    const run = this.queue.then(async () => {
      const counts = await this.load();
      const fresh = counts.size === 0 && (await exists(this.file)) === false;
      await appendFile(this.file, (fresh ? `${HEADER}\n` : "") + lines);
      counts.set(label, (counts.get(label) ?? 0) + rows.length);
      return { ...(await this.summary()), added: rows.length };
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private async load(): Promise<Map<string, number>> {
    if (this.counts) return this.counts;
    const counts = new Map<string, number>();
    if (await exists(this.file)) {
      const text = await readFile(this.file, "utf8");
      const firstLine = text.slice(0, text.indexOf("\n") >>> 0).replace(/\r$/, "");
      if (firstLine !== HEADER) {
        throw new HttpError(
          409,
          "INVALID_STATE",
          `${this.file} exists and is not a collect file (its header is not x1,y1,z1,...,z21,label): choose another`,
        );
      }
      if (text.length > HEADER.length + 1) {
        try {
          const table = parseLandmarkCsv(text, { file: this.file });
          for (const name of table.labels) counts.set(name, (counts.get(name) ?? 0) + 1);
        } catch (e) {
          throw new HttpError(409, "INVALID_STATE", (e as Error).message);
        }
      }
    }
    this.counts = counts;
    return counts;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

/** A request's JSON body, or 400 with a message when it is not JSON (the page's /api/ui/* posts). */
export async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new HttpError(400, "BAD_REQUEST", "the body is not valid JSON");
  }
}

/** `{"label": "palm", "rows": [[63 numbers], ...]}`, checked, with a message naming what is wrong. */
export function parseSamples(body: unknown): { label: string; rows: number[][] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid('the body must be {"label": "palm", "rows": [[x1, y1, z1, ..., z21], ...]}');
  }
  const { label, rows } = body as { label?: unknown; rows?: unknown };
  if (typeof label !== "string" || !LABEL.test(label)) {
    throw invalid(`"label" must be 1 to 64 letters, digits, "_", "-" or ".", got ${JSON.stringify(label)}`);
  }
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > MAX_ROWS_PER_REQUEST) {
    throw invalid(`"rows" must be a list of 1 to ${MAX_ROWS_PER_REQUEST} hands of ${HAND_DIM} numbers`);
  }
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row) || row.length !== HAND_DIM) {
      throw invalid(`rows[${r}] must hold ${HAND_DIM} numbers (x1, y1, z1, ..., z21), got ${describe(row)}`);
    }
    for (let k = 0; k < HAND_DIM; k++) {
      if (typeof row[k] !== "number" || !Number.isFinite(row[k])) {
        throw invalid(`rows[${r}][${k}] (${COLUMNS[k]}) must be a finite number, got ${JSON.stringify(row[k])}`);
      }
    }
  }
  return { label, rows: rows as number[][] };
}

function describe(v: unknown): string {
  return Array.isArray(v) ? `${v.length} values` : typeof v;
}
