/**
 * A run's inputs and outputs in the file store.
 * - Dataset inputs (MLflow 2.12): the dataset in mlruns/<exp>/datasets/<md5(name+digest)>/meta.yaml (once per
 *   experiment), the link in <run>/inputs/<md5(dataset_id+run_id)>/meta.yaml.
 * - Model inputs (MLflow 3): <run>/inputs/<md5(model_id+run_id)>/meta.yaml with source_type MODEL.
 * - Model outputs (MLflow 3): <run>/outputs/<model_id>/meta.yaml with source_type RUN_OUTPUT and the step.
 * In both MLflow 3 files source_id and destination_id are the model id, as MLflow 3 writes them (§12).
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Dataset, DatasetInput, ModelInput, ModelOutput } from "./entities.js";
import { exists, readdirSyncOrEmpty, readYamlSync, writeYaml } from "./fs-util.js";

const META = "meta.yaml";
const INPUTS = "inputs";
const OUTPUTS = "outputs";
const DATASETS = "datasets";

function md5(...parts: string[]): string {
  const h = createHash("md5");
  for (const p of parts) h.update(p, "utf8");
  return h.digest("hex");
}

/** Writes meta.yaml unless the folder already has one (inputs and outputs are logged once). */
async function writeOnce(dir: string, meta: Record<string, unknown>): Promise<void> {
  if (!(await exists(join(dir, META)))) await writeYaml(join(dir, META), meta);
}

export async function writeDatasetInputs(runDir: string, runId: string, datasets: readonly DatasetInput[]) {
  const expDir = join(runDir, "..");
  for (const input of datasets) {
    const d = input.dataset;
    const datasetId = md5(d.name, d.digest);
    await writeOnce(join(expDir, DATASETS, datasetId), {
      digest: d.digest,
      name: d.name,
      profile: d.profile ?? null,
      schema: d.schema ?? null,
      source: d.source,
      source_type: d.source_type,
    });
    await writeOnce(join(runDir, INPUTS, md5(datasetId, runId)), {
      destination_id: runId,
      destination_type: "RUN",
      source_id: datasetId,
      source_type: "DATASET",
      tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])),
    });
  }
}

export async function writeModelInputs(runDir: string, runId: string, models: readonly ModelInput[]) {
  for (const { model_id } of models) {
    await writeOnce(join(runDir, INPUTS, md5(model_id, runId)), {
      destination_id: model_id,
      destination_type: "RUN",
      source_id: model_id,
      source_type: "MODEL",
      tags: {},
    });
  }
}

export async function writeModelOutputs(runDir: string, models: readonly ModelOutput[]) {
  for (const { model_id, step } of models) {
    await writeOnce(join(runDir, OUTPUTS, model_id), {
      destination_id: model_id,
      destination_type: "MODEL_OUTPUT",
      source_id: model_id,
      source_type: "RUN_OUTPUT",
      step,
      tags: {},
    });
  }
}

/** The meta.yaml of each sub-folder of dir, sorted by folder name; unreadable ones skipped (MLflow warns). */
function linkMetas(dir: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const names = readdirSyncOrEmpty(dir)
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  for (const name of names) {
    try {
      out.push(readYamlSync(join(dir, name, META)));
    } catch {
      // a link being written (no meta.yaml yet) or damaged: not an input
    }
  }
  return out;
}

/** Datasets already read during one search (runs of an experiment share them). */
export type DatasetCache = Map<string, Dataset | null>;

function readDataset(expDir: string, id: string, cache: DatasetCache): Dataset | null {
  const cacheKey = `${expDir}\0${id}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;
  let dataset: Dataset | null = null;
  try {
    const ds = readYamlSync(join(expDir, DATASETS, id, META));
    dataset = {
      name: String(ds.name),
      digest: String(ds.digest),
      source_type: String(ds.source_type ?? ""),
      source: String(ds.source ?? ""),
    };
    if (ds.schema != null) dataset.schema = String(ds.schema);
    if (ds.profile != null) dataset.profile = String(ds.profile);
  } catch {
    dataset = null;
  }
  cache.set(cacheKey, dataset);
  return dataset;
}

/** A run's dataset and model inputs (synchronous: the hot read path). */
export function readRunInputsSync(
  runDir: string,
  cache: DatasetCache = new Map(),
): { dataset_inputs: DatasetInput[]; model_inputs: ModelInput[] } {
  const dataset_inputs: DatasetInput[] = [];
  const model_inputs: ModelInput[] = [];
  const expDir = join(runDir, "..");
  for (const link of linkMetas(join(runDir, INPUTS))) {
    const type = link.source_type ?? "DATASET";
    if (type === "MODEL") {
      if (link.source_id != null) model_inputs.push({ model_id: String(link.source_id) });
      continue;
    }
    if (type !== "DATASET" || link.source_id == null) continue;
    const dataset = readDataset(expDir, String(link.source_id), cache);
    if (!dataset) continue;
    const tags = link.tags && typeof link.tags === "object" ? (link.tags as Record<string, unknown>) : {};
    dataset_inputs.push({ tags: Object.entries(tags).map(([key, value]) => ({ key, value: String(value) })), dataset });
  }
  return { dataset_inputs, model_inputs };
}

/** A run's model outputs (synchronous). */
export function readRunOutputsSync(runDir: string): ModelOutput[] {
  const out: ModelOutput[] = [];
  for (const link of linkMetas(join(runDir, OUTPUTS))) {
    if (link.destination_type !== "MODEL_OUTPUT" || link.destination_id == null) continue;
    out.push({ model_id: String(link.destination_id), step: Number(link.step ?? 0) });
  }
  return out;
}
