import type { ChangeFeed } from "../db/changes.ts";
import { createHash, randomBytes } from "node:crypto";
import { renderCalendar, type FeedEvent } from "../calendar/ical.ts";
import type { Db } from "../db/client.ts";
import type { PageRequest } from "../db/pagination.ts";
import { createFeedRepository, type EventRevision } from "../db/repositories/feeds.ts";
import type { CalendarFeed, FeedSubjectKind } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { DAY_MS } from "../domain/interval.ts";
import type { Segment } from "../domain/schedule.ts";
import { audit } from "./audit.ts";
import { SUBJECT_COLUMN, calendarSubjectOf, calendarWindow, publicationView, publishedSubjectFacts, draftEvents, subjectNameOf, type BuildOptions, type DraftEvent, type EventOptions, type EventOptionsInput, type TimelineCache } from "./calendar-events.ts";
import type { ServiceContext } from "./context.ts";
import { actorTeamIds } from "./facts.ts";
import { authorize, notFound } from "./policy.ts";
import { hashToken } from "./tokens.ts";

/*
 * iCal feeds (SPEC §3): a secret URL per subscription, read by calendar apps
 * every few minutes to hours. Events come from the final timeline (after
 * overrides, swaps and time off). Each event's UID is derived from stable
 * data (the shift, booking, slot or time-off id; for computed on-call turns
 * the schedule and the turn's start), so an edit updates the event in place.
 * Per feed and UID a revision row keeps SEQUENCE and LAST-MODIFIED, so a
 * changed time or summary raises SEQUENCE and an unchanged feed is
 * byte-identical, across restarts and instances.
 *
 * Serving: a FeedCache per app instance keeps each feed's rendered text and
 * strong ETag with the content version it was built from (one query over
 * the rows the feed shows: counts, versions and update times, plus every
 * schedule's version for on-call). Within a second of the last check a
 * request is answered from memory (a warm 304 touches no database); after
 * that the version is re-read and the feed rebuilt only when it changed.
 */

export const FEED_TOKEN_PREFIX = "rotafeed_";
const FEED_TOKEN = /^rotafeed_[A-Za-z0-9_-]{43}$/;
/** How long a served feed is trusted before its content version is re-read. */
export const FEED_RECHECK_MS = 1000;

export interface RenderedFeed {
  body: string;
  etag: string;
  lastModified: Date;
  /** `lastModified` as an HTTP date, computed once. */
  lastModifiedHttp: string;
  name: string;
}

interface CachedFeed {
  feed: CalendarFeed;
  version: string;
  day: number;
  rendered: RenderedFeed;
  checkedAt: number;
  /** The cache's generation when the version was last checked: a change since makes it stale. */
  generation?: number;
}

/**
 * Rendered feeds and computed schedule timelines of one app instance (never
 * module state). Bounded by the bytes of rendered text (64 MB by default)
 * and by entry count; the least recently used go first.
 */
export class FeedCache implements TimelineCache {
  readonly #feeds = new Map<string, CachedFeed>();
  readonly #timelines = new Map<string, Segment[]>();
  #bytes = 0;
  #generation = 0;
  constructor(
    readonly maxBytes = 64 * 1024 * 1024,
    readonly maxEntries = 2000,
    private readonly changes?: ChangeFeed,
  ) {
    // Any calendar change, a feed revoked, a person renamed: every cached feed re-checks its version once.
    changes?.subscribe((kind) => {
      if (kind === "all" || kind === "calendars" || kind === "feeds" || kind === "people" || kind === "schedules") this.#generation++;
    });
  }

  /** Whether a cached feed may be answered without asking the database: yes while nothing changed since its check. */
  fresh(entry: CachedFeed, now: number): boolean {
    if (this.changes?.live) return entry.generation === this.#generation;
    return now - entry.checkedAt < FEED_RECHECK_MS;
  }

  get generation(): number {
    return this.#generation;
  }

  feed(tokenHash: string): CachedFeed | undefined {
    const entry = this.#feeds.get(tokenHash);
    if (entry) {
      // Most recently used last.
      this.#feeds.delete(tokenHash);
      this.#feeds.set(tokenHash, entry);
    }
    return entry;
  }

  setFeed(tokenHash: string, entry: CachedFeed): void {
    this.#drop(tokenHash);
    this.#feeds.set(tokenHash, entry);
    this.#bytes += entry.rendered.body.length;
    for (const [hash] of this.#feeds) {
      if (this.#bytes <= this.maxBytes && this.#feeds.size <= this.maxEntries) break;
      if (hash !== tokenHash) this.#drop(hash);
    }
  }

  /** Drops a feed at once (revocation through this instance; others notice within FEED_RECHECK_MS). */
  forget(feedId: string): void {
    for (const [hash, entry] of this.#feeds) if (entry.feed.id === feedId) this.#drop(hash);
  }

  get bytes(): number {
    return this.#bytes;
  }

  timeline(key: string): Segment[] | undefined {
    return this.#timelines.get(key);
  }

  setTimeline(key: string, segments: Segment[]): void {
    if (this.#timelines.size >= this.maxEntries) this.#timelines.delete(this.#timelines.keys().next().value!);
    this.#timelines.set(key, segments);
  }

  #drop(hash: string): void {
    const entry = this.#feeds.get(hash);
    if (!entry) return;
    this.#bytes -= entry.rendered.body.length;
    this.#feeds.delete(hash);
  }
}

// ---------------------------------------------------------------------------
// Subscriptions

export interface FeedInput extends EventOptionsInput {
  name?: string | undefined;
  subject: { kind: FeedSubjectKind; id: string };
}

export function feedView(feed: CalendarFeed) {
  return {
    id: feed.id,
    name: feed.name,
    ownerId: feed.ownerId,
    ...publicationView(feed),
    prefix: feed.prefix,
    createdAt: feed.createdAt,
    revokedAt: feed.revokedAt,
  };
}


/** Creates a subscription and returns its secret token, once. */
export async function createFeed(ctx: ServiceContext, input: FeedInput) {
  const { facts, name } = await calendarSubjectOf(ctx.db, input.subject);
  authorize(ctx.actor, "feed.create", { subject: facts, actorTeamIds: await actorTeamIds(ctx.db, ctx.actor.personId) });
  if (input.includeTimeOff && input.subject.kind !== "person") {
    throw new DomainError("time_off_needs_person", "Only a person's feed can include time off", { field: "includeTimeOff" });
  }
  const token = FEED_TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return ctx.db.transaction(async (tx) => {
    const feed = await createFeedRepository(tx).insert({
      ownerId: ctx.actor.personId,
      name: input.name ?? name,
      subjectKind: input.subject.kind,
      [SUBJECT_COLUMN[input.subject.kind]]: input.subject.id,
      prefix: token.slice(0, FEED_TOKEN_PREFIX.length + 6),
      tokenHash: hashToken(token),
      includeTimeOff: input.includeTimeOff ?? false,
      includeGaps: input.includeGaps ?? false,
      includeFreeSeats: input.includeFreeSeats ?? false,
      includeCoworkers: input.includeCoworkers ?? true,
      showAsFree: input.showAsFree ?? false,
      pastDays: input.pastDays ?? 30,
      futureDays: input.futureDays ?? 180,
      createdAt: ctx.now,
    });
    await audit(tx, ctx, { entity: "calendar_feed", entityId: feed.id, action: "create", changes: { after: feedView(feed) } });
    return { ...feedView(feed), token };
  });
}

async function manageable(ctx: ServiceContext, feed: CalendarFeed): Promise<void> {
  authorize(ctx.actor, "feed.manage", { ownerId: feed.ownerId, subject: await publishedSubjectFacts(ctx.db, feed) });
}

export async function listFeeds(ctx: ServiceContext, ownerId: string | undefined, page: PageRequest) {
  const owner = ownerId ?? ctx.actor.personId;
  if (owner !== ctx.actor.personId) authorize(ctx.actor, "token.manage", { ownerId: owner });
  const result = await createFeedRepository(ctx.db).listByOwner(owner, page);
  return { ...result, items: result.items.map(feedView) };
}

export async function getFeed(ctx: ServiceContext, id: string) {
  const feed = await createFeedRepository(ctx.db).findById(id);
  if (!feed) throw notFound("feed", id);
  await manageable(ctx, feed);
  return feedView(feed);
}

/** Revokes a feed: its URL answers 404 from now on (on other instances within FEED_RECHECK_MS). */
export async function revokeFeed(ctx: ServiceContext, cache: FeedCache, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const repo = createFeedRepository(tx);
    const feed = await repo.findById(id);
    if (!feed) throw notFound("feed", id);
    await manageable({ ...ctx, db: tx }, feed);
    const revoked = await repo.revoke(id, ctx.now);
    if (revoked) await audit(tx, ctx, { entity: "calendar_feed", entityId: id, action: "revoke", changes: { before: feedView(feed), after: feedView(revoked) } });
  });
  cache.forget(id);
}

// ---------------------------------------------------------------------------
// Building a feed

/** Links in descriptions and the clock of the window. */
export type FeedServeOptions = EventOptions;

function digest(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64url");
}

const SECOND = 1000;
const floorSecond = (d: Date) => new Date(Math.floor(d.getTime() / SECOND) * SECOND);

/**
 * SEQUENCE and LAST-MODIFIED per event from the stored revisions: a new
 * event starts at 0 with its data's change time; a changed time or summary
 * raises SEQUENCE; any change moves LAST-MODIFIED forward.
 */
function revise(drafts: DraftEvent[], stored: Map<string, EventRevision>): { events: (Omit<FeedEvent, "busy"> & { away: boolean })[]; changed: EventRevision[] } {
  const events: (Omit<FeedEvent, "busy"> & { away: boolean })[] = [];
  const changed: EventRevision[] = [];
  for (const d of drafts) {
    const significant = digest(`${d.start.toISOString()}|${d.end.toISOString()}|${d.summary}`);
    const fingerprint = `${significant}.${digest(d.description)}`;
    const before = stored.get(d.uid);
    let revision: EventRevision;
    if (!before) {
      revision = { uid: d.uid, fingerprint, sequence: 0, modifiedAt: floorSecond(d.changedAt) };
      changed.push(revision);
    } else if (before.fingerprint !== fingerprint) {
      const bumped = before.fingerprint.split(".")[0] !== significant;
      const next = Math.max(floorSecond(d.changedAt).getTime(), before.modifiedAt.getTime() + SECOND);
      revision = { uid: d.uid, fingerprint, sequence: before.sequence + (bumped ? 1 : 0), modifiedAt: new Date(next) };
      changed.push(revision);
    } else {
      revision = before;
    }
    events.push({
      uid: d.uid,
      start: d.start,
      end: d.end,
      summary: d.summary,
      ...(d.description ? { description: d.description } : {}),
      sequence: revision.sequence,
      lastModified: revision.modifiedAt,
      away: d.away ?? false,
    });
  }
  return { events, changed };
}

async function buildFeed(db: Db, cache: FeedCache, feed: CalendarFeed, window: { from: Date; to: Date }, serve: FeedServeOptions): Promise<RenderedFeed> {
  const o: BuildOptions = { ...serve, uidDomain: new URL(serve.apiBase).hostname };
  const drafts = await draftEvents(db, cache, feed, window, o);
  const repo = createFeedRepository(db);
  const timeZone = (await subjectNameOf(db, feed))?.timeZone ?? "UTC";
  const { events, changed } = revise(drafts, await repo.revisions(feed.id));
  if (changed.length > 0) await repo.saveRevisions(feed.id, changed);
  const busy = !feed.showAsFree;
  const body = renderCalendar({ name: feed.name, timeZone, events: events.map(({ away, ...e }) => ({ ...e, busy: away || busy })) });
  const lastModified = events.reduce((max, e) => (e.lastModified > max ? e.lastModified : max), floorSecond(feed.createdAt));
  return { body, etag: `"${digest(body)}"`, lastModified, lastModifiedHttp: lastModified.toUTCString(), name: feed.name };
}

/**
 * The feed behind a secret token, rendered, or undefined when the token is
 * malformed, unknown or revoked (all answered alike: one indexed lookup).
 */
export async function serveFeed(db: Db, cache: FeedCache, token: string, o: FeedServeOptions): Promise<RenderedFeed | undefined> {
  if (!FEED_TOKEN.test(token)) {
    await createFeedRepository(db).findLiveByHash(hashToken(token));
    return undefined;
  }
  const hash = hashToken(token);
  const now = o.now.getTime();
  const cached = cache.feed(hash);
  const day = Math.floor(now / DAY_MS);
  if (cached && cached.day === day && cache.fresh(cached, now)) return cached.rendered;
  const generation = cache.generation;

  const repo = createFeedRepository(db);
  const feed = cached?.feed ?? (await repo.findLiveByHash(hash));
  if (!feed) return undefined;
  const version = await repo.contentVersion(feed);
  if (version === null) {
    cache.forget(feed.id);
    return undefined;
  }
  if (cached && cached.version === version && cached.day === day) {
    cached.checkedAt = now;
    cached.generation = generation;
    return cached.rendered;
  }
  const rendered = await buildFeed(db, cache, feed, calendarWindow(feed, o.now), o);
  cache.setFeed(hash, { feed, version, day, rendered, checkedAt: now, generation });
  return rendered;
}
