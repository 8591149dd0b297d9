/**
 * Running the scoring server: one process, or `workers` processes sharing the port (node:cluster: the primary
 * forks and supervises, the workers listen). The server keeps no state, so any number of processes or machines can
 * answer for one model URI. SIGINT / SIGTERM close every process gracefully: requests in flight finish.
 */
import cluster, { type Worker } from "node:cluster";
import { HandgestureError } from "../../core/errors.js";
import { closeOnSignals, listen, type RunningServer } from "../http.js";
import { createScoringApp, type ScoringAppOptions } from "./app.js";
import { type LiveModel, type LiveModelOptions, openLiveModel } from "./live-model.js";

export interface ScoringServerOptions extends ScoringAppOptions, LiveModelOptions {
  /** runs:/, models:/ or a model file / folder path. */
  modelUri: string;
  /** Default 5001 (MLflow's `models serve` default is 5000, which the tracking UI often holds). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export const DEFAULT_PORT = 5001;

export interface ScoringServer {
  running: RunningServer;
  model: LiveModel;
  /** Stops following the registry and closes gracefully (requests in flight finish). */
  close(graceMs?: number): Promise<void>;
}

/** Loads the model, then listens: one process, returned for tests and embedding. */
export async function startScoringServer(options: ScoringServerOptions): Promise<ScoringServer> {
  const model = await openLiveModel(options.modelUri, options);
  try {
    const app = createScoringApp(model, options);
    const running = await listen(app.fetch, { port: options.port ?? DEFAULT_PORT, host: options.host });
    return {
      running,
      model,
      close: async (graceMs) => {
        model.close();
        await running.close(graceMs);
      },
    };
  } catch (e) {
    model.close();
    throw listenError(e, options);
  }
}

function listenError(e: unknown, options: ScoringServerOptions): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  const where = `${options.host ?? "127.0.0.1"}:${options.port ?? DEFAULT_PORT}`;
  if (code === "EADDRINUSE") return new HandgestureError(`cannot listen on ${where}: the port is in use`);
  if (code === "EACCES") return new HandgestureError(`cannot listen on ${where}: permission denied`);
  if (code === "EADDRNOTAVAIL") return new HandgestureError(`cannot listen on ${where}: no such local address`);
  return e;
}

type Announce = (message: string) => void;

/**
 * The `serve` command: `workers` ≤ 1 serves in this process; otherwise the primary forks that many workers (each
 * re-runs the same command line and lands in the worker branch here) and waits. Resolves once listening; signals
 * then close everything and exit the process.
 */
export async function serveScoring(options: ScoringServerOptions & { workers?: number }, announce: Announce) {
  const workers = options.workers ?? 1;
  if (cluster.isWorker) return runWorker(options);
  if (workers <= 1) {
    const server = await startScoringServer(options);
    closeOnSignals(server.running, () => server.model.close());
    announce(`serving ${server.model.current.tag} on ${server.running.url}`);
    return;
  }
  // Check the model loads before forking, so a bad URI is one clear error rather than N crashing workers.
  const probe = await openLiveModel(options.modelUri, options);
  const tag = probe.current.tag;
  probe.close();
  await runPrimary(workers, (url) => announce(`serving ${tag} on ${url} with ${workers} workers`));
}

/** A worker: serve, and close gracefully on a signal or when the primary says so. */
async function runWorker(options: ScoringServerOptions): Promise<void> {
  const workerId = cluster.worker?.id;
  let server: ScoringServer;
  try {
    server = await startScoringServer({ ...options, workerId });
  } catch (e) {
    console.error(`worker ${workerId}: error: ${(e as Error).message}`);
    process.exit(2);
  }
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    server.close().finally(() => process.exit(0));
  };
  const onSignal = () => (closing ? process.exit(1) : shutdown()); // a second Ctrl-C exits at once
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("message", (m) => {
    if ((m as { cmd?: string } | null)?.cmd === "shutdown") shutdown();
  });
}

/** The primary: forks, reports the URL once every worker listens, replaces a worker that dies, closes on signals. */
function runPrimary(count: number, onListening: (url: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let listening = 0;
    let started = false;
    let stopping = false;
    const live = new Set<Worker>();
    const fork = () => {
      const w = cluster.fork();
      live.add(w);
      w.once("listening", (address) => {
        if (started) return;
        if (++listening === count) {
          started = true;
          const host = address.address?.includes(":") ? `[${address.address}]` : address.address;
          onListening(`http://${host}:${address.port}`);
          resolve();
        }
      });
      w.once("exit", (code, signal) => {
        live.delete(w);
        if (stopping) {
          if (live.size === 0) process.exit(0);
          return;
        }
        if (!started) {
          stopping = true;
          for (const other of live) other.kill("SIGKILL");
          reject(new HandgestureError(`a worker could not start (exit ${code ?? signal}); see its message above`));
          return;
        }
        console.error(`worker ${w.id} exited (${code ?? signal}); starting another`);
        fork();
      });
    };
    for (let i = 0; i < count; i++) fork();
    const stop = () => {
      if (stopping) {
        for (const w of live) w.process.kill("SIGKILL");
        process.exit(1);
      }
      stopping = true;
      if (live.size === 0) process.exit(0);
      for (const w of live) if (w.isConnected()) w.send({ cmd: "shutdown" });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
