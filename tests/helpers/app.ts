import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import Fastify from "fastify";
import { ChangeFeed } from "../../src/db/changes.ts";
import { rotaApp, serverOptions, type AppOptions } from "../../src/app.ts";
import type { LimitsOptions } from "../../src/http/plugins/limits.ts";
import type { DbHandle } from "../../src/db/client.ts";
import type { PersonRole } from "../../src/db/schema/index.ts";
import { bootstrapAdmin } from "../../src/services/bootstrap.ts";
import { createTestDatabase } from "./db.ts";

export const ADMIN_TOKEN = "rota_test_admin_token_0123456789abcdef";
/** ROTA_SECRET_KEY of every test app unless a test says otherwise (`secretKey`). 32 bytes, base64. */
export const TEST_SECRET_KEY = Buffer.from("rota test secret key, 32 bytes!!").toString("base64");

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: LightMyRequestResponse["headers"];
  raw: LightMyRequestResponse;
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface Client {
  token: string | undefined;
  request<T = any>(method: Method, url: string, options?: { body?: unknown; headers?: Record<string, string>; rawBody?: string }): Promise<ApiResponse<T>>;
  get<T = any>(url: string, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  post<T = any>(url: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  patch<T = any>(url: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  delete<T = any>(url: string, headers?: Record<string, string>): Promise<ApiResponse<T>>;
}

export interface TestApp {
  app: FastifyInstance;
  handle: DbHandle;
  admin: Client & { personId: string };
  anonymous: Client;
  /** A client for an arbitrary token. */
  as(token: string | undefined): Client;
  /** Creates a person through the API (as admin) and a token for them. */
  person(options?: { role?: PersonRole; name?: string; timeZone?: string; email?: string; skills?: string[] }): Promise<Client & { personId: string; email: string }>;
  /** Creates a team through the API (as admin). */
  team(options?: Record<string, unknown>): Promise<{ id: string; name: string }>;
  close(): Promise<void>;
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

function client(app: FastifyInstance, token: string | undefined): Client {
  const request = async (method: Method, url: string, options: { body?: unknown; headers?: Record<string, string>; rawBody?: string } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const raw = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    let body: unknown = raw.body;
    const type = String(raw.headers["content-type"] ?? "");
    if (type.includes("json") && raw.body.length > 0) body = raw.json();
    return { status: raw.statusCode, body, headers: raw.headers, raw } as ApiResponse;
  };
  return {
    token,
    request,
    get: (url, headers) => request("GET", url, { headers }),
    post: (url, body, headers) => request("POST", url, { body, headers }),
    patch: (url, body, headers) => request("PATCH", url, { body, headers }),
    delete: (url, headers) => request("DELETE", url, { headers }),
  };
}

/** The whole API on a fresh database for one test file, with a bootstrapped admin. */
export async function createTestApp(
  options: {
    logLevel?: string;
    logStream?: { write(line: string): void };
    limits?: LimitsOptions;
    clock?: () => Date;
    /** null: a server without ROTA_SECRET_KEY. */ secretKey?: string | null;
    /**
     * ROTA_SLACK_DEADLINE_MS and ROTA_SLACK_RESPONSE_URL_PREFIX (parsed) for this app. No prefix is
     * allowed unless a test gives one: a slow answer under load is then given inline, never POSTed
     * to the internet.
     */
    slack?: { deadlineMs?: number; responseUrlPrefixes?: string[] };
  } = {},
): Promise<TestApp> {
  const handle = await createTestDatabase();
  const boot = await bootstrapAdmin(handle.db, { token: ADMIN_TOKEN, email: "admin@example.test", now: new Date() });
  if (!boot) throw new Error("test database was not empty");
  // ROTA_TEST_LOG=error (or debug) shows the server log while debugging a test.
  const logLevel = options.logLevel ?? process.env.ROTA_TEST_LOG ?? "silent";
  // Rate limits are off unless a test asks for them (`limits`): other files send many writes.
  const secretKey = options.secretKey === null ? undefined : (options.secretKey ?? TEST_SECRET_KEY);
  const config: AppOptions["config"] = {
    logLevel,
    bodyLimitBytes: 64 * 1024,
    publicUrl: undefined,
    secretKey,
    ...options.limits,
    ...(options.slack?.deadlineMs !== undefined ? { slackDeadlineMs: options.slack.deadlineMs } : {}),
    slackResponseUrlPrefixes: options.slack?.responseUrlPrefixes ?? [],
  };
  // The app is a plugin: tests register it as server.ts does, on a Fastify of their own.
  const app = Fastify(serverOptions(config, options.logStream));
  // As in server.ts: the caches of the hot paths listen to NOTIFY rota_changes (and are tested with it).
  const changes = new ChangeFeed();
  await changes.start(handle, { error: () => {} });
  await app.register(rotaApp, { config, db: handle.db, changes, ...(options.clock ? { clock: options.clock } : {}) });
  await app.ready();
  const admin = Object.assign(client(app, ADMIN_TOKEN), { personId: boot.personId });

  return {
    app,
    handle,
    admin,
    anonymous: client(app, undefined),
    as: (token) => client(app, token),
    async person(options = {}) {
      const id = unique();
      const email = options.email ?? `person-${id}@example.test`;
      const created = await admin.post("/v1/people", {
        name: options.name ?? `Person ${id}`,
        email,
        timeZone: options.timeZone ?? "Europe/London",
        role: options.role ?? "member",
        ...(options.skills ? { skills: options.skills } : {}),
      });
      if (created.status !== 201) throw new Error(`creating person failed: ${created.status} ${JSON.stringify(created.body)}`);
      const token = await admin.post("/v1/tokens", { name: "test", personId: created.body.id });
      if (token.status !== 201) throw new Error(`creating token failed: ${token.status} ${JSON.stringify(token.body)}`);
      return Object.assign(client(app, token.body.token), { personId: created.body.id as string, email });
    },
    async team(options = {}) {
      const created = await admin.post("/v1/teams", { name: `Team ${unique()}`, timeZone: "America/Los_Angeles", ...options });
      if (created.status !== 201) throw new Error(`creating team failed: ${created.status} ${JSON.stringify(created.body)}`);
      return created.body;
    },
    async close() {
      await app.close();
      await changes.stop();
      await handle.close();
    },
  };
}
