/** The SQL tracking store (SQLite, PostgreSQL) in MLflow's own schema. */
export { isSqlUri, parseSqlUri } from "./open.js";
export { SCHEMA_REVISION } from "./schema.js";
export { openSqlStore, SqlStore, type SqlStoreOptions } from "./sql-store.js";
