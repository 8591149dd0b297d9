import { readFile, rename, unlink, writeFile } from "node:fs/promises";
import { HandgestureError } from "../core/errors.js";
import { type LoadedModel, loadModel, type TrainingMetadata, toModelFile } from "../core/model-file.js";
import type { Pipeline } from "../core/pipeline.js";

/**
 * Writes a model file atomically: a temporary file beside the target, then a rename, so a crash mid-write
 * never leaves a half-written model where a good one was. Returns the number of bytes written.
 */
export async function saveModel(path: string, model: Pipeline, training: TrainingMetadata = {}): Promise<number> {
  const text = JSON.stringify(toModelFile(model, training));
  await writeFileAtomic(path, text);
  return Buffer.byteLength(text);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new HandgestureError(`could not write ${path}: ${(e as Error).message}`);
  }
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new HandgestureError(`cannot read ${path}: ${why}`, "RESOURCE_DOES_NOT_EXIST");
  }
}

/** Loads a model file from a path or an http(s) URL. */
export function readModel(pathOrUrl: string): Promise<LoadedModel> {
  return loadModel(pathOrUrl, { readText });
}
