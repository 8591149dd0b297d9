/** Artifacts below one root folder (a run's or a logged model's), never leaving it. */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FileInfo } from "./entities.js";
import { err } from "./file-checks.js";
import { isMissing, isTempName, safeJoin, validateKey, writeFileAtomic } from "./fs-util.js";

/** The local folder of an artifact URI; only file: URIs are reachable from the file store. */
export function artifactRootOf(uri: string, owner: string): string {
  if (!uri.startsWith("file:")) {
    throw err(`${owner} stores its artifacts at ${uri}, which the file store cannot reach`, "INVALID_PARAMETER_VALUE");
  }
  return fileURLToPath(uri);
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
    if (isMissing(e)) return [];
    throw e;
  }
  const out = await Promise.all(
    entries
      .filter((e) => !isTempName(e.name))
      .map(async (e): Promise<FileInfo> => {
        const p = rel === "" ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) return { path: p, is_dir: true };
        return { path: p, is_dir: false, file_size: (await stat(join(dir, e.name))).size };
      }),
  );
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The bytes of one artifact; `owner` names the run or model in the errors. */
export async function readArtifactFile(root: string, path: string, owner: string): Promise<Uint8Array> {
  validateKey("artifact path", path);
  try {
    return new Uint8Array(await readFile(safeJoin(root, path)));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw err(`No such artifact: '${path}' in ${owner}`, "RESOURCE_DOES_NOT_EXIST");
    }
    if (code === "EISDIR") throw err(`Artifact '${path}' is a directory`, "INVALID_PARAMETER_VALUE");
    throw e;
  }
}
