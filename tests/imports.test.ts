import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, createTestApp, type TestApp } from "./helpers/app.ts";

// POST /v1/imports end to end on the real database, with the Opsgenie fixtures
// (tests/fixtures/imports/opsgenie: four schedules across DST in New York,
// Berlin and Sydney, and Opsgenie's own timelines for them). The parsers'
// own tests prove each system's mapping; this file proves the API: dry run,
// apply in one transaction, replay on what was stored, idempotency, refusals.

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/imports/opsgenie/${name}`, import.meta.url));
const exportText = readFileSync(fixture("export.json"), "utf8");
const timelineText = readFileSync(fixture("timeline.json"), "utf8");
const exported = JSON.parse(exportText);
const timelines = JSON.parse(timelineText);
const SCHEDULES = ["ny_support", "ny_nightly", "berlin_platform", "sydney_noc"];

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const schedulesNow = async () => (await t.admin.get("/v1/schedules?limit=100")).body.items.map((s: any) => s.name).sort();

describe("POST /v1/imports (Opsgenie)", () => {
  it("a dry run shows the plan and the replay proof, and writes nothing", async () => {
    const res = await t.admin.post("/v1/imports", { from: "opsgenie", export: exported, oncalls: timelines });
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(false);
    expect(res.body.schedules.map((s: any) => [s.name, s.action, s.id])).toEqual(SCHEDULES.map((name) => [name, "create", null]));
    expect(res.body.people.every((p: any) => p.action === "missing" && p.personId === null)).toBe(true);
    expect(res.body.people.map((p: any) => p.email)).toContain("alice@example.com"); // lower-cased
    expect(res.body.findings.map((f: any) => f.code)).toContain("none_participant");
    expect(res.body.replay.map((r: any) => [r.verified, r.disagreeHours])).toEqual(SCHEDULES.map(() => [true, 0]));
    expect(res.body.replay[0].agreeHours).toBeGreaterThan(400);
    expect(res.body.verified).toBe(true);
    expect(await schedulesNow()).toEqual([]);
  });

  it("apply refuses while people are missing, listing them, and writes nothing", async () => {
    const res = await t.admin.post("/v1/imports", { from: "opsgenie", export: exported, apply: true });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("people_missing");
    expect(res.body.missing.map((p: any) => p.email)).toContain("bob@example.com");
    expect(await schedulesNow()).toEqual([]);
  });

  it("apply writes people, schedules and overrides, and the replay on the stored schedules is verified", async () => {
    // One person exists already: matched by email, whatever the case.
    const bob = await t.person({ name: "Robert B.", email: "BOB@example.com" });
    const res = await t.admin.post("/v1/imports", { from: "opsgenie", export: exported, oncalls: timelines, apply: true, createPeople: true });
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(true);
    expect(res.body.people.find((p: any) => p.email === "bob@example.com")).toMatchObject({ action: "match", personId: bob.personId, name: "Robert B." });
    expect(res.body.people.filter((p: any) => p.action === "create").length).toBe(res.body.people.length - 1);
    expect(res.body.schedules.every((s: any) => s.action === "create" && typeof s.id === "string")).toBe(true);
    expect(res.body.replay.every((r: any) => r.verified)).toBe(true);
    expect(res.body.verified).toBe(true);
    expect(await schedulesNow()).toEqual([...SCHEDULES].sort());

    // The on-call API answers as Opsgenie did: its first business-hours period of the window.
    const period = timelines[0].data.finalTimeline.rotations[0].periods[0];
    const at = new Date(new Date(period.startDate).getTime() + 60_000).toISOString();
    const oncall = await t.admin.get(`/v1/oncall?schedule=ny_support&at=${encodeURIComponent(at)}`);
    expect(oncall.body.items[0].current.person.id).toBe(bob.personId);
    // The `none` participant is stored as a turn with nobody.
    const support = (await t.admin.get(`/v1/schedules/${res.body.schedules[0].id}`)).body;
    expect(support.layers[1].participants).toContain(null);
  });

  it("the same export again changes nothing: schedules, overrides and people unchanged, no version bumped", async () => {
    const before = (await t.admin.get("/v1/schedules?limit=100")).body.items.map((s: any) => [s.name, s.version]);
    const res = await t.admin.post("/v1/imports", { from: "opsgenie", export: exportText, oncalls: timelineText, apply: true, createPeople: true });
    expect(res.status).toBe(200);
    expect(res.body.schedules.map((s: any) => s.action)).toEqual(SCHEDULES.map(() => "unchanged"));
    expect(res.body.schedules.every((s: any) => s.overrides.create === 0 && s.overrides.replace === 0)).toBe(true);
    expect(res.body.people.every((p: any) => p.action === "match")).toBe(true);
    expect(res.body.verified).toBe(true);
    expect((await t.admin.get("/v1/schedules?limit=100")).body.items.map((s: any) => [s.name, s.version])).toEqual(before);
  });

  it("a changed export updates the schedule it came from, and the replay shows what no longer agrees", async () => {
    const changed = structuredClone(exported);
    const rotation = changed.schedules[1].schedule.data.rotations[0];
    rotation.participants.reverse();
    const res = await t.admin.post("/v1/imports", { from: "opsgenie", export: changed, oncalls: timelines, apply: true });
    expect(res.status).toBe(200);
    expect(res.body.schedules.map((s: any) => s.action)).toEqual(["unchanged", "update", "unchanged", "unchanged"]);
    const nightly = res.body.replay.find((r: any) => r.scheduleRef === changed.schedules[1].schedule.data.id);
    expect(nightly.verified).toBe(false);
    expect(nightly.disagreements.length).toBeGreaterThan(0);
    expect(nightly.disagreements[0]).toMatchObject({ rota: { kind: "layer" } });
    expect(res.body.verified).toBe(false);
    // And back: the original export restores it.
    const back = await t.admin.post("/v1/imports", { from: "opsgenie", export: exported, oncalls: timelines, apply: true });
    expect(back.body.schedules[1].action).toBe("update");
    expect(back.body.verified).toBe(true);
  });
});

describe("each system's fixtures through the API: a dry run verified against the old system's answers", () => {
  const file = (system: string, name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/imports/${system}/${name}`, import.meta.url)), "utf8");
  const ical = JSON.parse(file("ical", "google-new-york.expected.json"));
  const cases: [string, Record<string, unknown>][] = [
    ["pagerduty", { export: file("pagerduty", "new-york.export.json"), oncalls: file("pagerduty", "new-york.oncalls.json") }],
    ["grafana", { export: file("grafana", "new_york.export.json"), oncalls: file("grafana", "new_york.final_shifts.json") }],
    ["ical", { export: file("ical", "google-new-york.ics"), window: { from: ical.window.start, to: ical.window.end }, mapping: ical.mapping }],
  ];
  it.each(cases)("%s, then applied twice: the second changes nothing", async (from, body) => {
    const res = await t.admin.post("/v1/imports", { from, ...body });
    expect(res.status).toBe(200);
    expect(res.body.replay.length).toBeGreaterThan(0);
    expect(res.body.replay.filter((r: any) => !r.verified)).toEqual([]);
    expect(res.body.verified).toBe(true);
    const applied = await t.admin.post("/v1/imports", { from, ...body, apply: true, createPeople: true });
    expect(applied.status).toBe(200);
    expect(applied.body.verified).toBe(true);
    const again = await t.admin.post("/v1/imports", { from, ...body, apply: true });
    expect(again.body.schedules.map((s: any) => [s.action, s.overrides.create + s.overrides.replace])).toEqual(applied.body.schedules.map(() => ["unchanged", 0]));
    // The fixtures of two systems both have an "NY primary": make room for the next one.
    for (const s of applied.body.schedules) expect((await t.admin.delete(`/v1/schedules/${s.id}`)).status).toBe(204);
  });
});

describe("bad exports: a 422 naming the place in the file, and nothing written", () => {
  const refused = async (body: Record<string, unknown>) => {
    const before = await schedulesNow();
    const res = await t.admin.post("/v1/imports", { apply: true, createPeople: true, ...body });
    expect(res.status).toBe(422);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(await schedulesNow()).toEqual(before);
    return res.body;
  };

  it("another system's export", async () => {
    const body = await refused({ from: "pagerduty", export: exported });
    expect(body.code).toBe("wrong_system");
    expect(body.detail).toMatch(/opsgenie/i);
  });

  it("an iCal calendar sent as an Opsgenie export", async () => {
    const body = await refused({ from: "opsgenie", export: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n" });
    expect(body.code).toBe("wrong_system");
    expect(body.detail).toMatch(/iCal/);
  });

  it("a file cut off mid-way", async () => {
    const body = await refused({ from: "opsgenie", export: exportText.slice(0, exportText.length / 2) });
    expect(body.code).toBe("truncated_export");
    expect(body.errors[0].field).toBe("export");
  });

  it("an unknown field where it could change who is on call", async () => {
    const bad = structuredClone(exported);
    bad.schedules[2].schedule.data.rotations[0].handoverJitter = 5;
    const body = await refused({ from: "opsgenie", export: bad });
    expect(body.code).toBe("unknown_field");
    expect(body.place).toBe("/schedules/2/schedule/data/rotations/0/handoverJitter");
    expect(body.errors[0].field).toBe("export/schedules/2/schedule/data/rotations/0/handoverJitter");
  });

  it("a user the schedules need without an email; a mapping fixes it", async () => {
    const bad = structuredClone(exported);
    const user = bad.users.data.find((u: any) => u.id === bad.schedules[1].schedule.data.rotations[0].participants[0].id);
    delete user.username;
    for (const s of bad.schedules) {
      for (const r of s.schedule.data.rotations) for (const p of r.participants) if (p.id === user.id) delete p.username;
    }
    const body = await refused({ from: "opsgenie", export: bad });
    expect(body.code).toBe("missing_email");
    expect(body.place).toMatch(/^\/users\/data\/\d+$/);
    const mapped = await t.admin.post("/v1/imports", { from: "opsgenie", export: bad, mapping: { [user.id]: "mapped@example.com" } });
    expect(mapped.status).toBe(200);
    expect(mapped.body.people.find((p: any) => p.ref === user.id).email).toBe("mapped@example.com");
  });

  it("a time zone the service does not know", async () => {
    const bad = structuredClone(exported);
    bad.schedules[3].schedule.data.timezone = "Mars/Olympus_Mons";
    const body = await refused({ from: "opsgenie", export: bad });
    expect(body.code).toBe("unknown_time_zone");
    expect(body.place).toBe("/schedules/3/schedule/data/timezone");
  });

  it("an iCal import without a window, and a request of the wrong shape", async () => {
    expect((await refused({ from: "ical", export: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" })).errors[0].field).toBe("window");
    const wrong = await t.admin.post("/v1/imports", { from: "jira", export: {} });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe("from");
  });

  it("a schedule of the same name that the import did not make: the dry run says so, apply is a 409", async () => {
    const file = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/imports/grafana/${name}`, import.meta.url)), "utf8");
    const grafana = JSON.parse(file("berlin.export.json"));
    const name = grafana.schedules.results?.[0]?.name ?? grafana.schedules[0].name;
    const mine = await t.admin.post("/v1/schedules", { name, timeZone: "Europe/Berlin" });
    expect(mine.status).toBe(201);
    const dry = await t.admin.post("/v1/imports", { from: "grafana", export: grafana });
    expect(dry.body.schedules[0]).toMatchObject({ name, action: "create", nameTakenBy: mine.body.id });
    const before = await schedulesNow();
    const applied = await t.admin.post("/v1/imports", { from: "grafana", export: grafana, apply: true, createPeople: true });
    expect(applied.status).toBe(409);
    expect(applied.body.code).toBe("schedule_name_taken");
    expect(applied.body.scheduleId).toBe(mine.body.id);
    expect(await schedulesNow()).toEqual(before);
  });

  it("only an admin may import", async () => {
    const lead = await t.person({ role: "lead" });
    const res = await lead.post("/v1/imports", { from: "opsgenie", export: exported });
    expect(res.status).toBe(403);
  });
});

describe("npm run import (the CLI)", () => {
  it("sends the files to a running server, prints the replay proof, and exits 0 when verified", async () => {
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as AddressInfo;
    const cli = fileURLToPath(new URL("../src/cli/import.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
    const run = promisify(execFile);
    const env = { ...process.env, ROTA_TOKEN: ADMIN_TOKEN, ROTA_URL: `http://127.0.0.1:${port}` };
    const { stdout } = await run(tsx, [cli, "--from", "opsgenie", fixture("export.json"), "--oncalls", fixture("timeline.json")], { env });
    expect(stdout).toMatch(/^Dry run: nothing written/);
    expect(stdout).toMatch(/unchanged +ny_support/);
    expect(stdout).toMatch(/Verified: 0 disagreements\./);
    // A replay that disagrees exits 2 and says where.
    const failed = await run(tsx, [cli, "--from", "opsgenie", fixture("concurrent.export.json"), "--oncalls", fixture("concurrent.timeline.json"), "--create-people"], { env }).catch((e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toMatch(/DISAGREES/);
    expect(failed.stdout).toMatch(/likely: .*concurrent_rotations/);
    // A refused request exits 1 with the API's reason.
    const refused = await run(tsx, [cli, "--from", "pagerduty", fixture("export.json")], { env }).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/422 wrong_system/);
  }, 60_000);
});
