/**
 * The project's tracking server (createTrackingApp) over a store, on 127.0.0.1 at an ephemeral port, recording
 * every request it receives (before authentication), for tests that look at what a client sent.
 */

import { listen } from "../src/server/http.js";
import type { SecurityOptions } from "../src/server/security.js";
import { createTrackingApp } from "../src/server/tracking/app.js";
import type { TrackingStore } from "../src/tracking/store.js";

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
}

export interface TestTrackingServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startTrackingServer(
  store: TrackingStore,
  security: SecurityOptions = {},
): Promise<TestTrackingServer> {
  const app = createTrackingApp({ store, security });
  const requests: RecordedRequest[] = [];
  const running = await listen(
    (req: Request, env?: unknown) => {
      const url = new URL(req.url);
      const headers: Record<string, string> = {};
      req.headers.forEach((value, key) => {
        headers[key] = value;
      });
      requests.push({ method: req.method, path: url.pathname, query: url.search, headers });
      return app.fetch(req, env);
    },
    { port: 0 },
  );
  return { url: running.url, requests, close: () => running.close(1000) };
}
