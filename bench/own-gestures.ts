/**
 * Training own gestures in the page (issue 14): 3 gestures × 300 hands (two sessions each), alone and added to
 * the 942-row dev sample, in the training worker of `/gestures.html` in Debian's Chromium, with the page's own
 * frame times meanwhile (requestAnimationFrame intervals: how live the page stays), beside the same training in
 * Node (core's trainOwnGestures, one thread).
 *
 *   node --import tsx bench/own-gestures.ts [--rounds 3]
 *
 * The hands are real: rows of three dev-sample classes (call, rock, one), with augmented copies (augment.ts) up to
 * 300 per class, relabelled as the user's own gestures.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "vite";
import { augmentRows } from "../src/core/augment.js";
import { encodeLabels } from "../src/core/labels.js";
import { HAND_DIM } from "../src/core/landmarks.js";
import { takeRows } from "../src/core/matrix.js";
import { trainOwnGestures } from "../src/core/own-gestures.js";
import { launchChromium } from "../test/browser.js";
import { loadTable } from "../test/data.js";
import { ROOT, startCli } from "../test/processes.js";
import { DEV_CSV } from "../test/shared.js";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const rounds = Number(values.rounds);
const PER_CLASS = 300;

const dev = loadTable(DEV_CSV);
const sessions: { id: string; label: string; rows: Float64Array }[] = [];
for (const label of ["call", "rock", "one"]) {
  const idx = dev.labels.flatMap((l, i) => (l === label ? [i] : []));
  const X = takeRows(dev.X, idx);
  const y = encodeLabels(idx.map(() => label));
  const copies = Math.ceil(PER_CLASS / idx.length) - 1;
  const aug = augmentRows(X, y, { copies, rotateDeg: 15, stretch: 0.1, jitter: 0.02, zScale: 1.5, seed: 3 });
  const rows = aug.X.data.slice(0, PER_CLASS * HAND_DIM);
  const half = (PER_CLASS / 2) * HAND_DIM;
  sessions.push({ id: `${label}-1`, label: `my_${label}`, rows: rows.slice(0, half) });
  sessions.push({ id: `${label}-2`, label: `my_${label}`, rows: rows.slice(half) });
}
const base = { rows: dev.X.data, labels: [...dev.labels] };

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const median = (xs: number[]) => pct(xs, 50);

console.log(`own gestures: 3 × ${PER_CLASS} hands (2 sessions each); ${rounds} rounds; median of rounds`);
for (const withBase of [false, true]) {
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    trainOwnGestures(sessions, withBase ? { base: { X: dev.X, labels: dev.labels } } : {});
    ms.push(performance.now() - t0);
  }
  console.log(`  Node, ${withBase ? "added to the dev sample (942 rows)" : "alone"}: ${median(ms).toFixed(0)} ms`);
}

await build({ configFile: join(ROOT, "web", "vite.config.ts"), logLevel: "error" });
const dir = mkdtempSync(join(tmpdir(), "hg-bench-own-"));
const ui = startCli(["ui", "-p", "0", "--tracking-uri", join(dir, "mlruns")], { cwd: dir });
const url = await ui.url;
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${url}/gestures.html?source=none`);
  await page.waitForFunction(() => window.gestures?.ready, null, { timeout: 60_000 });
  for (const withBase of [false, true]) {
    const train: number[] = [];
    const wall: number[] = [];
    const frames: number[] = [];
    let f1 = 0;
    for (let r = 0; r < rounds; r++) {
      const res = await page.evaluate(
        ({ s, b }) =>
          window.trainForBench({
            sessions: s.map((x) => ({ ...x, rows: Float64Array.from(x.rows) })),
            base: b ? { rows: Float64Array.from(b.rows), labels: b.labels } : undefined,
          }),
        {
          s: sessions.map((x) => ({ ...x, rows: Array.from(x.rows) })),
          b: withBase ? { rows: Array.from(base.rows), labels: base.labels } : undefined,
        },
      );
      train.push(res.trainMs);
      wall.push(res.wallMs);
      frames.push(...res.frameMs);
      f1 = res.macroF1;
    }
    console.log(
      `  page worker, ${withBase ? "added to the dev sample" : "alone"}: training ${median(train).toFixed(0)} ms in the worker, ` +
        `${median(wall).toFixed(0)} ms from the click; the page's frames meanwhile p50 ${pct(frames, 50).toFixed(1)} ms, ` +
        `p95 ${pct(frames, 95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms (${frames.length} frames); held-out-session macro-F1 ${f1.toFixed(3)}`,
    );
  }
} finally {
  await browser.close();
  await ui.stop();
}
