import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HandgestureError } from "../core/errors.js";
import { FileStore } from "./file-store.js";
import { DEFAULT_SQLITE_URI, defaultTrackingUri, openStore, storeKind, trackingUri } from "./open-store.js";
import { RestStore } from "./rest-store.js";

describe("storeKind", () => {
  it("knows MLflow's URI schemes", () => {
    expect(storeKind("http://127.0.0.1:5000")).toBe("rest");
    expect(storeKind("HTTPS://mlflow.example.com")).toBe("rest");
    expect(storeKind("sqlite:///mlflow.db")).toBe("sql");
    expect(storeKind("sqlite:////abs/mlflow.db")).toBe("sql");
    expect(storeKind("postgresql://u:p@db:5432/mlflow")).toBe("sql");
    expect(storeKind("postgres://u@db/mlflow")).toBe("sql");
    expect(storeKind("postgresql+psycopg2://u@db/mlflow")).toBe("sql");
    expect(storeKind("file:///tmp/mlruns")).toBe("file");
    expect(storeKind("./mlruns")).toBe("file");
    expect(storeKind("/abs/mlruns")).toBe("file");
    expect(storeKind("C:/mlruns")).toBe("file"); // a drive letter, not a scheme
  });

  it("refuses a scheme it does not know, naming the ones it takes", () => {
    for (const uri of ["mysql://u@db/mlflow", "s3://bucket/mlruns", "mssql+pyodbc://x", "databricks://profile"]) {
      const e = (() => {
        try {
          storeKind(uri);
        } catch (x) {
          return x as HandgestureError;
        }
        throw new Error(`${uri} accepted`);
      })();
      expect(e).toBeInstanceOf(HandgestureError);
      expect(e.message).toContain(`'${uri.split(":")[0]}:'`);
      expect(e.message).toMatch(/sqlite:\/\/\/.*postgresql:\/\/.*file:/);
    }
    expect(() => storeKind("")).toThrow(/empty/);
  });
});

describe("the default tracking URI (MLflow ≥ 3.7)", () => {
  let dir: string;
  const saved = process.env.MLFLOW_TRACKING_URI;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "hg-default-uri-"));
    delete process.env.MLFLOW_TRACKING_URI;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.MLFLOW_TRACKING_URI;
    else process.env.MLFLOW_TRACKING_URI = saved;
  });

  it("is sqlite:///mlflow.db in a folder with no mlruns", () => {
    expect(defaultTrackingUri(dir)).toBe(DEFAULT_SQLITE_URI);
  });

  it("is sqlite:///mlflow.db when ./mlruns exists but holds nothing", () => {
    mkdirSync(join(dir, "mlruns", ".trash"), { recursive: true });
    mkdirSync(join(dir, "mlruns", "models"));
    expect(defaultTrackingUri(dir)).toBe(DEFAULT_SQLITE_URI);
  });

  it("keeps ./mlruns when it holds an experiment or registered models", async () => {
    await new FileStore(join(dir, "mlruns")).createExperiment("e");
    expect(defaultTrackingUri(dir)).toBe("./mlruns");
    const other = mkdtempSync(join(tmpdir(), "hg-default-uri-"));
    mkdirSync(join(other, "mlruns", "models", "hand-gesture"), { recursive: true });
    writeFileSync(join(other, "mlruns", "models", "hand-gesture", "meta.yaml"), "name: hand-gesture\n");
    expect(defaultTrackingUri(other)).toBe("./mlruns");
  });

  it("an explicit URI, then MLFLOW_TRACKING_URI, win over the default", () => {
    process.env.MLFLOW_TRACKING_URI = "http://127.0.0.1:5999";
    expect(trackingUri(undefined, dir)).toBe("http://127.0.0.1:5999");
    expect(trackingUri("sqlite:///x.db", dir)).toBe("sqlite:///x.db");
  });
});

describe("openStore", () => {
  it("opens a REST store for http(s) and a file store for paths and file: URIs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hg-open-"));
    expect(await openStore("http://127.0.0.1:5999/")).toBeInstanceOf(RestStore);
    const file = await openStore(`file://${join(dir, "a")}`);
    expect(file).toBeInstanceOf(FileStore);
    expect((file as FileStore).rootDir).toBe(join(dir, "a"));
    expect(((await openStore("b", { cwd: dir })) as FileStore).rootDir).toBe(join(dir, "b"));
  });

  it("an unknown scheme creates nothing on disk (it used to become a folder named 'sqlite:')", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hg-open-"));
    await expect(openStore("mysql://u@db/x", { cwd: dir })).rejects.toThrow(/scheme 'mysql:'/);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(process.cwd(), "mysql:"))).toBe(false);
  });
});
