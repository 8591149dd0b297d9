/**
 * What the page does with each of the recognizer's frames: draws it with its hands (the canvas the recorder
 * records), shows the figures and the hands' labels, keeps the frame's record in window.handgesture, and lists
 * gesture events as they come.
 */
import { type GestureEvent, NO_GESTURE } from "../../src/core/index.js";
import { drawFrame } from "../../src/web/overlay.js";
import type { FrameResult } from "../../src/web/recognizer.js";
import { $, li } from "./dom.js";
import { type FrameRecord, logPush, state } from "./page-state.js";

/** ?trace=1 keeps each hand's landmarks in window.handgesture.frames (for diagnosing a clip; off by default: memory). */
const TRACE = new URLSearchParams(location.search).get("trace") === "1";
const EVENTS_SHOWN = 12;
const canvas = $<HTMLCanvasElement>("view");
const ctx = canvas.getContext("2d", { alpha: false }) as CanvasRenderingContext2D;
const handList = $("hands");
const eventList = $("events");
let fps = 0;
let lastT = 0;

export const viewCanvas = canvas;

function show(id: string, ms: number | undefined): void {
  $(id).textContent = ms === undefined ? "–" : ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`;
}

/** Draws, shows and logs one frame. */
export function showFrame(r: FrameResult): void {
  if (canvas.width !== r.width || canvas.height !== r.height) {
    canvas.width = r.width;
    canvas.height = r.height;
  }
  const d0 = performance.now();
  drawFrame(ctx, r.frame as CanvasImageSource, r.hands);
  const drawMs = performance.now() - d0;
  const { timing } = r;
  const record: FrameRecord = {
    t: r.t,
    mediaTime: r.mediaTime,
    hands: r.hands.map((h) => ({
      handedness: h.handedness,
      label: h.label,
      probability: h.probability,
      best: h.best,
      id: h.id,
      gesture: h.gesture,
      accepted: h.accepted,
      rejectionScore: h.rejectionScore,
      landmarks: TRACE ? h.landmarks.map((p) => [p.x, p.y, p.z]) : undefined,
    })),
    drawMs,
    waitMs: timing.waitMs,
    landmarkMs: timing.landmarkMs,
    classifyMs: timing.classifyMs,
    rttMs: timing.rttMs,
    mode: r.mode,
  };
  if (r.events.length) record.events = r.events.length;
  if (r.recovery) record.recovery = r.recovery;
  if (timing.mainBusyMs !== undefined) record.mainBusyMs = timing.mainBusyMs;
  logPush(state.frames, record);

  if (lastT > 0 && r.t > lastT) fps = fps === 0 ? 1000 / (r.t - lastT) : 0.9 * fps + 0.1 * (1000 / (r.t - lastT));
  lastT = r.t;
  $("fps").textContent = fps.toFixed(1);
  show("landmark-ms", timing.landmarkMs);
  show("classify-ms", r.hands.length > 0 ? timing.classifyMs : undefined);
  show("rtt-ms", timing.rttMs);
  handList.replaceChildren(
    ...record.hands.map((h) => {
      const item = li(
        h.label === NO_GESTURE
          ? `${h.handedness}: no gesture (${h.best}? ${(h.probability * 100).toFixed(0)}%)`
          : `${h.handedness}: ${h.label} ${(h.probability * 100).toFixed(0)}%`,
      );
      item.dataset.label = h.label;
      item.dataset.gesture = h.gesture;
      return item;
    }),
  );
}

/** Logs a gesture event and shows it at the top of the page's event list. */
export function showEvent(e: GestureEvent): void {
  logPush(state.events, { ...e });
  const what =
    e.type === "start"
      ? `${e.label} starts (${(e.probability * 100).toFixed(0)}%)`
      : `${e.label} ends, ${e.reason} after ${((e.time - e.startTime) / 1000).toFixed(1)} s`;
  const item = li(
    `${new Date(performance.timeOrigin + e.time).toLocaleTimeString()} hand ${e.handId} (${e.handedness}): ${what}`,
  );
  item.dataset.type = e.type;
  eventList.prepend(item);
  while (eventList.children.length > EVENTS_SHOWN) eventList.lastElementChild?.remove();
}
