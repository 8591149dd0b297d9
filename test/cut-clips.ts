/**
 * Clips with hard cuts between the shared photos, made with ffmpeg at test time (never committed): every ordered
 * pair of the seven HaGRID photos (the six HaGRID gestures of tiles/ and tracking/ok.jpg: 42 cuts, one Eulerian
 * circuit), then cuts into and out of each of the seven photos of other gestures (tiles/gun, tiles/grabbing and the
 * five of open-set/). Each segment shows one photo, scaled to a size of its own (284, 360, 420, 480 px in turn:
 * 360 to 420 px is where MediaPipe's palm detector misses ok.jpg), centred in a 640×480 grey frame, for 1.2 s
 * (HaGRID photos) or 1.8 s (the others). The clip is a VP8 WebM at 15 frames a second, whose frames carry their
 * exact place (mediaTime) when the page plays it.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { FrameRecord } from "../web/src/page-state.js";
import { launchChromium } from "./browser.js";
import { sharedPath } from "./shared.js";

export const HAGRID_PHOTOS = ["palm", "fist", "like", "peace", "call", "two_up", "ok"] as const;
export const OTHER_PHOTOS = ["gun", "grabbing", "point", "grip", "pinkie", "middle_finger", "three3"] as const;
export const SIZES = [284, 360, 420, 480] as const;
export const FPS = 15;
/** Seconds a HaGRID photo stays on screen. */
export const SEGMENT_SECONDS = 1.2;
/**
 * Seconds a photo of another gesture stays on screen: longer, because a hand the model turns down is often searched
 * afresh on its first frames (two or three detections each), so fewer of its frames are processed.
 */
export const OTHER_SEGMENT_SECONDS = 1.8;

export interface Segment {
  photo: string;
  /** HaGRID gesture (its label) or another gesture (the page should say "no gesture"). */
  hagrid: boolean;
  size: number;
  start: number;
  seconds: number;
}

export function photoFile(name: string): string {
  if (name === "ok") return sharedPath("media", "tracking", "ok.jpg");
  if (["point", "grip", "pinkie", "middle_finger", "three3"].includes(name))
    return sharedPath("media", "open-set", `${name}.jpg`);
  return sharedPath("media", "tiles", `${name}.jpg`);
}

/** An Eulerian circuit of the complete directed graph on n nodes from node 0 (Hierholzer): every ordered pair once. */
export function everyOrderedPair(n: number): number[] {
  const next = Array.from({ length: n }, (_, v) => Array.from({ length: n }, (_, w) => w).filter((w) => w !== v));
  const stack = [0];
  const circuit: number[] = [];
  while (stack.length) {
    const v = stack[stack.length - 1];
    const out = next[v];
    if (out.length) stack.push(out.shift() as number);
    else circuit.push(stack.pop() as number);
  }
  return circuit.reverse();
}

/** The segments in play order: the HaGRID circuit, then each other gesture three times, each time between two HaGRID photos. */
export function cutSequence(): Segment[] {
  const order: string[] = everyOrderedPair(HAGRID_PHOTOS.length).map((i) => HAGRID_PHOTOS[i]);
  // Each other photo three times, from and to different HaGRID photos, at different sizes: enough frames to judge.
  for (const pass of [3, 5, 1])
    for (const [i, other] of OTHER_PHOTOS.entries())
      order.push(other, HAGRID_PHOTOS[(i + pass) % HAGRID_PHOTOS.length]);
  let start = 0;
  return order.map((photo, i) => {
    const hagrid = (HAGRID_PHOTOS as readonly string[]).includes(photo);
    const seconds = hagrid ? SEGMENT_SECONDS : OTHER_SEGMENT_SECONDS;
    start += seconds;
    return { photo, hagrid, size: SIZES[i % SIZES.length], start: start - seconds, seconds };
  });
}

/** Writes the clip into `dir` and returns its path and segments. */
export function makeCutClip(dir: string, segments: Segment[] = cutSequence()): { file: string; segments: Segment[] } {
  mkdirSync(dir, { recursive: true });
  const stills = new Map<string, string>();
  for (const s of segments) {
    const key = `${s.photo}-${s.size}`;
    if (stills.has(key)) continue;
    const png = join(dir, `${key}.png`);
    execFileSync("ffmpeg", [
      ...["-v", "error", "-y", "-i", photoFile(s.photo)],
      ...["-vf", `scale=${s.size}:${s.size}:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2:gray`],
      png,
    ]);
    stills.set(key, png);
  }
  // ffmpeg's concat demuxer: each still for its duration (the last one listed twice, as the demuxer wants).
  const lines = segments.flatMap((s) => [`file '${stills.get(`${s.photo}-${s.size}`)}'`, `duration ${s.seconds}`]);
  lines.push(lines[lines.length - 2]);
  const list = join(dir, "cuts.txt");
  writeFileSync(list, `${lines.join("\n")}\n`);
  const file = join(dir, "cuts.webm");
  execFileSync("ffmpeg", [
    ...["-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", list],
    ...["-vf", `fps=${FPS}`, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", file],
  ]);
  return { file, segments };
}

/** The segment a stream position falls in. */
export function segmentAt(segments: readonly Segment[], mediaTime: number): Segment | undefined {
  const t = mediaTime + 1e-6; // frame times are rounded
  return segments.find((s) => s.start <= t && t < s.start + s.seconds);
}

/** The clip's length in seconds. */
export function clipSeconds(segments: readonly Segment[]): number {
  const last = segments[segments.length - 1];
  return last ? last.start + last.seconds : 0;
}

/** What the page said on one photo's segment. */
export interface SegmentScore {
  photo: string;
  hagrid: boolean;
  /** Frames processed after the first 300 ms of the segment. */
  frames: number;
  /** Of those: HaGRID photos named right (first hand's smoothed label); other photos with no gesture named. */
  right: number;
  /** Frames of the segment (from its start) where recovery searched afresh. */
  recovered: number;
}

/** Frames processed from the segment's start, whose first hand says `label` (undefined: no hand). */
interface ScoredFrame {
  mediaTime?: number;
  hands: { label: string }[];
  recovery?: string;
}

export const SETTLE_SECONDS = 0.3;

/** Per photo (all its segments together): frames after the first 300 ms of each segment and how many were right. */
export function scoreCuts(segments: readonly Segment[], frames: readonly ScoredFrame[]): SegmentScore[] {
  const byPhoto = new Map<string, SegmentScore>();
  for (const s of segments)
    if (!byPhoto.has(s.photo))
      byPhoto.set(s.photo, { photo: s.photo, hagrid: s.hagrid, frames: 0, right: 0, recovered: 0 });
  for (const f of frames) {
    if (f.mediaTime === undefined) continue;
    const s = segmentAt(segments, f.mediaTime);
    if (!s) continue;
    const score = byPhoto.get(s.photo) as SegmentScore;
    if (f.recovery) score.recovered++;
    if (f.mediaTime - s.start < SETTLE_SECONDS) continue;
    score.frames++;
    const label = f.hands[0]?.label;
    if (s.hagrid ? label === s.photo : label === undefined || label === "no gesture") score.right++;
  }
  return [...byPhoto.values()];
}

export function formatScores(scores: readonly SegmentScore[]): string {
  return scores
    .map((s) => `${s.photo} ${s.right}/${s.frames} (${((100 * s.right) / Math.max(1, s.frames)).toFixed(0)} %)`)
    .join(", ");
}

/** Plays the clip once from its start in a fresh page and returns the frames with a place in it. */
export async function playClip(url: string, file: string, seconds: number, query: string): Promise<FrameRecord[]> {
  const browser = await launchChromium();
  try {
    const page: Page = await browser.newPage();
    await page.goto(`${url}/?source=none&${query}`);
    await page.waitForFunction(() => window.handgesture.ready, null, { timeout: 60_000 });
    await page.setInputFiles("#file", file);
    await page.waitForFunction(
      (end) => window.handgesture.frames.some((f) => (f.mediaTime ?? 0) >= end),
      seconds - 0.2,
      { timeout: (seconds + 90) * 1000, polling: 500 },
    );
    const error = await page.evaluate(() => window.handgesture.error);
    if (error) throw new Error(`the page shows an error: ${error}`);
    const frames = await page.evaluate(() => window.handgesture.frames.filter((f) => f.mediaTime !== undefined));
    // The file plays once: frames past its end (a loop) would count twice.
    return frames.filter((f) => (f.mediaTime as number) < seconds);
  } finally {
    await browser.close();
  }
}
