import type { calendar_v3 } from "@googleapis/calendar";
import {
  DEFAULT_BACKOFF,
  GoogleApiError,
  createCalendarApi,
  withBackoff,
  type BackoffOptions,
  type CalendarApi,
  type GoogleCredentials,
  type GoogleEndpoints,
} from "../calendar/google/client.ts";
import { TAG, eventDigest, googleEventId, rotaTagsOf, toGoogleEvent } from "../calendar/google/events.ts";
import type { Db } from "../db/client.ts";
import { createCalendarTargetRepository } from "../db/repositories/calendar-targets.ts";
import type { CalendarTarget } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { calendarWindow, draftEvents, subjectNameOf, type TimelineCache } from "./calendar-events.ts";
import type { SecretBox } from "./secrets.ts";

/*
 * Google Calendar push sync (SPEC §3): one job per target computes the
 * target's events (the same event model as iCal feeds), diffs them against
 * what it last pushed (calendar_target_events: Google id and a digest per
 * event) and makes only the writes that differ: insert, update, delete.
 * Every write is recorded as soon as Google confirms it, so a crash
 * loses at most the record of one write, which the deterministic event id
 * makes harmless (the next insert answers 409 and becomes an update).
 *
 * Reconcile (nightly, and on POST …/sync): list the calendar's Rota events
 * of this target (incrementally with Google's sync token when there is
 * one; a stale token, 410, falls back to a full listing) and mark what was
 * edited, deleted or left behind by hand, so the diff repairs it.
 */

export interface GoogleSyncSettings {
  endpoints: GoogleEndpoints;
  backoff?: BackoffOptions;
  /** Writes in flight per target. */
  concurrency?: number;
  /** A sync reconciles when the last reconcile is older than this (the nightly job makes every target due). */
  reconcileAfterMs?: number;
  /** Builds the API client for a target (tests wrap it to count or cut calls). */
  connect?: (credentials: GoogleCredentials, calendarId: string, endpoints: GoogleEndpoints) => CalendarApi;
}

export interface GoogleSyncDeps extends GoogleSyncSettings {
  db: Db;
  secrets: SecretBox | undefined;
  cache: TimelineCache;
  /** Base of links in descriptions; its host is the UID domain (the same as feeds). */
  apiBase: string;
  now: () => Date;
}

export interface SyncOutcome {
  targetId: string;
  status: CalendarTarget["status"] | "gone";
  inserted: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Events found edited, deleted or left behind by hand (reconcile). */
  repaired: number;
  reconciled: boolean;
  error?: string;
}

export const DEFAULT_RECONCILE_AFTER_MS = 20 * 60 * 60 * 1000;

/** The sealed credentials' plaintext: what the API stores (services/calendar-targets.ts seals it). */
export function parseCredentials(plaintext: string): GoogleCredentials {
  const value = JSON.parse(plaintext) as GoogleCredentials;
  if (value.kind !== "service_account" && value.kind !== "oauth") throw new Error("unknown credential kind");
  return value;
}

/** Words for the person reading GET /v1/calendar-targets/{id}. */
function explain(error: GoogleApiError, target: CalendarTarget, who: string): string {
  switch (error.kind) {
    case "unauthorized":
      return `Google refused the credentials (${error.reason ?? error.status}). Check the ${target.credentialKind === "oauth" ? "OAuth client and refresh token" : "service account key"} and send them again with PATCH. ${error.message}`;
    case "forbidden":
      return `Google denied access to calendar ${target.calendarId} (${error.reason ?? "forbidden"}): share it with ${who} with permission to make changes to events. ${error.message}`;
    case "not_found":
      return `Google has no calendar ${target.calendarId}, or ${who} cannot see it. ${error.message}`;
    case "rate_limited":
      return `Google kept rate-limiting the sync (${error.reason ?? error.status}); it backs off and retries. ${error.message}`;
    case "transient":
      return `Google did not answer in time or failed (${error.status ?? "no answer"}); the sync retries. ${error.message}`;
    default:
      return `Google refused an event (${error.reason ?? error.status}). ${error.message}`;
  }
}

/** Runs at most `limit` of the tasks at once; the first failure is thrown after the running ones settle. */
async function inParallel(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  if (failure !== undefined) throw failure;
}

interface Wanted {
  key: string;
  eventId: string;
  body: calendar_v3.Schema$Event;
  hash: string;
  start: Date;
  end: Date;
}

/**
 * Syncs one target now. Throws only what a retry may mend (rate limits,
 * Google down); anything else ends as the target's status `failed` with
 * the reason in words, and resolves.
 */
export async function syncCalendarTarget(deps: GoogleSyncDeps, targetId: string, attempt: { final: boolean } = { final: true }): Promise<SyncOutcome> {
  const repo = createCalendarTargetRepository(deps.db);
  const outcome: SyncOutcome = { targetId, status: "gone", inserted: 0, updated: 0, deleted: 0, unchanged: 0, repaired: 0, reconciled: false };
  const target = await repo.findById(targetId);
  if (!target) return outcome;
  const now = deps.now();

  const fail = async (message: string, status: "failed" | "retrying" = "failed") => {
    const removing = target.status === "removing";
    const lastError = removing ? `Could not take Rota's events out of the calendar: ${message} To forget the target without touching the calendar: DELETE /v1/calendar-targets/${target.id}?keepEvents=true` : message;
    await repo.setSyncState(target.id, { status: removing ? "removing" : status, lastError, lastAttemptAt: now, failures: target.failures + 1 });
    return { ...outcome, status, error: message };
  };

  let credentials: GoogleCredentials;
  try {
    if (!deps.secrets) throw new DomainError("secret_key_missing", "This server has no ROTA_SECRET_KEY, so it cannot read the stored Google credentials. Set the key they were stored with and restart.");
    credentials = parseCredentials(deps.secrets.open(target.credentialsSealed));
  } catch (error) {
    const reason = error instanceof DomainError ? error.message : "The stored Google credentials are not valid JSON.";
    return fail(`${reason} If ROTA_SECRET_KEY was changed, set the old key back, or send the credentials again with PATCH.`);
  }
  const who = credentials.kind === "service_account" ? credentials.clientEmail : `the Google account of OAuth client ${credentials.clientId}`;
  const api = (deps.connect ?? createCalendarApi)(credentials, target.calendarId, deps.endpoints);
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const call = <T>(request: () => Promise<T>) => withBackoff(request, backoff);
  const concurrency = deps.concurrency ?? 4;

  try {
    const records = new Map((await repo.records(target.id)).map((r) => [r.eventKey, r]));

    if (target.status === "removing") {
      // Rota's events of this target (recorded, and any left unrecorded by a crash) go; nothing else is touched.
      const listed = await call(() => api.list({ tag: { key: TAG.target, value: target.id } }));
      const ids = new Set([...records.values()].map((r) => r.eventId));
      for (const item of listed.items) if (item.id && item.status !== "cancelled" && rotaTagsOf(item)?.target === target.id) ids.add(item.id);
      await inParallel([...ids].map((eventId) => async () => {
        if (await call(() => api.remove(eventId))) outcome.deleted += 1;
      }), concurrency);
      await repo.delete(target.id);
      return { ...outcome, status: "gone" };
    }

    const window = calendarWindow(target, now);
    const subject = await subjectNameOf(deps.db, target);
    const timeZone = subject?.timeZone ?? "UTC";
    const drafts = subject ? await draftEvents(deps.db, deps.cache, target, window, { apiBase: deps.apiBase, now, uidDomain: new URL(deps.apiBase).hostname }) : [];
    const wanted = new Map<string, Wanted>();
    for (const d of drafts) {
      const body = toGoogleEvent(target.id, timeZone, { key: d.uid, start: d.start, end: d.end, summary: d.summary, description: d.description, busy: (d.away ?? false) || !target.showAsFree });
      wanted.set(d.uid, { key: d.uid, eventId: body.id!, body, hash: eventDigest(body), start: d.start, end: d.end });
    }

    // Reconcile: what is really in the calendar, where it differs from the records.
    const reconcileAfter = deps.reconcileAfterMs ?? DEFAULT_RECONCILE_AFTER_MS;
    let reconcileState: { syncToken: string | null; lastReconciledAt: Date } | undefined;
    if (!target.lastReconciledAt || now.getTime() - target.lastReconciledAt.getTime() >= reconcileAfter) {
      let listing: Awaited<ReturnType<CalendarApi["list"]>> | undefined;
      if (target.syncToken) {
        try {
          listing = await call(() => api.list({ syncToken: target.syncToken! }));
        } catch (error) {
          if (!(error instanceof GoogleApiError && error.kind === "gone")) throw error; // 410: the token is stale, list it all
        }
      }
      const full = !listing;
      listing ??= await call(() => api.list({ tag: { key: TAG.target, value: target.id } }));
      const byEventId = new Map([...records.values()].map((r) => [r.eventId, r]));
      const seen = new Set<string>();
      for (const item of listing.items) {
        const tags = rotaTagsOf(item);
        if (!item.id || tags?.target !== target.id) continue; // the owner's own events, or another target's
        seen.add(item.id);
        const record = byEventId.get(item.id);
        if (!record) {
          // Left behind (written, then the record lost): adopt it, so the diff updates or deletes it.
          if (item.status !== "cancelled" && tags.key && item.id === googleEventId(target.id, tags.key)) {
            records.set(tags.key, { targetId: target.id, eventKey: tags.key, eventId: item.id, hash: "adopted", startAt: window.from, endAt: window.to, pushedAt: now });
            outcome.repaired += 1;
          }
          continue;
        }
        if (eventDigest(item) !== record.hash) {
          record.hash = "edited"; // changed or deleted by hand: rewritten (or deleted) below
          outcome.repaired += 1;
        }
      }
      if (full) {
        for (const record of records.values()) {
          if (!seen.has(record.eventId) && record.endAt > window.from && record.hash !== "adopted") {
            record.hash = "missing";
            outcome.repaired += 1;
          }
        }
      }
      reconcileState = { syncToken: listing.nextSyncToken ?? null, lastReconciledAt: now };
      outcome.reconciled = true;
    }

    // The diff against the records.
    const save = (w: Wanted) => repo.saveRecord({ targetId: target.id, eventKey: w.key, eventId: w.eventId, hash: w.hash, startAt: w.start, endAt: w.end, pushedAt: deps.now() });
    const writes: (() => Promise<void>)[] = [];
    for (const w of wanted.values()) {
      const record = records.get(w.key);
      if (!record) {
        writes.push(async () => {
          try {
            await call(() => api.insert(w.body));
          } catch (error) {
            // The id is taken: written before (a crash before recording) or deleted before. Update it back to life.
            if (!(error instanceof GoogleApiError && error.kind === "conflict")) throw error;
            await call(() => api.update(w.eventId, w.body));
          }
          await save(w);
          outcome.inserted += 1;
        });
      } else if (record.hash !== w.hash || record.eventId !== w.eventId) {
        writes.push(async () => {
          try {
            await call(() => api.update(w.eventId, w.body));
          } catch (error) {
            if (!(error instanceof GoogleApiError && error.kind === "not_found")) throw error;
            await call(() => api.insert(w.body)); // purged from Google: write it anew
          }
          await save(w);
          outcome.updated += 1;
        });
      } else {
        outcome.unchanged += 1;
      }
    }
    for (const record of records.values()) {
      // Events that ended before the window are history: left as they are.
      if (wanted.has(record.eventKey) || record.endAt <= window.from) continue;
      writes.push(async () => {
        await call(() => api.remove(record.eventId)); // false: already gone (404/410), as good as deleted
        await repo.deleteRecord(target.id, record.eventKey);
        outcome.deleted += 1;
      });
    }
    await inParallel(writes, concurrency);

    await repo.setSyncState(target.id, {
      status: "ok",
      lastSyncedAt: now,
      lastAttemptAt: now,
      lastError: null,
      failures: 0,
      eventsInSync: wanted.size,
      ...(reconcileState ?? {}),
    });
    return { ...outcome, status: "ok" };
  } catch (raw) {
    if (!(raw instanceof GoogleApiError)) {
      await fail(`The sync failed: ${raw instanceof Error ? raw.message : String(raw)}`, attempt.final ? "failed" : "retrying");
      throw raw;
    }
    const message = explain(raw, target, who);
    if (!raw.retryable) return fail(message); // retrying cannot mend it: a person has to
    if (attempt.final) {
      await fail(`Gave up after the last retry (the job is in the dead-letter queue; POST /v1/calendar-targets/${target.id}/sync tries again): ${message}`);
    } else {
      await fail(message, "retrying");
    }
    throw raw; // pg-boss retries with backoff
  }
}
