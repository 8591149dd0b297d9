/**
 * The hand landmarkers side by side in one run: the legacy @mediapipe/hands and @mediapipe/tasks-vision
 * (HandLandmarker with the bundle `handgesture ui` builds from @mediapipe/hands' network files), on the page's
 * main thread and, for tasks-vision, in a Web Worker. `handgesture ui` as a child process serves the
 * landmarkers page (web/landmarkers.html); Debian's Chromium (headless, --disable-gpu, CPU inference) plays
 * ../shared/media/webcam-6-gestures.mjpeg as the camera. Per backend: the 14 shared photos searched as still images
 * (handedness and landmarks against what the legacy package returned, each folder's mediapipe-landmarks.json), then the
 * camera in rounds of a fixed wall time, the backends taking turns, after a warm-up: frames per second, per-frame
 * landmark latency p50/p95 (frame handed over → hands back), the main thread's own time per frame, the gaps between
 * animation frames (how long the page froze), and whether legacy @mediapipe/hands starts in a worker at all.
 *
 *   npm run bench:landmarkers [-- --seconds 10 --rounds 3 --warmup 3]
 */
import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { BrowserContext, Page } from "playwright-core";
import { build } from "vite";
import { launchChromium } from "../test/browser.js";
import { CLIP, percentile } from "../test/clip.js";
import { comparePhotos, legacyPhotos } from "../test/landmark-photos.js";
import { ROOT, startCli } from "../test/processes.js";
import type { BackendName, CameraRun, ThreadName } from "../web/src/landmarkers-page.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "3" },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
if (!(seconds > 0) || !(rounds >= 1) || !(warmup >= 0)) {
  throw new Error("--seconds must be > 0, --rounds >= 1 and --warmup >= 0");
}

interface PhotoCheck {
  sameSide: number;
  found: number;
  meanDiff: number;
  maxDiff: number;
}

/** The shared photos (tiles, open set, ok) as still images, against the legacy package's JSON. */
async function checkPhotos(page: Page): Promise<PhotoCheck> {
  const c = (await comparePhotos(page, photos)).filter((x) => x.found);
  return {
    found: c.length,
    sameSide: c.filter((x) => x.sameSide).length,
    meanDiff: c.reduce((a, x) => a + x.meanDiff, 0) / c.length,
    maxDiff: Math.max(...c.map((x) => x.maxDiff)),
  };
}
const photos = legacyPhotos();

const fmt = (x: number, d = 1) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const p = (xs: number[], q: number) => fmt(percentile(xs, q));

const configs: [BackendName, ThreadName][] = [
  ["legacy", "main"],
  ["tasks", "main"],
  ["tasks", "worker"],
  ["tasks", "worker-videoframe"],
];

const dir = mkdtempSync(join(tmpdir(), "handgesture-bench-landmarkers-"));
const ui = startCli(["ui", "-p", "0", "--tracking-uri", join(dir, "mlruns")], { cwd: dir });
let browser: BrowserContext | undefined;
try {
  await build({ configFile: join(ROOT, "web", "vite.config.ts"), logLevel: "error" });
  const url = await ui.url;
  browser = await launchChromium({ fakeCamera: CLIP });
  const errors: string[] = [];
  /** A page per backend, so each keeps its own camera, workers and WebAssembly between its turns. */
  const freshPage = async (): Promise<Page> => {
    const page = await (browser as BrowserContext).newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${url}/landmarkers.html`);
    await page.waitForFunction(() => window.landmarkers !== undefined);
    return page;
  };

  // Each backend in its own page, opened once; then rounds that take turns, so a neighbour's load on this shared
  // machine falls on all of them alike.
  const opened: {
    page: Page;
    kind: string;
    thread: ThreadName;
    openMs: number;
    photos: PhotoCheck;
    runs: CameraRun[];
  }[] = [];
  for (const [backend, thread] of configs) {
    const page = await freshPage();
    const t0 = performance.now();
    const kind = await page.evaluate(([b, t]) => window.landmarkers.open(b, t), [backend, thread] as const);
    const openMs = performance.now() - t0;
    await page.bringToFront();
    const checked = await checkPhotos(page);
    if (warmup > 0) await page.evaluate((s) => window.landmarkers.runCamera(s), warmup);
    opened.push({ page, kind, thread, openMs, photos: checked, runs: [] });
  }
  const load = [loadavg()[0]];
  for (let round = 0; round < rounds; round++) {
    for (const o of opened) {
      await o.page.bringToFront(); // a page behind another is hidden: its animation frames come once a second
      o.runs.push((await o.page.evaluate((s) => window.landmarkers.runCamera(s), seconds)) as CameraRun);
    }
    load.push(loadavg()[0]);
    console.error(`round ${round + 1}/${rounds} done`);
  }
  const columns = opened.map((o) => {
    const all = (f: (r: CameraRun) => number[]) => o.runs.flatMap(f);
    const frames = o.runs.reduce((a, r) => a + r.frames, 0);
    const wall = o.runs.reduce((a, r) => a + r.wallMs, 0);
    const rows: Record<string, string> = {
      "start (load + first graph), ms": fmt(o.openMs, 0),
      "photos: hand found": `${o.photos.found}/${photos.length}`,
      "photos: same side as legacy JSON": `${o.photos.sameSide}/${o.photos.found}`,
      "photos: landmark diff mean / max": `${fmt(o.photos.meanDiff, 4)} / ${fmt(o.photos.maxDiff, 4)}`,
      "camera: frames in wall s": `${frames} in ${fmt(wall / 1000)}`,
      "camera: frames/s": fmt((1000 * frames) / wall, 2),
      "  per round": o.runs.map((r) => fmt((1000 * r.frames) / r.wallMs, 1)).join(" "),
      "camera: frames with a hand": `${o.runs.reduce((a, r) => a + r.withHands, 0)}/${frames}`,
      "latency p50 / p95, ms": `${p(
        all((r) => r.latencyMs),
        50,
      )} / ${p(
        all((r) => r.latencyMs),
        95,
      )}`,
      "main thread per frame (worker: copy+post) p50 / p95, ms": `${p(
        all((r) => r.busyMs),
        50,
      )} / ${p(
        all((r) => r.busyMs),
        95,
      )}`,
      "in the worker p50 / p95, ms": o.runs[0].workerMs.length
        ? `${p(
            all((r) => r.workerMs),
            50,
          )} / ${p(
            all((r) => r.workerMs),
            95,
          )}`
        : "–",
      "animation frame gap p95 / max, ms": `${p(
        all((r) => r.frameGapsMs),
        95,
      )} / ${fmt(Math.max(...all((r) => r.frameGapsMs)), 0)}`,
    };
    return { name: o.kind + (o.thread === "worker-videoframe" ? " VideoFrames" : ""), rows };
  });
  for (const o of opened) {
    await o.page.evaluate(() => window.landmarkers.close());
    await o.page.close();
  }
  const page = await freshPage();
  const legacyWorker = await page.evaluate(() => window.landmarkers.legacyInWorker());

  const cpu = cpus();
  console.log(
    `machine: ${cpu.length} CPUs, ${cpu[0]?.model.trim() ?? "?"}; headless Chromium --disable-gpu, CPU inference`,
  );
  console.log(
    `camera: ${CLIP} (640x480, 30 frames/s as Chromium plays it); ${rounds} rounds of ${seconds} s per backend, ` +
      `taking turns, after ${warmup} s; load average ${load.map((l) => fmt(l, 1)).join(" → ")}`,
  );
  const names = Object.keys(columns[0].rows);
  const table = [["", ...columns.map((c) => c.name)], ...names.map((n) => [n, ...columns.map((c) => c.rows[n])])];
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  for (const r of table) console.log(r.map((v, c) => (c ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("   "));
  console.log(`legacy @mediapipe/hands in a worker: ${legacyWorker}`);
  if (errors.length) console.log(`page errors: ${errors.join(" | ")}`);
} finally {
  await browser?.close();
  await ui.stop();
}
