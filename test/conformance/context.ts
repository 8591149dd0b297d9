/**
 * What every part of the conformance suite shares: the store under test (opened once per store, in beforeAll),
 * unique names so the tests of one file never see each other's entities, and assertions on MLflow error codes.
 */
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { ErrorCode } from "../../src/core/errors.js";
import type { Page, Run } from "../../src/tracking/entities.js";
import type { TrackingStore } from "../../src/tracking/store.js";

/** How a store may legitimately differ from the others; every flag defaults to false. */
export interface StoreTraits {
  /**
   * The REST store splits a logBatch larger than MLflow's per-request limits into several requests (as MLflow's
   * client does); the local stores refuse such a batch whole.
   */
  splitsLargeBatches?: boolean;
  /**
   * Our tracking server refuses a client-chosen artifact_location (uploads could land anywhere on its disk), with
   * INVALID_PARAMETER_VALUE; MLflow's server and every local store keep it.
   */
  refusesArtifactLocation?: boolean;
}

export interface SuiteContext {
  /** Set in beforeAll: read it inside tests only. */
  store: TrackingStore;
  traits: StoreTraits;
}

let counter = 0;
/** A name no other test uses: `conf-<what>-<n>-<random>` (no `_` or `%`, which LIKE would read as wildcards). */
export function uniq(what: string): string {
  counter += 1;
  return `conf-${what}-${counter}-${randomBytes(4).toString("hex")}`;
}

/** A run id of the right shape (32 lowercase hex) that no store has. */
export const UNKNOWN_RUN_ID = "0badc0de0badc0de0badc0de0badc0de";
/** An experiment id no store hands out in a test (SQL numbers from 0, the file store draws 18 digits). */
export const UNKNOWN_EXPERIMENT_ID = "999999";
/** A logged model id of the right shape (`m-` + 32 hex) that no store has. */
export const UNKNOWN_MODEL_ID = "m-0badc0de0badc0de0badc0de0badc0de";

/** Rejects with a HandgestureError-like error carrying this MLflow code (and a message matching `message`). */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected a rejection with ${code}, got ${JSON.stringify(outcome.value)}`);
  const error = outcome.error as Error & { code?: string };
  expect(error, String(error)).toBeInstanceOf(Error);
  expect(error.code, `${error.name}: ${error.message}`).toBe(code);
  if (message) expect(error.message).toMatch(message);
  return error;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every page of a search, following next_page_token until it is absent; fails on a loop. */
export async function allPages<T>(search: (pageToken?: string) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let token: string | undefined;
  do {
    const page = await search(token);
    pages.push(page.items);
    token = page.next_page_token;
    if (pages.length > 1000) throw new Error("search paging does not end");
  } while (token);
  return pages;
}

/** A new experiment with a unique name; returns its id. */
export async function newExperiment(ctx: SuiteContext, what = "exp"): Promise<string> {
  return ctx.store.createExperiment(uniq(what));
}

/** A new run in a new experiment (or in `experimentId`). */
export async function newRun(ctx: SuiteContext, experimentId?: string, runName?: string): Promise<Run> {
  const exp = experimentId ?? (await newExperiment(ctx));
  return ctx.store.createRun({ experimentId: exp, runName, startTime: Date.now(), userId: "conformance" });
}

/** key → value of a list of {key, value}. */
export function byKey<T extends { key: string }>(items: readonly T[]): Record<string, T> {
  return Object.fromEntries(items.map((x) => [x.key, x]));
}

export function valuesByKey(items: readonly { key: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(items.map((x) => [x.key, x.value]));
}

/** Sorted copy, for comparisons where the contract promises no order. */
export function sorted<T>(items: readonly T[], key: (x: T) => string = String): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
