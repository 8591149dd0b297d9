/**
 * Records the annotated canvas (camera plus overlay) with MediaRecorder and hands the video to the server, which
 * saves it under output_videos/<timestamp>.webm. The blob also stays in the page for download.
 */

import { authHeaders } from "./auth.js";

export interface SavedRecording {
  /** Where the server saved it, relative to its working directory. */
  file: string;
  /** The server's URL for it. */
  url: string;
  /** A local object URL for the same bytes. */
  blobUrl: string;
  bytes: number;
}

export class CanvasRecorder {
  private recorder: MediaRecorder | undefined;
  private chunks: Blob[] = [];

  constructor(private readonly canvas: HTMLCanvasElement) {}

  get recording(): boolean {
    return this.recorder?.state === "recording";
  }

  start(fps = 15): void {
    if (this.recording) return;
    const stream = this.canvas.captureStream(fps);
    const mimeType = ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"].find((t) =>
      MediaRecorder.isTypeSupported(t),
    );
    this.chunks = [];
    this.recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    this.recorder.ondataavailable = (e) => {
      if (e.data.size > 0) this.chunks.push(e.data);
    };
    this.recorder.start(1000); // a chunk a second: a long recording does not sit in one buffer
  }

  /** Stops, uploads and answers where the video went. */
  async stop(upload = "/api/ui/recordings"): Promise<SavedRecording> {
    const recorder = this.recorder;
    if (!recorder) throw new Error("not recording");
    const stopped = new Promise<void>((resolve) => {
      recorder.onstop = () => resolve();
    });
    recorder.stop();
    await stopped;
    for (const track of recorder.stream.getTracks()) track.stop();
    this.recorder = undefined;
    const blob = new Blob(this.chunks, { type: "video/webm" });
    const res = await fetch(upload, {
      method: "POST",
      headers: authHeaders({ "Content-Type": "video/webm" }),
      body: blob,
    });
    if (!res.ok) throw new Error(`saving the recording failed: ${res.status} ${await res.text()}`);
    const saved = (await res.json()) as { file: string; url: string };
    return { ...saved, blobUrl: URL.createObjectURL(blob), bytes: blob.size };
  }
}
