/**
 * The dashboard's datasets view: `GET /api/ui/datasets/profile`
 *   ?path=FILE.csv                a landmark CSV on the server's disk, under its data root only
 *   ?run_id=RUN&dataset=NAME      a run's dataset input: the profile MLflow's dataset holds (what train logged),
 *                                 and the full profile from the dataset's source file when it is under the data
 *                                 root, with whether its digest is the logged one
 * A path that leaves the data root (`..`, an absolute path elsewhere, a symlink pointing out) is refused with 403
 * before anything is read; a missing file is 404; a malformed CSV a 400 naming its file, line and column.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { Hono } from "hono";
import { tableDigest } from "../../core/digest.js";
import { HandgestureError } from "../../core/errors.js";
import { type DatasetProfile, profileLandmarks } from "../../core/profile.js";
import { readLandmarkCsv } from "../../node/data.js";
import type { TrackingStore } from "../../tracking/store.js";
import { HttpError } from "../errors.js";

/** Largest CSV profiled (the 25k-row bench file is 17 MB). */
export const DEFAULT_MAX_PROFILE_BYTES = 256 * 1024 * 1024;

export interface DatasetRoutesOptions {
  store: TrackingStore;
  /** Only files under this folder are read (default: the working directory). */
  dataRoot?: string;
  maxBytes?: number;
}

interface Profiled {
  profile: DatasetProfile;
  digest: string;
  path: string;
}

/** The file a user-given path names, if it stays under root once symlinks are followed. */
async function resolveUnder(root: string, given: string): Promise<string> {
  if (given === "" || given.includes("\0")) {
    throw new HttpError(400, "INVALID_PARAMETER_VALUE", "path: give a CSV file's path under the data root");
  }
  const realRoot = await realpath(root);
  const inside = (p: string) => {
    const rel = relative(realRoot, p);
    return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
  };
  const target = resolve(realRoot, given);
  // Checked before and after following links: "../x" never reaches the disk, a link out is caught by realpath.
  if (!inside(target)) throw new HttpError(403, "PERMISSION_DENIED", `${given}: outside the data root`);
  let real: string;
  try {
    real = await realpath(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new HttpError(404, "RESOURCE_DOES_NOT_EXIST", `${given}: no such file under the data root`);
    }
    throw new HttpError(400, "INVALID_PARAMETER_VALUE", `${given}: cannot read (${(e as Error).message})`);
  }
  if (!inside(real)) throw new HttpError(403, "PERMISSION_DENIED", `${given}: a link to outside the data root`);
  return real;
}

export function addDatasetRoutes(app: Hono, options: DatasetRoutesOptions): void {
  const root = options.dataRoot ?? process.cwd();
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PROFILE_BYTES;
  // Profiles of the last files read, by path, size and modification time (the page asks again on every visit).
  const cache = new Map<string, Promise<Profiled>>();

  async function profileFile(given: string): Promise<Profiled> {
    const real = await resolveUnder(root, given);
    const st = await stat(real);
    if (!st.isFile()) throw new HttpError(400, "INVALID_PARAMETER_VALUE", `${given}: not a file`);
    if (st.size > maxBytes) {
      throw new HttpError(413, "INVALID_PARAMETER_VALUE", `${given}: ${st.size} bytes, over the ${maxBytes} profiled`);
    }
    const key = `${real}\0${st.size}\0${st.mtimeMs}`;
    let p = cache.get(key);
    if (!p) {
      p = (async () => {
        const table = await readLandmarkCsv(real);
        if (table.X.rows === 0) throw new HandgestureError(`${given}: no data rows (only a header)`, "INVALID_DATA");
        // Errors name the path as the user gave it, not the server's absolute path.
        const profile = profileLandmarks(table.X, table.labels);
        return { profile, digest: await tableDigest(table), path: given };
      })().catch((e) => {
        cache.delete(key);
        if (e instanceof HandgestureError) e.message = e.message.split(real).join(given);
        throw e;
      });
      cache.set(key, p);
      if (cache.size > 4) cache.delete(cache.keys().next().value as string);
    }
    return p;
  }

  // The CSV itself (under the data root, the same checks as its profile): the page trains on it.
  app.get("/api/ui/datasets/file", async (c) => {
    const given = c.req.query("path");
    if (given === undefined) throw new HttpError(400, "INVALID_PARAMETER_VALUE", "give path=FILE.csv");
    const real = await resolveUnder(root, given);
    const st = await stat(real);
    if (!st.isFile()) throw new HttpError(400, "INVALID_PARAMETER_VALUE", `${given}: not a file`);
    if (st.size > maxBytes) {
      throw new HttpError(413, "INVALID_PARAMETER_VALUE", `${given}: ${st.size} bytes, over the ${maxBytes} served`);
    }
    return c.body(await readFile(real, "utf8"), 200, { "Content-Type": "text/csv; charset=utf-8" });
  });

  app.get("/api/ui/datasets/profile", async (c) => {
    const path = c.req.query("path");
    const runId = c.req.query("run_id");
    if (path !== undefined) {
      const { profile, digest } = await profileFile(path);
      return c.json({ source: { path, digest }, profile });
    }
    if (runId === undefined) {
      throw new HttpError(400, "INVALID_PARAMETER_VALUE", "give path=FILE.csv, or run_id and dataset");
    }
    const name = c.req.query("dataset");
    const run = await options.store.getRun(runId);
    const inputs = run.inputs?.dataset_inputs ?? [];
    const input = inputs.find((i) => i.dataset.name === name) ?? (name === undefined ? inputs[0] : undefined);
    if (!input) {
      const names = inputs.map((i) => i.dataset.name).join(", ") || "none";
      throw new HttpError(404, "RESOURCE_DOES_NOT_EXIST", `run ${runId} has no dataset "${name}" (it has: ${names})`);
    }
    const ds = input.dataset;
    const logged = parseJson(ds.profile);
    const uri = (parseJson(ds.source) as { uri?: unknown } | null)?.uri;
    const source: Record<string, unknown> = { uri: typeof uri === "string" ? uri : null, digest: ds.digest };
    let profile: DatasetProfile | null = null;
    let note: string | null = null;
    const file = typeof uri === "string" ? localPath(uri) : null;
    if (file === null) {
      note = "the dataset's source is not a local file: only the profile logged with it";
    } else {
      try {
        const p = await profileFile(file);
        profile = p.profile;
        source.file_digest = p.digest;
        source.matches = p.digest === ds.digest;
        if (!source.matches) {
          note =
            `${file} on disk has digest ${p.digest}, this dataset ${ds.digest}: the figures are the file's ` +
            "(a train or test part of it, or the file changed since)";
        }
      } catch (e) {
        if (!(e instanceof HttpError || e instanceof HandgestureError)) throw e;
        note = `the source file cannot be profiled here: ${e.message}`;
      }
    }
    const context = input.tags.find((t) => t.key === "mlflow.data.context")?.value ?? null;
    return c.json({ dataset: { name: ds.name, digest: ds.digest, context }, source, logged, profile, note });
  });
}

function parseJson(text: string | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A dataset source URI as a local path: a plain path or file://; null for anything remote. */
function localPath(uri: string): string | null {
  if (uri.startsWith("file://")) return decodeURIComponent(new URL(uri).pathname);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return null;
  return uri;
}
