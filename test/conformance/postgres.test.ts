import { describe } from "vitest";
import { hasTestPostgres } from "../postgres.js";
import { openPostgresStore } from "./stores.js";
import { describeStoreConformance } from "./suite.js";

// Unset HANDGESTURE_TEST_POSTGRES_URL skips these (with a message), except under CI=true, where it fails.
describe.skipIf(!hasTestPostgres())("PostgreSQL", () => {
  describeStoreConformance("PostgreSQL (SqlStore)", openPostgresStore);
});
