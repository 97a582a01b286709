import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, problemText, type Schemas } from "../api.ts";
import type { Me } from "../main.tsx";
import { addDays, localDate, localDateTime, localTime, mondayOf, startOfDay } from "../time.ts";

type Swap = Schemas["Swap"];
type Person = Schemas["Person"];
type Assignment = { kind: "shift" | "duty_booking" | "oncall"; id: string; start: string; end: string; title: string };
type Message = { kind: "error" | "ok"; text: string } | null;

const WEEKS_AHEAD = 4;
const KIND = { shift: "Shift", duty_booking: "Chat duty", oncall: "On call" } as const;
const WEEKDAY = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });

/** The title beyond its kind ("On call: Escalations" → "Escalations"), or nothing. */
const detailOf = (a: Assignment) => (a.title.startsWith(`${KIND[a.kind]}: `) ? a.title.slice(KIND[a.kind].length + 2) : a.title === KIND[a.kind] ? "" : a.title);
const keyOf = (a: Assignment) => `${a.kind}-${a.id}-${a.start}`;
/** How a swap names an assignment: on-call turns also by their window (a schedule is not one person's). */
const refOf = (a: Assignment) => ({ kind: a.kind, id: a.id, ...(a.kind === "oncall" ? { start: a.start, end: a.end } : {}) });

/**
 * My coming weeks: shifts, duty slots and on-call turns as a list or a week
 * view; offer one to anyone (an open swap), give it to or trade it with a
 * named person; answer swaps offered to me or take open ones; request time
 * off; subscribe my calendar (iCal feed).
 */
export function MySchedule({ me }: { me: Me }) {
  const [assignments, setAssignments] = useState<Assignment[] | null>(null);
  const [offered, setOffered] = useState<Swap[]>([]);
  const [open, setOpen] = useState<Swap[]>([]);
  const [toComplete, setToComplete] = useState<Swap[]>([]);
  const [waiting, setWaiting] = useState<Swap[]>([]);
  const [message, setMessage] = useState<Message>(null);
  const [feed, setFeed] = useState<{ url: string; webcalUrl: string } | null>(null);
  const [away, setAway] = useState({ startDate: "", endDate: "", reason: "vacation" as const, note: "" });
  const [view, setView] = useState<"list" | "week">("list");
  const [week, setWeek] = useState(0);
  const [giving, setGiving] = useState<Assignment | null>(null);

  // From this Monday in my zone, so the week view's first week is whole.
  const firstMonday = mondayOf(localDate(new Date(), me.timeZone));

  const load = async () => {
    const from = startOfDay(firstMonday, me.timeZone);
    const to = startOfDay(addDays(firstMonday, WEEKS_AHEAD * 7), me.timeZone);
    const [mine, swaps, takeable, accepted, approved] = await Promise.all([
      api.GET("/v1/people/{id}/assignments", { params: { path: { id: me.id }, query: { from: from.toISOString(), to: to.toISOString() } } }),
      api.GET("/v1/swaps", { params: { query: { status: "pending", limit: 100 } } }),
      api.GET("/v1/swaps/open", { params: { query: { limit: 100 } } }),
      api.GET("/v1/swaps", { params: { query: { status: "accepted", limit: 100 } } }),
      api.GET("/v1/swaps", { params: { query: { status: "approved", limit: 100 } } }),
    ]);
    const mineToo = (s: Swap) => s.requesterId === me.id || s.counterpartId === me.id;
    if (mine.data) setAssignments(mine.data.assignments as Assignment[]);
    else setMessage({ kind: "error", text: problemText(mine.error) });
    setOffered((swaps.data?.items ?? []).filter((s) => s.counterpartId === me.id));
    setOpen((takeable.data?.items ?? []).filter((s) => s.requesterId !== me.id));
    // Accepting completes a swap unless a lead must approve it: then it waits, and once approved either side completes it.
    setWaiting((accepted.data?.items ?? []).filter(mineToo));
    setToComplete((approved.data?.items ?? []).filter(mineToo));
  };
  useEffect(() => void load(), []);

  const run = async (work: Promise<{ error?: unknown }>, done: string) => {
    setMessage(null);
    const { error } = await work;
    setMessage(error ? { kind: "error", text: problemText(error) } : { kind: "ok", text: done });
    await load();
    return !error;
  };

  const offer = (a: Assignment) => run(api.POST("/v1/swaps", { body: { kind: "open", offered: refOf(a) } }), `Offered: ${a.title}, ${localDateTime(a.start, me.timeZone)}. Anyone eligible may take it.`);
  const answer = async (swap: Swap, verb: "accept" | "decline") => {
    if (verb === "decline") return run(api.POST("/v1/swaps/{id}/decline", { params: { path: { id: swap.id } } }), "Declined.");
    setMessage(null);
    const { data, error } = await api.POST("/v1/swaps/{id}/accept", { params: { path: { id: swap.id } } });
    setMessage(
      data
        ? { kind: "ok", text: data.swap.status === "completed" ? "Swap completed: the schedule is changed." : "Accepted. A lead of the team must approve it; then either of you completes it." }
        : { kind: "error", text: problemText(error) },
    );
    await load();
  };

  const subscribe = async () => {
    const { data, error } = await api.POST("/v1/feeds", { body: { subject: { kind: "person", id: me.id }, includeTimeOff: true } });
    if (data) setFeed({ url: data.url, webcalUrl: data.webcalUrl });
    else setMessage({ kind: "error", text: problemText(error) });
  };

  const when = (a: { start: string; end: string }) => {
    const z = me.timeZone;
    return `${localDate(a.start, z)} ${localTime(a.start, z)}–${localDate(a.end, z) === localDate(a.start, z) ? "" : `${localDate(a.end, z)} `}${localTime(a.end, z)}`;
  };
  const swapLine = (s: Swap) =>
    `${KIND[s.offered.kind]} ${localDateTime(s.offered.start, me.timeZone)}${s.requested ? `, in exchange for ${KIND[s.requested.kind].toLowerCase()} ${localDateTime(s.requested.start, me.timeZone)}` : ""}`;

  const now = Date.now();
  const coming = (assignments ?? []).filter((a) => Date.parse(a.end) > now);
  const actions = (a: Assignment) => (
    <>
      <button type="button" class="link" onClick={() => void offer(a)}>Offer to anyone</button>
      <button type="button" class="link" aria-expanded={giving !== null && keyOf(giving) === keyOf(a)} onClick={() => setGiving(giving && keyOf(giving) === keyOf(a) ? null : a)}>
        Give or trade…
      </button>
    </>
  );

  return (
    <section aria-labelledby="mine-title">
      <h1 id="mine-title">My schedule</h1>
      <p class={message?.kind === "error" ? "error" : "ok"} role={message?.kind === "error" ? "alert" : "status"}>{message?.text ?? ""}</p>

      <div class="toolbar">
        <h2 class="inline">Next {WEEKS_AHEAD} weeks</h2>
        <span role="group" aria-label="View" class="segmented">
          <button type="button" aria-pressed={view === "list"} onClick={() => setView("list")}>List</button>
          <button type="button" aria-pressed={view === "week"} onClick={() => setView("week")}>Week</button>
        </span>
        <span class="hint">Times in {me.timeZone}</span>
      </div>
      {assignments === null ? (
        <p role="status">Loading…</p>
      ) : view === "list" ? (
        coming.length === 0 ? (
          <p>Nothing scheduled.</p>
        ) : (
          <ul class="agenda">
            {coming.map((a) => (
              <li key={keyOf(a)}>
                <span class="when">{when(a)}</span> <span class={`kind ${a.kind}`}>{KIND[a.kind]}</span> {detailOf(a)} {actions(a)}
              </li>
            ))}
          </ul>
        )
      ) : (
        <WeekView me={me} monday={addDays(firstMonday, week * 7)} assignments={assignments} week={week} setWeek={setWeek} actions={actions} />
      )}
      {giving && <GiveOrTrade me={me} assignment={giving} onDone={(ok, text) => { setMessage(ok ? { kind: "ok", text } : { kind: "error", text }); if (ok) { setGiving(null); void load(); } }} onClose={() => setGiving(null)} />}

      <h2>Swaps</h2>
      {offered.length === 0 && open.length === 0 && toComplete.length === 0 && waiting.length === 0 && <p>No swap waiting for you.</p>}
      <ul class="agenda">
        {offered.map((s) => (
          <li key={s.id}>
            {s.kind === "trade" ? "Trade offered to you" : "Given to you"}: {swapLine(s)}{" "}
            <button type="button" onClick={() => void answer(s, "accept")}>Accept</button>{" "}
            <button type="button" onClick={() => void answer(s, "decline")}>Decline</button>
          </li>
        ))}
        {waiting.map((s) => (
          <li key={s.id}>Waiting for a lead's approval: {swapLine(s)}</li>
        ))}
        {toComplete.map((s) => (
          <li key={s.id}>
            Approved: {swapLine(s)}{" "}
            <button type="button" onClick={() => void run(api.POST("/v1/swaps/{id}/complete", { params: { path: { id: s.id } } }), "Swap completed: the schedule is changed.")}>Complete</button>
          </li>
        ))}
        {open.map((s) => (
          <li key={s.id}>
            Open: {swapLine(s)}{" "}
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

/** Seven day columns (one below the other on a phone); an assignment shows on every day it touches. */
function WeekView(props: { me: Me; monday: string; assignments: Assignment[]; week: number; setWeek: (w: number) => void; actions: (a: Assignment) => JSX.Element }) {
  const { me, monday, assignments, week, setWeek, actions } = props;
  const zone = me.timeZone;
  const days = Array.from({ length: 7 }, (_, d) => addDays(monday, d));
  const today = localDate(new Date(), zone);
  return (
    <>
      <div class="toolbar">
        <button type="button" disabled={week === 0} onClick={() => setWeek(week - 1)} aria-label="Previous week">‹</button>
        <span class="month" aria-live="polite">Week of {monday}</span>
        <button type="button" disabled={week === WEEKS_AHEAD - 1} onClick={() => setWeek(week + 1)} aria-label="Next week">›</button>
      </div>
      <ol class="week-view">
        {days.map((day) => {
          const start = startOfDay(day, zone).getTime();
          const end = startOfDay(addDays(day, 1), zone).getTime();
          const those = assignments.filter((a) => Date.parse(a.start) < end && Date.parse(a.end) > start);
          return (
            <li key={day} class={day === today ? "today" : undefined} data-day={day}>
              <h3>{WEEKDAY.format(new Date(`${day}T00:00:00Z`))}</h3>
              {those.length === 0 ? (
                <p class="hint">Free</p>
              ) : (
                <ul>
                  {those.map((a) => (
                    <li key={keyOf(a)} class={`block ${a.kind}`}>
                      <span class="when">{Date.parse(a.start) < start ? "…" : localTime(a.start, zone)}–{Date.parse(a.end) > end ? "…" : localTime(a.end, zone)}</span> {KIND[a.kind]}
                      {detailOf(a) ? `: ${detailOf(a)}` : ""}
                      {/* The actions once, on the day it starts (or the week's first day). */}
                      {Date.parse(a.end) > Date.now() && (Date.parse(a.start) >= start || day === monday) && <div>{actions(a)}</div>}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
    </>
  );
}

/**
 * Give an assignment to a named person, or trade it for one of theirs: find
 * them by name, pick (for a trade) what they give back, and offer. The API
 * decides who is eligible and says why not.
 */
function GiveOrTrade(props: { me: Me; assignment: Assignment; onDone: (ok: boolean, text: string) => void; onClose: () => void }) {
  const { me, assignment: a, onDone, onClose } = props;
  const [kind, setKind] = useState<"give_away" | "trade">("give_away");
  const [q, setQ] = useState("");
  const [found, setFound] = useState<Person[]>([]);
  const [personId, setPersonId] = useState("");
  const [theirs, setTheirs] = useState<Assignment[] | null>(null);
  const [wanted, setWanted] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const asked = useRef("");

  // People matching what is typed, a moment after typing stops; a late answer for older text is dropped.
  useEffect(() => {
    const text = q.trim();
    asked.current = text;
    if (!text) return setFound([]);
    const timer = setTimeout(() => {
      void api.GET("/v1/people", { params: { query: { q: text, active: true, limit: 20 } } }).then(({ data }) => {
        if (asked.current !== text) return;
        const people = (data?.items ?? []).filter((p) => p.id !== me.id);
        setFound(people);
        setPersonId((id) => (people.some((p) => p.id === id) ? id : people[0]?.id ?? ""));
      });
    }, 200);
    return () => clearTimeout(timer);
  }, [q]);

  // For a trade: what the chosen person has in the same weeks (a teammate's schedule; others are refused with a reason).
  useEffect(() => {
    setTheirs(null);
    setWanted("");
    setProblem(null);
    if (kind !== "trade" || !personId) return;
    const from = new Date().toISOString();
    const to = new Date(Date.now() + WEEKS_AHEAD * 7 * 86_400_000).toISOString();
    void api.GET("/v1/people/{id}/assignments", { params: { path: { id: personId }, query: { from, to } } }).then(({ data, error }) => {
      if (!data) return setProblem(problemText(error));
      const list = (data.assignments as Assignment[]).filter((x) => Date.parse(x.start) > Date.now());
      setTheirs(list);
      setWanted(list[0] ? keyOf(list[0]) : "");
    });
  }, [kind, personId]);

  const person = found.find((p) => p.id === personId);
  const requested = theirs?.find((x) => keyOf(x) === wanted);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!person || (kind === "trade" && !requested)) return;
    const { error } = await api.POST("/v1/swaps", {
      body: { kind, counterpartId: person.id, offered: refOf(a), ...(kind === "trade" && requested ? { requested: refOf(requested) } : {}) },
    });
    if (error) return onDone(false, problemText(error));
    onDone(true, kind === "trade" ? `Trade offered to ${person.name}. They accept it under My schedule.` : `Offered to ${person.name}. They accept it under My schedule.`);
  };

  return (
    <div class="panel" role="region" aria-label="Give or trade">
      <h2>
        Give or trade: {KIND[a.kind]}, {localDateTime(a.start, me.timeZone)}
      </h2>
      <form class="inline-form" onSubmit={(e) => void submit(e)}>
        <fieldset>
          <legend>How</legend>
          <label>
            <input type="radio" name="swap-kind" checked={kind === "give_away"} onChange={() => setKind("give_away")} /> Give it away
          </label>{" "}
          <label>
            <input type="radio" name="swap-kind" checked={kind === "trade"} onChange={() => setKind("trade")} /> Trade for one of theirs
          </label>
        </fieldset>
        <label>
          Find a person <input type="search" value={q} autoComplete="off" onInput={(e) => setQ(e.currentTarget.value)} />
        </label>
        <label>
          To{" "}
          <select value={personId} disabled={found.length === 0} onChange={(e) => setPersonId(e.currentTarget.value)}>
            {found.length === 0 && <option value="">type a name first</option>}
            {found.map((p) => <option value={p.id}>{p.name} ({p.email})</option>)}
          </select>
        </label>
        {kind === "trade" && personId && (
          <label>
            For their{" "}
            <select value={wanted} disabled={!theirs?.length} onChange={(e) => setWanted(e.currentTarget.value)}>
              {theirs === null ? <option value="">loading…</option> : theirs.length === 0 ? <option value="">nothing in the next weeks</option> : null}
              {theirs?.map((x) => <option value={keyOf(x)}>{KIND[x.kind]}, {localDateTime(x.start, me.timeZone)}–{localTime(x.end, me.timeZone)}</option>)}
            </select>
          </label>
        )}
        <button type="submit" disabled={!person || (kind === "trade" && !requested)}>Offer</button>
        <button type="button" class="link" onClick={onClose}>Close</button>
      </form>
      {problem && <p class="error" role="alert">{problem}</p>}
    </div>
  );
}
