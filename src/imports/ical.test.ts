import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type IcalImportOptions, parseIcalExport, parseIcalOnCalls } from "./ical.ts";
import { ImportError, type OldAnswers, type SourceExport } from "./model.ts";
import { replaySchedule } from "./replay.ts";

const fixtures = new URL("../../tests/fixtures/imports/ical/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, fixtures), "utf8");

interface Expected {
  window: { start: string; end: string };
  mapping: Record<string, string>;
  answers: { person: string; start: string; end: string; place: string }[];
}

function load(name: string): { text: string; expected: Expected; options: IcalImportOptions } {
  const expected = JSON.parse(read(`${name}.expected.json`)) as Expected;
  const options = { from: new Date(expected.window.start), to: new Date(expected.window.end), mapping: expected.mapping };
  return { text: read(`${name}.ics`), expected, options };
}

function replay(exported: SourceExport, old: OldAnswers) {
  const schedule = exported.schedules[0]!;
  return replaySchedule(schedule, old.answers, old.windows.get(schedule.ref)!, exported.findings);
}

const iso = (d: Date) => d.toISOString().replace(".000Z", "Z");

/** The error thrown by `run`, which must be an ImportError. */
function importError(run: () => unknown): ImportError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    return error as ImportError;
  }
  throw new Error("expected an ImportError");
}

/** A calendar around the given VEVENT bodies (one string each). */
function calendar(header: string, ...events: string[]): string {
  return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", header, ...events.map((e) => `BEGIN:VEVENT\n${e}\nEND:VEVENT`), "END:VCALENDAR"]
    .filter((l) => l !== "")
    .join("\r\n")
    .replaceAll("\n", "\r\n")
    .replaceAll("\r\r\n", "\r\n");
}

describe.each(["google-new-york", "outlook-berlin", "sydney-feed"])("fixture %s", (name) => {
  const { text, expected, options } = load(name);

  it("reads exactly the hand-derived instances as the old answers", () => {
    const old = parseIcalOnCalls(text, options);
    const got = old.answers
      .map((a) => ({ person: a.personRefs.join(","), start: iso(a.start), end: iso(a.end), place: a.place }))
      .sort((a, b) => a.start.localeCompare(b.start));
    expect(got).toEqual(expected.answers.map(({ person, start, end, place }) => ({ person, start, end, place })));
    expect(old.windows.get("ical")).toEqual({ start: new Date(expected.window.start), end: new Date(expected.window.end) });
  });

  it("replays with 0 disagreements over the whole window", () => {
    const report = replay(parseIcalExport(text, options), parseIcalOnCalls(text, options));
    expect(report.disagreements).toEqual([]);
    expect(report.verified).toBe(true);
    expect(report.agreeHours).toBe((options.to.getTime() - options.from.getTime()) / 3_600_000);
  });
});

describe("Google Calendar export (America/New_York)", () => {
  const { text, options } = load("google-new-york");

  it("imports one schedule of overrides in the calendar's zone, people by lower-cased email", () => {
    const exported = parseIcalExport(text, options);
    const schedule = exported.schedules[0]!;
    expect(schedule).toMatchObject({ ref: "ical", name: "Payments on-call", description: "Primary on-call for the payments API", timeZone: "America/New_York", layers: [] });
    expect(exported.people.map((p) => [p.ref, p.email, p.name])).toEqual([
      ["alice@example.com", "alice@example.com", "Alice"],
      ["bob@example.com", "bob@example.com", "Bob Jones"],
      ["carol@example.com", "carol@example.com", "Carol"],
    ]);
    // Refs name the instance by its RECURRENCE-ID, so the moved week keeps its original date.
    expect(schedule.overrides.map((o) => o.ref)).toEqual([
      "7f8e9d0c1b2a3948576a5b4c3d@google.com 2025-02-24T14:00:00Z",
      "0a1b2c3d4e5f60718293a4b5c6@google.com 2025-03-03T14:00:00Z",
      "7f8e9d0c1b2a3948576a5b4c3d@google.com 2025-03-10T13:00:00Z",
      "0a1b2c3d4e5f60718293a4b5c6@google.com 2025-03-17T13:00:00Z",
      "5d6c7b8a9f0e1d2c3b4a596877@google.com",
    ]);
  });

  it("notes the one instance whose end RFC 5545's exact DTEND duration would move", () => {
    const { findings } = parseIcalExport(text, options);
    expect(findings).toEqual([
      expect.objectContaining({ kind: "note", code: "dst_nominal_end", place: "VEVENT 1 (UID 0a1b2c3d4e5f60718293a4b5c6@google.com)", scheduleRef: "ical" }),
    ]);
    expect(findings[0]!.message).toContain("ends at 2025-03-10T13:00:00Z");
    expect(findings[0]!.message).toContain("would end it at 2025-03-10T14:00:00Z");
  });

  it("options.timeZone moves all-day events to that zone's midnights", () => {
    const old = parseIcalOnCalls(text, { ...options, timeZone: "Europe/London" });
    const carol = old.answers.find((a) => a.personRefs[0] === "carol@example.com")!;
    expect([iso(carol.start), iso(carol.end)]).toEqual(["2025-03-24T00:00:00Z", "2025-03-26T00:00:00Z"]);
  });
});

describe("Outlook export (W. Europe Standard Time)", () => {
  const { text, options } = load("outlook-berlin");

  it("maps the Windows zone name to Europe/Berlin and finds nothing to report", () => {
    const exported = parseIcalExport(text, options);
    expect(exported.schedules[0]!.timeZone).toBe("Europe/Berlin");
    expect(exported.schedules[0]!.name).toBe("Bereitschaft Frontdesk");
    expect(exported.findings).toEqual([]);
  });

  it("reads a zone known only from its VTIMEZONE through the file's rules", () => {
    const custom = text.replaceAll("W. Europe Standard Time", "Customized Time Zone");
    expect(importError(() => parseIcalExport(custom, options))).toMatchObject({ code: "unknown_time_zone", place: "line 17" });
    const old = parseIcalOnCalls(custom, { ...options, timeZone: "Europe/Berlin" });
    // The same instants as through the tz database, the nonexistent 02:30 included.
    expect(old.answers).toEqual(parseIcalOnCalls(text, options).answers);
  });
});

describe("subscribed feed (Australia/Sydney, no VTIMEZONE)", () => {
  const { text, options } = load("sydney-feed");

  it("takes the zone from X-WR-TIMEZONE and notes the event with two attendees", () => {
    const exported = parseIcalExport(text, options);
    expect(exported.schedules[0]!.timeZone).toBe("Australia/Sydney");
    expect(exported.findings.map((f) => [f.kind, f.code, f.place])).toEqual([
      ["note", "dst_nominal_end", "VEVENT 1 (UID roster-grace-2025@example.com.au)"],
      ["note", "several_attendees", "VEVENT 4 (UID roster-hiro-2025@example.com.au)"],
    ]);
    // Grace's DTSTART-DTEND spans the fall-back (169 h exact); her 04-14 week keeps 09:00 to 09:00.
    expect(exported.findings[0]!.message).toContain("ends at 2025-04-20T23:00:00Z");
    expect(exported.findings[0]!.message).toContain("would end it at 2025-04-21T00:00:00Z");
  });

  it("reads floating times in options.timeZone when given", () => {
    const old = parseIcalOnCalls(text, { ...options, timeZone: "UTC" });
    const ivy = old.answers.find((a) => a.personRefs[0] === "ivy@example.com.au")!;
    expect([iso(ivy.start), iso(ivy.end)]).toEqual(["2025-04-06T02:30:00Z", "2025-04-07T09:00:00Z"]);
  });
});

describe("where the replay must disagree (Europe/London)", () => {
  const text = read("overlaps-london.ics");
  const options = { from: new Date("2025-06-02T08:00:00Z"), to: new Date("2025-06-16T08:00:00Z") };

  it("reports overlapping people and unmapped summaries as findings", () => {
    const { findings } = parseIcalExport(text, options);
    expect(findings.map((f) => [f.kind, f.code, f.place])).toEqual([
      ["not_represented", "unmapped_name", "VEVENT 3 (UID pat-week-24@google.com)"],
      ["not_represented", "concurrent_events", "VEVENT 2 (UID kim-cover-0604@google.com)"],
    ]);
    expect(findings[0]!.message).toContain('"Pat (tentative)"');
    expect(findings[1]!.message).toContain("overlaps VEVENT 1 (UID jo-week-23@google.com) (jo@example.co.uk) once, first from 2025-06-04T12:00:00Z to 2025-06-05T12:00:00Z");
  });

  it("shows both disagreements precisely", () => {
    const report = replay(parseIcalExport(text, options), parseIcalOnCalls(text, options));
    expect(report.verified).toBe(false);
    expect(report.disagreements).toEqual([
      {
        start: new Date("2025-06-04T12:00:00Z"),
        end: new Date("2025-06-05T12:00:00Z"),
        expected: ["jo@example.co.uk", "kim@example.co.uk"],
        actual: "kim@example.co.uk",
        rota: { kind: "override", override: "kim-cover-0604@google.com" },
        likelyBecause: ["unmapped_name", "concurrent_events"],
      },
      {
        start: new Date("2025-06-09T08:00:00Z"),
        end: new Date("2025-06-16T08:00:00Z"),
        expected: ["summary:Pat (tentative)"],
        actual: null,
        rota: { kind: "gap" },
        likelyBecause: ["unmapped_name", "concurrent_events"],
      },
    ]);
    expect(report.disagreeHours).toBe(24 + 168);
    expect(report.agreeHours).toBe(336 - 24 - 168);
  });

  it("imports the unmapped week once the mapping names it", () => {
    const mapped = { ...options, mapping: { Pat: "pat@example.co.uk" } };
    const report = replay(parseIcalExport(text, mapped), parseIcalOnCalls(text, mapped));
    expect(report.disagreements.map((d) => iso(d.start))).toEqual(["2025-06-04T12:00:00Z"]);
  });
});

describe("who an event names", () => {
  const window = { from: new Date("2025-01-06T00:00:00Z"), to: new Date("2025-01-13T00:00:00Z") };
  const event = (uid: string, day: number, summary: string) =>
    `UID:${uid}\nDTSTART:202501${String(day).padStart(2, "0")}T000000Z\nDTEND:202501${String(day).padStart(2, "0")}T120000Z\nSUMMARY:${summary}`;
  const text = calendar(
    "",
    event("a", 6, "On call: Alice"),
    event("b", 7, "Backup on call: Alice"),
    event("c", 8, "Alice -> Bob handover"),
    event("d", 9, "Alicia"),
    event("e", 10, "  ON CALL:   alice "),
  );
  const mapping = { "On call: Alice": "alice@example.com", Alice: "alice.other@example.com", Bob: "bob@example.com", Ali: "ali@example.com" };

  it("prefers the whole summary, then whole-word keys, the longest containing key winning", () => {
    const people = parseIcalOnCalls(text, { ...window, mapping }).answers.map((a) => [a.place.slice(0, 9), a.personRefs[0]]);
    expect(people).toEqual([
      ["VEVENT 1 ", "alice@example.com"],
      ["VEVENT 2 ", "alice@example.com"],
      ["VEVENT 3 ", "summary:Alice -> Bob handover"],
      ["VEVENT 4 ", "summary:Alicia"],
      ["VEVENT 5 ", "alice@example.com"],
    ]);
  });

  it("lists ambiguous and unmapped names, once per distinct summary", () => {
    const { findings } = parseIcalExport(text, { ...window, mapping });
    expect(findings.map((f) => [f.code, f.place])).toEqual([
      ["ambiguous_name", "VEVENT 3 (UID c)"],
      ["unmapped_name", "VEVENT 4 (UID d)"],
    ]);
    expect(findings[0]!.message).toContain('"Alice", "Bob"');
  });

  it("uses a single attendee's email before any mapping", () => {
    const withAttendee = calendar("", `${event("x", 6, "On call: Alice")}\nATTENDEE;CN=Zed:MAILTO:Zed@Example.COM`);
    expect(parseIcalOnCalls(withAttendee, { ...window, mapping }).answers[0]!.personRefs).toEqual(["zed@example.com"]);
  });
});

describe("recurrence details", () => {
  const window = { from: new Date("2025-03-01T00:00:00Z"), to: new Date("2025-04-01T00:00:00Z") };
  const spans = (text: string) => parseIcalOnCalls(text, { ...window, mapping: { X: "x@example.com" } }).answers.map((a) => `${iso(a.start)}/${iso(a.end)}`);

  it("counts DTSTART as the first instance when only RDATE is given (RFC 5545 §3.8.5.2)", () => {
    const text = calendar("", "UID:r\nSUMMARY:X\nDTSTART:20250303T090000Z\nDTEND:20250303T100000Z\nRDATE:20250305T090000Z,20250307T090000Z\nEXDATE:20250305T090000Z");
    expect(spans(text)).toEqual(["2025-03-03T09:00:00Z/2025-03-03T10:00:00Z", "2025-03-07T09:00:00Z/2025-03-07T10:00:00Z"]);
  });

  it("drops a STATUS:CANCELLED instance and keeps a moved-in instance whose original date is past the window", () => {
    const text = calendar(
      "",
      "UID:w\nSUMMARY:X\nDTSTART:20250303T090000Z\nDTEND:20250303T100000Z\nRRULE:FREQ=WEEKLY;COUNT=6",
      "UID:w\nSUMMARY:X\nRECURRENCE-ID:20250310T090000Z\nDTSTART:20250310T090000Z\nDTEND:20250310T100000Z\nSTATUS:CANCELLED",
      "UID:w\nSUMMARY:X\nRECURRENCE-ID:20250407T090000Z\nDTSTART:20250329T090000Z\nDTEND:20250329T100000Z",
    );
    expect(spans(text)).toEqual([
      "2025-03-03T09:00:00Z/2025-03-03T10:00:00Z",
      "2025-03-17T09:00:00Z/2025-03-17T10:00:00Z",
      "2025-03-24T09:00:00Z/2025-03-24T10:00:00Z",
      "2025-03-31T09:00:00Z/2025-03-31T10:00:00Z",
      "2025-03-29T09:00:00Z/2025-03-29T10:00:00Z",
    ]);
  });

  it("keeps DURATION days on the wall clock and hours exact (RFC 5545 §3.3.6)", () => {
    // New York springs forward on 2025-03-09: P1D from Sat 09:00 EST is Sun 09:00 EDT (23 h), PT24H is Sun 10:00 EDT.
    const text = calendar(
      "X-WR-TIMEZONE:America/New_York",
      "UID:d\nSUMMARY:X\nDTSTART;TZID=America/New_York:20250308T090000\nDURATION:P1D",
      "UID:h\nSUMMARY:X\nDTSTART;TZID=America/New_York:20250308T090000\nDURATION:PT24H",
    );
    expect(spans(text)).toEqual(["2025-03-08T14:00:00Z/2025-03-09T13:00:00Z", "2025-03-08T14:00:00Z/2025-03-09T14:00:00Z"]);
  });

  it("skips, with a finding, an event that ends when it starts", () => {
    const text = calendar("", "UID:z\nSUMMARY:X\nDTSTART:20250303T090000Z");
    const exported = parseIcalExport(text, { ...window, mapping: { X: "x@example.com" } });
    expect(exported.schedules[0]!.overrides).toEqual([]);
    expect(exported.findings.map((f) => [f.kind, f.code, f.place])).toEqual([
      ["skipped", "empty_event", "VEVENT 1 (UID z)"],
      ["note", "no_events", "line 1"],
    ]);
  });
});

describe("bad input", () => {
  const window = { from: new Date("2025-03-01T00:00:00Z"), to: new Date("2025-04-01T00:00:00Z") };
  const google = read("google-new-york.ics");
  const fails = (text: string, options: Partial<IcalImportOptions> = {}) => importError(() => parseIcalExport(text, { ...window, ...options }));

  it("names other systems' JSON and other files as wrong_system", () => {
    expect(fails('{"schedules":[{"id":"PI7DH85","schedule_layers":[]}],"users":[]}')).toMatchObject({ code: "wrong_system", place: "line 1" });
    expect(fails('{"schedules":[{"id":"PI7DH85","schedule_layers":[]}]}').message).toContain("PagerDuty");
    expect(fails('{"data":{"id":"d875","rotations":[]},"requestId":"r1"}').message).toContain("Opsgenie");
    expect(fails('{"results":[{"id":"SBM7DV7BKFUYU","rolling_users":[["U4DNY931HHJS5"]]}]}').message).toContain("Grafana OnCall");
    expect(fails("BEGIN:VCARD\r\nVERSION:4.0\r\nEND:VCARD\r\n").message).toContain("vCard");
    expect(fails("name,email\nAlice,alice@example.com\n")).toMatchObject({ code: "wrong_system", place: "line 1" });
    expect(fails("")).toMatchObject({ code: "wrong_system" });
  });

  it("reports a cut-off file as truncated_export at its last line", () => {
    const lines = google.split("\r\n");
    expect(fails(lines.slice(0, 40).join("\r\n"))).toMatchObject({ code: "truncated_export", place: "line 40" });
    expect(fails(`${lines.slice(0, 39).join("\r\n")}\r\nDTSTART;TZID=Amer`)).toMatchObject({ code: "truncated_export", place: "line 40" });
    expect(fails(google.replace("END:VCALENDAR", ""))).toMatchObject({ code: "truncated_export" });
  });

  it("reports broken structure as invalid_export at the line", () => {
    expect(fails(google.replace("SEQUENCE:0\r\nSTATUS:CONFIRMED\r\nSUMMARY:On call: Alice", "SEQUENCE:0\r\nthis is not a property\r\nSUMMARY:On call: Alice"))).toMatchObject({
      code: "invalid_export",
      place: "line 39",
    });
    expect(fails(calendar("", "UID:a\nDTSTART:20250303T090000Z\nEND:VTODO"))).toMatchObject({ code: "invalid_export", place: "line 7" });
    expect(fails(`${calendar("")}\r\n${calendar("")}`)).toMatchObject({ code: "invalid_export", place: "line 5" });
  });

  it("reports bad values as invalid_export naming the VEVENT", () => {
    expect(fails(calendar("", "UID:a\nDTSTART:2025xx03T090000Z"))).toMatchObject({ code: "invalid_export", place: "VEVENT 1 (UID a)" });
    expect(fails(calendar("", "UID:a\nSUMMARY:x"))).toMatchObject({ code: "invalid_export", place: "VEVENT 1 (UID a)" });
    // ical.js reads RRULE while parsing: the line is found from the value it quotes.
    expect(fails(calendar("", "UID:a\nDTSTART:20250303T090000Z\nRRULE:FREQ=SOMETIMES"))).toMatchObject({ code: "invalid_export", place: "line 7" });
    expect(fails(calendar("", "DTSTART:20250303T090000Z\nDTEND:20250303T100000Z", "DTSTART:20250303T090000Z\nDTEND:2025"))).toMatchObject({
      code: "invalid_export",
      place: "VEVENT 2 (line 8)",
    });
  });

  it("rejects recurrence it cannot expand as unknown_field", () => {
    expect(fails(calendar("", "UID:a\nDTSTART:20250303T090000Z\nRRULE:FREQ=DAILY\nEXRULE:FREQ=WEEKLY"))).toMatchObject({ code: "unknown_field", place: "VEVENT 1 (UID a)" });
    expect(fails(calendar("", "UID:a\nDTSTART:20250303T090000Z\nRDATE;VALUE=PERIOD:20250305T090000Z/PT1H"))).toMatchObject({ code: "unknown_field", place: "VEVENT 1 (UID a)" });
  });

  it("reports unknown zones as unknown_time_zone with where they come from", () => {
    expect(fails(google, { timeZone: "Mars/Base" })).toMatchObject({ code: "unknown_time_zone", place: "options.timeZone" });
    expect(fails(google.replace("X-WR-TIMEZONE:America/New_York", "X-WR-TIMEZONE:EST"))).toMatchObject({ code: "unknown_time_zone", place: "line 7" });
    expect(fails(calendar("", "UID:a\nDTSTART;TZID=Pacific Standard Tim:20250303T090000"))).toMatchObject({ code: "unknown_time_zone", place: "VEVENT 1 (UID a)" });
  });

  it("notes a window with no events in it", () => {
    const exported = parseIcalExport(google, { from: new Date("2024-01-01T00:00:00Z"), to: new Date("2024-02-01T00:00:00Z") });
    expect(exported.findings.map((f) => [f.kind, f.code])).toEqual([["note", "no_events"]]);
  });

  it("rejects an empty window", () => {
    expect(fails(google, { to: window.from })).toMatchObject({ code: "invalid_export" });
  });
});
