import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokens } from "../src/db/schema/index.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";

// The hot paths' caches (issue 17): a signed-in request answers from memory
// while nothing changed, and the database's NOTIFY rota_changes drops the
// cache when something did, whoever wrote it (here: SQL behind the API's back).

let t: TestApp;
let ann: Client & { personId: string };

beforeAll(async () => {
  t = await createTestApp();
  ann = await t.person({ name: "Ann Cache", timeZone: "UTC" });
});
afterAll(async () => {
  await t?.close();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe("caches of the hot paths", () => {
  it("a known caller is answered from memory: with the change signal silenced, a revocation in SQL goes unseen; with it, seen within 100 ms", async () => {
    expect((await ann.get("/v1/me")).status).toBe(200);
    await t.handle.db.execute(sql`ALTER TABLE api_tokens DISABLE TRIGGER api_tokens_notify_auth`);
    try {
      await t.handle.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.personId, ann.personId));
      await settle();
      // No NOTIFY came, so the cached caller stands: proof the request made no database round trip for it.
      expect((await ann.get("/v1/me")).status).toBe(200);
    } finally {
      await t.handle.db.execute(sql`ALTER TABLE api_tokens ENABLE TRIGGER api_tokens_notify_auth`);
    }
    await t.handle.db.update(apiTokens).set({ revokedAt: new Date(Date.now() + 1) }).where(eq(apiTokens.personId, ann.personId));
    await settle();
    expect((await ann.get("/v1/me")).status).toBe(401);
  });

  it("a write through this instance is seen by its next request at once, without waiting for the NOTIFY", async () => {
    const bea = await t.person({ name: "Bea Cache", timeZone: "UTC" });
    expect((await bea.get("/v1/me")).body.role).toBe("member");
    expect((await t.admin.patch(`/v1/people/${bea.personId}`, { role: "lead" })).status).toBe(200);
    expect((await bea.get("/v1/me")).body.role).toBe("lead");
    expect((await bea.delete("/v1/tokens/current")).status).toBe(200);
    expect((await bea.get("/v1/me")).status).toBe(401);
  });

  it("on-call answers name people from memory, and a rename shows after its NOTIFY", async () => {
    const cy = await t.person({ name: "Cy Cache", timeZone: "UTC" });
    const schedule = await t.admin.post("/v1/schedules", {
      name: "Cache watch",
      timeZone: "UTC",
      layers: [{ participants: [cy.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "00:00", startDate: "2026-01-05" }],
    });
    const name = async () => (await ann.get(`/v1/oncall?schedule=${schedule.body.id}`)).body.items?.[0]?.current?.person.name;
    // Ann's token was revoked above: the admin asks instead.
    const ask = async () => (await t.admin.get(`/v1/oncall?schedule=${schedule.body.id}`)).body.items[0].current.person.name;
    expect(await name()).toBeUndefined();
    expect([await ask(), await ask()]).toEqual(["Cy Cache", "Cy Cache"]);
    await t.handle.db.execute(sql`UPDATE people SET name = 'Cy Renamed' WHERE id = ${cy.personId}`);
    await settle();
    expect(await ask()).toBe("Cy Renamed");
  });

  it("a cached iCal feed is answered from memory until a change is announced, then shows it (a rename in SQL, no clock tick needed)", async () => {
    const dee = await t.person({ name: "Dee Cache", timeZone: "UTC" });
    const schedule = await t.admin.post("/v1/schedules", {
      name: "Feed watch",
      timeZone: "UTC",
      layers: [{ participants: [dee.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "00:00", startDate: "2026-01-05" }],
    });
    const feed = await t.admin.post("/v1/feeds", { subject: { kind: "schedule", id: schedule.body.id } });
    expect(feed.status, JSON.stringify(feed.body)).toBe(201);
    const path = new URL(feed.body.url).pathname;
    const read = async () => (await t.anonymous.get(path)).raw.body;
    expect(await read()).toContain("Dee Cache");
    // As another instance's PATCH writes it (a version bump), but behind this instance's back.
    await t.handle.db.execute(sql`UPDATE people SET name = 'Dee Renamed', version = version + 1, updated_at = now() WHERE id = ${dee.personId}`);
    await settle();
    const after = await read();
    expect(after).toContain("Dee Renamed");
    expect(after).not.toContain("Dee Cache");
  });
});
