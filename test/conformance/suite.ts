/**
 * One conformance suite for the TrackingStore contract (src/tracking/store.ts), run against every store: the file
 * store, SQLite, PostgreSQL, and the REST store through `handgesture ui`'s tracking app over each of them.
 *
 * Expected values come from MLflow's documents (../shared/docs/mlflow-compat.md for 2.12, mlflow3-compat.md for
 * MLflow 3) and MLflow's own stores, not from any of ours. Where two stores legitimately differ (experiment ids:
 * 18 digits in the file store, 0, 1, 2… in SQL; ±Infinity read back from SQL as ±Number.MAX_VALUE; identical
 * metric points kept twice in files, once in SQL) only the shared rule is asserted.
 *
 * The store is opened once for the whole suite: every test makes its own experiments, runs and models, with unique
 * names, so tests never see each other's data and the suite stays fast (one PostgreSQL database per store).
 */
import { afterAll, beforeAll, describe } from "vitest";
import type { TrackingStore } from "../../src/tracking/store.js";
import { describeArtifacts } from "./artifacts.js";
import { describeBatches } from "./batches.js";
import { describeConcurrency } from "./concurrency.js";
import type { StoreTraits, SuiteContext } from "./context.js";
import { describeExperiments } from "./experiments.js";
import { describeInputs } from "./inputs.js";
import { describeLoggedModelSearch } from "./logged-model-search.js";
import { describeLoggedModels } from "./logged-models.js";
import { describeMetrics } from "./metrics.js";
import { describeModelVersions } from "./model-versions.js";
import { describeRegistry } from "./registry.js";
import { describeRunSearch } from "./run-search.js";
import { describeRuns } from "./runs.js";
import { describeValues } from "./values.js";

export type { StoreTraits } from "./context.js";

export interface OpenedStore {
  store: TrackingStore;
  cleanup: () => Promise<void>;
}

export function describeStoreConformance(
  name: string,
  open: () => Promise<OpenedStore>,
  traits: StoreTraits = {},
): void {
  describe(`TrackingStore conformance: ${name}`, () => {
    const ctx: SuiteContext = { store: undefined as unknown as TrackingStore, traits };
    let cleanup: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const opened = await open();
      ctx.store = opened.store;
      cleanup = opened.cleanup;
    });
    afterAll(async () => {
      await cleanup?.();
    });

    describeExperiments(ctx);
    describeRuns(ctx);
    describeRunSearch(ctx);
    describeBatches(ctx);
    describeMetrics(ctx);
    describeInputs(ctx);
    describeArtifacts(ctx);
    describeLoggedModels(ctx);
    describeLoggedModelSearch(ctx);
    describeRegistry(ctx);
    describeModelVersions(ctx);
    describeValues(ctx);
    describeConcurrency(ctx);
  });
}
