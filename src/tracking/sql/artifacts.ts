/**
 * Artifacts of SQL-tracked runs and logged models are local files. Their locations are what MLflow writes: a plain
 * absolute path (its client straight on sqlite), a file:// URI, or mlflow-artifacts:/<path> (behind `mlflow
 * server`, resolved under the artifacts destination). Paths never leave the artifact root.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { FileInfo } from "../entities.js";
import { isTempName, safeJoin, validateKey, writeFileAtomic } from "../fs-util.js";
import { invalid, notFound } from "./context.js";

/** The local folder of an artifact location. */
export function localArtifactDir(location: string, artifactsDestination: string): string {
  if (location.startsWith("file:")) return fileURLToPath(location);
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(location);
  if (proxied) {
    const rel = proxied[1].replace(/^\/+/, "");
    return rel === "" ? resolve(artifactsDestination) : safeJoin(resolve(artifactsDestination), rel);
  }
  if (isAbsolute(location) && !/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(location)) return location;
  throw invalid(
    `artifact location '${location}' is not local: this store reads and writes artifacts at plain paths, file:// ` +
      "URIs and mlflow-artifacts:/ (under the artifacts destination)",
  );
}

export async function writeArtifact(root: string, path: string, data: Uint8Array | string): Promise<void> {
  validateKey("artifact path", path);
  await writeFileAtomic(safeJoin(root, path), data);
}

/** The entries directly in `path` (the root when omitted), sorted by path; [] when it is no folder. */
export async function listArtifactDir(root: string, path?: string): Promise<FileInfo[]> {
  const rel = path === undefined || path === "" ? "" : path.replace(/\/+$/, "");
  if (rel !== "") validateKey("artifact path", rel);
  const dir = rel === "" ? root : safeJoin(root, rel);
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw e;
  }
  const out: FileInfo[] = [];
  for (const e of entries) {
    if (isTempName(e.name)) continue;
    const p = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push({ path: p, is_dir: true });
    else out.push({ path: p, is_dir: false, file_size: (await stat(join(dir, e.name))).size });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `owner` names the run or model in the not-found message ("run '<id>'"). */
export async function readArtifactFile(root: string, path: string, owner: string): Promise<Uint8Array> {
  validateKey("artifact path", path);
  try {
    return new Uint8Array(await readFile(safeJoin(root, path)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw notFound(`No such artifact: '${path}' in ${owner}`);
    if (code === "EISDIR") throw invalid(`Artifact '${path}' is a directory`);
    throw e;
  }
}
