import { ModelFormatError } from "./errors.js";
import type { Estimator, EstimatorJSON } from "./estimator.js";
import { AugmentedClassifier } from "./estimators/augmented.js";
import { VotingClassifier } from "./estimators/voting.js";
import { COLUMNS, HAND_DIM } from "./landmarks.js";
import { Pipeline } from "./pipeline.js";
import { ESTIMATORS } from "./registry.js";
import { Rejector, type RejectorJSON } from "./rejection.js";

/**
 * The model file format this code writes, and the newest it reads. Version 2 adds the optional `rejection` block
 * (a calibrated "no gesture"); a file without one is written as version 1, so older readers still load it, and a
 * version 1 file loads with no rejector (it never says "no gesture" by itself).
 */
export const MODEL_FORMAT = "handgesture-model";
export const MODEL_FORMAT_VERSION = 2;

/** What a model file says about how the model was made (free-form beyond these fields). */
export interface TrainingMetadata {
  pipeline_name?: string;
  created_at?: string;
  rows?: number;
  data_digest?: string;
  data_source?: string;
  library_version?: string;
  [key: string]: unknown;
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  /** Input columns in order (the dataset's x1, y1, z1, ..., z21) and their coordinate convention. */
  input: { columns: readonly string[]; convention: string };
  classes: readonly string[];
  pipeline: EstimatorJSON;
  training: TrainingMetadata;
  /** The rejector and its threshold (version 2). */
  rejection?: RejectorJSON;
}

export const INPUT_CONVENTION =
  "x, y in pixels of the source frame (live MediaPipe x*width, y*height), z MediaPipe's relative depth";

export function toModelFile(model: Pipeline, training: TrainingMetadata = {}): ModelFile {
  const file: ModelFile = {
    format: MODEL_FORMAT,
    version: model.rejector ? MODEL_FORMAT_VERSION : 1,
    input: { columns: COLUMNS, convention: INPUT_CONVENTION },
    classes: model.classes,
    pipeline: model.toJSON(),
    training,
  };
  if (model.rejector) file.rejection = model.rejector.toJSON();
  return file;
}

/** Rebuilds any estimator from its JSON; an unknown type is refused with the list of known ones. */
export function estimatorFromJSON(json: EstimatorJSON): Estimator {
  if (!json || typeof json !== "object" || typeof json.type !== "string") {
    throw new ModelFormatError("model file: an estimator entry has no type");
  }
  // Composites hold other estimators: they get this function to rebuild their parts.
  if (json.type === "Pipeline") return Pipeline.fromJSON(json, estimatorFromJSON);
  if (json.type === "VotingClassifier") return VotingClassifier.fromJSON(json, estimatorFromJSON);
  if (json.type === "AugmentedClassifier") return AugmentedClassifier.fromJSON(json, estimatorFromJSON);
  const cls = ESTIMATORS[json.type];
  if (!cls) {
    throw new ModelFormatError(
      `model file: unknown estimator type "${json.type}"; known: Pipeline, VotingClassifier, AugmentedClassifier, ${Object.keys(ESTIMATORS).join(", ")}`,
    );
  }
  return cls.fromJSON(json);
}

export interface LoadedModel {
  /** The fitted pipeline; `model.rejector` is the file's rejector, or null. */
  model: Pipeline;
  file: ModelFile;
}

/** Parses and checks a model file (object or JSON text) and returns the fitted pipeline. */
export function fromModelFile(source: unknown): LoadedModel {
  let file: unknown = source;
  if (typeof source === "string") {
    try {
      file = JSON.parse(source);
    } catch (e) {
      throw new ModelFormatError(`model file is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (!file || typeof file !== "object") throw new ModelFormatError("model file must be a JSON object");
  const f = file as Partial<ModelFile>;
  if (f.format !== MODEL_FORMAT) {
    throw new ModelFormatError(
      `not a handgesture model file: "format" is ${JSON.stringify(f.format)}, expected "${MODEL_FORMAT}"`,
    );
  }
  if (typeof f.version !== "number" || !Number.isInteger(f.version) || f.version < 1) {
    throw new ModelFormatError(`model file has an invalid version ${JSON.stringify(f.version)}`);
  }
  if (f.version > MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(
      `model file format version ${f.version} is newer than this handgesture reads (up to ${MODEL_FORMAT_VERSION}): upgrade handgesture`,
    );
  }
  if (f.pipeline?.type !== "Pipeline") {
    throw new ModelFormatError('model file has no "pipeline" of type Pipeline');
  }
  const model = Pipeline.fromJSON(f.pipeline, estimatorFromJSON, HAND_DIM);
  const classes = model.classes;
  if (!Array.isArray(f.classes) || f.classes.join("\n") !== classes.join("\n")) {
    throw new ModelFormatError("model file: its class list does not match the fitted classifier's");
  }
  if (f.rejection !== undefined) {
    if (f.version < 2) throw new ModelFormatError('model file: a "rejection" block needs format version 2');
    model.rejector = Rejector.fromJSON(f.rejection, classes);
  }
  return { model, file: f as ModelFile };
}

/**
 * Loads a model from a URL, a file path (Node: read with fs) or an already-parsed object. Async because both
 * fetching and reading are; the core itself never imports node:fs, so a reader is passed in for paths.
 */
export async function loadModel(
  source: string | URL | object,
  options: { readText?: (path: string) => Promise<string>; fetch?: typeof fetch } = {},
): Promise<LoadedModel> {
  if (typeof source === "object" && !(source instanceof URL)) return fromModelFile(source);
  const s = String(source);
  if (/^https?:\/\//.test(s) || (source instanceof URL && source.protocol.startsWith("http"))) {
    const res = await (options.fetch ?? fetch)(s);
    if (!res.ok) throw new ModelFormatError(`could not fetch model ${s}: HTTP ${res.status}`);
    return fromModelFile(await res.text());
  }
  if (!options.readText) throw new ModelFormatError(`no reader to load model from path ${s}`);
  return fromModelFile(await options.readText(s));
}
