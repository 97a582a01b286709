import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { JWT, OAuth2Client } from "google-auth-library";

/*
 * Google Calendar through Google's own client (@googleapis/calendar 16 with
 * google-auth-library 10), behind the few calls the sync needs. The API root
 * and the OAuth token URL are configurable (ROTA_GOOGLE_API_URL,
 * ROTA_GOOGLE_TOKEN_URL) so tests and self-hosters can point both elsewhere.
 *
 * Measured with google-auth-library 10.5 (tests/fake-google-calendar.test.ts):
 * - a service-account JWT client ignores the key's token_uri and signs `aud`
 *   as Google's token URL, so `aud` is set and the token request redirected
 *   on the client's transporter;
 * - gaxios retries GET/PUT/DELETE on 429 and 5xx but not POST, PATCH or 403,
 *   and never a timeout: its retries are turned off and `withBackoff` retries
 *   every call alike (safe: event ids are deterministic);
 * - after Google drops its access tokens a JWT client keeps sending its
 *   cached one (401 forever), so a 401 rebuilds the auth client once.
 */

export const GOOGLE_API_URL = "https://www.googleapis.com/";
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
const SCOPE = "https://www.googleapis.com/auth/calendar.events";

export type GoogleCredentials =
  | { kind: "service_account"; clientEmail: string; privateKey: string; delegatedUser?: string | null }
  | { kind: "oauth"; clientId: string; clientSecret: string; refreshToken: string };

export interface GoogleEndpoints {
  apiUrl: string;
  tokenUrl: string;
  /** Per request; a call that takes longer is a transient failure (retried). */
  timeoutMs: number;
}

export type GoogleErrorKind =
  /** 429, 403 rateLimitExceeded/userRateLimitExceeded: back off and retry. */
  | "rate_limited"
  /** 5xx, a timeout, a dropped connection: retry. */
  | "transient"
  /** 401 after a fresh token, invalid_grant, invalid_client: the credentials are wrong or revoked. */
  | "unauthorized"
  /** 403 other than rate limits (no access to the calendar, quotaExceeded for the day). */
  | "forbidden"
  | "not_found"
  /** 410: deleted (an event), or a stale sync token. */
  | "gone"
  /** 409: the id exists (an event deleted before keeps its id). */
  | "conflict"
  /** 400 and anything else: Google refused what was sent. */
  | "invalid";

export class GoogleApiError extends Error {
  constructor(
    readonly kind: GoogleErrorKind,
    readonly status: number | undefined,
    readonly reason: string | undefined,
    message: string,
    /** Retry-After, when Google sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "GoogleApiError";
  }

  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "transient";
  }
}

interface GaxiosLike {
  status?: number;
  code?: string | number;
  message?: string;
  response?: { status?: number; headers?: unknown; data?: unknown };
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** What went wrong, in the sync's terms. Google's reason is at `response.data.error.errors[0].reason`. */
export function classifyGoogleError(error: unknown): GoogleApiError {
  if (error instanceof GoogleApiError) return error;
  const e = (error ?? {}) as GaxiosLike;
  const status = e.response?.status ?? (typeof e.status === "number" ? e.status : undefined);
  const data = e.response?.data as { error?: { message?: string; errors?: { reason?: string; message?: string }[] } | string; error_description?: string } | undefined;
  const apiError = typeof data?.error === "object" ? data.error : undefined;
  const reason = apiError?.errors?.[0]?.reason ?? (typeof data?.error === "string" ? data.error : undefined);
  const said = apiError?.message ?? data?.error_description ?? e.message ?? String(error);
  const message = status ? `Google answered ${status}${reason ? ` ${reason}` : ""}: ${said}` : `Could not reach Google: ${said}`;
  const make = (kind: GoogleErrorKind) => new GoogleApiError(kind, status, reason, message, retryAfterMs(header(e.response?.headers, "retry-after")));
  if (status === undefined) return make("transient"); // timeout, connection refused or reset
  if (status === 429 || (status === 403 && (reason === "rateLimitExceeded" || reason === "userRateLimitExceeded"))) return make("rate_limited");
  if (status >= 500) return make("transient");
  if (status === 401 || reason === "invalid_grant" || reason === "invalid_client" || reason === "unauthorized_client") return make("unauthorized");
  if (status === 403) return make("forbidden");
  if (status === 404) return make("not_found");
  if (status === 410) return make("gone");
  if (status === 409) return make("conflict");
  return make("invalid");
}

export interface BackoffOptions {
  /** Tries of one call in all (first + retries). */
  attempts: number;
  /** The first wait; each retry doubles it, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { attempts: 6, baseDelayMs: 500, maxDelayMs: 32_000 };

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`, retrying rate limits and transient failures with exponential
 * backoff and full jitter (a random wait up to base × 2^n, capped), never
 * shorter than Google's Retry-After. Anything else is thrown at once.
 */
export async function withBackoff<T>(call: () => Promise<T>, options: BackoffOptions = DEFAULT_BACKOFF): Promise<T> {
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (raw) {
      const error = classifyGoogleError(raw);
      if (!error.retryable || attempt >= options.attempts) throw error;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.max(error.retryAfterMs ?? 0, Math.floor(random() * ceiling)));
    }
  }
}

export interface EventList {
  items: calendar_v3.Schema$Event[];
  nextSyncToken: string | undefined;
}

/** The calls the sync makes; each throws a GoogleApiError. */
export interface CalendarApi {
  insert(event: calendar_v3.Schema$Event): Promise<void>;
  update(eventId: string, event: calendar_v3.Schema$Event): Promise<void>;
  /** Resolves false when the event was already gone (404 or 410). */
  remove(eventId: string): Promise<boolean>;
  /**
   * Every page of a listing: Rota's events of one target (`tag`, deleted ones
   * included), or what changed since `syncToken` (410 `gone` when it is stale).
   */
  list(query: { tag: { key: string; value: string } } | { syncToken: string }): Promise<EventList>;
}

function authClient(credentials: GoogleCredentials, endpoints: GoogleEndpoints): JWT | OAuth2Client {
  if (credentials.kind === "oauth") {
    const client = new OAuth2Client({ clientId: credentials.clientId, clientSecret: credentials.clientSecret, endpoints: { oauth2TokenUrl: endpoints.tokenUrl } });
    client.setCredentials({ refresh_token: credentials.refreshToken });
    return client;
  }
  const jwt = new JWT({
    email: credentials.clientEmail,
    key: credentials.privateKey,
    scopes: [SCOPE],
    ...(credentials.delegatedUser ? { subject: credentials.delegatedUser } : {}),
    additionalClaims: { aud: endpoints.tokenUrl },
  });
  if (endpoints.tokenUrl !== GOOGLE_TOKEN_URL) {
    jwt.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(endpoints.tokenUrl);
        return options;
      },
    });
  }
  return jwt;
}

/** A CalendarApi for one calendar with one set of credentials. */
export function createCalendarApi(credentials: GoogleCredentials, calendarId: string, endpoints: GoogleEndpoints): CalendarApi {
  const build = () => calendar({ version: "v3", auth: authClient(credentials, endpoints), rootUrl: endpoints.apiUrl, timeout: endpoints.timeoutMs, retry: false });
  let api = build();

  // A 401 with a cached token: rebuild the auth client (a fresh token) and try once more.
  async function call<T>(request: (api: calendar_v3.Calendar) => Promise<T>): Promise<T> {
    try {
      return await request(api);
    } catch (raw) {
      const error = classifyGoogleError(raw);
      if (error.status !== 401) throw error;
      api = build();
      try {
        return await request(api);
      } catch (again) {
        throw classifyGoogleError(again);
      }
    }
  }

  return {
    async insert(event) {
      await call((a) => a.events.insert({ calendarId, requestBody: event }));
    },
    async update(eventId, event) {
      await call((a) => a.events.update({ calendarId, eventId, requestBody: event }));
    },
    async remove(eventId) {
      try {
        await call((a) => a.events.delete({ calendarId, eventId }));
        return true;
      } catch (error) {
        if (error instanceof GoogleApiError && (error.kind === "not_found" || error.kind === "gone")) return false;
        throw error;
      }
    },
    async list(query) {
      const items: calendar_v3.Schema$Event[] = [];
      let pageToken: string | undefined;
      for (;;) {
        const params: calendar_v3.Params$Resource$Events$List =
          "syncToken" in query
            ? { calendarId, syncToken: query.syncToken, maxResults: 2500 }
            : { calendarId, privateExtendedProperty: [`${query.tag.key}=${query.tag.value}`], showDeleted: true, maxResults: 2500 };
        if (pageToken) params.pageToken = pageToken;
        const res = await call((a) => a.events.list(params));
        items.push(...(res.data.items ?? []));
        if (res.data.nextPageToken) {
          pageToken = res.data.nextPageToken;
          continue;
        }
        return { items, nextSyncToken: res.data.nextSyncToken ?? undefined };
      }
    },
  };
}
