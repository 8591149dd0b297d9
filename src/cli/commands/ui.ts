import type { Command } from "commander";
import { closeOnSignals } from "../../server/http.js";
import { DEFAULT_POLL_SECONDS } from "../../server/scoring/live-model.js";
import { DEFAULT_MAX_ARTIFACT_BYTES } from "../../server/tracking/app.js";
import { DEFAULT_SAMPLES_FILE, RECORDINGS_DIR } from "../../server/ui/app.js";
import { DEFAULT_MODEL_NAME, DEFAULT_PORT, serveUi } from "../../server/ui/serve.js";
import { addServerOptions, type ServerCliOptions, securityFrom } from "../server-options.js";
import { positiveInt, positiveNumber } from "../util.js";

interface UiOpts extends ServerCliOptions {
  trackingUri?: string;
  maxArtifact: number;
  modelName: string;
  model?: string;
  recordings: string;
  samples: string;
  pollSeconds: number;
  dataRoot?: string;
}

export function registerUi(program: Command): void {
  const cmd = program
    .command("ui")
    .description(
      "the live page (camera → MediaPipe hands → gestures, recording, sample collection) with the registry's " +
        "Production model, the scoring protocol (/invocations, /predict/hands) and the tracking store over " +
        "MLflow's REST API 2.0, all on one port",
    );
  addServerOptions(cmd, {
    defaultPort: DEFAULT_PORT,
    authToken: "bearer token required on every write; searches and gets are reads",
    authReads: "require the bearer token on reads too (/health stays open for probes)",
    maxBody: "largest JSON request body",
  })
    .option(
      "--tracking-uri <uri>",
      "the store served (default: $MLFLOW_TRACKING_URI, else ./mlruns if it holds runs, else sqlite:///mlflow.db)",
    )
    .option(
      "--model-name <name>",
      "registered model whose Production version is used; the shipped default model is registered as it when " +
        "the registry has none",
      DEFAULT_MODEL_NAME,
    )
    .option("--model <uri>", "use this model file or model URI instead of the registry's Production model")
    .option("--recordings <dir>", "where recordings are saved", RECORDINGS_DIR)
    .option("--samples <file>", "collect mode's CSV (training-data format)", DEFAULT_SAMPLES_FILE)
    .option(
      "--poll-seconds <s>",
      "how often the registry is asked which version is in Production",
      positiveNumber("--poll-seconds"),
      DEFAULT_POLL_SECONDS,
    )
    .option(
      "--data-root <dir>",
      "the folder whose CSV files the dashboard may profile (GET /api/ui/datasets/profile; default: the working directory)",
    )
    .option(
      "--max-artifact <bytes>",
      "largest artifact upload",
      positiveInt("--max-artifact"),
      DEFAULT_MAX_ARTIFACT_BYTES,
    )
    .action(async (o: UiOpts) => {
      const security = securityFrom(o);
      const ui = await serveUi({
        trackingUri: o.trackingUri,
        modelName: o.modelName,
        modelUri: o.model,
        port: o.port,
        host: o.host,
        security,
        maxArtifactBytes: o.maxArtifact,
        recordingsDir: o.recordings,
        samplesFile: o.samples,
        pollSeconds: o.pollSeconds,
        dataRoot: o.dataRoot,
        log: (m) => console.log(m),
      });
      for (const w of ui.warnings) console.error(`warning: ${w}`);
      const auth = !security.authToken ? "" : o.authReads ? ", token on every request" : ", token on writes";
      console.log(
        `handgesture ui on ${ui.running.url} (store: ${ui.storeUri}${auth}; model: ${ui.model.current.tag}) ` +
          `— open it in a browser; the dashboard: ${ui.running.url}/dashboard.html`,
      );
      closeOnSignals(ui.running, () => ui.model.close());
    });
}
