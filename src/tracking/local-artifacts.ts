import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { TrackingStore } from "./store.js";

/**
 * Logs a local file, or a folder with everything in it, under `artifactPath` in the run's artifacts (MLflow's
 * log_artifact / log_artifacts). Node only: the browser logs bytes through store.logArtifact directly.
 */
export async function logLocalArtifacts(
  store: TrackingStore,
  runId: string,
  localPath: string,
  artifactPath = "",
): Promise<number> {
  const prefix = artifactPath ? `${artifactPath.replace(/\/+$/, "")}/` : "";
  const info = await stat(localPath);
  if (!info.isDirectory()) {
    await store.logArtifact(runId, `${prefix}${basename(localPath)}`, await readFile(localPath));
    return 1;
  }
  let count = 0;
  for (const entry of await readdir(localPath, { withFileTypes: true })) {
    const child = join(localPath, entry.name);
    count += entry.isDirectory()
      ? await logLocalArtifacts(store, runId, child, `${prefix}${entry.name}`)
      : await logLocalArtifacts(store, runId, child, prefix.replace(/\/$/, ""));
  }
  return count;
}
