import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig, parseSecretKey } from "./config.ts";

describe("loadConfig", () => {
  it("defaults to the embedded database in ./data on port 3000", () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir.endsWith("/data")).toBe(true);
    expect(config.bootstrapToken).toBeUndefined();
  });

  it("reads DATABASE_URL, PORT and ROTA_BOOTSTRAP_TOKEN", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://u@h/db",
      PORT: "8080",
      ROTA_BOOTSTRAP_TOKEN: "rota_0123456789abcdefghij",
      ROTA_DATA_DIR: "/var/lib/rota",
    });
    expect(config).toMatchObject({ databaseUrl: "postgres://u@h/db", port: 8080, bootstrapToken: "rota_0123456789abcdefghij", dataDir: "/var/lib/rota" });
  });

  it("limits default to on: 1,200 writes per token and 300 public requests per IP a minute, 15 s statements, no CORS", () => {
    expect(loadConfig({})).toMatchObject({
      rateLimitWritesPerMinute: 1200,
      rateLimitPublicPerMinute: 300,
      corsOrigins: [],
      trustProxy: false,
      requestTimeoutMs: 30_000,
      connectionTimeoutMs: 60_000,
      keepAliveTimeoutMs: 72_000,
      statementTimeoutMs: 15_000,
      idempotencyTtlMs: 24 * 3600_000,
    });
    expect(loadConfig({ ROTA_IDEMPOTENCY_TTL_HOURS: "48" }).idempotencyTtlMs).toBe(48 * 3600_000);
  });

  it("reads the limits, CORS origins and trusted proxies; 0 turns a limit off", () => {
    const config = loadConfig({
      ROTA_RATE_LIMIT_WRITES_PER_MINUTE: "0",
      ROTA_RATE_LIMIT_PUBLIC_PER_MINUTE: "60",
      ROTA_CORS_ORIGINS: "https://rota.example.com, http://localhost:5173",
      ROTA_TRUST_PROXY: "10.0.0.0/8,127.0.0.1",
      ROTA_STATEMENT_TIMEOUT_MS: "0",
    });
    expect(config).toMatchObject({
      rateLimitWritesPerMinute: 0,
      rateLimitPublicPerMinute: 60,
      corsOrigins: ["https://rota.example.com", "http://localhost:5173"],
      trustProxy: "10.0.0.0/8,127.0.0.1",
      statementTimeoutMs: 0,
    });
    expect(loadConfig({ ROTA_TRUST_PROXY: "true" }).trustProxy).toBe(true);
  });

  it.each([
    [{ ROTA_RATE_LIMIT_WRITES_PER_MINUTE: "-1" }, "ROTA_RATE_LIMIT_WRITES_PER_MINUTE"],
    [{ ROTA_RATE_LIMIT_PUBLIC_PER_MINUTE: "lots" }, "ROTA_RATE_LIMIT_PUBLIC_PER_MINUTE"],
    [{ ROTA_CORS_ORIGINS: "https://rota.example.com/app" }, "ROTA_CORS_ORIGINS"],
    [{ ROTA_CORS_ORIGINS: "rota.example.com" }, "ROTA_CORS_ORIGINS"],
    [{ ROTA_TRUST_PROXY: "yes please" }, "ROTA_TRUST_PROXY"],
    [{ ROTA_STATEMENT_TIMEOUT_MS: "1.5" }, "ROTA_STATEMENT_TIMEOUT_MS"],
    [{ ROTA_IDEMPOTENCY_TTL_HOURS: "0" }, "ROTA_IDEMPOTENCY_TTL_HOURS"],
    [{ ROTA_CONNECTION_TIMEOUT_MS: "0" }, "ROTA_CONNECTION_TIMEOUT_MS"],
  ])("rejects the limit %j naming %s", (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it.each([
    [{ PORT: "70000" }, "PORT"],
    [{ PORT: "3.5" }, "PORT"],
    [{ ROTA_BOOTSTRAP_TOKEN: "short" }, "ROTA_BOOTSTRAP_TOKEN"],
    [{ ROTA_BOOTSTRAP_TOKEN: "nope_0123456789abcdefghij" }, "ROTA_BOOTSTRAP_TOKEN"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
  ])("rejects %j naming %s", (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it("Slack: 2.5 s to answer before going through response_url, which must be under https://hooks.slack.com/ unless set", () => {
    expect(loadConfig({})).toMatchObject({ slackDeadlineMs: 2500, slackResponseUrlPrefixes: ["https://hooks.slack.com/"] });
    const config = loadConfig({ ROTA_SLACK_DEADLINE_MS: "0", ROTA_SLACK_RESPONSE_URL_PREFIX: "https://hooks.slack.com/, https://HOOKS.example.com:8443/slack/" });
    expect(config.slackDeadlineMs).toBe(0);
    expect(config.slackResponseUrlPrefixes).toEqual(["https://hooks.slack.com/", "https://hooks.example.com:8443/slack/"]);
    expect(() => loadConfig({ ROTA_SLACK_DEADLINE_MS: "3000" })).toThrow(/ROTA_SLACK_DEADLINE_MS must be an integer between 0 and 2900/);
    // A bare origin is read as its root path: it can never let https://hooks.slack.com.evil.test/ through.
    expect(loadConfig({ ROTA_SLACK_RESPONSE_URL_PREFIX: "https://hooks.slack.com" }).slackResponseUrlPrefixes).toEqual(["https://hooks.slack.com/"]);
    for (const bad of ["https://hooks.slack.com/commands", "ftp://hooks.slack.com/", "hooks.slack.com/", "https://u:p@hooks.slack.com/", "https://hooks.slack.com/?x=1", " , "]) {
      expect(() => loadConfig({ ROTA_SLACK_RESPONSE_URL_PREFIX: bad }), bad).toThrow(ConfigError);
    }
    // …but a path must end in "/", or /commands would also allow /commandsX/.
    expect(() => loadConfig({ ROTA_SLACK_RESPONSE_URL_PREFIX: "https://hooks.slack.com/commands" })).toThrow(/ROTA_SLACK_RESPONSE_URL_PREFIX .* must end with "\/"/);
  });

  it("ROTA_WORKER runs the job worker in-process unless it is off; anything else stops the start", () => {
    expect(loadConfig({}).worker).toBe(true);
    expect(loadConfig({ ROTA_WORKER: "on" }).worker).toBe(true);
    expect(loadConfig({ ROTA_WORKER: "off" }).worker).toBe(false);
    expect(() => loadConfig({ ROTA_WORKER: "no" })).toThrow(ConfigError);
    expect(() => loadConfig({ ROTA_WORKER: "no" })).toThrow(/ROTA_WORKER/);
  });

  it("ROTA_SECRET_KEY is optional, and read as 32 bytes of base64 (openssl rand -base64 32) or 64 hex characters", () => {
    expect(loadConfig({}).secretKey).toBeUndefined();
    const key = randomBytes(32);
    expect(loadConfig({ ROTA_SECRET_KEY: key.toString("base64") }).secretKey).toBe(key.toString("base64"));
    expect(parseSecretKey(key.toString("base64"))).toEqual(key);
    expect(parseSecretKey(key.toString("base64url"))).toEqual(key);
    expect(parseSecretKey(key.toString("hex"))).toEqual(key);
  });

  it.each([
    ["a passphrase", "correct horse battery staple"],
    ["16 bytes of base64", randomBytes(16).toString("base64")],
    ["33 bytes of base64", randomBytes(33).toString("base64")],
    ["62 hex characters", randomBytes(31).toString("hex")],
  ])("rejects ROTA_SECRET_KEY as %s, naming the variable but not echoing the value", (_label, value) => {
    expect(() => loadConfig({ ROTA_SECRET_KEY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ROTA_SECRET_KEY: value })).toThrow("ROTA_SECRET_KEY");
    try {
      loadConfig({ ROTA_SECRET_KEY: value });
    } catch (err) {
      expect((err as Error).message).not.toContain(value);
    }
  });
});
