import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../src/db/client.ts";
import { loadConfig } from "../src/config.ts";
import { createQueue, type Queue, type QueueOptions } from "../src/jobs/queue.ts";
import { ROLL_PATTERNS_CRON, startJobs, type JobLog } from "../src/jobs/worker.ts";
import { createTestDatabase } from "./helpers/db.ts";

// pg-boss on the test database (PGlite, or PostgreSQL with TEST_DATABASE_URL). Each test gets its
// own pg-boss schema, so queues, jobs and schedules never leak between tests (or, on the worker's
// shared PGlite, between files).

let handle: DbHandle & { close(): Promise<void> };
beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(() => handle.close());

const started: { stop(): Promise<void> }[] = [];
let errors: Error[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((q) => q.stop()));
  // A poll that failed (an adapter problem, a PGlite hiccup) surfaces here.
  expect(errors).toEqual([]);
  errors = [];
});

function newSchema(): string {
  return `pgboss_t${randomBytes(4).toString("hex")}`;
}

async function startQueue(schema: string, options: QueueOptions = {}): Promise<Queue> {
  const queue = createQueue(handle, { schema, pollingIntervalSeconds: 0.5, onError: (err) => errors.push(err), ...options });
  await queue.start();
  started.push({ stop: () => queue.stop({ timeoutMs: 5000 }) });
  return queue;
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await sleep(25);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("job queue", () => {
  it("works a sent job once, and marks it completed", async () => {
    const queue = await startQueue(newSchema());
    const seen: string[] = [];
    await queue.work("calendarSync", async (job) => {
      seen.push(job.data.target);
      return { synced: job.data.target };
    });
    const sentAt = Date.now();
    const id = await queue.send("calendarSync", { target: "cal-1" }, { singletonKey: "cal-1" });
    expect(id).toBeTypeOf("string");
    await waitFor(() => seen.length === 1);
    const pickupMs = Date.now() - sentAt;
    expect(pickupMs).toBeLessThan(3000); // one polling interval (0.5 s), with slack
    await sleep(1500); // three more polls: it must not come back
    expect(seen).toEqual(["cal-1"]);
    const job = await queue.boss.getJobById<{ target: string }>(queue.policy("calendarSync").name, id!);
    expect(job?.state).toBe("completed");
    expect(job?.output).toEqual({ synced: "cal-1" });
  });

  it("retries a failing job with exponential backoff, then moves it to the dead-letter queue", async () => {
    const queue = await startQueue(newSchema(), { policies: { calendarSync: { retryLimit: 2, retryDelay: 1 } } });
    const attempts: number[] = [];
    await queue.work("calendarSync", async () => {
      attempts.push(Date.now());
      throw new Error("Google said no");
    });
    const id = await queue.send("calendarSync", { target: "cal-bad" }, { singletonKey: "cal-bad" });
    expect(await queue.deadLetterCount("calendarSync")).toBe(0);
    await waitFor(async () => (await queue.deadLetterCount("calendarSync")) === 1, 20_000);

    expect(attempts).toHaveLength(3); // the first try and two retries
    // Backoff: delay * 2^n / 2 plus jitter up to as much again: 1-2 s, then 2-4 s (the clocks may differ a little).
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(900);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(1900);
    const job = await queue.boss.getJobById(queue.policy("calendarSync").name, id!);
    expect(job?.state).toBe("failed");
    expect(job?.retryCount).toBe(2);
    expect((job?.output as { message?: string }).message).toBe("Google said no");
    // The dead letter carries the data, and nobody works it.
    const [dead] = await queue.boss.fetch<{ target: string }>(queue.deadLetterName("calendarSync"));
    expect(dead?.data).toEqual({ target: "cal-bad" });
    await sleep(1000);
    expect(attempts).toHaveLength(3);
  });

  it("runs one calendarSync at a time per target, across instances, while other targets run beside it", async () => {
    const schema = newSchema();
    // Two instances, each with its own worker: two jobs can run at once, just never for one target.
    const first = await startQueue(schema);
    const second = await startQueue(schema);
    const runs: { target: string; start: number; end: number }[] = [];
    const handler = async (job: { data: { target: string } }) => {
      const run = { target: job.data.target, start: Date.now(), end: 0 };
      runs.push(run);
      await sleep(job.data.target === "A" ? 1500 : 1000);
      run.end = Date.now();
    };
    await first.work("calendarSync", handler);
    await second.work("calendarSync", handler);

    expect(await first.send("calendarSync", { target: "A" }, { singletonKey: "A" })).toBeTypeOf("string");
    expect(await first.send("calendarSync", { target: "B" }, { singletonKey: "B" })).toBeTypeOf("string");
    await waitFor(() => runs.some((r) => r.target === "A"));
    // A is running: one more for A may wait behind it (changes made during this sync)...
    expect(await second.send("calendarSync", { target: "A" }, { singletonKey: "A" })).toBeTypeOf("string");
    // ...and a third is coalesced into that queued one.
    expect(await second.send("calendarSync", { target: "A" }, { singletonKey: "A" })).toBeNull();

    await waitFor(() => runs.filter((r) => r.end > 0).length === 3);
    const [a1, a2] = runs.filter((r) => r.target === "A");
    const b = runs.find((r) => r.target === "B")!;
    expect(a2!.start).toBeGreaterThanOrEqual(a1!.end); // no overlap for one target
    expect(b.start).toBeLessThan(a1!.end); // but B ran beside A
    await sleep(1000);
    expect(runs).toHaveLength(3);
  });

  it("keeps a pending job across a restart, and the next instance works it", async () => {
    const schema = newSchema();
    const before = createQueue(handle, { schema, pollingIntervalSeconds: 0.5, onError: (err) => errors.push(err) });
    await before.start();
    const id = await before.send("calendarSync", { target: "cal-restart" }, { singletonKey: "cal-restart" });
    await before.stop({ timeoutMs: 1000 });

    const after = await startQueue(schema);
    const seen: string[] = [];
    await after.work("calendarSync", async (job) => {
      seen.push(job.id);
    });
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual([id]);
  });

  it("startJobs schedules rollPatterns hourly (once however many instances) and rolls patterns at start", async () => {
    const schema = newSchema();
    const log: JobLog = { info: () => {}, error: (obj) => errors.push(new Error(JSON.stringify(obj))) };
    const options = { schema, pollingIntervalSeconds: 0.5, onError: (err: Error) => errors.push(err) };
    const config = { ...loadConfig({}), idempotencyTtlMs: 24 * 3600_000 };
    const one = await startJobs(handle, config, log, options);
    started.push(one);
    const two = await startJobs(handle, config, log, options);
    started.push(two);

    const schedules = await one.queue.boss.getSchedules();
    expect(schedules.map((s) => [s.name, s.cron]).sort()).toEqual([["calendar-reconcile", "0 3 * * *"], ["roll-patterns", ROLL_PATTERNS_CRON]]);

    // Each start sends one roll-forward; both run runMaintenance and complete with its result.
    const jobs = async () =>
      (await (handle.driver as unknown as { query(sql: string): Promise<{ rows: { state: string; output: unknown }[] }> }).query(
        `SELECT state, output FROM "${schema}".job WHERE name = 'roll-patterns'`,
      )).rows;
    await waitFor(async () => {
      const rows = await jobs();
      return rows.length === 2 && rows.every((r) => r.state === "completed");
    });
    for (const row of await jobs()) expect(row.output).toEqual({ patterns: { patterns: 0, created: 0, skipped: 0, failed: [] }, idempotencyKeysPruned: 0 });
  });
});
