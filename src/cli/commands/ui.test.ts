import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../../../test/cli.js";
import { startCli } from "../../../test/processes.js";
import { FileStore } from "../../tracking/file-store.js";

/** `handgesture ui` in a child process, in a temp folder of its own (recordings and samples would go there). */
function startUi(args: string[], env: Record<string, string> = {}) {
  return startCli(["ui", ...args], { cwd: mkdtempSync(join(tmpdir(), "hg-ui-cwd-")), env });
}

describe("handgesture ui", () => {
  it("serves the store named by --tracking-uri, with the token from the environment, and stops on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hg-ui-"));
    const mlruns = join(dir, "mlruns");
    const ui = startUi(["-p", "0", "--tracking-uri", mlruns], { HANDGESTURE_AUTH_TOKEN: "from-env" });
    try {
      const url = await ui.url;
      expect(ui.output().stdout).toContain(`store: ${mlruns}, token on writes`);
      expect(await (await fetch(`${url}/health`)).text()).toBe("OK");
      const create = (token?: string) =>
        fetch(`${url}/api/2.0/mlflow/experiments/create`, {
          method: "POST",
          headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ name: "from-ui" }),
        });
      expect((await create()).status).toBe(401);
      expect((await create("from-env")).status).toBe(200);
      const got = await fetch(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=from-ui`);
      expect((await got.json()).experiment.name).toBe("from-ui");
    } finally {
      expect(await ui.stop()).toBe(0);
    }
    expect((await new FileStore(mlruns).getExperimentByName("from-ui"))?.name).toBe("from-ui");
  });

  it("with no URI in a fresh folder (npm start): serves sqlite:///mlflow.db with MLflow 3's logged models", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "hg-ui-fresh-"));
    const ui = startCli(["ui", "-p", "0"], { cwd, env: { MLFLOW_TRACKING_URI: "" } });
    try {
      const url = await ui.url;
      expect(ui.output().stdout).toContain("store: sqlite:///mlflow.db");
      expect(existsSync(join(cwd, "mlflow.db"))).toBe(true);
      // The shipped default model was registered as a logged model, its files where `mlflow server` keeps them.
      const got = await fetch(`${url}/api/2.0/mlflow/registered-models/get-latest-versions`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: "hand-gesture", stages: ["Production"] }),
      });
      const [prod] = (await got.json()).model_versions;
      expect(prod.source).toMatch(/^models:\/m-[0-9a-f]{32}$/);
      const model = await (await fetch(`${url}/api/2.0/mlflow/logged-models/${prod.source.slice(8)}`)).json();
      expect(model.model.info.artifact_uri).toMatch(/^mlflow-artifacts:\/\d+\/models\/m-[0-9a-f]{32}\/artifacts$/);
      const [, exp] = /^mlflow-artifacts:\/(\d+)\//.exec(model.model.info.artifact_uri) ?? [];
      expect(existsSync(join(cwd, "mlartifacts", exp, "models", prod.source.slice(8), "artifacts", "model.json"))).toBe(
        true,
      );
    } finally {
      expect(await ui.stop()).toBe(0);
    }
  });

  it("takes --auth-token, --auth-reads and --cors-origin", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hg-ui-"));
    const ui = startUi([
      "--port",
      "0",
      "--tracking-uri",
      join(dir, "mlruns"),
      "--auth-token",
      "flag",
      "--auth-reads",
      "--cors-origin",
      "http://a.example",
      "--cors-origin",
      "http://b.example",
    ]);
    try {
      const url = await ui.url;
      expect(ui.output().stdout).toContain("token on every request");
      const path = `${url}/api/2.0/mlflow/experiments/get?experiment_id=0`;
      expect((await fetch(path)).status).toBe(401);
      const ok = await fetch(path, { headers: { Authorization: "Bearer flag", Origin: "http://b.example" } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("access-control-allow-origin")).toBe("http://b.example");
    } finally {
      expect(await ui.stop()).toBe(0);
    }
    expect(existsSync(join(dir, "mlruns", "0", "meta.yaml"))).toBe(true);
  });

  it("refuses bad options with exit 2 and a message", () => {
    const reads = cli(["ui", "--auth-reads", "-p", "0"], undefined, { HANDGESTURE_AUTH_TOKEN: "" });
    expect(reads.status).toBe(2);
    expect(reads.stderr).toMatch(/--auth-reads needs a token/);
    const port = cli(["ui", "-p", "70000"]);
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(/--port must be 0\.\.65535/);
    const help = cli(["ui", "--help"]);
    expect(help.stdout).toMatch(/--auth-token/);
    expect(help.stdout).toMatch(/--max-body/);
    expect(help.stdout).toMatch(/--max-artifact/);
  });
});
