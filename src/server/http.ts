/**
 * Serving a fetch-style app (Hono) from Node: listen on a host and port with timeouts, and close gracefully
 * (stop accepting, let requests in flight finish, then drop idle keep-alive connections).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";

export interface ListenOptions {
  port: number;
  /** Default 127.0.0.1: nothing outside this machine reaches the server unless asked. */
  host?: string;
  /** Whole request (headers and body) must arrive within this (default 30 s). */
  requestTimeoutMs?: number;
  /** Headers must arrive within this (default 10 s): slow-loris clients are cut off. */
  headersTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this (default 5 s). */
  keepAliveTimeoutMs?: number;
}

export interface RunningServer {
  server: Server;
  /** http://host:port, no trailing slash. */
  url: string;
  port: number;
  /** Stops accepting, waits for requests in flight (at most graceMs, default 10 s), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

export function listen(fetch: (req: Request) => Response | Promise<Response>, options: ListenOptions) {
  const host = options.host ?? "127.0.0.1";
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const server = createAdaptorServer({
    fetch,
    hostname: host,
    serverOptions: {
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      headersTimeout,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      // Node checks the timeouts above only this often (default 30 s): check at least once a second.
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
    },
  }) as Server;
  return new Promise<RunningServer>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      const shown = host.includes(":") ? `[${host}]` : host;
      resolve({ server, url: `http://${shown}:${port}`, port, close: (graceMs) => closeGracefully(server, graceMs) });
    });
  });
}

function closeGracefully(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    // Keep-alive connections with no request in flight would hold close() open until they time out.
    server.closeIdleConnections();
  });
}

/** On SIGINT / SIGTERM: close gracefully, run `after`, exit 0. A second signal exits at once. */
export function closeOnSignals(running: RunningServer, after?: () => Promise<void> | void): void {
  let closing = false;
  const handler = () => {
    if (closing) process.exit(1);
    closing = true;
    running
      .close()
      .then(() => after?.())
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
