import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testDbKind } from "./helpers/db.ts";
import { startServerProcess, stopServerProcess } from "./helpers/server-process.ts";

/** The server as `npm run dev` runs it: src/server.ts under tsx (tests/build.test.ts covers the compiled start). */
const start = (env: Record<string, string>) => startServerProcess(["--import", "tsx", "src/server.ts"], env);
const stop = stopServerProcess;

let env: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  if (testDbKind() === "postgres") {
    const db = await createTestDatabase();
    env = { DATABASE_URL: db.url! };
    cleanup = db.close;
  } else {
    const dir = await mkdtemp(join(tmpdir(), "rota-server-"));
    env = { ROTA_DATA_DIR: join(dir, "data") };
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
});
afterAll(() => cleanup());

describe("npm start", () => {
  it("on an empty database creates an admin, prints the token once, answers /v1/me, and stops cleanly on SIGTERM", async () => {
    const first = await start(env);
    const tokenLines = first.logs.filter((l) => l.includes("shown only now"));
    expect(tokenLines).toHaveLength(1);
    const token = /(rota_[A-Za-z0-9_-]{43})/.exec(tokenLines[0]!)![1]!;

    const me = await fetch(`http://127.0.0.1:${first.port}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: "admin", email: "admin@rota.local" });
    expect(me.headers.get("x-request-id")).toBeTruthy();

    const anonymous = await fetch(`http://127.0.0.1:${first.port}/v1/me`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toContain("application/problem+json");

    expect(await stop(first)).toBe(0);
    // Request logs never carry the token.
    expect(first.logs.filter((l) => l.includes(token))).toHaveLength(1);

    // A restart on the same database creates nobody and prints no token; the old one still works.
    const second = await start({ ...env, ROTA_BOOTSTRAP_TOKEN: "rota_ignored_because_not_empty_00000" });
    expect(second.logs.some((l) => l.includes("shown only now") || l.includes("Created the first admin"))).toBe(false);
    const again = await fetch(`http://127.0.0.1:${second.port}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect(await stop(second)).toBe(0);
  }, 90_000); // two cold starts of a real server on PGlite: about 15 s on a quiet machine, more on a busy one

  it("refuses to start with a bad configuration, saying which variable", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
      env: { ...process.env, ...env, PORT: "not-a-port" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(output).toContain("PORT must be an integer");
  });
});
