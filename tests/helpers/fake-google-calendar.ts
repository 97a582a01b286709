import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { verify, type KeyObject } from "node:crypto";
import type { AddressInfo } from "node:net";
import { DateTime, IANAZone } from "luxon";

/**
 * A strict fake of the Google Calendar v3 events API and Google's OAuth token
 * endpoint, for driving the real `@googleapis/calendar` client over HTTP.
 *
 * It answers with Google's error body shape
 * `{ error: { code, message, errors: [{ domain, reason, message }] } }` and
 * rejects (400) what Google rejects, plus a little more: unknown top-level
 * event fields are refused here so a typo in our mapping fails a test.
 */

export interface FakeGoogleOptions {
  /** Service account whose RS256-signed JWT assertions the token endpoint accepts. */
  serviceAccount?: { email: string; publicKey: KeyObject | string };
  /** OAuth client whose refresh token the token endpoint accepts. */
  oauthClient?: { clientId: string; clientSecret: string; refreshToken: string };
  /** Known calendar ids; others answer 404. Unset: any calendar id exists (created on first use). */
  calendarIds?: string[];
  /** Time zone of every calendar, used to place all-day events for timeMin/timeMax. Default UTC. */
  timeZone?: string;
  /** Seed for `rate` faults, so a flaky run replays. */
  seed?: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export type FaultKind =
  | { status: 403; reason?: "rateLimitExceeded" | "userRateLimitExceeded" | "quotaExceeded" }
  | { status: 429; retryAfter?: number }
  | { status: 500 }
  | { status: "timeout" };

/** A fault fires `times` times (default 1), or on a `rate` fraction of matching requests (then unlimited unless `times`). */
export type Fault = FaultKind & { times?: number; rate?: number; match?: (req: FakeRequest) => boolean };

export interface CallRecord {
  method: string;
  path: string;
  query: string;
  /** HTTP status sent, or "timeout" when the fake never answered. */
  status: number | "timeout";
}

export interface StoredEvent extends Record<string, unknown> {
  id: string;
  status: "confirmed" | "tentative" | "cancelled";
  sequence: number;
  etag: string;
  updated: string;
}

export interface FakeGoogleCalendar {
  /** API root to pass as `rootUrl`, e.g. http://127.0.0.1:PORT/ */
  url: string;
  tokenUrl: string;
  /** Stored events per calendar id, cancelled ones included. */
  calendars: Map<string, Map<string, StoredEvent>>;
  calls: CallRecord[];
  /** Adds a fault; returns a function that removes it. */
  inject(fault: Fault): () => void;
  /** Forgets every issued access token: later API calls answer 401 until a new token is fetched. */
  revokeTokens(): void;
  /** Makes every sync token issued so far stale: using one answers 410 fullSyncRequired. */
  expireSyncTokens(): void;
  close(): Promise<void>;
}

const CALENDAR_SCOPES = ["https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/calendar.events"];
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

// Fields of the Events resource (Schema$Event in @googleapis/calendar 16). Read-only ones are accepted and
// ignored, as Google does, so a client may send back an event it read.
const EVENT_FIELDS = new Set(
  ("anyoneCanAddSelf attachments attendees attendeesOmitted birthdayProperties colorId conferenceData created creator " +
    "description end endTimeUnspecified etag eventLabelId eventType extendedProperties focusTimeProperties gadget " +
    "guestsCanInviteOthers guestsCanModify guestsCanSeeOtherGuests hangoutLink htmlLink iCalUID id kind location locked " +
    "organizer originalStartTime outOfOfficeProperties privateCopy recurrence recurringEventId reminders sequence source " +
    "start status summary transparency updated visibility workingLocationProperties").split(" "),
);
const READ_ONLY = ["kind", "etag", "htmlLink", "created", "updated", "creator", "organizer", "hangoutLink"];
// Query parameters every Google API accepts, and the ones each events method adds.
const STANDARD_PARAMS = ["alt", "fields", "key", "oauth_token", "prettyPrint", "quotaUser", "userIp", "$.xgafv", "callback", "access_token", "upload_protocol", "uploadType"];
const METHOD_PARAMS: Record<string, string[]> = {
  insert: ["conferenceDataVersion", "maxAttendees", "sendNotifications", "sendUpdates", "supportsAttachments"],
  get: ["alwaysIncludeEmail", "maxAttendees", "timeZone"],
  patch: ["alwaysIncludeEmail", "conferenceDataVersion", "maxAttendees", "sendNotifications", "sendUpdates", "supportsAttachments"],
  update: ["alwaysIncludeEmail", "conferenceDataVersion", "maxAttendees", "sendNotifications", "sendUpdates", "supportsAttachments"],
  delete: ["sendNotifications", "sendUpdates"],
  list: ["alwaysIncludeEmail", "eventTypes", "iCalUID", "maxAttendees", "maxResults", "orderBy", "pageToken", "privateExtendedProperty",
    "q", "sharedExtendedProperty", "showDeleted", "showHiddenInvitations", "singleEvents", "syncToken", "timeMax", "timeMin", "timeZone", "updatedMin"],
};
// Google refuses these together with syncToken (400): the token already fixes the result set.
const NOT_WITH_SYNC_TOKEN = ["iCalUID", "orderBy", "privateExtendedProperty", "q", "sharedExtendedProperty", "timeMin", "timeMax", "updatedMin"];

const RFC3339 = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// Event ids are base32hex (RFC 2938 §3.1.2): lowercase a-v and digits, 5 to 1024 characters.
const EVENT_ID = /^[a-v0-9]{5,1024}$/;

/** An error answered in Google's JSON shape. */
class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly domain = "global",
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
const invalid = (message: string, reason = "invalid") => new ApiError(400, reason, message);

export async function startFakeGoogleCalendar(options: FakeGoogleOptions = {}): Promise<FakeGoogleCalendar> {
  const calendars = new Map<string, Map<string, StoredEvent>>();
  for (const id of options.calendarIds ?? []) calendars.set(id, new Map());
  const calendarZone = options.timeZone ?? "UTC";
  const calls: CallRecord[] = [];
  const faults: (Fault & { fired: number })[] = [];
  const accessTokens = new Map<string, string>(); // token → scope
  const held = new Set<ServerResponse>();
  let random = mulberry32(options.seed ?? 1);
  let clock = 0; // change counter behind etags and sync tokens
  let syncEpoch = 0; // sync tokens from an earlier epoch are stale
  const changedAt = new Map<StoredEvent, number>();
  let tokenUrl = "";

  function calendarOf(id: string): Map<string, StoredEvent> {
    let calendar = calendars.get(id);
    if (!calendar && options.calendarIds) throw new ApiError(404, "notFound", "Not Found");
    if (!calendar) calendars.set(id, (calendar = new Map()));
    return calendar;
  }

  function takeFault(req: FakeRequest): Fault | undefined {
    for (const fault of faults) {
      if (fault.times !== undefined && fault.fired >= fault.times) continue;
      if (fault.match && !fault.match(req)) continue;
      if (fault.rate !== undefined && random() >= fault.rate) continue;
      fault.fired += 1;
      return fault;
    }
    return undefined;
  }

  // --- token endpoint -------------------------------------------------------------------------------------

  function issueToken(form: URLSearchParams): { status: number; body: unknown } {
    const fail = (status: number, error: string, description: string) => ({ status, body: { error, error_description: description } });
    const grant = form.get("grant_type");
    let scope = CALENDAR_SCOPES[0]!;
    if (grant === JWT_BEARER) {
      const account = options.serviceAccount;
      if (!account) return fail(400, "invalid_grant", "no service account configured");
      const claims = verifyJwt(form.get("assertion") ?? "", account.publicKey);
      if (!claims) return fail(400, "invalid_grant", "Invalid JWT Signature.");
      const now = Date.now() / 1000;
      if (claims.iss !== account.email) return fail(400, "invalid_grant", "Invalid JWT: iss is not the service account");
      // google-auth-library signs aud as Google's own token URL unless additionalClaims overrides it.
      if (claims.aud !== tokenUrl) return fail(400, "invalid_grant", `Invalid JWT: aud must be ${tokenUrl}`);
      if (typeof claims.exp !== "number" || typeof claims.iat !== "number" || claims.exp < now || claims.iat > now + 300 || claims.exp - claims.iat > 3600)
        return fail(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
      if (typeof claims.scope !== "string" || !claims.scope) return fail(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
      scope = claims.scope;
    } else if (grant === "refresh_token") {
      const client = options.oauthClient;
      if (!client || form.get("client_id") !== client.clientId || form.get("client_secret") !== client.clientSecret)
        return fail(401, "invalid_client", "The OAuth client was not found.");
      if (form.get("refresh_token") !== client.refreshToken) return fail(400, "invalid_grant", "Token has been expired or revoked.");
    } else {
      return fail(400, "unsupported_grant_type", `Invalid grant_type: ${grant}`);
    }
    const token = `ya29.fake-${Math.random().toString(36).slice(2)}`;
    accessTokens.set(token, scope);
    return { status: 200, body: { access_token: token, expires_in: 3599, scope, token_type: "Bearer" } };
  }

  function authorize(req: IncomingMessage, write: boolean) {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    const scope = token ? accessTokens.get(token) : undefined;
    if (scope === undefined) {
      throw new ApiError(401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token.");
    }
    const scopes = scope.split(" ");
    const allowed = write ? CALENDAR_SCOPES : [...CALENDAR_SCOPES, ...CALENDAR_SCOPES.map((s) => `${s}.readonly`)];
    if (!scopes.some((s) => allowed.includes(s))) throw new ApiError(403, "insufficientPermissions", "Request had insufficient authentication scopes.");
  }

  // --- events --------------------------------------------------------------------------------------------

  function store(calendar: Map<string, StoredEvent>, event: Record<string, unknown>, previous?: StoredEvent): StoredEvent {
    clock += 1;
    const now = new Date().toISOString();
    for (const field of READ_ONLY) delete event[field];
    const id = (event.id as string | undefined) ?? previous?.id ?? randomId();
    const stored: StoredEvent = {
      kind: "calendar#event",
      ...event,
      id,
      etag: `"${Date.now()}${String(clock).padStart(3, "0")}"`,
      status: (event.status as StoredEvent["status"] | undefined) ?? "confirmed",
      htmlLink: `https://www.google.com/calendar/event?eid=${id}`,
      created: previous?.created ?? now,
      updated: now,
      iCalUID: (event.iCalUID as string | undefined) ?? previous?.iCalUID ?? `${id}@google.com`,
      sequence: nextSequence(event, previous),
      reminders: event.reminders ?? { useDefault: true },
    };
    calendar.set(id, stored);
    changedAt.set(stored, clock);
    return stored;
  }

  // Google keeps sequence monotonic: a lower sequence than stored is refused; a new time bumps it.
  function nextSequence(event: Record<string, unknown>, previous?: StoredEvent): number {
    if (!previous) return (event.sequence as number | undefined) ?? 0;
    if (event.sequence !== undefined) {
      if ((event.sequence as number) < previous.sequence)
        throw invalid("Invalid sequence value. The specified sequence number is below the current sequence number of the resource.");
      return event.sequence as number;
    }
    const moved = JSON.stringify([previous.start, previous.end]) !== JSON.stringify([event.start, event.end]);
    return previous.sequence + (moved ? 1 : 0);
  }

  function getEvent(calendar: Map<string, StoredEvent>, eventId: string): StoredEvent {
    const event = calendar.get(eventId);
    if (!event) throw new ApiError(404, "notFound", "Not Found");
    return event;
  }

  function list(calendarId: string, calendar: Map<string, StoredEvent>, query: URLSearchParams) {
    const syncToken = query.get("syncToken");
    const all = query.getAll("privateExtendedProperty").map(parseProperty);
    const shared = query.getAll("sharedExtendedProperty").map(parseProperty);
    const maxResults = query.has("maxResults") ? Number(query.get("maxResults")) : 250;
    if (!Number.isInteger(maxResults) || maxResults < 1) throw invalid("Invalid value for maxResults");
    const timeMin = query.has("timeMin") ? parseBound(query.get("timeMin")!, "timeMin") : undefined;
    const timeMax = query.has("timeMax") ? parseBound(query.get("timeMax")!, "timeMax") : undefined;
    if (timeMin !== undefined && timeMax !== undefined && timeMax <= timeMin) throw invalid("The specified time range is empty.", "timeRangeEmpty");
    const orderBy = query.get("orderBy");
    if (orderBy && orderBy !== "startTime" && orderBy !== "updated") throw invalid(`Invalid value for orderBy: ${orderBy}`);
    // Ordering by start time is only defined once recurring events are expanded.
    if (orderBy === "startTime" && query.get("singleEvents") !== "true")
      throw invalid("The requested ordering is not available for the particular query.");

    let since = -1;
    if (syncToken) {
      const bad = NOT_WITH_SYNC_TOKEN.filter((name) => query.has(name));
      if (bad.length) throw invalid(`Sync token cannot be combined with ${bad.join(", ")}.`);
      // With a sync token deleted events are always returned; showDeleted=false is refused.
      if (query.get("showDeleted") === "false") throw invalid("showDeleted cannot be false with a sync token.");
      const decoded = decodeToken(syncToken);
      if (!decoded || decoded.calendarId !== calendarId || typeof decoded.clock !== "number") throw invalid("Invalid sync token value.");
      if (decoded.epoch !== syncEpoch) throw new ApiError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.");
      since = decoded.clock;
    }
    const showDeleted = syncToken !== null || query.get("showDeleted") === "true";

    let items = [...calendar.values()].filter((event) => {
      if (since >= 0 && changedAt.get(event)! <= since) return false;
      if (event.status === "cancelled" && !showDeleted) return false;
      if (!matchesProperties(event, "private", all) || !matchesProperties(event, "shared", shared)) return false;
      const [start, end] = [instant(event.start, calendarZone), instant(event.end, calendarZone)];
      if (timeMin !== undefined && end <= timeMin) return false; // exclusive lower bound on the end
      if (timeMax !== undefined && start >= timeMax) return false; // exclusive upper bound on the start
      return true;
    });
    if (orderBy === "startTime") items.sort((a, b) => instant(a.start, calendarZone) - instant(b.start, calendarZone));
    else if (orderBy === "updated") items.sort((a, b) => changedAt.get(a)! - changedAt.get(b)!);

    // Page tokens are bound to the query they came from: Google wants the same parameters on every page.
    const shape = [...query].filter(([k]) => k !== "pageToken").sort().map((p) => p.join("=")).join("&");
    let offset = 0;
    const pageToken = query.get("pageToken");
    if (pageToken) {
      const decoded = decodeToken(pageToken);
      if (!decoded || decoded.shape !== shape || typeof decoded.offset !== "number") throw invalid("Invalid page token value.");
      offset = decoded.offset;
    }
    const page = items.slice(offset, offset + Math.min(maxResults, 2500));
    const more = offset + page.length < items.length;
    return {
      kind: "calendar#events",
      etag: `"${clock}"`,
      summary: calendarId,
      updated: new Date().toISOString(),
      timeZone: calendarZone,
      accessRole: "owner",
      defaultReminders: [],
      items: page,
      // nextSyncToken comes only on the last page; nextPageToken on every other.
      ...(more ? { nextPageToken: encodeToken({ shape, offset: offset + page.length }) } : { nextSyncToken: encodeToken({ calendarId, clock, epoch: syncEpoch }) }),
    };
  }

  function handleEvents(req: IncomingMessage, calendarId: string, eventId: string | undefined, query: URLSearchParams, body: unknown) {
    const method = req.method ?? "GET";
    const name = eventId === undefined ? { GET: "list", POST: "insert" }[method] : { GET: "get", PATCH: "patch", PUT: "update", DELETE: "delete" }[method];
    if (!name) throw new ApiError(405, "httpMethodNotAllowed", `Method ${method} not allowed`);
    authorize(req, name !== "list" && name !== "get");
    for (const key of query.keys()) {
      if (!STANDARD_PARAMS.includes(key) && !METHOD_PARAMS[name]!.includes(key)) throw invalid(`Unknown query parameter: ${key}`);
    }
    const calendar = calendarOf(calendarId);
    switch (name) {
      case "list":
        return { status: 200, body: list(calendarId, calendar, query) };
      case "get":
        // A deleted event is still readable, with status "cancelled".
        return { status: 200, body: getEvent(calendar, eventId!) };
      case "insert": {
        const event = validateEvent(body, { requireTimes: true });
        // Ids stay taken after a delete: re-inserting a deleted id is 409 too; update it to un-cancel instead.
        if (event.id !== undefined && calendar.has(event.id as string)) throw new ApiError(409, "duplicate", "The requested identifier already exists.");
        return { status: 200, body: store(calendar, event) };
      }
      case "update": {
        const previous = getEvent(calendar, eventId!);
        const event = validateEvent(body, { requireTimes: true });
        if (event.id !== undefined && event.id !== eventId) throw invalid("The event id in the body does not match the path.");
        // Update replaces the whole resource, so an omitted status means confirmed: this is how a deleted id comes back.
        return { status: 200, body: store(calendar, { ...event, id: eventId }, previous) };
      }
      case "patch": {
        const previous = getEvent(calendar, eventId!);
        const changes = validateEvent(body, { requireTimes: false });
        if (changes.id !== undefined && changes.id !== eventId) throw invalid("The event id in the body does not match the path.");
        const merged = mergePatch(previous, changes);
        validateEvent({ ...merged, sequence: undefined }, { requireTimes: true }); // the result must still be a valid event
        return { status: 200, body: store(calendar, { ...merged, sequence: changes.sequence }, previous) };
      }
      case "delete": {
        const previous = getEvent(calendar, eventId!);
        if (previous.status === "cancelled") throw new ApiError(410, "deleted", "Resource has been deleted");
        store(calendar, { ...previous, status: "cancelled", sequence: undefined }, previous);
        return { status: 204, body: undefined };
      }
    }
    throw new ApiError(404, "notFound", "Not Found");
  }

  // --- HTTP ----------------------------------------------------------------------------------------------

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const raw = await readBody(req);
      const record: CallRecord = { method: req.method ?? "GET", path: url.pathname, query: url.search, status: 0 };
      calls.push(record);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        res.writeHead(status, body === undefined ? headers : { "content-type": "application/json; charset=UTF-8", ...headers });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      if (url.pathname === "/token" && req.method === "POST") {
        const { status, body } = issueToken(new URLSearchParams(raw));
        return send(status, body);
      }
      try {
        const match = /^\/calendar\/v3\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(url.pathname);
        if (!match) throw new ApiError(404, "notFound", "Not Found");
        let body: unknown;
        if (raw) {
          if (!/^application\/json/.test(req.headers["content-type"] ?? "")) throw invalid("Request body must be JSON.", "parseError");
          try {
            body = JSON.parse(raw);
          } catch {
            throw invalid("Parse Error", "parseError");
          }
        }
        const [calendarId, eventId] = [decodeURIComponent(match[1]!), match[2] === undefined ? undefined : decodeURIComponent(match[2])];
        const fault = takeFault({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams, body });
        if (fault?.status === "timeout") {
          record.status = "timeout";
          held.add(res); // never answered; the client's own timeout has to fire
          return;
        }
        if (fault) throw faultError(fault);
        const { status, body: out } = handleEvents(req, calendarId, eventId, url.searchParams, body);
        send(status, out);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        send(error.code, { error: { code: error.code, message: error.message, errors: [{ domain: error.domain, reason: error.reason, message: error.message }] } }, error.headers);
      }
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  tokenUrl = `http://127.0.0.1:${port}/token`;

  return {
    url: `http://127.0.0.1:${port}/`,
    tokenUrl,
    calendars,
    calls,
    inject(fault) {
      const entry = { ...fault, times: fault.times ?? (fault.rate === undefined ? 1 : undefined), fired: 0 };
      faults.push(entry);
      return () => void faults.splice(faults.indexOf(entry) >>> 0, 1);
    },
    revokeTokens() {
      accessTokens.clear();
    },
    expireSyncTokens() {
      syncEpoch += 1;
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      random = () => 1;
    },
  };
}

function faultError(fault: Fault): ApiError {
  switch (fault.status) {
    case 403: {
      const reason = fault.reason ?? "rateLimitExceeded";
      return new ApiError(403, reason, reason === "quotaExceeded" ? "Calendar usage limits exceeded." : "Rate Limit Exceeded", "usageLimits");
    }
    case 429:
      return new ApiError(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits", { "retry-after": String(fault.retryAfter ?? 1) });
    default:
      return new ApiError(500, "backendError", "Backend Error");
  }
}

// --- validation ----------------------------------------------------------------------------------------------

/** Checks an Events resource body; returns it as a plain object. Throws Google's 400s. */
function validateEvent(body: unknown, { requireTimes }: { requireTimes: boolean }): Record<string, unknown> {
  if (!isObject(body)) throw invalid("Request body must be a JSON object.", "parseError");
  const event = { ...body };
  for (const key of Object.keys(event)) {
    // Stricter than Google, which may ignore an unknown field: here it is a bug in our mapping.
    if (!EVENT_FIELDS.has(key)) throw invalid(`Unknown field in event: ${key}`);
    if (event[key] === undefined) delete event[key];
  }
  if (event.id !== undefined && (typeof event.id !== "string" || !EVENT_ID.test(event.id))) throw invalid("Invalid resource id value.");
  for (const key of ["summary", "description", "location", "colorId", "iCalUID"]) {
    if (event[key] !== undefined && event[key] !== null && typeof event[key] !== "string") throw invalid(`Invalid value for ${key}`);
  }
  oneOf(event, "status", ["confirmed", "tentative", "cancelled"]);
  oneOf(event, "transparency", ["opaque", "transparent"]);
  oneOf(event, "visibility", ["default", "public", "private", "confidential"]);
  if (event.sequence !== undefined && (!Number.isInteger(event.sequence) || (event.sequence as number) < 0)) throw invalid("Invalid sequence value.");
  if (event.extendedProperties !== undefined) validateProperties(event.extendedProperties);
  if (requireTimes && event.start === undefined) throw invalid("Missing start time.", "required");
  if (requireTimes && event.end === undefined) throw invalid("Missing end time.", "required");
  const start = event.start === undefined ? undefined : parseEventTime(event.start, "start");
  const end = event.end === undefined ? undefined : parseEventTime(event.end, "end");
  if (start && end) {
    if (start.allDay !== end.allDay) throw invalid("Start and end times must either both be date or both be dateTime.");
    if (end.at <= start.at) throw invalid("The specified time range is empty.", "timeRangeEmpty");
  }
  return event;
}

/** start/end: exactly one of `date` (YYYY-MM-DD, all day) or `dateTime` (RFC 3339; offset required unless timeZone is given). */
function parseEventTime(value: unknown, which: string): { at: number; allDay: boolean } {
  if (!isObject(value)) throw invalid(`Invalid ${which} time.`);
  for (const key of Object.keys(value)) if (!["date", "dateTime", "timeZone"].includes(key)) throw invalid(`Unknown field in ${which}: ${key}`);
  const { date, dateTime, timeZone } = value as { date?: unknown; dateTime?: unknown; timeZone?: unknown };
  if (timeZone !== undefined && (typeof timeZone !== "string" || !IANAZone.isValidZone(timeZone))) throw invalid("Invalid time zone definition for " + which + " time.");
  if ((date === undefined || date === null) === (dateTime === undefined || dateTime === null)) throw invalid(`Exactly one of ${which}.date and ${which}.dateTime is required.`, "required");
  if (date !== undefined && date !== null) {
    if (typeof date !== "string" || !DATE.test(date) || !DateTime.fromISO(date, { zone: "UTC" }).isValid) throw invalid(`Invalid ${which}.date value: ${String(date)}`);
    return { at: DateTime.fromISO(date, { zone: "UTC" }).toMillis(), allDay: true };
  }
  const match = typeof dateTime === "string" ? RFC3339.exec(dateTime) : null;
  const parsed = match ? DateTime.fromISO(dateTime as string, { zone: (timeZone as string | undefined) ?? "UTC", setZone: true }) : undefined;
  if (!match || !parsed?.isValid) throw invalid(`Invalid ${which}.dateTime value: ${String(dateTime)}`);
  // A local time needs a zone to be an instant: Google answers "Missing time zone definition".
  if (!match[6] && timeZone === undefined) throw invalid(`Missing time zone definition for ${which} time.`, "required");
  return { at: parsed.toMillis(), allDay: false };
}

function validateProperties(value: unknown) {
  if (!isObject(value)) throw invalid("Invalid extendedProperties.");
  for (const [scope, properties] of Object.entries(value)) {
    if (scope !== "private" && scope !== "shared") throw invalid(`Unknown field in extendedProperties: ${scope}`);
    if (!isObject(properties)) throw invalid(`Invalid extendedProperties.${scope}.`);
    for (const [key, v] of Object.entries(properties)) {
      // Values are strings only (numbers are not coerced); Google caps keys at 44 and values at 1024 characters.
      if (typeof v !== "string") throw invalid(`extendedProperties.${scope}.${key} must be a string.`);
      if (key.length > 44 || v.length > 1024) throw invalid(`extendedProperties.${scope}.${key} is too long.`);
    }
  }
}

function oneOf(event: Record<string, unknown>, key: string, values: string[]) {
  if (event[key] !== undefined && !values.includes(event[key] as string)) throw invalid(`Invalid value for ${key}: ${String(event[key])}`);
}

/** Patch: given fields replace stored ones, nested objects merge, arrays replace, null clears. start/end replace whole. */
function mergePatch(target: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete out[key];
    else if (isObject(value) && isObject(out[key]) && key !== "start" && key !== "end") out[key] = mergePatch(out[key] as Record<string, unknown>, value);
    else out[key] = value;
  }
  return out;
}

function parseProperty(constraint: string): [string, string] {
  const at = constraint.indexOf("=");
  if (at <= 0) throw invalid(`Invalid extended property constraint: ${constraint}`);
  return [constraint.slice(0, at), constraint.slice(at + 1)];
}

function matchesProperties(event: StoredEvent, scope: "private" | "shared", constraints: [string, string][]): boolean {
  const properties = ((event.extendedProperties as Record<string, Record<string, string>> | undefined)?.[scope] ?? {}) as Record<string, string>;
  return constraints.every(([key, value]) => properties[key] === value); // repeated constraints AND together
}

/** timeMin/timeMax must be RFC 3339 with an offset. */
function parseBound(value: string, name: string): number {
  const match = RFC3339.exec(value);
  if (!match?.[6]) throw invalid(`Invalid value for ${name}: ${value}`);
  return DateTime.fromISO(value, { setZone: true }).toMillis();
}

function instant(time: unknown, zone: string): number {
  const { date, dateTime } = time as { date?: string; dateTime?: string; timeZone?: string };
  if (date) return DateTime.fromISO(date, { zone }).toMillis(); // all-day events start at midnight in the calendar's zone
  return DateTime.fromISO(dateTime!, { zone: (time as { timeZone?: string }).timeZone ?? "UTC" }).toMillis();
}

// --- small utilities -----------------------------------------------------------------------------------------

function verifyJwt(assertion: string, publicKey: KeyObject | string): Record<string, unknown> | undefined {
  const [header, payload, signature] = assertion.split(".");
  if (!header || !payload || !signature) return undefined;
  try {
    if (JSON.parse(Buffer.from(header, "base64url").toString()).alg !== "RS256") return undefined;
    if (!verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"))) return undefined;
    return JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function encodeToken(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function decodeToken(token: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString());
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function randomId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  return Array.from({ length: 26 }, () => alphabet[Math.floor(Math.random() * 32)]).join("");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Small seeded PRNG for reproducible `rate` faults. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
