/**
 * All errors the library throws. One base class with an MLflow-style code, so the CLI can map codes to exit
 * statuses and the server to HTTP statuses in one place each.
 */
export type ErrorCode =
  | "INVALID_PARAMETER_VALUE"
  | "INVALID_DATA"
  | "NOT_FITTED"
  | "UNSUPPORTED_FORMAT"
  | "RESOURCE_DOES_NOT_EXIST"
  | "RESOURCE_ALREADY_EXISTS"
  | "INTERNAL_ERROR";

export class HandgestureError extends Error {
  readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode = "INVALID_PARAMETER_VALUE") {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad value in a data file: always says where (file, 1-based line and column) and what was expected. */
export class DataError extends HandgestureError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(file: string, line: number, column: number, detail: string) {
    super(`${file}:${line}:${column}: ${detail}`, "INVALID_DATA");
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

export class NotFittedError extends HandgestureError {
  constructor(what: string) {
    super(`${what} is not fitted yet: call fit() first`, "NOT_FITTED");
  }
}

export class ModelFormatError extends HandgestureError {
  constructor(message: string) {
    super(message, "UNSUPPORTED_FORMAT");
  }
}
