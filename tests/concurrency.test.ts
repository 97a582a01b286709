import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { people } from "../src/db/schema/index.ts";
import { createTestApp, type TestApp } from "./helpers/app.ts";

// On PostgreSQL these requests really race on separate connections; on
// PGlite they are serialised. Either way exactly one may win.
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("the database decides races", () => {
  it("btree_gist is enabled for exclusion constraints on time ranges", async () => {
    const result = await t.handle.db.execute(sql`SELECT extname FROM pg_extension WHERE extname = 'btree_gist'`);
    expect((result as unknown as { rows: unknown[] }).rows).toEqual([{ extname: "btree_gist" }]);
  });

  it("ten simultaneous sign-ups with one email: one person, nine 409 email_taken", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.admin.post("/v1/people", { name: `Racer ${i}`, email: i % 2 ? "RACE@example.test" : "race@example.test", timeZone: "UTC" }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const losers = results.filter((r) => r.status !== 201);
    expect(losers.map((r) => r.body.code)).toEqual(Array(9).fill("email_taken"));
    const rows = await t.handle.db.select().from(people).where(sql`lower(${people.email}) = 'race@example.test'`);
    expect(rows).toHaveLength(1);
  });

  it("a double-clicked POST with one Idempotency-Key creates one team", async () => {
    const body = { name: "Double click", timeZone: "UTC" };
    const results = await Promise.all(Array.from({ length: 5 }, () => t.admin.post("/v1/teams", body, { "idempotency-key": "dbl-1" })));
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    // Every success is the same team; the rest were told the first is still running.
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.code).toBe("idempotency_in_progress");
    const teams = await t.admin.get("/v1/teams?q=Double%20click");
    expect(teams.body.items).toHaveLength(1);
  });

  it("concurrent edits with the same If-Match: exactly one applies, the other gets 412", async () => {
    const team = await t.team({ name: "Contended" });
    const results = await Promise.all(
      [2, 3, 4].map((n) => t.admin.patch(`/v1/teams/${team.id}`, { maxConcurrentChats: n }, { "if-match": '"v1"' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412]);
    const winner = results.find((r) => r.status === 200)!.body.maxConcurrentChats;
    expect((await t.admin.get(`/v1/teams/${team.id}`)).body).toMatchObject({ maxConcurrentChats: winner, version: 2 });
  });

  // Last: it leaves only one of the two admins.
  it("two admins demoting each other at once: one succeeds, there is always an admin left (20 rounds)", async () => {
    // The race window is a few milliseconds wide; repeat it so a missing lock shows.
    let survivor: { personId: string; token: string | undefined } = t.admin;
    for (let round = 0; round < 20; round++) {
      const admin = t.as(survivor.token);
      const created = await admin.post("/v1/people", { name: `Admin ${round}`, email: `admin-${round}@race.test`, timeZone: "UTC", role: "admin" });
      expect(created.status).toBe(201);
      const token = await admin.post("/v1/tokens", { name: "race", personId: created.body.id });
      const other = { personId: created.body.id as string, token: token.body.token as string };
      const [a, b] = await Promise.all([
        admin.patch(`/v1/people/${survivor.personId}`, { role: "member" }),
        t.as(other.token).patch(`/v1/people/${other.personId}`, { role: "member" }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      expect([a, b].find((r) => r.status === 409)!.body.code).toBe("last_admin");
      const admins = await t.handle.db.select().from(people).where(sql`${people.role} = 'admin' and ${people.active}`);
      expect(admins).toHaveLength(1);
      survivor = admins[0]!.id === other.personId ? other : survivor;
    }
  });
});
