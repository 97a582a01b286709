import { createHash, randomBytes } from "node:crypto";
import { renderCalendar, type FeedEvent } from "../calendar/ical.ts";
import type { Db } from "../db/client.ts";
import type { PageRequest } from "../db/pagination.ts";
import { createDutyRepository } from "../db/repositories/duty.ts";
import { createFeedRepository, type EventRevision } from "../db/repositories/feeds.ts";
import { createScheduleRepository } from "../db/repositories/schedules.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import type { CalendarFeed, FeedSubjectKind } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { DAY_MS } from "../domain/interval.ts";
import { computeSchedule, type Segment } from "../domain/schedule.ts";
import { TimeContext } from "../domain/wallclock.ts";
import { audit } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { actorTeamIds, loadPersonFacts } from "./facts.ts";
import { authorize, notFound, type FeedSubjectFacts } from "./policy.ts";
import { hashToken } from "./tokens.ts";
import { loadScheduleState, overrideOf } from "./schedules.ts";

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
/** Schedules are computed from this long before the window, so the first turn keeps its real start (and UID). */
const LEAD_IN_MS = 14 * DAY_MS;
export const FEED_LIMITS = { pastDays: 366, futureDays: 732 } as const;

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
}

/**
 * Rendered feeds and computed schedule timelines of one app instance (never
 * module state). Bounded by the bytes of rendered text (64 MB by default)
 * and by entry count; the least recently used go first.
 */
export class FeedCache {
  readonly #feeds = new Map<string, CachedFeed>();
  readonly #timelines = new Map<string, Segment[]>();
  #bytes = 0;
  constructor(
    readonly maxBytes = 64 * 1024 * 1024,
    readonly maxEntries = 2000,
  ) {}

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

export interface FeedInput {
  name?: string | undefined;
  subject: { kind: FeedSubjectKind; id: string };
  includeTimeOff?: boolean | undefined;
  includeGaps?: boolean | undefined;
  includeFreeSeats?: boolean | undefined;
  includeCoworkers?: boolean | undefined;
  showAsFree?: boolean | undefined;
  pastDays?: number | undefined;
  futureDays?: number | undefined;
}

export function feedView(feed: CalendarFeed) {
  return {
    id: feed.id,
    name: feed.name,
    ownerId: feed.ownerId,
    subject: { kind: feed.subjectKind, id: (feed.personId ?? feed.teamId ?? feed.scheduleId ?? feed.programId)! },
    prefix: feed.prefix,
    includeTimeOff: feed.includeTimeOff,
    includeGaps: feed.includeGaps,
    includeFreeSeats: feed.includeFreeSeats,
    includeCoworkers: feed.includeCoworkers,
    showAsFree: feed.showAsFree,
    pastDays: feed.pastDays,
    futureDays: feed.futureDays,
    createdAt: feed.createdAt,
    revokedAt: feed.revokedAt,
  };
}

/** The subject's facts for the policy, and its display name; 404 (field `subject.id`) when it does not exist. */
async function subjectOf(db: Db, subject: { kind: FeedSubjectKind; id: string }): Promise<{ facts: FeedSubjectFacts; name: string }> {
  const missing = () => new DomainError("not_found", `No ${subject.kind.replace("_", " ")} with id ${subject.id}`, { field: "subject.id" });
  switch (subject.kind) {
    case "person": {
      const person = await loadPersonFacts(db, subject.id);
      if (!person) throw missing();
      const named = await createFeedRepository(db).subjectName({ subjectKind: "person", personId: subject.id, teamId: null, scheduleId: null, programId: null });
      return { facts: { kind: "person", person }, name: named?.name ?? "" };
    }
    case "team": {
      const team = await createTeamRepository(db).findById(subject.id);
      if (!team) throw missing();
      return { facts: { kind: "team", teamId: team.id }, name: team.name };
    }
    case "schedule": {
      const schedule = await createScheduleRepository(db).findById(subject.id);
      if (!schedule) throw missing();
      return { facts: { kind: "schedule", teamId: schedule.teamId }, name: schedule.name };
    }
    case "duty_program": {
      const program = await createDutyRepository(db).findProgram(subject.id);
      if (!program) throw missing();
      return { facts: { kind: "duty_program" }, name: program.name };
    }
    default:
      throw new DomainError("validation", `Unknown subject kind ${String(subject.kind)}`, { field: "subject.kind" });
  }
}

const SUBJECT_COLUMN = { person: "personId", team: "teamId", schedule: "scheduleId", duty_program: "programId" } as const;

/** Creates a subscription and returns its secret token, once. */
export async function createFeed(ctx: ServiceContext, input: FeedInput) {
  const { facts, name } = await subjectOf(ctx.db, input.subject);
  authorize(ctx.actor, "feed.create", { subject: facts, actorTeamIds: await actorTeamIds(ctx.db, ctx.actor.personId) });
  if (input.includeTimeOff && input.subject.kind !== "person") {
    throw new DomainError("validation", "Only a person's feed can include time off", { field: "includeTimeOff" });
  }
  const token = FEED_TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return ctx.db.transaction(async (tx) => {
    const feed = await createFeedRepository(tx).insert({
      ownerId: ctx.actor.personId,
      name: input.name ?? name,
      subjectKind: input.subject.kind,
      [SUBJECT_COLUMN[input.subject.kind as keyof typeof SUBJECT_COLUMN]]: input.subject.id,
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
  const view = feedView(feed);
  const { facts } = await subjectOf(ctx.db, view.subject).catch(() => ({ facts: { kind: "duty_program" } as FeedSubjectFacts }));
  authorize(ctx.actor, "feed.manage", { ownerId: feed.ownerId, subject: facts });
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

/** An event before its revision is known: what the data says. */
interface DraftEvent {
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  description: string;
  /** When the data behind it last changed; LAST-MODIFIED of a new event. */
  changedAt: Date;
  /** Time off: blocks the calendar even in a show-as-free feed. */
  away?: boolean;
}

export interface FeedServeOptions {
  /** Base URL for links in descriptions, e.g. https://rota.example.com; its host is the domain of every UID. */
  apiBase: string;
  now: Date;
}

/** What event builders need: links and the UID domain (`shift-…@rota.example.com`, stable per deployment). */
interface BuildOptions extends FeedServeOptions {
  uidDomain: string;
}

function compact(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function list(names: string[]): string {
  return names.join(", ");
}

function feedWindow(feed: CalendarFeed, now: Date) {
  const day = Math.floor(now.getTime() / DAY_MS);
  return { from: new Date((day - feed.pastDays) * DAY_MS), to: new Date((day + feed.futureDays) * DAY_MS) };
}

/** A schedule's final timeline over [from - lead-in, to + lead-in), cached by version and window. */
async function timelineOf(db: Db, cache: FeedCache, head: { id: string; version: number }, from: Date, to: Date): Promise<Segment[]> {
  const key = `${head.id}:${head.version}:${from.getTime()}:${to.getTime()}`;
  const cached = cache.timeline(key);
  if (cached) return cached;
  const window = { from: new Date(from.getTime() - LEAD_IN_MS), to: new Date(to.getTime() + LEAD_IN_MS) };
  const state = await loadScheduleState(db, head.id, window.from, window.to);
  const { segments } = computeSchedule({ layers: state.layers, overrides: state.overrides.map(overrideOf), window }, new TimeContext());
  // Turns that start inside the window, with their real ends (not cut at `to`, so the last one does not change daily).
  const kept = segments.filter((s) => s.end > from && s.start < to);
  cache.setTimeline(key, kept);
  return kept;
}

function segmentUid(scheduleId: string, s: Segment, domain: string): string {
  const where = s.source.kind === "override" ? `override-${s.source.overrideId}` : s.source.kind === "layer" ? `layer-${s.source.layerId}` : "gap";
  return `oncall-${scheduleId}-${where}-${compact(s.start)}@${domain}`;
}

function awayNote(personId: string, start: Date, end: Date, away: { personId: string; start: Date; end: Date }[]): string | undefined {
  return away.some((a) => a.personId === personId && a.start < end && a.end > start) ? "Away then (approved time off): this needs cover." : undefined;
}

async function personEvents(db: Db, cache: FeedCache, feed: CalendarFeed, from: Date, to: Date, o: BuildOptions): Promise<DraftEvent[]> {
  const repo = createFeedRepository(db);
  const personId = feed.personId!;
  const teamIds = feed.includeCoworkers ? await repo.teamIdsOf(personId) : [];
  const [shiftRows, slotRows, away, heads] = await Promise.all([
    repo.shifts({ personId, teamIds }, from, to),
    repo.slots({ personId }, from, to),
    repo.approvedTimeOff([personId], from, to),
    repo.scheduleHeads(),
  ]);
  const events: DraftEvent[] = [];
  const together = overlapping(shiftRows, (s) => s.teamId);
  for (const shift of shiftRows.filter((s) => s.personId === personId)) {
    const others = together.get(shift)!.filter((s) => s.personId !== personId).map((s) => s.personName);
    events.push({
      uid: `shift-${shift.id}@${o.uidDomain}`,
      start: shift.start,
      end: shift.end,
      summary: `${shift.teamName} shift${shift.label ? ` (${shift.label})` : ""}`,
      description: lines([`Team: ${shift.teamName}`, others.length ? `Also on: ${list([...new Set(others)])}` : undefined, awayNote(personId, shift.start, shift.end, away), `${o.apiBase}/v1/shifts/${shift.id}`]),
      changedAt: shift.updatedAt,
    });
  }
  for (const slot of slotRows) {
    const mine = slot.bookings.find((b) => b.personId === personId);
    if (!mine) continue;
    const others = feed.includeCoworkers ? slot.bookings.filter((b) => b.personId !== personId).map((b) => b.personName) : [];
    events.push({
      uid: `duty-booking-${mine.id}@${o.uidDomain}`,
      start: slot.start,
      end: slot.end,
      summary: slot.programName,
      description: lines([others.length ? `With: ${list(others)}` : undefined, awayNote(personId, slot.start, slot.end, away), `${o.apiBase}/v1/duty-programs/${slot.programId}`]),
      changedAt: mine.updatedAt > slot.updatedAt ? mine.updatedAt : slot.updatedAt,
    });
  }
  for (const head of heads) {
    for (const s of await timelineOf(db, cache, head, from, to)) {
      if (s.personId !== personId) continue;
      events.push({
        uid: segmentUid(head.id, s, o.uidDomain),
        start: s.start,
        end: s.end,
        summary: `On call: ${head.name}`,
        description: lines([s.source.kind === "override" ? "Override" : undefined, awayNote(personId, s.start, s.end, away), `${o.apiBase}/v1/schedules/${head.id}`]),
        changedAt: head.updatedAt,
      });
    }
  }
  if (feed.includeTimeOff) {
    for (const a of away) {
      events.push({ uid: `time-off-${a.id}@${o.uidDomain}`, start: a.start, end: a.end, summary: "Away", description: "", changedAt: a.updatedAt, away: true });
    }
  }
  return events;
}

async function teamEvents(db: Db, feed: CalendarFeed, from: Date, to: Date, o: BuildOptions): Promise<DraftEvent[]> {
  const repo = createFeedRepository(db);
  const rows = await repo.shifts({ teamIds: [feed.teamId!] }, from, to);
  const away = await repo.approvedTimeOff([...new Set(rows.map((r) => r.personId))], from, to);
  const together = feed.includeCoworkers ? overlapping(rows, (s) => s.teamId) : new Map<(typeof rows)[number], typeof rows>();
  return rows.map((shift) => {
    const others = (together.get(shift) ?? []).filter((s) => s.personId !== shift.personId).map((s) => s.personName);
    return {
      uid: `shift-${shift.id}@${o.uidDomain}`,
      start: shift.start,
      end: shift.end,
      summary: `${shift.personName}: ${shift.teamName} shift${shift.label ? ` (${shift.label})` : ""}`,
      description: lines([others.length ? `Also on: ${list([...new Set(others)])}` : undefined, awayNote(shift.personId, shift.start, shift.end, away), `${o.apiBase}/v1/shifts/${shift.id}`]),
      changedAt: shift.updatedAt,
    };
  });
}

async function scheduleEvents(db: Db, cache: FeedCache, feed: CalendarFeed, from: Date, to: Date, o: BuildOptions): Promise<DraftEvent[]> {
  const schedule = await createScheduleRepository(db).findById(feed.scheduleId!);
  if (!schedule) return [];
  const segments = await timelineOf(db, cache, schedule, from, to);
  const repo = createFeedRepository(db);
  const personIds = [...new Set(segments.map((s) => s.personId).filter((p): p is string => p !== null))];
  const [names, away] = await Promise.all([repo.names(personIds), repo.approvedTimeOff(personIds, from, to)]);
  const events: DraftEvent[] = [];
  for (const s of segments) {
    if (!s.personId && !feed.includeGaps) continue;
    events.push({
      uid: segmentUid(schedule.id, s, o.uidDomain),
      start: s.start,
      end: s.end,
      summary: s.personId ? `On call: ${names.get(s.personId) ?? "someone"}` : "No one on call",
      description: lines([
        `Schedule: ${schedule.name}`,
        s.source.kind === "override" ? "Override" : undefined,
        s.personId ? awayNote(s.personId, s.start, s.end, away) : undefined,
        `${o.apiBase}/v1/schedules/${schedule.id}`,
      ]),
      changedAt: schedule.updatedAt,
    });
  }
  return events;
}

async function programEvents(db: Db, feed: CalendarFeed, from: Date, to: Date, o: BuildOptions): Promise<DraftEvent[]> {
  const slots = await createFeedRepository(db).slots({ programId: feed.programId! }, from, to);
  const events: DraftEvent[] = [];
  for (const slot of slots) {
    const free = slot.closed ? 0 : Math.max(0, slot.seats - slot.bookings.length);
    const showFree = feed.includeFreeSeats && free > 0;
    if (slot.bookings.length === 0 && !showFree) continue;
    const freeText = `${free} seat${free === 1 ? "" : "s"} free`;
    const who = list(slot.bookings.map((b) => b.personName));
    const changed = slot.bookings.reduce((max, b) => (b.updatedAt > max ? b.updatedAt : max), slot.updatedAt);
    events.push({
      uid: `duty-slot-${slot.id}@${o.uidDomain}`,
      start: slot.start,
      end: slot.end,
      summary: who ? `${slot.programName}: ${who}${showFree ? ` (+${freeText})` : ""}` : `${slot.programName}: ${freeText}`,
      description: lines([`${slot.bookings.length} of ${slot.seats} seats booked`, `${o.apiBase}/v1/duty-programs/${slot.programId}`]),
      changedAt: changed,
    });
  }
  return events;
}

/**
 * For each item, the others of its group that overlap it in time: a sweep
 * over items sorted by start, so a year of a team's shifts costs
 * O(n × people on at once), not O(n²).
 */
function overlapping<T extends { start: Date; end: Date }>(items: readonly T[], group: (item: T) => string): Map<T, T[]> {
  const result = new Map<T, T[]>(items.map((i) => [i, []]));
  const active = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => a.start.getTime() - b.start.getTime())) {
    const key = group(item);
    const running = (active.get(key) ?? []).filter((other) => other.end > item.start);
    for (const other of running) {
      result.get(other)!.push(item);
      result.get(item)!.push(other);
    }
    running.push(item);
    active.set(key, running);
  }
  return result;
}

function lines(parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => !!p).join("\n");
}

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
  const { from, to } = window;
  const o: BuildOptions = { ...serve, uidDomain: new URL(serve.apiBase).hostname };
  let drafts: DraftEvent[] = [];
  const repo = createFeedRepository(db);
  switch (feed.subjectKind) {
    case "person":
      drafts = await personEvents(db, cache, feed, from, to, o);
      break;
    case "team":
      drafts = await teamEvents(db, feed, from, to, o);
      break;
    case "schedule":
      drafts = await scheduleEvents(db, cache, feed, from, to, o);
      break;
    case "duty_program":
      drafts = await programEvents(db, feed, from, to, o);
      break;
  }
  const timeZone = (await repo.subjectName(feed))?.timeZone ?? "UTC";
  // One UID once: a turn split by the lead-in window edge or a duplicate row must not publish twice.
  const unique = [...new Map(drafts.map((d) => [d.uid, d])).values()];
  const { events, changed } = revise(unique, await repo.revisions(feed.id));
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
  if (cached && cached.day === day && now - cached.checkedAt < FEED_RECHECK_MS) return cached.rendered;

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
    return cached.rendered;
  }
  const rendered = await buildFeed(db, cache, feed, feedWindow(feed, o.now), o);
  cache.setFeed(hash, { feed, version, day, rendered, checkedAt: now });
  return rendered;
}
