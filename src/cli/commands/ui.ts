import type { Command } from "commander";
import { closeOnSignals } from "../../server/http.js";
import { DEFAULT_MAX_ARTIFACT_BYTES } from "../../server/tracking/app.js";
import { DEFAULT_PORT, serveTracking } from "../../server/tracking/serve.js";
import { addServerOptions, type ServerCliOptions, securityFrom } from "../server-options.js";
import { positiveInt } from "../util.js";

interface UiOpts extends ServerCliOptions {
  trackingUri?: string;
  maxArtifact: number;
}

export function registerUi(program: Command): void {
  const cmd = program
    .command("ui")
    .description(
      "serve the tracking store over MLflow's REST API 2.0 (tracking, registry, proxied artifacts, /health, " +
        "/version) for the mlflow client and --tracking-uri http://...",
    );
  addServerOptions(cmd, {
    defaultPort: DEFAULT_PORT,
    authToken: "bearer token required on every write; searches and gets are reads",
    authReads: "require the bearer token on reads too (/health stays open for probes)",
    maxBody: "largest JSON request body",
  })
    .option("--tracking-uri <uri>", "the store served (default: $MLFLOW_TRACKING_URI, else ./mlruns)")
    .option(
      "--max-artifact <bytes>",
      "largest artifact upload",
      positiveInt("--max-artifact"),
      DEFAULT_MAX_ARTIFACT_BYTES,
    )
    .action(async (o: UiOpts) => {
      const security = securityFrom(o);
      const { running, storeUri, warnings } = await serveTracking({
        trackingUri: o.trackingUri,
        port: o.port,
        host: o.host,
        security,
        maxArtifactBytes: o.maxArtifact,
      });
      for (const w of warnings) console.error(`warning: ${w}`);
      const auth = !security.authToken ? "" : o.authReads ? ", token on every request" : ", token on writes";
      console.log(`handgesture tracking server on ${running.url} (store: ${storeUri}${auth})`);
      closeOnSignals(running);
    });
}
