/** The record button: start, stop, and a download link for each recording the server saved. */
import { $, setStatus } from "./dom.js";
import { state } from "./page-state.js";
import { CanvasRecorder } from "./recorder.js";

export function wireRecording(canvas: HTMLCanvasElement): void {
  const recorder = new CanvasRecorder(canvas);
  const button = $<HTMLButtonElement>("record");
  button.addEventListener("click", async () => {
    if (!recorder.recording) {
      recorder.start();
      button.textContent = "stop recording";
      return;
    }
    button.disabled = true;
    try {
      const saved = await recorder.stop();
      state.recordings.push({ file: saved.file, url: saved.url, bytes: saved.bytes });
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = saved.blobUrl;
      a.download = saved.file.split("/").pop() ?? "recording.webm";
      a.textContent = `${saved.file} (${(saved.bytes / 1e6).toFixed(1)} MB)`;
      li.append(a);
      $("recordings").append(li);
    } catch (e) {
      setStatus((e as Error).message, true);
    } finally {
      button.textContent = "start recording";
      button.disabled = false;
    }
  });
}
