/**
 * The page's controls, preset from its address (for links, tests and benches):
 *   mode=local|api, api=<url>, cpu=0|1, hands=1|2, threshold=<0..1>, smoothing=<frames>, selfie=0|1,
 *   source=camera|none, token=<bearer token>, and, chosen once at start: landmarker=legacy|tasks, worker=0|1,
 *   recovery=0 (MediaPipe's tracker alone), busy=1 (measure the main thread's busy time per frame).
 */
import { DEFAULT_SMOOTHING_FRAMES, DEFAULT_THRESHOLD } from "../../src/core/index.js";
import type { LandmarkerKind } from "../../src/web/landmarkers/choose.js";
import { MAX_HANDS, type RecognizerSettings } from "../../src/web/recognizer.js";
import { $ } from "./dom.js";

export const params = new URLSearchParams(location.search);
const flag = (name: string) => params.has(name) && params.get(name) !== "0";

export const cpu = $<HTMLInputElement>("cpu");
export const maxHands = $<HTMLInputElement>("max-hands");
export const apiUrl = $<HTMLInputElement>("api-url");
export const threshold = $<HTMLInputElement>("threshold");
export const smoothing = $<HTMLInputElement>("smoothing");
export const selfie = $<HTMLInputElement>("selfie");

if (params.has("cpu")) cpu.checked = flag("cpu");
if (params.has("hands")) maxHands.value = params.get("hands") as string;
if (params.has("api")) apiUrl.value = params.get("api") as string;
threshold.value = params.get("threshold") ?? String(DEFAULT_THRESHOLD);
smoothing.value = params.get("smoothing") ?? String(DEFAULT_SMOOTHING_FRAMES);
selfie.checked = flag("selfie");

export const modeRadio = (mode: string) =>
  document.querySelector<HTMLInputElement>(`input[name=mode][value=${mode}]`) as HTMLInputElement;
if (params.get("mode") === "api") modeRadio("api").checked = true;

export const currentMode = (): "local" | "api" => (modeRadio("api").checked ? "api" : "local");

/** What the controls say now, for the recognizer (out-of-range values fall back to the defaults). */
export function settings(): RecognizerSettings {
  const t = Number(threshold.value);
  const f = Math.round(Number(smoothing.value));
  return {
    maxHands: Math.min(MAX_HANDS, Math.max(1, Number(maxHands.value) || MAX_HANDS)),
    cpuInference: cpu.checked,
    threshold: t >= 0 && t <= 1 ? t : DEFAULT_THRESHOLD,
    smoothing: f >= 1 && f <= 60 ? f : DEFAULT_SMOOTHING_FRAMES,
    selfie: selfie.checked,
  };
}

/** The landmarker the address asks for (fixed for the page's life). */
export const landmarkerChoice = {
  landmarker: (params.get("landmarker") ?? "legacy") as LandmarkerKind,
  worker: flag("worker"),
  // Recovery is on unless ?recovery=0.
  recovery: params.get("recovery") !== "0",
};

export const measureMainThread = flag("busy");

/** Calls `apply` whenever a setting control changes. */
export function onSettingsChange(apply: (s: RecognizerSettings) => void): void {
  for (const input of [cpu, maxHands, threshold, smoothing, selfie])
    input.addEventListener("change", () => apply(settings()));
}
