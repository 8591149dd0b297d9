import { afterAll, describe, expect, it } from "vitest";
import { WorkerPool } from "./pool.js";

const TASKS = new URL("../../test/fixtures/pool-tasks.ts", import.meta.url);

describe("WorkerPool", () => {
  const pool = new WorkerPool(TASKS, { size: 2 });
  afterAll(() => pool.close());

  it("returns results in task order, identical to running on one thread", async () => {
    // Uneven sizes make later tasks finish before earlier ones on the other thread.
    const args = Array.from({ length: 12 }, (_, i) => [i, (12 - i) * 20_000]);
    await pool.ready; // both threads idle, so the first two tasks go to different threads
    const two = await pool.all<{ seed: number; sum: number; thread: number }>("seededSum", args);
    const one = new WorkerPool(TASKS, { size: 1 });
    const single = await one.all<{ seed: number; sum: number }>("seededSum", args);
    await one.close();
    expect(two.map((r) => r.seed)).toEqual(args.map((a) => a[0]));
    expect(two.map((r) => r.sum)).toEqual(single.map((r) => r.sum));
    expect(new Set(two.map((r) => r.thread)).size).toBe(2);
  });

  it("passes typed arrays through and reports a failing task with its message", async () => {
    expect(await pool.run<number>("sumFloat64", Float64Array.from([1, 2, 3.5]))).toBe(6.5);
    await expect(pool.run("fail", "bad grid point")).rejects.toThrow(/bad grid point/);
    await expect(pool.run("nope")).rejects.toThrow(/no function nope/);
    // the pool still works after a failure
    expect(await pool.run<number>("sumFloat64", Float64Array.from([2]))).toBe(2);
  });

  it("fails the tasks, instead of hanging, when the worker module cannot load", async () => {
    const broken = new WorkerPool(new URL("../../test/fixtures/no-such-module.ts", import.meta.url), { size: 1 });
    await expect(broken.run("anything")).rejects.toThrow(/no-such-module/);
    await broken.close();
  });
});
