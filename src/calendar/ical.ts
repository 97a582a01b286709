import ical, { ICalCalendarMethod, ICalEventStatus, ICalEventTransparency, escape } from "ical-generator";

/*
 * iCalendar text for feeds, written by ical-generator (RFC 5545 escaping of
 * commas, semicolons, backslashes and newlines, line folding at 75 octets on
 * UTF-8 boundaries, CRLF). Nothing here reads the clock: DTSTAMP and
 * LAST-MODIFIED come from the data, so the same events give the same bytes
 * and a calendar app's ETag check sees "unchanged".
 *
 * Instants are written in UTC (`20260308T100000Z`). RFC 5545 allows it,
 * every client (Google, Apple, Outlook, Thunderbird) reads it without a
 * VTIMEZONE, and it cannot be misread across a DST change: a 25-hour
 * fall-back turn is 25 hours because its ends are absolute. X-WR-TIMEZONE
 * names the zone the calendar is meant to be shown in.
 */

export interface FeedEvent {
  /** Stable across rebuilds and edits: the calendar app updates the event in place. */
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  description?: string;
  url?: string;
  /** Rises when the event's time or summary changes. */
  sequence: number;
  /** When the event last changed (DTSTAMP and LAST-MODIFIED). */
  lastModified: Date;
  /** false: TRANSP:TRANSPARENT, the event does not make the person busy. */
  busy: boolean;
  tentative?: boolean;
}

export interface FeedCalendar {
  name: string;
  description?: string;
  /** IANA zone the calendar is shown in (X-WR-TIMEZONE). */
  timeZone: string;
  events: readonly FeedEvent[];
}

/** Suggested refresh interval for subscribers (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
export const FEED_TTL_SECONDS = 60 * 60;

// ical-generator writes PRODID as "-" + this.
const PRODUCT_ID = "//Rota//Rota schedules//EN";

/**
 * ical-generator escapes event text but writes the calendar's NAME and
 * X-WR-CALNAME as given: a newline there would end the property early.
 * One line, escaped as RFC 5545 TEXT.
 */
function calendarText(value: string): string {
  return escape(value.replace(/[\r\n]+/g, " ").trim(), false);
}

/** Whole seconds: iCalendar has no milliseconds, and a rounded value must not look like a change. */
function seconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * RFC 5545 §3.1 folding, exactly as ical-generator's own `foldLines` does it
 * (a line over 74 octets continues on a line starting with a space, never
 * inside a UTF-8 sequence or a surrogate pair), without its `new
 * TextEncoder()` per character: that made a 18,250-event feed take 13 s, all
 * of it in folding. src/calendar/ical.test.ts checks the output is
 * byte-identical to ical-generator's for tricky text.
 */
export function foldLines(text: string): string {
  return text
    .split("\r\n")
    .map((line) => {
      if (line.length <= 74 && Buffer.byteLength(line, "utf8") <= 74) return line;
      let out = "";
      let octets = 0;
      for (let i = 0; i < line.length; i++) {
        let ch = line.charAt(i);
        if (ch >= "\ud800" && ch <= "\udbff") ch += line.charAt(++i);
        const size = Buffer.byteLength(ch, "utf8");
        octets += size;
        if (octets > 74) {
          out += "\r\n ";
          octets = size;
        }
        out += ch;
      }
      return out;
    })
    .join("\r\n");
}

function calendarOf(calendar: FeedCalendar) {
  return ical({
    prodId: PRODUCT_ID,
    method: ICalCalendarMethod.PUBLISH,
    name: calendarText(calendar.name),
    ...(calendar.description ? { description: calendarText(calendar.description) } : {}),
    ttl: FEED_TTL_SECONDS,
    x: [["X-WR-TIMEZONE", calendar.timeZone]],
  });
}

function eventData(event: FeedEvent) {
  const modified = seconds(event.lastModified);
  return {
    id: event.uid,
    start: event.start,
    end: event.end,
    summary: event.summary,
    ...(event.description ? { description: event.description } : {}),
    ...(event.url ? { url: event.url } : {}),
    sequence: event.sequence,
    stamp: modified,
    lastModified: modified,
    status: event.tentative ? ICalEventStatus.TENTATIVE : ICalEventStatus.CONFIRMED,
    transparency: event.busy ? ICalEventTransparency.OPAQUE : ICalEventTransparency.TRANSPARENT,
  };
}

function ordered(events: readonly FeedEvent[]): FeedEvent[] {
  return [...events].sort((a, b) => a.start.getTime() - b.start.getTime() || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
}

/** The VCALENDAR text of a feed (CRLF line ends, folded lines), all of it ical-generator's but the folding. */
export function renderCalendar(calendar: FeedCalendar): string {
  const cal = calendarOf(calendar);
  // ical-generator writes the calendar's properties, its events, its X- properties, END:VCALENDAR, and folds the
  // whole; events go where they would, each written by ical-generator and folded by foldLines.
  const empty = cal.toString();
  const at = empty.indexOf("X-WR-TIMEZONE:");
  const events = ordered(calendar.events).map((event) => cal.createEvent(eventData(event)).toString());
  return empty.slice(0, at) + foldLines(events.join("")) + empty.slice(at);
}

/** What ical-generator alone writes for the same feed: the reference renderCalendar must equal (tests, bench). */
export function renderCalendarWithIcalGenerator(calendar: FeedCalendar): string {
  const cal = calendarOf(calendar);
  for (const event of ordered(calendar.events)) cal.createEvent(eventData(event));
  return cal.toString();
}
