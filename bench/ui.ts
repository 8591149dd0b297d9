/**
 * The live page's speed and steadiness, every landmarker path and both model modes in one run: `handgesture ui`
 * (which registers the shipped default model in an empty registry) and `handgesture serve` on that model as
 * child processes, Debian's Chromium (headless, --disable-gpu: WebGL is software, so MediaPipe runs with
 * useCpuInference) driven by playwright-core, and the clip ../shared/media/webcam-6-gestures.mjpeg at its own
 * 15 frames a second, looped into a WebM file (ffmpeg) that the page plays as its source: a video file's frames
 * carry their exact place in it (mediaTime), which a fake camera's do not (under load they drift from the file).
 * For each landmarker path (`--paths`, default the legacy package on the main thread, then every other path this
 * build has: tasks-vision, in a worker; a path it does not have is reported, not measured), a fresh page is
 * opened with ?busy=1 (the recognizer's main-thread probe on), given the file and, after a warm-up, watched for a
 * fixed stretch of video time (the frames' mediaTime) with the model in the page, then switched live to the
 * scoring API and watched as long. Per path and mode, from the page's own frame log (window.handgesture.frames): frames
 * processed, frames per second, landmark, classification (API: round trip) and drawing time p50/p95/p99, the
 * main thread's busy time per frame, flicker (decided label changes per second while one gesture is held) and
 * onset latency (ms from a gesture's first processed frame to the first frame naming it: GestureDecider's start,
 * measured by measureDecisions), and how often the gesture on screen was named.
 *
 * Tracking recovery (src/web/recovery.ts) is on in every path, as in the page; `+norecovery` measures a path without
 * it, beside the same path with it.
 *
 *   npm run bench:ui [-- --seconds 20 --warmup 3 --paths legacy,tasks,tasks+worker,tasks+norecovery]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { BrowserContext, Page } from "playwright-core";
import { build } from "vite";
import { type DecidedFrame, measureDecisions, NO_GESTURE } from "../src/core/index.js";
import { CHROMIUM, launchChromium } from "../test/browser.js";
import { CLIP, clipFrames, gestureAt, percentile, scoreTimeline } from "../test/clip.js";
import { type CliServer, startCli } from "../test/processes.js";
import type { FrameRecord } from "../web/src/page-state.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    warmup: { type: "string", default: "3" },
    paths: { type: "string", default: "legacy,tasks,legacy+worker,tasks+worker" },
    /** Writes every measured frame record, per path and mode, to this JSON file (to look into a figure). */
    dump: { type: "string" },
  },
});
const seconds = Number(values.seconds);
const warmupSeconds = Number(values.warmup);
if (!(seconds > 0) || !(warmupSeconds >= 0)) throw new Error("--seconds must be > 0 and --warmup >= 0");
/** The clip's own rate: each gesture 2 s on screen. */
const FILE_FPS = 15;
/** Frames processed in the new mode before its stretch starts (the smoother still holds the old mode's frames). */
const SETTLE_FRAMES = 10;

const ROOT = resolve(import.meta.dirname, "..");

interface Path {
  name: string;
  query: string;
}

/** "tasks+worker+norecovery" → ?landmarker=tasks&worker=1&recovery=0 (recovery is on unless said) */
function parsePath(name: string): Path {
  const [landmarker, ...flags] = name.split("+");
  if (landmarker !== "legacy" && landmarker !== "tasks") throw new Error(`--paths: unknown landmarker in ${name}`);
  const q = new URLSearchParams({ landmarker });
  for (const f of flags) {
    if (f === "worker") q.set("worker", "1");
    else if (f === "recovery") q.set("recovery", "1");
    else if (f === "norecovery") q.set("recovery", "0");
    else throw new Error(`--paths: unknown option ${f} in ${name} (known: worker, recovery, norecovery)`);
  }
  return { name, query: q.toString() };
}

interface Stretch {
  frames: FrameRecord[];
  wallSeconds: number;
}

/**
 * Watches the page until the frames processed since now cover `span` seconds of stream time, and returns them with
 * the wall time between the two marks (both taken by the page's clock, beside the frame count).
 */
async function measure(page: Page, mode: "local" | "api", span: number): Promise<Stretch> {
  const start = await page.evaluate(() => ({ n: window.handgesture.frames.length, now: performance.now() }));
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

const fmt = (x: number, d = 0) =>
  Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }) : "–";
const pct = (x: number) => `${fmt(100 * x, 1)} %`;
const triple = (xs: readonly number[], scale = 1, d = 1, unit = "ms") =>
  `${[50, 95, 99].map((p) => fmt(percentile(xs, p) * scale, d)).join(" / ")} ${unit}`;

/** The decided labels against what the clip shows, for measureDecisions (first hand; none: no gesture). */
function decided(frames: readonly FrameRecord[], clipLength: number, pick: "gesture" | "label"): DecidedFrame[] {
  return frames
    .filter((f) => f.mediaTime !== undefined)
    .map((f) => ({
      time: f.t,
      truth: gestureAt(f.mediaTime as number, clipLength, FILE_FPS),
      label: f.hands[0]?.[pick] ?? NO_GESTURE,
    }));
}

function summarize(s: Stretch, mode: "local" | "api", clipLength: number): Record<string, string> {
  const { frames } = s;
  const n = frames.length;
  const classified = frames.filter((f) => f.hands.length > 0);
  const media = (frames.at(-1)?.mediaTime ?? 0) - (frames[0]?.mediaTime ?? 0);
  const classify = classified.map((f) => (mode === "api" ? (f.rttMs ?? Number.NaN) : f.classifyMs));
  const scores = scoreTimeline(frames, clipLength, FILE_FPS);
  const onScreen = scores.reduce((a, x) => a + x.frames, 0);
  const named = scores.reduce((a, x) => a + x.named, 0);
  const busy = frames.slice(1).map((f) => f.mainBusyMs ?? Number.NaN);
  const busyTotal = busy.reduce((a, b) => a + b, 0);
  const held = measureDecisions(decided(frames, clipLength, "gesture"));
  const raw = measureDecisions(decided(frames, clipLength, "label"));
  const segments = held.onsetMs.length + held.missed;
  const [scale, d, unit] = mode === "api" ? [1, 1, "ms"] : [1000, 0, "µs"];
  return {
    "frames processed": fmt(n),
    "frames/s (frames / wall s)": fmt(n / s.wallSeconds, 2),
    [`video frames processed (of ${FILE_FPS}/s)`]: pct(n / (media * FILE_FPS)),
    "landmarks p50 / p95 / p99": triple(frames.map((f) => f.landmarkMs)),
    "classify p50 / p95 / p99 (API: rtt)": triple(classify, scale, d, unit),
    "draw p50 / p95 / p99": triple(frames.map((f) => f.drawMs ?? Number.NaN)),
    "wait for the frame p50 / p95 / p99": triple(frames.map((f) => f.waitMs)),
    "main thread busy per frame p50 / p95 / p99": triple(busy),
    "main thread busy, mean per frame / share": `${fmt(busyTotal / busy.length, 1)} ms / ${pct(busyTotal / 1000 / s.wallSeconds)}`,
    "flicker while held, decided (smoothed) /s": `${fmt(held.flickerPerSecond, 2)} (${fmt(raw.flickerPerSecond, 2)})`,
    "onset p50 / p95, decided (smoothed)": `${fmt(percentile(held.onsetMs, 50))} / ${fmt(percentile(held.onsetMs, 95))} ms (${fmt(percentile(raw.onsetMs, 50))} / ${fmt(percentile(raw.onsetMs, 95))})`,
    "gestures shown / never decided": `${segments} / ${held.missed}`,
    "gesture named while on screen (smoothed)": `${named}/${onScreen} (${pct(onScreen ? named / onScreen : 0)})`,
  };
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

/**
 * Opens the page on `path` and plays the clip file in it from its start; answers the page and its landmarker's
 * kind, or why the path is not available.
 */
async function openPath(browser: BrowserContext, url: string, path: Path, errors: string[], video: string) {
  const page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(`${path.name}: ${e.message}`));
  await page.goto(`${url}&${path.query}&busy=1&source=none`);
  await page.waitForFunction(() => window.handgesture?.ready || window.handgesture?.error, null, { timeout: 120_000 });
  const state = await page.evaluate(() => ({ ready: window.handgesture.ready, error: window.handgesture.error }));
  if (!state.ready) {
    await page.close();
    return { page: undefined, unavailable: state.error };
  }
  await page.waitForFunction(() => document.getElementById("model-name")?.textContent?.startsWith("in page"));
  await page.setInputFiles("#file", video);
  return { page, kind: await page.evaluate(() => document.getElementById("landmarker")?.textContent ?? "") };
}

if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium)`);
if (!existsSync(CLIP)) throw new Error(`${CLIP} not found`);

const paths = (values.paths as string).split(",").map(parsePath);
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
  // The clip as a video file, looped long enough for a path's warm-up and both stretches: its frames' mediaTime
  // is their place in the file, exactly (a fake camera's drifts from the file's frames under load).
  const loops = Math.ceil((warmupSeconds + 2 * seconds + 20) / (clipFrames() / FILE_FPS));
  const video = join(dir, "clip.webm");
  execFileSync("ffmpeg", [
    ...["-v", "error", "-y", "-stream_loop", String(loops - 1), "-f", "mjpeg", "-framerate", String(FILE_FPS)],
    ...["-i", CLIP, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", video],
  ]);
  browser = await launchChromium();
  const base = `${uiUrl}/?api=${encodeURIComponent(apiUrl)}`;
  const clipLength = clipFrames();
  const cpu = cpus();
  console.log(`machine: ${cpu.length} CPUs, ${cpu[0]?.model.trim() ?? "unknown"}; node ${process.version}`);
  console.log(
    `browser: ${chromiumVersion(browser)}, headless, --disable-gpu; MediaPipe useCpuInference on, max hands 2`,
  );
  console.log(
    `model: the shipped default; API: handgesture serve at ${apiUrl}; video: ${CLIP} at ${FILE_FPS} frames/s ` +
      `(${clipLength} frames, 2 s a gesture) looped ${loops} times as WebM; per path ${warmupSeconds} s warm-up, ` +
      `then ${seconds} s of video per mode\n`,
  );

  const columns: { title: string; row: Record<string, string> }[] = [];
  const dumped: Record<string, { local: FrameRecord[]; api: FrameRecord[] }> = {};
  const unavailable: string[] = [];
  for (const path of paths) {
    const opened = await openPath(browser, base, path, pageErrors, video);
    if (!opened.page) {
      unavailable.push(`${path.name}: ${opened.unavailable}`);
      continue;
    }
    const page = opened.page;
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
    const error = await page.evaluate(() => window.handgesture.error);
    if (error) throw new Error(`${path.name}: the page reported: ${error}`);
    await page.close();
    dumped[path.name] = { local: local.frames, api: api.frames };
    columns.push({ title: `${opened.kind}, local`, row: summarize(local, "local", clipLength) });
    columns.push({ title: `${opened.kind}, API`, row: summarize(api, "api", clipLength) });
    console.log(`measured ${path.name} (${opened.kind})`);
  }
  if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join("; ")}`);
  if (columns.length === 0) throw new Error(`no path could be measured: ${unavailable.join("; ")}`);
  const keys = Object.keys(columns[0].row);
  console.log(
    `\n${table([["", ...columns.map((c) => c.title)], ...keys.map((k) => [k, ...columns.map((c) => c.row[k])])])}`,
  );
  for (const u of unavailable) console.log(`not in this build: ${u}`);
  if (values.dump) writeFileSync(values.dump, JSON.stringify(dumped));
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
