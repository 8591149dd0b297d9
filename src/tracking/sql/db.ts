/**
 * The little the SQL store needs from a database, over SQLite (better-sqlite3, in process) and PostgreSQL (pg, a
 * pool): statements with `?` placeholders, transactions, close. Transient failures (SQLite busy, PostgreSQL
 * serialization failures, deadlocks, a restarting or briefly unreachable server) are retried with backoff.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { HandgestureError } from "../../core/errors.js";
import type { Dialect } from "./schema.js";

export type SqlValue = string | number | boolean | null | bigint | Uint8Array;
export type Row = Record<string, unknown>;

/** Statements on a database or inside one transaction. */
export interface SqlExec {
  readonly dialect: Dialect;
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** A statement without result rows; `changes` is the number of rows it touched. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** One statement run once per row of values (SQLite: one prepared statement, no per-row await). */
  runEach(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<{ changes: number }>;
}

export interface SqlDb extends SqlExec {
  /** Runs fn in one transaction (committed when fn resolves, rolled back when it throws); retried when transient. */
  transaction<T>(fn: (tx: SqlExec) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Where the database is, for messages: a file path or host:port/database. */
  readonly where: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RETRIES = 5;

function backoff(attempt: number): number {
  return Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random());
}

// ---- SQLite -----------------------------------------------------------------------------------------------

function sqliteValue(v: SqlValue): unknown {
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}

/** better-sqlite3 binds an array as the positional parameters (no spread of thousands of arguments). */
function sqliteArgs(params: readonly SqlValue[]): unknown[] {
  const out = new Array(params.length);
  for (let i = 0; i < params.length; i++) out[i] = sqliteValue(params[i]);
  return out;
}

function isSqliteBusy(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * One better-sqlite3 connection. Statements are synchronous; a transaction spans awaits, so other calls of this
 * process wait for it to end (an in-process queue) instead of slipping into it. Other processes wait on SQLite's
 * busy timeout; WAL lets readers go on while one writes.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = "sqlite" as const;
  readonly where: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(path: string, options: { busyTimeoutMs?: number; readonly?: boolean } = {}) {
    this.where = path;
    this.db = new Database(path, { readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 10_000 });
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    this.db.pragma("foreign_keys = ON");
  }

  /** Turns WAL on (a write to the file header: only for a database we use, never one we refuse). */
  enableWal(): void {
    this.db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode: durable at checkpoints, never corrupt; commits need no fsync.
    this.db.pragma("synchronous = NORMAL");
    // Checkpoints (the fsyncs) every ~40 MB of WAL rather than 4 MB: a run's batches rarely wait on the disk.
    this.db.pragma("wal_autocheckpoint = 10000");
  }

  private prepare(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (st === undefined) {
      st = this.db.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, st);
    }
    return st;
  }

  private allSync<T>(sql: string, params: readonly SqlValue[]): T[] {
    return this.prepare(sql).all(sqliteArgs(params)) as T[];
  }

  private runEachSync(sql: string, rows: readonly (readonly SqlValue[])[]): { changes: number } {
    const st = this.prepare(sql);
    let changes = 0;
    const args: unknown[] = [];
    for (const row of rows) {
      args.length = row.length;
      for (let i = 0; i < row.length; i++) args[i] = sqliteValue(row[i]);
      changes += st.run(args).changes;
    }
    return { changes };
  }

  private runSync(sql: string, params: readonly SqlValue[]): { changes: number } {
    const st = this.prepare(sql);
    if (st.reader) return { changes: st.all(sqliteArgs(params)).length };
    return { changes: st.run(sqliteArgs(params)).changes };
  }

  /** Runs a synchronous step now, or after the transactions queued before it; busy errors retried. */
  private async step<T>(fn: () => T): Promise<T> {
    if (this.pending > 0) return this.enqueue(async () => this.retryBusy(fn));
    return this.retryBusy(fn);
  }

  private async retryBusy<T>(fn: () => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return fn();
      } catch (e) {
        if (!isSqliteBusy(e) || attempt >= RETRIES) throw e;
        await sleep(backoff(attempt));
      }
    }
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.queue.then(fn, fn);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result.finally(() => {
      this.pending--;
    });
  }

  all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.step(() => this.allSync<T>(sql, params));
  }

  get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.step(() => this.prepare(sql).get(sqliteArgs(params)) as T | undefined);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.step(() => this.runSync(sql, params));
  }

  runEach(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<{ changes: number }> {
    return this.step(() => this.runEachSync(sql, rows));
  }

  /** Several statements at once (DDL). */
  execScript(sql: string): void {
    this.db.exec(sql);
  }

  transaction<T>(fn: (tx: SqlExec) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      for (let attempt = 0; ; attempt++) {
        let open = false;
        try {
          // IMMEDIATE takes the write lock now (waiting on busy_timeout), so the commit cannot fail on a lock.
          this.prepare("BEGIN IMMEDIATE").run();
          open = true;
          const tx: SqlExec = {
            dialect: "sqlite",
            all: async <R>(sql: string, params: readonly SqlValue[] = []) => this.allSync<R>(sql, params),
            get: async <R>(sql: string, params: readonly SqlValue[] = []) =>
              this.prepare(sql).get(sqliteArgs(params)) as R | undefined,
            run: async (sql: string, params: readonly SqlValue[] = []) => this.runSync(sql, params),
            runEach: async (sql: string, rows: readonly (readonly SqlValue[])[]) => this.runEachSync(sql, rows),
          };
          const result = await fn(tx);
          this.prepare("COMMIT").run();
          open = false;
          return result;
        } catch (e) {
          if (open && this.db.inTransaction) this.prepare("ROLLBACK").run();
          if (!isSqliteBusy(e) || attempt >= RETRIES) throw e;
          await sleep(backoff(attempt));
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.queue;
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

// ---- PostgreSQL ---------------------------------------------------------------------------------------------

const RETRYABLE_SQLSTATES = new Set(["40001", "40P01", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001"]);
const CONNECTION_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown })?.code;
  return typeof c === "string" ? c : undefined;
}

function isConnectionError(e: unknown): boolean {
  const code = errCode(e);
  if (code !== undefined && CONNECTION_ERRNOS.has(code)) return true;
  const msg = (e as Error)?.message ?? "";
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(msg);
}

function isTransient(e: unknown): boolean {
  const code = errCode(e);
  return (code !== undefined && RETRYABLE_SQLSTATES.has(code)) || isConnectionError(e);
}

/** `?` → `$1, $2, ...` (the store never puts a `?` inside a string literal). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function pgValue(v: SqlValue): unknown {
  return typeof v === "bigint" ? v.toString() : v;
}

const INT8_OID = 20;

export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
}

export class PostgresDb implements SqlDb {
  readonly dialect = "postgres" as const;
  readonly where: string;
  private readonly pool: pg.Pool;
  private readonly sqlCache = new Map<string, string>();
  private readonly hostPort: string;
  private readonly direct: SqlExec;

  constructor(target: PgTarget, options: { max?: number } = {}) {
    this.hostPort = `${target.host}:${target.port}`;
    this.where = `${this.hostPort}/${target.database}`;
    this.pool = new pg.Pool({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password,
      max: options.max ?? 8,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      // BIGINT columns are milliseconds and steps: numbers, not the strings pg gives by default.
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          oid === INT8_OID && format !== "binary"
            ? (v: string) => Number(v)
            : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its server must not crash the process; the next query reconnects or fails clearly.
    this.pool.on("error", () => {});
    this.direct = this.execOn(this.pool);
  }

  private text(sql: string): string {
    let t = this.sqlCache.get(sql);
    if (t === undefined) {
      t = numbered(sql);
      if (this.sqlCache.size > 1000) this.sqlCache.clear();
      this.sqlCache.set(sql, t);
    }
    return t;
  }

  /** A clear error for a connection problem; other errors pass as they are. */
  describe(e: unknown): unknown {
    if (!isConnectionError(e) && !["57P01", "57P02", "57P03"].includes(errCode(e) ?? "")) return e;
    const code = errCode(e);
    const reason =
      code === "ECONNREFUSED"
        ? "connection refused"
        : code === "ENOTFOUND"
          ? "host not found"
          : ((e as Error).message ?? String(e));
    return new HandgestureError(`cannot reach PostgreSQL at ${this.hostPort}: ${reason}`, "INTERNAL_ERROR");
  }

  private async retry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (errCode(e) === "ENOTFOUND") throw this.describe(e);
        if (!isTransient(e) || attempt >= RETRIES) throw this.describe(e);
        await sleep(backoff(attempt));
      }
    }
  }

  private execOn(client: pg.Pool | pg.PoolClient): SqlExec {
    return {
      dialect: "postgres",
      all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
        (await client.query(this.text(sql), params.map(pgValue))).rows as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
        (await client.query(this.text(sql), params.map(pgValue))).rows[0] as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) => ({
        changes: (await client.query(this.text(sql), params.map(pgValue))).rowCount ?? 0,
      }),
      runEach: async (sql: string, rows: readonly (readonly SqlValue[])[]) => {
        let changes = 0;
        for (const row of rows) changes += (await client.query(this.text(sql), row.map(pgValue))).rowCount ?? 0;
        return { changes };
      },
    };
  }

  all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.retry(() => this.direct.all<T>(sql, params));
  }

  get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.retry(() => this.direct.get<T>(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.retry(() => this.direct.run(sql, params));
  }

  runEach(sql: string, rows: readonly (readonly SqlValue[])[]): Promise<{ changes: number }> {
    return this.retry(() => this.direct.runEach(sql, rows));
  }

  transaction<T>(fn: (tx: SqlExec) => Promise<T>): Promise<T> {
    return this.retry(async () => {
      const client = await this.pool.connect();
      let broken = false;
      // A connection dying while checked out is reported here as well as to the pending query: not uncaught.
      const onError = () => {
        broken = true;
      };
      client.on("error", onError);
      try {
        await client.query("BEGIN");
        const result = await fn(this.execOn(client));
        await client.query("COMMIT");
        return result;
      } catch (e) {
        broken = isConnectionError(e);
        if (!broken) await client.query("ROLLBACK").catch(() => {});
        throw e;
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
