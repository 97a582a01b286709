import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../api.ts";
import type { Me } from "../main.tsx";
import { browserZone, localDate, localTime, monthGrid, shiftMonth } from "../time.ts";

type Program = Schemas["DutyProgram"];
type Slot = Schemas["DutyCalendarSlot"];

/** How often the calendar re-reads the month, so someone else's booking shows within seconds. */
const REFRESH_MS = 3000;
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/**
 * The company duty calendar: a month of slots as a grid in the viewer's zone
 * (switchable), free seats at a glance, my booking highlighted. A free seat
 * books on click; my booking cancels on click. Refusals show the API's words.
 */
export function DutyCalendar({ me }: { me: Me }) {
  // ?program=…&month=YYYY-MM: a calendar can be linked to (and survives a reload).
  const query = new URLSearchParams(location.search);
  const [programs, setPrograms] = useState<Program[] | null>(null);
  const [programId, setProgramId] = useState<string | null>(query.get("program"));
  const [zone, setZone] = useState(me.timeZone);
  const [month, setMonth] = useState(() => (/^\d{4}-\d{2}$/.test(query.get("month") ?? "") ? query.get("month")! : localDate(new Date(), me.timeZone).slice(0, 7)));
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const shownRef = useRef({ month, programId });
  shownRef.current = { month, programId };
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // My booking chosen on the grid: cancel it, move it (the next free seat clicked), or offer a trade.
  const [chosen, setChosen] = useState<Slot | null>(null);
  const [moving, setMoving] = useState(false);
  const [tradeFor, setTradeFor] = useState("");

  useEffect(() => {
    void api.GET("/v1/duty-programs", { params: { query: { limit: 100 } } }).then(({ data, error }) => {
      if (!data) return setMessage({ kind: "error", text: problemText(error) });
      setPrograms(data.items);
      setProgramId((id) => id ?? data.items[0]?.id ?? null);
    });
  }, []);

  // The month's ETag as last drawn: the 3-second re-reads send it and get an empty 304 while nothing changed.
  const etagRef = useRef<{ key: string; etag: string } | null>(null);
  const load = async () => {
    if (!programId) return;
    const key = `${programId}|${month}`;
    const etag = etagRef.current?.key === key ? etagRef.current.etag : undefined;
    const { data, error, response } = await api.GET("/v1/duty-programs/{id}/slots", {
      params: { path: { id: programId }, query: { month } },
      ...(etag ? { headers: { "if-none-match": etag } } : {}),
    });
    if (response.status === 304) return;
    // A late answer for a month or program no longer shown is dropped.
    if (data) {
      if (data.month !== shownRef.current.month || data.programId !== shownRef.current.programId) return;
      const received = response.headers.get("etag");
      etagRef.current = received ? { key, etag: received } : null;
      setSlots(data.items);
    } else setMessage({ kind: "error", text: problemText(error) });
  };
  useEffect(() => {
    if (programId) history.replaceState(null, "", `${location.pathname}?program=${programId}&month=${month}`);
    etagRef.current = null;
    setSlots(null);
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [programId, month]);

  const byDay = useMemo(() => {
    const days = new Map<string, Slot[]>();
    for (const slot of slots ?? []) {
      const day = localDate(slot.start, zone);
      days.set(day, [...(days.get(day) ?? []), slot]);
    }
    return days;
  }, [slots, zone]);

  const mineIn = (slot: Slot) => slot.bookings.find((b) => b.personId === me.id);

  const perform = async (slot: Slot, work: Promise<{ error?: unknown }>, done: string) => {
    setBusy(slot.id);
    setMessage(null);
    const { error } = await work;
    setBusy(null);
    setMessage(error ? { kind: "error", text: problemText(error) } : { kind: "ok", text: done });
    if (!error) {
      setChosen(null);
      setMoving(false);
    }
    await load();
  };

  const when = (slot: Slot) => `${localTime(slot.start, zone)} on ${localDate(slot.start, zone)}`;

  const act = async (slot: Slot) => {
    if (mineIn(slot)) {
      setChosen(chosen?.id === slot.id ? null : slot);
      setMoving(false);
      return;
    }
    if (moving && chosen) {
      const booking = mineIn(chosen)!;
      return perform(slot, api.POST("/v1/duty-bookings/{id}/move", { params: { path: { id: booking.id } }, body: { slotId: slot.id } }), `Moved to ${when(slot)}.`);
    }
    return perform(slot, api.POST("/v1/duty-slots/{id}/bookings", { params: { path: { id: slot.id } }, body: {} }), `Booked ${when(slot)}.`);
  };

  const cancel = (slot: Slot) => perform(slot, api.DELETE("/v1/duty-bookings/{id}", { params: { path: { id: mineIn(slot)!.id } } }), "Booking cancelled.");

  const others = (slots ?? []).flatMap((slot) => slot.bookings.filter((b) => b.personId !== me.id).map((b) => ({ slot, booking: b })));
  const offerTrade = (slot: Slot) => {
    const other = others.find((o) => o.booking.id === tradeFor);
    if (!other) return;
    return perform(
      slot,
      api.POST("/v1/swaps", { body: { kind: "trade", counterpartId: other.booking.personId, offered: { kind: "duty_booking", id: mineIn(slot)!.id }, requested: { kind: "duty_booking", id: other.booking.id } } }),
      `Trade offered to ${other.booking.name}: your ${when(slot)} for their ${when(other.slot)}. They accept it under My schedule.`,
    );
  };

  const program = programs?.find((p) => p.id === programId);
  const zones = [...new Set([me.timeZone, browserZone, program?.timeZone, "UTC"].filter((z): z is string => !!z))];
  const today = localDate(new Date(), zone);

  return (
    <section aria-labelledby="duty-title">
      <h1 id="duty-title">{program?.name ?? "Duty calendar"}</h1>
      <div class="toolbar">
        {programs && programs.length > 1 && (
          <label>
            Program{" "}
            <select value={programId ?? ""} onChange={(e) => setProgramId(e.currentTarget.value)}>
              {programs.map((p) => <option value={p.id}>{p.name}</option>)}
            </select>
          </label>
        )}
        <button type="button" onClick={() => setMonth(shiftMonth(month, -1))} aria-label="Previous month">‹</button>
        <span class="month" aria-live="polite">{month}</span>
        <button type="button" onClick={() => setMonth(shiftMonth(month, 1))} aria-label="Next month">›</button>
        <label>
          Times in{" "}
          <select value={zone} onChange={(e) => setZone(e.currentTarget.value)}>
            {zones.map((z) => <option value={z}>{z}</option>)}
          </select>
        </label>
      </div>
      <p class={message?.kind === "error" ? "error" : "ok"} role={message?.kind === "error" ? "alert" : "status"}>{message?.text ?? ""}</p>
      {chosen && mineIn(chosen) && (
        <div class="panel" role="region" aria-label="Your booking">
          <h2>Your booking: {when(chosen)}</h2>
          <div class="toolbar">
            <button type="button" onClick={() => void cancel(chosen)}>Cancel booking</button>
            <button type="button" aria-pressed={moving} onClick={() => setMoving(!moving)}>{moving ? "Pick a free seat… (stop moving)" : "Move to another slot"}</button>
            <label>
              Trade with{" "}
              <select value={tradeFor} onChange={(e) => setTradeFor(e.currentTarget.value)}>
                <option value="">choose a booking</option>
                {others.map((o) => <option value={o.booking.id}>{o.booking.name}, {when(o.slot)}</option>)}
              </select>
            </label>
            <button type="button" disabled={!tradeFor} onClick={() => void offerTrade(chosen)}>Offer trade</button>
            <button type="button" class="link" onClick={() => { setChosen(null); setMoving(false); }}>Close</button>
          </div>
        </div>
      )}
      {programs?.length === 0 && <p>No duty program yet.</p>}
      {slots === null && programId && <p role="status">Loading…</p>}
      {slots !== null && (
        <table class="month-grid">
          <caption class="visually-hidden">Slots of {month}, times in {zone}</caption>
          <thead>
            <tr>{WEEKDAYS.map((d) => <th scope="col">{d}</th>)}</tr>
          </thead>
          <tbody>
            {monthGrid(month).map((week) => (
              <tr>
                {week.map((day) => (
                  <td class={day === today ? "today" : undefined}>
                    {day && (
                      <>
                        <div class="day">{Number(day.slice(8))}</div>
                        <ul>
                          {(byDay.get(day) ?? []).map((slot) => {
                            const mine = slot.bookings.some((b) => b.personId === me.id);
                            const free = slot.closed ? 0 : slot.freeSeats;
                            const state = mine ? "★ mine" : free > 0 ? `${free} free` : "full";
                            // Spoken after what is seen (so the accessible name starts with the visible text).
                            const more = `, until ${localTime(slot.end, zone)}${mine ? ", click to cancel, move or trade" : free > 0 ? (moving ? ", click to move your booking here" : ", click to book") : ""}${slot.bookings.length ? `, booked by ${slot.bookings.map((b) => b.name).join(", ")}` : ""}`;
                            return (
                              <li>
                                <button
                                  type="button"
                                  class={`slot ${mine ? "mine" : free > 0 ? "free" : "full"}`}
                                  disabled={busy === slot.id || (!mine && free === 0)}
                                  title={`${localTime(slot.start, zone)} ${state}${more}`}
                                  data-slot={slot.id}
                                  onClick={() => void act(slot)}
                                >
                                  {localTime(slot.start, zone)} {state}
                                  <span class="visually-hidden">{more}</span>
                                </button>
                              </li>
                            );
                          })}
                        </ul>
                      </>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
