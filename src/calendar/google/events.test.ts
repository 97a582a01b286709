import { describe, expect, it } from "vitest";
import { eventDigest, googleEventId, rotaTagsOf, toGoogleEvent } from "./events.ts";

const event = { key: "shift-1@rota.example", start: new Date("2026-03-29T00:00:00Z"), end: new Date("2026-03-29T06:00:00Z"), summary: "Night", description: "", busy: true };

describe("googleEventId", () => {
  it("is 52 characters of base32hex (Google: [a-v0-9], 5–1024), the same for the same target and UID, different otherwise", () => {
    const id = googleEventId("target-1", "shift-1@rota.example");
    expect(id).toMatch(/^[a-v0-9]{52}$/);
    expect(googleEventId("target-1", "shift-1@rota.example")).toBe(id);
    expect(googleEventId("target-2", "shift-1@rota.example")).not.toBe(id);
    expect(googleEventId("target-1", "shift-2@rota.example")).not.toBe(id);
    // No separator trick: (a, bc) and (ab, c) differ.
    expect(googleEventId("a", "bc")).not.toBe(googleEventId("ab", "c"));
  });

  it("uses the whole alphabet over many ids (a wrong bit shift would leave letters out)", () => {
    const seen = new Set(Array.from({ length: 200 }, (_, i) => googleEventId("t", `uid-${i}`)).join(""));
    expect(seen.size).toBe(32);
  });
});

describe("toGoogleEvent", () => {
  it("writes local times with the zone's offset on both sides of a DST change, tagged as Rota's", () => {
    const body = toGoogleEvent("t1", "Europe/Berlin", event);
    // 01:00 CET to 08:00 CEST: the night spring forward happens.
    expect(body.start).toEqual({ dateTime: "2026-03-29T01:00:00+01:00", timeZone: "Europe/Berlin" });
    expect(body.end).toEqual({ dateTime: "2026-03-29T08:00:00+02:00", timeZone: "Europe/Berlin" });
    expect(body.transparency).toBe("opaque");
    expect(rotaTagsOf(body)).toEqual({ target: "t1", key: event.key });
    expect(toGoogleEvent("t1", "UTC", { ...event, busy: false }).transparency).toBe("transparent");
  });

  it("digests what Google gives back (UTC, no empty description, no default transparency) as what was sent", () => {
    const body = toGoogleEvent("t1", "America/New_York", event);
    const echoed = { id: body.id, summary: "Night", start: { dateTime: "2026-03-29T00:00:00Z" }, end: { dateTime: "2026-03-29T06:00:00Z" }, status: "confirmed", extendedProperties: body.extendedProperties };
    expect(eventDigest(echoed)).toBe(eventDigest(body));
    expect(eventDigest({ ...echoed, summary: "Edited" })).not.toBe(eventDigest(body));
    expect(eventDigest({ ...echoed, status: "cancelled" })).not.toBe(eventDigest(body));
    expect(eventDigest({ ...echoed, end: { dateTime: "2026-03-29T07:00:00Z" } })).not.toBe(eventDigest(body));
  });

  it("an event without Rota's tags is never taken for Rota's", () => {
    expect(rotaTagsOf({ summary: "Dentist" })).toBeUndefined();
    expect(rotaTagsOf({ extendedProperties: { private: { rotaTarget: "t1", rotaKey: "k" } } })).toBeUndefined();
  });
});
