import type { Command } from "commander";
import { HandgestureError } from "../../core/errors.js";
import { STAGES, type Stage } from "../../tracking/entities.js";
import { openStore, trackingUri } from "../../tracking/open-store.js";
import type { TrackingStore } from "../../tracking/store.js";
import { positiveInt } from "../util.js";

export const TRACKING_URI_HELP =
  "tracking store: sqlite:///file.db, postgresql://…, http(s)://server, or an mlruns folder (default: " +
  "$MLFLOW_TRACKING_URI, else ./mlruns if it holds runs, else sqlite:///mlflow.db)";

/** A plain text table: columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((v, c) => (v ?? "").padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const time = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "");

function withUri(cmd: Command): Command {
  return cmd.option("--tracking-uri <uri>", TRACKING_URI_HELP);
}

/** Stores the commands opened, closed after each command's action (a database keeps connections open). */
const opened: TrackingStore[] = [];
async function openFor(o: { trackingUri?: string }): Promise<TrackingStore> {
  const store = await openStore(trackingUri(o.trackingUri));
  opened.push(store);
  return store;
}

export function registerTracking(program: Command): void {
  program.hook("postAction", async () => {
    for (const store of opened.splice(0)) await store.close?.();
  });
  const experiments = program.command("experiments").description("experiments in the tracking store");
  withUri(experiments.command("list").description("list experiments"))
    .option("--json", "JSON output")
    .action(async (o: { trackingUri?: string; json?: boolean }) => {
      const store = await openFor(o);
      const { items } = await store.searchExperiments({ maxResults: 1000 });
      if (o.json) return console.log(JSON.stringify(items));
      console.log(
        table([
          ["ID", "NAME", "STAGE", "CREATED"],
          ...items.map((e) => [e.experiment_id, e.name, e.lifecycle_stage, time(e.creation_time)]),
        ]),
      );
    });

  const runs = program.command("runs").description("runs in the tracking store");
  withUri(runs.command("list").description("list runs of an experiment"))
    .option("--experiment <name>", "experiment name", "Default")
    .option("--filter <filter>", "MLflow search filter, e.g. \"metrics.macro_f1 > 0.9 and params.model = 'rf'\"")
    .option("--order-by <clause...>", "e.g. 'metrics.macro_f1 DESC'")
    .option("--max <n>", "at most this many runs", positiveInt("--max"), 100)
    .option("--json", "JSON output")
    .action(
      async (o: {
        trackingUri?: string;
        experiment: string;
        filter?: string;
        orderBy?: string[];
        max: number;
        json?: boolean;
      }) => {
        const store = await openFor(o);
        const exp = await store.getExperimentByName(o.experiment);
        if (!exp) throw new HandgestureError(`no experiment named "${o.experiment}"`, "RESOURCE_DOES_NOT_EXIST");
        const { items } = await store.searchRuns({
          experimentIds: [exp.experiment_id],
          filter: o.filter,
          orderBy: o.orderBy,
          maxResults: o.max,
        });
        if (o.json) return console.log(JSON.stringify(items));
        const metricKeys = [...new Set(items.flatMap((r) => r.data.metrics.map((m) => m.key)))].slice(0, 4);
        console.log(
          table([
            ["RUN ID", "NAME", "STATUS", "STARTED", ...metricKeys],
            ...items.map((r) => [
              r.info.run_id,
              r.info.run_name,
              r.info.status,
              time(r.info.start_time),
              ...metricKeys.map((k) => {
                const v = r.data.metrics.find((m) => m.key === k)?.value;
                return v === undefined ? "" : String(Number(v.toPrecision(4)));
              }),
            ]),
          ]),
        );
      },
    );
  withUri(runs.command("show <runId>").description("a run's params, metrics, tags and artifacts"))
    .option("--json", "JSON output")
    .action(async (runId: string, o: { trackingUri?: string; json?: boolean }) => {
      const store = await openFor(o);
      const run = await store.getRun(runId);
      const artifacts = await store.listArtifacts(runId);
      if (o.json) return console.log(JSON.stringify({ ...run, artifacts }));
      const i = run.info;
      console.log(`run ${i.run_id} "${i.run_name}" in experiment ${i.experiment_id}: ${i.status}`);
      console.log(`started ${time(i.start_time)}${i.end_time ? `, ended ${time(i.end_time)}` : ""}`);
      for (const [title, rows] of [
        ["params", run.data.params.map((p) => [p.key, p.value])],
        ["metrics", run.data.metrics.map((m) => [m.key, String(m.value), `step ${m.step}`])],
        ["tags", run.data.tags.filter((t) => !t.key.startsWith("mlflow.log-model")).map((t) => [t.key, t.value])],
        [
          "artifacts",
          artifacts.map((a) => [a.path + (a.is_dir ? "/" : ""), a.file_size === undefined ? "" : `${a.file_size} B`]),
        ],
      ] as const) {
        if (rows.length) console.log(`\n${title}:\n${table(rows.map((r) => ["  ", ...r]))}`);
      }
    });

  const models = program.command("models").description("the model registry");
  withUri(models.command("list").description("registered models"))
    .option("--json", "JSON output")
    .action(async (o: { trackingUri?: string; json?: boolean }) => {
      const store = await openFor(o);
      const { items } = await store.searchRegisteredModels({ maxResults: 1000 });
      if (o.json) return console.log(JSON.stringify(items));
      console.log(
        table([
          ["NAME", "LATEST VERSIONS", "ALIASES", "UPDATED"],
          ...items.map((m) => [
            m.name,
            m.latest_versions.map((v) => `${v.version}:${v.current_stage}`).join(" "),
            m.aliases.map((a) => `${a.alias}→${a.version}`).join(" "),
            time(m.last_updated_timestamp),
          ]),
        ]),
      );
    });
  withUri(models.command("show <name>").description("a registered model and its versions"))
    .option("--json", "JSON output")
    .action(async (name: string, o: { trackingUri?: string; json?: boolean }) => {
      const store = await openFor(o);
      const model = await store.getRegisteredModel(name);
      const { items } = await store.searchModelVersions({ filter: `name = '${name.replace(/'/g, "\\'")}'` });
      if (o.json) return console.log(JSON.stringify({ ...model, versions: items }));
      console.log(`${model.name}${model.description ? `: ${model.description}` : ""}`);
      console.log(
        table([
          ["VERSION", "STAGE", "ALIASES", "RUN", "CREATED", "SOURCE"],
          ...items.map((v) => [
            v.version,
            v.current_stage,
            v.aliases.join(" "),
            v.run_id,
            time(v.creation_timestamp),
            v.source,
          ]),
        ]),
      );
    });
  withUri(models.command("transition <name> <version> <stage>").description(`move a version to ${STAGES.join(", ")}`))
    .option("--archive-existing", "archive the versions now in that stage")
    .action(
      async (name: string, version: string, stage: string, o: { trackingUri?: string; archiveExisting?: boolean }) => {
        const s = STAGES.find((x) => x.toLowerCase() === stage.toLowerCase());
        if (!s) throw new HandgestureError(`unknown stage "${stage}"; stages: ${STAGES.join(", ")}`);
        const store = await openFor(o);
        const v = await store.transitionModelVersionStage(name, version, s as Stage, Boolean(o.archiveExisting));
        console.log(`${v.name} version ${v.version} is now in ${v.current_stage}`);
      },
    );
  withUri(
    models.command("alias <name> <alias> [version]").description("point an alias at a version (--delete to remove)"),
  )
    .option("--delete", "remove the alias")
    .action(
      async (
        name: string,
        alias: string,
        version: string | undefined,
        o: { trackingUri?: string; delete?: boolean },
      ) => {
        const store = await openFor(o);
        if (o.delete) {
          await store.deleteRegisteredModelAlias(name, alias);
          return console.log(`removed alias ${alias} of ${name}`);
        }
        if (!version) throw new HandgestureError("give the version the alias should point at, or --delete");
        await store.setRegisteredModelAlias(name, alias, version);
        console.log(`${name}@${alias} → version ${version}`);
      },
    );
}
