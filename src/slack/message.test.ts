import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  type AnswerClock,
  ambiguousTargetMessage,
  badTimeMessage,
  dutyMessage,
  errorMessage,
  escapeMrkdwn,
  helpMessage,
  type OnCallAnswer,
  type OnCallPersonView,
  onCallListMessage,
  onCallMessage,
  type SlackMessage,
  timeText,
  unknownTargetMessage,
  weekMessage,
  workingOnItMessage,
} from "./message.ts";

const NOW = new Date("2026-05-11T08:14:00Z"); // Monday; 11:14 in Jerusalem (IDT, UTC+3)
const SINCE = new Date("2026-05-11T08:00:00Z");
const UNTIL = new Date("2026-05-12T08:00:00Z");
const ana: OnCallPersonView = { name: "Ana", chatUserId: "U123ABC", timeZone: "Europe/Lisbon" };
const bob: OnCallPersonView = { name: "Bob", chatUserId: null, timeZone: "America/New_York" };
const itamar: OnCallPersonView = { name: "Itamar", chatUserId: "U0ITAMAR", timeZone: "Asia/Jerusalem" };
/** The caller is in Jerusalem: every time in an answer is written there. */
const CLOCK: AnswerClock = { zone: "Asia/Jerusalem", zoneSource: "caller", now: NOW };

const localClock = (at: Date, zone: string, format = "HH:mm") => DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat(format);

function answer(overrides: Partial<OnCallAnswer> = {}): OnCallAnswer {
  return {
    scheduleName: "Community",
    current: { person: ana, since: SINCE, until: UNTIL, viaOverride: false, covering: null },
    gapUntil: null,
    next: { person: bob, from: UNTIL },
    ...overrides,
  };
}

/** What Block Kit accepts for these messages: sections and contexts of mrkdwn within Slack's limits, JSON only. */
function expectValidSlackMessage(message: SlackMessage): void {
  expect(JSON.parse(JSON.stringify(message))).toEqual(message);
  expect(["in_channel", "ephemeral"]).toContain(message.response_type);
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  for (const block of message.blocks) {
    const texts = block.type === "section" ? [block.text] : block.elements;
    if (block.type === "context") expect(block.elements.length).toBeGreaterThanOrEqual(1);
    if (block.type === "context") expect(block.elements.length).toBeLessThanOrEqual(10);
    for (const text of texts) {
      expect(text.type).toBe("mrkdwn");
      expect(text.text.length).toBeGreaterThan(0);
      expect(text.text.length).toBeLessThanOrEqual(3000);
    }
  }
}

const allText = (message: SlackMessage) => JSON.stringify(message);

describe("times are written in the answer's zone with the weekday", () => {
  it("this week: weekday and time; later or earlier: the date too; another year: the year", () => {
    expect(timeText(UNTIL, CLOCK)).toBe("Tue 11:00");
    expect(timeText(NOW, CLOCK)).toBe("Mon 11:14");
    expect(timeText(new Date("2026-05-17T20:00:00Z"), CLOCK)).toBe("Sun 23:00");
    expect(timeText(new Date("2026-05-18T08:00:00Z"), CLOCK)).toBe("Mon 18 May 11:00");
    expect(timeText(new Date("2026-05-08T08:00:00Z"), CLOCK)).toBe("Fri 8 May 11:00");
    expect(timeText(new Date("2027-01-01T08:00:00Z"), CLOCK)).toBe("Fri 1 Jan 2027 10:00");
  });

  it("the same instant reads differently in another zone (New York, UTC-4)", () => {
    expect(timeText(UNTIL, { ...CLOCK, zone: "America/New_York" })).toBe("Tue 04:00");
  });
});

describe("who is on call now", () => {
  it("Ana is on call for Community: mentioned, her Lisbon time, until and since in the caller's zone, Bob next", () => {
    const message = onCallMessage(answer(), "now", CLOCK);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("in_channel");
    expect(localClock(NOW, "Europe/Lisbon")).toBe("09:14"); // WEST, UTC+1 in May
    expect(message.blocks[0]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "Now on call for *Community*: <@U123ABC> (Ana, 09:14 in Europe/Lisbon) until Tue 11:00 (since Mon 11:00)." },
    });
    expect(message.blocks[1]).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: "Next: *Bob* from Tue 11:00 (Tue 04:00 in America/New_York)." }],
    });
    expect(message.text).toContain("Times in Asia/Jerusalem, your time zone in Rota.");
  });

  it("without a Slack id the person is shown by bold name, with their local time", () => {
    const message = onCallMessage(answer({ current: { person: bob, since: SINCE, until: UNTIL, viaOverride: false, covering: null }, next: null }), "now", CLOCK);
    expect(localClock(NOW, "America/New_York")).toBe("04:14");
    expect(message.text).toContain("*Bob* (04:14 in America/New_York) until");
    expect(message.text).not.toContain("<@");
    expect(message.text).toContain("Nobody is scheduled next.");
  });

  it("the person's local time follows their zone, not the host's (Asia/Kolkata, UTC+5:30)", () => {
    const person = { ...ana, timeZone: "Asia/Kolkata" };
    const message = onCallMessage(answer({ current: { person, since: SINCE, until: UNTIL, viaOverride: false, covering: null } }), "now", CLOCK);
    expect(message.text).toContain("(Ana, 13:44 in Asia/Kolkata)");
  });

  it("an override names whom it covers, without pinging them: “Ana, covering Itamar until Tue 11:00”", () => {
    const message = onCallMessage(answer({ current: { person: ana, since: SINCE, until: UNTIL, viaOverride: true, covering: itamar } }), "now", CLOCK);
    expect(message.text).toContain("<@U123ABC> (Ana, 09:14 in Europe/Lisbon), covering *Itamar* until Tue 11:00 (since Mon 11:00).");
    expect(message.text).not.toContain("<@U0ITAMAR>");
    expect(onCallMessage(answer(), "now", CLOCK).text).not.toContain("covering");
  });

  it("an override over a gap says so", () => {
    const message = onCallMessage(answer({ current: { person: ana, since: SINCE, until: UNTIL, viaOverride: true, covering: null } }), "now", CLOCK);
    expect(message.text).toContain("(Ana, 09:14 in Europe/Lisbon), covering a gap until Tue 11:00");
  });

  it("a turn that began before the look-back leaves out “since”", () => {
    const message = onCallMessage(answer({ current: { person: ana, since: null, until: UNTIL, viaOverride: false, covering: null } }), "now", CLOCK);
    expect(message.blocks[0]).toMatchObject({ text: { text: "Now on call for *Community*: <@U123ABC> (Ana, 09:14 in Europe/Lisbon) until Tue 11:00." } });
  });

  it("a gap: nobody on call right now, until when, and who comes next", () => {
    const message = onCallMessage(answer({ current: null, gapUntil: UNTIL }), "now", CLOCK);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("in_channel");
    expect(message.text).toContain("Nobody is on call for *Community* now (until Tue 11:00).");
    expect(message.text).toContain("Next: *Bob* from Tue 11:00");
  });

  it("a gap with nobody next either still answers", () => {
    const message = onCallMessage(answer({ current: null, next: null }), "now", CLOCK);
    expectValidSlackMessage(message);
    expect(message.text).toBe("Nobody is on call for *Community* now.\nNobody is scheduled next.\nTimes in Asia/Jerusalem, your time zone in Rota.");
  });

  it("an unusable time zone leaves out the local time instead of printing “Invalid DateTime”", () => {
    const person = { ...ana, timeZone: "Mars/Olympus_Mons" };
    const message = onCallMessage(answer({ current: { person, since: SINCE, until: UNTIL, viaOverride: false, covering: null } }), "now", CLOCK);
    expect(message.text).toContain("<@U123ABC> (Ana) until");
    expect(message.text).not.toContain("Invalid");
  });

  it("an unknown caller gets the schedule's zone and is told why", () => {
    const message = onCallMessage(answer(), "now", { zone: "Europe/Paris", zoneSource: "schedule", now: NOW });
    expect(message.text).toContain("until Tue 10:00");
    expect(message.text).toContain("Times in Europe/Paris, the schedule's time zone: your Slack user is not linked to anyone in Rota");
    expect(onCallMessage(answer(), "now", { zone: "UTC", zoneSource: "utc", now: NOW }).text).toContain("Times in UTC: your Slack user");
  });
});

describe("who is on call at a time asked for", () => {
  const at = new Date("2026-05-14T15:00:00Z"); // Thu 18:00 in Jerusalem
  it("says the moment asked, and the person's local time then", () => {
    const message = onCallMessage(answer(), "now", CLOCK, { at, date: "2026-05-14", time: "18:00", adjusted: null });
    expect(message.blocks[0]).toMatchObject({ text: { text: "On call for *Community* at Thu 18:00: <@U123ABC> (Ana, 16:00 in Europe/Lisbon) until Tue 11:00 (since Mon 11:00)." } });
  });

  it("a time in the spring-forward gap is explained, with the instant used", () => {
    const clock: AnswerClock = { zone: "America/New_York", zoneSource: "caller", now: new Date("2026-03-05T12:00:00Z") };
    const gapAt = new Date("2026-03-08T07:00:00Z"); // 03:00 EDT, the transition
    const message = onCallMessage(answer(), "now", clock, { at: gapAt, date: "2026-03-08", time: "02:30", adjusted: "gap" });
    expect(message.text).toContain("On call for *Community* at Sun 03:00:");
    expect(message.text).toContain("02:30 does not exist in America/New_York on 2026-03-08 (clocks go forward), so this is the answer for Sun 03:00");
  });

  it("an ambiguous fall-back time says it took the first one", () => {
    const message = onCallMessage(answer(), "now", CLOCK, { at: UNTIL, date: "2026-10-25", time: "01:30", adjusted: "fold" });
    expect(message.text).toContain("01:30 happens twice in Asia/Jerusalem on 2026-10-25 (clocks go back); this is the first time");
  });

  it("a gap at that time", () => {
    const message = onCallMessage(answer({ current: null, gapUntil: UNTIL }), "now", CLOCK, { at, date: "2026-05-14", time: "18:00", adjusted: null });
    expect(message.text).toContain("Nobody is on call for *Community* at Thu 18:00 (until Tue 11:00).");
  });
});

describe("who is on call next", () => {
  it("Bob is next from Tuesday 11:00 Jerusalem, shown in his zone too; Ana is on until then", () => {
    const message = onCallMessage(answer(), "next", CLOCK);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("in_channel");
    expect(localClock(UNTIL, "America/New_York", "ccc HH:mm")).toBe("Tue 04:00");
    expect(message.text).toBe(
      "Next on call for *Community*: *Bob* from Tue 11:00 (Tue 04:00 in America/New_York).\nNow: <@U123ABC> (Ana) until Tue 11:00.\nTimes in Asia/Jerusalem, your time zone in Rota.",
    );
  });

  it("no second local time when the person lives in the answer's zone", () => {
    const message = onCallMessage(answer({ next: { person: itamar, from: UNTIL } }), "next", CLOCK);
    expect(message.text).toContain("<@U0ITAMAR> (Itamar) from Tue 11:00.");
  });

  it("next during a gap, with an override currently covering, and with nobody next", () => {
    expect(onCallMessage(answer({ current: null }), "next", CLOCK).text).toContain("Nobody is on call right now.");
    expect(onCallMessage(answer({ current: { person: ana, since: SINCE, until: UNTIL, viaOverride: true, covering: itamar } }), "next", CLOCK).text).toContain(
      "Now: <@U123ABC> (Ana), covering *Itamar* until Tue 11:00.",
    );
    const nobody = onCallMessage(answer({ next: null }), "next", CLOCK);
    expectValidSlackMessage(nobody);
    expect(nobody.text).toContain("Nobody is scheduled next for *Community*.");
  });
});

describe("several schedules, the week, chat duty", () => {
  it("every schedule: one line each, a gap shown as nobody", () => {
    const message = onCallListMessage([answer(), answer({ scheduleName: "Night", current: null, gapUntil: UNTIL })], CLOCK);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("in_channel");
    expect(message.blocks[0]).toMatchObject({ text: { text: "On call now:\n• *Community*: <@U123ABC> (Ana) until Tue 11:00\n• *Night*: nobody until Tue 11:00" } });
  });

  it("more schedules than fit: twenty-five lines and a count", () => {
    const many = Array.from({ length: 30 }, (_, i) => answer({ scheduleName: `S${i}` }));
    const message = onCallListMessage(many, CLOCK);
    expectValidSlackMessage(message);
    expect(message.text).toContain("…and 5 more; ask for one by name.");
    expect(message.text).not.toContain("*S25*");
  });

  it("the week: one line per turn, “now” first, names without mentions, overrides with whom they cover", () => {
    const tue = UNTIL;
    const wed = new Date("2026-05-13T08:00:00Z");
    const fri = new Date("2026-05-15T06:00:00Z");
    const message = weekMessage(
      "Community",
      [
        { person: ana, start: SINCE, end: tue, viaOverride: false, covering: null },
        { person: bob, start: tue, end: wed, viaOverride: true, covering: itamar },
        { person: null, start: wed, end: fri, viaOverride: false, covering: null },
      ],
      CLOCK,
    );
    expectValidSlackMessage(message);
    expect(message.blocks[0]).toMatchObject({
      text: { text: "On call for *Community*, the next 7 days:\n• now – Tue 11:00  *Ana*\n• Tue 11:00 – Wed 11:00  *Bob*, covering *Itamar*\n• Wed 11:00 – Fri 09:00  _nobody on call_" },
    });
    expect(message.text).not.toContain("<@");
  });

  it("chat duty: who, until when; with a skill only those who have it, naming the others", () => {
    const programs = [{ programName: "Support chat", onDuty: [{ person: ana, until: UNTIL, hasSkill: true }, { person: bob, until: UNTIL, hasSkill: false }] }];
    const all = dutyMessage(programs, null, CLOCK);
    expectValidSlackMessage(all);
    expect(all.blocks[0]).toMatchObject({ text: { text: "On chat duty now for *Support chat*: <@U123ABC> (Ana) until Tue 11:00, *Bob* until Tue 11:00" } });
    const legal = dutyMessage(programs, "legal", CLOCK);
    expect(legal.blocks[0]).toMatchObject({ text: { text: "On chat duty now for *Support chat* with *legal*: <@U123ABC> (Ana) until Tue 11:00" } });
    expect(legal.text).toContain("On duty without *legal*: *Bob*.");
    const nobody = dutyMessage([{ programName: "Support chat", onDuty: [{ person: bob, until: UNTIL, hasSkill: false }] }], "legal", CLOCK);
    expect(nobody.text).toContain("Nobody with *legal* is on chat duty right now.");
    expect(dutyMessage([{ programName: "Support chat", onDuty: [] }], null, CLOCK).text).toContain("Nobody is on chat duty right now.");
    expect(dutyMessage([], null, CLOCK).response_type).toBe("ephemeral");
  });

  it("several duty programs: a line each", () => {
    const message = dutyMessage(
      [
        { programName: "EU chat", onDuty: [{ person: ana, until: UNTIL, hasSkill: false }] },
        { programName: "US chat", onDuty: [{ person: bob, until: UNTIL, hasSkill: false }] },
      ],
      null,
      CLOCK,
    );
    expect(message.blocks[0]).toMatchObject({ text: { text: "On chat duty now:\n• *EU chat*: <@U123ABC> (Ana) until Tue 11:00\n• *US chat*: *Bob* until Tue 11:00" } });
  });
});

describe("user-provided text is escaped", () => {
  it("a schedule and a person named with <script> and & render as text, not markup", () => {
    const evil: OnCallPersonView = { name: "<script>alert(1)</script> & co", chatUserId: null, timeZone: "Europe/Lisbon" };
    const message = onCallMessage(answer({ scheduleName: "R&D <on-call>", current: { person: evil, since: SINCE, until: UNTIL, viaOverride: true, covering: evil } }), "now", CLOCK);
    expectValidSlackMessage(message);
    expect(message.text).toContain("*R&amp;D &lt;on-call&gt;*");
    expect(message.text).toContain("*&lt;script&gt;alert(1)&lt;/script&gt; &amp; co*");
    expect(message.text).toContain("covering *&lt;script&gt;alert(1)&lt;/script&gt; &amp; co*");
    expect(allText(message)).not.toContain("<script>");
    expect(allText(badTimeMessage("<!channel> & 25:00"))).not.toContain("<!channel>");
    expect(allText(ambiguousTargetMessage("<x>", ["<a>", "b"]))).not.toContain("<a>");
  });

  it("a stored chat id that is not a Slack member id cannot inject <!channel>", () => {
    const person = { ...ana, chatUserId: "U1>|<!channel" };
    const message = onCallMessage(answer({ current: { person, since: SINCE, until: UNTIL, viaOverride: false, covering: null } }), "now", CLOCK);
    expect(message.text).not.toContain("<!channel");
    expect(message.text).toContain("*Ana* (09:14 in Europe/Lisbon)");
  });

  it("escapes only &, < and >", () => {
    expect(escapeMrkdwn(`a & b <c> "d" *e*`)).toBe(`a &amp; b &lt;c&gt; "d" *e*`);
  });
});

describe("help, unknown names and errors are ephemeral", () => {
  it("help shows the usage with the command as Slack sent it, and the schedules", () => {
    const message = helpMessage("/oncall", ["Community", "Support & Billing"]);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("ephemeral");
    expect(message.text).toContain("`/oncall next`");
    expect(message.text).toContain("`/oncall &lt;schedule or team&gt;`");
    expect(message.text).toContain("`/oncall &lt;schedule or team&gt; at &lt;time&gt;`");
    expect(message.text).toContain("`tomorrow 09:00`");
    expect(message.text).toContain("`/oncall &lt;schedule or team&gt; week`");
    expect(message.text).toContain("`/oncall duty &lt;skill&gt;`");
    expect(message.text).toContain("Schedules and teams: Community, Support &amp; Billing");
    expect(helpMessage("/who", []).text).toContain("`/who help`");
    expect(helpMessage("/who", []).text).toContain("There are no schedules or teams yet.");
  });

  it("help with many schedules lists twenty and counts the rest", () => {
    const names = Array.from({ length: 45 }, (_, i) => `Schedule ${i + 1}`);
    const message = helpMessage("/oncall", names);
    expectValidSlackMessage(message);
    expect(message.text).toContain("Schedule 20 and 25 more");
    expect(message.text).not.toContain("Schedule 21,");
  });

  it("“comunity” is unknown: ephemeral, with the suggestions, not an error", () => {
    const message = unknownTargetMessage("comunity", ["Community", "Community Success"], ["Community", "Community Success", "Support"]);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("ephemeral");
    expect(message.blocks[0]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "No schedule or team called “comunity”. Did you mean *Community* or *Community Success*?" },
    });
    expect(message.text).toContain("Type `/oncall help` for usage.");
  });

  it("three suggestions read as a list; the query is escaped", () => {
    const message = unknownTargetMessage("<x&y>", ["A", "B", "C"], ["A", "B", "C"]);
    expect(message.text).toContain("No schedule or team called “&lt;x&amp;y&gt;”. Did you mean *A*, *B* or *C*?");
  });

  it("no suggestion: lists up to ten names, then how many more", () => {
    const names = Array.from({ length: 12 }, (_, i) => `Team ${String.fromCharCode(65 + i)}`);
    const message = unknownTargetMessage("kubernetes", [], names);
    expectValidSlackMessage(message);
    expect(message.text).toContain("Schedules and teams: Team A, Team B");
    expect(message.text).toContain("Team J and 2 more");
    expect(unknownTargetMessage("x", [], []).text).toContain("There are no schedules or teams yet.");
    expect(unknownTargetMessage("x", [], [], "/who").text).toContain("`/who help`");
  });

  it("a very long query is shortened and the blocks stay within Slack's limits", () => {
    const message = unknownTargetMessage("<".repeat(5000), [], Array.from({ length: 500 }, () => "&".repeat(500)));
    expectValidSlackMessage(message);
  });

  it("two names match: “which one?”, listing them", () => {
    const message = ambiguousTargetMessage("support", ["Support EU", "Support US"]);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("ephemeral");
    expect(message.blocks[0]).toMatchObject({ text: { text: "“support” could mean *Support EU* or *Support US*. Which one?" } });
    expect(ambiguousTargetMessage("", ["A", "B"]).blocks[0]).toMatchObject({ text: { text: "Which schedule? Name one of *A* or *B*." } });
  });

  it("a time that cannot be read, or is out of range, shows the accepted forms", () => {
    const message = badTimeMessage("25:99");
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("ephemeral");
    expect(message.text).toContain("I could not read “25:99” as a time. Try `14:00`");
    expect(badTimeMessage(" ").text).toContain("`at` needs a time after it. Try `14:00`");
    expect(badTimeMessage("2250-01-01", "/oncall", "out_of_range").text).toContain("outside the dates Rota keeps (1970–2199)");
  });

  it("the acknowledgement of a slow answer is ephemeral", () => {
    const message = workingOnItMessage();
    expectValidSlackMessage(message);
    expect(message).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("Working on it…") });
  });

  it("an error is ephemeral plain text", () => {
    const message = errorMessage("This workspace is not connected to Rota <yet> & never will be.");
    expectValidSlackMessage(message);
    expect(message).toEqual({
      response_type: "ephemeral",
      text: "This workspace is not connected to Rota &lt;yet&gt; &amp; never will be.",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "This workspace is not connected to Rota &lt;yet&gt; &amp; never will be." } }],
    });
  });

  it("an error longer than a section allows is clipped without cutting an entity", () => {
    const message = errorMessage(`${"a".repeat(2997)}&&&&`);
    expectValidSlackMessage(message);
    const [block] = message.blocks;
    expect(block?.type === "section" && block.text.text.endsWith("aaa…")).toBe(true);
  });
});
