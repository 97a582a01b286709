import { useEffect, useMemo, useState } from "preact/hooks";
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
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    void api.GET("/v1/duty-programs", { params: { query: { limit: 100 } } }).then(({ data, error }) => {
      if (!data) return setMessage({ kind: "error", text: problemText(error) });
      setPrograms(data.items);
      setProgramId((id) => id ?? data.items[0]?.id ?? null);
    });
  }, []);

  const load = async () => {
    if (!programId) return;
    const { data, error } = await api.GET("/v1/duty-programs/{id}/slots", { params: { path: { id: programId }, query: { month } } });
    if (data) setSlots(data.items);
    else setMessage({ kind: "error", text: problemText(error) });
  };
  useEffect(() => {
    if (programId) history.replaceState(null, "", `${location.pathname}?program=${programId}&month=${month}`);
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

  const act = async (slot: Slot) => {
    const mine = slot.bookings.find((b) => b.personId === me.id);
    setBusy(slot.id);
    setMessage(null);
    const { error } = mine
      ? await api.DELETE("/v1/duty-bookings/{id}", { params: { path: { id: mine.id } } })
      : await api.POST("/v1/duty-slots/{id}/bookings", { params: { path: { id: slot.id } }, body: {} });
    setBusy(null);
    setMessage(error ? { kind: "error", text: problemText(error) } : { kind: "ok", text: mine ? "Booking cancelled." : `Booked ${localTime(slot.start, zone)} on ${localDate(slot.start, zone)}.` });
    await load();
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
                            const more = `, until ${localTime(slot.end, zone)}${mine ? ", click to cancel" : free > 0 ? ", click to book" : ""}${slot.bookings.length ? `, booked by ${slot.bookings.map((b) => b.name).join(", ")}` : ""}`;
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
