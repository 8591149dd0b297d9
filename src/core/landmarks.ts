/**
 * The 21 MediaPipe hand landmarks and the dataset's coordinate convention, defined once.
 *
 * Dataset convention (HaGRID landmark CSV): x and y in pixels of the source image, z MediaPipe's relative depth,
 * 63 columns interleaved per landmark: x1,y1,z1,x2,y2,z2,...,x21,y21,z21 (landmark 1 = the wrist).
 * Live MediaPipe output has x and y normalized to 0..1 of the frame; `liveHandToDataset` is the one function that
 * brings it to the dataset convention. Skipping it distorts every angle by the frame's aspect ratio.
 */

// Landmark indices, 0-based as in MediaPipe (the CSV's columns are 1-based: x1 is WRIST).
export const WRIST = 0;
export const THUMB_CMC = 1;
export const THUMB_MCP = 2;
export const THUMB_IP = 3;
export const THUMB_TIP = 4;
export const INDEX_MCP = 5;
export const INDEX_PIP = 6;
export const INDEX_DIP = 7;
export const INDEX_TIP = 8;
export const MIDDLE_MCP = 9;
export const MIDDLE_PIP = 10;
export const MIDDLE_DIP = 11;
export const MIDDLE_TIP = 12;
export const RING_MCP = 13;
export const RING_PIP = 14;
export const RING_DIP = 15;
export const RING_TIP = 16;
export const PINKY_MCP = 17;
export const PINKY_PIP = 18;
export const PINKY_DIP = 19;
export const PINKY_TIP = 20;

export const NUM_LANDMARKS = 21;
/** Values per hand: x, y, z for each landmark. */
export const HAND_DIM = NUM_LANDMARKS * 3;

/** The five fingers as chains of landmark indices from the wrist out. */
export const FINGERS: readonly (readonly number[])[] = [
  [WRIST, THUMB_CMC, THUMB_MCP, THUMB_IP, THUMB_TIP],
  [WRIST, INDEX_MCP, INDEX_PIP, INDEX_DIP, INDEX_TIP],
  [WRIST, MIDDLE_MCP, MIDDLE_PIP, MIDDLE_DIP, MIDDLE_TIP],
  [WRIST, RING_MCP, RING_PIP, RING_DIP, RING_TIP],
  [WRIST, PINKY_MCP, PINKY_PIP, PINKY_DIP, PINKY_TIP],
];

/** The skeleton: the 23 bones between landmarks (MediaPipe's order), with the finger (or palm) each belongs to. */
export const HAND_BONES: readonly (readonly [number, number, string])[] = [
  [0, 1, "thumb"],
  [1, 2, "thumb"],
  [2, 3, "thumb"],
  [3, 4, "thumb"],
  [0, 5, "index"],
  [5, 6, "index"],
  [6, 7, "index"],
  [7, 8, "index"],
  [0, 9, "middle"],
  [9, 10, "middle"],
  [10, 11, "middle"],
  [11, 12, "middle"],
  [5, 9, "palm"],
  [0, 13, "ring"],
  [13, 14, "ring"],
  [14, 15, "ring"],
  [15, 16, "ring"],
  [9, 13, "palm"],
  [0, 17, "pinky"],
  [17, 18, "pinky"],
  [18, 19, "pinky"],
  [19, 20, "pinky"],
  [13, 17, "palm"],
];

/** The 63 column names in the dataset's (interleaved) order: x1, y1, z1, ..., x21, y21, z21. */
export const COLUMNS: readonly string[] = Object.freeze(
  Array.from({ length: HAND_DIM }, (_, k) => `${"xyz"[k % 3]}${Math.floor(k / 3) + 1}`),
);

/** A hand as MediaPipe gives it live: normalized x, y (0..1 of the frame), relative z. */
export type LivePoint = readonly number[] | { readonly x: number; readonly y: number; readonly z?: number };

export interface LiveHand {
  /** 21 points as [x, y, z] arrays or MediaPipe's {x, y, z} objects. */
  landmarks: ReadonlyArray<LivePoint>;
  /** Frame width and height in pixels. */
  width: number;
  height: number;
  handedness?: "Left" | "Right" | string;
}

/**
 * Converts a live MediaPipe hand to the dataset convention: x times frame width, y times frame height, z as is.
 * Writes the 63 values (interleaved x, y, z) into `out` if given (no allocation), else into a new array.
 */
export function liveHandToDataset(hand: LiveHand, out: Float64Array = new Float64Array(HAND_DIM)): Float64Array {
  const { landmarks, width, height } = hand;
  if (!Array.isArray(landmarks) || landmarks.length !== NUM_LANDMARKS) {
    throw new RangeError(
      `a hand needs ${NUM_LANDMARKS} landmarks, got ${Array.isArray(landmarks) ? landmarks.length : typeof landmarks}`,
    );
  }
  if (!(width > 0 && height > 0 && Number.isFinite(width) && Number.isFinite(height))) {
    throw new RangeError(`frame width and height must be positive pixel counts, got ${width} x ${height}`);
  }
  for (let i = 0; i < NUM_LANDMARKS; i++) {
    const p = landmarks[i];
    const arr = Array.isArray(p);
    const x = arr ? p[0] : (p as { x?: number } | null)?.x;
    const y = arr ? p[1] : (p as { y?: number } | null)?.y;
    const z = (arr ? p[2] : (p as { z?: number } | null)?.z) ?? 0;
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
      throw new RangeError(`landmark ${i} must be [x, y, z] finite numbers, got ${JSON.stringify(p)}`);
    }
    out[3 * i] = (x as number) * width;
    out[3 * i + 1] = (y as number) * height;
    out[3 * i + 2] = z as number;
  }
  return out;
}
