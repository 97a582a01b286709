import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGN_IN_LINK_TTL_MS } from "../src/services/sign-in.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";

// Web sign-in (issue 15): one-time links made by a lead or admin, exchanged for an API token.
let now = Date.parse("2026-12-07T09:00:00Z");
let t: TestApp;
let lead: Client & { personId: string };
let ann: Client & { personId: string };
let outsider: Client & { personId: string };

beforeAll(async () => {
  t = await createTestApp({ clock: () => new Date(now) });
  const team = await t.team({ name: "Support" });
  lead = await t.person({ role: "lead", name: "Lee" });
  ann = await t.person({ name: "Ann" });
  outsider = await t.person({ name: "Otto" });
  for (const [p, isLead] of [[lead, true], [ann, false]] as const) await t.admin.post(`/v1/teams/${team.id}/members`, { personId: p.personId, isLead });
});
afterAll(() => t?.close());

async function linkFor(personId: string, by: Client = lead) {
  const res = await by.post(`/v1/people/${personId}/sign-in-links`);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...res.body, secret: new URL(res.body.url).hash.slice(1) } as { url: string; secret: string; expiresAt: string };
}

describe("sign-in links", () => {
  it("Ann's lead makes her a link; opening it signs her in as herself, once", async () => {
    const link = await linkFor(ann.personId);
    expect(link.url).toMatch(/^http:\/\/localhost(:\d+)?\/sign-in#rotalink_[A-Za-z0-9_-]{43}$/);
    expect(link.expiresAt).toBe(new Date(now + SIGN_IN_LINK_TTL_MS).toISOString());

    const signedIn = await t.anonymous.post("/v1/sign-in", { link: link.secret });
    expect(signedIn.status).toBe(201);
    expect(signedIn.body).toMatchObject({ personId: ann.personId, name: "Web sign-in 2026-12-07" });
    const me = await t.as(signedIn.body.token).get("/v1/me");
    expect(me.body.id).toBe(ann.personId);

    const again = await t.anonymous.post("/v1/sign-in", { link: link.secret });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe("invalid_sign_in_link");
    expect(again.headers["content-type"]).toContain("application/problem+json");
  });

  it("two tabs opening the same link at once get one token between them", async () => {
    const link = await linkFor(ann.personId);
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.anonymous.post("/v1/sign-in", { link: link.secret })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 401, 401, 401, 401]);
  });

  it("an expired link, an unknown one and a malformed one are the same 401", async () => {
    const link = await linkFor(ann.personId);
    now += SIGN_IN_LINK_TTL_MS;
    try {
      for (const secret of [link.secret, `rotalink_${"A".repeat(43)}`, "not a link"]) {
        const res = await t.anonymous.post("/v1/sign-in", { link: secret });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe("invalid_sign_in_link");
      }
    } finally {
      now -= SIGN_IN_LINK_TTL_MS;
    }
  });

  it("only an admin or the person's lead makes links, never for themselves or an admin, and never for a deactivated person", async () => {
    expect((await ann.post(`/v1/people/${ann.personId}/sign-in-links`)).status).toBe(403);
    expect((await lead.post(`/v1/people/${outsider.personId}/sign-in-links`)).status).toBe(403);
    expect((await lead.post(`/v1/people/${t.admin.personId}/sign-in-links`)).status).toBe(403);
    const link = await linkFor(outsider.personId, t.admin);
    expect((await t.admin.delete(`/v1/people/${outsider.personId}`)).status).toBe(200);
    expect((await t.anonymous.post("/v1/sign-in", { link: link.secret })).status).toBe(401);
    const refused = await t.admin.post(`/v1/people/${outsider.personId}/sign-in-links`);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("person_inactive");
  });

  it("signing out revokes exactly the token it was made with", async () => {
    const first = (await t.anonymous.post("/v1/sign-in", { link: (await linkFor(ann.personId)).secret })).body.token as string;
    const second = (await t.anonymous.post("/v1/sign-in", { link: (await linkFor(ann.personId)).secret })).body.token as string;
    const out = await t.as(first).delete("/v1/tokens/current");
    expect(out.status).toBe(200);
    expect(out.body.revokedAt).not.toBeNull();
    expect((await t.as(first).get("/v1/me")).status).toBe(401);
    expect((await t.as(second).get("/v1/me")).status).toBe(200);
    expect((await ann.get("/v1/me")).status).toBe(200);
  });

  it("the audit log names who made a link and the token it became, never the secret", async () => {
    const link = await linkFor(ann.personId);
    await t.anonymous.post("/v1/sign-in", { link: link.secret });
    const log = JSON.stringify((await t.admin.get("/v1/audit?limit=200")).body);
    expect(log).toContain("sign_in_link");
    expect(log).not.toContain(link.secret);
  });
});
