import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("people", () => {
  it("an admin adds Tate, a customer advocate who speaks French, and reads him back", async () => {
    const created = await t.admin.post("/v1/people", {
      name: "Tate Knapp",
      email: "tate@drift.example",
      timeZone: "America/New_York",
      title: "Customer Advocate",
      skills: ["french", "French", "Chat"],
      chatUserId: "U024BE7LH",
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/people/${created.body.id}`);
    expect(created.body).toMatchObject({
      name: "Tate Knapp",
      role: "member",
      active: true,
      skills: ["chat", "french"],
      trainedAt: null,
      version: 1,
    });
    expect(created.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const read = await t.admin.get(`/v1/people/${created.body.id}`);
    expect(read.body).toEqual(created.body);
  });

  it("deactivating keeps the person, their memberships and their history", async () => {
    const team = await t.team();
    const leaver = await t.person({ name: "Leaving Lee" });
    await t.admin.post(`/v1/teams/${team.id}/members`, { personId: leaver.personId });
    const res = await t.admin.delete(`/v1/people/${leaver.personId}`);
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect((await t.admin.get(`/v1/people/${leaver.personId}`)).body.active).toBe(false);
    const members = await t.admin.get(`/v1/teams/${team.id}/members`);
    expect(members.body.items.map((m: { personId: string }) => m.personId)).toContain(leaver.personId);
    expect((await t.admin.get(`/v1/people?active=false`)).body.items.map((p: { id: string }) => p.id)).toContain(leaver.personId);
    // An inactive person cannot join a team.
    const other = await t.team();
    const join = await t.admin.post(`/v1/teams/${other.id}/members`, { personId: leaver.personId });
    expect(join.status).toBe(422);
    expect(join.body.code).toBe("person_inactive");
  });

  it("an admin can hand over admin rights, and then step down", async () => {
    const successor = await t.person({ name: "Sam Successor" });
    expect((await t.admin.patch(`/v1/people/${successor.personId}`, { role: "admin" })).status).toBe(200);
    const newAdmin = t.as(successor.token);
    const demoted = await newAdmin.patch(`/v1/people/${t.admin.personId}`, { role: "lead" });
    expect(demoted.status).toBe(200);
    // The successor is now the last admin and cannot deactivate themselves.
    const self = await newAdmin.delete(`/v1/people/${successor.personId}`);
    expect(self.status).toBe(409);
    expect(self.body.code).toBe("last_admin");
    expect((await newAdmin.patch(`/v1/people/${t.admin.personId}`, { role: "admin" })).status).toBe(200);
  });

  it("a 404 for a person that does not exist", async () => {
    const res = await t.admin.get("/v1/people/00000000-0000-4000-8000-000000000000");
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("not_found");
  });
});

describe("teams and members", () => {
  it("creates the ConvertKit chat team with its shift rules", async () => {
    const res = await t.admin.post("/v1/teams", {
      name: "ConvertKit Live Chat",
      timeZone: "America/Los_Angeles",
      minShiftMinutes: 240,
      shiftGranularityMinutes: 60,
      maxConcurrentChats: 3,
      swapApprovalRequired: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      minShiftMinutes: 240,
      shiftGranularityMinutes: 60,
      maxConcurrentChats: 3,
      swapApprovalRequired: true,
      timeOffAutoApprove: false,
    });
    const dup = await t.admin.post("/v1/teams", { name: "convertkit live chat", timeZone: "UTC" });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("team_name_taken");
  });

  it("a team lead must hold the lead role", async () => {
    const team = await t.team();
    const member = await t.person({ role: "member" });
    const res = await t.admin.post(`/v1/teams/${team.id}/members`, { personId: member.personId, isLead: true });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("person_not_lead");
    expect(res.body.errors[0].field).toBe("isLead");
    expect((await t.admin.get(`/v1/teams/${team.id}/members`)).body.items).toEqual([]);
  });

  it("membership: add, promote, list with person details, refuse a duplicate, remove", async () => {
    const team = await t.team();
    const lead = await t.person({ role: "lead", name: "Andrea Lead" });
    const added = await t.admin.post(`/v1/teams/${team.id}/members`, { personId: lead.personId });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ teamId: team.id, personId: lead.personId, isLead: false, person: { name: "Andrea Lead" } });
    const dup = await t.admin.post(`/v1/teams/${team.id}/members`, { personId: lead.personId });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("already_member");
    // Not yet lead: cannot change the team.
    expect((await lead.patch(`/v1/teams/${team.id}`, { maxConcurrentChats: 2 })).status).toBe(403);
    expect((await t.admin.patch(`/v1/teams/${team.id}/members/${lead.personId}`, { isLead: true })).body.isLead).toBe(true);
    expect((await lead.patch(`/v1/teams/${team.id}`, { maxConcurrentChats: 2 })).status).toBe(200);
    // Demoting the person to member clears their lead flags.
    await t.admin.patch(`/v1/people/${lead.personId}`, { role: "member" });
    const list = await t.admin.get(`/v1/teams/${team.id}/members`);
    expect(list.body.items).toMatchObject([{ personId: lead.personId, isLead: false }]);
    expect((await t.admin.delete(`/v1/teams/${team.id}/members/${lead.personId}`)).status).toBe(204);
    expect((await t.admin.delete(`/v1/teams/${team.id}/members/${lead.personId}`)).status).toBe(404);
  });

  it("deleting a team removes its memberships but not the people", async () => {
    const team = await t.team();
    const member = await t.person();
    await t.admin.post(`/v1/teams/${team.id}/members`, { personId: member.personId });
    expect((await t.admin.delete(`/v1/teams/${team.id}`)).status).toBe(204);
    expect((await t.admin.get(`/v1/teams/${team.id}/members`)).status).toBe(404);
    expect((await t.admin.get(`/v1/people/${member.personId}`)).status).toBe(200);
  });

  it("lists teams by name fragment, paginated", async () => {
    for (const n of ["Email North", "Email South", "Email West"]) await t.team({ name: n });
    const first = await t.admin.get("/v1/teams?q=email&limit=2");
    expect(first.body.items.map((x: { name: string }) => x.name)).toEqual(["Email North", "Email South"]);
    const second = await t.admin.get(`/v1/teams?q=email&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((x: { name: string }) => x.name)).toEqual(["Email West"]);
    expect(second.body.nextCursor).toBeNull();
  });
});

describe("audit trail", () => {
  it("records who changed what, with the change, for every write", async () => {
    const lead = await t.person({ role: "lead", name: "Audit Lead" });
    const team = await lead.post("/v1/teams", { name: "Audited", timeZone: "Europe/London" });
    await lead.patch(`/v1/teams/${team.body.id}`, { maxConcurrentChats: 3, timeOffAutoApprove: true });
    await lead.delete(`/v1/teams/${team.body.id}`);

    const res = await t.admin.get(`/v1/audit?entity=team&entityId=${team.body.id}`);
    expect(res.status).toBe(200);
    const entries = res.body.items;
    expect(entries.map((e: { action: string }) => e.action)).toEqual(["delete", "update", "create"]);
    for (const e of entries) expect(e.actorId).toBe(lead.personId);
    expect(entries[1].changes).toEqual({
      maxConcurrentChats: { from: 1, to: 3 },
      timeOffAutoApprove: { from: false, to: true },
    });
    expect(entries[2].changes.after).toMatchObject({ name: "Audited", timeZone: "Europe/London" });
    expect(entries[0].changes.before).toMatchObject({ name: "Audited", maxConcurrentChats: 3 });
  });

  it("never records a token secret or hash", async () => {
    const someone = await t.person();
    const created = await someone.post("/v1/tokens", { name: "cli" });
    const res = await t.admin.get(`/v1/audit?entity=api_token&entityId=${created.body.id}`);
    expect(res.body.items).toHaveLength(1);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(created.body.token);
    expect(text).not.toContain("tokenHash");
  });

  it("filters by actor and time window, newest first, paginated", async () => {
    const actor = await t.person({ role: "lead" });
    const start = new Date().toISOString();
    for (let i = 0; i < 3; i++) await actor.post("/v1/teams", { name: `Window ${i}`, timeZone: "UTC" });
    const all = await t.admin.get(`/v1/audit?actorId=${actor.personId}&entity=team&from=${start}`);
    expect(all.body.items.map((e: { changes: any }) => e.changes.after.name)).toEqual(["Window 2", "Window 1", "Window 0"]);
    const page1 = await t.admin.get(`/v1/audit?actorId=${actor.personId}&entity=team&limit=2`);
    const page2 = await t.admin.get(`/v1/audit?actorId=${actor.personId}&entity=team&limit=2&cursor=${page1.body.nextCursor}`);
    expect([...page1.body.items, ...page2.body.items].map((e: { id: string }) => e.id)).toEqual(all.body.items.map((e: { id: string }) => e.id));
    const before = await t.admin.get(`/v1/audit?actorId=${actor.personId}&to=${start}`);
    expect(before.body.items.every((e: { entity: string }) => e.entity !== "team")).toBe(true);
  });

  it("a rejected write leaves no audit entry", async () => {
    const count = async () => (await t.admin.get("/v1/audit?entity=person&limit=200")).body.items.length;
    const before = await count();
    expect((await t.admin.post("/v1/people", { name: "X", email: "admin@example.test", timeZone: "UTC" })).status).toBe(409);
    expect(await count()).toBe(before);
  });
});
