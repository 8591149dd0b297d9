/**
 * PostgreSQL faults, made real with a TCP proxy between the store and the server: connections cut while the
 * server stays reachable are retried (the store goes on), a server that goes away for good gives a clear error
 * naming host and port, and no batch is half-written either way.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSqlUri } from "./open.js";
import { openSqlStore, type SqlStore } from "./sql-store.js";
import { freshPostgresDatabase, POSTGRES_URL } from "./testing.js";

/** A proxy to host:port whose connections can be cut, and which can be shut. */
function proxy(host: string, port: number): Promise<{ port: number; cut: () => void; shut: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  const cut = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () =>
      ok({
        port: (server.address() as { port: number }).port,
        cut,
        shut: () =>
          new Promise((done) => {
            cut();
            server.close(() => done());
          }),
      }),
    ),
  );
}

describe.skipIf(!POSTGRES_URL)("PostgreSQL faults", () => {
  let db: { uri: string; drop: () => Promise<void> };
  beforeAll(async () => {
    db = await freshPostgresDatabase();
  });
  afterAll(() => db.drop());

  it("retries after connections are cut, then names host and port when the server is gone", async () => {
    const parsed = parseSqlUri(db.uri);
    if (parsed.dialect !== "postgres") throw new Error("not postgres");
    const p = await proxy(parsed.target.host, parsed.target.port);
    const via = new URL(db.uri);
    via.hostname = "127.0.0.1";
    via.port = String(p.port);
    let store: SqlStore | undefined;
    try {
      store = await openSqlStore(via.href);
      const runId = (await store.createRun({ experimentId: "0" })).info.run_id;
      const batch = (n: number) => ({
        metrics: Array.from({ length: 500 }, (_, i) => ({ key: `k${n}`, value: i, timestamp: i, step: i })),
      });
      await store.logBatch(runId, batch(0));
      p.cut(); // every pooled connection dies; the server is still there
      await store.logBatch(runId, batch(1));
      expect((await store.getMetricHistory(runId, "k1")).length).toBe(500);

      // cut in the middle of writes: each batch is there whole or missing, none partly
      const writes = Promise.allSettled([2, 3, 4, 5].map((n) => store!.logBatch(runId, batch(n))));
      setTimeout(p.cut, 5);
      await writes;
      for (const n of [2, 3, 4, 5]) expect([0, 500]).toContain((await store.getMetricHistory(runId, `k${n}`)).length);

      await p.shut();
      await expect(store.getRun(runId)).rejects.toThrow(`cannot reach PostgreSQL at 127.0.0.1:${p.port}`);
    } finally {
      await p.shut().catch(() => {});
      await store?.close().catch(() => {});
    }
  }, 60_000);
});
