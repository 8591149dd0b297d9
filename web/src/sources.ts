/**
 * The page's sources: the camera, or a video or image file. Each switch is a hard cut for the recognizer (its
 * source is unset while switching, then set to the new one), so no hand or label of the old source carries over.
 */
import type { Recognizer } from "../../src/web/recognizer.js";
import { $, setStatus } from "./dom.js";

const video = $<HTMLVideoElement>("video");

export async function useCamera(recognizer: Recognizer | undefined): Promise<void> {
  recognizer?.setSource(undefined);
  video.removeAttribute("src"); // a video file played before
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  video.srcObject = stream;
  await video.play();
  recognizer?.setSource(video);
}

export async function useFile(recognizer: Recognizer, file: File): Promise<void> {
  const url = URL.createObjectURL(file);
  if (file.type.startsWith("image/")) {
    const img = new Image();
    img.src = url;
    await img.decode();
    recognizer.setSource(img);
    return;
  }
  recognizer.setSource(undefined);
  video.srcObject = null;
  video.src = url;
  video.loop = true;
  await video.play();
  recognizer.setSource(video);
}

/** The camera radio and the file input drive the recognizer's source. */
export function wireSources(recognizer: Recognizer): void {
  $<HTMLInputElement>("file").addEventListener("change", async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    // The camera button becomes the way back to the camera.
    const camera = document.querySelector<HTMLInputElement>("input[name=source][value=camera]");
    if (camera) camera.checked = false;
    await useFile(recognizer, file).catch((err) => setStatus(`file: ${(err as Error).message}`, true));
  });
  for (const r of document.querySelectorAll<HTMLInputElement>("input[name=source]")) {
    r.addEventListener("change", () =>
      useCamera(recognizer).catch((err) => setStatus(`camera: ${(err as Error).message}`, true)),
    );
  }
}

/** The page's video element (camera and video files play in it). */
export const pageVideo = video;
