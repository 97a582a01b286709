import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendarFeeds } from "../src/db/schema/index.ts";
import { FEED_RECHECK_MS } from "../src/services/feeds.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";
import { readWithIcalJs, readWithNodeIcal, type ParsedEvent } from "./helpers/ical.ts";
import { at } from "./helpers/time.ts";

// iCal feeds (issue 13): read back by ical.js and node-ical, never by our own parser.
// The app's clock starts at 2026-06-01 and moves only when a test says so, so
// feeds have a fixed window and every 2026 DST change falls inside it.
const START = Date.parse("2026-06-01T00:00:00Z");
let skew = 0;
const clock = () => new Date(START + skew);
/** Past the per-instance recheck interval: the next fetch re-reads the feed's version. */
const later = () => {
  skew += FEED_RECHECK_MS + 1;
};

let t: TestApp;
let lead: Client & { personId: string };
let ann: Client & { personId: string };
let ben: Client & { personId: string };
let teamId: string;

const LA = "America/Los_Angeles";

beforeAll(async () => {
  t = await createTestApp({ clock });
  teamId = (await t.team({ name: "Live chat", timeZone: LA })).id;
  lead = await t.person({ role: "lead", name: "Lee Lead", timeZone: LA });
  ann = await t.person({ name: "Ann, \"the; night\" owl 🦉", timeZone: LA });
  ben = await t.person({ name: "Ben", timeZone: LA });
  for (const [p, isLead] of [[lead, true], [ann, false], [ben, false]] as const) {
    expect((await t.admin.post(`/v1/teams/${teamId}/members`, { personId: p.personId, isLead })).status).toBe(201);
  }
});
afterAll(() => t?.close());

async function subscribe(client: Client, body: Record<string, unknown>) {
  const res = await client.post("/v1/feeds", body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; token: string; url: string; webcalUrl: string };
}

/** GET the feed at its URL, as a calendar app does (no bearer token). */
async function fetchFeed(url: string, headers: Record<string, string> = {}) {
  const path = new URL(url).pathname;
  return t.app.inject({ method: "GET", url: path, headers });
}

async function events(url: string): Promise<ParsedEvent[]> {
  const res = await fetchFeed(url);
  expect(res.statusCode).toBe(200);
  const byIcalJs = readWithIcalJs(res.body).events.sort((a, b) => a.start.localeCompare(b.start) || a.uid.localeCompare(b.uid));
  // Both parsers read the same events.
  expect(readWithNodeIcal(res.body)).toEqual(byIcalJs);
  return byIcalJs;
}

async function shift(person: { personId: string }, start: string, end: string, label?: string) {
  const res = await lead.post("/v1/shifts", { teamId, personId: person.personId, start, end, ...(label ? { label } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...(res.body as { id: string }), etag: String(res.headers.etag) };
}

describe("subscriptions", () => {
  it("returns the URL once as https and webcal, stores only a hash, and lists without the secret", async () => {
    const feed = await subscribe(ann, { subject: { kind: "person", id: ann.personId } });
    expect(feed.url).toMatch(/^http:\/\/localhost(:\d+)?\/v1\/feeds\/rotafeed_[A-Za-z0-9_-]{43}\.ics$/);
    expect(feed.webcalUrl).toBe(feed.url.replace(/^http:/, "webcal:"));
    const [row] = await t.handle.db.select().from(calendarFeeds).where(eq(calendarFeeds.id, feed.id));
    expect(row!.tokenHash).not.toContain(feed.token.slice(9));
    expect(JSON.stringify(row)).not.toContain(feed.token);
    const listed = await ann.get("/v1/feeds");
    expect(listed.body.items.map((f: { id: string }) => f.id)).toContain(feed.id);
    expect(JSON.stringify(listed.body)).not.toContain(feed.token);
  });

  it("a member cannot publish another person's assignments or time off; their lead can", async () => {
    const other = await ann.post("/v1/feeds", { subject: { kind: "person", id: ben.personId }, includeTimeOff: true });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe("forbidden");
    expect((await lead.post("/v1/feeds", { subject: { kind: "person", id: ben.personId } })).status).toBe(201);
    // Schedules and the duty calendar are everyone's to read.
    const missing = await ann.post("/v1/feeds", { subject: { kind: "schedule", id: "00000000-0000-4000-8000-000000000000" } });
    expect(missing.status).toBe(404);
    expect(missing.body.errors?.[0]?.field ?? missing.body.field).toBe("subject.id");
  });

  it("a revoked token answers 404 exactly like one that never existed", async () => {
    const feed = await subscribe(ann, { subject: { kind: "team", id: teamId } });
    expect((await fetchFeed(feed.url)).statusCode).toBe(200);
    expect((await ann.delete(`/v1/feeds/${feed.id}`)).status).toBe(204);
    const revoked = await fetchFeed(feed.url);
    const never = await fetchFeed(feed.url.replace(/rotafeed_[^.]+/, `rotafeed_${"x".repeat(43)}`));
    const garbage = await fetchFeed(feed.url.replace(/rotafeed_[^.]+/, "nonsense"));
    for (const res of [revoked, never, garbage]) {
      expect(res.statusCode).toBe(404);
      expect(res.headers["content-type"]).toContain("application/problem+json");
    }
    expect(revoked.json()).toMatchObject({ code: "not_found", detail: never.json().detail });
    expect(never.json().detail).toBe(garbage.json().detail);
    expect((await ben.delete(`/v1/feeds/${feed.id}`)).status).toBe(403);
  });

  it("a deactivated owner's feeds stop answering", async () => {
    const leaver = await t.person({ name: "Leaver", timeZone: LA });
    const feed = await subscribe(leaver, { subject: { kind: "person", id: leaver.personId } });
    expect((await fetchFeed(feed.url)).statusCode).toBe(200);
    const gone = await t.admin.patch(`/v1/people/${leaver.personId}`, { active: false });
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    later();
    expect((await fetchFeed(feed.url)).statusCode).toBe(404);
  });
});

describe("HTTP", () => {
  let url: string;
  beforeAll(async () => {
    await shift(ann, "2026-06-10T16:00:00Z", "2026-06-11T00:00:00Z", "email");
    url = (await subscribe(ann, { subject: { kind: "person", id: ann.personId } })).url;
  });

  it("text/calendar with a strong ETag, Last-Modified and private caching; HEAD answers", async () => {
    const res = await fetchFeed(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/calendar; charset=utf-8");
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(res.headers["cache-control"]).toContain("private");
    expect(new Date(String(res.headers["last-modified"])).getTime()).toBeGreaterThan(0);
    expect(res.body.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    const head = await t.app.inject({ method: "HEAD", url: new URL(url).pathname });
    expect(head.statusCode).toBe(200);
    expect(head.headers.etag).toBe(res.headers.etag);
    expect(head.body).toBe("");
  });

  it("If-None-Match and If-Modified-Since give 304; an unchanged feed is byte-identical, even rebuilt", async () => {
    const first = await fetchFeed(url);
    const etag = String(first.headers.etag);
    const notModified = await fetchFeed(url, { "if-none-match": etag });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe("");
    expect((await fetchFeed(url, { "if-none-match": `W/${etag}` })).statusCode).toBe(304);
    expect((await fetchFeed(url, { "if-modified-since": String(first.headers["last-modified"]) })).statusCode).toBe(304);
    expect((await fetchFeed(url, { "if-none-match": '"other"' })).statusCode).toBe(200);
    later();
    // A second instance on the same database (a restart) rebuilds the same bytes.
    const other = await createTestAppOnSameDb();
    try {
      const rebuilt = await other.inject({ method: "GET", url: new URL(url).pathname });
      expect(rebuilt.body).toBe(first.body);
      expect(rebuilt.headers.etag).toBe(etag);
    } finally {
      await other.close();
    }
  });

  it("a change to the feed's data changes its ETag within a second", async () => {
    const before = await fetchFeed(url);
    const s = await shift(ann, "2026-06-12T16:00:00Z", "2026-06-13T00:00:00Z");
    later();
    const after = await fetchFeed(url);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(readWithIcalJs(after.body).events.map((e) => e.uid)).toContain(`shift-${s.id}@localhost`);
  });
});

/** The same API on the same database: what a restart or a second instance sees. */
async function createTestAppOnSameDb() {
  const Fastify = (await import("fastify")).default;
  const { rotaApp, serverOptions } = await import("../src/app.ts");
  const config = { logLevel: "silent", bodyLimitBytes: 64 * 1024, publicUrl: undefined };
  const app = Fastify(serverOptions(config));
  await app.register(rotaApp, { config, db: t.handle.db, clock });
  await app.ready();
  return app;
}

describe("content", () => {
  it("summaries people understand; names with commas, semicolons, quotes and emoji survive", async () => {
    const s = await shift(ann, "2026-06-15T16:00:00Z", "2026-06-16T00:00:00Z", "email");
    const team = await subscribe(lead, { subject: { kind: "team", id: teamId }, name: "Live chat; \"EU\", nights\nteam 🌙" });
    const read = readWithIcalJs((await fetchFeed(team.url)).body);
    expect(read.name).toBe('Live chat; "EU", nights team 🌙');
    expect(read.timeZone).toBe(LA);
    expect(read.ttl).toBe("PT1H");
    const event = read.events.find((e) => e.uid === `shift-${s.id}@localhost`)!;
    expect(event.summary).toBe(`${(await ann.get("/v1/me")).body.name}: Live chat shift (email)`);
    expect(event.start).toBe("2026-06-15T16:00:00.000Z");
    expect(event.description).toContain(`/v1/shifts/${s.id}`);
    const mine = await events((await subscribe(ann, { subject: { kind: "person", id: ann.personId } })).url);
    expect(mine.find((e) => e.uid === `shift-${s.id}@localhost`)?.summary).toBe("Live chat shift (email)");
  });

  it("an edit keeps the UID and raises SEQUENCE; LAST-MODIFIED comes from the data", async () => {
    const feed = await subscribe(ben, { subject: { kind: "person", id: ben.personId } });
    const s = await shift(ben, "2026-07-01T16:00:00Z", "2026-07-02T00:00:00Z");
    const uid = `shift-${s.id}@localhost`;
    const first = (await events(feed.url)).find((e) => e.uid === uid)!;
    expect(first.sequence).toBe(0);
    expect(first.stamp).toBe(first.lastModified);
    const moved = await lead.patch(`/v1/shifts/${s.id}`, { start: "2026-07-01T17:00:00Z" }, { "if-match": s.etag });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    later();
    const second = (await events(feed.url)).filter((e) => e.uid === uid);
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ sequence: 1, start: "2026-07-01T17:00:00.000Z" });
    expect(Date.parse(second[0]!.lastModified)).toBeGreaterThan(Date.parse(first.lastModified));
    // Deleted: the event disappears.
    expect((await lead.delete(`/v1/shifts/${s.id}`)).status).toBe(204);
    later();
    expect((await events(feed.url)).map((e) => e.uid)).not.toContain(uid);
  });

  it("show as free makes every event TRANSP:TRANSPARENT", async () => {
    const feed = await subscribe(ann, { subject: { kind: "person", id: ann.personId }, showAsFree: true });
    const all = await events(feed.url);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((e) => e.transparent)).toBe(true);
  });

  it("a swap completed through the API moves the events between both people's feeds with the same UIDs", async () => {
    const annShift = await shift(ann, "2026-08-03T16:00:00Z", "2026-08-04T00:00:00Z");
    const benShift = await shift(ben, "2026-08-05T16:00:00Z", "2026-08-06T00:00:00Z");
    const annFeed = await subscribe(ann, { subject: { kind: "person", id: ann.personId } });
    const benFeed = await subscribe(ben, { subject: { kind: "person", id: ben.personId } });
    const uids = (evs: ParsedEvent[]) => evs.map((e) => e.uid);
    expect(uids(await events(annFeed.url))).toContain(`shift-${annShift.id}@localhost`);
    const swap = await ann.post("/v1/swaps", { kind: "trade", counterpartId: ben.personId, offered: { kind: "shift", id: annShift.id }, requested: { kind: "shift", id: benShift.id } });
    expect(swap.status, JSON.stringify(swap.body)).toBe(201);
    const done = await ben.post(`/v1/swaps/${swap.body.id}/accept`);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    later();
    const annAfter = uids(await events(annFeed.url));
    const benAfter = uids(await events(benFeed.url));
    expect(annAfter).toContain(`shift-${benShift.id}@localhost`);
    expect(annAfter).not.toContain(`shift-${annShift.id}@localhost`);
    expect(benAfter).toContain(`shift-${annShift.id}@localhost`);
    expect(benAfter).not.toContain(`shift-${benShift.id}@localhost`);
  });
});

describe("time off and the duty calendar", () => {
  it("a person's feed shows approved time off as Away, and a shift inside it says it needs cover", async () => {
    const s = await shift(ben, "2026-09-14T16:00:00Z", "2026-09-15T00:00:00Z");
    const off = await ben.post("/v1/time-off", { start: "2026-09-14T00:00:00Z", end: "2026-09-16T00:00:00Z", reason: "sick", note: "private" });
    expect(off.status, JSON.stringify(off.body)).toBe(201);
    expect((await lead.post(`/v1/time-off/${off.body.id}/approve`)).status).toBe(200);
    const withAway = await events((await subscribe(ben, { subject: { kind: "person", id: ben.personId }, includeTimeOff: true })).url);
    const away = withAway.find((e) => e.uid === `time-off-${off.body.id}@localhost`)!;
    expect(away).toMatchObject({ summary: "Away", start: "2026-09-14T00:00:00.000Z", end: "2026-09-16T00:00:00.000Z" });
    expect(JSON.stringify(withAway)).not.toContain("private");
    expect(withAway.find((e) => e.uid === `shift-${s.id}@localhost`)!.description).toContain("needs cover");
    const without = await events((await subscribe(ben, { subject: { kind: "person", id: ben.personId } })).url);
    expect(without.map((e) => e.summary)).not.toContain("Away");
    // Only a person's own feed can carry time off.
    const team = await lead.post("/v1/feeds", { subject: { kind: "team", id: teamId }, includeTimeOff: true });
    expect(team.status).toBe(422);
    expect(team.body.errors?.[0]?.field ?? team.body.field).toBe("includeTimeOff");
  });

  it("the company duty calendar shows every booked slot with who is on it, and free seats when asked", async () => {
    const program = await lead.post("/v1/duty-programs", {
      name: "Chat duty",
      timeZone: LA,
      hours: { windows: [{ days: ["tue"], start: "10:00", end: "11:00" }] },
      seatsPerSlot: 2,
      quotaPerMonth: 1,
    });
    expect(program.status, JSON.stringify(program.body)).toBe(201);
    expect((await lead.post(`/v1/duty-programs/${program.body.id}/months/2026-07/slots`)).status).toBeLessThan(300);
    const slots = (await lead.get(`/v1/duty-programs/${program.body.id}/slots?month=2026-07`)).body.items;
    expect(slots.length).toBeGreaterThan(3);
    expect((await ann.post(`/v1/duty-slots/${slots[0].id}/bookings`, {})).status).toBe(201);
    expect((await ben.post(`/v1/duty-slots/${slots[0].id}/bookings`, {})).status).toBe(201);
    const booked = await events((await subscribe(ben, { subject: { kind: "duty_program", id: program.body.id } })).url);
    const annName = (await ann.get("/v1/me")).body.name;
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({ uid: `duty-slot-${slots[0].id}@localhost`, start: slots[0].start, summary: `Chat duty: ${annName}, Ben` });
    const all = await events((await subscribe(ben, { subject: { kind: "duty_program", id: program.body.id }, includeFreeSeats: true })).url);
    expect(all).toHaveLength(slots.length);
    expect(all[1]!.summary).toBe("Chat duty: 2 seats free");
    // Ben's own feed has his booking, with who else is on it.
    const mine = (await events((await subscribe(ben, { subject: { kind: "person", id: ben.personId } })).url)).filter((e) => e.summary === "Chat duty");
    expect(mine).toHaveLength(1);
    expect(mine[0]!.description).toContain(`With: ${annName}`);
  });
});

describe("on-call feeds agree with the schedule's segments across 2026's DST changes", () => {
  // Changes inside [2026-01-01, 2027-01-01): LA 03-08 and 11-01; Sydney 04-05 and 10-04; Lord Howe (30 min) the same days.
  const zones = [
    { zone: "America/Los_Angeles", changes: ["2026-03-08", "2026-11-01"] },
    { zone: "Australia/Sydney", changes: ["2026-04-05", "2026-10-04"] },
    { zone: "Australia/Lord_Howe", changes: ["2026-04-05", "2026-10-04"] },
  ];

  for (const { zone, changes } of zones) {
    it(`${zone}: every event is a segment, instant for instant`, async () => {
      const schedule = await lead.post("/v1/schedules", {
        name: `Escalation ${zone}`,
        timeZone: zone,
        teamId,
        layers: [
          { name: "Daily", participants: [ann.personId, ben.personId, lead.personId], turn: { unit: "days", count: 1 }, handoffTime: "02:30", startDate: "2025-12-01" },
          { name: "Weekly", participants: [ben.personId, ann.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2025-12-01", restrictions: [{ days: ["sat", "sun"], start: "01:00", end: "03:00" }] },
        ],
      });
      expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
      const feed = await subscribe(ann, { subject: { kind: "schedule", id: schedule.body.id }, pastDays: 366, futureDays: 366, includeGaps: true });
      const all = await events(feed.url);
      for (const day of changes) {
        const from = new Date(Date.parse(at(zone, day, "00:00")) - 3 * 86_400_000);
        const to = new Date(Date.parse(at(zone, day, "00:00")) + 3 * 86_400_000);
        const res = await ann.get(`/v1/schedules/${schedule.body.id}/segments?from=${from.toISOString()}&to=${to.toISOString()}`);
        expect(res.status).toBe(200);
        const expected = res.body.segments.map((s: { start: string; end: string }) => [s.start, s.end]);
        expect(expected.length).toBeGreaterThan(4);
        const clip = (iso: string) => new Date(Math.min(Math.max(Date.parse(iso), from.getTime()), to.getTime())).toISOString();
        const actual = all.filter((e) => Date.parse(e.start) < to.getTime() && Date.parse(e.end) > from.getTime()).map((e) => [clip(e.start), clip(e.end)]);
        expect(actual, `${zone} around ${day}`).toEqual(expected);
      }
    });
  }

  it("a 25-hour turn on fall-back night is one event of 25 hours", async () => {
    const schedule = await lead.post("/v1/schedules", {
      name: "Fall back",
      timeZone: LA,
      layers: [{ participants: [ann.personId, ben.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-10-30" }],
    });
    expect(schedule.status).toBe(201);
    const feed = await subscribe(ann, { subject: { kind: "schedule", id: schedule.body.id }, pastDays: 366, futureDays: 366 });
    const turn = (await events(feed.url)).filter((e) => e.start === new Date(at(LA, "2026-10-31", "09:00")).toISOString());
    expect(turn).toHaveLength(1);
    expect(Date.parse(turn[0]!.end) - Date.parse(turn[0]!.start)).toBe(25 * 3_600_000);
  });

  it("an override cuts the overridden person's event and adds the substitute's", async () => {
    const schedule = await lead.post("/v1/schedules", {
      name: "Weekly primary",
      timeZone: LA,
      layers: [{ participants: [ann.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-09-07" }],
    });
    expect(schedule.status).toBe(201);
    const annFeed = await subscribe(ann, { subject: { kind: "person", id: ann.personId }, futureDays: 200 });
    const benFeed = await subscribe(ben, { subject: { kind: "person", id: ben.personId }, futureDays: 200 });
    const onCall = (evs: ParsedEvent[]) => evs.filter((e) => e.summary === "On call: Weekly primary").map((e) => [e.start, e.end]);
    const wed = new Date(at(LA, "2026-09-09", "09:00")).toISOString();
    const thu = new Date(at(LA, "2026-09-10", "09:00")).toISOString();
    expect(onCall(await events(benFeed.url))).toEqual([]);
    const override = await lead.post(`/v1/schedules/${schedule.body.id}/overrides`, { personId: ben.personId, replacesPersonId: ann.personId, start: wed, end: thu });
    expect(override.status, JSON.stringify(override.body)).toBe(201);
    later();
    expect(onCall(await events(benFeed.url))).toEqual([[wed, thu]]);
    const annTurns = onCall(await events(annFeed.url));
    expect(annTurns.some(([s, e]) => s! < thu && e! > wed)).toBe(false);
    expect(annTurns.some(([, e]) => e === wed)).toBe(true);
    expect(annTurns.some(([s]) => s === thu)).toBe(true);
  });
});
