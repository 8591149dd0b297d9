import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COLUMNS, type LiveHand, liveHandToDataset } from "../src/core/landmarks.js";
import { fromModelFile } from "../src/core/model-file.js";
import { GestureRecognizer } from "../src/core/recognize.js";
import { NO_GESTURE } from "../src/core/smoothing.js";
import { listen, type RunningServer } from "../src/server/http.js";
import { createScoringApp } from "../src/server/scoring/app.js";
import { openLiveModel } from "../src/server/scoring/live-model.js";
import { DEFAULT_MODEL_FILE } from "../src/server/ui/default-model.js";
import { cli } from "./cli.js";
import { hasShared, sharedPath } from "./shared.js";

/**
 * One hand, one decision: the shared photos' MediaPipe hands (gestures the model names, hands it rejects) through
 * the CLI's `predict --hands`, the scoring server's `/invocations` (label, top3 and decision outputs) and
 * `/predict/hands` over real HTTP, the core recognizer, and the page's classifiers (src/web/classifiers.ts, local
 * and API mode), all with the shipped default model and its rejector.
 */
const ready = ["tiles", "open-set", "tracking"].every((d) => hasShared("media", d, "mediapipe-landmarks.json"));

interface Shot {
  name: string;
  hand: LiveHand;
}

function shots(): Shot[] {
  const out: Shot[] = [];
  for (const dir of ["tiles", "open-set", "tracking"]) {
    const { results } = JSON.parse(readFileSync(sharedPath("media", dir, "mediapipe-landmarks.json"), "utf8"));
    for (const t of results as { img: string; width: number; height: number; landmarks: number[][][] }[]) {
      out.push({
        name: t.img.replace(/^.*\//, "").replace(/\.jpg$/, ""),
        hand: { landmarks: t.landmarks[0], width: t.width, height: t.height },
      });
    }
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: the servers' JSON answers, checked field by field below
async function post(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

describe.skipIf(!ready)("the same hand gets the same decision everywhere", () => {
  let server: RunningServer;
  let hands: Shot[];
  let rows: number[][];
  const modelText = readFileSync(DEFAULT_MODEL_FILE, "utf8");

  beforeAll(async () => {
    hands = shots();
    rows = hands.map((s) => Array.from(liveHandToDataset(s.hand)));
    server = await listen(createScoringApp(await openLiveModel(DEFAULT_MODEL_FILE)).fetch, { port: 0 });
  }, 60_000);
  afterAll(async () => server?.close());

  it("core, CLI, /invocations, /predict/hands and the page's classifiers agree on every shared photo", async () => {
    const { model } = fromModelFile(modelText);
    expect(model.rejector, "the shipped model carries a rejector").not.toBeNull();
    const rec = new GestureRecognizer(model);
    const core = hands.map((s) => rec.recognize(s.hand));
    // Both kinds of answer are in the set, or agreement would prove little.
    expect(core.some((r) => r.label === NO_GESTURE)).toBe(true);
    expect(core.some((r) => r.label !== NO_GESTURE)).toBe(true);

    const input = hands.map((s) => JSON.stringify({ ...s.hand, handedness: "Right" })).join("\n");
    const p = cli(["predict", "--model", DEFAULT_MODEL_FILE, "--hands", "-"], `${input}\n`);
    expect(p.status, p.stderr).toBe(0);
    const fromCli = p.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));

    const frame = { dataframe_split: { columns: COLUMNS, data: rows } };
    const label = (await post(`${server.url}/invocations`, frame)).predictions;
    const top3 = (await post(`${server.url}/invocations`, { ...frame, params: { output: "top3" } })).predictions;
    const decision = (await post(`${server.url}/invocations`, { ...frame, params: { output: "decision" } }))
      .predictions;
    const viaHands = (await post(`${server.url}/predict/hands`, { hands: hands.map((s) => s.hand) })).hands;

    // The page's classifiers (handgesture/web's), as the page runs them.
    const { LocalClassifier, ApiClassifier, decidedLabel } = await import("../src/web/classifiers.js");
    const flat = Float64Array.from(rows.flat());
    const results: string[][] = [];
    for (const c of [new LocalClassifier(JSON.parse(modelText), "default"), await ApiClassifier.connect(server.url)]) {
      const out = hands.map(() => new Float64Array(c.classes.length));
      const scores = new Float64Array(hands.length);
      const accepted = new Uint8Array(hands.length);
      await c.classify(flat, hands.length, out, scores, accepted);
      results.push(hands.map((_, h) => decidedLabel(c.classes, out[h], accepted[h] === 1)));
      for (let h = 0; h < hands.length; h++)
        expect(scores[h], `${c.kind} ${hands[h].name}`).toBeCloseTo(core[h].score as number, 9);
    }

    for (let h = 0; h < hands.length; h++) {
      const want = core[h];
      const what = hands[h].name;
      expect(fromCli[h].label, what).toBe(want.label);
      expect(fromCli[h].best, what).toBe(want.best);
      expect(fromCli[h].score, what).toBeCloseTo(want.score as number, 9);
      expect(label[h], what).toBe(want.label);
      expect(top3[h].label, what).toBe(want.label);
      expect(decision[h].label, what).toBe(want.label);
      expect(decision[h].best, what).toBe(want.best);
      expect(decision[h].score, what).toBeCloseTo(want.score as number, 9);
      expect(viaHands[h].gesture, what).toBe(want.label);
      expect(viaHands[h].best, what).toBe(want.best);
      expect(results[0][h], `page local ${what}`).toBe(want.label);
      expect(results[1][h], `page API ${what}`).toBe(want.label);
    }
  }, 120_000);
});
