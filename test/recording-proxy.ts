import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP proxy on loopback that writes down every request a browser sends through it, forwards those for
 * 127.0.0.1 and refuses the rest (and every CONNECT tunnel, i.e. any https:// or wss:// connection). With
 * Chromium's `--proxy-server` and `--proxy-bypass-list=<-loopback>` every request the browser makes, its own
 * background traffic included, passes here: what it saw is what left the browser.
 */
export interface RecordingProxy {
  url: string;
  /** Every request: `GET http://127.0.0.1:5000/`, or `CONNECT host:443`. */
  seen: string[];
  close(): Promise<void>;
}

export async function startRecordingProxy(): Promise<RecordingProxy> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("absolute URL expected");
      return;
    }
    if (target.hostname !== "127.0.0.1") {
      res.writeHead(403).end("not on loopback");
      return;
    }
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on("connect", (req, socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
