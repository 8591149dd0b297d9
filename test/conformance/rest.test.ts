import { describe } from "vitest";
import { hasTestPostgres } from "../postgres.js";
import { openFileStore, openPostgresStore, openSqliteStore, overRest } from "./stores.js";
import { describeStoreConformance } from "./suite.js";

// The REST store splits batches over MLflow's per-request limits, as MLflow's client does; the tracking app keeps
// artifacts where its store puts them, refusing a client's artifact_location.
const traits = { splitsLargeBatches: true, refusesArtifactLocation: true };

describeStoreConformance("REST store → tracking app → file store", overRest(openFileStore), traits);
describeStoreConformance("REST store → tracking app → SQLite", overRest(openSqliteStore), traits);
describe.skipIf(!hasTestPostgres())("PostgreSQL", () => {
  describeStoreConformance("REST store → tracking app → PostgreSQL", overRest(openPostgresStore), traits);
});
