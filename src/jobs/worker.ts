import type { Config } from "../config.ts";
import type { DbHandle } from "../db/client.ts";
import { runMaintenance } from "../services/maintenance.ts";
import { createSecretBox } from "../services/secrets.ts";
import { startCalendarJobs, type CalendarJobOptions } from "./calendar.ts";
import { createQueue, type JobLog, type Queue, type QueueOptions } from "./queue.ts";

export type { JobLog } from "./queue.ts";


export type WorkerConfig = Pick<Config, "idempotencyTtlMs" | "secretKey" | "publicUrl" | "googleApiUrl" | "googleTokenUrl" | "googleTimeoutMs" | "calendarReconcileCron">;

export interface WorkerOptions extends QueueOptions {
  calendar?: CalendarJobOptions;
}

/** Top of every hour, UTC. pg-boss sends one job per tick however many instances run the cron. */
export const ROLL_PATTERNS_CRON = "0 * * * *";

/**
 * Registers every handler on `queue` (already started) and the schedules.
 * rollPatterns is today's hourly housekeeping (patterns rolled forward, old Idempotency-Keys
 * forgotten), once per hour across all instances instead of on each one's timer.
 */
export async function startWorker(handle: DbHandle, queue: Queue, config: WorkerConfig, log: JobLog, options: WorkerOptions = {}): Promise<() => Promise<void>> {
  await queue.work("rollPatterns", async () => {
    try {
      const result = await runMaintenance(handle.db, new Date(), { idempotencyTtlMs: config.idempotencyTtlMs });
      const rolled = result.patterns.created + result.patterns.skipped;
      // A pattern that cannot roll does not stop the others, nor fail the job: it is logged until someone fixes it.
      if (result.patterns.failed.length > 0) log.error({ failed: result.patterns.failed }, "shift patterns could not roll forward");
      if (rolled > 0 || result.idempotencyKeysPruned > 0) log.info(result, "maintenance done");
      return result;
    } catch (err) {
      log.error({ err }, "maintenance failed");
      throw err; // pg-boss retries it with backoff
    }
  });
  await queue.schedule("rollPatterns", ROLL_PATTERNS_CRON);
  // As the old timer did: roll forward at start too, not only at the next full hour.
  await queue.send("rollPatterns", {});
  const secrets = config.secretKey ? createSecretBox(config.secretKey) : undefined;
  return startCalendarJobs(handle, queue, { ...config, secrets }, log, options.calendar);
}

/**
 * The queue and its worker in this process: what `npm start` runs unless ROTA_WORKER=off, and
 * `npm run worker` runs alone. `stop()` waits for a running job before returning; call it before
 * closing the database.
 */
export async function startJobs(
  handle: DbHandle,
  config: WorkerConfig,
  log: JobLog,
  options: WorkerOptions = {},
): Promise<{ queue: Queue; stop(options?: { timeoutMs?: number }): Promise<void> }> {
  const queue = createQueue(handle, { onError: (err) => log.error({ err }, "job queue error"), ...options });
  await queue.start();
  let stopCalendar: () => Promise<void>;
  try {
    stopCalendar = await startWorker(handle, queue, config, log, options);
  } catch (err) {
    await queue.stop({ timeoutMs: 1000 });
    throw err;
  }
  return {
    queue,
    async stop(stopOptions) {
      await stopCalendar();
      await queue.stop(stopOptions);
    },
  };
}
