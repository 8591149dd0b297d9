import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { HandgestureError } from "../../core/errors.js";
import { fromModelFile, type ModelFile } from "../../core/model-file.js";
import { readText } from "../../node/model-io.js";
import { PACKAGE_ROOT } from "../../node/package-root.js";
import { VERSION } from "../../node/version.js";
import type { TrackingClient } from "../../tracking/client.js";
import type { ModelVersion } from "../../tracking/entities.js";

/**
 * The model shipped with the repository (models/default/model.json, described by MODEL_CARD.md beside it), and
 * the one function that puts it in a registry that has no Production model yet.
 */

/** Absolute path of the shipped default model: <repo>/models/default/model.json. */
export const DEFAULT_MODEL_FILE = join(PACKAGE_ROOT, "models", "default", "model.json");

/** The experiment and run name under which the default model is logged before it is registered. */
export const DEFAULT_MODEL_EXPERIMENT = "handgesture-default-model";
export const DEFAULT_MODEL_RUN_NAME = "default-model";

/** The tag (on runs and model versions) marking what this module registered. */
const KIND_TAG = "handgesture.kind";
const KIND = "default-model";
/** The model card's file name, looked for beside the model file. */
const MODEL_CARD = "MODEL_CARD.md";
/** Where the model goes inside the run's artifacts (an MLflow model folder). */
const ARTIFACT_PATH = "model";

export interface EnsureProductionModelResult {
  /** True when this call registered the model; false when a Production version was already there. */
  registered: boolean;
  /** The Production version (the one registered, or the one found). */
  version: string;
  /** That version's source as the registry records it (e.g. runs:/<run>/model). */
  source: string;
}

/**
 * Makes sure the registered model `name` has a version in stage Production. If it has one, nothing is written and
 * that version is returned. Otherwise the model file is loaded (and so checked), logged in a run "default-model"
 * of experiment "handgesture-default-model" (tagged with its provenance; MODEL_CARD.md beside the file goes into
 * the model folder), registered as a new version of `name` (the registered model created if missing) and moved to
 * Production.
 *
 * Two processes starting at once: the Production check is repeated just before the version is created, so the
 * later one usually finds the earlier one's version and registers nothing. If both pass it within the same few
 * milliseconds, both register and then settle on one Production version (the higher-numbered; the other is
 * archived): one remains and neither call fails, though the earlier call may already have returned the version
 * the later one then archives. A version registered by anything else at the same moment (e.g. `train`) always
 * wins: the default one is archived and the call returns that version with registered:false.
 */
export async function ensureProductionModel(
  client: TrackingClient,
  options: { name: string; modelFile: string },
): Promise<EnsureProductionModelResult> {
  const { name } = options;
  const found = await productionVersion(client, name);
  if (found) return { registered: false, version: found.version, source: found.source };

  const modelFile = resolve(options.modelFile);
  const bytes = await readText(modelFile);
  let file: ModelFile;
  try {
    file = fromModelFile(bytes).file;
  } catch (e) {
    if (e instanceof HandgestureError) throw new HandgestureError(`${modelFile}: ${e.message}`, e.code);
    throw e;
  }
  const card = await readOptional(join(dirname(modelFile), MODEL_CARD));
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const sourceLabel = displayPath(modelFile);

  const experimentId = await client.getOrCreateExperiment(DEFAULT_MODEL_EXPERIMENT);
  const run = await client.startRun(experimentId, {
    runName: DEFAULT_MODEL_RUN_NAME,
    tags: provenanceTags(file, sourceLabel, sha256),
    description: `The default model shipped as ${sourceLabel}, registered as ${name} because it had no Production version.`,
  });
  const runId = run.info.run_id;
  try {
    const params = file.training.params;
    if (params && typeof params === "object") await client.logParams(runId, params as Record<string, unknown>);
    const uri = await client.logModel(runId, file, { artifactPath: ARTIFACT_PATH });
    if (card !== null) await client.logModelArtifact(uri, MODEL_CARD, card);

    try {
      await client.store.createRegisteredModel(
        name,
        [],
        "Hand-gesture classifier (handgesture); created to hold the default model shipped in models/default.",
      );
    } catch (e) {
      if (!(e instanceof HandgestureError && e.code === "RESOURCE_ALREADY_EXISTS")) throw e;
      await untilReadable(client, name);
    }
    // Another process may have registered while this one was logging: then its version stands.
    const raced = await productionVersion(client, name);
    if (raced) {
      await client.store.setTag(runId, {
        key: "handgesture.registered",
        value: `no: ${name}/${raced.version} reached Production first`,
      });
      await client.endRun(runId, "FINISHED");
      return { registered: false, version: raced.version, source: raced.source };
    }

    const created = await client.createModelVersionFrom(uri, {
      name,
      description: `Default model shipped as ${sourceLabel} (sha256 ${sha256}); see ${MODEL_CARD}.`,
      tags: [
        { key: KIND_TAG, value: KIND },
        { key: "handgesture.source", value: sourceLabel },
        { key: "handgesture.model_sha256", value: sha256 },
      ],
    });
    // Existing Production versions are not archived here: there were none a moment ago, and one that appeared since
    // was registered by someone else at the same time (e.g. `train`). settleProduction sorts that out.
    await client.store.transitionModelVersionStage(name, created.version, "Production", false);
    const winner = await settleProduction(client, name);
    const ours = winner.version === created.version;
    await client.store.setTag(runId, {
      key: "handgesture.registered",
      value: ours
        ? `${name}/${winner.version}`
        : `no: ${name}/${created.version} archived, ${name}/${winner.version} is in Production`,
    });
    await client.endRun(runId, "FINISHED");
    return { registered: ours, version: winner.version, source: winner.source };
  } catch (e) {
    await client.endRun(runId, "FAILED").catch(() => {});
    throw e;
  }
}

/**
 * Leaves one Production version when registrations raced: a version not registered by this module wins (the
 * latest of them), else the highest-numbered default-model version; the other default-model versions in Production
 * are archived. Versions registered by anything else are never touched. Every process that registered runs this
 * after its own transition, so the last of them sees every transition and they all agree on the winner.
 */
async function settleProduction(client: TrackingClient, name: string): Promise<ModelVersion> {
  const prod: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.store.searchModelVersions({ filter: `name = '${name.replace(/'/g, "''")}'`, pageToken });
    prod.push(...page.items.filter((v) => v.name === name && v.current_stage === "Production"));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  const isDefault = (v: ModelVersion) => v.tags.some((t) => t.key === KIND_TAG && t.value === KIND);
  const byNumber = (a: ModelVersion, b: ModelVersion) => Number(b.version) - Number(a.version);
  const others = prod.filter((v) => !isDefault(v)).sort(byNumber);
  const winner = others[0] ?? prod.filter(isDefault).sort(byNumber)[0];
  if (!winner) throw new HandgestureError(`registered model ${name} lost its Production version while registering`);
  for (const v of prod) {
    if (v.version !== winner.version && isDefault(v)) {
      await client.store.transitionModelVersionStage(name, v.version, "Archived", false);
    }
  }
  return winner;
}

/**
 * Waits (up to about 2 s) until the registered model can be read. Needed when another process has just created it:
 * the file store makes the model's folder (which is what makes a second create fail) before it writes its
 * meta.yaml, and a version cannot be created in between.
 */
async function untilReadable(client: TrackingClient, name: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    try {
      await client.store.getRegisteredModel(name);
      return;
    } catch (e) {
      if (!(e instanceof HandgestureError && e.code === "RESOURCE_DOES_NOT_EXIST")) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The latest Production version of `name`, or null when there is none (or no such registered model). */
async function productionVersion(client: TrackingClient, name: string): Promise<ModelVersion | null> {
  try {
    const [latest] = await client.store.getLatestVersions(name, ["Production"]);
    return latest ?? null;
  } catch (e) {
    if (e instanceof HandgestureError && e.code === "RESOURCE_DOES_NOT_EXIST") return null;
    throw e;
  }
}

async function readOptional(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** The model file relative to the repository (models/default/model.json) when inside it, else its absolute path. */
function displayPath(path: string): string {
  const rel = relative(PACKAGE_ROOT, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return path;
  return rel.split(sep).join("/");
}

/** Run tags saying where the model came from: the file, its hash, and the training metadata it carries. */
function provenanceTags(file: ModelFile, source: string, sha256: string): Record<string, string> {
  const tags: Record<string, string> = {
    [KIND_TAG]: KIND,
    "handgesture.version": VERSION,
    "handgesture.source": source,
    "handgesture.model_sha256": sha256,
    "mlflow.source.name": source,
    "mlflow.source.type": "LOCAL",
  };
  const t = file.training;
  for (const key of ["pipeline_name", "rows", "data_source", "data_digest", "created_at", "library_version"]) {
    const v = t[key];
    if (typeof v === "string" || typeof v === "number") tags[`handgesture.training.${key}`] = String(v);
  }
  return tags;
}
