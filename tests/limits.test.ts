import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { createDb } from "../src/db/client.ts";
import { migrate } from "../src/db/migrate.ts";
import { clientErrorHandler } from "../src/http/plugins/errors.ts";
import { applyServerTimeouts } from "../src/http/plugins/limits.ts";
import { bootstrapAdmin } from "../src/services/bootstrap.ts";
import { ADMIN_TOKEN, createTestApp, type TestApp } from "./helpers/app.ts";
import { createTestDatabase, testDbKind } from "./helpers/db.ts";

/** Sends raw bytes to a listening app and returns what the server wrote before closing. */
async function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString()));
    socket.on("error", (err) => (received ? resolve(received) : reject(err)));
    socket.on("close", () => resolve(received));
    socket.write(bytes);
  });
}

function parseRaw(response: string): { status: number; headers: string; body: any } {
  const [head = "", body = ""] = response.split("\r\n\r\n");
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
}

function expectProblem(res: { status: number; headers: Record<string, unknown>; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(String(res.headers["content-type"])).toContain("application/problem+json");
  expect(res.body).toMatchObject({ status, code, type: `https://rota.dev/problems/${code}` });
}

describe("rate limits (5 writes per token, 2 Slack commands per IP, per minute)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ limits: { rateLimitWritesPerMinute: 5, rateLimitPublicPerMinute: 2 } });
  });
  afterAll(() => t.close());

  it("Ana's sixth write in a minute is a 429 problem with Retry-After; Ben's token and Ana's reads are not limited", async () => {
    // The admin's 4 writes (2 people, 2 tokens) count against the admin's token only.
    const ana = await t.person({ name: "Ana" });
    const ben = await t.person({ name: "Ben" });
    // Refused writes count too: the limit bounds work asked of the server, not work done.
    for (let i = 0; i < 5; i++) expect((await ana.patch(`/v1/people/${ana.personId}`, {})).status).toBe(400);
    const limited = await ana.patch(`/v1/people/${ana.personId}`, { title: "Support" });
    expectProblem(limited, 429, "rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(limited.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(limited.headers["x-ratelimit-limit"]).toBe("5");

    expect((await ana.get("/v1/me")).status).toBe(200);
    expect((await ben.patch(`/v1/people/${ben.personId}`, { title: "Support" })).status).toBe(200);
    // The refused write changed nothing.
    expect((await ana.get("/v1/me")).body.title ?? null).not.toBe("Support");
  });

  it("a third unauthenticated Slack command from one IP is a 429; another IP still gets through to the signature check", async () => {
    const slack = (remoteAddress: string) =>
      t.app.inject({ method: "POST", url: "/v1/slack/commands", remoteAddress, headers: { "content-type": "application/x-www-form-urlencoded" }, payload: "text=next" });
    expect((await slack("203.0.113.7")).statusCode).toBe(401);
    expect((await slack("203.0.113.7")).statusCode).toBe(401);
    const limited = await slack("203.0.113.7");
    expectProblem({ status: limited.statusCode, headers: limited.headers, body: limited.json() }, 429, "rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect((await slack("198.51.100.9")).statusCode).toBe(401);
    // Without ROTA_TRUST_PROXY a client cannot pose as someone else with X-Forwarded-For.
    const forged = await t.app.inject({
      method: "POST",
      url: "/v1/slack/commands",
      remoteAddress: "203.0.113.7",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": "192.0.2.44" },
      payload: "text=next",
    });
    expect(forged.statusCode).toBe(429);
  });

  it("429 is documented on every write and on the Slack command", async () => {
    const spec = t.app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(spec.paths["/v1/people/{id}"]!.patch!.responses["429"]).toBeDefined();
    expect(spec.paths["/v1/slack/commands"]!.post!.responses["429"]).toBeDefined();
    expect(spec.paths["/v1/people/{id}"]!.get!.responses["429"]).toBeUndefined();
  });
});

describe("security headers and CORS off by default", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it("/docs/ carries a CSP that swagger-ui works under: every script is a same-origin file, and those files load", async () => {
    const page = await t.app.inject({ method: "GET", url: "/docs/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    const csp = String(page.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("upgrade-insecure-requests");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.headers["x-frame-options"]).toBe("DENY");
    // script-src 'self' forbids inline scripts: the page must have none.
    const scripts = [...page.body.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(attributes).toMatch(/src="\.\/static\//);
      expect(inline!.trim()).toBe("");
    }
    const assets = [...page.body.matchAll(/(?:src|href)="\.\/(static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(["static/swagger-ui-bundle.js", "static/swagger-initializer.js", "static/swagger-ui.css"]));
    for (const asset of assets) {
      const res = await t.app.inject({ method: "GET", url: `/docs/${asset}` });
      expect(res.statusCode, asset).toBe(200);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
    expect((await t.app.inject({ method: "GET", url: "/docs/json" })).statusCode).toBe(200);
  });

  it("API answers get the harmless headers too", async () => {
    const res = await t.anonymous.get("/healthz");
    expect(res.status).toBe(200);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("another site's browser gets no Access-Control-Allow-Origin, on a request or a preflight", async () => {
    const get = await t.app.inject({ method: "GET", url: "/healthz", headers: { origin: "https://evil.example" } });
    expect(get.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await t.app.inject({
      method: "OPTIONS",
      url: "/v1/people",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    expect(preflight.statusCode).toBeGreaterThanOrEqual(400);
  });
});

describe("CORS with ROTA_CORS_ORIGINS=https://rota.example.com", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ limits: { corsOrigins: ["https://rota.example.com"] } });
  });
  afterAll(() => t.close());

  it("the listed origin may call with a token, If-Match and Idempotency-Key and read ETag; others may not", async () => {
    const preflight = await t.app.inject({
      method: "OPTIONS",
      url: "/v1/people/00000000-0000-4000-8000-000000000000",
      headers: { origin: "https://rota.example.com", "access-control-request-method": "PATCH", "access-control-request-headers": "authorization,content-type,if-match,idempotency-key" },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://rota.example.com");
    expect(String(preflight.headers["access-control-allow-methods"])).toContain("PATCH");
    expect(String(preflight.headers["access-control-allow-headers"])).toContain("if-match");

    const me = await t.app.inject({ method: "GET", url: "/v1/me", headers: { origin: "https://rota.example.com", authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(me.statusCode).toBe(200);
    expect(me.headers["access-control-allow-origin"]).toBe("https://rota.example.com");
    expect(String(me.headers["access-control-expose-headers"])).toContain("etag");

    const other = await t.app.inject({ method: "GET", url: "/v1/me", headers: { origin: "https://evil.example", authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("client errors are problem+json too", () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it("a path segment over 100 characters is a 414 uri_too_long, before authentication", async () => {
    const res = await t.anonymous.get(`/v1/people/${"a".repeat(101)}`);
    expectProblem(res, 414, "uri_too_long");
  });

  it("a path with broken percent-encoding is a 400 invalid_request", async () => {
    const res = await t.anonymous.get("/v1/people/%E0%A4%A");
    expectProblem(res, 400, "invalid_request");
  });

  it("headers over Node's 16 KiB limit are a 431 headers_too_large", async () => {
    const res = parseRaw(await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(res.headers).toContain("content-type: application/problem+json");
    expect(res.body).toMatchObject({ status: 431, code: "headers_too_large" });
  });

  it("a 20 KB URL is refused the same way (Node counts the request line in the header limit)", async () => {
    const res = parseRaw(await rawExchange(port, `GET /v1/people?q=${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(res.status).toBe(431);
    expect(res.body.code).toBe("headers_too_large");
  });

  it("bytes that are not HTTP are a 400 invalid_request", async () => {
    const res = parseRaw(await rawExchange(port, "HELLO THERE\r\n\r\n"));
    expect(res.status).toBe(400);
    expect(res.headers).toContain("content-type: application/problem+json");
    expect(res.body).toMatchObject({ status: 400, code: "invalid_request" });
  });

  it("a request not received within the request timeout is a 408 request_timeout", () => {
    let written = "";
    const socket = { destroyed: false, writable: true, write: (data: string) => (written += data), destroy: () => undefined };
    clientErrorHandler(Object.assign(new Error("timeout"), { code: "ERR_HTTP_REQUEST_TIMEOUT" }), socket);
    const res = parseRaw(written);
    expect(res.status).toBe(408);
    expect(res.body).toMatchObject({ status: 408, code: "request_timeout" });
  });
});

describe("server timeouts", () => {
  it("an idle connection is closed after ROTA_CONNECTION_TIMEOUT_MS", async () => {
    const t = await createTestApp();
    try {
      applyServerTimeouts(t.app.server, { requestTimeoutMs: 5_000, connectionTimeoutMs: 300, keepAliveTimeoutMs: 5_000 });
      expect(t.app.server.requestTimeout).toBe(5_000);
      expect(t.app.server.headersTimeout).toBe(5_000);
      await t.app.listen({ port: 0, host: "127.0.0.1" });
      const port = (t.app.server.address() as AddressInfo).port;
      const started = Date.now();
      const socket: Socket = connect(port, "127.0.0.1");
      socket.on("error", () => {});
      await new Promise((resolve) => socket.on("close", resolve));
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await t.close();
    }
  });
});

describe.runIf(testDbKind() === "postgres")("statement timeout (PostgreSQL)", () => {
  it("a request stuck behind a lock longer than statement_timeout is a 503 timeout, not a 500 or a hang", async () => {
    const database = await createTestDatabase();
    await bootstrapAdmin(database.db, { token: ADMIN_TOKEN, email: "admin@example.test", now: new Date() });
    const slow = await createDb({ kind: "postgres", url: database.url!, statementTimeoutMs: 300 });
    const app = await buildApp({ config: { logLevel: "silent", bodyLimitBytes: 64 * 1024, publicUrl: undefined }, db: slow.db });
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE api_tokens IN ACCESS EXCLUSIVE MODE");
      const started = Date.now();
      const res = await app.inject({ method: "GET", url: "/v1/me", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect({ status: res.statusCode, code: res.json().code }).toEqual({ status: 503, code: "timeout" });
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(Date.now() - started).toBeLessThan(5_000);
      await locker.query("ROLLBACK");
      expect((await app.inject({ method: "GET", url: "/v1/me", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).statusCode).toBe(200);
    } finally {
      await locker.end();
      await app.close();
      await slow.close();
      await database.close();
    }
  });

  it("an instance starting while another migrates waits past statement_timeout instead of failing", async () => {
    const database = await createTestDatabase();
    const slow = await createDb({ kind: "postgres", url: database.url!, statementTimeoutMs: 200 });
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query("SELECT pg_advisory_lock(7202611)"); // the key src/db/migrate.ts serialises on
      const migrating = migrate(slow);
      await new Promise((r) => setTimeout(r, 600));
      await other.query("SELECT pg_advisory_unlock(7202611)");
      await expect(migrating).resolves.toBeUndefined();
      // The pool's other sessions keep the timeout.
      const { rows } = await (slow.driver as pg.Pool).query("SHOW statement_timeout");
      expect(rows[0].statement_timeout).toBe("200ms");
    } finally {
      await other.end();
      await slow.close();
      await database.close();
    }
  });
});
