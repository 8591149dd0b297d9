/**
 * `handgesture ui` without the command line: open the tracking store a URI names and serve createTrackingApp
 * over it on a host and port.
 */
import { HandgestureError } from "../../core/errors.js";
import { openStore, trackingUri } from "../../tracking/open-store.js";
import { listen, type RunningServer } from "../http.js";
import type { SecurityOptions } from "../security.js";
import { createTrackingApp } from "./app.js";

export const DEFAULT_PORT = 5000;
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export interface ServeTrackingOptions {
  /** The store served (default: $MLFLOW_TRACKING_URI, else ./mlruns if it holds runs, else sqlite:///mlflow.db). */
  trackingUri?: string;
  /** Default 5000, MLflow's; 0 takes any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  security?: SecurityOptions;
  /** Largest artifact upload in bytes (default DEFAULT_MAX_ARTIFACT_BYTES). */
  maxArtifactBytes?: number;
}

export interface ServingTracking {
  running: RunningServer;
  /** The tracking URI of the store served. */
  storeUri: string;
  /** Advice for the operator (e.g. an open server on a public interface); empty when there is none. */
  warnings: string[];
}

export async function serveTracking(options: ServeTrackingOptions = {}): Promise<ServingTracking> {
  const storeUri = trackingUri(options.trackingUri);
  const host = options.host ?? "127.0.0.1";
  const security = options.security ?? {};
  checkSecurity(security);
  const app = createTrackingApp({
    store: await openStore(storeUri, { server: true }),
    security,
    maxArtifactBytes: options.maxArtifactBytes,
  });
  const running = await listenOn(app.fetch, host, options.port ?? DEFAULT_PORT);
  return { running, storeUri, warnings: storeWarnings(host, security) };
}

/** Refuses options that would lock everyone out. */
export function checkSecurity(security: SecurityOptions): void {
  if (security.authReads && !security.authToken) {
    throw new HandgestureError("authReads needs a token: with no token every request would be refused");
  }
}

/** listen, with a failure said in one line: the address and the system's code. */
export async function listenOn(
  fetch: (req: Request) => Response | Promise<Response>,
  host: string,
  port: number,
): Promise<RunningServer> {
  try {
    return await listen(fetch, { port, host });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new HandgestureError(`cannot listen on ${host}:${port}: ${code}`);
  }
}

/** Advice for a server that serves a store: open on a public interface, anyone can write to it. */
export function storeWarnings(host: string, security: SecurityOptions): string[] {
  return !LOOPBACK.has(host) && !security.authToken
    ? [`listening on ${host} with no auth token: anyone who reaches this address can write to the store`]
    : [];
}
