import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { JWT, OAuth2Client } from "google-auth-library";
import { startFakeGoogleCalendar, type FakeGoogleCalendar } from "./helpers/fake-google-calendar.ts";

// The fake is driven by Google's own client (@googleapis/calendar 16, google-auth-library 10.5) over HTTP,
// so what the fake refuses is what that client would really send.

const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
const SCOPE = "https://www.googleapis.com/auth/calendar";
const EMAIL = "rota-sync@rota-test.iam.gserviceaccount.com";
const CAL = "team@group.calendar.google.com";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const OAUTH = { clientId: "rota-client.apps.googleusercontent.com", clientSecret: "s3cret", refreshToken: "1//refresh" };

let fake: FakeGoogleCalendar;

/**
 * A service-account client pointed at the fake. google-auth-library 10 ignores the key's token_uri and signs
 * aud as Google's token URL, so aud is overridden and the token request redirected on the client's transporter.
 */
function serviceAccountAuth(key = PRIVATE_PEM): JWT {
  const jwt = new JWT({ email: EMAIL, key, scopes: [SCOPE], additionalClaims: { aud: fake.tokenUrl } });
  jwt.transporter.interceptors.request.add({
    resolved: async (options) => {
      if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(fake.tokenUrl);
      return options;
    },
  });
  return jwt;
}

/** google-auth-library is pinned to the version googleapis-common 8.0.3 pins (10.5.0): one copy, one set of types. */
function client(auth: JWT | OAuth2Client = serviceAccountAuth(), timeout?: number): calendar_v3.Calendar {
  return calendar({ version: "v3", auth, rootUrl: fake.url, ...(timeout ? { timeout } : {}) });
}

let api: calendar_v3.Calendar;
let counter = 0;
/** A fresh valid base32hex id. */
const newId = () => `rota${(counter++).toString(32).padStart(6, "0")}`;
const event = (id: string, extra: calendar_v3.Schema$Event = {}): calendar_v3.Schema$Event => ({
  id,
  summary: "On call: Ada",
  start: { dateTime: "2026-03-08T10:00:00+01:00" },
  end: { dateTime: "2026-03-08T18:00:00+01:00", timeZone: "Europe/Berlin" },
  extendedProperties: { private: { rota: "1", target: "t1" } },
  ...extra,
});

/** The error a call fails with: status and Google's reason, where the sync code will read it. */
async function failure(promise: Promise<unknown>): Promise<{ status: number | undefined; reason: string | undefined; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: number; response?: { status: number; data?: { error?: { errors?: { reason: string }[] } } } };
    return { status: e.response?.status ?? e.status, reason: e.response?.data?.error?.errors?.[0]?.reason, error };
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  fake = await startFakeGoogleCalendar({ serviceAccount: { email: EMAIL, publicKey }, oauthClient: OAUTH, calendarIds: [CAL, "other"] });
  api = client();
});
afterAll(() => fake.close());

describe("auth", () => {
  it("issues a token to a service account whose JWT is signed with its key and aimed at the fake", async () => {
    const res = await api.events.list({ calendarId: CAL });
    expect(res.status).toBe(200);
    expect(fake.calls.some((c) => c.path === "/token" && c.status === 200)).toBe(true);
  });

  it("refuses a JWT signed with another key", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const { status, error } = await failure(client(serviceAccountAuth(other)).events.list({ calendarId: CAL }));
    expect(status).toBe(400);
    expect(String(error)).toMatch(/invalid_grant/);
  });

  it("refuses a JWT whose aud is Google's (the library default) rather than the fake's", async () => {
    const jwt = new JWT({ email: EMAIL, key: PRIVATE_PEM, scopes: [SCOPE] });
    jwt.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(fake.tokenUrl);
        return options;
      },
    });
    const { status, error } = await failure(client(jwt).events.list({ calendarId: CAL }));
    expect(status).toBe(400);
    expect(String(error)).toMatch(/aud/);
  });

  it("issues a token for a refresh token through OAuth2Client endpoints.oauth2TokenUrl", async () => {
    const oauth = new OAuth2Client({ clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret, endpoints: { oauth2TokenUrl: fake.tokenUrl } });
    oauth.setCredentials({ refresh_token: OAUTH.refreshToken });
    expect((await client(oauth).events.list({ calendarId: CAL })).status).toBe(200);

    const wrong = new OAuth2Client({ clientId: OAUTH.clientId, clientSecret: "nope", endpoints: { oauth2TokenUrl: fake.tokenUrl } });
    wrong.setCredentials({ refresh_token: OAUTH.refreshToken });
    expect((await failure(client(wrong).events.list({ calendarId: CAL }))).status).toBe(401);
  });

  it("answers 401 authError without a token and after revokeTokens, until the client is rebuilt", async () => {
    const res = await fetch(`${fake.url}calendar/v3/calendars/${encodeURIComponent(CAL)}/events`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { errors: { reason: string }[] } }).error.errors[0]!.reason).toBe("authError");

    const jwtApi = client();
    await jwtApi.events.list({ calendarId: CAL });
    fake.revokeTokens();
    // The JWT client trusts its cached token's expiry, so it keeps sending the dropped token.
    expect(await failure(jwtApi.events.list({ calendarId: CAL }))).toMatchObject({ status: 401, reason: "authError" });
    expect(await failure(jwtApi.events.list({ calendarId: CAL }))).toMatchObject({ status: 401, reason: "authError" });
    expect((await client().events.list({ calendarId: CAL })).status).toBe(200);
    api = client();

    // OAuth2Client behaves alike: once it holds an expiry date, a 401 does not make it refresh.
    const oauth = new OAuth2Client({ clientId: OAUTH.clientId, clientSecret: OAUTH.clientSecret, endpoints: { oauth2TokenUrl: fake.tokenUrl } });
    oauth.setCredentials({ refresh_token: OAUTH.refreshToken });
    await client(oauth).events.list({ calendarId: CAL });
    fake.revokeTokens();
    expect(await failure(client(oauth).events.list({ calendarId: CAL }))).toMatchObject({ status: 401, reason: "authError" });
    api = client();
  });
});

describe("events", () => {
  it("inserts, gets, patches, updates and deletes, keeping a deleted event as cancelled", async () => {
    const id = newId();
    const inserted = (await api.events.insert({ calendarId: CAL, requestBody: event(id) })).data;
    expect(inserted).toMatchObject({ id, status: "confirmed", sequence: 0, kind: "calendar#event", iCalUID: `${id}@google.com` });
    expect(inserted.etag).toMatch(/^".+"$/);

    const got = (await api.events.get({ calendarId: CAL, eventId: id })).data;
    expect(got.summary).toBe("On call: Ada");

    // Patch merges: only the summary changes, extended properties merge key by key.
    const patched = (await api.events.patch({ calendarId: CAL, eventId: id, requestBody: { summary: "On call: Bob", extendedProperties: { private: { extra: "x" } } } })).data;
    expect(patched).toMatchObject({ summary: "On call: Bob", start: inserted.start, sequence: 0 });
    expect(patched.extendedProperties?.private).toEqual({ rota: "1", target: "t1", extra: "x" });
    expect(patched.etag).not.toBe(inserted.etag);

    // Update replaces: fields left out are gone; moving the event bumps sequence.
    const moved = { dateTime: "2026-03-08T11:00:00+01:00" };
    const updated = (await api.events.update({ calendarId: CAL, eventId: id, requestBody: { start: moved, end: inserted.end!, summary: "Moved" } })).data;
    expect(updated).toMatchObject({ summary: "Moved", start: moved, sequence: 1 });
    expect(updated.extendedProperties).toBeUndefined();

    expect((await api.events.delete({ calendarId: CAL, eventId: id })).status).toBe(204);
    expect(fake.calendars.get(CAL)!.get(id)!.status).toBe("cancelled");
    expect((await api.events.get({ calendarId: CAL, eventId: id })).data.status).toBe("cancelled");
    // Deleting again is 410 deleted; an id never seen is 404: both mean "already gone".
    expect(await failure(api.events.delete({ calendarId: CAL, eventId: id }, { retry: false }))).toMatchObject({ status: 410, reason: "deleted" });
    expect(await failure(api.events.delete({ calendarId: CAL, eventId: newId() }, { retry: false }))).toMatchObject({ status: 404, reason: "notFound" });
    expect(await failure(api.events.list({ calendarId: "nobody" }, { retry: false }))).toMatchObject({ status: 404, reason: "notFound" });
  });

  it("answers 409 duplicate for an existing id and for a deleted one; update un-cancels it", async () => {
    const id = newId();
    await api.events.insert({ calendarId: CAL, requestBody: event(id) });
    expect(await failure(api.events.insert({ calendarId: CAL, requestBody: event(id) }))).toMatchObject({ status: 409, reason: "duplicate" });
    await api.events.delete({ calendarId: CAL, eventId: id });
    expect(await failure(api.events.insert({ calendarId: CAL, requestBody: event(id) }))).toMatchObject({ status: 409, reason: "duplicate" });
    const revived = (await api.events.update({ calendarId: CAL, eventId: id, requestBody: event(id) })).data;
    expect(revived.status).toBe("confirmed");
    // The same id in another calendar is free.
    expect((await api.events.insert({ calendarId: "other", requestBody: event(id) })).status).toBe(200);
  });

  it("lists in pages and filters on private extended properties (repeated constraints AND)", async () => {
    const cal = "other";
    const ids = Array.from({ length: 5 }, () => newId());
    for (const [i, id] of ids.entries()) {
      await api.events.insert({ calendarId: cal, requestBody: event(id, { extendedProperties: { private: { rota: "1", target: i < 3 ? "paged" : "else" } } }) });
    }
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const { data } = await api.events.list({ calendarId: cal, privateExtendedProperty: ["rota=1", "target=paged"], maxResults: 2, pageToken });
      seen.push(...data.items!.map((e) => e.id!));
      pageToken = data.nextPageToken ?? undefined;
      pages += 1;
      if (!pageToken) expect(data.nextSyncToken).toBeTruthy();
      else expect(data.nextSyncToken).toBeUndefined();
    } while (pageToken);
    expect(pages).toBe(2);
    expect(seen.sort()).toEqual(ids.slice(0, 3).sort());

    const one = await api.events.list({ calendarId: cal, privateExtendedProperty: ["target=else"], maxResults: 1 });
    // A page token is only valid with the query it came from.
    expect(await failure(api.events.list({ calendarId: cal, pageToken: one.data.nextPageToken! }, { retry: false }))).toMatchObject({ status: 400 });
  });

  it("filters by timeMin/timeMax and orders by startTime only with singleEvents", async () => {
    const cal = CAL;
    const early = newId();
    await api.events.insert({ calendarId: cal, requestBody: event(early, { start: { dateTime: "2030-01-01T08:00:00Z" }, end: { dateTime: "2030-01-01T09:00:00Z" } }) });
    const late = newId();
    await api.events.insert({ calendarId: cal, requestBody: event(late, { start: { date: "2030-01-02" }, end: { date: "2030-01-03" } }) });
    const { data } = await api.events.list({ calendarId: cal, timeMin: "2030-01-01T08:30:00Z", timeMax: "2030-01-05T00:00:00Z", singleEvents: true, orderBy: "startTime" });
    expect(data.items!.map((e) => e.id)).toEqual([early, late]);
    const after = await api.events.list({ calendarId: cal, timeMin: "2030-01-01T09:00:00Z", timeMax: "2030-01-05T00:00:00Z" });
    expect(after.data.items!.map((e) => e.id)).toEqual([late]); // timeMin is exclusive on the end
    expect(await failure(api.events.list({ calendarId: cal, orderBy: "startTime" }, { retry: false }))).toMatchObject({ status: 400 });
    expect(await failure(api.events.list({ calendarId: cal, timeMin: "2030-01-01T08:30:00" }, { retry: false }))).toMatchObject({ status: 400 });
  });

  it("hides deleted events unless showDeleted", async () => {
    const id = newId();
    await api.events.insert({ calendarId: CAL, requestBody: event(id, { extendedProperties: { private: { target: id } } }) });
    await api.events.delete({ calendarId: CAL, eventId: id });
    const filter = { calendarId: CAL, privateExtendedProperty: [`target=${id}`] };
    expect((await api.events.list(filter)).data.items).toEqual([]);
    expect((await api.events.list({ ...filter, showDeleted: true })).data.items!.map((e) => [e.id, e.status])).toEqual([[id, "cancelled"]]);
  });
});

describe("sync tokens", () => {
  it("returns only changes since the token, deletes included as cancelled; 410 once the token is stale", async () => {
    const first = await api.events.list({ calendarId: CAL, maxResults: 2500 });
    const token = first.data.nextSyncToken!;
    expect(token).toBeTruthy();
    expect((await api.events.list({ calendarId: CAL, syncToken: token })).data.items).toEqual([]);

    const [a, b] = [newId(), newId()];
    await api.events.insert({ calendarId: CAL, requestBody: event(a) });
    await api.events.insert({ calendarId: CAL, requestBody: event(b) });
    await api.events.delete({ calendarId: CAL, eventId: b });
    const changes = await api.events.list({ calendarId: CAL, syncToken: token });
    expect(changes.data.items!.map((e) => [e.id, e.status]).sort()).toEqual([[a, "confirmed"], [b, "cancelled"]].sort());
    const next = changes.data.nextSyncToken!;
    expect((await api.events.list({ calendarId: CAL, syncToken: next })).data.items).toEqual([]);

    // A sync token cannot be combined with filters.
    for (const extra of [{ timeMin: "2026-01-01T00:00:00Z" }, { privateExtendedProperty: ["rota=1"] }, { showDeleted: false }]) {
      expect(await failure(api.events.list({ calendarId: CAL, syncToken: next, ...extra }, { retry: false }))).toMatchObject({ status: 400 });
    }
    fake.expireSyncTokens();
    expect(await failure(api.events.list({ calendarId: CAL, syncToken: next }, { retry: false }))).toMatchObject({ status: 410, reason: "fullSyncRequired" });
    // A full resync then gives a token that works.
    const resync = (await api.events.list({ calendarId: CAL, maxResults: 2500 })).data.nextSyncToken!;
    expect((await api.events.list({ calendarId: CAL, syncToken: resync })).data.items).toEqual([]);
  });
});

describe("malformed events are refused with 400", () => {
  const cases: [string, calendar_v3.Schema$Event | Record<string, unknown>, string][] = [
    ["missing end", { ...event(""), id: undefined, end: undefined }, "required"],
    ["missing start", { ...event(""), id: undefined, start: undefined }, "required"],
    ["dateTime without T and seconds", { ...event(""), id: undefined, start: { dateTime: "2026-03-08 10:00" } }, "invalid"],
    ["dateTime without offset or timeZone", { ...event(""), id: undefined, start: { dateTime: "2026-03-08T10:00:00" } }, "required"],
    ["an unknown time zone", { ...event(""), id: undefined, start: { dateTime: "2026-03-08T10:00:00", timeZone: "Mars/Olympus" } }, "invalid"],
    ["end before start", { ...event(""), id: undefined, end: { dateTime: "2026-03-08T09:00:00+01:00" } }, "timeRangeEmpty"],
    ["date mixed with dateTime", { ...event(""), id: undefined, end: { date: "2026-03-09" } }, "invalid"],
    ["both date and dateTime", { ...event(""), id: undefined, end: { date: "2026-03-09", dateTime: "2026-03-08T18:00:00Z" } }, "required"],
    ["id with uppercase", event("RotaAbc123"), "invalid"],
    ["id with w-z", event("rotawxyz1"), "invalid"],
    ["id too short", event("a1b2"), "invalid"],
    ["an unknown top-level field", { ...event(""), id: undefined, summry: "typo" }, "invalid"],
    ["a numeric extended property", { ...event(""), id: undefined, extendedProperties: { private: { n: 1 } } }, "invalid"],
  ];
  for (const [name, body, reason] of cases) {
    it(name, async () => {
      const writes = fake.calls.length;
      const result = await failure(api.events.insert({ calendarId: CAL, requestBody: body as calendar_v3.Schema$Event }));
      expect(result).toMatchObject({ status: 400, reason });
      expect(fake.calls.length).toBe(writes + 1);
    });
  }

  it("accepts a local dateTime with a timeZone, and a valid all-day event", async () => {
    const local = await api.events.insert({ calendarId: CAL, requestBody: event(newId(), { start: { dateTime: "2026-03-08T10:00:00", timeZone: "Europe/Berlin" } }) });
    expect(local.status).toBe(200);
    const allDay = await api.events.insert({ calendarId: CAL, requestBody: event(newId(), { start: { date: "2026-03-08" }, end: { date: "2026-03-09" } }) });
    expect(allDay.status).toBe(200);
  });

  it("refuses a patch that would leave the event invalid, and an update without times", async () => {
    const id = newId();
    await api.events.insert({ calendarId: CAL, requestBody: event(id) });
    expect(await failure(api.events.patch({ calendarId: CAL, eventId: id, requestBody: { end: { dateTime: "2026-03-08T09:00:00+01:00" } } }))).toMatchObject({ status: 400, reason: "timeRangeEmpty" });
    expect(await failure(api.events.update({ calendarId: CAL, eventId: id, requestBody: { summary: "no times" } }, { retry: false }))).toMatchObject({ status: 400, reason: "required" });
    expect(await failure(api.events.patch({ calendarId: CAL, eventId: id, requestBody: { sequence: -1 } }))).toMatchObject({ status: 400 });
  });
});

describe("injected faults", () => {
  const writesTo = (from: number, method: string) => fake.calls.slice(from).filter((c) => c.method === method && c.path.includes("/events")).length;

  it("403 rateLimitExceeded reaches the client unretried, even on GET", async () => {
    fake.inject({ status: 403, reason: "rateLimitExceeded" });
    const from = fake.calls.length;
    expect(await failure(api.events.list({ calendarId: CAL }))).toMatchObject({ status: 403, reason: "rateLimitExceeded" });
    expect(writesTo(from, "GET")).toBe(1);
  });

  it("429 with Retry-After: POST is not retried by gaxios, GET is", async () => {
    fake.inject({ status: 429, retryAfter: 7 });
    const from = fake.calls.length;
    const { status, reason, error } = await failure(api.events.insert({ calendarId: CAL, requestBody: event(newId()) }));
    expect({ status, reason }).toEqual({ status: 429, reason: "rateLimitExceeded" });
    expect((error as { response: { headers: Headers } }).response.headers.get("retry-after")).toBe("7");
    expect(writesTo(from, "POST")).toBe(1);

    fake.inject({ status: 429 });
    const before = fake.calls.length;
    expect((await api.events.list({ calendarId: CAL })).status).toBe(200);
    expect(fake.calls.slice(before).map((c) => c.status)).toEqual([429, 200]);
  });

  it("500 backendError; PATCH is not retried, and match picks the request", async () => {
    const id = newId();
    await api.events.insert({ calendarId: CAL, requestBody: event(id) });
    fake.inject({ status: 500, match: (req) => req.method === "PATCH" });
    expect((await api.events.get({ calendarId: CAL, eventId: id })).status).toBe(200);
    const from = fake.calls.length;
    expect(await failure(api.events.patch({ calendarId: CAL, eventId: id, requestBody: { summary: "x" } }))).toMatchObject({ status: 500, reason: "backendError" });
    expect(writesTo(from, "PATCH")).toBe(1);
    expect(fake.calendars.get(CAL)!.get(id)!.summary).toBe("On call: Ada");

    // DELETE (like GET and PUT) is retried by gaxios on 5xx.
    fake.inject({ status: 500 });
    const before = fake.calls.length;
    expect((await api.events.delete({ calendarId: CAL, eventId: id })).status).toBe(204);
    expect(fake.calls.slice(before).map((c) => c.status)).toEqual([500, 204]);
  });

  it("times out: the client's own timeout fires and nothing is stored", async () => {
    fake.inject({ status: "timeout" });
    const id = newId();
    const { status, error } = await failure(client(serviceAccountAuth(), 300).events.insert({ calendarId: CAL, requestBody: event(id) }));
    expect(status).toBeUndefined();
    expect(String(error)).toMatch(/aborted/i);
    expect(fake.calls.at(-1)!.status).toBe("timeout");
    expect(fake.calendars.get(CAL)!.has(id)).toBe(false);

    const timed = client(serviceAccountAuth(), 300);
    await timed.events.list({ calendarId: CAL }); // fetch the token first
    fake.inject({ status: "timeout" });
    const before = fake.calls.length;
    // Measured: a timed-out GET is not retried either; the error has no response and an AbortError cause.
    const get = await failure(timed.events.list({ calendarId: CAL }));
    expect(get.status).toBeUndefined();
    expect(((get.error as Error).cause as Error | undefined)?.name).toBe("AbortError");
    expect(fake.calls.slice(before).map((c) => c.status)).toEqual(["timeout"]);
  });

  it("a rate fault fires on about that share of requests, reproducibly", async () => {
    const remove = fake.inject({ status: 500, rate: 0.3, match: (req) => req.method === "POST" });
    let failed = 0;
    for (let i = 0; i < 40; i++) {
      const result = await api.events.insert({ calendarId: "other", requestBody: event(newId()) }).then(() => 0, () => 1);
      failed += result;
    }
    expect(failed).toBeGreaterThan(4);
    expect(failed).toBeLessThan(24);
    remove();
    expect((await api.events.insert({ calendarId: "other", requestBody: event(newId()) })).status).toBe(200);
  });
});
