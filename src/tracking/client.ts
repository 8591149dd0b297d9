import { parse, stringify } from "yaml";
import { tableDigest } from "../core/digest.js";
import { HandgestureError } from "../core/errors.js";
import { COLUMNS } from "../core/landmarks.js";
import type { Matrix } from "../core/matrix.js";
import {
  fromModelFile,
  type LoadedModel,
  type ModelFile,
  type TrainingMetadata,
  toModelFile,
} from "../core/model-file.js";
import { Pipeline } from "../core/pipeline.js";
import type { Dataset, LoggedModel, ModelVersion, Run, RunStatus, Tag } from "./entities.js";
import { parseModelUri, resolveModelUri } from "./model-uri.js";
import { isEndpointMissing } from "./rest-store.js";
import type { TrackingStore } from "./store.js";

/** The flavor name in MLmodel files this project writes, and the model file inside the model folder. */
export const FLAVOR = "handgesture";
export const MODEL_FILE = "model.json";

/**
 * MLflow's MlflowClient shape: explicit ids in every call, no global state, everything through one injected
 * TrackingStore (file or REST). Adds what this project logs on top of the store: models as MLflow model folders.
 */
export class TrackingClient {
  readonly store: TrackingStore;
  /** Runs this client started and has not ended: what an interrupt must mark KILLED. */
  private readonly open = new Set<string>();
  constructor(store: TrackingStore) {
    this.store = store;
  }

  get activeRunIds(): string[] {
    return [...this.open];
  }

  /** Ends every run this client still has open as KILLED (for Ctrl-C); returns their ids. */
  async killActiveRuns(): Promise<string[]> {
    const ids = [...this.open];
    await Promise.all(ids.map((id) => this.endRun(id, "KILLED")));
    return ids;
  }

  /** The experiment's id, created on first use (like mlflow.set_experiment). */
  async getOrCreateExperiment(name: string): Promise<string> {
    const found = await this.store.getExperimentByName(name);
    if (found) return found.experiment_id;
    try {
      return await this.store.createExperiment(name);
    } catch (e) {
      // Another process created it between our look-up and create.
      if (e instanceof HandgestureError && e.code === "RESOURCE_ALREADY_EXISTS") {
        const again = await this.store.getExperimentByName(name);
        if (again) return again.experiment_id;
      }
      throw e;
    }
  }

  async startRun(
    experimentId: string,
    options: { runName?: string; tags?: Record<string, string>; parentRunId?: string; description?: string } = {},
  ): Promise<Run> {
    const tags: Tag[] = Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value }));
    if (options.parentRunId) tags.push({ key: "mlflow.parentRunId", value: options.parentRunId });
    if (options.description) tags.push({ key: "mlflow.note.content", value: options.description });
    const run = await this.store.createRun({ experimentId, runName: options.runName, tags, startTime: Date.now() });
    this.open.add(run.info.run_id);
    return run;
  }

  async endRun(runId: string, status: RunStatus = "FINISHED"): Promise<void> {
    await this.store.updateRunInfo(runId, status, Date.now());
    this.open.delete(runId);
  }

  /** Runs fn inside a run that ends FINISHED, or FAILED if fn throws (MLflow's `with start_run()`). */
  async withRun<T>(
    experimentId: string,
    options: Parameters<TrackingClient["startRun"]>[1],
    fn: (run: Run) => Promise<T>,
  ): Promise<T> {
    const run = await this.startRun(experimentId, options);
    try {
      const out = await fn(run);
      await this.endRun(run.info.run_id, "FINISHED");
      return out;
    } catch (e) {
      await this.endRun(run.info.run_id, "FAILED").catch(() => {});
      throw e;
    }
  }

  async logParams(runId: string, params: Record<string, unknown>): Promise<void> {
    const list = Object.entries(params).map(([key, v]) => ({ key, value: v === null ? "None" : String(v) }));
    await this.store.logBatch(runId, { params: list });
  }

  async logMetrics(runId: string, metrics: Record<string, number>, step = 0): Promise<void> {
    const timestamp = Date.now();
    await this.store.logBatch(runId, {
      metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, step })),
    });
  }

  /**
   * Logs a landmark table as the run's dataset input, as mlflow.log_input does: name, digest, MLflow column-spec
   * schema (63 doubles and the label), profile (rows and elements) and the context tag.
   */
  async logDataset(
    runId: string,
    table: { X: Matrix; labels: readonly string[] },
    options: { name: string; source?: string; context?: string },
  ): Promise<Dataset> {
    const dataset: Dataset = {
      name: options.name,
      digest: await tableDigest(table),
      source_type: "local",
      source: JSON.stringify({ uri: options.source ?? options.name }),
      schema: JSON.stringify({
        mlflow_colspec: [
          ...COLUMNS.map((name) => ({ type: "double", name, required: true })),
          { type: "string", name: "label", required: true },
        ],
      }),
      // MLflow's pandas profile, and the rows per class (what the dashboard's datasets view shows first).
      profile: JSON.stringify({
        num_rows: table.X.rows,
        num_elements: table.X.rows * (COLUMNS.length + 1),
        class_counts: classCountsOf(table.labels),
      }),
    };
    await this.store.logInputs(runId, [
      { tags: [{ key: "mlflow.data.context", value: options.context ?? "training" }], dataset },
    ]);
    return dataset;
  }

  /**
   * Logs a fitted pipeline as an MLflow model: `model.json` (our model file), an `MLmodel` with the `handgesture`
   * flavor and a signature of the 63 input columns, and an input example. `model` is a fitted pipeline, or one
   * already in model-file form (e.g. from a worker thread; `training` then adds to its metadata).
   *
   * Where the store has MLflow 3's logged models, the model becomes one (as `mlflow.<flavor>.log_model` does in
   * MLflow 3: created PENDING with the run's params, linked as the run's output, its files uploaded, then READY)
   * and the URI returned is `models:/<model_id>`. Where it has not (an MLflow 2 server), the files go under
   * `<artifactPath>/` in the run's artifacts with the `mlflow.log-model.history` tag, and the URI is `runs:/…`.
   */
  async logModel(
    runId: string,
    model: Pipeline | ModelFile,
    options: { artifactPath?: string; training?: TrainingMetadata; inputExample?: number[][] } = {},
  ): Promise<string> {
    const name = options.artifactPath ?? "model";
    const file =
      model instanceof Pipeline
        ? toModelFile(model, options.training)
        : { ...model, training: { ...model.training, ...options.training } };
    const run = await this.store.getRun(runId);
    let logged: LoggedModel;
    try {
      logged = await this.store.createLoggedModel({
        experimentId: run.info.experiment_id,
        name,
        sourceRunId: runId,
        params: run.data.params,
        tags: run.data.tags.filter((t) => COPIED_RUN_TAGS.has(t.key)),
      });
    } catch (e) {
      if (!isEndpointMissing(e)) throw e; // an MLflow 2 server has no LoggedModel API
      return this.logModelInRun(run, file, name, options.inputExample);
    }
    const modelId = logged.info.model_id;
    try {
      await this.store.logOutputs(runId, [{ model_id: modelId, step: 0 }]);
      // MLflow 3 links the run's step-0 metrics to the model, so its model views show them.
      const linked = run.data.metrics
        .filter((m) => m.step === 0)
        .map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: 0, model_id: modelId }));
      if (linked.length > 0) await this.store.logBatch(runId, { metrics: linked });
      const files = modelFiles(file, { artifactPath: logged.info.artifact_uri, runId, modelId }, options.inputExample);
      for (const [path, data] of files) await this.store.logLoggedModelArtifact(modelId, path, data);
      await this.store.finalizeLoggedModel(modelId, "LOGGED_MODEL_READY");
    } catch (e) {
      await this.store.finalizeLoggedModel(modelId, "LOGGED_MODEL_UPLOAD_FAILED").catch(() => {});
      throw e;
    }
    return `models:/${modelId}`;
  }

  /**
   * Adds a file beside a model logModel logged: into the logged model's artifacts for `models:/<model_id>`, into
   * the run's `<path>/` for `runs:/<run>/<path>`.
   */
  async logModelArtifact(modelUri: string, path: string, data: Uint8Array | string): Promise<void> {
    const parsed = parseModelUri(modelUri);
    if (parsed.kind === "logged-model") return this.store.logLoggedModelArtifact(parsed.modelId, path, data);
    if (parsed.kind === "runs") {
      const prefix = parsed.artifactPath ? `${parsed.artifactPath}/` : "";
      return this.store.logArtifact(parsed.runId, `${prefix}${path}`, data);
    }
    throw new HandgestureError(`cannot add files to ${modelUri}: not a logged model or a run's model`);
  }

  /**
   * Registers the model logModel returned as a new version of `name` (MLflow's register_model): a logged model's
   * version gets source `models:/<model_id>` and its model id, a run's model source `runs:/…` and the run id.
   */
  async createModelVersionFrom(
    modelUri: string,
    options: { name: string; description?: string; tags?: Tag[] },
  ): Promise<ModelVersion> {
    const parsed = parseModelUri(modelUri);
    const link =
      parsed.kind === "logged-model"
        ? { modelId: parsed.modelId }
        : parsed.kind === "runs"
          ? { runId: parsed.runId }
          : {};
    return this.store.createModelVersion({ ...options, source: modelUri, ...link });
  }

  /** MLflow 2's form: the model folder in the run's artifacts, recorded in the run's log-model history tag. */
  private async logModelInRun(run: Run, file: ModelFile, path: string, inputExample?: number[][]): Promise<string> {
    const runId = run.info.run_id;
    const modelUuid = randomHex(32);
    const files = modelFiles(file, { artifactPath: path, runId, modelUuid, mlflowVersion: "2.12.2" }, inputExample);
    for (const [name, data] of files) await this.store.logArtifact(runId, `${path}/${name}`, data);
    const mlmodel = parse(files.get("MLmodel") as string) as Record<string, unknown>;
    const prev = run.data.tags.find((t) => t.key === "mlflow.log-model.history")?.value;
    const history = prev ? (JSON.parse(prev) as unknown[]) : [];
    history.push({
      run_id: runId,
      artifact_path: path,
      utc_time_created: mlmodel.utc_time_created,
      flavors: mlmodel.flavors,
      model_uuid: modelUuid,
    });
    await this.store.setTag(runId, { key: "mlflow.log-model.history", value: JSON.stringify(history) });
    return `runs:/${runId}/${path}`;
  }

  /**
   * Loads a model from `models:/<model_id>` (a logged model), `runs:/`, `models:/<name>/<version|stage>` or
   * `models:/<name>@<alias>`.
   */
  async loadModel(uri: string): Promise<LoadedModel & { runId?: string; version?: string; modelId?: string }> {
    const where = await resolveModelUri(uri, this.store);
    const file = where.artifactPath ? `${where.artifactPath}/${MODEL_FILE}` : MODEL_FILE;
    let bytes: Uint8Array;
    if (where.modelId) bytes = await this.store.readLoggedModelArtifact(where.modelId, file);
    else if (where.runId) bytes = await this.store.readArtifact(where.runId, file);
    else throw new HandgestureError(`model URI ${uri} does not point into a logged model or a run's artifacts`);
    return {
      ...fromModelFile(new TextDecoder().decode(bytes)),
      runId: where.runId,
      version: where.version,
      modelId: where.modelId,
    };
  }
}

/** The run tags MLflow 3 copies onto a logged model it creates from a run. */
const COPIED_RUN_TAGS: ReadonlySet<string> = new Set(["mlflow.user", "mlflow.source.name", "mlflow.source.type"]);

/** The files of a model folder, by name: model.json, MLmodel, and the input examples when given. */
function modelFiles(
  file: ModelFile,
  where: { artifactPath: string; runId: string; modelId?: string; modelUuid?: string; mlflowVersion?: string },
  inputExample?: number[][],
): Map<string, string> {
  const mlmodel = {
    // MLflow 3 writes the model's full artifact URI here; MLflow 2 the run-relative path.
    artifact_path: where.artifactPath,
    flavors: { [FLAVOR]: { model_file: MODEL_FILE, format_version: 1, classes: [...file.classes] } },
    mlflow_version: where.mlflowVersion ?? MLFLOW_CLIENT_VERSION,
    ...(where.modelId ? { model_id: where.modelId } : {}),
    model_uuid: where.modelId ?? where.modelUuid,
    run_id: where.runId,
    ...(inputExample
      ? {
          saved_input_example_info: {
            artifact_path: "input_example.json",
            pandas_orient: "split",
            ...(where.modelId ? { serving_input_path: "serving_input_example.json" } : {}),
            type: "dataframe",
          },
        }
      : {}),
    signature: {
      inputs: JSON.stringify(COLUMNS.map((name) => ({ type: "double", name, required: true }))),
      outputs: JSON.stringify([{ type: "string", required: true }]),
      params: null,
    },
    utc_time_created: new Date().toISOString().replace("T", " ").replace("Z", "000"),
  };
  const files = new Map<string, string>([
    [MODEL_FILE, JSON.stringify(file)],
    ["MLmodel", stringify(mlmodel, { sortMapEntries: true })],
  ]);
  if (inputExample) {
    const split = { columns: COLUMNS, data: inputExample };
    files.set("input_example.json", JSON.stringify(split));
    if (where.modelId) files.set("serving_input_example.json", JSON.stringify({ dataframe_split: split }, null, 2));
  }
  return files;
}

/** The MLflow version whose model format logModel writes (MLmodel's mlflow_version). */
export const MLFLOW_CLIENT_VERSION = "3.11.1";

function randomHex(n: number): string {
  const bytes = new Uint8Array(n / 2);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Rows per label, labels sorted. */
function classCountsOf(labels: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
