import ICAL from "ical.js";
import { DAY_MS } from "../domain/interval.ts";
import { TimeContext, type ZoneClock } from "../domain/wallclock.ts";
import {
  type Finding,
  ImportError,
  type OldAnswer,
  type OldAnswers,
  type SourceExport,
  type SourceOverride,
  type SourcePerson,
} from "./model.ts";
import { expectFile, zoneOrNull } from "./json.ts";

/*
 * Any iCal rota (a Google Calendar or Outlook export, a subscribed .ics) as
 * one imported schedule of overrides, no layers: every event instance in
 * [from, to) whose person can be told becomes an override for that person.
 * The "old system's answers" are the same instances: the calendar shows who
 * is on by showing their event.
 *
 * Semantics, with the documents they come from:
 * - RFC 5545 (https://www.rfc-editor.org/rfc/rfc5545): recurrence sets
 *   (RRULE/RDATE/EXDATE, §3.8.5), RECURRENCE-ID exceptions (§3.8.4.4), all-day
 *   DATE values and floating times (§3.3.4, §3.3.5). ical.js expands them
 *   (https://github.com/kewisch/ical.js/wiki, "Event.iterator",
 *   "getOccurrenceDetails"); this file turns wall-clock values into instants.
 * - A local time that does not exist (spring forward) uses the UTC offset
 *   from before the gap; one that occurs twice (fall back) means the first
 *   occurrence (RFC 5545 §3.3.5). This differs from Rota's own handoff rule
 *   (the gap resolves to the transition), so overrides carry instants.
 * - Instance ends: RFC 5545 §3.8.5.3 calls a DTEND-given duration "exact",
 *   but Google Calendar expands both start and end of a recurring event in
 *   its time zone (https://developers.google.com/calendar/api/v3/reference/events,
 *   EventDateTime.timeZone: "specifies the time zone in which the recurrence
 *   is expanded"), so a weekly 09:00-09:00 rota stays 09:00-09:00 across
 *   DST. We follow Google: the end keeps the same wall-clock distance from
 *   the start (DURATION: days and weeks on the wall clock, hours exact, as
 *   §3.3.6 says), with a "dst_nominal_end" note wherever the exact reading
 *   would differ.
 * - TZIDs that are IANA names use the tz database (not the file's VTIMEZONE,
 *   a copy of it); a few Windows names (Outlook) map to IANA via CLDR's
 *   windowsZones; any other TZID uses the offsets of the file's VTIMEZONE
 *   (through ical.js), with the same gap and fold rule.
 */

export interface IcalImportOptions {
  from: Date;
  to: Date;
  /** Summary text ("Alice", "On call: Alice") -> the person's email. */
  mapping?: Record<string, string>;
  scheduleName?: string;
  timeZone?: string;
}

const SCHEDULE_REF = "ical";
/** A guard against rules that generate without end before the window (FREQ=SECONDLY from 1990). */
const MAX_OCCURRENCES = 200_000;

/** CLDR windowsZones.xml, territory "001", for the zones Outlook exports most. */
const WINDOWS_ZONES: Record<string, string> = {
  "W. Europe Standard Time": "Europe/Berlin",
  "Romance Standard Time": "Europe/Paris",
  "Central Europe Standard Time": "Europe/Budapest",
  "Central European Standard Time": "Europe/Warsaw",
  "GMT Standard Time": "Europe/London",
  "GTB Standard Time": "Europe/Bucharest",
  "FLE Standard Time": "Europe/Kiev",
  "Russian Standard Time": "Europe/Moscow",
  "Israel Standard Time": "Asia/Jerusalem",
  "India Standard Time": "Asia/Calcutta",
  "China Standard Time": "Asia/Shanghai",
  "Singapore Standard Time": "Asia/Singapore",
  "Tokyo Standard Time": "Asia/Tokyo",
  "AUS Eastern Standard Time": "Australia/Sydney",
  "New Zealand Standard Time": "Pacific/Auckland",
  "Eastern Standard Time": "America/New_York",
  "Central Standard Time": "America/Chicago",
  "Mountain Standard Time": "America/Denver",
  "US Mountain Standard Time": "America/Phoenix",
  "Pacific Standard Time": "America/Los_Angeles",
  "E. South America Standard Time": "America/Sao_Paulo",
  UTC: "Etc/UTC",
};

export function parseIcalExport(text: string, options: IcalImportOptions): SourceExport {
  const cal = readCalendar(text, options);
  const painted = cal.instances.filter((i) => i.personRef !== null).sort((a, b) => a.start - b.start || a.event - b.event);
  // List order is painting order (Rota: the newer override wins): where events overlap, the later-starting one wins.
  const overrides: SourceOverride[] = painted.map((i) => ({
    ref: i.ref,
    personRef: i.personRef!,
    start: new Date(i.start),
    end: new Date(i.end),
    place: i.place,
  }));
  return {
    system: "ical",
    people: [...cal.people.values()],
    schedules: [{ ref: SCHEDULE_REF, name: cal.name, description: cal.description, timeZone: cal.timeZone, place: "line 1", layers: [], overrides }],
    findings: cal.findings,
  };
}

export function parseIcalOnCalls(text: string, options: IcalImportOptions): OldAnswers {
  const cal = readCalendar(text, options);
  const answers: OldAnswer[] = cal.instances.map((i) => ({
    scheduleRef: SCHEDULE_REF,
    // An event nobody could be named for still had someone on: the replay shows it as a disagreement.
    personRefs: [i.personRef ?? `summary:${i.summary}`],
    start: new Date(i.start),
    end: new Date(i.end),
    place: i.place,
  }));
  return { windows: new Map([[SCHEDULE_REF, { start: new Date(options.from), end: new Date(options.to) }]]), answers };
}

// ---------------------------------------------------------------------------
// The calendar as instances

interface Instance {
  /** 1-based VEVENT number in the file. */
  event: number;
  ref: string;
  place: string;
  start: number;
  end: number;
  personRef: string | null;
  summary: string;
}

interface Calendar {
  name: string;
  description: string | null;
  timeZone: string;
  instances: Instance[];
  people: Map<string, SourcePerson>;
  findings: Finding[];
}

/** Wall-clock values ("local ms": the reading written as if UTC) to instants and back. */
interface Zone {
  instant(local: number): number;
  local(instant: number): number;
}

interface Reader {
  from: number;
  to: number;
  mapping: { key: string; text: string; email: string }[];
  context: TimeContext;
  scheduleZone: Zone;
  zones: Map<string, Zone>;
  places: Map<ICAL.Component, { n: number; place: string }>;
  instances: Instance[];
  people: Map<string, SourcePerson>;
  /** One finding per code and VEVENT (per code and name for names), however many instances. */
  notes: Map<string, Finding>;
}

function readCalendar(text: string, options: IcalImportOptions): Calendar {
  const from = options.from.getTime();
  const to = options.to.getTime();
  if (!(from < to)) throw new ImportError("invalid_export", "options.to", "The window must have from < to");
  const scan = scanLines(text);
  const root = parseIcal(text);
  const timeZone = pickTimeZone(options, root, scan);
  const context = new TimeContext();
  const vevents = root.getAllSubcomponents("vevent");
  const places = new Map(
    vevents.map((c, i) => {
      const uid = c.getFirstPropertyValue("uid");
      const where = typeof uid === "string" && uid !== "" ? `UID ${uid}` : `line ${scan.veventLines[i] ?? 1}`;
      return [c, { n: i + 1, place: `VEVENT ${i + 1} (${where})` }];
    }),
  );
  const reader: Reader = {
    from,
    to,
    mapping: Object.entries(options.mapping ?? {}).map(([text, email]) => ({ key: normalize(text), text, email: email.trim().toLowerCase() })),
    context,
    scheduleZone: ianaZone(context.clock(timeZone)),
    zones: new Map(),
    places,
    instances: [],
    people: new Map(),
    notes: new Map(),
  };
  for (const [master, exceptions] of groupByUid(vevents, places)) {
    inEvent(places.get(master.component)!.place, () => expandEvent(master, exceptions, reader));
  }
  return {
    name: options.scheduleName ?? calendarText(root, "x-wr-calname") ?? "Imported calendar",
    description: calendarText(root, "x-wr-caldesc"),
    timeZone,
    instances: reader.instances,
    people: reader.people,
    findings: [...reader.notes.values(), ...concurrencyFindings(reader), ...emptyWindow(reader)],
  };
}

/** A calendar with nothing in the window is more likely the wrong window than an empty rota. */
function emptyWindow(reader: Reader): Finding[] {
  if (reader.instances.length > 0) return [];
  const message = `No event is on between ${iso(reader.from)} and ${iso(reader.to)}: check the window`;
  return [{ kind: "note", code: "no_events", place: "line 1", message, scheduleRef: SCHEDULE_REF }];
}

/** ical.js reads values lazily and throws plain Errors on bad ones: name the VEVENT. */
function inEvent<T>(place: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ImportError) throw error;
    throw new ImportError("invalid_export", place, `${place}: ${(error as Error).message}`);
  }
}

function calendarText(component: ICAL.Component, name: string): string | null {
  const value = component.getFirstPropertyValue(name);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/** Masters with their RECURRENCE-ID exceptions; an exception without a master stands alone. */
function groupByUid(vevents: ICAL.Component[], places: Reader["places"]): Map<ICAL.Event, ICAL.Event[]> {
  const masters = new Map<string, ICAL.Event>();
  const groups = new Map<ICAL.Event, ICAL.Event[]>();
  for (const c of vevents) {
    if (c.hasProperty("recurrence-id")) continue;
    const event = new ICAL.Event(c);
    groups.set(event, []);
    if (!masters.has(event.uid)) masters.set(event.uid, event);
  }
  for (const c of vevents) {
    if (!c.hasProperty("recurrence-id")) continue;
    const exception = new ICAL.Event(c);
    const master = masters.get(exception.uid);
    if (master) {
      inEvent(places.get(c)!.place, () => master.relateException(exception));
      groups.get(master)!.push(exception);
    } else {
      groups.set(exception, []);
    }
  }
  return groups;
}

function expandEvent(master: ICAL.Event, exceptions: ICAL.Event[], reader: Reader): void {
  for (const e of [master, ...exceptions]) rejectUnsupported(e, reader);
  const used = new Set<ICAL.Event>();
  if (!master.isRecurrenceException()) {
    const zone = zoneOf(master.component.getFirstProperty("dtstart")!, master, reader);
    let count = 0;
    for (const occurrence of occurrences(master)) {
      if (++count > MAX_OCCURRENCES) throw new Error(`more than ${MAX_OCCURRENCES} occurrences before the window ends`);
      const original = zone.instant(localOf(occurrence));
      if (original >= reader.to) break;
      const details = master.getOccurrenceDetails(occurrence);
      used.add(details.item);
      addInstance(details.item, details.startDate, master.isRecurring() ? original : null, details.item === master, reader);
    }
  }
  // Exceptions the expansion did not reach: moved in from past the window, or matching no occurrence.
  const alone = master.isRecurrenceException() ? [master] : exceptions.filter((e) => !used.has(e));
  for (const e of alone) {
    const original = zoneOf(e.component.getFirstProperty("recurrence-id")!, e, reader).instant(localOf(e.recurrenceId));
    addInstance(e, e.startDate, original, false, reader);
  }
}

/** Properties that change who is on call and that ical.js does not expand. */
function rejectUnsupported(event: ICAL.Event, reader: Reader): void {
  const place = reader.places.get(event.component)!.place;
  if (!event.startDate) throw new ImportError("invalid_export", place, `${place} has no DTSTART`);
  if (event.component.hasProperty("exrule")) {
    throw new ImportError("unknown_field", place, `${place}: EXRULE (deprecated by RFC 5545, not expanded by ical.js) is not supported; use EXDATE`);
  }
  if (event.component.getAllProperties("rdate").some((p) => p.type === "period")) {
    throw new ImportError("unknown_field", place, `${place}: RDATE;VALUE=PERIOD is not supported; use RDATE date-times or exceptions`);
  }
}

/**
 * The recurrence set in order. ical.js leaves DTSTART out when only RDATE
 * is given; RFC 5545 §3.8.5.2 counts it as the first instance.
 */
function* occurrences(event: ICAL.Event): Generator<ICAL.Time> {
  const iterator = event.iterator();
  const c = event.component;
  if (!c.hasProperty("rdate") || c.hasProperty("rrule")) {
    for (let t = iterator.next(); t; t = iterator.next()) yield t;
    return;
  }
  const excluded = c.getAllProperties("exdate").flatMap((p) => p.getValues() as ICAL.Time[]);
  const all = excluded.some((x) => x.compare(event.startDate) === 0) ? [] : [event.startDate];
  for (let t = iterator.next(); t; t = iterator.next()) if (!all.some((a) => a.compare(t!) === 0)) all.push(t);
  yield* all.sort((a, b) => a.compare(b));
}

/**
 * One instance: `original` is its RECURRENCE-ID as an instant (null for a
 * single event), `fromRule` whether its times come from the series' rule.
 */
function addInstance(item: ICAL.Event, startTime: ICAL.Time, original: number | null, fromRule: boolean, reader: Reader): void {
  const { place, n } = reader.places.get(item.component)!;
  if (String(item.component.getFirstPropertyValue("status") ?? "").toUpperCase() === "CANCELLED") return;
  const zone = zoneOf(item.component.getFirstProperty("dtstart")!, item, reader);
  const startLocal = localOf(startTime);
  const start = zone.instant(startLocal);
  const duration = durationOf(item, zone, reader);
  const end = zone.instant(startLocal + duration.nominal) + duration.exact;
  if (end <= reader.from || start >= reader.to) return;
  if (end <= start) {
    note(reader, item, "skipped", "empty_event", `${place} does not end after it starts (RFC 5545 §3.6.1: a DATE-TIME DTSTART alone lasts no time): nobody is on for it`);
    return;
  }
  // The readings differ where a DST change lies between DTSTART and DTEND or inside this instance.
  if (fromRule && duration.exactSpan !== null && start + duration.exactSpan !== end) {
    note(
      reader,
      item,
      "note",
      "dst_nominal_end",
      `${place}: the instance from ${iso(start)} ends at ${iso(end)}, as long on the wall clock as DTSTART to DTEND (as Google Calendar expands recurring events); RFC 5545 §3.8.5.3 calls a DTEND duration exact, which would end it at ${iso(start + duration.exactSpan)} (a DST change lies in one of them)`,
    );
  }
  const summary = (item.summary ?? "").trim();
  const uid = item.uid || `VEVENT ${n}`;
  reader.instances.push({
    event: n,
    ref: original === null ? uid : `${uid} ${iso(original)}`,
    place,
    start,
    end,
    personRef: personOf(item, summary, reader),
    summary,
  });
}

// ---------------------------------------------------------------------------
// Who: the single attendee, else the summary through the mapping

function personOf(item: ICAL.Event, summary: string, reader: Reader): string | null {
  const { place } = reader.places.get(item.component)!;
  const attendees = item.attendees;
  if (attendees.length === 1) {
    const email = emailOf(attendees[0]!);
    if (email) return addPerson(reader, email, attendees[0]!.getParameter("cn"), place);
  }
  if (attendees.length > 1) {
    note(reader, item, "note", "several_attendees", `${place} has ${attendees.length} attendees: the person comes from its summary "${summary}" through the mapping instead`);
  }
  const keys = mappedKeys(summary, reader);
  const emails = [...new Set(keys.map((k) => k.email))];
  if (emails.length === 1) return addPerson(reader, emails[0]!, keys[0]!.text, place);
  const name = summary || "(no summary)";
  if (emails.length > 1) {
    note(reader, item, "not_represented", "ambiguous_name", `"${name}" matches mapping keys for different people (${keys.map((k) => `"${k.text}"`).join(", ")}), e.g. ${place}: these events are left out; add the whole summary to the mapping`, normalize(name));
  } else {
    note(reader, item, "not_represented", "unmapped_name", `No mapping names "${name}" (e.g. ${place}): these events are left out; map "${name}" to the person's email to import them`, normalize(name));
  }
  return null;
}

function emailOf(attendee: ICAL.Property): string | null {
  const value = String(attendee.getFirstValue() ?? "").replace(/^mailto:/i, "").trim().toLowerCase();
  return value.includes("@") ? value : null;
}

/**
 * Mapping keys the summary names: the whole summary, else keys found in it as
 * whole words; a key inside a longer matching key ("Alice" in "On call:
 * Alice") defers to it.
 */
function mappedKeys(summary: string, reader: Reader): Reader["mapping"] {
  const text = normalize(summary);
  const exact = reader.mapping.filter((m) => m.key === text);
  if (exact.length > 0) return exact;
  const found = reader.mapping.filter((m) => m.key !== "" && new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(m.key)}(?![\\p{L}\\p{N}])`, "u").test(text));
  return found.filter((m) => !found.some((o) => o.key.length > m.key.length && o.key.includes(m.key)));
}

function addPerson(reader: Reader, email: string, name: unknown, place: string): string {
  if (!reader.people.has(email)) {
    reader.people.set(email, { ref: email, email, name: typeof name === "string" && name.trim() !== "" ? name.trim() : email, timeZone: null, place });
  }
  return email;
}

/** Records a finding once per code and VEVENT, or per code and `name` (a summary) where given. */
function note(reader: Reader, item: ICAL.Event, kind: Finding["kind"], code: string, message: string, name?: string): void {
  const { n, place } = reader.places.get(item.component)!;
  const id = `${code}|${name ?? n}`;
  if (!reader.notes.has(id)) reader.notes.set(id, { kind, code, place, message, scheduleRef: SCHEDULE_REF });
}

/** Overlapping instances of different people: Rota has one person on at a time. */
function concurrencyFindings(reader: Reader): Finding[] {
  const named = reader.instances.filter((i) => i.personRef !== null).sort((a, b) => a.start - b.start || a.event - b.event);
  const pairs = new Map<string, { first: Instance; later: Instance; count: number }>();
  named.forEach((later, k) => {
    for (const first of named.slice(0, k)) {
      if (first.end <= later.start || first.personRef === later.personRef) continue;
      const key = `${first.event}|${later.event}`;
      const seen = pairs.get(key);
      if (seen) seen.count++;
      else pairs.set(key, { first, later, count: 1 });
    }
  });
  return [...pairs.values()].map(({ first, later, count }) => ({
    kind: "not_represented" as const,
    code: "concurrent_events",
    place: later.place,
    message: `${later.place} (${later.personRef}) overlaps ${first.place} (${first.personRef}) ${count === 1 ? "once" : `${count} times`}, first from ${iso(later.start)} to ${iso(Math.min(first.end, later.end))}: both are on in the calendar, Rota has one person on at a time, so the later-starting event wins there`,
    scheduleRef: SCHEDULE_REF,
  }));
}

// ---------------------------------------------------------------------------
// When: wall-clock values to instants

function localOf(t: ICAL.Time): number {
  return t.isDate ? Date.UTC(t.year, t.month - 1, t.day) : Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

/**
 * A zone from its UTC offsets. RFC 5545 §3.3.5: a nonexistent local time
 * uses the offset before the gap; an ambiguous one means the first occurrence.
 */
function zoneFrom(offsetAt: (instant: number) => number): Zone {
  const local = (instant: number) => instant + offsetAt(instant);
  return {
    instant(wall) {
      const before = offsetAt(wall - DAY_MS);
      const valid = [before, offsetAt(wall + DAY_MS)].map((o) => wall - o).filter((t) => local(t) === wall);
      return valid.length > 0 ? Math.min(...valid) : wall - before;
    },
    local,
  };
}

const ianaZone = (clock: ZoneClock): Zone => zoneFrom((instant) => clock.offsetAt(instant));

/** A TZID known only from the file's VTIMEZONE (e.g. an unmapped Windows name): its rules, through ical.js. */
const vtimezoneZone = (tz: ICAL.Timezone): Zone =>
  zoneFrom((instant) => localOf(ICAL.Time.fromJSDate(new Date(instant), true).convertToZone(tz)) - instant);

/** The zone a DTSTART/DTEND/RECURRENCE-ID value is read in. */
function zoneOf(prop: ICAL.Property, item: ICAL.Event, reader: Reader): Zone {
  const value = prop.getFirstValue() as ICAL.Time;
  if (value.isDate) return reader.scheduleZone; // all-day: the calendar's own days
  if (value.zone === ICAL.Timezone.utcTimezone) return zoneNamed("UTC", reader);
  const tzid = prop.getParameter("tzid");
  if (typeof tzid !== "string" || tzid === "") return reader.scheduleZone; // floating time
  const iana = ianaName(tzid);
  if (iana) return zoneNamed(iana, reader);
  if (value.zone && value.zone !== ICAL.Timezone.localTimezone && value.zone.component) {
    let zone = reader.zones.get(`vtimezone:${tzid}`);
    if (!zone) reader.zones.set(`vtimezone:${tzid}`, (zone = vtimezoneZone(value.zone)));
    return zone;
  }
  const { place } = reader.places.get(item.component)!;
  throw new ImportError("unknown_time_zone", place, `${place}: TZID "${tzid}" is neither an IANA zone nor defined by a VTIMEZONE in the file`);
}

function zoneNamed(name: string, reader: Reader): Zone {
  let zone = reader.zones.get(name);
  if (!zone) reader.zones.set(name, (zone = ianaZone(reader.context.clock(name))));
  return zone;
}

function ianaName(tzid: string): string | null {
  return zoneOrNull(WINDOWS_ZONES[tzid.trim()] ?? tzid);
}

/**
 * How long an instance lasts: `nominal` ms on the wall clock, then `exact`
 * ms of elapsed time. `exactSpan` is DTEND - DTSTART in elapsed time (for
 * the dst_nominal_end note), null when there is no DTEND.
 */
function durationOf(item: ICAL.Event, startZone: Zone, reader: Reader): { nominal: number; exact: number; exactSpan: number | null } {
  const c = item.component;
  const startProp = c.getFirstProperty("dtstart")!;
  const startLocal = localOf(startProp.getFirstValue() as ICAL.Time);
  const endProp = c.getFirstProperty("dtend");
  if (endProp) {
    const endZone = zoneOf(endProp, item, reader);
    const endInstant = endZone.instant(localOf(endProp.getFirstValue() as ICAL.Time));
    const nominal = endZone === startZone ? localOf(endProp.getFirstValue() as ICAL.Time) - startLocal : startZone.local(endInstant) - startLocal;
    return { nominal, exact: 0, exactSpan: endInstant - startZone.instant(startLocal) };
  }
  const duration = c.getFirstPropertyValue("duration") as ICAL.Duration | null;
  if (duration) {
    const sign = duration.isNegative ? -1 : 1;
    const days = duration.weeks * 7 + duration.days;
    return { nominal: sign * days * DAY_MS, exact: sign * ((duration.hours * 60 + duration.minutes) * 60 + duration.seconds) * 1000, exactSpan: null };
  }
  return { nominal: (startProp.getFirstValue() as ICAL.Time).isDate ? DAY_MS : 0, exact: 0, exactSpan: null };
}

/** options.timeZone, else X-WR-TIMEZONE, else the first VTIMEZONE's TZID, else UTC. */
function pickTimeZone(options: IcalImportOptions, root: ICAL.Component, scan: Scan): string {
  const candidates: [unknown, string][] = [
    [options.timeZone, "options.timeZone"],
    [root.getFirstPropertyValue("x-wr-timezone"), `line ${scan.lines.get("X-WR-TIMEZONE")}`],
    [root.getFirstSubcomponent("vtimezone")?.getFirstPropertyValue("tzid"), `line ${scan.lines.get("VTIMEZONE/TZID")}`],
  ];
  const [name, place] = candidates.find(([value]) => typeof value === "string" && value.trim() !== "") ?? ["UTC", "line 1"];
  const zone = ianaName(String(name));
  if (zone === null) {
    throw new ImportError("unknown_time_zone", place, `"${String(name)}" (${place}) is not an IANA time zone such as Europe/Berlin: pass the calendar's zone as timeZone`);
  }
  return zone;
}

// ---------------------------------------------------------------------------
// Is it iCal, and whole? Checked line by line so errors can name the line.

interface Scan {
  /** The line each top-level VEVENT begins on, in file order. */
  veventLines: number[];
  /** The first line of X-WR-TIMEZONE (in VCALENDAR) and of TZID (in the first VTIMEZONE). */
  lines: Map<string, number>;
}

const CONTENT_LINE = /^[A-Za-z0-9-]+(?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*:/;

function scanLines(text: string): Scan {
  const body = text.replace(/^\uFEFF/, "");
  // Another system's JSON is named; other text gets the line-by-line errors below.
  expectFile(body, ["ical", "text"], "line 1");
  const logical: { text: string; line: number }[] = [];
  body.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const last = logical[logical.length - 1];
    if (/^[ \t]/.test(raw) && last) last.text += raw.slice(1); // RFC 5545 §3.1 unfolding
    else if (raw.trim() !== "") logical.push({ text: raw, line: i + 1 });
  });
  const first = logical[0];
  if (!first || !/^BEGIN:VCALENDAR$/i.test(first.text.trim())) {
    const what = first && /^BEGIN:VCARD/i.test(first.text) ? "a vCard" : "not an iCal calendar";
    throw new ImportError("wrong_system", `line ${first?.line ?? 1}`, `This is ${what}: an iCal file starts with BEGIN:VCALENDAR`);
  }
  const open: { name: string; line: number }[] = [];
  const scan: Scan = { veventLines: [], lines: new Map() };
  for (const [index, { text: line, line: n }] of logical.entries()) {
    if (open.length === 0 && n !== first.line) {
      const what = /^BEGIN:VCALENDAR$/i.test(line.trim()) ? "a second calendar: import one at a time" : "content after END:VCALENDAR";
      throw new ImportError("invalid_export", `line ${n}`, `Line ${n} is ${what}`);
    }
    if (!CONTENT_LINE.test(line)) {
      // A broken last line inside an open component is where the file was cut.
      const code = index === logical.length - 1 && open.length > 0 ? "truncated_export" : "invalid_export";
      throw new ImportError(code, `line ${n}`, `Line ${n} is not an iCal content line (NAME;PARAM=value:value): "${line.slice(0, 60)}"`);
    }
    const [, verb, name] = /^(BEGIN|END):(.*)$/i.exec(line.trim()) ?? [];
    const path = open.map((o) => o.name).join("/");
    if (verb?.toUpperCase() === "BEGIN") {
      if (path === "VCALENDAR" && name!.toUpperCase() === "VEVENT") scan.veventLines.push(n);
      open.push({ name: name!.toUpperCase(), line: n });
    } else if (verb?.toUpperCase() === "END") {
      const top = open.pop();
      if (top?.name !== name!.toUpperCase()) {
        throw new ImportError("invalid_export", `line ${n}`, `Line ${n} ends ${name} but ${top ? `${top.name} (line ${top.line})` : "nothing"} is open`);
      }
    } else {
      const prop = line.slice(0, line.search(/[;:]/)).toUpperCase();
      const key = path === "VCALENDAR" ? prop : path === "VCALENDAR/VTIMEZONE" && prop === "TZID" ? "VTIMEZONE/TZID" : null;
      if (key && !scan.lines.has(key)) scan.lines.set(key, n);
    }
  }
  const inner = open[open.length - 1];
  if (inner) {
    const lastLine = logical[logical.length - 1]!.line;
    throw new ImportError("truncated_export", `line ${lastLine}`, `The file is cut off: it ends at line ${lastLine} inside ${inner.name} (begun at line ${inner.line}), without END:VCALENDAR`);
  }
  return scan;
}

function parseIcal(text: string): ICAL.Component {
  try {
    return new ICAL.Component(ICAL.parse(text.replace(/^\uFEFF/, "")) as unknown[]);
  } catch (error) {
    const message = (error as Error).message;
    const quoted = /"([^"]+)"/.exec(message)?.[1];
    const index = quoted ? text.split(/\r\n|\n|\r/).findIndex((l) => l.includes(quoted)) : -1;
    throw new ImportError("invalid_export", `line ${index + 1 || 1}`, `Not valid iCal: ${message}`);
  }
}

function normalize(text: string): string {
  return text.trim().replace(/\s+/g, " ").toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
