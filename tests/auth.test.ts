import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate, hashToken } from "../src/services/tokens.ts";
import { getMe } from "../src/services/people.ts";
import { apiTokens } from "../src/db/schema/index.ts";
import { ADMIN_TOKEN, createTestApp, type Client, type TestApp } from "./helpers/app.ts";
import { countingDb } from "./helpers/statements.ts";

let t: TestApp;
let lead: Client & { personId: string };
let member: Client & { personId: string };
let outsider: Client & { personId: string };
let teamId: string;

beforeAll(async () => {
  t = await createTestApp();
  lead = await t.person({ role: "lead", name: "Lena Lead" });
  member = await t.person({ role: "member", name: "Milo Member" });
  outsider = await t.person({ role: "lead", name: "Olga Other-Lead" });
  teamId = (await t.team({ name: "Live chat" })).id;
  expect((await t.admin.post(`/v1/teams/${teamId}/members`, { personId: lead.personId, isLead: true })).status).toBe(201);
  expect((await t.admin.post(`/v1/teams/${teamId}/members`, { personId: member.personId })).status).toBe(201);
});
afterAll(() => t.close());

function expectProblem(res: { status: number; headers: Record<string, unknown>; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toContain("application/problem+json");
  expect(res.body).toMatchObject({ status, code, type: `https://rota.dev/problems/${code}` });
  expect(typeof res.body.detail).toBe("string");
}

describe("authentication", () => {
  it("GET /v1/me with the bootstrap token returns the admin", async () => {
    const res = await t.admin.get("/v1/me");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: t.admin.personId, role: "admin", email: "admin@example.test", ledTeamIds: [] });
  });

  it("GET /v1/me reads the caller once: the token lookup brings the person, answering needs no second read", async () => {
    const counting = countingDb(t.handle);
    const actor = (await authenticate(counting.db, member.token!, new Date()))!;
    const lookup = counting.statements();
    expect(lookup).toBeLessThanOrEqual(2); // the lookup, and at most one lastUsedAt write a minute
    const me = await getMe({ db: counting.db, actor, requestId: "test", now: new Date() });
    expect(counting.statements()).toBe(lookup);
    expect(me).toMatchObject({ id: member.personId, name: "Milo Member", role: "member" });
    expect((await member.get("/v1/me")).body).toMatchObject({ ...JSON.parse(JSON.stringify(me)), ledTeamIds: [] });
  });

  it("GET /v1/me tells a lead which teams they lead", async () => {
    const res = await lead.get("/v1/me");
    expect(res.body.ledTeamIds).toEqual([teamId]);
  });

  it.each([
    ["no Authorization header", undefined],
    ["an unknown token", "rota_this_token_was_never_issued_000000"],
    ["a token without the rota_ prefix", "abc"],
  ])("401 problem+json with %s", async (_label, token) => {
    const res = await t.as(token).get("/v1/me");
    expectProblem(res, 401, "unauthorized");
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer realm="rota"/);
  });

  it("401 for a malformed Authorization header", async () => {
    const res = await t.anonymous.request("GET", "/v1/me", { headers: { authorization: `Basic ${ADMIN_TOKEN}` } });
    expectProblem(res, 401, "unauthorized");
  });

  it("stores only the SHA-256 of a token, never the token", async () => {
    const rows = await t.handle.db.select().from(apiTokens);
    const created = await member.get("/v1/me");
    expect(created.status).toBe(200);
    const serialized = JSON.stringify(rows);
    expect(serialized).not.toContain(member.token!);
    expect(rows.some((r) => r.tokenHash === hashToken(member.token!))).toBe(true);
    expect(member.token).toMatch(/^rota_[A-Za-z0-9_-]{43}$/);
  });

  it("records when a token was last used", async () => {
    const own = await member.get("/v1/tokens");
    expect(own.status).toBe(200);
    expect(own.body.items).toHaveLength(1);
    expect(own.body.items[0].lastUsedAt).not.toBeNull();
    expect(own.body.items[0]).not.toHaveProperty("tokenHash");
    expect(own.body.items[0]).not.toHaveProperty("token");
  });

  it("a revoked token stops working at once", async () => {
    const created = await member.post("/v1/tokens", { name: "laptop" });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^rota_/);
    expect(created.body.prefix).toBe(created.body.token.slice(0, 11));
    const laptop = t.as(created.body.token);
    expect((await laptop.get("/v1/me")).status).toBe(200);
    const revoked = await member.delete(`/v1/tokens/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expectProblem(await laptop.get("/v1/me"), 401, "unauthorized");
    // The other token of the same person still works.
    expect((await member.get("/v1/me")).status).toBe(200);
  });

  it("a member cannot see or revoke someone else's token", async () => {
    const others = await lead.get("/v1/tokens");
    const leadTokenId = others.body.items[0].id;
    expectProblem(await member.delete(`/v1/tokens/${leadTokenId}`), 404, "not_found");
    expectProblem(await member.get(`/v1/tokens?personId=${lead.personId}`), 403, "forbidden");
    expectProblem(await member.post("/v1/tokens", { name: "x", personId: lead.personId }), 403, "forbidden");
    expect((await t.admin.get(`/v1/tokens?personId=${lead.personId}`)).body.items).toHaveLength(1);
  });

  it("a deactivated person's tokens stop working", async () => {
    const temp = await t.person({ name: "Tess Temp" });
    expect((await temp.get("/v1/me")).status).toBe(200);
    expect((await t.admin.delete(`/v1/people/${temp.personId}`)).status).toBe(200);
    expectProblem(await temp.get("/v1/me"), 401, "unauthorized");
  });
});

describe("authorization matrix for people and teams", () => {
  const newPerson = () => ({ name: "New Hire", email: `hire-${Math.random().toString(36).slice(2)}@example.test`, timeZone: "Europe/Paris" });

  it("people: create", async () => {
    expect((await t.admin.post("/v1/people", { ...newPerson(), role: "lead" })).status).toBe(201);
    expect((await lead.post("/v1/people", newPerson())).status).toBe(201);
    expectProblem(await lead.post("/v1/people", { ...newPerson(), role: "admin" }), 403, "forbidden");
    expectProblem(await member.post("/v1/people", newPerson()), 403, "forbidden");
    expectProblem(await t.anonymous.post("/v1/people", newPerson()), 401, "unauthorized");
  });

  it("people: read is open to every authenticated person (the company directory)", async () => {
    expect((await member.get(`/v1/people/${lead.personId}`)).status).toBe(200);
    expect((await member.get("/v1/people")).status).toBe(200);
    expectProblem(await t.anonymous.get("/v1/people"), 401, "unauthorized");
  });

  it("people: a member edits their own profile but not their role or skills", async () => {
    const ok = await member.patch(`/v1/people/${member.personId}`, { title: "Happiness Engineer", timeZone: "America/Denver" });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ title: "Happiness Engineer", timeZone: "America/Denver" });
    const role = await member.patch(`/v1/people/${member.personId}`, { role: "admin" });
    expectProblem(role, 403, "forbidden");
    expect(role.body.errors[0].field).toBe("role");
    expectProblem(await member.patch(`/v1/people/${member.personId}`, { skills: ["legal"] }), 403, "forbidden");
    expectProblem(await member.patch(`/v1/people/${lead.personId}`, { title: "Boss" }), 403, "forbidden");
  });

  it("people: a lead sets skills and training of their team's members, not of others", async () => {
    const ok = await lead.patch(`/v1/people/${member.personId}`, { skills: ["French", "legal"], trainedAt: "2026-11-01T10:00:00Z" });
    expect(ok.status).toBe(200);
    expect(ok.body.skills).toEqual(["french", "legal"]);
    expect(ok.body.trainedAt).toBe("2026-11-01T10:00:00.000Z");
    expectProblem(await outsider.patch(`/v1/people/${member.personId}`, { skills: ["x"] }), 403, "forbidden");
    expectProblem(await lead.patch(`/v1/people/${member.personId}`, { role: "lead" }), 403, "forbidden");
  });

  it("people: only an admin deactivates", async () => {
    const victim = await t.person();
    expectProblem(await lead.delete(`/v1/people/${victim.personId}`), 403, "forbidden");
    expectProblem(await member.delete(`/v1/people/${victim.personId}`), 403, "forbidden");
    const res = await t.admin.delete(`/v1/people/${victim.personId}`);
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
  });

  it("teams: create (admin or lead), update and delete (admin or that team's lead)", async () => {
    expectProblem(await member.post("/v1/teams", { name: "Rogue", timeZone: "UTC" }), 403, "forbidden");
    const own = await outsider.post("/v1/teams", { name: "Email", timeZone: "UTC" });
    expect(own.status).toBe(201);
    // The lead who created it leads it.
    const members = await outsider.get(`/v1/teams/${own.body.id}/members`);
    expect(members.body.items).toMatchObject([{ personId: outsider.personId, isLead: true }]);
    expect((await outsider.patch(`/v1/teams/${own.body.id}`, { maxConcurrentChats: 3 })).status).toBe(200);
    expectProblem(await lead.patch(`/v1/teams/${own.body.id}`, { maxConcurrentChats: 4 }), 403, "forbidden");
    expectProblem(await outsider.patch(`/v1/teams/${teamId}`, { maxConcurrentChats: 4 }), 403, "forbidden");
    expectProblem(await member.patch(`/v1/teams/${teamId}`, { maxConcurrentChats: 4 }), 403, "forbidden");
    expect((await lead.patch(`/v1/teams/${teamId}`, { maxConcurrentChats: 3 })).status).toBe(200);
    expectProblem(await lead.delete(`/v1/teams/${own.body.id}`), 403, "forbidden");
    expect((await outsider.delete(`/v1/teams/${own.body.id}`)).status).toBe(204);
    expectProblem(await t.admin.get(`/v1/teams/${own.body.id}`), 404, "not_found");
  });

  it("teams: membership is managed by the team's lead; anyone may leave", async () => {
    const newcomer = await t.person();
    expectProblem(await member.post(`/v1/teams/${teamId}/members`, { personId: newcomer.personId }), 403, "forbidden");
    expectProblem(await outsider.post(`/v1/teams/${teamId}/members`, { personId: newcomer.personId }), 403, "forbidden");
    expect((await lead.post(`/v1/teams/${teamId}/members`, { personId: newcomer.personId })).status).toBe(201);
    expectProblem(await member.delete(`/v1/teams/${teamId}/members/${newcomer.personId}`), 403, "forbidden");
    expect((await newcomer.delete(`/v1/teams/${teamId}/members/${newcomer.personId}`)).status).toBe(204);
  });

  it("the audit log is for admins only", async () => {
    expectProblem(await lead.get("/v1/audit"), 403, "forbidden");
    expectProblem(await member.get("/v1/audit"), 403, "forbidden");
    expect((await t.admin.get("/v1/audit")).status).toBe(200);
  });
});
