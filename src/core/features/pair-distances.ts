import { INDEX_MCP, MIDDLE_MCP, NUM_LANDMARKS, PINKY_MCP, RING_MCP } from "../landmarks.js";

/** What a rejector needs of a feature space: one hand's 63 values in, a fixed-length vector out, no allocation. */
export interface RowFeatures {
  outputDim(inputDim: number): number;
  transformRow(x: Float64Array, out: Float64Array): void;
}

/**
 * The 210 pairwise 2-D distances of a hand over its palm size: its shape whatever its turn in the image, its side
 * and its size. Depth is left out: MediaPipe's z differs between the dataset's photos and live frames far more than
 * x and y do (the shared `ok` photo's depth profile is 10 standard deviations from the sample's oks), so a distance
 * that counted it would turn down real gestures seen live.
 */
export class PairDistances implements RowFeatures {
  outputDim(): number {
    return (NUM_LANDMARKS * (NUM_LANDMARKS - 1)) / 2;
  }
  transformRow(x: Float64Array, out: Float64Array): void {
    const palm =
      (Math.sqrt((x[3 * INDEX_MCP] - x[0]) ** 2 + (x[3 * INDEX_MCP + 1] - x[1]) ** 2) +
        Math.sqrt((x[3 * MIDDLE_MCP] - x[0]) ** 2 + (x[3 * MIDDLE_MCP + 1] - x[1]) ** 2) +
        Math.sqrt((x[3 * RING_MCP] - x[0]) ** 2 + (x[3 * RING_MCP + 1] - x[1]) ** 2) +
        Math.sqrt((x[3 * PINKY_MCP] - x[0]) ** 2 + (x[3 * PINKY_MCP + 1] - x[1]) ** 2) +
        Math.sqrt((x[3 * INDEX_MCP] - x[3 * PINKY_MCP]) ** 2 + (x[3 * INDEX_MCP + 1] - x[3 * PINKY_MCP + 1]) ** 2)) /
      5;
    const inv = palm > 0 ? 1 / palm : 0;
    let k = 0;
    for (let i = 0; i < NUM_LANDMARKS; i++) {
      for (let j = i + 1; j < NUM_LANDMARKS; j++) {
        out[k++] = Math.sqrt((x[3 * i] - x[3 * j]) ** 2 + (x[3 * i + 1] - x[3 * j + 1]) ** 2) * inv;
      }
    }
  }
}
