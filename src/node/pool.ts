import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/**
 * A fixed set of worker threads running one module's exported functions. Results come back in submission
 * order whatever thread ran them and whenever it finished, so work spread over N threads gives the same answer
 * as N = 1 (each task must itself be deterministic: seeds travel inside the task, never from a thread's state).
 *
 * The worker module is loaded from source (.ts, through tsx) when this file runs from source, and from dist/
 * (.js) when it runs built; its exports are the task functions, called as fn(...args).
 */
export interface PoolOptions {
  /** Threads to start; default: the machine's cores. */
  size?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

const WORKER_SHIM = `
const { parentPort, workerData } = require("node:worker_threads");
const loader = workerData.tsx ? import(workerData.tsx).then((api) => api.register()) : Promise.resolve();
loader.then(() => import(workerData.module)).then((mod) => {
  parentPort.on("message", async ({ id, fn, args }) => {
    try {
      if (typeof mod[fn] !== "function") throw new Error("worker module has no function " + fn);
      parentPort.postMessage({ id, ok: true, value: await mod[fn](...args) });
    } catch (e) {
      parentPort.postMessage({ id, ok: false, error: e && e.stack ? e.stack : String(e) });
    }
  });
  parentPort.postMessage({ ready: true });
});
`;

export class WorkerPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { id: number; fn: string; args: unknown[] }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  private started = 0;
  private onAllStarted: () => void = () => {};
  /** Resolves once every thread has loaded the module and can take work. */
  readonly ready: Promise<void> = new Promise((resolve) => {
    this.onAllStarted = resolve;
  });

  constructor(moduleUrl: URL, options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    const fromSource = moduleUrl.pathname.endsWith(".ts");
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(WORKER_SHIM, {
        eval: true,
        // From source, the worker registers tsx's loader itself (worker execArgv cannot carry --import).
        workerData: { module: moduleUrl.href, tsx: fromSource ? import.meta.resolve("tsx/esm/api") : null },
      });
      w.on("message", (m: { ready?: boolean; id: number; ok: boolean; value?: unknown; error?: string }) => {
        if (m.ready) {
          if (++this.started === this.size) this.onAllStarted();
          return this.release(w);
        }
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) p?.resolve(m.value);
        else p?.reject(new Error(`worker task failed: ${m.error}`));
        this.release(w);
      });
      // A thread that dies (e.g. its module failed to load) fails everything outstanding rather than leaving
      // callers waiting for a thread that will never be free.
      w.on("error", (e) => {
        this.closed = true;
        this.queue.length = 0;
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      w.unref();
      this.workers.push(w);
    }
  }

  /** Runs `fn(...args)` from the worker module on the next free thread. Args travel by structured clone. */
  run<T>(fn: string, ...args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error("worker pool is closed"));
    const id = this.nextId++;
    const promise = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
    this.queue.push({ id, fn, args });
    this.dispatch();
    return promise;
  }

  /** Runs every task and returns the results in task order. */
  all<T>(fn: string, argsList: unknown[][]): Promise<T[]> {
    return Promise.all(argsList.map((args) => this.run<T>(fn, ...args)));
  }

  private release(w: Worker): void {
    // An idle thread does not keep the process alive; a busy one does (its result is awaited).
    w.unref();
    this.idle.push(w);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.shift() as Worker;
      w.ref();
      w.postMessage(this.queue.shift());
    }
  }

  /** Stops the threads; tasks still queued are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) this.pending.get(t.id)?.reject(new Error("worker pool closed"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
