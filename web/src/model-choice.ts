/**
 * Which model names the hands: the server's Production model (or a model file the user picks) run in the page,
 * or the scoring API (this server or another `handgesture serve`), switchable live.
 */
import { ApiClassifier, type Classifier, LocalClassifier } from "../../src/web/classifiers.js";
import { authHeaders } from "./auth.js";
import { apiUrl, currentMode, modeRadio } from "./controls.js";
import { $, setStatus } from "./dom.js";
import { state } from "./page-state.js";

let modelFile: { json: unknown; name: string } | undefined;

/** The classifier the controls name now: loads it, shows it, and hands it to `use`. Undefined when refused. */
export async function chooseClassifier(use: (c: Classifier) => unknown): Promise<Classifier | undefined> {
  const mode = currentMode();
  try {
    setStatus(mode === "api" ? "connecting to the scoring API…" : "loading the model…");
    const next =
      mode === "api"
        ? await ApiClassifier.connect(apiUrl.value.trim() || location.origin, authHeaders())
        : modelFile
          ? new LocalClassifier(modelFile.json, modelFile.name)
          : await LocalClassifier.fromServer("", authHeaders());
    await use(next);
    state.classifier = next;
    $("model-name").textContent = `${next.kind === "local" ? "in page" : "API"}: ${next.name}`;
    setStatus(state.ready ? "running" : "starting the hand landmarker…");
    return next;
  } catch (e) {
    setStatus(`model: ${(e as Error).message}`, true);
    return undefined;
  }
}

/** Switches the model when the mode, the API address or the model file changes. */
export function wireModelControls(use: (c: Classifier) => unknown): void {
  for (const r of document.querySelectorAll<HTMLInputElement>("input[name=mode]")) {
    r.addEventListener("change", () => chooseClassifier(use));
  }
  apiUrl.addEventListener("change", () => currentMode() === "api" && chooseClassifier(use));
  $<HTMLInputElement>("model-file").addEventListener("change", async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const previous = modelFile;
    try {
      modelFile = { json: JSON.parse(await file.text()), name: file.name };
    } catch (err) {
      setStatus(`model file ${file.name}: not JSON (${(err as Error).message})`, true);
      return;
    }
    modeRadio("local").checked = true;
    if (!(await chooseClassifier(use))) modelFile = previous; // refused: keep what ran before
  });
}
