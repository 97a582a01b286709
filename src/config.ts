import { resolve } from "node:path";

export interface Config {
  port: number;
  host: string;
  /** node-postgres connection string; when absent the embedded PGlite in `dataDir` is used. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** When set and the database has no people yet, this becomes the first admin's token. */
  bootstrapToken: string | undefined;
  bootstrapEmail: string;
  logLevel: string;
  bodyLimitBytes: number;
  /** Public base URL, used in Location headers and docs. */
  publicUrl: string | undefined;
  /** Writes (POST/PUT/PATCH/DELETE on /v1) per API token per minute; 0 turns the limit off. Per instance. */
  rateLimitWritesPerMinute: number;
  /** Requests per client IP per minute on unauthenticated routes that opt in (Slack, feeds); 0 turns it off. Per instance. */
  rateLimitPublicPerMinute: number;
  /** Browser origins allowed to call the API (CORS); empty = no CORS headers at all. */
  corsOrigins: string[];
  /** Fastify `trustProxy`: whose X-Forwarded-For to believe for the client IP (false, true, or proxy addresses/CIDRs). */
  trustProxy: boolean | string;
  /** Time for a client to send a whole request (slow clients); 0 = none. */
  requestTimeoutMs: number;
  /** An idle socket is closed after this long. */
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** PostgreSQL `statement_timeout` for every connection (lock waits included); 0 = none. */
  statementTimeoutMs: number;
  /** How long an Idempotency-Key is remembered; after that the same key starts a new request. */
  idempotencyTtlMs: number;
  /** Run the job queue's worker in this process (ROTA_WORKER, default on); off when `npm run worker` processes do it. */
  worker: boolean;
  /**
   * ROTA_SECRET_KEY as given (32 bytes, base64 or hex; checked by `parseSecretKey`): seals stored
   * secrets (Slack signing secrets). Absent: no secret can be stored.
   */
  secretKey: string | undefined;
  /** Google Calendar API root (ROTA_GOOGLE_API_URL) and OAuth token URL (ROTA_GOOGLE_TOKEN_URL): Google's unless pointed elsewhere. */
  googleApiUrl: string;
  googleTokenUrl: string;
  /** One Google API call's time limit (ROTA_GOOGLE_TIMEOUT_MS). */
  googleTimeoutMs: number;
  /** When every Google sync target is reconciled with its calendar (ROTA_CALENDAR_RECONCILE_CRON, UTC; default nightly). */
  calendarReconcileCron: string;
  /** A Slack command not answered within this (ROTA_SLACK_DEADLINE_MS) is acknowledged and answered through response_url; 0 = always. */
  slackDeadlineMs: number;
  /** The only URL prefixes a Slack response_url may have (ROTA_SLACK_RESPONSE_URL_PREFIX, comma-separated); normalized, each ending in "/". */
  slackResponseUrlPrefixes: string[];
}

/** `idempotencyTtlMs` when ROTA_IDEMPOTENCY_TTL_HOURS is unset: 24 hours. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export class ConfigError extends Error {}

const TOKEN_PATTERN = /^rota_[A-Za-z0-9_-]{20,200}$/;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

const ORIGIN_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

function corsOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin !== "*" && !ORIGIN_PATTERN.test(origin)) {
      throw new ConfigError(`ROTA_CORS_ORIGINS must be a comma-separated list of origins like https://rota.example.com (no path), or *; got "${origin}"`);
    }
  }
  return origins;
}

// Behind a reverse proxy every client shares the proxy's IP unless its X-Forwarded-For is trusted.
function trustProxy(raw: string | undefined): boolean | string {
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  if (!/^[0-9A-Fa-f:.,/ ]+$/.test(raw)) {
    throw new ConfigError(`ROTA_TRUST_PROXY must be true, false, or comma-separated proxy addresses/CIDRs like 10.0.0.0/8; got "${raw}"`);
  }
  return raw;
}

/**
 * The AES-256 key of ROTA_SECRET_KEY: exactly 32 bytes, as base64 (`openssl rand -base64 32`) or
 * 64 hex characters. Anything else (a passphrase, a short key) is refused rather than stretched.
 */
export function parseSecretKey(raw: string): Buffer {
  const trimmed = raw.trim();
  if (/^[0-9A-Fa-f]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed.replaceAll("-", "+").replaceAll("_", "/"), "base64");
    if (key.length === 32) return key;
  }
  throw new ConfigError("ROTA_SECRET_KEY must be 32 random bytes as base64 (openssl rand -base64 32) or as 64 hex characters");
}

function httpUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  return raw;
}

// Five cron fields of digits, *, /, - and commas (pg-boss's cron, UTC).
const CRON = /^([0-9*/,-]+\s+){4}[0-9*/,-]+$/;

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "on") return true;
  if (raw === "off") return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

function cron(raw: string | undefined): string {
  if (raw === undefined || raw === "") return "0 3 * * *";
  if (!CRON.test(raw.trim())) throw new ConfigError(`ROTA_CALENDAR_RECONCILE_CRON must be five cron fields like "0 3 * * *" (UTC), got "${raw}"`);
  return raw.trim();
}

/** `slackDeadlineMs` and `slackResponseUrlPrefixes` when unset: under Slack's 3 s, and Slack's own hooks host. */
export const DEFAULT_SLACK_DEADLINE_MS = 2500;
export const DEFAULT_SLACK_RESPONSE_URL_PREFIX = "https://hooks.slack.com/";

/**
 * ROTA_SLACK_RESPONSE_URL_PREFIX as prefixes: comma-separated http(s) URLs,
 * each normalized and ending in "/" (so "https://hooks.slack.com" cannot let
 * "https://hooks.slack.com.evil.test/" through). Throws a message naming the bad one.
 */
export function parseResponseUrlPrefixes(raw: string): string[] {
  const prefixes = raw.split(",").map((p) => p.trim()).filter(Boolean);
  if (prefixes.length === 0) throw new Error("give at least one URL prefix");
  return prefixes.map((prefix) => {
    let url: URL;
    try {
      url = new URL(prefix);
    } catch {
      throw new Error(`"${prefix}" is not a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`"${prefix}" is not an http(s) URL`);
    if (url.username || url.password || url.search || url.hash) throw new Error(`"${prefix}" must be a plain URL prefix (no credentials, query or fragment)`);
    if (!url.pathname.endsWith("/")) throw new Error(`"${prefix}" must end with "/"`);
    return url.href;
  });
}

function responseUrlPrefixes(raw: string | undefined): string[] {
  try {
    return parseResponseUrlPrefixes(raw === undefined || raw === "" ? DEFAULT_SLACK_RESPONSE_URL_PREFIX : raw);
  } catch (err) {
    throw new ConfigError(`ROTA_SLACK_RESPONSE_URL_PREFIX must be comma-separated URL prefixes like https://hooks.slack.com/: ${(err as Error).message}`);
  }
}

/** Reads and validates the environment once, at start. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const bootstrapToken = env.ROTA_BOOTSTRAP_TOKEN || undefined;
  if (bootstrapToken !== undefined && !TOKEN_PATTERN.test(bootstrapToken)) {
    throw new ConfigError(
      "ROTA_BOOTSTRAP_TOKEN must look like rota_ followed by at least 20 characters of [A-Za-z0-9_-]",
    );
  }
  const secretKey = env.ROTA_SECRET_KEY || undefined;
  if (secretKey !== undefined) parseSecretKey(secretKey);
  const logLevel = env.LOG_LEVEL || "info";
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  return {
    port: integer(env, "PORT", 3000, 0, 65535),
    host: env.HOST || "0.0.0.0",
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.ROTA_DATA_DIR || "./data"),
    bootstrapToken,
    bootstrapEmail: env.ROTA_BOOTSTRAP_EMAIL || "admin@rota.local",
    logLevel,
    bodyLimitBytes: integer(env, "ROTA_BODY_LIMIT_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    publicUrl: env.ROTA_PUBLIC_URL || undefined,
    rateLimitWritesPerMinute: integer(env, "ROTA_RATE_LIMIT_WRITES_PER_MINUTE", 1200, 0, 1_000_000),
    rateLimitPublicPerMinute: integer(env, "ROTA_RATE_LIMIT_PUBLIC_PER_MINUTE", 300, 0, 1_000_000),
    corsOrigins: corsOrigins(env.ROTA_CORS_ORIGINS),
    trustProxy: trustProxy(env.ROTA_TRUST_PROXY),
    requestTimeoutMs: integer(env, "ROTA_REQUEST_TIMEOUT_MS", 30_000, 0, 3_600_000),
    connectionTimeoutMs: integer(env, "ROTA_CONNECTION_TIMEOUT_MS", 60_000, 1_000, 3_600_000),
    keepAliveTimeoutMs: integer(env, "ROTA_KEEP_ALIVE_TIMEOUT_MS", 72_000, 1_000, 3_600_000),
    statementTimeoutMs: integer(env, "ROTA_STATEMENT_TIMEOUT_MS", 15_000, 0, 3_600_000),
    idempotencyTtlMs: integer(env, "ROTA_IDEMPOTENCY_TTL_HOURS", 24, 1, 24 * 365) * 60 * 60 * 1000,
    secretKey,
    worker: onOff(env, "ROTA_WORKER", true),
    googleApiUrl: httpUrl(env, "ROTA_GOOGLE_API_URL", "https://www.googleapis.com/"),
    googleTokenUrl: httpUrl(env, "ROTA_GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token"),
    googleTimeoutMs: integer(env, "ROTA_GOOGLE_TIMEOUT_MS", 30_000, 100, 600_000),
    calendarReconcileCron: cron(env.ROTA_CALENDAR_RECONCILE_CRON),
    // Slack waits 3 s; past 2.9 s the acknowledgement itself could arrive late.
    slackDeadlineMs: integer(env, "ROTA_SLACK_DEADLINE_MS", DEFAULT_SLACK_DEADLINE_MS, 0, 2900),
    slackResponseUrlPrefixes: responseUrlPrefixes(env.ROTA_SLACK_RESPONSE_URL_PREFIX),
  };
}

/** loadConfig for an entry point (server.ts, worker.ts): a bad variable prints one line, without a stack, and exits 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`rota: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
