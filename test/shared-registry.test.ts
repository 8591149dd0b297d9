import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeLabels } from "../src/core/labels.js";
import { buildPipeline } from "../src/core/pipelines.js";
import { TrackingClient } from "../src/tracking/client.js";
import { RestStore } from "../src/tracking/rest-store.js";
import { openSqlStore } from "../src/tracking/sql/index.js";
import { cli } from "./cli.js";
import { loadTable } from "./data.js";
import { testPostgresUrl } from "./postgres.js";
import { type CliServer, startCli } from "./processes.js";
import { DEV_CSV, hasShared } from "./shared.js";

/**
 * A team's set-up: one PostgreSQL registry shared by two `handgesture serve` processes and one `handgesture ui`.
 * A stage or alias change made through any of them (or by the CLI) is followed by the others.
 */
const NAME = "hand-gesture";
const started: CliServer[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

async function modelTag(url: string, path: string): Promise<string | null> {
  const r = await fetch(`${url}${path}`);
  await r.arrayBuffer();
  return r.headers.get("x-model-version");
}

/** Polls until `read` gives `want` (a server follows the registry every --poll-seconds). */
async function until(read: () => Promise<string | null>, want: string, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last: string | null = null;
  while (Date.now() < deadline) {
    last = await read().catch(() => null);
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: still ${last}, expected ${want}`);
}

describe.skipIf(!hasShared("data", "hagrid_sample_dev.csv"))(
  "a PostgreSQL registry shared by serve, serve and ui",
  () => {
    it("follows a stage or alias change made through any one of them", async (ctx) => {
      const url = await testPostgresUrl();
      if (!url) return ctx.skip();
      const dir = mkdtempSync(join(tmpdir(), "handgesture-shared-"));
      const table = loadTable(DEV_CSV);
      const model = buildPipeline("seed-knn").fit(table.X, encodeLabels(table.labels));
      const store = await openSqlStore(url, { defaultArtifactRoot: join(dir, "artifacts") });
      const client = new TrackingClient(store);
      try {
        const exp = await client.getOrCreateExperiment("team");
        await store.createRegisteredModel(NAME);
        for (const name of ["first", "second"]) {
          const uri = await client.withRun(exp, { runName: name }, (run) => client.logModel(run.info.run_id, model));
          await client.createModelVersionFrom(uri, { name: NAME });
        }
        await store.transitionModelVersionStage(NAME, "1", "Production", true);
        await store.setRegisteredModelAlias(NAME, "champion", "1");
      } finally {
        await store.close();
      }

      const serve = (model: string) =>
        startCli(["serve", "--model-uri", model, "--tracking-uri", url, "-p", "0", "--poll-seconds", "0.5"], {
          cwd: dir,
        });
      const byAlias = serve(`models:/${NAME}@champion`);
      const byStage = serve(`models:/${NAME}/Production`);
      const ui = startCli(["ui", "-p", "0", "--tracking-uri", url, "--poll-seconds", "0.5"], { cwd: dir });
      started.push(byAlias, byStage, ui);
      const [aliasUrl, stageUrl, uiUrl] = await Promise.all([byAlias.url, byStage.url, ui.url]);
      const seen = {
        alias: () => modelTag(aliasUrl, "/version"),
        stage: () => modelTag(stageUrl, "/version"),
        ui: () => modelTag(uiUrl, "/api/ui/model"),
      };
      await until(seen.alias, `${NAME}/1`, "serve @champion at start");
      await until(seen.stage, `${NAME}/1`, "serve /Production at start");
      await until(seen.ui, `${NAME}/1`, "ui at start");

      // Through the ui's tracking API (MLflow's REST): the alias moves, the @champion server follows.
      await new RestStore(uiUrl).setRegisteredModelAlias(NAME, "champion", "2");
      await until(seen.alias, `${NAME}/2`, "serve @champion after the alias moved through ui");
      expect(await seen.stage()).toBe(`${NAME}/1`);

      // By the CLI, straight on the database: Production moves, the /Production server and the ui follow.
      const r = cli(["models", "transition", NAME, "2", "Production", "--archive-existing", "--tracking-uri", url]);
      expect(r.status, r.stderr).toBe(0);
      await until(seen.stage, `${NAME}/2`, "serve /Production after the CLI's transition");
      await until(seen.ui, `${NAME}/2`, "ui after the CLI's transition");
      const shown = cli(["models", "show", NAME, "--json", "--tracking-uri", url]);
      expect(shown.status, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('"champion"');
    }, 120_000);
  },
);
