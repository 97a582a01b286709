import { useEffect, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../api.ts";
import type { Me } from "../main.tsx";
import { localDate, localDateTime, localTime } from "../time.ts";

type Segment = Schemas["ScheduleSegment"];

const DAY_MS = 86_400_000;
const DAYS = 14;
// Each at least 4.5:1 against white text (WCAG AA).
const COLOURS = ["#1967d2", "#137333", "#8430ce", "#9c4e00", "#007b83", "#c5221f", "#5f6368"];

/**
 * A schedule's next two weeks as a timeline: one bar per day in the viewer's
 * zone, each turn a block (overrides hatched, gaps red and labelled), and a
 * form to put someone on call over a window (an override).
 */
export function OnCallTimeline({ me, scheduleId, scheduleName }: { me: Me; scheduleId: string; scheduleName: string }) {
  const [segments, setSegments] = useState<Segment[] | null>(null);
  const [names, setNames] = useState<Map<string, string>>(new Map([[me.id, me.name]]));
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);
  const [form, setForm] = useState({ personId: me.id, start: "", end: "" });
  const zone = me.timeZone;
  const from = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const to = new Date(from.getTime() + DAYS * DAY_MS);

  const load = async () => {
    const { data, error } = await api.GET("/v1/schedules/{id}/segments", { params: { path: { id: scheduleId }, query: { from: from.toISOString(), to: to.toISOString() } } });
    if (!data) return setMessage({ kind: "error", text: problemText(error) });
    setSegments(data.segments);
    const unknown = [...new Set(data.segments.map((s) => s.personId).filter((p): p is string => !!p && !names.has(p)))];
    const found = await Promise.all(unknown.map((id) => api.GET("/v1/people/{id}", { params: { path: { id } } })));
    setNames((old) => new Map([...old, ...found.flatMap((r) => (r.data ? [[r.data.id, r.data.name] as [string, string]] : []))]));
  };
  useEffect(() => void load(), [scheduleId]);

  const colour = (personId: string) => COLOURS[[...names.keys()].indexOf(personId) % COLOURS.length] ?? COLOURS[0];
  const days = Array.from({ length: DAYS }, (_, d) => new Date(from.getTime() + d * DAY_MS));

  const createOverride = async () => {
    const start = new Date(form.start);
    const end = new Date(form.end);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return setMessage({ kind: "error", text: "Give a start and an end." });
    const { error } = await api.POST("/v1/schedules/{id}/overrides", { params: { path: { id: scheduleId } }, body: { personId: form.personId, start: start.toISOString(), end: end.toISOString() } });
    setMessage(error ? { kind: "error", text: problemText(error) } : { kind: "ok", text: `${names.get(form.personId) ?? "They"} on call ${localDateTime(start, zone)}–${localDateTime(end, zone)}.` });
    await load();
  };

  return (
    <section aria-labelledby="timeline-title" class="timeline">
      <h2 id="timeline-title">{scheduleName}: the next two weeks</h2>
      <p class={message?.kind === "error" ? "error" : "ok"} role={message?.kind === "error" ? "alert" : "status"}>{message?.text ?? ""}</p>
      {segments === null ? (
        <p role="status">Loading…</p>
      ) : (
        <ol class="days">
          {days.map((day) => {
            const dayStart = day.getTime();
            const dayEnd = dayStart + DAY_MS;
            const today = segments.filter((s) => Date.parse(s.start) < dayEnd && Date.parse(s.end) > dayStart);
            return (
              <li>
                <span class="date">{localDate(day, zone).slice(5)}</span>
                <div class="bar">
                  {today.map((s) => {
                    const start = Math.max(Date.parse(s.start), dayStart);
                    const end = Math.min(Date.parse(s.end), dayEnd);
                    const who = s.personId ? names.get(s.personId) ?? "…" : "No one on call";
                    const kind = s.source.kind;
                    return (
                      <span
                        class={`block ${kind}`}
                        style={{ left: `${((start - dayStart) / DAY_MS) * 100}%`, width: `${((end - start) / DAY_MS) * 100}%`, ...(s.personId ? { background: colour(s.personId) } : {}) }}
                        title={`${who}${kind === "override" ? " (override)" : ""}: ${localDateTime(s.start, zone)}–${localDateTime(s.end, zone)}`}
                      >
                        <span class="label">{who}{kind === "override" ? " ⇄" : ""}</span>
                        <span class="visually-hidden">{kind === "override" ? ", override" : kind === "gap" ? ", a gap" : ""}, {localTime(s.start, zone)}–{localTime(s.end, zone)}</span>
                      </span>
                    );
                  })}
                </div>
              </li>
            );
          })}
        </ol>
      )}
      <form
        class="inline-form"
        aria-label="Put someone on call"
        onSubmit={(e) => {
          e.preventDefault();
          void createOverride();
        }}
      >
        <label>
          Who{" "}
          <select value={form.personId} onChange={(e) => setForm({ ...form, personId: e.currentTarget.value })}>
            {[...names].map(([id, name]) => <option value={id}>{name}</option>)}
          </select>
        </label>
        <label>
          From <input type="datetime-local" required value={form.start} onInput={(e) => setForm({ ...form, start: e.currentTarget.value })} />
        </label>
        <label>
          To <input type="datetime-local" required value={form.end} onInput={(e) => setForm({ ...form, end: e.currentTarget.value })} />
        </label>
        <button type="submit">Create override</button>
      </form>
      <p class="hint">Times in the form are your browser's ({Intl.DateTimeFormat().resolvedOptions().timeZone}); the timeline shows {zone}.</p>
    </section>
  );
}
