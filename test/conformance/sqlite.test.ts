import { openSqliteStore } from "./stores.js";
import { describeStoreConformance } from "./suite.js";

describeStoreConformance("SQLite (SqlStore)", openSqliteStore);
