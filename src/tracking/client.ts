import { stringify } from "yaml";
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
import type { Dataset, Run, RunStatus, Tag } from "./entities.js";
import { resolveModelUri } from "./model-uri.js";
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
      profile: JSON.stringify({ num_rows: table.X.rows, num_elements: table.X.rows * (COLUMNS.length + 1) }),
    };
    await this.store.logInputs(runId, [
      { tags: [{ key: "mlflow.data.context", value: options.context ?? "training" }], dataset },
    ]);
    return dataset;
  }

  /**
   * Logs a fitted pipeline as an MLflow model folder: `<artifactPath>/model.json` (our model file), an `MLmodel`
   * with the `handgesture` flavor and a signature of the 63 input columns, and an input example. `model` is a fitted
   * pipeline, or one already in model-file form (e.g. from a worker thread; `training` then adds to its metadata).
   */
  async logModel(
    runId: string,
    model: Pipeline | ModelFile,
    options: { artifactPath?: string; training?: TrainingMetadata; inputExample?: number[][] } = {},
  ): Promise<string> {
    const path = options.artifactPath ?? "model";
    const modelUuid = randomHex(32);
    const now = new Date();
    const mlmodel = {
      artifact_path: path,
      flavors: { [FLAVOR]: { model_file: MODEL_FILE, format_version: 1, classes: [...model.classes] } },
      mlflow_version: "2.12.2",
      model_uuid: modelUuid,
      run_id: runId,
      ...(options.inputExample
        ? {
            saved_input_example_info: {
              artifact_path: "input_example.json",
              pandas_orient: "split",
              type: "dataframe",
            },
          }
        : {}),
      signature: {
        inputs: JSON.stringify(COLUMNS.map((name) => ({ type: "double", name, required: true }))),
        outputs: JSON.stringify([{ type: "string", required: true }]),
        params: null,
      },
      utc_time_created: now.toISOString().replace("T", " ").replace("Z", "000"),
    };
    const file =
      model instanceof Pipeline
        ? toModelFile(model, options.training)
        : { ...model, training: { ...model.training, ...options.training } };
    await this.store.logArtifact(runId, `${path}/${MODEL_FILE}`, JSON.stringify(file));
    await this.store.logArtifact(runId, `${path}/MLmodel`, stringify(mlmodel));
    if (options.inputExample) {
      await this.store.logArtifact(
        runId,
        `${path}/input_example.json`,
        JSON.stringify({ columns: COLUMNS, data: options.inputExample }),
      );
    }
    const run = await this.store.getRun(runId);
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

  /** Loads a model from `runs:/`, `models:/<name>/<version|stage>` or `models:/<name>@<alias>`. */
  async loadModel(uri: string): Promise<LoadedModel & { runId?: string; version?: string }> {
    const where = await resolveModelUri(uri, this.store);
    if (!where.runId) throw new HandgestureError(`model URI ${uri} does not point into a run's artifacts`);
    const bytes = await this.store.readArtifact(where.runId, `${where.artifactPath}/${MODEL_FILE}`);
    return { ...fromModelFile(new TextDecoder().decode(bytes)), runId: where.runId, version: where.version };
  }
}

function randomHex(n: number): string {
  const bytes = new Uint8Array(n / 2);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
