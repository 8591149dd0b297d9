/**
 * Artifacts of SQL-tracked runs and logged models are local files. Their locations are what MLflow writes: a plain
 * absolute path (its client straight on sqlite), a file:// URI, or mlflow-artifacts:/<path> (behind `mlflow
 * server`, resolved under the artifacts destination). Paths never leave the artifact root.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { safeJoin } from "../fs-util.js";
import { invalid } from "./context.js";

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

// Reading and writing below a root folder is the file store's own code: one place keeps paths inside their root.
export { listArtifactDir, readArtifactFile, writeArtifact } from "../file-artifacts.js";
