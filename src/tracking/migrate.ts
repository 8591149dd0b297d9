/**
 * `handgesture migrate <from> <to>`: copies everything a tracking store holds into another — experiments, runs with
 * every metric point, params, tags, dataset inputs, model inputs and outputs, logged models, the whole registry —
 * with ids and timestamps kept. The source is read through the TrackingStore contract (so any store can be the
 * source); the target writes through its StoreImporter, which keeps ids and skips what it already has, so a
 * migration that stopped half-way can simply be run again. Artifacts are not copied: their locations are kept, as
 * MLflow's migrate-filestore does.
 */
import { HandgestureError } from "../core/errors.js";
import type { Experiment, LoggedModel, Metric, ModelVersion, Page, RegisteredModel, Run } from "./entities.js";
import type { StoreImporter, TrackingStore } from "./store.js";

/** What was copied (or found already there), and what the target holds at the end. */
export interface MigrationCounts {
  experiments: number;
  runs: number;
  params: number;
  tags: number;
  metricPoints: number;
  datasetInputs: number;
  loggedModels: number;
  registeredModels: number;
  modelVersions: number;
  aliases: number;
}

export interface MigrationReport {
  source: MigrationCounts;
  target: MigrationCounts;
  /** Entities written by this run (the rest were there already). */
  written: number;
  skipped: number;
}

export interface MigrateOptions {
  /** Called after each entity with how many of the expected total are done. */
  onProgress?: (done: number, total: number, what: string) => void;
}

const PAGE = 1000;

async function all<T>(page: (token?: string) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...p.items);
    token = p.next_page_token || undefined;
  } while (token);
  return out;
}

/** Everything a store holds, read through the contract. */
interface Snapshot {
  experiments: Experiment[];
  runs: Run[];
  loggedModels: LoggedModel[];
  registeredModels: RegisteredModel[];
  versions: ModelVersion[];
}

async function snapshot(store: TrackingStore): Promise<Snapshot> {
  const experiments = await all((pageToken) =>
    store.searchExperiments({ viewType: "ALL", maxResults: PAGE, pageToken }),
  );
  const ids = experiments.map((e) => e.experiment_id);
  const runs: Run[] = [];
  const loggedModels: LoggedModel[] = [];
  // One experiment at a time keeps each search small.
  for (const id of ids) {
    runs.push(
      ...(await all((pageToken) =>
        store.searchRuns({ experimentIds: [id], viewType: "ALL", maxResults: PAGE, pageToken }),
      )),
    );
    loggedModels.push(
      ...(await all((pageToken) => store.searchLoggedModels({ experimentIds: [id], maxResults: PAGE, pageToken }))),
    );
  }
  const registeredModels = await all((pageToken) => store.searchRegisteredModels({ maxResults: PAGE, pageToken }));
  const versions: ModelVersion[] = [];
  for (const m of registeredModels) {
    const filter = `name = '${m.name.replace(/'/g, "''")}'`;
    versions.push(...(await all((pageToken) => store.searchModelVersions({ filter, maxResults: PAGE, pageToken }))));
  }
  return { experiments, runs, loggedModels, registeredModels, versions };
}

/** What a store holds; `points` when the caller has already read every metric history (the source's). */
async function countsOf(store: TrackingStore, snap?: Snapshot, points?: number): Promise<MigrationCounts> {
  const s = snap ?? (await snapshot(store));
  let metricPoints = points ?? 0;
  if (points === undefined) {
    for (const run of s.runs) {
      for (const m of run.data.metrics) metricPoints += (await store.getMetricHistory(run.info.run_id, m.key)).length;
    }
  }
  return {
    experiments: s.experiments.length,
    runs: s.runs.length,
    params: s.runs.reduce((n, r) => n + r.data.params.length, 0),
    tags: s.runs.reduce((n, r) => n + r.data.tags.length, 0),
    metricPoints,
    datasetInputs: s.runs.reduce((n, r) => n + r.inputs.dataset_inputs.length, 0),
    loggedModels: s.loggedModels.length,
    registeredModels: s.registeredModels.length,
    modelVersions: s.versions.length,
    aliases: s.registeredModels.reduce((n, m) => n + m.aliases.length, 0),
  };
}

/** The target's importer, or a clear refusal for stores that cannot keep ids (a tracking server over REST). */
function importerOf(store: TrackingStore): StoreImporter {
  const importer = store.importer?.();
  if (!importer) {
    throw new HandgestureError(
      "this target cannot keep ids and timestamps: migrate into a database (sqlite:///…, postgresql://…) or an " +
        "mlruns folder, not a tracking server",
    );
  }
  return importer;
}

export async function migrate(
  source: TrackingStore,
  target: TrackingStore,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const importer = importerOf(target);
  const snap = await snapshot(source);
  const total =
    snap.experiments.length +
    snap.runs.length +
    snap.loggedModels.length +
    snap.registeredModels.length +
    snap.versions.length;
  let done = 0;
  let written = 0;
  let sourcePoints = 0;
  const step = async (what: string, work: Promise<boolean>) => {
    if (await work) written++;
    options.onProgress?.(++done, total, what);
  };
  for (const e of snap.experiments) await step(`experiment ${e.name}`, importer.experiment(e));
  for (const run of snap.runs) {
    const history: Metric[] = [];
    for (const m of run.data.metrics) history.push(...(await source.getMetricHistory(run.info.run_id, m.key)));
    sourcePoints += history.length;
    await step(`run ${run.info.run_id}`, importer.run(run, history));
  }
  // Logged models after runs: their metric points name the run they were logged in.
  for (const m of snap.loggedModels) await step(`logged model ${m.info.model_id}`, importer.loggedModel(m));
  for (const m of snap.registeredModels) await step(`registered model ${m.name}`, importer.registeredModel(m));
  for (const v of snap.versions) await step(`version ${v.name}/${v.version}`, importer.modelVersion(v));
  // Aliases once every version exists.
  for (const m of snap.registeredModels) {
    for (const a of m.aliases) await target.setRegisteredModelAlias(m.name, a.alias, a.version);
  }
  const sourceCounts = await countsOf(source, snap, sourcePoints);
  const targetCounts = await countsOf(target);
  return { source: sourceCounts, target: targetCounts, written, skipped: total - written };
}

/** The entities whose counts differ between source and target (empty when nothing was lost). */
export function countMismatches(report: MigrationReport): (keyof MigrationCounts)[] {
  return (Object.keys(report.source) as (keyof MigrationCounts)[]).filter((k) => report.target[k] < report.source[k]);
}
