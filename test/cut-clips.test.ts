import { describe, expect, it } from "vitest";
import {
  clipSeconds,
  cutSequence,
  HAGRID_PHOTOS,
  OTHER_PHOTOS,
  OTHER_SEGMENT_SECONDS,
  SEGMENT_SECONDS,
  scoreCuts,
  segmentAt,
} from "./cut-clips.js";

/** The cut clip's plan, without ffmpeg: what the browser test's figures rest on. */
describe("the cut clip's segments", () => {
  const segments = cutSequence();

  it("cuts between every ordered pair of the HaGRID photos, and into and out of each other photo thrice", () => {
    const pairs = new Set<string>();
    for (let i = 1; i < segments.length; i++) {
      const [a, b] = [segments[i - 1], segments[i]];
      if (a.hagrid && b.hagrid) pairs.add(`${a.photo}>${b.photo}`);
    }
    expect(pairs.size).toBe(HAGRID_PHOTOS.length * (HAGRID_PHOTOS.length - 1));
    for (const other of OTHER_PHOTOS) {
      const at = segments.flatMap((s, i) => (s.photo === other ? [i] : []));
      expect(at, other).toHaveLength(3);
      for (const i of at) expect(segments[i - 1].hagrid && segments[i + 1].hagrid, other).toBe(true);
    }
  });

  it("lays the segments end to end, the other gestures longer", () => {
    for (let i = 1; i < segments.length; i++)
      expect(segments[i].start).toBeCloseTo(segments[i - 1].start + segments[i - 1].seconds, 9);
    for (const s of segments) expect(s.seconds).toBe(s.hagrid ? SEGMENT_SECONDS : OTHER_SEGMENT_SECONDS);
    const hagrid = segments.filter((s) => s.hagrid).length;
    expect(clipSeconds(segments)).toBeCloseTo(
      hagrid * SEGMENT_SECONDS + (segments.length - hagrid) * OTHER_SEGMENT_SECONDS,
      9,
    );
  });

  it("finds the segment of a frame time, at its edges too, and none past the end", () => {
    const i = segments.findIndex((s) => !s.hagrid);
    const s = segments[i];
    expect(segmentAt(segments, s.start)).toBe(s);
    expect(segmentAt(segments, s.start + s.seconds - 0.001)).toBe(s);
    expect(segmentAt(segments, s.start + s.seconds)).toBe(segments[i + 1]);
    expect(segmentAt(segments, 0)).toBe(segments[0]);
    expect(segmentAt(segments, clipSeconds(segments))).toBeUndefined();
    expect(segmentAt(segments, -1)).toBeUndefined();
  });

  it("scores a photo's frames after its first 300 ms only", () => {
    const s = segments.find((x) => !x.hagrid) ?? segments[0];
    const frames = [
      { mediaTime: s.start + 0.1, hands: [{ label: "like" }] }, // settling: not counted
      { mediaTime: s.start + 0.5, hands: [{ label: "no gesture" }] },
      { mediaTime: s.start + 1.0, hands: [] },
      { mediaTime: s.start + 1.5, hands: [{ label: "fist" }] },
    ];
    const score = scoreCuts(segments, frames).find((x) => x.photo === s.photo);
    expect(score).toMatchObject({ frames: 3, right: 2 });
  });
});
