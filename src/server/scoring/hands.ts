/**
 * The landmark-native endpoint's body: hands as MediaPipe gives them in the browser, each brought to the dataset's
 * convention by liveHandToDataset (inside GestureRecognizer.recognize), never converted here.
 *
 *   {"hands": [{"landmarks": [[x, y, z] x21], "handedness": "Left", "width": 640, "height": 480}, ...],
 *    "width": 640, "height": 480}            // frame size per hand, or once here for all of them
 */
import type { LiveHand, LivePoint } from "../../core/landmarks.js";
import { badRequest, invalidValue } from "./inputs.js";
import type { ServedModel } from "./served-model.js";

export interface GestureScore {
  gesture: string;
  probability: number;
}

export interface HandAnswer extends GestureScore {
  /** The most probable gesture, named or not ("gesture" is "no gesture" when the model's rejector turns it down). */
  best: string;
  /** The rejection score; null when the model has no rejector. */
  score: number | null;
  /** The three most probable gestures, most probable first. */
  top: GestureScore[];
  /** As sent (MediaPipe's "Left" / "Right"), when sent. */
  handedness?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** MediaPipe's handedness as a string, or as its category list ([{categoryName: "Left", score}]). */
function handednessOf(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  const first = Array.isArray(v) ? v[0] : undefined;
  if (isObject(first)) {
    const name = first.categoryName ?? first.label ?? first.displayName;
    if (typeof name === "string") return name;
  }
  return undefined;
}

export function recognizeHands(served: ServedModel, text: string): HandAnswer[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("Failed to parse input from JSON. Ensure that input is a valid JSON formatted string.");
  }
  if (!isObject(body) || !Array.isArray(body.hands)) {
    throw badRequest('the body must be {"hands": [{"landmarks": [[x, y, z] x21], "width", "height"}, ...]}');
  }
  const { hands, width, height } = body;
  const out: HandAnswer[] = new Array(hands.length);
  for (let i = 0; i < hands.length; i++) {
    const h = hands[i];
    if (!isObject(h)) throw invalidValue(`hands[${i}] must be an object with "landmarks", got ${typeof h}`);
    const live: LiveHand = {
      landmarks: h.landmarks as ReadonlyArray<LivePoint>,
      width: (h.width ?? width) as number,
      height: (h.height ?? height) as number,
    };
    let r: ReturnType<ServedModel["recognize"]>;
    try {
      r = served.recognize(live);
    } catch (e) {
      if (e instanceof RangeError) throw invalidValue(`hands[${i}]: ${e.message}`);
      throw e;
    }
    const answer: HandAnswer = {
      gesture: r.label,
      best: r.best,
      probability: r.probability,
      score: r.score,
      top: r.top.map((t) => ({ gesture: t.label, probability: t.probability })),
    };
    const handedness = handednessOf(h.handedness);
    if (handedness !== undefined) answer.handedness = handedness;
    out[i] = answer;
  }
  return out;
}
