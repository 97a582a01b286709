import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { createDb, type DbHandle } from "../src/db/client.ts";
import { ADMIN_TOKEN, createTestApp, type TestApp } from "./helpers/app.ts";
import { testDbKind } from "./helpers/db.ts";
import { ifMatchUpdates, lastSeats, openSwap, overrides, type RaceWorld } from "./helpers/two-instance-races.ts";

// Two API instances (each with its own pool, caches and rate-limit memory)
// over ONE PostgreSQL database, as in a deployment behind a load balancer.
// PGlite is one in-process database per app, so there is no second instance
// to race against there.
describe.runIf(testDbKind() === "postgres")("two instances over one PostgreSQL database (postgres project only: on PGlite each app has its own in-process database)", () => {
  let t: TestApp;
  let second: { app: FastifyInstance; handle: DbHandle };
  let world: RaceWorld;

  beforeAll(async () => {
    t = await createTestApp();
    const url = (t.handle as DbHandle & { url?: string }).url;
    if (!url) throw new Error("the postgres test database has no URL");
    const handle = await createDb({ kind: "postgres", url, maxConnections: 20 });
    const app = await buildApp({ config: { logLevel: "silent", bodyLimitBytes: 64 * 1024, publicUrl: undefined }, db: handle.db });
    await app.ready();
    second = { app, handle };
    const apps = [t.app, app];
    world = {
      adminToken: ADMIN_TOKEN,
      db: t.handle.db,
      send: async (instance, token, method, url, body, headers = {}) => {
        const res = await apps[instance]!.inject({
          method: method as "GET",
          url,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
          ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
        });
        return { status: res.statusCode, body: res.body ? res.json() : undefined };
      },
    };
  });
  afterAll(async () => {
    await second?.app.close();
    await second?.handle.close();
    await t?.close();
  });

  it("40 people on both instances click a 2-seat slot: two bookings, 38 clean 409 slot_full, and both instances say it is full", async () => {
    const outcome = await lastSeats(world, 40);
    expect(outcome.statuses).toEqual({ "201": 2, "409 slot_full": 38 });
    expect(outcome.bookingsInDatabase).toBe(2);
    expect(outcome.freeSeatsSeenBy).toEqual([0, 0]);
  });

  it("10 colleagues take one open shift through both instances: one taker, whose acceptance hands it over once; completing it again from both is a no-op", async () => {
    const outcome = await openSwap(world, 10);
    expect(outcome.accepts["200"]).toBe(1);
    expect(Object.values(outcome.accepts).reduce((a, b) => a + b)).toBe(10);
    for (const key of Object.keys(outcome.accepts).filter((k) => k !== "200")) expect(key).toMatch(/^409 /);
    expect(outcome.completes).toEqual({ "200": 4 });
    expect(outcome.shiftOwnerIsWinner).toBe(true);
    expect(outcome.shiftsInTeam).toBe(1);
    expect(outcome.swapStatusSeenBy).toEqual(["completed", "completed"]);
  });

  it("10 overrides sent to both instances at once all land, each bumps the schedule version, and neither instance's on-call cache goes stale", async () => {
    const outcome = await overrides(world, 10);
    expect(outcome.statuses).toEqual({ "201": 10 });
    expect(outcome.overridesInDatabase).toBe(10);
    expect(outcome.versionBumps).toBe(10);
    expect(outcome.staleAnswers).toBe(0);
  });

  it("10 PATCHes of one person and one team with the same If-Match across both instances: exactly one winner each, the rest 412, no lost update", async () => {
    const outcome = await ifMatchUpdates(world, 10);
    expect(outcome.people).toEqual({ "200": 1, "412 precondition_failed": 9 });
    expect(outcome.teams).toEqual({ "200": 1, "412 precondition_failed": 9 });
    expect(outcome.personVersionBumps).toBe(1);
    expect(outcome.teamVersionBumps).toBe(1);
    expect(outcome.personKeptWinner).toBe(true);
    expect(outcome.teamKeptWinner).toBe(true);
  });
});
