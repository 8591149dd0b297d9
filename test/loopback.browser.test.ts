/**
 * Everything the browser sends while the live page works goes through a recording proxy (test/recording-proxy.ts)
 * that forwards only loopback: the page loads MediaPipe, processes camera frames, names gestures in the page and
 * through the scoring API, all on 127.0.0.1; the only other traffic is Chromium's own calls to Google's services.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium } from "./browser.js";
import { CLIP } from "./clip.js";
import { type CliServer, startCli } from "./processes.js";
import { type RecordingProxy, startRecordingProxy } from "./recording-proxy.js";
import { hasShared } from "./shared.js";

const ready = hasChromium() && hasShared("media", "webcam-6-gestures.mjpeg");

describe.skipIf(!ready)("the live page's traffic", () => {
  let ui: CliServer;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "hg-loopback-"));
    ui = startCli(["ui", "-p", "0", "--tracking-uri", join(dir, "mlruns")], { cwd: dir });
    await ui.url;
    proxy = await startRecordingProxy();
  });

  afterAll(async () => {
    await proxy?.close();
    expect(await ui?.stop()).toBe(0);
  });

  it("stays on loopback but for Chromium's own service calls", async () => {
    const url = await ui.url;
    const browser = await launchChromium({ fakeCamera: CLIP, proxy: proxy.url });
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/`);
      const named = (mode: string) =>
        page.waitForFunction(
          (m) => window.handgesture.frames.filter((f) => f.mode === m && f.hands.length > 0).length >= 10,
          mode,
          { timeout: 90_000 },
        );
      await named("local");
      await page.click("input[name=mode][value=api]"); // this server's own /invocations
      await named("api");
      // Let background services (updates, safe browsing, metrics) have their chance to call out.
      await page.waitForTimeout(3000);
      expect(await page.evaluate(() => window.handgesture.error)).toBe("");
    } finally {
      await browser.close();
    }
    const origin = new URL(url).host;
    console.log(`${proxy.seen.length} requests through the proxy`);
    expect(proxy.seen.some((r) => r === `GET ${url}/mediapipe/hands/hand_landmark_full.tflite`)).toBe(true);
    expect(proxy.seen.some((r) => r === `POST ${url}/invocations`)).toBe(true);
    const away = proxy.seen.filter(
      (r) => !r.startsWith(`GET http://${origin}/`) && !r.startsWith(`POST http://${origin}/`),
    );
    // What else the proxy saw is Chromium's own housekeeping, not the page's: component updates, sign-in, autofill
    // and optimisation hints from Google's service hosts, which flags do not all switch off (a managed policy
    // does). The page's own requests are all checked in ui.browser.test.ts; here: nothing but those hosts.
    const host = (r: string) =>
      (r.startsWith("CONNECT ") ? r.slice(8) : new URL(r.split(" ")[1]).host).replace(/:\d+$/, "");
    const CHROMIUM_SERVICES = /(^|\.)(google\.com|googleapis\.com|gstatic\.com)$/;
    console.log(`Chromium's own requests, refused by the proxy: ${[...new Set(away.map(host))].join(", ") || "none"}`);
    expect(away.filter((r) => !CHROMIUM_SERVICES.test(host(r)))).toEqual([]);
  }, 180_000);
});
