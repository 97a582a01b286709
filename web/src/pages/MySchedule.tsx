import { useEffect, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../api.ts";
import type { Me } from "../main.tsx";
import { localDate, localDateTime, localTime } from "../time.ts";

type Swap = Schemas["Swap"];
type Assignment = { kind: "shift" | "duty_booking" | "oncall"; id: string; start: string; end: string; title: string };

const WEEKS_AHEAD = 4;
const KIND = { shift: "Shift", duty_booking: "Chat duty", oncall: "On call" } as const;

/**
 * My coming weeks: shifts, duty slots and on-call turns in one list; offer
 * one to anyone (an open swap); answer swaps offered to me or take open
 * ones; request time off; subscribe my calendar (iCal feed).
 */
export function MySchedule({ me }: { me: Me }) {
  const [assignments, setAssignments] = useState<Assignment[] | null>(null);
  const [offered, setOffered] = useState<Swap[]>([]);
  const [open, setOpen] = useState<Swap[]>([]);
  const [toComplete, setToComplete] = useState<Swap[]>([]);
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);
  const [feed, setFeed] = useState<{ url: string; webcalUrl: string } | null>(null);
  const [away, setAway] = useState({ startDate: "", endDate: "", reason: "vacation" as const, note: "" });

  const load = async () => {
    const from = new Date();
    const to = new Date(from.getTime() + WEEKS_AHEAD * 7 * 86_400_000);
    const [mine, swaps, takeable, accepted] = await Promise.all([
      api.GET("/v1/people/{id}/assignments", { params: { path: { id: me.id }, query: { from: from.toISOString(), to: to.toISOString() } } }),
      api.GET("/v1/swaps", { params: { query: { status: "pending", limit: 100 } } }),
      api.GET("/v1/swaps/open", { params: { query: { limit: 100 } } }),
      api.GET("/v1/swaps", { params: { query: { status: "accepted", limit: 100 } } }),
    ]);
    if (mine.data) setAssignments(mine.data.assignments as Assignment[]);
    else setMessage({ kind: "error", text: problemText(mine.error) });
    setOffered((swaps.data?.items ?? []).filter((s) => s.counterpartId === me.id));
    setOpen((takeable.data?.items ?? []).filter((s) => s.requesterId !== me.id));
    // Accepted, and no lead needs to approve: either side completes it.
    setToComplete((accepted.data?.items ?? []).filter((s) => !s.requiresApproval && (s.requesterId === me.id || s.counterpartId === me.id)));
  };
  useEffect(() => void load(), []);

  const run = async (work: Promise<{ error?: unknown }>, done: string) => {
    setMessage(null);
    const { error } = await work;
    setMessage(error ? { kind: "error", text: problemText(error) } : { kind: "ok", text: done });
    await load();
  };

  const offer = (a: Assignment) => run(api.POST("/v1/swaps", { body: { kind: "open", offered: { kind: a.kind, id: a.id, ...(a.kind === "oncall" ? { start: a.start, end: a.end } : {}) } } }), `Offered: ${a.title}, ${localDateTime(a.start, me.timeZone)}. Anyone eligible may take it.`);
  const answer = (swap: Swap, verb: "accept" | "decline") =>
    run(verb === "accept" ? api.POST("/v1/swaps/{id}/accept", { params: { path: { id: swap.id } } }) : api.POST("/v1/swaps/{id}/decline", { params: { path: { id: swap.id } } }), verb === "accept" ? "Accepted." : "Declined.");

  const subscribe = async () => {
    const { data, error } = await api.POST("/v1/feeds", { body: { subject: { kind: "person", id: me.id }, includeTimeOff: true } });
    if (data) setFeed({ url: data.url, webcalUrl: data.webcalUrl });
    else setMessage({ kind: "error", text: problemText(error) });
  };

  return (
    <section aria-labelledby="mine-title">
      <h1 id="mine-title">My schedule</h1>
      <p class={message?.kind === "error" ? "error" : "ok"} role={message?.kind === "error" ? "alert" : "status"}>{message?.text ?? ""}</p>

      <h2>Next {WEEKS_AHEAD} weeks</h2>
      {assignments === null ? (
        <p role="status">Loading…</p>
      ) : assignments.length === 0 ? (
        <p>Nothing scheduled.</p>
      ) : (
        <ul class="agenda">
          {assignments.map((a) => (
            <li key={`${a.kind}-${a.id}-${a.start}`}>
              <span class="when">
                {localDate(a.start, me.timeZone)} {localTime(a.start, me.timeZone)}–{localDate(a.end, me.timeZone) === localDate(a.start, me.timeZone) ? "" : `${localDate(a.end, me.timeZone)} `}
                {localTime(a.end, me.timeZone)}
              </span>{" "}
              <span class={`kind ${a.kind}`}>{KIND[a.kind]}</span> {a.title === KIND[a.kind] ? "" : a.title}{" "}
              <button type="button" class="link" onClick={() => void offer(a)}>Offer to anyone</button>
            </li>
          ))}
        </ul>
      )}

      <h2>Swaps</h2>
      {offered.length === 0 && open.length === 0 && toComplete.length === 0 && <p>No swap waiting for you.</p>}
      <ul class="agenda">
        {offered.map((s) => (
          <li key={s.id}>
            Offered to you: {KIND[s.offered.kind]} {s.offered.start ? localDateTime(s.offered.start, me.timeZone) : ""}{" "}
            <button type="button" onClick={() => void answer(s, "accept")}>Accept</button>{" "}
            <button type="button" onClick={() => void answer(s, "decline")}>Decline</button>
          </li>
        ))}
        {toComplete.map((s) => (
          <li key={s.id}>
            Agreed: {KIND[s.offered.kind]} {s.offered.start ? localDateTime(s.offered.start, me.timeZone) : ""}{" "}
            <button type="button" onClick={() => void run(api.POST("/v1/swaps/{id}/complete", { params: { path: { id: s.id } } }), "Swap completed: the schedule is changed.")}>Complete</button>
          </li>
        ))}
        {open.map((s) => (
          <li key={s.id}>
            Open: {KIND[s.offered.kind]} {s.offered.start ? localDateTime(s.offered.start, me.timeZone) : ""}{" "}
            <button type="button" onClick={() => void answer(s, "accept")}>Take it</button>
          </li>
        ))}
      </ul>

      <h2>Request time off</h2>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(api.POST("/v1/time-off", { body: { startDate: away.startDate, endDate: away.endDate || away.startDate, reason: away.reason, note: away.note || null } }), "Time off requested.");
        }}
      >
        <label>
          From <input type="date" required value={away.startDate} onInput={(e) => setAway({ ...away, startDate: e.currentTarget.value })} />
        </label>
        <label>
          To <input type="date" value={away.endDate} onInput={(e) => setAway({ ...away, endDate: e.currentTarget.value })} />
        </label>
        <label>
          Note <input type="text" maxLength={1000} value={away.note} onInput={(e) => setAway({ ...away, note: e.currentTarget.value })} />
        </label>
        <button type="submit">Request</button>
      </form>

      <h2>My calendar in other apps</h2>
      {feed ? (
        <p>
          <a href={feed.webcalUrl}>Subscribe (webcal)</a> · <button type="button" class="link" onClick={() => void navigator.clipboard?.writeText(feed.url)}>Copy URL</button>
          <br />
          <code class="feed-url">{feed.url}</code>
        </p>
      ) : (
        <button type="button" onClick={() => void subscribe()}>Make a subscription link</button>
      )}
    </section>
  );
}
