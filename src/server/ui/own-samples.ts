/**
 * The page's own-gesture recordings on the server's disk (issue 14), under `<data root>/own-gestures/`:
 *   <dataset>.csv           the hands in the dataset format (x1,y1,z1,...,z21,label; pixel convention), so
 *                           `handgesture fit` and `train` take the file as it is
 *   <dataset>.sessions.csv  session,label,rows: which consecutive rows of the CSV each recording session holds
 * A session is appended as one write per file (data first); a crash between the two leaves rows no session names,
 * which are read back as a session "unsorted-<n>" rather than lost. Dropping a session rewrites both files
 * through temporary files. Requests are serialized.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Hono } from "hono";
import { formatLandmarkRows, LANDMARK_CSV_HEADER, parseLandmarkCsv } from "../../core/csv.js";
import { fromRows } from "../../core/matrix.js";
import { writeFileAtomic } from "../../node/model-io.js";
import { exists } from "../../tracking/fs-util.js";
import { HttpError } from "../errors.js";
import { jsonBody, parseSamples } from "./samples.js";

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const SESSIONS_HEADER = "session,label,rows";
export const OWN_DIR = "own-gestures";

export interface OwnSession {
  session: string;
  label: string;
  rows: number;
}

export interface OwnDataset {
  dataset: string;
  /** The CSV, relative to the data root (what `handgesture train --data` is given from there). */
  file: string;
  sessions: OwnSession[];
}

function invalid(message: string): HttpError {
  return new HttpError(400, "INVALID_PARAMETER_VALUE", message);
}

function checkName(what: string, v: unknown): string {
  if (typeof v !== "string" || !NAME.test(v) || v === "." || v === "..") {
    throw invalid(`"${what}" must be 1 to 64 letters, digits, "_", "-" or ".", got ${JSON.stringify(v)}`);
  }
  return v;
}

export class OwnSampleStore {
  private queue: Promise<unknown> = Promise.resolve();
  readonly dir: string;

  constructor(dataRoot: string) {
    this.dir = join(dataRoot, OWN_DIR);
  }

  private paths(dataset: string) {
    return { csv: join(this.dir, `${dataset}.csv`), sessions: join(this.dir, `${dataset}.sessions.csv`) };
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f);
    this.queue = run.catch(() => {});
    return run;
  }

  /** The dataset's rows (parsed) and sessions, reconciled with the rows actually in the CSV. */
  private async read(dataset: string): Promise<{ text: string; labels: string[]; sessions: OwnSession[] }> {
    const p = this.paths(dataset);
    if (!(await exists(p.csv))) return { text: "", labels: [], sessions: [] };
    const text = await readFile(p.csv, "utf8");
    let labels: string[];
    try {
      labels = text.length > LANDMARK_CSV_HEADER.length + 1 ? parseLandmarkCsv(text, { file: p.csv }).labels : [];
    } catch (e) {
      throw new HttpError(409, "INVALID_STATE", `${OWN_DIR}/${dataset}.csv cannot be read: ${(e as Error).message}`);
    }
    const sessions: OwnSession[] = [];
    if (await exists(p.sessions)) {
      const lines = (await readFile(p.sessions, "utf8")).split(/\r?\n/).slice(1).filter(Boolean);
      for (const line of lines) {
        const [session, label, rows] = line.split(",");
        sessions.push({ session, label, rows: Number(rows) });
      }
    }
    // Rows past the last named session (a crash between the two writes): kept, under a name of their own.
    const named = sessions.reduce((a, s) => a + s.rows, 0);
    if (named < labels.length) {
      let start = named;
      let n = 0;
      while (start < labels.length) {
        let end = start;
        while (end < labels.length && labels[end] === labels[start]) end++;
        sessions.push({ session: `unsorted-${++n}`, label: labels[start], rows: end - start });
        start = end;
      }
    }
    return { text, labels, sessions };
  }

  async get(datasetName: unknown): Promise<OwnDataset> {
    const dataset = checkName("dataset", datasetName);
    const { sessions } = await this.serial(() => this.read(dataset));
    return { dataset, file: `${OWN_DIR}/${dataset}.csv`, sessions };
  }

  /** `{dataset, session, label, rows}`: one recording session's hands, appended. */
  append(body: unknown): Promise<OwnDataset & { added: number }> {
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const dataset = checkName("dataset", b.dataset);
    const session = checkName("session", b.session);
    const { label, rows } = parseSamples({ label: b.label, rows: b.rows });
    return this.serial(async () => {
      const current = await this.read(dataset);
      if (current.sessions.some((s) => s.session === session)) {
        throw new HttpError(409, "RESOURCE_ALREADY_EXISTS", `session "${session}" is already in dataset "${dataset}"`);
      }
      const p = this.paths(dataset);
      await mkdir(this.dir, { recursive: true });
      const lines = formatLandmarkRows({ X: fromRows(rows), labels: rows.map(() => label) });
      await appendFile(p.csv, (current.text ? "" : `${LANDMARK_CSV_HEADER}\n`) + lines);
      const fresh = !(await exists(p.sessions));
      await appendFile(p.sessions, `${fresh ? `${SESSIONS_HEADER}\n` : ""}${session},${label},${rows.length}\n`);
      const after = await this.read(dataset);
      return { dataset, file: `${OWN_DIR}/${dataset}.csv`, sessions: after.sessions, added: rows.length };
    });
  }

  /** Drops one session: both files rewritten through temporary files. */
  drop(datasetName: unknown, sessionName: unknown): Promise<OwnDataset> {
    const dataset = checkName("dataset", datasetName);
    const session = checkName("session", sessionName);
    return this.serial(async () => {
      const { text, sessions } = await this.read(dataset);
      const at = sessions.findIndex((s) => s.session === session);
      if (at === -1) throw new HttpError(404, "RESOURCE_DOES_NOT_EXIST", `no session "${session}" in "${dataset}"`);
      const lines = text.split(/\r?\n/).slice(1).filter(Boolean);
      const start = sessions.slice(0, at).reduce((a, s) => a + s.rows, 0);
      lines.splice(start, sessions[at].rows);
      const kept = sessions.filter((_, i) => i !== at);
      const p = this.paths(dataset);
      await writeFileAtomic(p.csv, `${LANDMARK_CSV_HEADER}\n${lines.map((l) => `${l}\n`).join("")}`);
      await writeFileAtomic(
        p.sessions,
        `${SESSIONS_HEADER}\n${kept.map((s) => `${s.session},${s.label},${s.rows}\n`).join("")}`,
      );
      return { dataset, file: `${OWN_DIR}/${dataset}.csv`, sessions: kept };
    });
  }
}

/** GET/POST /api/ui/own/:dataset, DELETE /api/ui/own/:dataset/:session. */
export function addOwnSampleRoutes(app: Hono, store: OwnSampleStore): void {
  app.get("/api/ui/own/:dataset", async (c) => c.json(await store.get(c.req.param("dataset"))));
  app.post("/api/ui/own/:dataset", async (c) => {
    const body = await jsonBody(c);
    const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    return c.json(await store.append({ ...b, dataset: c.req.param("dataset") }), 201);
  });
  app.delete("/api/ui/own/:dataset/:session", async (c) =>
    c.json(await store.drop(c.req.param("dataset"), c.req.param("session"))),
  );
}
