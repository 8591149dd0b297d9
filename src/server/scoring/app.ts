/**
 * The scoring server's routes: MLflow's scoring protocol (`/ping`, `/health`, `/version`, `/invocations`) and a
 * landmark-native endpoint for live MediaPipe hands (`/predict/hands`). Thin: each route parses, asks the model
 * answering now, and formats; errors are thrown and become MLflow's error shape in the shared onError.
 */
import { type Context, Hono } from "hono";
import { VERSION } from "../../node/version.js";
import { HttpError, notFound, onError } from "../errors.js";
import { type SecurityOptions, secure } from "../security.js";
import { recognizeHands } from "./hands.js";
import { parseCsvInput, parseJsonInput } from "./inputs.js";
import type { ModelProvider } from "./live-model.js";
import { outputForm } from "./served-model.js";

/** Response header naming the model that answered (`name/version` for registered models, else its URI). */
export const MODEL_HEADER = "X-Model-Version";
/** Response header naming the worker that answered (only with `workerId`, i.e. `--workers` > 1). */
export const WORKER_HEADER = "X-Worker";

export interface ScoringAppOptions extends SecurityOptions {
  /** Set by the cluster: each answer then says which worker gave it. */
  workerId?: number;
}

function mimeOf(c: Context): string {
  const raw = c.req.header("content-type") ?? "";
  const semi = raw.indexOf(";");
  return (semi < 0 ? raw : raw.slice(0, semi)).trim().toLowerCase();
}

/** MLflow's 415 message, naming the types the route takes. */
function unsupportedType(c: Context, types: readonly string[]): HttpError {
  return new HttpError(
    415,
    "BAD_REQUEST",
    `This predictor only supports the following content types: Types: ['${types.join("', '")}']. ` +
      `Got '${c.req.header("content-type") ?? ""}'.`,
  );
}

const methodNotAllowed = (allowed: string) => (c: Context) => {
  c.header("Allow", allowed);
  throw new HttpError(405, "BAD_REQUEST", "The method is not allowed for the requested URL.");
};

/**
 * A Hono app serving whatever model `model.current` is at the time of each request. Nothing here writes, so the
 * token (SecurityOptions.authToken) is only checked with `authReads`; /ping and /health stay open for probes.
 */
export function createScoringApp(model: ModelProvider, options: ScoringAppOptions = {}): Hono {
  const app = new Hono();
  const worker = options.workerId === undefined ? undefined : String(options.workerId);
  if (worker) {
    app.use("*", async (c, next) => {
      await next();
      c.res.headers.set(WORKER_HEADER, worker);
    });
  }
  // Load balancers and orchestrators probe these without credentials; they say nothing but "up".
  const ping = () => new Response("\n", { status: 200, headers: { "content-type": "application/json" } });
  app.get("/ping", ping);
  app.get("/health", ping);

  secure(app, options, () => false);

  app.get("/version", (c) => {
    c.header(MODEL_HEADER, model.current.tag);
    return c.text(VERSION);
  });

  app.post("/invocations", async (c) => {
    const served = model.current; // read once: a registry switch mid-request does not change who answers
    const mime = mimeOf(c);
    if (mime !== "application/json" && mime !== "text/csv") throw unsupportedType(c, ["text/csv", "application/json"]);
    const text = await c.req.text();
    const input = mime === "text/csv" ? parseCsvInput(text) : parseJsonInput(text);
    const predictions = served.predict(input.rows, outputForm(input.params));
    c.header(MODEL_HEADER, served.tag);
    return c.json({ predictions });
  });
  app.all("/invocations", methodNotAllowed("POST"));

  app.post("/predict/hands", async (c) => {
    const served = model.current;
    if (mimeOf(c) !== "application/json") throw unsupportedType(c, ["application/json"]);
    const hands = recognizeHands(served, await c.req.text());
    c.header(MODEL_HEADER, served.tag);
    return c.json({ hands });
  });
  app.all("/predict/hands", methodNotAllowed("POST"));

  app.onError(onError);
  app.notFound(notFound);
  return app;
}
