import type { Command } from "commander";
import { DEFAULT_POLL_SECONDS } from "../../server/scoring/live-model.js";
import { DEFAULT_PORT, serveScoring } from "../../server/scoring/server.js";
import { addServerOptions, type ServerCliOptions, securityFrom } from "../server-options.js";
import { positiveInt, positiveNumber } from "../util.js";

interface ServeOpts extends ServerCliOptions {
  modelUri: string;
  workers: number;
  trackingUri?: string;
  pollSeconds: number;
}

export function registerServe(program: Command): void {
  const cmd = program
    .command("serve")
    .description(
      "serve one model over HTTP with MLflow's scoring protocol (POST /invocations; GET /ping, /health, /version) " +
        "and POST /predict/hands for live MediaPipe hands",
    )
    .requiredOption(
      "-m, --model-uri <uri>",
      "runs:/<run>/<path>, models:/<name>/<version|stage>, models:/<name>@<alias> or a model file / folder",
    );
  addServerOptions(cmd, {
    defaultPort: DEFAULT_PORT,
    authToken:
      "bearer token; scoring changes nothing, so /invocations, /predict/hands and /version count as reads: " +
      "the token is only required with --auth-reads (/ping and /health stay open)",
    authReads: "require the bearer token on every request but /ping and /health",
    maxBody: "largest request body accepted",
  })
    .option("--workers <n>", "processes sharing the port", positiveInt("--workers"), 1)
    .option(
      "--tracking-uri <uri>",
      "tracking store for runs:/ and models:/ (default: $MLFLOW_TRACKING_URI, else ./mlruns if it holds runs, else sqlite:///mlflow.db)",
    )
    .option(
      "--poll-seconds <s>",
      "how often a stage, alias or latest URI asks the registry which version to serve",
      positiveNumber("--poll-seconds"),
      DEFAULT_POLL_SECONDS,
    )
    .action(async (o: ServeOpts) => {
      const security = securityFrom(o);
      await serveScoring(
        {
          modelUri: o.modelUri,
          port: o.port,
          host: o.host,
          workers: o.workers,
          trackingUri: o.trackingUri,
          pollSeconds: o.pollSeconds,
          ...security,
        },
        (message) => console.log(message),
      );
    });
}
