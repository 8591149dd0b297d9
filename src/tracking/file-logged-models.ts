/**
 * MLflow 3's logged models in the file store, in MLflow 3's layout: mlruns/<exp>/models/<model_id>/{meta.yaml,
 * params/, tags/, metrics/, artifacts/}. (Being written: every method refuses until then.)
 */
import { HandgestureError } from "../core/errors.js";
import type { FileInfo, LoggedModel, LoggedModelStatus, Page, Param, Tag } from "./entities.js";
import type { FileTrackingStore } from "./file-tracking.js";
import type { CreateLoggedModelOptions, SearchLoggedModelsOptions } from "./store.js";

function notYet(what: string): never {
  throw new HandgestureError(`${what}: logged models are not supported by the file store yet`, "INTERNAL_ERROR");
}

export class FileLoggedModels {
  readonly tracking: FileTrackingStore;
  constructor(tracking: FileTrackingStore) {
    this.tracking = tracking;
  }
  async createLoggedModel(_o: CreateLoggedModelOptions): Promise<LoggedModel> {
    notYet("createLoggedModel");
  }
  async getLoggedModel(_id: string, _allowDeleted?: boolean): Promise<LoggedModel> {
    notYet("getLoggedModel");
  }
  async finalizeLoggedModel(_id: string, _status: LoggedModelStatus): Promise<LoggedModel> {
    notYet("finalizeLoggedModel");
  }
  async deleteLoggedModel(_id: string): Promise<void> {
    notYet("deleteLoggedModel");
  }
  async setLoggedModelTags(_id: string, _tags: Tag[]): Promise<void> {
    notYet("setLoggedModelTags");
  }
  async deleteLoggedModelTag(_id: string, _key: string): Promise<void> {
    notYet("deleteLoggedModelTag");
  }
  async logLoggedModelParams(_id: string, _params: Param[]): Promise<void> {
    notYet("logLoggedModelParams");
  }
  async searchLoggedModels(_o: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    notYet("searchLoggedModels");
  }
  async logLoggedModelArtifact(_id: string, _path: string, _data: Uint8Array | string): Promise<void> {
    notYet("logLoggedModelArtifact");
  }
  async listLoggedModelArtifacts(_id: string, _path?: string): Promise<FileInfo[]> {
    notYet("listLoggedModelArtifacts");
  }
  async readLoggedModelArtifact(_id: string, _path: string): Promise<Uint8Array> {
    notYet("readLoggedModelArtifact");
  }
}
