import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { ChangeFeed } from "../src/db/changes.ts";
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
  let secondChanges: ChangeFeed;

  beforeAll(async () => {
    t = await createTestApp();
    const url = (t.handle as DbHandle & { url?: string }).url;
    if (!url) throw new Error("the postgres test database has no URL");
    const handle = await createDb({ kind: "postgres", url, maxConnections: 20 });
    // Its own NOTIFY listener, as a second server process has: the caches of each instance hear the other's writes.
    secondChanges = new ChangeFeed();
    await secondChanges.start(handle, { error: () => {} });
    const app = await buildApp({ config: { logLevel: "silent", bodyLimitBytes: 64 * 1024, publicUrl: undefined }, db: handle.db, changes: secondChanges });
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
    await secondChanges?.stop();
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

  it("a revoked token, a deactivated person and a changed schedule, written on one instance, are seen by the other's caches within 100 ms", async () => {
    const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
    const person = async (name: string) => {
      const created = await world.send(0, ADMIN_TOKEN, "POST", "/v1/people", { name, email: `${name.toLowerCase()}-${Date.now()}@cache.test`, timeZone: "UTC" });
      const token = await world.send(0, ADMIN_TOKEN, "POST", "/v1/tokens", { name: "cache", personId: created.body.id });
      return { id: created.body.id as string, token: token.body.token as string };
    };
    const [ria, sam] = [await person("Ria"), await person("Sam")];
    // Instance 0 has both callers cached (the second read answers from memory).
    for (const p of [ria, sam]) for (let i = 0; i < 2; i++) expect((await world.send(0, p.token, "GET", "/v1/me")).status).toBe(200);
    expect((await world.send(1, ria.token, "DELETE", "/v1/tokens/current")).status).toBe(200);
    expect((await world.send(1, ADMIN_TOKEN, "PATCH", `/v1/people/${sam.id}`, { active: false })).status).toBe(200);
    await settle();
    expect((await world.send(0, ria.token, "GET", "/v1/me")).status).toBe(401);
    expect((await world.send(0, sam.token, "GET", "/v1/me")).status).toBe(401);

    const [una, vic] = [await person("Una"), await person("Vic")];
    const schedule = await world.send(0, ADMIN_TOKEN, "POST", "/v1/schedules", {
      name: `Cached ${Date.now()}`,
      timeZone: "UTC",
      layers: [{ participants: [una.id], turn: { unit: "weeks", count: 1 }, handoffTime: "00:00", startDate: "2026-01-05" }],
    });
    const who = async (instance: number) => (await world.send(instance, ADMIN_TOKEN, "GET", `/v1/oncall?schedule=${schedule.body.id}`)).body.items[0].current?.person.id;
    expect([await who(0), await who(0)]).toEqual([una.id, una.id]);
    const now = Date.now();
    const override = await world.send(1, ADMIN_TOKEN, "POST", `/v1/schedules/${schedule.body.id}/overrides`, {
      personId: vic.id,
      start: new Date(now - 60_000).toISOString(),
      end: new Date(now + 3_600_000).toISOString(),
    });
    expect(override.status).toBe(201);
    await settle();
    expect(await who(0)).toBe(vic.id);
  });
});
