import { createHash } from "node:crypto";
import type { calendar_v3 } from "@googleapis/calendar";
import { DateTime } from "luxon";

/*
 * Rota's events as Google Calendar events. Pure: no network, no database.
 *
 * - The event id is derived from the target and the event's UID (the same
 *   UID as in iCal feeds), so whatever happens between "sent" and "recorded"
 *   (a retry, a crash, a second worker) the same event gets the same id and
 *   Google refuses a duplicate with 409.
 * - Every event carries private extended properties naming Rota, the target
 *   and the event key: Rota lists, repairs and deletes only events with them,
 *   never the calendar owner's own.
 * - The digest covers exactly what Rota sets; the same function reads it back
 *   from what Google returns, so a hand edit shows as a different digest.
 */

/** Private extended property keys (Google: keys ≤ 44 characters, values ≤ 1024). */
export const TAG = { marker: "rota", target: "rotaTarget", key: "rotaKey" } as const;

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/** base32hex (RFC 4648 §7, lowercase) of SHA-256(target, UID): 52 characters of [0-9a-v], as Google requires. */
export function googleEventId(targetId: string, eventKey: string): string {
  const bytes = createHash("sha256").update(`${targetId}\0${eventKey}`, "utf8").digest();
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32HEX[(buffer << (5 - bits)) & 31];
  return out;
}

/** One of Rota's events, as the sync wants it in the calendar. */
export interface WantedEvent {
  /** The event's UID (as in iCal feeds): the key of the sync record. */
  key: string;
  start: Date;
  end: Date;
  summary: string;
  description: string;
  /** Blocks the calendar (opaque) or not (transparent). */
  busy: boolean;
}

/** The Events resource Rota writes: full, so an update (PUT) also un-cancels a deleted id. */
export function toGoogleEvent(targetId: string, timeZone: string, event: WantedEvent): calendar_v3.Schema$Event {
  const local = (at: Date) => DateTime.fromJSDate(at, { zone: timeZone }).toISO({ suppressMilliseconds: true, includeOffset: true })!;
  return {
    id: googleEventId(targetId, event.key),
    status: "confirmed",
    summary: event.summary,
    description: event.description,
    start: { dateTime: local(event.start), timeZone },
    end: { dateTime: local(event.end), timeZone },
    transparency: event.busy ? "opaque" : "transparent",
    extendedProperties: { private: { [TAG.marker]: "1", [TAG.target]: targetId, [TAG.key]: event.key } },
  };
}

/** What Rota controls of an event, in one comparable string: the same for what it sends and what Google returns. */
export function eventDigest(event: calendar_v3.Schema$Event): string {
  const at = (time: calendar_v3.Schema$EventDateTime | undefined) => {
    if (!time) return null;
    if (time.dateTime) return DateTime.fromISO(time.dateTime, { zone: time.timeZone ?? "UTC" }).toMillis();
    return time.date ?? null;
  };
  const content = [event.status ?? "confirmed", event.summary ?? "", event.description ?? "", at(event.start), at(event.end), event.transparency ?? "opaque"];
  return createHash("sha256").update(JSON.stringify(content), "utf8").digest("base64url");
}

/** Rota's tags on an event, if it has them (an event without them is the owner's and never touched). */
export function rotaTagsOf(event: calendar_v3.Schema$Event): { target: string; key: string } | undefined {
  const tags = event.extendedProperties?.private;
  const [target, key] = [tags?.[TAG.target], tags?.[TAG.key]];
  if (tags?.[TAG.marker] !== "1" || !target || !key) return undefined;
  return { target, key };
}
