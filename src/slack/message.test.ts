import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { errorMessage, escapeMrkdwn, helpMessage, type OnCallAnswer, type OnCallPersonView, onCallMessage, type SlackMessage, unknownTargetMessage } from "./message.ts";

const NOW = new Date("2026-05-11T08:14:00Z"); // Monday
const SINCE = new Date("2026-05-11T08:00:00Z");
const UNTIL = new Date("2026-05-12T08:00:00Z");
const ana: OnCallPersonView = { name: "Ana", chatUserId: "U123ABC", timeZone: "Europe/Lisbon" };
const bob: OnCallPersonView = { name: "Bob", chatUserId: null, timeZone: "America/New_York" };

const token = (instant: Date) => `<!date^${instant.getTime() / 1000}^{date_short_pretty} {time}|${instant.toISOString().replace(".000Z", "Z")}>`;
const localClock = (at: Date, zone: string, format = "HH:mm") => DateTime.fromJSDate(at, { zone }).setLocale("en-US").toFormat(format);

function answer(overrides: Partial<OnCallAnswer> = {}): OnCallAnswer {
  return {
    scheduleName: "Community",
    current: { person: ana, since: SINCE, until: UNTIL, viaOverride: false },
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

describe("who is on call now", () => {
  it("Ana is on call for Community: mentioned, her Lisbon time, since/until as date tokens, Bob next", () => {
    const message = onCallMessage(answer(), "now", NOW);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("in_channel");
    expect(localClock(NOW, "Europe/Lisbon")).toBe("09:14"); // WEST, UTC+1 in May
    expect(message.blocks[0]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: `Now on call for *Community*: <@U123ABC> (Ana, 09:14 in Europe/Lisbon) since ${token(SINCE)}, until ${token(UNTIL)}.` },
    });
    expect(message.blocks[1]).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: `Next: *Bob* from ${token(UNTIL)} (${localClock(UNTIL, "America/New_York", "ccc HH:mm")} in America/New_York).` }],
    });
    expect(message.text).toContain("<@U123ABC>");
    expect(message.text).toContain("Next: *Bob*");
  });

  it("the date token carries unix seconds and a UTC ISO fallback", () => {
    const message = onCallMessage(answer(), "now", NOW);
    expect(message.text).toContain("<!date^1778486400^{date_short_pretty} {time}|2026-05-11T08:00:00Z>");
  });

  it("without a Slack id the person is shown by bold name, with their local time", () => {
    const message = onCallMessage(answer({ current: { person: bob, since: SINCE, until: UNTIL, viaOverride: false }, next: null }), "now", NOW);
    expect(localClock(NOW, "America/New_York")).toBe("04:14");
    expect(message.text).toContain("*Bob* (04:14 in America/New_York) since");
    expect(message.text).not.toContain("<@");
    expect(message.text).toContain("Nobody is scheduled next.");
  });

  it("the person's local time follows their zone, not the host's (Asia/Kolkata, UTC+5:30)", () => {
    const person = { ...ana, timeZone: "Asia/Kolkata" };
    const message = onCallMessage(answer({ current: { person, since: SINCE, until: UNTIL, viaOverride: false } }), "now", NOW);
    expect(message.text).toContain("(Ana, 13:44 in Asia/Kolkata)");
  });

  it("a substitute via override is marked as covering", () => {
    const message = onCallMessage(answer({ current: { person: ana, since: SINCE, until: UNTIL, viaOverride: true } }), "now", NOW);
    expect(message.text).toContain("<@U123ABC> (Ana, 09:14 in Europe/Lisbon), covering via override, since");
    expect(onCallMessage(answer(), "now", NOW).text).not.toContain("override");
  });

  it("a gap: nobody on call right now, and who comes next", () => {
    const message = onCallMessage(answer({ current: null }), "now", NOW);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("in_channel");
    expect(message.text).toContain("Nobody is on call for *Community* right now.");
    expect(message.text).toContain(`Next: *Bob* from ${token(UNTIL)}`);
  });

  it("a gap with nobody next either still answers", () => {
    const message = onCallMessage(answer({ current: null, next: null }), "now", NOW);
    expectValidSlackMessage(message);
    expect(message.text).toBe("Nobody is on call for *Community* right now.\nNobody is scheduled next.");
  });

  it("an unusable time zone leaves out the local time instead of printing “Invalid DateTime”", () => {
    const person = { ...ana, timeZone: "Mars/Olympus_Mons" };
    const message = onCallMessage(answer({ current: { person, since: SINCE, until: UNTIL, viaOverride: false } }), "now", NOW);
    expect(message.text).toContain("<@U123ABC> (Ana) since");
    expect(message.text).not.toContain("Invalid");
  });
});

describe("who is on call next", () => {
  it("Bob is next from Tuesday 08:00Z, shown in his zone too; Ana is on until then", () => {
    const message = onCallMessage(answer(), "next", NOW);
    expectValidSlackMessage(message);
    expect(message.response_type).toBe("in_channel");
    expect(localClock(UNTIL, "America/New_York", "ccc HH:mm")).toBe("Tue 04:00");
    expect(message.text).toBe(`Next on call for *Community*: *Bob* from ${token(UNTIL)} (Tue 04:00 in America/New_York).\nNow: <@U123ABC> (Ana) until ${token(UNTIL)}.`);
  });

  it("next during a gap, with an override currently covering, and with nobody next", () => {
    expect(onCallMessage(answer({ current: null }), "next", NOW).text).toContain("Nobody is on call right now.");
    expect(onCallMessage(answer({ current: { person: ana, since: SINCE, until: UNTIL, viaOverride: true } }), "next", NOW).text).toContain(
      "Now: <@U123ABC> (Ana), covering via override, until",
    );
    const nobody = onCallMessage(answer({ next: null }), "next", NOW);
    expectValidSlackMessage(nobody);
    expect(nobody.text).toContain("Nobody is scheduled next for *Community*.");
  });
});

describe("user-provided text is escaped", () => {
  it("a schedule and a person named with <script> and & render as text, not markup", () => {
    const evil: OnCallPersonView = { name: "<script>alert(1)</script> & co", chatUserId: null, timeZone: "Europe/Lisbon" };
    const message = onCallMessage(answer({ scheduleName: "R&D <on-call>", current: { person: evil, since: SINCE, until: UNTIL, viaOverride: false } }), "now", NOW);
    expectValidSlackMessage(message);
    expect(message.text).toContain("*R&amp;D &lt;on-call&gt;*");
    expect(message.text).toContain("*&lt;script&gt;alert(1)&lt;/script&gt; &amp; co*");
    expect(allText(message)).not.toContain("<script>");
  });

  it("a stored chat id that is not a Slack member id cannot inject <!channel>", () => {
    const person = { ...ana, chatUserId: "U1>|<!channel" };
    const message = onCallMessage(answer({ current: { person, since: SINCE, until: UNTIL, viaOverride: false } }), "now", NOW);
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
