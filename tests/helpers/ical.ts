import ICAL from "ical.js";
import nodeIcal from "node-ical";

/** One VEVENT as a calendar app sees it, read by a parser we did not write. */
export interface ParsedEvent {
  uid: string;
  start: string;
  end: string;
  summary: string;
  description: string;
  sequence: number;
  lastModified: string;
  stamp: string;
  transparent: boolean;
}

/** ical.js (Mozilla's, used by Thunderbird): every event with its instants in UTC. */
export function readWithIcalJs(text: string): { name: string; timeZone: string; ttl: string; events: ParsedEvent[] } {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const time = (name: string) => (vevent.getFirstPropertyValue(name) as ICAL.Time).toJSDate().toISOString();
    return {
      uid: event.uid,
      start: event.startDate.toJSDate().toISOString(),
      end: event.endDate.toJSDate().toISOString(),
      summary: event.summary,
      description: event.description ?? "",
      sequence: event.sequence,
      lastModified: time("last-modified"),
      stamp: time("dtstamp"),
      transparent: vevent.getFirstPropertyValue("transp") === "TRANSPARENT",
    };
  });
  // ical.js types X- properties as "unknown" and leaves their TEXT escapes in; node-ical (like Google and Apple) reads them as TEXT.
  const props = nodeIcal.sync.parseICS(text).vcalendar as unknown as Record<string, string> | undefined;
  return { name: String(props?.["WR-CALNAME"]), timeZone: String(props?.["WR-TIMEZONE"]), ttl: String(props?.["PUBLISHED-TTL"]), events };
}

/** node-ical: the same events, to check both parsers read the feed alike. */
export function readWithNodeIcal(text: string): ParsedEvent[] {
  const data = nodeIcal.sync.parseICS(text);
  return Object.values(data)
    .filter((c): c is nodeIcal.VEvent => c?.type === "VEVENT")
    .map((e) => ({
      uid: e.uid,
      start: new Date(e.start as unknown as string).toISOString(),
      end: new Date(e.end as unknown as string).toISOString(),
      summary: typeof e.summary === "string" ? e.summary : String((e.summary as { val?: string })?.val ?? ""),
      description: typeof e.description === "string" ? e.description : String((e.description as { val?: string })?.val ?? ""),
      sequence: Number(e.sequence ?? 0),
      lastModified: new Date(e.lastmodified as unknown as string).toISOString(),
      stamp: new Date(e.dtstamp).toISOString(),
      transparent: e.transparency === "TRANSPARENT",
    }))
    .sort((a, b) => a.start.localeCompare(b.start) || a.uid.localeCompare(b.uid));
}
