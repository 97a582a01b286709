import { createHmac } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";

// The /oncall grammar end to end (issue 16, point 8): names, `at <time>` in the
// caller's zone, `next`, `week`, `duty [skill]`, `help`, and override wording.
// The clock is pinned: Wednesday 2026-06-10 07:00Z, 10:00 in Jerusalem (IDT),
// 03:00 in New York (EDT), 09:00 in Berlin (CEST).
const NOW = new Date("2026-06-10T07:00:00Z");
const SECRET = "slack-commands-signing-secret-0001";
const NO_DEFAULT = "T0CMDS";
const WITH_DEFAULT = "T0DEFAULT";
/** Nobody in Rota has this Slack id: answers fall back to the schedule's (or team's) zone. */
const STRANGER = "U0STRANGER";

let t: TestApp;
type Person = Client & { personId: string };
let itamar: Person;
let maya: Person;
let dana: Person;
let noy: Person;
let bob: Person;
let berta: Person;
let lisa: Person;
let platformId: string;
let nightDeskId: string;

beforeAll(async () => {
  // Set up the day before (a duty slot is booked before it starts), then pin the clock.
  let clock = new Date(NOW.getTime() - 86_400_000);
  t = await createTestApp({ clock: () => clock });
  const person = async (name: string, timeZone: string, chatUserId: string | null, skills?: string[]) => {
    const p = await t.person({ name, timeZone, ...(skills ? { skills } : {}) });
    if (chatUserId) expect((await t.admin.patch(`/v1/people/${p.personId}`, { chatUserId })).status).toBe(200);
    return p;
  };
  itamar = await person("Itamar", "Asia/Jerusalem", "U0ITAMAR");
  maya = await person("Maya", "Asia/Jerusalem", null);
  dana = await person("Dana", "Asia/Jerusalem", null);
  noy = await person("Noy", "Asia/Jerusalem", null);
  bob = await person("Bob", "America/New_York", "U0BOBNY");
  berta = await person("Berta", "Europe/Berlin", "U0BERTA");
  lisa = await person("Lisa", "Asia/Jerusalem", "U0LISA", ["legal"]);

  const team = await t.team({ name: "Platform team", timeZone: "Europe/London" });
  await t.team({ name: "Empty team", timeZone: "UTC" });
  const schedule = async (body: Record<string, unknown>) => {
    const res = await t.admin.post("/v1/schedules", body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  // Daily at 09:00 Jerusalem from Wed 10 June: Itamar, Maya, Dana, Itamar, …
  platformId = await schedule({
    name: "Platform",
    timeZone: "Asia/Jerusalem",
    teamId: team.id,
    layers: [{ participants: [itamar.personId, maya.personId, dana.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-06-10" }],
  });
  // Noy stands in from Wed 09:00 to Fri 09:00 (Jerusalem): for Itamar's turn, then Maya's.
  const override = await t.admin.post(`/v1/schedules/${platformId}/overrides`, { personId: noy.personId, start: "2026-06-10T06:00:00Z", end: "2026-06-12T06:00:00Z" });
  expect(override.status).toBe(201);
  await schedule({ name: "Support EU", timeZone: "Europe/Paris", layers: [{ participants: [maya.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-06-01" }] });
  await schedule({ name: "Support US", timeZone: "America/New_York", layers: [{ participants: [bob.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-06-01" }] });
  // Daily at 03:15 New York from 1 March 2027: Berta, Bob, … — 14 March 2027 springs forward at 02:00.
  nightDeskId = await schedule({
    name: "Night desk",
    timeZone: "America/New_York",
    layers: [{ participants: [berta.personId, bob.personId], turn: { unit: "days", count: 1 }, handoffTime: "03:15", startDate: "2027-03-01" }],
  });
  await schedule({ name: "Next Gen", timeZone: "UTC", layers: [{ participants: [dana.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-06-01" }] });

  expect((await t.admin.post("/v1/slack/workspaces", { slackTeamId: NO_DEFAULT, name: "No default", signingSecret: SECRET })).status).toBe(201);
  expect((await t.admin.post("/v1/slack/workspaces", { slackTeamId: WITH_DEFAULT, name: "Default", signingSecret: SECRET, defaultScheduleId: platformId })).status).toBe(201);

  // Chat duty, hourly slots 09:00–17:00 Jerusalem; Lisa (legal) and Dana hold Wednesday's 10:00 slot.
  const program = await t.admin.post("/v1/duty-programs", {
    name: "Support chat",
    timeZone: "Asia/Jerusalem",
    slotMinutes: 60,
    hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] },
    seatsPerSlot: 2,
    quotaPerMonth: 1,
    changeCutoffMinutes: 0,
  });
  expect(program.status).toBe(201);
  expect((await t.admin.post(`/v1/duty-programs/${program.body.id}/months/2026-06/slots`)).status).toBe(200);
  const slots = (await t.admin.get(`/v1/duty-programs/${program.body.id}/slots?month=2026-06`)).body.items as { id: string; start: string }[];
  const slot = slots.find((s) => s.start === "2026-06-10T07:00:00.000Z" || s.start === "2026-06-10T07:00:00Z")!;
  expect(slot).toBeDefined();
  for (const p of [lisa, dana]) {
    const booked = await t.admin.post(`/v1/duty-slots/${slot.id}/bookings`, { personId: p.personId });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
  }
  clock = NOW;
});
afterAll(() => t.close());

function slackBody(text: string, options: { user?: string; team?: string } = {}) {
  return new URLSearchParams({
    token: "legacy-verification-token",
    team_id: options.team ?? NO_DEFAULT,
    channel_id: "C0ONCALL",
    user_id: options.user ?? STRANGER,
    command: "/oncall",
    text,
    response_url: "https://hooks.slack.com/commands/T0CMDS/1234/secret-response-token",
  }).toString();
}

/** POSTs a slash command signed as Slack would, at the pinned clock. */
async function slash(text: string, options: { user?: string; team?: string } = {}) {
  const body = slackBody(text, options);
  const timestamp = Math.floor(NOW.getTime() / 1000);
  const signature = `v0=${createHmac("sha256", SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  const res = await t.anonymous.request("POST", "/v1/slack/commands", {
    rawBody: body,
    headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature },
  });
  expect(res.status).toBe(200);
  const blocks = res.body.blocks as { type: string; text?: { text: string }; elements?: { text: string }[] }[];
  return { ...res, type: res.body.response_type as string, text: res.body.text as string, first: blocks[0]?.text?.text ?? "" };
}

describe("/oncall with no name", () => {
  it("with a default schedule: who is on call there now", async () => {
    const res = await slash("", { team: WITH_DEFAULT });
    expect(res.type).toBe("in_channel");
    expect(res.first).toContain("Now on call for *Platform*: *Noy*");
  });

  it("without one: every schedule, a line each", async () => {
    const res = await slash("", { team: NO_DEFAULT });
    expect(res.type).toBe("in_channel");
    expect(res.first.split("\n")[0]).toBe("On call now:");
    for (const name of ["Platform", "Support EU", "Support US", "Night desk", "Next Gen"]) expect(res.first).toContain(`• *${name}*:`);
    expect(res.first).toContain("• *Platform*: *Noy*, covering *Itamar* until");
    // Night desk starts in 2027: nobody now.
    expect(res.first).toMatch(/• \*Night desk\*: nobody/);
  });

  it("`next` or `week` without a name, across several schedules, asks which one", async () => {
    for (const text of ["next", "week"]) {
      const res = await slash(text);
      expect(res.type).toBe("ephemeral");
      expect(res.first).toMatch(/^Which schedule\? Name one of \*Next Gen\*, \*Night desk\*, \*Platform\*, /);
    }
  });
});

describe("an override says whom it covers", () => {
  it("a stranger asks: “Noy, covering Itamar until Fri 09:00”, in the schedule's zone, and told so", async () => {
    const res = await slash("platform");
    expect(res.type).toBe("in_channel");
    expect(res.first).toBe("Now on call for *Platform*: *Noy* (10:00 in Asia/Jerusalem), covering *Itamar* until Fri 09:00 (since Wed 09:00).");
    expect(res.text).toContain("Next: *Dana* from Fri 09:00.");
    expect(res.text).toContain("Times in Asia/Jerusalem, the schedule's time zone: your Slack user is not linked to anyone in Rota");
    // Itamar is away: named, not pinged.
    expect(res.text).not.toContain("<@U0ITAMAR>");
  });

  it("/v1/oncall exposes the same: the covered person, with the override (replacesPersonId stays null)", async () => {
    const item = (await t.admin.get(`/v1/oncall?schedule=${platformId}`)).body.items[0];
    expect(item.current.source).toBe("override");
    expect(item.current.person.id).toBe(noy.personId);
    expect(item.current.covering).toMatchObject({ id: itamar.personId, name: "Itamar" });
    expect(item.current.override.replacesPersonId).toBeNull();
    const thursday = (await t.admin.get(`/v1/oncall?schedule=${platformId}&at=2026-06-11T10:00:00Z`)).body.items[0];
    expect(thursday.current.covering.id).toBe(maya.personId);
    const friday = (await t.admin.get(`/v1/oncall?schedule=${platformId}&at=2026-06-12T10:00:00Z`)).body.items[0];
    expect(friday.current).toMatchObject({ source: "layer", covering: null, person: { id: dana.personId } });
  });

  it("an override for a named person covers that person", async () => {
    const sub = await t.person({ name: "Sub", timeZone: "Asia/Jerusalem" });
    const schedule = await t.admin.post("/v1/schedules", {
      name: "Legal escalations",
      timeZone: "Asia/Jerusalem",
      layers: [{ participants: [lisa.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-06-01" }],
    });
    await t.admin.post(`/v1/schedules/${schedule.body.id}/overrides`, { personId: sub.personId, replacesPersonId: lisa.personId, start: "2026-06-09T06:00:00Z", end: "2026-06-13T06:00:00Z" });
    const res = await slash("legal escalations");
    expect(res.first).toContain("*Sub* (10:00 in Asia/Jerusalem), covering *Lisa* until Sat 09:00");
    await t.admin.delete(`/v1/schedules/${schedule.body.id}`);
  });
});

describe("times are read and written in the caller's zone", () => {
  it("Bob in New York: the same answer in his time, and told it is his zone", async () => {
    const res = await slash("platform", { user: "U0BOBNY" });
    expect(res.first).toBe("Now on call for *Platform*: *Noy* (10:00 in Asia/Jerusalem), covering *Itamar* until Fri 02:00 (since Wed 02:00).");
    expect(res.text).toContain("Times in America/New_York, your time zone in Rota.");
  });

  it("Bob asks `at tomorrow 09:00`: Thursday 09:00 in New York, 16:00 in Jerusalem, Noy covering Maya", async () => {
    const res = await slash("platform at tomorrow 09:00", { user: "U0BOBNY" });
    expect(res.type).toBe("in_channel");
    expect(res.first).toBe("On call for *Platform* at Thu 09:00: *Noy* (16:00 in Asia/Jerusalem), covering *Maya* until Fri 02:00 (since Wed 02:00).");
  });

  it("Bob asks `at fri 05:00`: 12:00 in Jerusalem, Dana's turn (read in Jerusalem it would still be Noy's override)", async () => {
    const res = await slash("Platform AT  Fri   05:00", { user: "U0BOBNY" });
    expect(res.first).toContain("On call for *Platform* at Fri 05:00: *Dana* (12:00 in Asia/Jerusalem) until Sat 02:00");
    const strangerSees = await slash("platform at fri 05:00");
    expect(strangerSees.first).toContain("at Fri 05:00: *Noy*");
  });

  it("`at 2026-12-24 18:00` is Christmas Eve in the schedule's zone for a stranger, and agrees with /v1/oncall", async () => {
    const res = await slash("platform at 2026-12-24 18:00");
    const item = (await t.admin.get(`/v1/oncall?schedule=${platformId}&at=2026-12-24T16:00:00Z`)).body.items[0]; // 18:00 IST (UTC+2)
    expect(res.first).toContain(`On call for *Platform* at Thu 24 Dec 18:00: *${item.current.person.name}*`);
  });

  it("a bare date is its start, and a time already past today still answers", async () => {
    const date = await slash("platform at 2026-06-12");
    expect(date.first).toContain("at Fri 00:00: *Noy*");
    // The rotation starts at 09:00 today: before that, a gap.
    const past = await slash("platform at today 08:00");
    expect(past.first).toBe("Nobody is on call for *Platform* at Wed 08:00 (until Wed 09:00).");
  });

  it("02:30 on New York's spring-forward night is 03:00 EDT (SPEC §2), before the 03:15 hand-off: Berta, not Bob", async () => {
    const res = await slash("night desk at 2027-03-14 02:30", { user: "U0BOBNY" });
    expect(res.first).toContain("On call for *Night desk* at Sun 14 Mar 2027 03:00: <@U0BERTA> (Berta, 08:00 in Europe/Berlin) until Sun 14 Mar 2027 03:15");
    expect(res.text).toContain("02:30 does not exist in America/New_York on 2027-03-14 (clocks go forward)");
    // luxon's default would have read 03:30, after the hand-off.
    const api = (await t.admin.get(`/v1/oncall?schedule=${nightDeskId}&at=2027-03-14T07:00:00Z`)).body.items[0];
    expect(api.current.person.id).toBe(berta.personId);
    expect((await t.admin.get(`/v1/oncall?schedule=${nightDeskId}&at=2027-03-14T07:30:00Z`)).body.items[0].current.person.id).toBe(bob.personId);
  });

  it("02:30 on Berlin's spring-forward night, asked by Berta in Berlin, is 03:00 CEST", async () => {
    const res = await slash("night desk at 2027-03-28 02:30", { user: "U0BERTA" });
    expect(res.first).toContain("at Sun 28 Mar 2027 03:00:");
    expect(res.text).toContain("02:30 does not exist in Europe/Berlin on 2027-03-28 (clocks go forward)");
    expect(res.text).toContain("Times in Europe/Berlin, your time zone in Rota.");
  });

  it("01:30 on New York's fall-back night takes the first 01:30 (EDT)", async () => {
    const res = await slash("night desk at 2027-11-07 01:30", { user: "U0BOBNY" });
    expect(res.first).toContain("at Sun 7 Nov 2027 01:30:");
    expect(res.text).toContain("01:30 happens twice in America/New_York on 2027-11-07 (clocks go back); this is the first time");
  });

  it("a time that is not one, or out of range: an ephemeral hint with the accepted forms", async () => {
    for (const [text, expected] of [
      ["platform at 25:00", "I could not read “25:00” as a time."],
      ["platform at someday", "I could not read “someday” as a time."],
      ["platform at", "`at` needs a time after it."],
      ["platform at 2250-01-01", "outside the dates Rota keeps"],
    ] as const) {
      const res = await slash(text);
      expect(res.type).toBe("ephemeral");
      expect(res.first).toContain(expected);
      expect(res.first).toContain("`tomorrow 09:00`");
    }
  });
});

describe("next and week", () => {
  it("next: who, and when the hand-off is", async () => {
    const res = await slash("next platform");
    expect(res.first).toBe("Next on call for *Platform*: *Dana* from Fri 09:00.");
    expect(res.text).toContain("Now: *Noy*, covering *Itamar* until Fri 09:00.");
    expect((await slash("platform next")).first).toBe(res.first);
  });

  it("week: the next 7 days hand-off by hand-off, the override split by whom it covers", async () => {
    const res = await slash("platform week");
    expect(res.type).toBe("in_channel");
    const lines = res.first.split("\n");
    expect(lines[0]).toBe("On call for *Platform*, the next 7 days:");
    expect(lines.slice(1)).toEqual([
      "• now – Thu 09:00  *Noy*, covering *Itamar*",
      "• Thu 09:00 – Fri 09:00  *Noy*, covering *Maya*",
      "• Fri 09:00 – Sat 09:00  *Dana*",
      "• Sat 09:00 – Sun 09:00  *Itamar*",
      "• Sun 09:00 – Mon 09:00  *Maya*",
      "• Mon 09:00 – Tue 09:00  *Dana*",
      "• Tue 09:00 – Wed 17 Jun 09:00  *Itamar*",
      "• Wed 17 Jun 09:00 – Thu 18 Jun 09:00  *Maya*",
    ]);
    expect(res.text).not.toContain("<@");
  });
});

describe("names: schedules, teams, close matches", () => {
  it("a team's name answers for its schedule, in the team's zone for a stranger", async () => {
    const res = await slash("Platform team");
    expect(res.first).toContain("Now on call for *Platform*: *Noy*");
    expect(res.first).toContain("until Fri 07:00"); // London, BST
    expect(res.text).toContain("Times in Europe/London, the team's time zone");
  });

  it("part of one name is enough: “night” is the Night desk", async () => {
    expect((await slash("night")).first).toContain("*Night desk*");
  });

  it("“support” matches two schedules: an ephemeral “which one?” listing both", async () => {
    const res = await slash("support");
    expect(res.type).toBe("ephemeral");
    expect(res.first).toBe("“support” could mean *Support EU* or *Support US*. Which one?");
  });

  it("a typo gets a suggestion; nothing close lists what exists", async () => {
    const typo = await slash("platfrom");
    expect(typo.type).toBe("ephemeral");
    expect(typo.first).toContain("Did you mean *Platform*");
    const none = await slash("kubernetes");
    expect(none.type).toBe("ephemeral");
    expect(none.text).toContain("Schedules and teams:");
    expect(none.text).toContain("Support EU");
  });

  it("a team without a schedule says so", async () => {
    const res = await slash("empty team");
    expect(res.type).toBe("ephemeral");
    expect(res.first).toContain("The team Empty team has no on-call schedule.");
  });

  it("a schedule whose name starts with a keyword is a name first: “next gen”", async () => {
    const res = await slash("next gen");
    expect(res.first).toContain("Now on call for *Next Gen*: *Dana*");
    // Still a keyword once it is not the whole name.
    expect((await slash("next gen next")).first).toContain("Nobody is scheduled next for *Next Gen*");
  });
});

describe("/oncall duty [skill]", () => {
  it("who is on chat duty now, until when (the program's zone for a stranger)", async () => {
    const res = await slash("duty");
    expect(res.type).toBe("in_channel");
    expect(res.first).toBe("On chat duty now for *Support chat*: *Dana* until Wed 11:00, <@U0LISA> (Lisa) until Wed 11:00");
    expect(res.text).toContain("the duty program's time zone");
  });

  it("with a skill: only those who have it, the others named; nobody with it says so", async () => {
    const legal = await slash("duty LEGAL", { user: "U0BOBNY" });
    expect(legal.first).toBe("On chat duty now for *Support chat* with *legal*: <@U0LISA> (Lisa) until Wed 04:00");
    expect(legal.text).toContain("On duty without *legal*: *Dana*.");
    const french = await slash("duty french");
    expect(french.first).toBe("Nobody with *french* is on chat duty right now.");
  });

  it("something that is not a skill is an ephemeral hint", async () => {
    const res = await slash("duty legal and tax");
    expect(res.type).toBe("ephemeral");
    expect(res.first).toContain("is not a skill");
  });
});

describe("help and bad input", () => {
  it("help is ephemeral and shows every form with the names", async () => {
    const res = await slash("HELP");
    expect(res.type).toBe("ephemeral");
    for (const form of ["at &lt;time&gt;", "next", "week", "duty &lt;skill&gt;"]) expect(res.text).toContain(form);
    expect(res.text).toContain("Platform team");
    expect(res.text).toContain("Night desk");
  });

  it("any text gets a 200 Slack message, never a 500 (property)", async () => {
    const words = fc.constantFrom("at", "next", "week", "duty", "help", "platform", "today", "fri", "09:00", "2026-02-30", "25:61", "<#C1|x>", "&amp;", "“", "#", "9pm", "2199-12-31");
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.array(words, { maxLength: 6 }).map((w) => w.join(" ")), fc.string({ maxLength: 40 }).filter((s) => !s.includes("\u0000"))), async (text) => {
        const res = await slash(text);
        expect(["in_channel", "ephemeral"]).toContain(res.type);
        expect(res.text.length).toBeGreaterThan(0);
      }),
      { numRuns: 40 },
    );
  });
});
