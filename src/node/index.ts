/** Node-only helpers: reading data and model files from disk. Everything else comes from the core. */
export * from "./data.js";
export * from "./model-io.js";
export { VERSION } from "./version.js";
