import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statusByCode } from "../src/http/plugins/errors.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";

// The API agrees with its own description (issue 16.9): one rule for If-Match,
// hand-off times the schema and the service both accept, overrides that name
// their person, domain refusals with their own codes, every code in README,
// and an unencoded `+` in a date-time query.

let t: TestApp;
let lead: Client & { personId: string };
let teamId: string;
let scheduleId: string;

beforeAll(async () => {
  t = await createTestApp();
  lead = await t.person({ role: "lead", name: "Lee Lead", timeZone: "Asia/Kolkata" });
  teamId = (await t.team({ name: "Consistency", timeZone: "Asia/Kolkata" })).id;
  expect((await t.admin.post(`/v1/teams/${teamId}/members`, { personId: lead.personId, isLead: true })).status).toBe(201);
  const schedule = await t.admin.post("/v1/schedules", {
    name: "Consistent on call",
    timeZone: "Asia/Kolkata",
    teamId,
    layers: [{ participants: [lead.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-01-01" }],
  });
  expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
  scheduleId = schedule.body.id;
});

afterAll(async () => {
  await t?.close();
});

describe("the API agrees with its description", () => {
  it("handoffTime 24:00 is refused by the schema (400 naming the field); 00:00 is the midnight hand-off", async () => {
    const layer = { participants: [lead.personId], turn: { unit: "days", count: 1 }, startDate: "2026-01-01" };
    const late = await t.admin.post("/v1/schedules", { name: "Midnight", timeZone: "UTC", layers: [{ ...layer, handoffTime: "24:00" }] });
    expect(late.status).toBe(400);
    expect(late.body.code).toBe("validation");
    expect(late.body.errors.map((e: { field: string }) => e.field)).toContain("layers.0.handoffTime");
    expect((await t.admin.post("/v1/schedules", { name: "Midnight", timeZone: "UTC", layers: [{ ...layer, handoffTime: "00:00" }] })).status).toBe(201);
  });

  it("If-Match is optional on every write, and a stale one is 412 wherever it is sent (support hours included)", async () => {
    const hours = { windows: [{ days: ["mon"], start: "09:00", end: "17:00" }] };
    expect((await lead.request("PUT", `/v1/teams/${teamId}/support-hours`, { body: hours })).status).toBe(200);
    const stale = await lead.request("PUT", `/v1/teams/${teamId}/support-hours`, { body: hours, headers: { "if-match": '"v1"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe("precondition_failed");
    const current = String((await lead.get(`/v1/teams/${teamId}`)).headers.etag);
    expect((await lead.request("PUT", `/v1/teams/${teamId}/support-hours`, { body: hours, headers: { "if-match": current } })).status).toBe(200);
    expect((await lead.patch(`/v1/teams/${teamId}`, { maxConcurrentChats: 2 })).status).toBe(200);
    expect((await lead.request("PATCH", `/v1/teams/${teamId}`, { body: { maxConcurrentChats: 3 }, headers: { "if-match": current } })).status).toBe(412);
  });

  it("an override must name its person: no silent 'the caller goes on call'", async () => {
    const window = { start: "2026-12-24T00:00:00Z", end: "2026-12-25T00:00:00Z" };
    const missing = await lead.post(`/v1/schedules/${scheduleId}/overrides`, window);
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(["personId"]);
    const mine = await lead.post(`/v1/schedules/${scheduleId}/overrides`, { ...window, personId: lead.personId });
    expect([mine.status, mine.body.personId]).toEqual([201, lead.personId]);
  });

  it("domain refusals have their own codes: a bad zone is unknown_time_zone, not validation", async () => {
    const res = await t.admin.post("/v1/people", { name: "Zed", email: "zed@example.test", timeZone: "PST" });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "unknown_time_zone", errors: [{ field: "timeZone" }] });
    const hours = await t.admin.patch(`/v1/people/${lead.personId}`, { workingDays: ["mon"] });
    expect([hours.status, hours.body.code]).toEqual([422, "incomplete_working_hours"]);
    const swap = await lead.post("/v1/swaps", { kind: "trade", counterpartId: lead.personId, offered: { kind: "oncall", id: scheduleId, start: "2027-01-01T03:30:00Z", end: "2027-01-02T03:30:00Z" } });
    expect([swap.status, swap.body.code]).toEqual([422, "invalid_swap"]);
  });

  it("a `+` offset that arrived as a space (unencoded in the URL) is read as the `+` it was", async () => {
    const encoded = await lead.get(`/v1/oncall?schedule=${scheduleId}&at=${encodeURIComponent("2026-12-10T12:00:00+05:30")}`);
    const raw = await lead.get(`/v1/oncall?schedule=${scheduleId}&at=2026-12-10T12:00:00+05:30`);
    expect(encoded.status).toBe(200);
    expect(raw.status).toBe(200);
    expect(raw.body.items[0].at).toBe("2026-12-10T06:30:00.000Z");
    expect(raw.body).toEqual(encoded.body);
    // Anything else with a space is still a 400 naming the parameter.
    const bad = await lead.get(`/v1/oncall?schedule=${scheduleId}&at=2026-12-10 12:00`);
    expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, "at"]);
  });

  it("README lists every error code with its status", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const listed = new Map([...readme.matchAll(/^\s*\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect(Object.fromEntries(Object.keys(statusByCode).map((code) => [code, listed.get(code)]))).toEqual(statusByCode);
  });
});
