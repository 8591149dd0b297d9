import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import type { DetectedHand } from "../src/web/landmarkers/types.js";
import { sharedPath } from "./shared.js";

/**
 * The shared photos with what the legacy @mediapipe/hands returned for each (../shared/media/{tiles, open-set,
 * tracking}/mediapipe-landmarks.json), for checking another landmarker against it on the same images.
 */
export interface LegacyPhoto {
  /** Path under ../shared/media, e.g. "tiles/call.jpg". */
  img: string;
  /** The hand as the person sees it (the JSON holds the legacy package's raw, mirrored-view label). */
  handedness: "Left" | "Right";
  landmarks: [number, number, number][];
}

export const PHOTO_FOLDERS = ["tiles", "open-set", "tracking"] as const;

export function legacyPhotos(folders: readonly string[] = PHOTO_FOLDERS): LegacyPhoto[] {
  return folders.flatMap((folder) => {
    const json = JSON.parse(readFileSync(sharedPath("media", folder, "mediapipe-landmarks.json"), "utf8")) as {
      results: { img: string; handedness: { label: string }[]; landmarks: [number, number, number][][] }[];
    };
    return json.results.map((r) => ({
      img: r.img,
      handedness: r.handedness[0].label === "Left" ? "Right" : "Left",
      landmarks: r.landmarks[0],
    }));
  });
}

/** The photo as a data: URL, so the page reads it without a request. */
export function photoDataUrl(img: string): string {
  return `data:image/jpeg;base64,${readFileSync(sharedPath("media", img)).toString("base64")}`;
}

export interface PhotoComparison {
  img: string;
  found: boolean;
  sameSide: boolean;
  /** Mean and largest distance of the 21 points from the legacy ones, in x, y normalized to the image. */
  meanDiff: number;
  maxDiff: number;
}

/** Each photo searched by the page's open landmarker (window.landmarkers, web/landmarkers.html), compared. */
export async function comparePhotos(page: Page, photos: readonly LegacyPhoto[]): Promise<PhotoComparison[]> {
  const out: PhotoComparison[] = [];
  for (const photo of photos) {
    const hands = (await page.evaluate((u) => window.landmarkers.detectImage(u), photoDataUrl(photo.img))) as
      | DetectedHand[]
      | undefined;
    const h = hands?.[0];
    if (!h) {
      out.push({ img: photo.img, found: false, sameSide: false, meanDiff: Number.NaN, maxDiff: Number.NaN });
      continue;
    }
    const d = photo.landmarks.map(([x, y], i) => Math.hypot(h.landmarks[i].x - x, h.landmarks[i].y - y));
    out.push({
      img: photo.img,
      found: true,
      sameSide: h.handedness === photo.handedness,
      meanDiff: d.reduce((a, b) => a + b, 0) / d.length,
      maxDiff: Math.max(...d),
    });
  }
  return out;
}
