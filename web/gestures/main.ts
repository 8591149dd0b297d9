/**
 * Your own gestures, no Python (`/gestures.html` of `handgesture ui`): name gestures, record a few seconds of each
 * (several sessions, kept apart; the first moments of each left out as the transition into the pose; a check that
 * a hand is in view, the same hand, and that the hands vary), save them on the server in the dataset format, train
 * in a worker (alone or added to HaGRID's classes), see the held-out-session evaluation with advice, then the run,
 * logged model and registered version on the tracking server, and the new model live at once.
 * `window.gestures` holds what tests read.
 */
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { parseLandmarkCsv } from "../../src/core/csv.js";
import { HAND_DIM } from "../../src/core/landmarks.js";
import { matrix } from "../../src/core/matrix.js";
import { MIN_SESSION_ROWS, OWN_LABEL, type RecordingQuality, recordingQuality } from "../../src/core/own-gestures.js";
import { drawFrame } from "../../src/web/overlay.js";
import type { TrainResult } from "../../src/web/own/trainer.js";
import { trainInWorker } from "../../src/web/own/trainer.js";
import { Recognizer } from "../../src/web/recognizer.js";
import type { FrameResult } from "../../src/web/recognizer-types.js";
import { authHeaders, explain, onTokenNeeded, setToken } from "../dashboard/api.js";
import { html } from "../dashboard/ui.js";
import { type Logged, logTraining } from "./track.js";
import "../dashboard/style.css";
import "./style.css";

const params = new URLSearchParams(location.search);
/** Hands a session keeps at most (one upload). */
const MAX_SESSION_ROWS = 1000;

interface Session {
  id: string;
  label: string;
  rows: Float64Array;
  quality: RecordingQuality;
  /** "saving", "saved", or why the server refused it (the hands stay in the page). */
  saved: string;
}

interface Recording {
  label: string;
  start: number;
  skipUntil: number;
  until: number;
  rows: number[];
  frames: number;
  noHand: number;
  handId: number | undefined;
  otherHand: boolean;
  width: number;
  height: number;
}

interface PageState {
  ready: boolean;
  status: string;
  error: string;
  sessions: { id: string; label: string; rows: number; saved: string; warnings: string[] }[];
  recording: boolean;
  training: boolean;
  result?: {
    macroF1: number;
    classes: string[];
    advice: { label: string; recall: number; advice: string }[];
    trainMs: number;
    logged?: Logged;
    logError?: string;
  };
  /** The live labels of the last frame (first hand first). */
  labels: string[];
  /** The page's frame intervals (ms) while the last training ran: how responsive the page stayed. */
  trainingFrameMs: number[];
  modelInUse: string;
}

declare global {
  interface Window {
    gestures: PageState;
    /** For bench/own-gestures.ts: train in the worker as the page does and time the page's frames meanwhile. */
    trainForBench: (
      request: Parameters<typeof trainInWorker>[0],
    ) => Promise<{ trainMs: number; wallMs: number; frameMs: number[]; macroF1: number }>;
  }
}

window.trainForBench = async (request) => {
  const frameMs: number[] = [];
  let last = performance.now();
  let on = true;
  const tick = () => {
    const now = performance.now();
    frameMs.push(now - last);
    last = now;
    if (on) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const t0 = performance.now();
  try {
    const r = await trainInWorker(request);
    return { trainMs: r.trainMs, wallMs: performance.now() - t0, frameMs, macroF1: r.evaluation.report.macro_f1 };
  } finally {
    on = false;
  }
};

const state: PageState = {
  ready: false,
  status: "starting",
  error: "",
  sessions: [],
  recording: false,
  training: false,
  labels: [],
  trainingFrameMs: [],
  modelInUse: "",
};
window.gestures = state;

let recognizer: Recognizer | undefined;
const video = document.createElement("video");
video.muted = true;
video.playsInline = true;

function App() {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [, setTick] = useState(0);
  const rerender = () => setTick((t) => t + 1);
  const [status, setStatusText] = useState<{ text: string; error: boolean }>({ text: "starting…", error: false });
  const [gestures, setGestures] = useState<string[]>([]);
  const [newName, setNewName] = useState("");
  const [nameError, setNameError] = useState("");
  const [sessions, setSessions] = useState<Session[]>([]);
  const [dataset, setDataset] = useState(params.get("dataset") ?? "my-gestures");
  const [seconds, setSeconds] = useState(Number(params.get("seconds") ?? 4));
  const [bothHands, setBothHands] = useState(false);
  const [mode, setMode] = useState<"own" | "hagrid">((params.get("mode") as "own" | "hagrid") ?? "own");
  const [basePath, setBasePath] = useState(params.get("base") ?? "hagrid_sample_dev.csv");
  const [modelName, setModelName] = useState(params.get("model") ?? "my-gestures");
  const [production, setProduction] = useState(false);
  const [progress, setProgress] = useState<{ done: number; what: string } | undefined>(undefined);
  const [result, setResult] = useState<TrainResult | undefined>(undefined);
  const [logged, setLogged] = useState<Logged | string | undefined>(undefined);
  const [trainError, setTrainError] = useState("");
  const [tokenAsked, setTokenAsked] = useState(false);
  const [token, setTokenText] = useState("");
  const recording = useRef<Recording | undefined>(undefined);
  const [recordingView, setRecordingView] = useState<{ label: string; done: number; count: number } | undefined>();

  const setStatus = (text: string, error = false) => {
    setStatusText({ text, error });
    state.status = text;
    state.error = error ? text : "";
  };
  useEffect(() => onTokenNeeded(setTokenAsked), []);

  // The recognizer: the camera (or a file), the server's model until one is trained here.
  useEffect(() => {
    (async () => {
      recognizer = await Recognizer.create({
        model: { server: location.origin },
        maxHands: 2,
        recovery: params.get("recovery") !== "0",
      });
      state.modelInUse = recognizer.classifier?.name ?? "server model";
      // Through a ref: each frame sees this render's state (dataset, sessions, options), not the first one's.
      recognizer.on("frame", (r) => frameHandler.current(r));
      recognizer.on("error", (e) => setStatus(e.message, true));
      if (params.get("source") !== "none") {
        try {
          video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
          await video.play();
          recognizer.setSource(video);
        } catch (e) {
          setStatus(`camera: ${(e as Error).message} (open a video file)`, true);
        }
      }
      recognizer.start();
      state.ready = true;
      if (!state.error) setStatus("ready: name a gesture, then record it");
    })().catch((e) => setStatus(`start: ${(e as Error).message}`, true));
  }, []);

  const frameHandler = useRef<(r: FrameResult) => void>(() => {});
  const onFrame = (r: FrameResult) => {
    const c = canvas.current;
    if (c) {
      if (c.width !== r.width || c.height !== r.height) {
        c.width = r.width;
        c.height = r.height;
      }
      const ctx = c.getContext("2d");
      if (ctx) drawFrame(ctx, r.frame as CanvasImageSource, r.hands);
    }
    state.labels = r.hands.map((h) => h.label);
    const rec = recording.current;
    if (!rec) return;
    const now = performance.now();
    rec.width = r.width;
    rec.height = r.height;
    if (now >= rec.skipUntil) {
      rec.frames++;
      if (r.hands.length === 0) rec.noHand++;
      const take = bothHands ? r.hands.length : Math.min(1, r.hands.length);
      for (let h = 0; h < take; h++) {
        if (!bothHands) {
          if (rec.handId === undefined) rec.handId = r.hands[h].id;
          else if (r.hands[h].id !== rec.handId) rec.otherHand = true;
        }
        if (rec.rows.length / HAND_DIM < MAX_SESSION_ROWS) {
          for (const v of r.rows.subarray(h * HAND_DIM, (h + 1) * HAND_DIM)) rec.rows.push(v);
        }
      }
    }
    const done = Math.min(1, (now - rec.start) / (rec.until - rec.start));
    setRecordingView({ label: rec.label, done, count: rec.rows.length / HAND_DIM });
    if (now >= rec.until || rec.rows.length / HAND_DIM >= MAX_SESSION_ROWS) finishRecording();
  };

  frameHandler.current = onFrame;

  const addGesture = (e: Event) => {
    e.preventDefault();
    const name = newName.trim();
    if (!OWN_LABEL.test(name)) {
      setNameError(`"${name}" is not a valid gesture name: 1 to 64 letters, digits, "_", "-" or "."`);
      return;
    }
    if (gestures.includes(name)) {
      setNameError(`${name} is already in the list`);
      return;
    }
    setNameError("");
    setGestures([...gestures, name]);
    setNewName("");
  };

  const startRecording = (label: string) => {
    if (recording.current) return;
    const now = performance.now();
    // The first half second is the move into the pose: left out.
    recording.current = {
      label,
      start: now,
      skipUntil: now + 500,
      until: now + 500 + seconds * 1000,
      rows: [],
      frames: 0,
      noHand: 0,
      handId: undefined,
      otherHand: false,
      width: 640,
      height: 480,
    };
    state.recording = true;
    setStatus(`recording ${label}: hold the gesture, move it a little`);
  };

  const finishRecording = () => {
    const rec = recording.current;
    if (!rec) return;
    recording.current = undefined;
    state.recording = false;
    setRecordingView(undefined);
    const rows = Float64Array.from(rec.rows);
    const quality = recordingQuality(rows, { width: rec.width, height: rec.height });
    if (rec.frames > 0 && rec.noHand / rec.frames > 0.5) {
      quality.warnings.unshift(`no hand in view in ${Math.round((100 * rec.noHand) / rec.frames)}% of the frames`);
    }
    if (rec.otherHand) quality.warnings.push("another hand came into view: record one hand (or tick both hands)");
    if (rows.length === 0) {
      setStatus(
        `${rec.label}: no hand was seen in ${rec.frames} frames, nothing recorded: bring your hand into view`,
        true,
      );
      return;
    }
    const n = sessions.filter((s) => s.label === rec.label).length + 1;
    const session: Session = {
      id: `${rec.label}-${n}-${Date.now().toString(36)}`,
      label: rec.label,
      rows,
      quality,
      saved: "saving",
    };
    setSessions((all) => [...all, session]);
    setStatus(
      `${rec.label}: ${rows.length / HAND_DIM} hands recorded${quality.warnings.length ? ` (${quality.warnings.join("; ")})` : ""}`,
    );
    void save(session);
  };

  const save = async (s: Session) => {
    const body = {
      session: s.id,
      label: s.label,
      rows: Array.from({ length: s.rows.length / HAND_DIM }, (_, i) =>
        Array.from(s.rows.subarray(i * HAND_DIM, (i + 1) * HAND_DIM)),
      ),
    };
    try {
      const res = await fetch(`/api/ui/own/${encodeURIComponent(dataset)}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          ...authHeaders(),
        },
        body: JSON.stringify(body),
      });
      const answer = (await res.json().catch(() => ({}))) as { message?: string };
      s.saved = res.ok ? "saved" : `not saved: ${answer.message ?? res.status}`;
      if (res.status === 401) setTokenAsked(true);
    } catch (e) {
      s.saved = `not saved: ${(e as Error).message}`;
    }
    setSessions((all) => [...all]);
  };

  const drop = async (s: Session) => {
    if (s.saved === "saved") {
      const res = await fetch(`/api/ui/own/${encodeURIComponent(dataset)}/${encodeURIComponent(s.id)}`, {
        method: "DELETE",
        headers: authHeaders(),
      });
      if (!res.ok && res.status !== 404) {
        setStatus(
          `could not drop ${s.id} on the server: ${(await res.json().catch(() => ({}))).message ?? res.status}`,
          true,
        );
        return;
      }
    }
    setSessions((all) => all.filter((x) => x !== s));
  };

  const train = async () => {
    setTrainError("");
    setResult(undefined);
    setLogged(undefined);
    const use = sessions.filter((s) => gestures.includes(s.label));
    const thin = gestures.filter(
      (g) => use.filter((s) => s.label === g).reduce((a, s) => a + s.rows.length / HAND_DIM, 0) < MIN_SESSION_ROWS,
    );
    if (gestures.length === 0) return setTrainError("name and record at least one gesture first");
    if (thin.length)
      return setTrainError(`too few hands for ${thin.join(", ")}: record at least ${MIN_SESSION_ROWS} of each`);
    let base: { rows: Float64Array; labels: string[] } | undefined;
    try {
      if (mode === "hagrid") {
        const res = await fetch(`/api/ui/datasets/file?path=${encodeURIComponent(basePath)}`, {
          headers: authHeaders(),
        });
        const text = await res.text();
        if (!res.ok)
          throw new Error(`${basePath}: ${(JSON.parse(text) as { message?: string }).message ?? res.status}`);
        const t = parseLandmarkCsv(text, { file: basePath });
        base = { rows: t.X.data, labels: t.labels };
      }
    } catch (e) {
      return setTrainError(`the HaGRID rows: ${(e as Error).message}`);
    }
    state.training = true;
    state.trainingFrameMs = [];
    setProgress({ done: 0, what: "starting" });
    // The page's own frame times while the worker trains: it must stay live.
    let last = performance.now();
    let watching = true;
    const tick = () => {
      const now = performance.now();
      state.trainingFrameMs.push(now - last);
      last = now;
      if (watching) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    try {
      const r = await trainInWorker(
        {
          sessions: use.map((s) => ({ id: s.id, label: s.label, rows: s.rows })),
          base,
          source: `own-gestures/${dataset}.csv`,
        },
        (done, what) => setProgress({ done, what }),
      );
      setResult(r);
      state.result = {
        macroF1: r.evaluation.report.macro_f1,
        classes: r.classes,
        advice: r.evaluation.advice,
        trainMs: r.trainMs,
      };
      setStatus(
        `trained in ${(r.trainMs / 1000).toFixed(1)} s: held-out-session macro-F1 ${r.evaluation.report.macro_f1.toFixed(3)}; logging the run…`,
      );
      const own = {
        X: matrix(
          use.reduce((a, s) => a + s.rows.length / HAND_DIM, 0),
          HAND_DIM,
        ),
        labels: [] as string[],
      };
      let at = 0;
      for (const s of use) {
        own.X.data.set(s.rows, at);
        at += s.rows.length;
        for (let i = 0; i < s.rows.length / HAND_DIM; i++) own.labels.push(s.label);
      }
      try {
        const l = await logTraining(r, own, {
          dataset,
          file: `own-gestures/${dataset}.csv`,
          base: mode === "hagrid" ? basePath : null,
          sessions: use.length,
          modelName,
          production,
        });
        setLogged(l);
        state.result.logged = l;
        setStatus(
          `run logged, ${l.registered.name} version ${l.registered.version} registered (${l.registered.stage})`,
        );
      } catch (e) {
        const why = explain(e);
        setLogged(why);
        state.result.logError = why;
        setStatus(`trained, but the run was not logged: ${why}`, true);
      }
    } catch (e) {
      setTrainError((e as Error).message);
    } finally {
      watching = false;
      state.training = false;
      setProgress(undefined);
      rerender();
    }
  };

  const useNow = async () => {
    if (!result || !recognizer) return;
    await recognizer.setModel(result.modelFile);
    state.modelInUse =
      typeof logged === "object" ? `${logged.registered.name}/${logged.registered.version}` : "trained here";
    setStatus(`now naming: ${result.classes.join(", ")}`);
  };

  state.sessions = sessions.map((s) => ({
    id: s.id,
    label: s.label,
    rows: s.rows.length / HAND_DIM,
    saved: s.saved,
    warnings: s.quality.warnings,
  }));
  const count = (g: string) => sessions.filter((s) => s.label === g).reduce((a, s) => a + s.rows.length / HAND_DIM, 0);
  const report = result?.evaluation.report;

  return html`<div class="app gestures">
    <header>
      <a class="brand" href="/dashboard.html">handgesture</a>
      <nav><a href="/">Live page</a><a href="/dashboard.html">Dashboard</a><strong>Your gestures</strong></nav>
    </header>
    ${
      tokenAsked
        ? html`<form class="token" onSubmit=${(e: Event) => {
            e.preventDefault();
            setToken(token);
            setTokenAsked(false);
          }}><label for="token">This server asks for a token (--auth-token)</label><input id="token" type="password" value=${token} onInput=${(e: Event) => setTokenText((e.target as HTMLInputElement).value)} /><button type="submit">Use token</button></form>`
        : null
    }
    <main class="two">
      <section class="camera">
        <canvas ref=${canvas} id="view" width="640" height="480"></canvas>
        <p id="status" class=${status.error ? "error-inline" : "muted"} role="status">${status.text}</p>
        <label>Or a video file <input id="file" type="file" accept="video/*" onChange=${async (e: Event) => {
          const f = (e.target as HTMLInputElement).files?.[0];
          if (!f || !recognizer) return;
          recognizer.setSource(undefined);
          video.srcObject = null;
          video.src = URL.createObjectURL(f);
          video.loop = true;
          await video.play();
          recognizer.setSource(video);
        }} /></label>
        ${recordingView ? html`<div class="recording" role="status"><strong>Recording ${recordingView.label}</strong>: ${recordingView.count} hands <progress max="1" value=${recordingView.done}></progress></div>` : null}
        <p class="muted">Model in use: <span id="model-in-use">${state.modelInUse}</span>. Labels now: <span id="labels">${state.labels.join(", ") || "no hand"}</span></p>
      </section>
      <section class="setup">
        <h1>Your own gestures</h1>
        <form class="filter" onSubmit=${addGesture}>
          <label for="gesture-name">New gesture</label>
          <input id="gesture-name" value=${newName} placeholder="point" aria-invalid=${nameError ? "true" : "false"} onInput=${(e: Event) => setNewName((e.target as HTMLInputElement).value)} />
          <button type="submit">Add</button>
          ${nameError ? html`<p class="error-inline" role="alert" id="name-error">${nameError}</p>` : null}
        </form>
        <p class="small">
          <label>Dataset <input id="dataset" value=${dataset} onInput=${(e: Event) => setDataset((e.target as HTMLInputElement).value)} size="14" /></label>
          <label>Seconds per recording <input id="seconds" type="number" min="1" max="30" value=${seconds} onInput=${(e: Event) => setSeconds(Number((e.target as HTMLInputElement).value) || 4)} /></label>
          <label><input type="checkbox" checked=${bothHands} onChange=${(e: Event) => setBothHands((e.target as HTMLInputElement).checked)} /> both hands</label>
        </p>
        <ul class="gesture-list">
          ${gestures.map(
            (g) => html`<li data-gesture=${g}>
              <strong>${g}</strong> <span class="muted count">${count(g)} hands</span>
              <progress max=${Math.max(100, count(g))} value=${count(g)}></progress>
              <button type="button" class="record" disabled=${!!recordingView} onClick=${() => startRecording(g)}>Record ${seconds} s</button>
              <ul class="sessions">
                ${sessions
                  .filter((s) => s.label === g)
                  .map(
                    (s) => html`<li data-session=${s.id}>
                      ${s.rows.length / HAND_DIM} hands · <span class=${s.saved === "saved" ? "ok" : s.saved === "saving" ? "muted" : "error-inline"}>${s.saved}</span>
                      ${s.saved.startsWith("not saved") ? html` <button type="button" onClick=${() => save(s)}>Retry</button>` : null}
                      <button type="button" class="link" onClick=${() => drop(s)}>drop</button>
                      ${s.quality.warnings.length ? html`<div class="warning">${s.quality.warnings.join("; ")}</div>` : null}
                    </li>`,
                  )}
              </ul>
            </li>`,
          )}
        </ul>
        <h2>Train</h2>
        <p>
          <label><input type="radio" name="mode" value="own" checked=${mode === "own"} onChange=${() => setMode("own")} /> my gestures only</label>
          <label><input type="radio" name="mode" value="hagrid" checked=${mode === "hagrid"} onChange=${() => setMode("hagrid")} /> added to HaGRID's, from</label>
          <input id="base" value=${basePath} onInput=${(e: Event) => setBasePath((e.target as HTMLInputElement).value)} size="22" />
        </p>
        <p>
          <label>Registered model <input id="model-name" value=${modelName} onInput=${(e: Event) => setModelName((e.target as HTMLInputElement).value)} size="14" /></label>
          <label><input type="checkbox" id="production" checked=${production} onChange=${(e: Event) => setProduction((e.target as HTMLInputElement).checked)} /> move it to Production</label>
        </p>
        <button type="button" id="train" disabled=${!!progress || !!recordingView} onClick=${train}>Train</button>
        ${progress ? html`<div role="status"><progress max="1" value=${progress.done}></progress> ${progress.what}</div>` : null}
        ${trainError ? html`<p class="error-inline" role="alert" id="train-error">${trainError}</p>` : null}
        ${
          result && report
            ? html`<section class="result">
                <h2>Held-out sessions</h2>
                <p>macro-F1 <strong id="heldout-f1">${report.macro_f1.toFixed(3)}</strong>, accuracy ${report.accuracy.toFixed(3)} (${result.evaluation.folds} folds, each holding out one recording session of every gesture), trained in ${(result.trainMs / 1000).toFixed(1)} s on ${result.rows.own} of your hands${result.rows.base ? ` and ${result.rows.base} of HaGRID's` : ""}.</p>
                <ul>${result.evaluation.advice.map((a) => html`<li data-advice=${a.label}><strong>${a.label}</strong>: ${Number.isFinite(a.recall) ? `${Math.round(a.recall * 100)}% named` : "not measured"}${a.advice ? html` — <span class="warning">${a.advice}</span>` : ""}</li>`)}</ul>
                <div class="scroll-x"><table class="confusion small">
                  <thead><tr><th>true \\ predicted</th>${report.confusion.labels.map((l) => html`<th>${l}</th>`)}</tr></thead>
                  <tbody>${report.confusion.matrix.map((row, i) => (row.some((n) => n > 0) ? html`<tr><th>${report.confusion.labels[i]}</th>${row.map((n, j) => html`<td class=${i === j ? "diag" : n ? "off" : ""}>${n || ""}</td>`)}</tr>` : null))}</tbody>
                </table></div>
                ${
                  typeof logged === "object"
                    ? html`<p id="logged">Run <a href=${`/dashboard.html#/runs/${logged.runId}`}>${logged.runId.slice(0, 8)}</a> logged; <strong>${logged.registered.name}</strong> version ${logged.registered.version} (${logged.registered.stage}).</p>`
                    : typeof logged === "string"
                      ? html`<p class="error-inline" role="alert">${logged}</p>`
                      : html`<p class="muted">Logging the run…</p>`
                }
                <button type="button" id="use-model" onClick=${useNow}>Use this model now</button>
              </section>`
            : null
        }
      </section>
    </main>
  </div>`;
}

const root = document.getElementById("app") as HTMLElement;
root.textContent = "";
render(html`<${App} />`, root);
