/**
 * Clips for the own-gestures test, made with ffmpeg at test time (never committed): one photo of ../shared/media
 * moving and scaling a little, as a hand held in front of a camera does. The photo is padded to 4:3 in grey, then
 * zoompan drifts it sideways and zooms it in and out (a different phase and direction per `variant`, so two
 * recording sessions do not see the same frames). VP8 WebM, 640×480, 15 frames a second.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export function makeMovingClip(photo: string, dir: string, variant: number, seconds = 8): string {
  const out = join(dir, `${photo.replace(/^.*\//, "").replace(/\.\w+$/, "")}-${variant}.webm`);
  const phase = variant * 1.7;
  const dir1 = variant % 2 ? -1 : 1;
  const z = `1.12+0.1*sin(2*PI*on/50+${phase})`;
  const x = `iw/2-(iw/zoom/2)+${dir1}*0.05*iw*sin(2*PI*on/70+${phase})`;
  const y = `ih/2-(ih/zoom/2)+0.03*ih*cos(2*PI*on/60+${phase})`;
  execFileSync("ffmpeg", [
    ...["-v", "error", "-y", "-loop", "1", "-t", String(seconds), "-i", photo],
    ...["-vf", `scale=720:720,pad=960:720:120:0:gray,zoompan=z='${z}':x='${x}':y='${y}':d=1:s=640x480:fps=15`],
    ...["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", "-t", String(seconds), out],
  ]);
  return out;
}

/** A clip with no hand at all: grey with a little noise. */
export function makeEmptyClip(dir: string, seconds = 4): string {
  const out = join(dir, "empty.webm");
  execFileSync("ffmpeg", [
    ...["-v", "error", "-y", "-f", "lavfi", "-i", `color=c=gray:s=640x480:r=15:d=${seconds}`],
    ...["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k", out],
  ]);
  return out;
}

/** The shared six-gesture MJPEG (Chromium's fake-camera clip, 30 frames a second) as a WebM a page can play. */
export function sharedClipAsWebm(mjpeg: string, dir: string): string {
  const out = join(dir, "six-gestures.webm");
  execFileSync("ffmpeg", [
    ...["-v", "error", "-y", "-f", "mjpeg", "-framerate", "30", "-i", mjpeg],
    ...["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "1M", out],
  ]);
  return out;
}
