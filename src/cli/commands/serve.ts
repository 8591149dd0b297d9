import type { Command } from "commander";
import { HandgestureError } from "../../core/errors.js";
import { DEFAULT_POLL_SECONDS } from "../../server/scoring/live-model.js";
import { DEFAULT_PORT, serveScoring } from "../../server/scoring/server.js";
import { AUTH_TOKEN_ENV, DEFAULT_MAX_BODY_BYTES } from "../../server/security.js";
import { integer, positiveInt } from "../util.js";

function seconds(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new HandgestureError(`--poll-seconds must be a positive number, got "${value}"`);
  return n;
}

function port(value: string): number {
  const n = integer("--port")(value);
  if (n < 0 || n > 65535) throw new HandgestureError(`--port must be 0..65535, got "${value}"`);
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface ServeOpts {
  modelUri: string;
  port: number;
  host: string;
  workers: number;
  trackingUri?: string;
  pollSeconds: number;
  authToken?: string;
  authReads?: boolean;
  corsOrigin?: string[];
  maxBody: number;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "serve one model over HTTP with MLflow's scoring protocol (POST /invocations; GET /ping, /health, /version) " +
        "and POST /predict/hands for live MediaPipe hands",
    )
    .requiredOption(
      "-m, --model-uri <uri>",
      "runs:/<run>/<path>, models:/<name>/<version|stage>, models:/<name>@<alias> or a model file / folder",
    )
    .option("-p, --port <port>", "port (0: any free port)", port, DEFAULT_PORT)
    .option("--host <host>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
    .option("--workers <n>", "processes sharing the port", positiveInt("--workers"), 1)
    .option(
      "--tracking-uri <uri>",
      "tracking store for runs:/ and models:/ (default: $MLFLOW_TRACKING_URI, else ./mlruns)",
    )
    .option(
      "--poll-seconds <s>",
      "how often a stage, alias or latest URI asks the registry which version to serve",
      seconds,
      DEFAULT_POLL_SECONDS,
    )
    .option(
      "--auth-token <token>",
      `bearer token (default $${AUTH_TOKEN_ENV}); scoring changes nothing, so /invocations, /predict/hands and ` +
        "/version count as reads: the token is only required with --auth-reads (/ping and /health stay open)",
    )
    .option("--auth-reads", "require the bearer token on every request but /ping and /health")
    .option("--cors-origin <origin...>", "origins allowed to call from a browser, e.g. http://localhost:5173", collect)
    .option("--max-body <bytes>", "largest request body accepted", positiveInt("--max-body"), DEFAULT_MAX_BODY_BYTES)
    .action(async (o: ServeOpts) => {
      const authToken = o.authToken ?? process.env[AUTH_TOKEN_ENV] ?? undefined;
      if (o.authReads && !authToken) {
        throw new HandgestureError(`--auth-reads needs a token: --auth-token or $${AUTH_TOKEN_ENV}`);
      }
      await serveScoring(
        {
          modelUri: o.modelUri,
          port: o.port,
          host: o.host,
          workers: o.workers,
          trackingUri: o.trackingUri,
          pollSeconds: o.pollSeconds,
          authToken: authToken || undefined,
          authReads: o.authReads,
          corsOrigins: o.corsOrigin,
          maxBodyBytes: o.maxBody,
        },
        (message) => console.log(message),
      );
    });
}
