import { DateTime } from "luxon";

/** An instant (ISO, UTC, ms) from a local date and time in a zone, computed by luxon as an independent oracle. */
export function at(zone: string, date: string, time: string): string {
  return DateTime.fromISO(`${date}T${time}`, { zone }).toUTC().toISO()!;
}

export const la = (date: string, time: string) => at("America/Los_Angeles", date, time);
