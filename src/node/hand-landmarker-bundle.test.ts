import { readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  buildHandLandmarkerBundle,
  HAND_DETECTOR_MEMBER,
  HAND_LANDMARKS_MEMBER,
  legacyHandsRoot,
  readLegacyModels,
} from "./hand-landmarker-bundle.js";
import { crc32, storedZip } from "./stored-zip.js";
import { readInputNormalization, readTfliteMetadata } from "./tflite-metadata.js";

/** The members of a zip, read the way an unzip tool does: the central directory, then each local header. */
function readZip(zip: Uint8Array): { name: string; method: number; crc: number; dataAt: number; data: Uint8Array }[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  expect(view.getUint32(end, true)).toBe(0x06054b50);
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const members = [];
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(at, true)).toBe(0x02014b50);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    const local = view.getUint32(at + 42, true);
    expect(view.getUint32(local, true)).toBe(0x04034b50);
    const dataAt = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    members.push({ name, method, crc, dataAt, data: zip.subarray(dataAt, dataAt + size) });
    at += 46 + skip;
  }
  return members;
}

describe("stored zip", () => {
  it("computes the CRC-32 zlib does, and lays members out stored and aligned", () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 37) % 251);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926); // the standard check value
    const zip = storedZip([
      { name: "a.bin", data: bytes },
      { name: "dir/b.txt", data: new TextEncoder().encode("hello") },
    ]);
    const members = readZip(zip);
    expect(members.map((m) => m.name)).toEqual(["a.bin", "dir/b.txt"]);
    for (const m of members) {
      expect(m.method).toBe(0);
      expect(m.dataAt % 64).toBe(0);
      expect(m.crc).toBe(zlibCrc32(m.data));
    }
    expect(Buffer.from(members[0].data).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe("hand_landmarker.task from @mediapipe/hands", () => {
  it("holds the palm detector and the landmark model, each the shipped bytes behind a metadata prefix", async () => {
    const bundle = await buildHandLandmarkerBundle();
    const members = readZip(bundle);
    expect(members.map((m) => m.name)).toEqual([HAND_DETECTOR_MEMBER, HAND_LANDMARKS_MEMBER]);
    const shipped = await readLegacyModels();
    // The landmark model is a file of the package as it is; the palm detector a slice of the packed assets.
    expect(
      Buffer.from(shipped.handLandmarks).equals(readFileSync(join(legacyHandsRoot(), "hand_landmark_full.tflite"))),
    ).toBe(true);
    expect(shipped.handDetector.length).toBe(2341280);
    for (const [member, original] of [
      [members[0], shipped.handDetector],
      [members[1], shipped.handLandmarks],
    ] as const) {
      expect(member.method).toBe(0);
      expect(member.dataAt % 16).toBe(0);
      expect(member.crc).toBe(zlibCrc32(member.data));
      const model = member.data;
      expect(new TextDecoder().decode(model.subarray(4, 8))).toBe("TFL3");
      expect(readTfliteMetadata(original)).toBeUndefined();
      // The old model follows the new root unchanged, shifted by a multiple of 16 (tensor data stays aligned).
      const shift = model.length - original.length;
      expect(shift % 16).toBe(0);
      expect(Buffer.from(model.subarray(shift)).equals(Buffer.from(original))).toBe(true);
      const metadata = readTfliteMetadata(model);
      expect(metadata && new TextDecoder().decode(metadata.subarray(4, 8))).toBe("M001");
      // Pixels scaled to [0, 1], as @mediapipe/hands' graphs feed both models.
      expect(readInputNormalization(metadata as Uint8Array)).toEqual({ mean: [0], std: [255] });
    }
  });
});
