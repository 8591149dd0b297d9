/**
 * The README's example page (web/example.html, built beside the live page and served by `handgesture ui` at
 * /example.html) works as printed: with the shared clip as the camera, `handgesture/web` emits start events
 * naming the clip's gestures, in the clip's order.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium } from "./browser.js";
import { CLIP, CLIP_GESTURES } from "./clip.js";
import { type CliServer, ROOT, startCli } from "./processes.js";
import { hasShared } from "./shared.js";

const ready = hasChromium() && hasShared("media", "webcam-6-gestures.mjpeg");

describe.skipIf(!ready)("the README's example page", () => {
  let ui: CliServer;

  beforeAll(async () => {
    await build({ configFile: join(ROOT, "web", "vite.config.ts"), logLevel: "error" });
    const dir = mkdtempSync(join(tmpdir(), "hg-example-"));
    ui = startCli(["ui", "-p", "0", "--tracking-uri", join(dir, "mlruns")], { cwd: dir });
    await ui.url;
  }, 120_000);

  afterAll(async () => {
    expect(await ui?.stop()).toBe(0);
  });

  it("lists the clip's gestures as they start", async () => {
    const browser = await launchChromium({ fakeCamera: CLIP });
    const errors: string[] = [];
    try {
      const page = await browser.newPage();
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${await ui.url}/example.html`);
      await page.waitForFunction(() => document.querySelectorAll("#events li").length >= 8, null, { timeout: 90_000 });
      const events = await page.$$eval("#events li", (items) => items.map((li) => li.textContent ?? ""));
      console.log(events.join("\n"));
      const labels = events.map((e) => /: (\w+) \(\d+%\)$/.exec(e)?.[1] ?? e);
      expect(events.every((e) => /^(Left|Right) hand \d+: \w+ \(\d+%\)$/.test(e))).toBe(true);
      // Every start is one of the clip's gestures, and they come in its order (palm → fist → … → two_up → palm).
      for (const l of labels) expect(CLIP_GESTURES).toContain(l);
      const order = labels.map((l) => CLIP_GESTURES.indexOf(l as (typeof CLIP_GESTURES)[number]));
      const steps = order.slice(1).map((o, i) => (o - order[i] + CLIP_GESTURES.length) % CLIP_GESTURES.length);
      expect(steps.filter((s) => s === 1).length).toBeGreaterThanOrEqual(steps.length - 1);
    } finally {
      await browser.close();
    }
    expect(errors).toEqual([]);
  }, 150_000);
});
