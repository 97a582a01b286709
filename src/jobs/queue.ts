import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import PgBoss from "pg-boss";
import type { DbHandle } from "../db/client.ts";

/**
 * Every background job, its queue name and its policy, in one place.
 *
 * - Retries back off exponentially (pg-boss: `retryDelay * 2^n / 2`, plus up to as much again of jitter).
 * - A job that exhausts its retries is copied to its dead-letter queue (`<name>-dead`), where it stays
 *   (nobody works it) until an operator looks: `deadLetterCount()` counts them.
 * - rollPatterns: `singleton` = at most one active at a time, so two instances never roll at once
 *   (rollPatternsForward also locks each pattern's row while it rolls it; this keeps the second from even starting).
 * - calendarSync: `stately` with singletonKey = the target: per target at most one queued and one
 *   active. `singleton` alone also gives one active per target but lets sends pile up while one runs;
 *   `stately` coalesces them (a send while one is already queued returns null) and still keeps one
 *   queued behind the running one, so a change made during a sync is synced after it.
 *   pg-boss 10 caveat: a worker whose next job (oldest first) is for a target already running
 *   fetches nothing that poll, so other targets wait until that run ends (head-of-line blocking).
 */
export const JOBS = {
  rollPatterns: { name: "roll-patterns", policy: "singleton", retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 15 * 60 },
  calendarSync: { name: "calendar-sync", policy: "stately", retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 10 * 60 },
  calendarReconcile: { name: "calendar-reconcile", policy: "singleton", retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 15 * 60 },
} as const satisfies Record<string, JobPolicy>;

/** The payload of each job. */
export interface JobData {
  rollPatterns: Record<string, never>;
  calendarSync: { target: string };
  calendarReconcile: Record<string, never>;
}

export type JobName = keyof typeof JOBS;

export interface JobPolicy {
  name: string;
  policy: PgBoss.QueuePolicy;
  retryLimit: number;
  /** Seconds before the first retry (integer). */
  retryDelay: number;
  retryBackoff: boolean;
  /** An active job not finished in this long is failed (and retried). */
  expireInSeconds: number;
}

export interface QueueOptions {
  /** pg-boss's schema; its tables stay out of drizzle's migrations. */
  schema?: string;
  /** How often an idle worker looks for work (pg-boss minimum 0.5 s). */
  pollingIntervalSeconds?: number;
  /** Per-job policy overrides (tests use short retry delays). */
  policies?: Partial<{ [K in JobName]: Partial<Omit<JobPolicy, "name">> }>;
  /** pg-boss's errors (a failed poll, maintenance): logged, never thrown. */
  onError?: (err: Error) => void;
}

export interface JobInfo<K extends JobName> {
  id: string;
  data: JobData[K];
  /** Retries so far (0 on the first try) and allowed: the try with retryCount = retryLimit is the last. */
  retryCount: number;
  retryLimit: number;
}

export interface WorkOptions {
  /** Jobs run at once by this worker (each fetch takes up to this many; singleton keys never twice). Default 1. */
  concurrency?: number;
}

export interface Queue {
  /** Installs or migrates pg-boss's schema, creates the queues, starts polling and cron. */
  start(): Promise<void>;
  /** Stops fetching and waits (up to `timeoutMs`) for running handlers to finish. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Enqueues a job; null when the policy refused it (a stately duplicate already queued). */
  send<K extends JobName>(job: K, data: JobData[K], options?: { singletonKey?: string; startAfterSeconds?: number; priority?: number }): Promise<string | null>;
  /** Runs `handler` for each job (`concurrency` at once per instance); a throw fails that job (retried, then dead-lettered). */
  work<K extends JobName>(job: K, handler: (job: JobInfo<K>) => Promise<unknown>, options?: WorkOptions): Promise<string>;
  /** Wakes this instance's workers of `job` now instead of at their next poll (after a send). */
  wake(job: JobName): void;
  /** Sends the job on a cron schedule (UTC); one send per tick across all instances. */
  schedule(job: JobName, cron: string): Promise<void>;
  /** Jobs that exhausted their retries, waiting in the job's dead-letter queue. */
  deadLetterCount(job: JobName): Promise<number>;
  policy(job: JobName): JobPolicy;
  deadLetterName(job: JobName): string;
  /** The pg-boss instance, for what the wrapper does not cover (tests, inspection). */
  boss: PgBoss;
}

/** The logger the jobs need: Fastify's (pino) fits, so does src/worker.ts's. */
export interface JobLog {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const DEFAULT_POLLING_INTERVAL_SECONDS = 2;

/**
 * pg-boss over the database the app already has, one code path for both drivers.
 * PGlite: parameterless SQL (pg-boss sends its schema and migrations as several statements
 * in one string) goes through `exec`, the rest through `query`. PGlite serializes every call
 * behind one mutex, so pg-boss's concurrent polls queue up instead of interleaving.
 * PostgreSQL: the app's pool, so no second pool of connections.
 */
export function executeSqlFor(handle: DbHandle): PgBoss.Db {
  if (handle.kind === "pglite") {
    const client = handle.driver as PGlite;
    return {
      async executeSql(text, values) {
        if (!values || values.length === 0) {
          const results = await client.exec(text);
          return { rows: results.at(-1)?.rows ?? [] };
        }
        return client.query(text, values);
      },
    };
  }
  const pool = handle.driver as pg.Pool;
  return { executeSql: (text, values) => pool.query(text, values) };
}

export function deadLetterName(job: JobName): string {
  return `${JOBS[job].name}-dead`;
}

export function createQueue(handle: DbHandle, options: QueueOptions = {}): Queue {
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? DEFAULT_POLLING_INTERVAL_SECONDS;
  const boss = new PgBoss({ db: executeSqlFor(handle), schema: options.schema ?? "pgboss" });
  boss.on("error", (err) => options.onError?.(err));
  const policy = (job: JobName): JobPolicy => ({ ...JOBS[job], ...options.policies?.[job] });
  const jobNames = Object.keys(JOBS) as JobName[];
  const workers = new Map<JobName, string[]>();

  return {
    boss,
    policy,
    deadLetterName,
    async start() {
      await boss.start();
      for (const job of jobNames) {
        const { name, ...queuePolicy } = policy(job);
        // The dead-letter queue must exist before the queue that names it.
        await boss.createQueue(deadLetterName(job), { name: deadLetterName(job), policy: "standard", retentionDays: 30 });
        await boss.createQueue(name, { name, ...queuePolicy, deadLetter: deadLetterName(job) });
        // createQueue leaves an existing queue alone: keep its policy in step with the code.
        await boss.updateQueue(name, { name, ...queuePolicy, deadLetter: deadLetterName(job) });
      }
    },
    async stop({ timeoutMs = 30_000 } = {}) {
      // graceful: stop fetching, let handlers finish; a handler still running at the timeout is failed (retried later).
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
    },
    send(job, data, sendOptions = {}) {
      return boss.send(JOBS[job].name, data, {
        ...(sendOptions.singletonKey !== undefined ? { singletonKey: sendOptions.singletonKey } : {}),
        ...(sendOptions.startAfterSeconds !== undefined ? { startAfter: sendOptions.startAfterSeconds } : {}),
        ...(sendOptions.priority !== undefined ? { priority: sendOptions.priority } : {}),
      });
    },
    async work(job, handler, { concurrency = 1 } = {}) {
      const name = JOBS[job].name;
      const run = (next: PgBoss.JobWithMetadata<JobData[typeof job]>) =>
        handler({ id: next.id, data: next.data, retryCount: next.retryCount, retryLimit: next.retryLimit });
      let id = "";
      id = await boss.work<JobData[typeof job]>(name, { batchSize: concurrency, pollingIntervalSeconds, includeMetadata: true }, async (jobs) => {
        if (concurrency === 1) return jobs[0] ? run(jobs[0]) : undefined;
        // A batch: each job settles on its own (a failure fails only that job; pg-boss completes the rest).
        const results = await Promise.allSettled(jobs.map(run));
        for (const [i, result] of results.entries()) {
          if (result.status === "rejected") {
            const reason: unknown = result.reason;
            await boss.fail(name, jobs[i]!.id, { message: reason instanceof Error ? reason.message : String(reason) });
          }
        }
        // A full batch: more may be waiting, so fetch again without waiting out the polling interval.
        if (jobs.length === concurrency) boss.notifyWorker(id);
      });
      workers.set(job, [...(workers.get(job) ?? []), id]);
      return id;
    },
    wake(job) {
      for (const id of workers.get(job) ?? []) boss.notifyWorker(id);
    },
    schedule(job, cron) {
      return boss.schedule(JOBS[job].name, cron, {}, { tz: "UTC" });
    },
    deadLetterCount(job) {
      return boss.getQueueSize(deadLetterName(job));
    },
  };
}
