import type { Matrix } from "./matrix.js";

/**
 * A dataset's content digest: the first 8 hex digits of the SHA-256 of its values and labels (MLflow's dataset
 * digests are 8 characters too). The same table gives the same digest in a model file's metadata and in a run's
 * dataset input, in Node and in the browser (Web Crypto).
 */
export async function tableDigest(table: { X: Matrix; labels: readonly string[] }): Promise<string> {
  const labels = new TextEncoder().encode(table.labels.join("\n"));
  const bytes = new Uint8Array(table.X.data.byteLength + labels.byteLength);
  bytes.set(new Uint8Array(table.X.data.buffer, table.X.data.byteOffset, table.X.data.byteLength));
  bytes.set(labels, table.X.data.byteLength);
  const hash = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
}
