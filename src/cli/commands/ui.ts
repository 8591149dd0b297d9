import type { Command } from "commander";
import { HandgestureError } from "../../core/errors.js";
import { closeOnSignals } from "../../server/http.js";
import { AUTH_TOKEN_ENV, DEFAULT_MAX_BODY_BYTES } from "../../server/security.js";
import { DEFAULT_MAX_ARTIFACT_BYTES } from "../../server/tracking/app.js";
import { DEFAULT_PORT, serveTracking } from "../../server/tracking/serve.js";
import { integer, positiveInt } from "../util.js";

function port(value: string): number {
  const n = integer("--port")(value);
  if (n < 0 || n > 65535) throw new HandgestureError(`--port must be 0..65535, got "${value}"`);
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface UiOpts {
  port: number;
  host: string;
  trackingUri?: string;
  authToken?: string;
  authReads?: boolean;
  corsOrigin?: string[];
  maxBody: number;
  maxArtifact: number;
}

export function registerUi(program: Command): void {
  program
    .command("ui")
    .description(
      "serve the tracking store over MLflow's REST API 2.0 (tracking, registry, proxied artifacts, /health, " +
        "/version) for the mlflow client and --tracking-uri http://...",
    )
    .option("-p, --port <port>", "port (0: any free port)", port, DEFAULT_PORT)
    .option("--host <host>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
    .option("--tracking-uri <uri>", "the store served (default: $MLFLOW_TRACKING_URI, else ./mlruns)")
    .option(
      "--auth-token <token>",
      `bearer token required on every write (default $${AUTH_TOKEN_ENV}); searches and gets are reads`,
    )
    .option("--auth-reads", "require the bearer token on reads too (/health stays open for probes)")
    .option("--cors-origin <origin...>", "origins allowed to call from a browser, e.g. http://localhost:5173", collect)
    .option("--max-body <bytes>", "largest JSON request body", positiveInt("--max-body"), DEFAULT_MAX_BODY_BYTES)
    .option(
      "--max-artifact <bytes>",
      "largest artifact upload",
      positiveInt("--max-artifact"),
      DEFAULT_MAX_ARTIFACT_BYTES,
    )
    .action(async (o: UiOpts) => {
      const authToken = o.authToken || process.env[AUTH_TOKEN_ENV] || undefined;
      if (o.authReads && !authToken) {
        throw new HandgestureError(`--auth-reads needs a token: --auth-token or $${AUTH_TOKEN_ENV}`);
      }
      const { running, storeUri, warnings } = await serveTracking({
        trackingUri: o.trackingUri,
        port: o.port,
        host: o.host,
        security: { authToken, authReads: o.authReads, corsOrigins: o.corsOrigin, maxBodyBytes: o.maxBody },
        maxArtifactBytes: o.maxArtifact,
      });
      for (const w of warnings) console.error(`warning: ${w}`);
      const auth = !authToken ? "" : o.authReads ? ", token on every request" : ", token on writes";
      console.log(`handgesture tracking server on ${running.url} (store: ${storeUri}${auth})`);
      closeOnSignals(running);
    });
}
