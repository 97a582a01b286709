import type { DbHandle } from "../db/client.ts";
import { listenTo } from "../db/listen.ts";
import { createCalendarTargetRepository } from "../db/repositories/calendar-targets.ts";
import { FeedCache } from "../services/feeds.ts";
import { syncCalendarTarget, type GoogleSyncDeps, type GoogleSyncSettings } from "../services/google-sync.ts";
import type { SecretBox } from "../services/secrets.ts";
import type { JobLog, Queue } from "./queue.ts";

/*
 * From a change to Google within seconds:
 *
 *   write ─(trigger, same transaction)→ calendar_republish + NOTIFY rota_calendar
 *         → dispatcher (LISTEN, or a poll as a safety net): affected targets
 *         → one calendar-sync job per target (pg-boss, stately: one queued and
 *           one running per target, so two instances never sync one target)
 *         → syncCalendarTarget: the diff, written to Google.
 *
 * The dispatcher sends before it forgets the outbox rows, so a crash in
 * between sends twice (coalesced by the queue) rather than never.
 */

export const CALENDAR_CHANNEL = "rota_calendar";
/** Outbox rows turned into jobs per round. */
const DRAIN_BATCH = 1000;

export interface CalendarJobOptions {
  /** How often the outbox is read even without a NOTIFY (a lost notification, a listener reconnecting). */
  pollMs?: number;
  /** Sync jobs run at once per worker process. */
  concurrency?: number;
  /** Google client, backoff, reconcile age (tests shorten and wrap them). */
  sync?: Partial<GoogleSyncSettings>;
}

export interface CalendarJobConfig {
  secrets: SecretBox | undefined;
  publicUrl: string | undefined;
  googleApiUrl: string;
  googleTokenUrl: string;
  googleTimeoutMs: number;
  calendarReconcileCron: string;
}

/** Turns pending outbox rows into sync jobs until none are left; returns how many rows it read. */
export async function drainCalendarOutbox(handle: DbHandle, queue: Queue): Promise<number> {
  const repo = createCalendarTargetRepository(handle.db);
  let total = 0;
  for (;;) {
    const changes = await repo.pendingChanges(DRAIN_BATCH);
    if (changes.length === 0) return total;
    const targets = await repo.targetsAffectedBy(changes);
    // A target whose own subject changed goes first; those reached through a teammate, a schedule or a name after.
    for (const { id, direct } of targets.sort((a, b) => Number(b.direct) - Number(a.direct))) {
      await queue.send("calendarSync", { target: id }, { singletonKey: id, priority: direct ? 1 : 0 });
    }
    if (targets.length > 0) queue.wake("calendarSync");
    await repo.forgetChanges(changes.map((c) => c.id));
    total += changes.length;
    if (changes.length < DRAIN_BATCH) return total;
  }
}

/**
 * Registers the calendar jobs on a started queue: the sync worker, the
 * nightly reconcile, and the outbox dispatcher. Returns a stop function
 * (call before the queue stops).
 */
export async function startCalendarJobs(handle: DbHandle, queue: Queue, config: CalendarJobConfig, log: JobLog, options: CalendarJobOptions = {}): Promise<() => Promise<void>> {
  const deps: GoogleSyncDeps = {
    db: handle.db,
    secrets: config.secrets,
    cache: new FeedCache(16 * 1024 * 1024, 500),
    apiBase: (config.publicUrl ?? "http://localhost:3000").replace(/\/+$/, ""),
    now: () => new Date(),
    endpoints: { apiUrl: config.googleApiUrl, tokenUrl: config.googleTokenUrl, timeoutMs: config.googleTimeoutMs },
    ...options.sync,
  };

  await queue.work(
    "calendarSync",
    async (job) => {
      const outcome = await syncCalendarTarget(deps, job.data.target, { final: job.retryCount >= job.retryLimit });
      if (outcome.inserted + outcome.updated + outcome.deleted + outcome.repaired > 0 || outcome.error) log.info(outcome, "calendar synced");
      return outcome;
    },
    { concurrency: options.concurrency ?? 4 },
  );

  // Nightly: every target syncs with a reconcile (the sync reconciles when its last one is old enough).
  await queue.work("calendarReconcile", async () => {
    const repo = createCalendarTargetRepository(handle.db);
    const ids = await repo.allIds();
    for (const target of ids) await queue.send("calendarSync", { target }, { singletonKey: target });
    queue.wake("calendarSync");
    return { targets: ids.length };
  });
  await queue.schedule("calendarReconcile", config.calendarReconcileCron);

  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const drain = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await drainCalendarOutbox(handle, queue);
        } catch (err) {
          log.error({ err }, "calendar dispatch failed; the next poll retries");
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
  };
  const unlisten = await listenTo(handle, CALENDAR_CHANNEL, { onNotify: drain, onReady: drain }, log);
  const poll = setInterval(drain, options.pollMs ?? 5000);
  poll.unref();
  drain();

  return async () => {
    stopped = true;
    clearInterval(poll);
    await unlisten();
    await running;
  };
}
