/**
 * The live page's speed, local versus API mode, side by side in one run: `handgesture ui` (which registers the
 * shipped default model in an empty registry) and `handgesture serve` on that model as child processes, Debian's
 * Chromium (headless, --disable-gpu: WebGL is software, so MediaPipe runs with useCpuInference) driven by
 * playwright-core, the clip ../shared/media/webcam-6-gestures.mjpeg as the camera. After a warm-up, the page is
 * watched for a fixed stretch of stream time (the frames' mediaTime) with the model in the page, then switched live
 * to the scoring API and watched for the same stretch. Per mode, from the page's own frame log
 * (window.handgesture.frames): frames processed, frames per second (by wall time and by the frames' capture
 * clock), landmark time (MediaPipe's hands.send) p50/p95/p99, classification time p50/p95/p99 (in the page: µs,
 * the page is cross-origin isolated so its clock resolves finely; through the API: the request's round trip), and
 * how often the page named the gesture on screen. Ends with a check of the claim "classification under 1 ms per
 * frame" in local mode.
 *
 *   npm run bench:ui [-- --seconds 30 --warmup 3]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { BrowserContext, Page } from "playwright-core";
import { build } from "vite";
import { CHROMIUM, launchChromium } from "../test/browser.js";
import { CAMERA_FPS, CLIP, clipFrames, percentile, scoreTimeline } from "../test/clip.js";
import { type CliServer, startCli } from "../test/processes.js";
import type { FrameRecord } from "../web/src/page-state.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "30" },
    warmup: { type: "string", default: "3" },
  },
});
const seconds = Number(values.seconds);
const warmupSeconds = Number(values.warmup);
if (!(seconds > 0) || !(warmupSeconds >= 0)) throw new Error("--seconds must be > 0 and --warmup >= 0");
/** Frames processed in the new mode before its stretch starts (the smoother still holds the old mode's frames). */
const SETTLE_FRAMES = 10;

const ROOT = resolve(import.meta.dirname, "..");

type Frame = FrameRecord;

interface Stretch {
  frames: Frame[];
  wallSeconds: number;
}

/**
 * Watches the page until the frames processed since now cover `span` seconds of stream time, and returns them with
 * the wall time between the two marks (both taken by the page's clock, beside the frame count).
 */
async function measure(page: Page, mode: "local" | "api", span: number): Promise<Stretch> {
  const start = await page.evaluate(() => ({
    n: window.handgesture.frames.length,
    now: performance.now(),
  }));
  const deadline = Date.now() + (4 * span + 60) * 1000;
  for (;;) {
    await page.waitForTimeout(200);
    const now = await page.evaluate((from) => {
      const frames = window.handgesture.frames;
      return {
        n: frames.length,
        now: performance.now(),
        first: frames[from]?.mediaTime,
        last: frames.at(-1)?.mediaTime,
      };
    }, start.n);
    if (now.n < start.n) throw new Error("the page's frame log was trimmed mid-stretch: use fewer --seconds");
    const covered = now.first === undefined || now.last === undefined ? 0 : now.last - now.first;
    if (covered >= span) {
      const frames = await page.evaluate(([a, b]) => window.handgesture.frames.slice(a, b), [start.n, now.n]);
      const other = frames.filter((f) => f.mode !== mode).length;
      if (other) throw new Error(`${other} frames in the ${mode} stretch were not classified in ${mode} mode`);
      return { frames, wallSeconds: (now.now - start.now) / 1000 };
    }
    if (Date.now() > deadline) {
      throw new Error(`only ${covered.toFixed(1)} s of stream in ${mode} mode after ${4 * span + 60} s`);
    }
  }
}

const fmt = (x: number, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (x: number) => `${fmt(100 * x, 1)} %`;
/** Percentiles of milliseconds, one decimal: "4.0 / 14.8 ms". */
const percentiles = (xs: readonly number[], ps: readonly number[]) =>
  `${ps.map((p) => fmt(percentile(xs, p), 1)).join(" / ")} ms`;
const triple = (xs: readonly number[], scale: number, d: number, unit: string) =>
  `${[50, 95, 99].map((p) => fmt(percentile(xs, p) * scale, d)).join(" / ")} ${unit}`;

function summarize(s: Stretch, mode: "local" | "api", clipLength: number): Record<string, string> {
  const { frames } = s;
  const n = frames.length;
  const classified = frames.filter((f) => f.hands.length > 0);
  const media = (frames.at(-1)?.mediaTime ?? 0) - (frames[0]?.mediaTime ?? 0);
  const clockSeconds = ((frames.at(-1)?.t ?? 0) - (frames[0]?.t ?? 0)) / 1000;
  const classify = classified.map((f) => (mode === "api" ? (f.rttMs ?? Number.NaN) : f.classifyMs));
  const scores = scoreTimeline(frames, clipLength);
  const onScreen = scores.reduce((a, x) => a + x.frames, 0);
  const named = scores.reduce((a, x) => a + x.named, 0);
  const [scale, d, unit] = mode === "api" ? [1, 1, "ms"] : [1000, 0, "µs"];
  const row: Record<string, string> = {
    "frames processed": fmt(n),
    "  with a hand (classified)": fmt(classified.length),
    "stretch: wall s / stream s": `${fmt(s.wallSeconds, 1)} / ${fmt(media, 1)}`,
    "frames/s (frames / wall s)": fmt(n / s.wallSeconds, 2),
    "frames/s (page's t clock)": fmt((n - 1) / clockSeconds, 2),
    [`camera frames processed (of ${CAMERA_FPS}/s)`]: pct(n / (media * CAMERA_FPS)),
    "landmarks p50 / p95 / p99": triple(
      frames.map((f) => f.landmarkMs),
      1,
      1,
      "ms",
    ),
    "landmarks max": `${fmt(Math.max(...frames.map((f) => f.landmarkMs)), 1)} ms`,
    "classify p50 / p95 / p99 (API: rtt)": triple(classify, scale, d, unit),
    "classify max": `${fmt(Math.max(...classify) * scale, d)} ${unit}`,
    "classify over 1 ms (frames)": fmt(classify.filter((ms) => ms >= 1).length),
    "wait for the frame p50 / p95": percentiles(
      frames.map((f) => f.waitMs),
      [50, 95],
    ),
    "draw p50 / p95": percentiles(
      frames.map((f) => f.drawMs ?? Number.NaN),
      [50, 95],
    ),
    "frame to frame p50 (page's t clock)": percentiles(
      frames.slice(1).map((f, i) => f.t - frames[i].t),
      [50],
    ),
    "gesture named while on screen": `${named}/${onScreen} (${pct(onScreen ? named / onScreen : 0)})`,
  };
  for (const x of scores) row[`  ${x.gesture}`] = `${x.named}/${x.frames} (${pct(x.share)})`;
  return row;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((v, c) => (c ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("   ")).join("\n");
}

function chromiumVersion(context: BrowserContext): string {
  const fromBrowser = context.browser()?.version(); // null for a persistent context
  if (fromBrowser) return `Chromium ${fromBrowser}`;
  return execFileSync(CHROMIUM, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
}

if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium)`);
if (!existsSync(CLIP)) throw new Error(`${CLIP} not found`);

const began = performance.now();
const dir = mkdtempSync(join(tmpdir(), "handgesture-bench-ui-"));
const mlruns = join(dir, "mlruns");
let ui: CliServer | undefined;
let serve: CliServer | undefined;
let browser: BrowserContext | undefined;
const pageErrors: string[] = [];
let failed = false;

try {
  // The page as `npm run build` makes it (into dist/page, which `handgesture ui` serves).
  await build({ configFile: join(ROOT, "web", "vite.config.ts"), logLevel: "error" });
  ui = startCli(["ui", "-p", "0", "--tracking-uri", mlruns], { cwd: dir });
  const uiUrl = await ui.url;
  serve = startCli(
    ["serve", "-m", "models:/hand-gesture/Production", "-p", "0", "--tracking-uri", mlruns, "--cors-origin", uiUrl],
    { cwd: dir },
  );
  const apiUrl = await serve.url;
  browser = await launchChromium({ fakeCamera: CLIP });
  const page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${uiUrl}/?api=${encodeURIComponent(apiUrl)}`);
  await page.waitForFunction(() => window.handgesture?.ready, null, { timeout: 120_000 });
  await page.waitForFunction(() => document.getElementById("model-name")?.textContent?.startsWith("in page"));

  const env = await page.evaluate(() => {
    const gl = document.createElement("canvas").getContext("webgl");
    const info = gl?.getExtension("WEBGL_debug_renderer_info");
    const renderer = gl ? String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : "none";
    gl?.getExtension("WEBGL_lose_context")?.loseContext();
    // No named helper here: tsx would wrap it in __name(), which the page does not have.
    const [cpu, hands, threshold, smoothing] = ["cpu", "max-hands", "threshold", "smoothing"].map(
      (id) => document.getElementById(id) as HTMLInputElement,
    );
    return {
      renderer,
      cpu: cpu.checked,
      hands: hands.value,
      threshold: threshold.value,
      smoothing: smoothing.value,
      isolated: crossOriginIsolated,
      model: document.getElementById("model-name")?.textContent ?? "",
    };
  });
  const cpu = cpus();
  console.log(`machine: ${cpu.length} CPUs, ${cpu[0]?.model.trim() ?? "unknown"}; node ${process.version}`);
  console.log(
    `browser: ${chromiumVersion(browser)}, headless, --disable-gpu (WebGL renderer: ${env.renderer}); ` +
      `MediaPipe Hands useCpuInference ${env.cpu ? "on" : "OFF"}, max hands ${env.hands}; ` +
      `page cross-origin isolated: ${env.isolated}`,
  );
  console.log(
    `model: ${env.model} (shipped default); API: handgesture serve at ${apiUrl}; ` +
      `smoothing ${env.smoothing} frames, threshold ${env.threshold}`,
  );
  const clipLength = clipFrames();
  console.log(
    `camera: ${CLIP} (${clipLength} frames, ${CAMERA_FPS}/s, looping); ` +
      `${warmupSeconds} s warm-up, then ${seconds} s of stream time per mode\n`,
  );

  await page.waitForTimeout(warmupSeconds * 1000);
  const local = await measure(page, "local", seconds);
  await page.click("input[name=mode][value=api]");
  await page.waitForFunction(() => document.getElementById("model-name")?.textContent?.startsWith("API"));
  const switched = await page.evaluate(() => window.handgesture.frames.length);
  await page.waitForFunction(
    ([from, k]) => window.handgesture.frames.slice(from).filter((f) => f.mode === "api").length >= k,
    [switched, SETTLE_FRAMES],
    { timeout: 60_000 },
  );
  const api = await measure(page, "api", seconds);

  const state = await page.evaluate(() => ({ error: window.handgesture.error }));
  if (state.error) throw new Error(`the page reported: ${state.error}`);
  if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join("; ")}`);

  const l = summarize(local, "local", clipLength);
  const a = summarize(api, "api", clipLength);
  console.log(
    table([["", "local (in page)", "API (handgesture serve)"], ...Object.keys(l).map((k) => [k, l[k], a[k]])]),
  );

  const withHand = local.frames.filter((f) => f.hands.length > 0).map((f) => f.classifyMs);
  if (withHand.length === 0) throw new Error("no frame with a hand in local mode");
  const p99 = percentile(withHand, 99);
  const max = Math.max(...withHand);
  console.log(
    `\nclaim "classification under 1 ms per frame" (local, ${withHand.length} frames with a hand): ` +
      `p99 ${fmt(p99 * 1000)} µs ${p99 < 1 ? "✓" : "✗"}, max ${fmt(max * 1000)} µs ${max < 1 ? "✓" : "✗"}`,
  );
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser?.close().catch(() => {});
  const codes = await Promise.all([ui?.stop(), serve?.stop()]);
  if (codes.some((c) => c !== undefined && c !== 0)) {
    failed = true;
    console.error(`servers exited ${codes.join(", ")}: ${ui?.output().stderr ?? ""}${serve?.output().stderr ?? ""}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nbench took ${fmt((performance.now() - began) / 1000, 1)} s`);
process.exitCode = failed ? 1 : 0;
