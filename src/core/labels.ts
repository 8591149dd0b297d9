/**
 * Class labels as integer codes into a sorted list of names (the order of predictProba's columns, as in
 * scikit-learn's `classes_`).
 */
export interface Labels {
  readonly codes: Int32Array;
  readonly classes: readonly string[];
}

export function encodeLabels(names: readonly string[], classes?: readonly string[]): Labels {
  const cls = classes ?? [...new Set(names)].sort();
  const index = new Map(cls.map((c, i) => [c, i]));
  const codes = new Int32Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const c = index.get(names[i]);
    if (c === undefined) throw new RangeError(`unknown class "${names[i]}"; known: ${cls.join(", ")}`);
    codes[i] = c;
  }
  return { codes, classes: cls };
}

export function decodeLabels(labels: Labels): string[] {
  return Array.from(labels.codes, (c) => labels.classes[c]);
}

export function takeLabels(labels: Labels, indices: ArrayLike<number>): Labels {
  const codes = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) codes[k] = labels.codes[indices[k]];
  return { codes, classes: labels.classes };
}

/** Number of rows per class code. */
export function classCounts(labels: Labels): Int32Array {
  const counts = new Int32Array(labels.classes.length);
  for (const c of labels.codes) counts[c]++;
  return counts;
}

/** The 18 gestures of HaGRID's landmark data, the dataset the shipped models are trained on. */
export const HAGRID_LABELS: readonly string[] = Object.freeze([
  "call",
  "dislike",
  "fist",
  "four",
  "like",
  "mute",
  "ok",
  "one",
  "palm",
  "peace",
  "peace_inverted",
  "rock",
  "stop",
  "stop_inverted",
  "three",
  "three2",
  "two_up",
  "two_up_inverted",
]);
