/**
 * For the server's and the REST store's tests while the file store's logged models are being written (stubs on
 * main): a FileStore whose MLflow 3 parts (logged models and their artifacts, run outputs and model inputs, metrics
 * kept with a model, versions made from `models:/<model_id>`) live in memory, artifacts on disk under the
 * experiment's `models/<model_id>/artifacts` as MLflow 3 lays them out. Deliberately small: the conformance suite
 * checks the real stores; this only has to behave as the contract says for the calls the tests make.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HandgestureError } from "../src/core/errors.js";
import type {
  DatasetInput,
  FileInfo,
  LoggedModel,
  LoggedModelMetric,
  LoggedModelStatus,
  Metric,
  ModelInput,
  ModelOutput,
  ModelVersion,
  Page,
  Param,
  Run,
  Tag,
} from "../src/tracking/entities.js";
import { FileStore } from "../src/tracking/file-store.js";
import type {
  CreateLoggedModelOptions,
  CreateModelVersionOptions,
  RunBatch,
  SearchLoggedModelsOptions,
  SearchRunsOptions,
} from "../src/tracking/store.js";

const notFound = (id: string) =>
  new HandgestureError(`Logged model with ID '${id}' not found.`, "RESOURCE_DOES_NOT_EXIST");
const byKey = <T extends { key: string }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

interface Held {
  model: LoggedModel;
  deleted: boolean;
}

export class LoggedModelsTestStore extends FileStore {
  readonly #models = new Map<string, Held>();
  readonly #outputs = new Map<string, ModelOutput[]>();
  readonly #inputs = new Map<string, ModelInput[]>();
  #clock = 0;

  /** Strictly increasing milliseconds, so creation order is observable in a fast test. */
  #now(): number {
    this.#clock = Math.max(this.#clock + 1, Date.now());
    return this.#clock;
  }

  #held(id: string, allowDeleted = false): Held {
    const h = this.#models.get(id);
    if (!h || (h.deleted && !allowDeleted)) throw notFound(id);
    return h;
  }

  override async createLoggedModel(o: CreateLoggedModelOptions): Promise<LoggedModel> {
    const exp = await this.getExperiment(o.experimentId);
    const name = o.name ?? `model-${randomBytes(2).toString("hex")}`;
    if (/[/:.%"']/.test(name)) {
      throw new HandgestureError(
        `Invalid model name ('${name}') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
      );
    }
    const id = `m-${randomBytes(16).toString("hex")}`;
    const now = this.#now();
    const model: LoggedModel = {
      info: {
        model_id: id,
        experiment_id: exp.experiment_id,
        name,
        creation_timestamp_ms: now,
        last_updated_timestamp_ms: now,
        artifact_uri: `${exp.artifact_location}/models/${id}/artifacts`,
        status: "LOGGED_MODEL_PENDING",
        model_type: o.modelType ?? "",
        source_run_id: o.sourceRunId ?? "",
        tags: [...(o.tags ?? [])].sort(byKey),
      },
      data: { params: [...(o.params ?? [])].sort(byKey), metrics: [] },
    };
    this.#models.set(id, { model, deleted: false });
    return structuredClone(model);
  }
  override async getLoggedModel(id: string, allowDeleted = false): Promise<LoggedModel> {
    return structuredClone(this.#held(id, allowDeleted).model);
  }
  override async finalizeLoggedModel(id: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const { model } = this.#held(id);
    model.info.status = status;
    model.info.last_updated_timestamp_ms = this.#now();
    return structuredClone(model);
  }
  override async deleteLoggedModel(id: string): Promise<void> {
    this.#held(id, true).deleted = true;
  }
  override async setLoggedModelTags(id: string, tags: Tag[]): Promise<void> {
    const { model } = this.#held(id);
    const kept = new Map(model.info.tags.map((t) => [t.key, t]));
    for (const t of tags) kept.set(t.key, t);
    model.info.tags = [...kept.values()].sort(byKey);
  }
  override async deleteLoggedModelTag(id: string, key: string): Promise<void> {
    const { model } = this.#held(id);
    if (!model.info.tags.some((t) => t.key === key)) {
      throw new HandgestureError(
        `No tag with key '${key}' found for model with ID '${id}'.`,
        "RESOURCE_DOES_NOT_EXIST",
      );
    }
    model.info.tags = model.info.tags.filter((t) => t.key !== key);
  }
  override async logLoggedModelParams(id: string, params: Param[]): Promise<void> {
    const { model } = this.#held(id);
    for (const p of params) {
      const old = model.data.params.find((q) => q.key === p.key);
      if (old && old.value !== p.value) {
        throw new HandgestureError(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged`,
        );
      }
      if (!old) model.data.params.push(p);
    }
    model.data.params.sort(byKey);
  }
  /** Filters: `name = '...'` and `metrics.<k> > <n>` joined by AND, enough for the tests. Newest first. */
  override async searchLoggedModels(o: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    const tests = (o.filter ?? "")
      .split(/\s+AND\s+/i)
      .filter((c) => c.trim() !== "")
      .map((c) => {
        const name = /^\s*(?:attributes\.)?name\s*=\s*'([^']*)'\s*$/.exec(c);
        if (name) return (m: LoggedModel) => m.info.name === name[1];
        const metric = /^\s*metrics\.(\S+)\s*>\s*([\d.]+)\s*$/.exec(c);
        if (metric)
          return (m: LoggedModel) => m.data.metrics.some((x) => x.key === metric[1] && x.value > Number(metric[2]));
        throw new HandgestureError(`Invalid filter string: "${o.filter}"`);
      });
    const all = [...this.#models.values()]
      .filter((h) => !h.deleted && o.experimentIds.includes(h.model.info.experiment_id))
      .map((h) => h.model)
      .filter((m) => tests.every((t) => t(m)))
      .sort((a, b) => b.info.creation_timestamp_ms - a.info.creation_timestamp_ms);
    const offset = o.pageToken
      ? (JSON.parse(Buffer.from(o.pageToken, "base64").toString()) as { offset: number }).offset
      : 0;
    const max = o.maxResults ?? 100;
    const items = all.slice(offset, offset + max).map((m) => structuredClone(m));
    const page: Page<LoggedModel> = { items };
    if (offset + max < all.length) {
      page.next_page_token = Buffer.from(
        JSON.stringify({
          experiment_ids: o.experimentIds,
          filter_string: o.filter ?? null,
          order_by: null,
          offset: offset + max,
        }),
      ).toString("base64");
    }
    return page;
  }

  #artifactDir(id: string): string {
    return fileURLToPath(this.#held(id).model.info.artifact_uri);
  }
  override async logLoggedModelArtifact(id: string, path: string, data: Uint8Array | string): Promise<void> {
    const file = join(this.#artifactDir(id), path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
  }
  override async listLoggedModelArtifacts(id: string, path = ""): Promise<FileInfo[]> {
    const dir = join(this.#artifactDir(id), path);
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: FileInfo[] = [];
    for (const n of names.sort()) {
      const st = await stat(join(dir, n));
      const rel = path ? `${path}/${n}` : n;
      out.push(st.isDirectory() ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: st.size });
    }
    return out;
  }
  override async readLoggedModelArtifact(id: string, path: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(join(this.#artifactDir(id), path)));
    } catch {
      throw new HandgestureError(`No artifact '${path}' in logged model '${id}'`, "RESOURCE_DOES_NOT_EXIST");
    }
  }

  // runs: outputs, model inputs, metrics kept with their model
  override async logOutputs(runId: string, models: ModelOutput[]): Promise<void> {
    await super.getRun(runId);
    this.#outputs.set(runId, [...(this.#outputs.get(runId) ?? []), ...models]);
  }
  override async logInputs(runId: string, datasets: DatasetInput[], models?: ModelInput[]): Promise<void> {
    await super.logInputs(runId, datasets);
    if (models?.length) this.#inputs.set(runId, [...(this.#inputs.get(runId) ?? []), ...models]);
  }
  override async getRun(runId: string): Promise<Run> {
    const run = await super.getRun(runId);
    const inputs = this.#inputs.get(runId);
    const outputs = this.#outputs.get(runId);
    return {
      ...run,
      inputs: inputs ? { ...run.inputs, model_inputs: inputs } : run.inputs,
      outputs: outputs ? { model_outputs: outputs } : {},
    };
  }
  override async searchRuns(o: SearchRunsOptions): Promise<Page<Run>> {
    const found = await super.searchRuns(o);
    return { ...found, items: await Promise.all(found.items.map((r) => this.getRun(r.info.run_id))) };
  }
  #keepWithModels(runId: string, metrics: Metric[]): void {
    for (const m of metrics) {
      const held = m.model_id ? this.#models.get(m.model_id) : undefined;
      if (held) held.model.data.metrics.push({ ...m, run_id: runId } as LoggedModelMetric);
    }
  }
  override async logBatch(runId: string, batch: RunBatch): Promise<void> {
    const plain = batch.metrics?.map(({ key, value, timestamp, step }) => ({ key, value, timestamp, step }));
    await super.logBatch(runId, { ...batch, metrics: plain });
    this.#keepWithModels(runId, batch.metrics ?? []);
  }
  override async logMetric(runId: string, metric: Metric): Promise<void> {
    await this.logBatch(runId, { metrics: [metric] });
  }

  // registry: a version made from a logged model downloads from the model's location
  readonly #versionModels = new Map<string, string>();
  /**
   * The file registry on main does not take a `models:/<model_id>` source yet: it stores the model's location
   * instead, and the answer to this call shows the source as given (later reads show the location).
   */
  override async createModelVersion(o: CreateModelVersionOptions): Promise<ModelVersion> {
    if (!o.modelId) return super.createModelVersion(o);
    const location = this.#held(o.modelId, true).model.info.artifact_uri;
    const v = await super.createModelVersion({ ...o, source: location });
    this.#versionModels.set(`${v.name}/${v.version}`, o.modelId);
    return { ...v, source: o.source };
  }
  override async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const id = this.#versionModels.get(`${name}/${version}`);
    if (id) return this.#held(id, true).model.info.artifact_uri;
    return super.getModelVersionDownloadUri(name, version);
  }
}
