import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HandgestureError } from "../../core/errors.js";
import { serveTracking } from "./serve.js";

describe("serveTracking", () => {
  const uri = join(mkdtempSync(join(tmpdir(), "hg-serve-tracking-")), "mlruns");

  it("serves the store a tracking URI names on 127.0.0.1, and closes", async () => {
    const { running, storeUri, warnings } = await serveTracking({ trackingUri: uri, port: 0 });
    try {
      expect(storeUri).toBe(uri);
      expect(warnings).toEqual([]);
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${running.url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
      expect((await res.json()).experiment.name).toBe("Default");
    } finally {
      await running.close();
    }
  });

  it("warns when open to other machines without a token, and not with one", async () => {
    const open = await serveTracking({ trackingUri: uri, port: 0, host: "0.0.0.0" });
    await open.running.close();
    expect(open.warnings.join("\n")).toMatch(/0\.0\.0\.0 with no auth token/);
    const locked = await serveTracking({ trackingUri: uri, port: 0, host: "0.0.0.0", security: { authToken: "t" } });
    await locked.running.close();
    expect(locked.warnings).toEqual([]);
  });

  it("refuses authReads without a token, and names the address it cannot listen on", async () => {
    await expect(serveTracking({ trackingUri: uri, port: 0, security: { authReads: true } })).rejects.toThrow(
      /authReads needs a token/,
    );
    const first = await serveTracking({ trackingUri: uri, port: 0 });
    try {
      const second = serveTracking({ trackingUri: uri, port: first.running.port });
      await expect(second).rejects.toThrow(HandgestureError);
      await expect(second).rejects.toThrow(`cannot listen on 127.0.0.1:${first.running.port}: EADDRINUSE`);
    } finally {
      await first.running.close();
    }
  });
});
