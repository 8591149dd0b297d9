import { openFileStore } from "./stores.js";
import { describeStoreConformance } from "./suite.js";

describeStoreConformance("file store", openFileStore);
