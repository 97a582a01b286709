import { generateKeyPairSync, randomBytes } from "node:crypto";
import { calendar as googleCalendar } from "@googleapis/calendar";
import { eq, sql } from "drizzle-orm";
import { OAuth2Client } from "google-auth-library";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCalendarApi, type CalendarApi } from "../src/calendar/google/client.ts";
import { googleEventId } from "../src/calendar/google/events.ts";
import { loadConfig } from "../src/config.ts";
import { calendarTargets } from "../src/db/schema/index.ts";
import { startJobs, type JobLog } from "../src/jobs/worker.ts";
import { FeedCache } from "../src/services/feeds.ts";
import { syncCalendarTarget, type GoogleSyncDeps } from "../src/services/google-sync.ts";
import { createSecretBox } from "../src/services/secrets.ts";
import { TEST_SECRET_KEY, createTestApp, type Client, type TestApp } from "./helpers/app.ts";
import { startFakeGoogleCalendar, type CallRecord, type FakeGoogleCalendar, type StoredEvent } from "./helpers/fake-google-calendar.ts";

// Google Calendar push sync (issue 14), end to end: the API, the outbox triggers, the pg-boss
// worker and Google's own client (@googleapis/calendar 16) over HTTP against the strict fake
// Calendar v3 server. Writes are counted at the fake.

const SA_EMAIL = "rota-sync@rota-test.iam.gserviceaccount.com";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const SA_KEY = {
  type: "service_account",
  project_id: "rota-test",
  private_key_id: "k1",
  private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  client_email: SA_EMAIL,
  client_id: "1234567890",
  token_uri: "https://oauth2.googleapis.com/token",
};
const OAUTH = { clientId: "rota-client.apps.googleusercontent.com", clientSecret: "oauth-client-s3cret", refreshToken: "1//refresh-token-secret" };
const ZONE = "Europe/Berlin";

let t: TestApp;
let fake: FakeGoogleCalendar;
let jobs: Awaited<ReturnType<typeof startJobs>>;
let lead: Client & { personId: string };
let ann: Client & { personId: string };
let ben: Client & { personId: string };
let teamId: string;
let scheduleId: string;
const errors: unknown[] = [];
const logged: unknown[] = [];
const log: JobLog = { info: (obj, msg) => void logged.push([obj, msg]), error: (obj) => errors.push(obj) };
const schema = `pgboss_g${randomBytes(4).toString("hex")}`;
const FAST_BACKOFF = { attempts: 6, baseDelayMs: 5, maxDelayMs: 40 };

function endpoints() {
  return { apiUrl: fake.url, tokenUrl: fake.tokenUrl, timeoutMs: 1000 };
}

async function startWorker(connect?: GoogleSyncDeps["connect"]) {
  const config = { ...loadConfig({}), secretKey: TEST_SECRET_KEY, googleApiUrl: fake.url, googleTokenUrl: fake.tokenUrl, googleTimeoutMs: 1000 };
  return startJobs(handleOf(), config, log, {
    schema,
    pollingIntervalSeconds: 0.5,
    onError: (err) => errors.push(err),
    policies: { calendarSync: { retryDelay: 1, retryBackoff: false, retryLimit: 5 } },
    calendar: { pollMs: 300, concurrency: 4, sync: { backoff: FAST_BACKOFF, ...(connect ? { connect } : {}) } },
  });
}
const handleOf = () => t.handle;

beforeAll(async () => {
  fake = await startFakeGoogleCalendar({ serviceAccount: { email: SA_EMAIL, publicKey }, oauthClient: OAUTH, seed: 14 });
  t = await createTestApp();
  teamId = (await t.team({ name: "Live chat", timeZone: ZONE })).id;
  lead = await t.person({ role: "lead", name: "Lee", timeZone: ZONE });
  ann = await t.person({ name: "Ann", timeZone: ZONE });
  ben = await t.person({ name: "Ben", timeZone: ZONE });
  for (const [p, isLead] of [[lead, true], [ann, false], [ben, false]] as const) {
    expect((await t.admin.post(`/v1/teams/${teamId}/members`, { personId: p.personId, isLead })).status).toBe(201);
  }
  const startDate = DateTime.now().setZone(ZONE).minus({ days: 3 }).toISODate()!;
  const created = await lead.post("/v1/schedules", {
    name: "Escalations",
    timeZone: ZONE,
    teamId,
    layers: [{ name: "Daily", participants: [ann.personId, ben.personId, lead.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate }],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  scheduleId = created.body.id;
  jobs = await startWorker();
}, 60_000);

afterAll(async () => {
  await jobs?.stop({ timeoutMs: 1000 });
  await t?.close();
  await fake?.close();
});

// --- helpers ---------------------------------------------------------------------------------------

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const writesIn = (calls: CallRecord[]) => calls.filter((c) => WRITES.has(c.method) && c.path.startsWith("/calendar/"));

/** Live (not cancelled) events of a calendar, Rota's and the owner's alike. */
function live(calendarId: string): StoredEvent[] {
  return [...(fake.calendars.get(calendarId)?.values() ?? [])].filter((e) => e.status !== "cancelled");
}

function shape(events: StoredEvent[]) {
  return events
    .map((e) => ({
      summary: e.summary as string,
      start: DateTime.fromISO((e.start as { dateTime: string }).dateTime).toUTC().toISO(),
      end: DateTime.fromISO((e.end as { dateTime: string }).dateTime).toUTC().toISO(),
    }))
    .sort((a, b) => a.start!.localeCompare(b.start!) || a.summary.localeCompare(b.summary));
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function count(query: string): Promise<number> {
  const result = await t.handle.db.execute(sql.raw(query));
  const rows = (result as unknown as { rows?: { n: number | string }[] }).rows ?? (result as unknown as { n: number | string }[]);
  return Number(rows[0]!.n);
}

/** Nothing left to do: the outbox drained and no calendar job waiting or running. */
async function settled(): Promise<void> {
  await waitFor(
    async () =>
      (await count("SELECT count(*) AS n FROM calendar_republish")) === 0 &&
      (await count(`SELECT count(*) AS n FROM "${schema}".job WHERE name = 'calendar-sync' AND state < 'completed'`)) === 0,
    "the calendar jobs to settle",
  );
}

async function target(client: Client, body: Record<string, unknown>) {
  const res = await client.post("/v1/calendar-targets", { credentials: { kind: "service_account", serviceAccountKey: SA_KEY }, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; status: string };
}

async function statusOf(id: string) {
  return (await t.admin.get(`/v1/calendar-targets/${id}`)).body;
}

const newCalendar = () => `cal-${randomBytes(4).toString("hex")}@group.calendar.google.com`;

/** The schedule's turns that touch [from, to), as the API computes them. */
async function turns(from: Date, to: Date) {
  const res = await t.admin.get(`/v1/schedules/${scheduleId}/segments?from=${from.toISOString()}&to=${to.toISOString()}`);
  expect(res.status).toBe(200);
  return res.body.segments as { personId: string | null; start: string; end: string }[];
}

function dayWindow(pastDays: number, futureDays: number) {
  const day = Math.floor(Date.now() / 86_400_000);
  return { from: new Date((day - pastDays) * 86_400_000), to: new Date((day + futureDays) * 86_400_000) };
}

const names = () => new Map([[ann.personId, "Ann"], [ben.personId, "Ben"], [lead.personId, "Lee"]]);

/** Direct sync (no queue), for counting what one run does. */
function deps(overrides: Partial<GoogleSyncDeps> = {}): GoogleSyncDeps {
  return {
    db: t.handle.db,
    secrets: createSecretBox(TEST_SECRET_KEY),
    cache: new FeedCache(),
    apiBase: "http://localhost:3000",
    now: () => new Date(),
    endpoints: endpoints(),
    backoff: FAST_BACKOFF,
    ...overrides,
  };
}

// --- the scenarios -------------------------------------------------------------------------------------

describe("a schedule pushed to Google", () => {
  let calendarId: string;
  let targetId: string;

  it("the first sync writes a month of on-call turns, exactly the schedule's, with Rota's tags and valid ids", async () => {
    calendarId = newCalendar();
    const mark = fake.calls.length;
    targetId = (await target(lead, { subject: { kind: "schedule", id: scheduleId }, calendarId, pastDays: 0, futureDays: 31 })).id;
    await settled();

    const window = dayWindow(0, 31);
    const expected = (await turns(window.from, window.to))
      .filter((s) => s.personId)
      .map((s) => ({ summary: `On call: ${names().get(s.personId!)}`, start: s.start, end: s.end }));
    // Turns cut by the window keep their real ends; segments clip to the window, so compare what starts inside.
    const events = shape(live(calendarId));
    expect(events.slice(1, -1)).toEqual(expected.slice(1, -1));
    expect(events.length).toBeGreaterThanOrEqual(31);
    expect(new Set(live(calendarId).map((e) => e.id)).size).toBe(events.length);
    for (const e of live(calendarId)) {
      const tags = (e.extendedProperties as { private: Record<string, string> }).private;
      expect(tags).toMatchObject({ rota: "1", rotaTarget: targetId });
      expect(e.id).toBe(googleEventId(targetId, tags.rotaKey!));
      expect(e.id).toMatch(/^[a-v0-9]{52}$/);
    }
    // Only inserts: one per event, no duplicate attempts.
    const writes = writesIn(fake.calls.slice(mark));
    expect(writes.every((c) => c.method === "POST" && c.status === 200)).toBe(true);
    expect(writes).toHaveLength(events.length);

    const state = await statusOf(targetId);
    expect(state).toMatchObject({ status: "ok", lastError: null, eventsInSync: events.length, failures: 0 });
    expect(state.lastSyncedAt).not.toBeNull();
    expect(state.lastReconciledAt).not.toBeNull();
  });

  it("resyncing with nothing changed makes no write call (and no call at all until a reconcile is due)", async () => {
    const mark = fake.calls.length;
    const outcome = await syncCalendarTarget(deps(), targetId);
    expect(outcome).toMatchObject({ status: "ok", inserted: 0, updated: 0, deleted: 0, reconciled: false });
    expect(fake.calls.slice(mark).filter((c) => c.path.startsWith("/calendar/"))).toEqual([]);

    // POST …/sync reconciles: it reads the calendar, and still writes nothing.
    expect((await lead.post(`/v1/calendar-targets/${targetId}/sync`)).status).toBe(202);
    await settled();
    const calls = fake.calls.slice(mark).filter((c) => c.path.startsWith("/calendar/"));
    expect(calls.some((c) => c.method === "GET")).toBe(true);
    expect(writesIn(calls)).toEqual([]);
  });

  it("an override changes the turns it covers and nothing else", async () => {
    const window = dayWindow(0, 31);
    const turn = (await turns(window.from, window.to)).filter((s) => s.personId === ann.personId)[1]!;
    const before = shape(live(calendarId));
    const mark = fake.calls.length;
    const res = await lead.post(`/v1/schedules/${scheduleId}/overrides`, { personId: ben.personId, start: turn.start, end: turn.end });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await settled();
    const after = shape(live(calendarId));
    // Ann's turn is gone, Ben's override turn is there: one delete, one insert.
    expect(after.filter((e) => !before.some((b) => JSON.stringify(b) === JSON.stringify(e)))).toEqual([{ summary: "On call: Ben", start: turn.start, end: turn.end }]);
    expect(before.filter((e) => !after.some((a) => JSON.stringify(a) === JSON.stringify(e)))).toEqual([{ summary: "On call: Ann", start: turn.start, end: turn.end }]);
    expect(writesIn(fake.calls.slice(mark)).map((c) => c.method).sort()).toEqual(["DELETE", "POST"]);
  });

  it("events deleted or edited by hand are restored by the reconcile", async () => {
    const [first, second] = live(calendarId).filter((e) => e.summary !== undefined);
    const oauth = new OAuth2Client({ clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret, endpoints: { oauth2TokenUrl: fake.tokenUrl } });
    oauth.setCredentials({ refresh_token: OAUTH.refreshToken });
    const owner = googleCalendar({ version: "v3", auth: oauth, rootUrl: fake.url });
    await owner.events.delete({ calendarId, eventId: first!.id });
    await owner.events.patch({ calendarId, eventId: second!.id, requestBody: { summary: "Moved to lunch", start: { dateTime: "2030-01-01T12:00:00Z" }, end: { dateTime: "2030-01-01T13:00:00Z" } } });
    const expected = shape([first!, second!]);

    const mark = fake.calls.length;
    expect((await ann.post(`/v1/calendar-targets/${targetId}/sync`)).status).toBe(403); // not hers
    expect((await lead.post(`/v1/calendar-targets/${targetId}/sync`)).status).toBe(202);
    await settled();
    const restored = live(calendarId).filter((e) => e.id === first!.id || e.id === second!.id);
    expect(shape(restored)).toEqual(expected);
    expect(writesIn(fake.calls.slice(mark)).map((c) => c.method)).toEqual(["PUT", "PUT"]);
  });

  it("a stale sync token (410) falls back to a full listing and still repairs", async () => {
    const [victim] = live(calendarId);
    fake.calendars.get(calendarId)!.delete(victim!.id); // purged: not even a cancelled copy left
    fake.expireSyncTokens();
    const mark = fake.calls.length;
    expect((await lead.post(`/v1/calendar-targets/${targetId}/sync`)).status).toBe(202);
    await settled();
    const calls = fake.calls.slice(mark);
    expect(calls.some((c) => c.status === 410)).toBe(true);
    expect(live(calendarId).map((e) => e.id)).toContain(victim!.id);
    expect((await statusOf(targetId)).status).toBe("ok");
  });
});

describe("a shift trade", () => {
  it("changes exactly the two events in each calendar it touches, within seconds of the API's answer", async () => {
    const base = DateTime.now().setZone(ZONE).plus({ days: 5 }).startOf("day");
    const mk = async (who: { personId: string }, day: number) => {
      const res = await lead.post("/v1/shifts", { teamId, personId: who.personId, start: base.plus({ days: day, hours: 8 }).toUTC().toISO(), end: base.plus({ days: day, hours: 16 }).toUTC().toISO(), outsideSupportHours: true });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const annShift = await mk(ann, 0);
    const benShift = await mk(ben, 2);
    const calendars = { team: newCalendar(), ann: newCalendar(), ben: newCalendar() };
    const targets = {
      team: (await target(lead, { subject: { kind: "team", id: teamId }, calendarId: calendars.team, pastDays: 0, futureDays: 30 })).id,
      ann: (await target(ann, { subject: { kind: "person", id: ann.personId }, calendarId: calendars.ann, pastDays: 0, futureDays: 30, includeCoworkers: false })).id,
      ben: (await target(ben, { subject: { kind: "person", id: ben.personId }, calendarId: calendars.ben, pastDays: 0, futureDays: 30, includeCoworkers: false })).id,
    };
    await settled();
    expect(shape(live(calendars.team)).map((e) => e.summary)).toEqual(["Ann: Live chat shift", "Ben: Live chat shift"]);

    const mark = fake.calls.length;
    const swap = await ann.post("/v1/swaps", { kind: "trade", counterpartId: ben.personId, offered: { kind: "shift", id: annShift }, requested: { kind: "shift", id: benShift } });
    expect(swap.status, JSON.stringify(swap.body)).toBe(201);
    const done = await ben.post(`/v1/swaps/${swap.body.id}/accept`);
    expect(done.body.swap?.status ?? done.body.status).toBe("completed");
    const answeredAt = Date.now();
    await waitFor(() => shape(live(calendars.team)).map((e) => e.summary).join() === "Ben: Live chat shift,Ann: Live chat shift", "the team calendar to show the trade", 5000);
    expect(Date.now() - answeredAt).toBeLessThan(5000);
    await settled();

    // Each calendar: ≤ 2 writes. The team calendar updates both events in place; a person's loses one and gains one.
    const writes = writesIn(fake.calls.slice(mark));
    const of = (calendarId: string) => writes.filter((c) => c.path.includes(encodeURIComponent(calendarId))).map((c) => c.method).sort();
    expect(of(calendars.team)).toEqual(["PUT", "PUT"]);
    expect(of(calendars.ann)).toEqual(["DELETE", "POST"]);
    expect(of(calendars.ben)).toEqual(["DELETE", "POST"]);
    const annDays = shape(live(calendars.ann)).filter((e) => e.summary.includes("shift")).map((e) => e.start);
    expect(annDays).toEqual([base.plus({ days: 2, hours: 8 }).toUTC().toISO()]);
    for (const id of Object.values(targets)) expect((await statusOf(id)).status).toBe("ok");
  });
});

describe("faults", () => {
  it("with 30% of calls failing (500, 429 with Retry-After, 403 rate limits) the calendar still converges, exactly, with no duplicate", async () => {
    const calendarId = newCalendar();
    const removers = [
      fake.inject({ status: 500, rate: 0.1, match: (r) => r.path.includes(encodeURIComponent(calendarId)) }),
      fake.inject({ status: 429, retryAfter: 0, rate: 0.1, match: (r) => r.path.includes(encodeURIComponent(calendarId)) }),
      fake.inject({ status: 403, reason: "userRateLimitExceeded", rate: 0.1, match: (r) => r.path.includes(encodeURIComponent(calendarId)) }),
    ];
    const mark = fake.calls.length;
    const id = (await target(t.admin, { subject: { kind: "schedule", id: scheduleId }, calendarId, pastDays: 0, futureDays: 31, includeGaps: true })).id;
    await settled();
    for (const remove of removers) remove();
    const calls = fake.calls.slice(mark).filter((c) => c.path.includes(encodeURIComponent(calendarId)));
    const failed = calls.filter((c) => c.status !== 200 && c.status !== 204).length;
    expect(failed / calls.length).toBeGreaterThan(0.15);

    const clean = newCalendar();
    await target(t.admin, { subject: { kind: "schedule", id: scheduleId }, calendarId: clean, pastDays: 0, futureDays: 31, includeGaps: true });
    await settled();
    expect(shape(live(calendarId))).toEqual(shape(live(clean)));
    expect((await statusOf(id)).status).toBe("ok");
  });

  it("the worker killed between Google's answer and the record: after a restart no duplicate, the calendar exact", async () => {
    await jobs.stop({ timeoutMs: 1000 });
    let inserts = 0;
    let dead = false;
    const hang = () => new Promise<never>(() => {});
    // The first process: after its 5th insert reaches Google, it dies (nothing it runs returns again).
    const dying = (...args: Parameters<typeof createCalendarApi>): CalendarApi => {
      const api = createCalendarApi(...args);
      return {
        insert: async (event) => {
          if (dead) return hang();
          await api.insert(event);
          if (++inserts === 5) dead = true;
          return dead ? hang() : undefined;
        },
        update: (id, event) => (dead ? hang() : api.update(id, event)),
        remove: (id) => (dead ? hang() : api.remove(id)),
        list: (q) => (dead ? hang() : api.list(q)),
      };
    };
    jobs = await startWorker(dying);
    const calendarId = newCalendar();
    const id = (await target(lead, { subject: { kind: "schedule", id: scheduleId }, calendarId, pastDays: 0, futureDays: 20 })).id;
    await waitFor(() => dead, "the first worker to die");
    await jobs.stop({ timeoutMs: 1000 }); // pg-boss fails the job it was running: it is retried
    const written = live(calendarId).length;
    expect(written).toBeGreaterThanOrEqual(5);
    const recorded = await count(`SELECT count(*) AS n FROM calendar_target_events WHERE target_id = '${id}'`);
    expect(recorded).toBeLessThan(written); // the crash came between Google's answer and the record

    const mark = fake.calls.length;
    jobs = await startWorker();
    await settled();
    const reference = newCalendar();
    await target(lead, { subject: { kind: "schedule", id: scheduleId }, calendarId: reference, pastDays: 0, futureDays: 20 });
    await settled();
    expect(shape(live(calendarId))).toEqual(shape(live(reference)));
    // What reached Google before the crash was found by the reconcile and rewritten in place, never inserted again.
    const after = writesIn(fake.calls.slice(mark)).filter((c) => c.path.includes(encodeURIComponent(calendarId)));
    expect(after.filter((c) => c.method === "POST")).toHaveLength(live(calendarId).length - written);
    expect(after.filter((c) => c.method === "PUT")).toHaveLength(written - recorded);
    expect((await statusOf(id)).status).toBe("ok");
  });

  it("records lost after the writes (no reconcile due): the inserts answer 409 and become updates, nothing doubles", async () => {
    const calendarId = newCalendar();
    const id = (await target(lead, { subject: { kind: "team", id: teamId }, calendarId, pastDays: 0, futureDays: 30 })).id;
    await settled();
    const before = shape(live(calendarId));
    expect(before.length).toBeGreaterThan(0);
    await t.handle.db.execute(sql`DELETE FROM calendar_target_events WHERE target_id = ${id}`);
    const mark = fake.calls.length;
    const outcome = await syncCalendarTarget(deps(), id);
    expect(outcome).toMatchObject({ status: "ok", reconciled: false, inserted: before.length });
    const calls = fake.calls.slice(mark);
    expect(calls.filter((c) => c.status === 409)).toHaveLength(before.length);
    expect(writesIn(calls).filter((c) => c.method === "PUT" && c.status === 200)).toHaveLength(before.length);
    expect(shape(live(calendarId))).toEqual(before);
  });
});

describe("retries", () => {
  it("Google down: a try that may be retried says `retrying` and throws (the queue retries); the last one says `failed`, dead-lettered", async () => {
    const calendarId = newCalendar();
    const id = (await target(lead, { subject: { kind: "team", id: teamId }, calendarId, pastDays: 0, futureDays: 30 })).id;
    await settled();
    await jobs.stop({ timeoutMs: 1000 }); // these tries are made by hand
    const shiftRes = await lead.post("/v1/shifts", { teamId, personId: ann.personId, start: DateTime.now().setZone(ZONE).plus({ days: 20 }).startOf("hour").toUTC().toISO(), end: DateTime.now().setZone(ZONE).plus({ days: 20, hours: 4 }).startOf("hour").toUTC().toISO(), outsideSupportHours: true });
    expect(shiftRes.status, JSON.stringify(shiftRes.body)).toBe(201);
    const down = fake.inject({ status: 500, rate: 1, match: (r) => r.path.includes(encodeURIComponent(calendarId)) });
    try {
      await expect(syncCalendarTarget(deps(), id, { final: false })).rejects.toMatchObject({ kind: "transient" });
      expect(await statusOf(id)).toMatchObject({ status: "retrying", failures: 1 });
      await expect(syncCalendarTarget(deps(), id, { final: true })).rejects.toMatchObject({ kind: "transient" });
      const state = await statusOf(id);
      expect(state).toMatchObject({ status: "failed", failures: 2 });
      expect(state.lastError).toMatch(/^Gave up after the last retry \(the job is in the dead-letter queue; POST \/v1\/calendar-targets\/.+\/sync tries again\): Google did not answer in time or failed \(500\)/);
    } finally {
      down();
      jobs = await startWorker();
    }
    // POST …/sync after the outage: back to ok, the new shift in the calendar.
    expect((await lead.post(`/v1/calendar-targets/${id}/sync`)).status).toBe(202);
    await settled();
    expect(await statusOf(id)).toMatchObject({ status: "ok", failures: 0, lastError: null });
    expect(live(calendarId).some((e) => e.id === googleEventId(id, `shift-${shiftRes.body.id}@localhost`))).toBe(true);
  });

  it("a call Google never answers times out and is tried again, without a duplicate", async () => {
    const calendarId = newCalendar();
    const id = (await target(lead, { subject: { kind: "team", id: teamId }, calendarId: calendarId, pastDays: 0, futureDays: 30 })).id;
    await settled();
    const expected = shape(live(calendarId));
    await t.handle.db.execute(sql`DELETE FROM calendar_target_events WHERE target_id = ${id}`);
    const calls = fake.calls.length;
    const remove = fake.inject({ status: "timeout", times: 1, match: (r) => r.method === "POST" && r.path.includes(encodeURIComponent(calendarId)) });
    const outcome = await syncCalendarTarget(deps({ endpoints: { ...endpoints(), timeoutMs: 300 } }), id);
    remove();
    expect(outcome.status).toBe("ok");
    expect(fake.calls.slice(calls).some((c) => c.status === "timeout")).toBe(true);
    expect(shape(live(calendarId))).toEqual(expected);
  });
});

describe("removing a target", () => {
  it("deletes only Rota's events of that target: the owner's own and another target's stay", async () => {
    const calendarId = newCalendar();
    const oauth = new OAuth2Client({ clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret, endpoints: { oauth2TokenUrl: fake.tokenUrl } });
    oauth.setCredentials({ refresh_token: OAUTH.refreshToken });
    const owner = googleCalendar({ version: "v3", auth: oauth, rootUrl: fake.url });
    await owner.events.insert({ calendarId, requestBody: { summary: "Dentist", start: { dateTime: "2030-05-05T09:00:00Z" }, end: { dateTime: "2030-05-05T10:00:00Z" } } });
    const leaving = (await target(ann, { subject: { kind: "person", id: ann.personId }, calendarId, pastDays: 0, futureDays: 30, credentials: { kind: "oauth", ...OAUTH } })).id;
    const staying = (await target(lead, { subject: { kind: "schedule", id: scheduleId }, calendarId, pastDays: 0, futureDays: 10, credentials: { kind: "oauth", ...OAUTH } })).id;
    await settled();
    const tagged = (targetId: string) => live(calendarId).filter((e) => (e.extendedProperties as { private?: Record<string, string> } | undefined)?.private?.rotaTarget === targetId);
    expect(tagged(leaving).length).toBeGreaterThan(0);
    const stayingBefore = tagged(staying).length;
    expect(stayingBefore).toBeGreaterThan(0);

    const res = await ann.delete(`/v1/calendar-targets/${leaving}`);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe("removing");
    await settled();
    expect((await t.admin.get(`/v1/calendar-targets/${leaving}`)).status).toBe(404);
    expect(tagged(leaving)).toEqual([]);
    expect(tagged(staying)).toHaveLength(stayingBefore);
    expect(live(calendarId).filter((e) => e.summary === "Dentist")).toHaveLength(1);
  });

  it("keepEvents=true forgets the target at once and touches nothing", async () => {
    const calendarId = newCalendar();
    const id = (await target(lead, { subject: { kind: "team", id: teamId }, calendarId, pastDays: 0, futureDays: 30 })).id;
    await settled();
    const before = live(calendarId).length;
    const mark = fake.calls.length;
    expect((await lead.delete(`/v1/calendar-targets/${id}?keepEvents=true`)).status).toBe(204);
    await settled();
    expect(live(calendarId)).toHaveLength(before);
    expect(writesIn(fake.calls.slice(mark))).toEqual([]);
  });
});

describe("failures a person has to mend", () => {
  it("a secret sealed under another key (ROTA_SECRET_KEY changed): status failed with a clear message, and the worker goes on", async () => {
    const calendarId = newCalendar();
    const id = (await target(lead, { subject: { kind: "team", id: teamId }, calendarId, pastDays: 0, futureDays: 30 })).id;
    await settled();
    const otherKey = createSecretBox(randomBytes(32).toString("base64"));
    await t.handle.db.update(calendarTargets).set({ credentialsSealed: otherKey.seal(JSON.stringify({ kind: "oauth", ...OAUTH })) }).where(eq(calendarTargets.id, id));
    expect((await lead.post(`/v1/calendar-targets/${id}/sync`)).status).toBe(202);
    await settled();
    const state = await statusOf(id);
    expect(state.status).toBe("failed");
    expect(state.lastError).toMatch(/cannot be decrypted/);
    expect(state.lastError).toMatch(/ROTA_SECRET_KEY/);

    // Sending the credentials again mends it.
    const fixed = await lead.patch(`/v1/calendar-targets/${id}`, { credentials: { kind: "service_account", serviceAccountKey: SA_KEY } }, { "if-match": `"v${state.version}"` });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    await settled();
    expect((await statusOf(id)).status).toBe("ok");
  });

  it("credentials Google refuses: failed, saying so, without retrying in vain", async () => {
    const calendarId = newCalendar();
    const id = (await target(lead, { subject: { kind: "team", id: teamId }, calendarId, credentials: { kind: "oauth", ...OAUTH, refreshToken: "1//revoked" } })).id;
    await settled();
    const state = await statusOf(id);
    expect(state).toMatchObject({ status: "failed", failures: 1 });
    expect(state.lastError).toMatch(/Google refused the credentials \(invalid_grant\)/);

    // Removing it cannot reach the calendar either: it stays `removing`, saying how to let go.
    expect((await lead.delete(`/v1/calendar-targets/${id}`)).status).toBe(202);
    await settled();
    const stuck = await statusOf(id);
    expect(stuck.status).toBe("removing");
    expect(stuck.lastError).toContain("keepEvents=true");
    expect((await lead.delete(`/v1/calendar-targets/${id}?keepEvents=true`)).status).toBe(204);
    expect((await t.admin.get(`/v1/calendar-targets/${id}`)).status).toBe(404);
  });
});

describe("the API", () => {
  it("never returns, stores in clear or audits the credentials", async () => {
    const res = await lead.post("/v1/calendar-targets", { subject: { kind: "team", id: teamId }, calendarId: newCalendar(), credentials: { kind: "oauth", ...OAUTH } });
    expect(res.status).toBe(201);
    expect(res.body.credentials).toEqual({ kind: "oauth", clientId: OAUTH.clientId });
    const everywhere = JSON.stringify([res.body, (await lead.get("/v1/calendar-targets")).body, (await t.admin.get("/v1/audit?entity=calendar_target")).body]);
    const [row] = await t.handle.db.select().from(calendarTargets).where(eq(calendarTargets.id, res.body.id));
    for (const secret of [OAUTH.clientSecret, OAUTH.refreshToken]) {
      expect(everywhere).not.toContain(secret);
      expect(JSON.stringify(row)).not.toContain(secret);
    }
    const sa = await lead.post("/v1/calendar-targets", { subject: { kind: "team", id: teamId }, calendarId: newCalendar(), credentials: { kind: "service_account", serviceAccountKey: SA_KEY } });
    expect(sa.body.credentials).toEqual({ kind: "service_account", clientEmail: SA_EMAIL, delegatedUser: null });
    expect(JSON.stringify(sa.body)).not.toContain("PRIVATE KEY");
  });

  it("who may push what: a person their own, a lead their team's, not a teammate's", async () => {
    const creds = { credentials: { kind: "oauth", ...OAUTH } };
    expect((await ann.post("/v1/calendar-targets", { subject: { kind: "person", id: ben.personId }, calendarId: newCalendar(), ...creds })).status).toBe(403);
    expect((await ann.post("/v1/calendar-targets", { subject: { kind: "team", id: teamId }, calendarId: newCalendar(), ...creds })).status).toBe(403);
    expect((await lead.post("/v1/calendar-targets", { subject: { kind: "person", id: ben.personId }, calendarId: newCalendar(), ...creds })).status).toBe(201);
    const own = await ann.post("/v1/calendar-targets", { subject: { kind: "person", id: ann.personId }, calendarId: newCalendar(), ...creds });
    expect(own.status).toBe(201);
    expect((await ben.get(`/v1/calendar-targets/${own.body.id}`)).status).toBe(403);
    expect((await ann.get("/v1/calendar-targets")).body.items.map((i: { id: string }) => i.id)).toContain(own.body.id);
    expect((await ben.get("/v1/calendar-targets")).body.items.map((i: { id: string }) => i.id)).not.toContain(own.body.id);
  });

  it("bad input is a 4xx naming the field, and nothing is stored", async () => {
    const before = (await t.admin.get("/v1/calendar-targets?limit=200")).body.items.length;
    const bad = async (body: Record<string, unknown>, status: number, field: string) => {
      const res = await lead.post("/v1/calendar-targets", { subject: { kind: "team", id: teamId }, calendarId: newCalendar(), credentials: { kind: "oauth", ...OAUTH }, ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(JSON.stringify(res.body)).toContain(field);
      expect(JSON.stringify(res.body)).not.toContain(OAUTH.clientSecret);
    };
    await bad({ credentials: { kind: "service_account", serviceAccountKey: { ...SA_KEY, private_key: "not a key" } } }, 422, "credentials.serviceAccountKey.private_key");
    await bad({ credentials: { kind: "service_account", serviceAccountKey: { ...SA_KEY, type: "authorized_user" } } }, 422, "credentials.serviceAccountKey.type");
    await bad({ credentials: { kind: "oauth", clientId: "x" } }, 400, "credentials");
    await bad({ calendarId: "has space" }, 400, "calendarId");
    await bad({ futureDays: 9999 }, 400, "futureDays");
    await bad({ includeTimeOff: true }, 422, "includeTimeOff");
    await bad({ subject: { kind: "team", id: "00000000-0000-4000-8000-000000000000" } }, 404, "subject.id");
    expect((await t.admin.get("/v1/calendar-targets?limit=200")).body.items.length).toBe(before);

    const calendarId = newCalendar();
    await target(lead, { subject: { kind: "team", id: teamId }, calendarId });
    const twice = await lead.post("/v1/calendar-targets", { subject: { kind: "team", id: teamId }, calendarId, credentials: { kind: "oauth", ...OAUTH } });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: "calendar_target_exists" });
    await settled();
  });

  it("If-Match guards a change; a stale version is 412", async () => {
    const created = await target(lead, { subject: { kind: "team", id: teamId }, calendarId: newCalendar() });
    const stale = await lead.patch(`/v1/calendar-targets/${created.id}`, { name: "Renamed" }, { "if-match": '"v999"' });
    expect(stale.status).toBe(412);
    const ok = await lead.patch(`/v1/calendar-targets/${created.id}`, { name: "Renamed", futureDays: 14 }, { "if-match": '"v1"' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: "Renamed", futureDays: 14, version: 2 });
    await settled();
  });
});

describe("a server without ROTA_SECRET_KEY", () => {
  let bare: TestApp;
  beforeAll(async () => {
    await jobs.stop({ timeoutMs: 1000 });
    bare = await createTestApp({ secretKey: null });
  });
  afterAll(() => bare.close());

  it("refuses to store credentials: 503 secret_key_missing saying how to set it, and nothing is stored", async () => {
    const team = await bare.team({});
    const res = await bare.admin.post("/v1/calendar-targets", { subject: { kind: "team", id: team.id }, calendarId: newCalendar(), credentials: { kind: "oauth", ...OAUTH } });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("secret_key_missing");
    expect(res.body.detail).toContain("ROTA_SECRET_KEY");
    expect((await bare.admin.get("/v1/calendar-targets")).body.items).toEqual([]);
  });
});

afterAll(() => {
  // No dispatch or job error went unnoticed (a failed poll, a crash in a handler).
  expect(errors.filter((e) => !String(JSON.stringify(e)).includes("shut down"))).toEqual([]);
  // The worker's log names targets and counts, never a credential.
  const text = JSON.stringify([logged, errors]);
  expect(logged.length).toBeGreaterThan(0);
  for (const secret of [OAUTH.clientSecret, OAUTH.refreshToken, SA_KEY.private_key.split("\n")[1]!]) expect(text).not.toContain(secret);
});
