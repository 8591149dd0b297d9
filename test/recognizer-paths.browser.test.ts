/**
 * The page's recognizer on each landmarker path beside the default: tasks-vision on the main thread, and
 * tasks-vision with the model in a Web Worker (?landmarker=tasks&worker=1). With the shared clip as the camera,
 * each path finds the hand and names the clip's gestures, and in the worker the main thread stays mostly idle
 * (?busy=1: MainThreadProbe's busy time per frame against the frame's round trip).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FrameRecord } from "../web/src/page-state.js";
import { hasChromium, launchChromium } from "./browser.js";
import { CLIP, clipFrames, percentile, scoreTimeline } from "./clip.js";
import { type CliServer, ROOT, startCli } from "./processes.js";
import { hasShared } from "./shared.js";

const ready = hasChromium() && hasShared("media", "webcam-6-gestures.mjpeg");
const WATCH_SECONDS = 7;

describe.skipIf(!ready)("the recognizer's landmarker paths in the page", () => {
  let ui: CliServer;

  beforeAll(async () => {
    await build({ configFile: join(ROOT, "web", "vite.config.ts"), logLevel: "error" });
    const dir = mkdtempSync(join(tmpdir(), "hg-paths-"));
    ui = startCli(["ui", "-p", "0", "--tracking-uri", join(dir, "mlruns")], { cwd: dir });
    await ui.url;
  }, 120_000);

  afterAll(async () => {
    expect(await ui?.stop()).toBe(0);
  });

  async function watch(query: string): Promise<{ frames: FrameRecord[]; kind: string }> {
    const browser = await launchChromium({ fakeCamera: CLIP });
    const errors: string[] = [];
    try {
      const page = await browser.newPage();
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${await ui.url}/?${query}&busy=1`);
      await page.waitForFunction(() => window.handgesture.ready || window.handgesture.error, null, { timeout: 90_000 });
      expect(await page.evaluate(() => window.handgesture.error)).toBe("");
      const start = await page.evaluate(() => window.handgesture.frames.length);
      await page.waitForFunction(
        ([n, s]) => {
          const f = window.handgesture.frames.slice(n);
          return f.length > 1 && (f.at(-1)?.mediaTime ?? 0) - (f[0].mediaTime ?? 0) >= s + 1;
        },
        [start, WATCH_SECONDS],
        { timeout: 90_000 },
      );
      const frames = (await page.evaluate((n) => window.handgesture.frames.slice(n), start)).slice(5);
      const kind = (await page.textContent("#landmarker")) ?? "";
      expect(await page.evaluate(() => window.handgesture.error)).toBe("");
      return { frames, kind };
    } finally {
      await browser.close();
      expect(errors).toEqual([]);
    }
  }

  for (const [query, expected] of [
    ["landmarker=tasks", "tasks-vision + recovery"],
    ["landmarker=tasks&worker=1", "tasks-vision + recovery (worker)"],
  ] as const) {
    it(`names the clip's gestures with ${query}`, async () => {
      const { frames, kind } = await watch(query);
      expect(kind).toBe(expected);
      const scores = scoreTimeline(frames, clipFrames());
      const named = scores.reduce((a, s) => a + s.named, 0) / scores.reduce((a, s) => a + s.frames, 0);
      const busy = frames.map((f) => f.mainBusyMs ?? 0);
      const meanBusy = busy.reduce((a, b) => a + b, 0) / busy.length;
      const landmarks = percentile(
        frames.map((f) => f.landmarkMs),
        50,
      );
      console.log(
        `${query}: ${frames.length} frames, ${scores.map((s) => `${s.gesture} ${s.named}/${s.frames}`).join(", ")}; ` +
          `landmarks p50 ${landmarks.toFixed(1)} ms, main thread busy ${meanBusy.toFixed(1)} ms a frame`,
      );
      expect(frames.length).toBeGreaterThan(20); // 6 s at 3+ frames a second, even on a loaded machine
      expect(frames.filter((f) => f.hands.length > 0).length / frames.length).toBeGreaterThan(0.8);
      expect(named).toBeGreaterThan(0.5);
      // In the worker, MediaPipe's time is the worker's: the main thread is busy a fraction of a frame's round trip.
      if (query.includes("worker")) expect(meanBusy).toBeLessThan(landmarks / 2);
    }, 150_000);
  }
});
